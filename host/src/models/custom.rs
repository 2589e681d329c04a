use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::time::Date;

/// A custom emoji (`IEmojiCustom`); its image is kept apart, by id.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Emoji {
    #[serde(rename = "_id")]
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    /// The image type's subtype (`png`, `gif`, …), what the file name ends with.
    #[serde(default)]
    pub extension: String,
    #[serde(default)]
    pub etag: String,
    #[serde(rename = "_updatedAt")]
    pub updated_at: Date,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Emoji {
    /// Whether `name` is this emoji's name or one of its aliases.
    pub fn is_called(&self, name: &str) -> bool {
        self.name == name || self.aliases.iter().any(|a| a == name)
    }
}

/// A custom user status (`ICustomUserStatus`): a named preset of a presence.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CustomStatus {
    #[serde(rename = "_id")]
    pub id: String,
    pub name: String,
    /// `online`, `away`, `busy`, `offline`, or `""` when created without one.
    #[serde(rename = "statusType", default)]
    pub status_type: String,
    #[serde(rename = "_updatedAt")]
    pub updated_at: Date,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
