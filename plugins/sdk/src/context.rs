//! The command context and preview types, with conveniences.

pub use crate::bindings::exports::orbit::apps::commands::{CommandContext, PreviewItem, PreviewKind, Previews};

impl CommandContext {
    /// The trimmed parameters, or `default` when there are none.
    pub fn params_or<'a>(&'a self, default: &'a str) -> &'a str {
        match self.params.trim() {
            "" => default,
            params => params,
        }
    }

    /// The `n`th whitespace-separated argument.
    pub fn arg(&self, n: usize) -> Option<&str> {
        self.args.get(n).map(String::as_str)
    }
}

impl Previews {
    /// A preview list with a title and text items whose ids are their positions.
    pub fn texts(title: &str, values: impl IntoIterator<Item = impl Into<String>>) -> Self {
        Previews {
            title: title.to_owned(),
            items: values
                .into_iter()
                .enumerate()
                .map(|(i, value)| PreviewItem { id: i.to_string(), kind: PreviewKind::Text, value: value.into() })
                .collect(),
        }
    }
}
