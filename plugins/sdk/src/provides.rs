//! Builders for what an app declares at initialization: commands and settings.

use crate::bindings::exports::orbit::apps::lifecycle::{AppProvides, CommandDef, SettingDef, SettingOption};
use crate::settings::to_json_string;

pub use crate::bindings::exports::orbit::apps::lifecycle::SettingKind;

/// The commands and settings an app provides.
#[derive(Default)]
pub struct Provides {
    commands: Vec<Command>,
    settings: Vec<Setting>,
}

impl Provides {
    /// Provides these commands and no settings.
    pub fn commands(commands: impl IntoIterator<Item = Command>) -> Self {
        Provides { commands: commands.into_iter().collect(), settings: Vec::new() }
    }

    /// Adds settings.
    pub fn settings(mut self, settings: impl IntoIterator<Item = Setting>) -> Self {
        self.settings.extend(settings);
        self
    }
}

impl From<Provides> for AppProvides {
    fn from(p: Provides) -> Self {
        AppProvides {
            commands: p.commands.into_iter().map(|c| c.0).collect(),
            settings: p.settings.into_iter().map(|s| s.0).collect(),
        }
    }
}

/// A slash command declaration.
pub struct Command(CommandDef);

impl Command {
    /// A command named `command` (no slash) with a description or i18n key.
    pub fn new(command: &str, description: &str) -> Self {
        Command(CommandDef {
            command: command.to_owned(),
            params_example: String::new(),
            description: description.to_owned(),
            provides_preview: false,
            required_permissions: Vec::new(),
        })
    }

    /// Sets the parameter hint, e.g. `#channel`.
    pub fn params(mut self, example: &str) -> Self {
        self.0.params_example = example.to_owned();
        self
    }

    /// Declares that the command offers previews ([`crate::App::preview`]).
    pub fn with_preview(mut self) -> Self {
        self.0.provides_preview = true;
        self
    }

    /// Server permissions the invoker needs, at least one of them.
    pub fn permissions(mut self, permissions: &[&str]) -> Self {
        self.0.required_permissions = permissions.iter().map(|p| (*p).to_owned()).collect();
        self
    }
}

/// An app setting declaration.
pub struct Setting(SettingDef);

impl Setting {
    fn new(id: &str, kind: SettingKind, label: &str, default_json: String) -> Self {
        Setting(SettingDef {
            id: id.to_owned(),
            kind,
            label: label.to_owned(),
            description: String::new(),
            default_value: default_json,
            required: false,
            public: false,
            options: Vec::new(),
        })
    }

    /// A text setting.
    pub fn string(id: &str, label: &str, default: &str) -> Self {
        Self::new(id, SettingKind::String, label, to_json_string(default))
    }

    /// An on/off setting.
    pub fn boolean(id: &str, label: &str, default: bool) -> Self {
        Self::new(id, SettingKind::Boolean, label, default.to_string())
    }

    /// An integer setting.
    pub fn int(id: &str, label: &str, default: i64) -> Self {
        Self::new(id, SettingKind::Int, label, default.to_string())
    }

    /// A single choice among `(key, label)` options; `default` is a key.
    pub fn select(id: &str, label: &str, default: &str, options: &[(&str, &str)]) -> Self {
        let mut setting = Self::new(id, SettingKind::Select, label, to_json_string(default));
        setting.0.options = options
            .iter()
            .map(|(key, label)| SettingOption { key: (*key).to_owned(), label: (*label).to_owned() })
            .collect();
        setting
    }

    /// Sets the description.
    pub fn description(mut self, description: &str) -> Self {
        self.0.description = description.to_owned();
        self
    }

    /// Marks the setting as required.
    pub fn required(mut self) -> Self {
        self.0.required = true;
        self
    }

    /// Lets non-admin clients read the setting.
    pub fn public(mut self) -> Self {
        self.0.public = true;
        self
    }
}
