//! Event hooks: take part in the server's pipelines in Rocket.Chat's four phases. Declare
//! them in [`crate::App::hooks`], answer in [`crate::App::prevent`], [`crate::App::extend`],
//! [`crate::App::modify`] and [`crate::App::post`]. Each needs the permission of its subject
//! in `app.json`: `message.read` for message events, `room.read` for room events, `user.read`
//! for user events.
//!
//! ```ignore
//! fn hooks() -> Vec<Hook> {
//!     vec![Hook::new(Event::MessageSent, Phase::Prevent)]
//! }
//!
//! fn prevent(_event: Event, subject: &str) -> Option<String> {
//!     subject.contains("forbidden").then(|| "That word is not allowed here".to_string())
//! }
//! ```

pub use crate::bindings::exports::orbit::apps::hooks::{Event, Phase};

/// One hook: an event and the phase to run in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hook {
    pub event: Event,
    pub phase: Phase,
}

impl Hook {
    pub fn new(event: Event, phase: Phase) -> Self {
        Hook { event, phase }
    }
}

/// The text (`msg`) of a message subject, from its JSON.
pub fn message_text(subject: &str) -> Option<String> {
    json_string_field(subject, "msg")
}

/// The value of a top-level string field of a JSON object, without a JSON library (apps stay
/// small): handles the escapes JSON writers produce.
pub fn json_string_field(json: &str, field: &str) -> Option<String> {
    let key = format!("\"{field}\":");
    let start = json.find(&key)? + key.len();
    let rest = json[start..].trim_start().strip_prefix('"')?;
    crate::settings::json_string(&format!("\"{}", &rest[..closing_quote(rest)? + 1]))
}

/// The index of the quote that ends a JSON string whose opening quote was just before `s`.
fn closing_quote(s: &str) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        match c {
            '\\' if !escaped => escaped = true,
            '"' if !escaped => return Some(i),
            _ => escaped = false,
        }
    }
    None
}

/// A JSON string literal of `text` (quotes and escapes included).
pub fn json_quote(text: &str) -> String {
    crate::settings::to_json_string(text)
}
