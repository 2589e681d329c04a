use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::is_false;
use crate::time::Date;

/// An email address of a user.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Email {
    pub address: String,
    #[serde(default)]
    pub verified: bool,
}

/// A user account (`IUser`), without its secrets: passwords and tokens live in the store's
/// credential tables and never appear in this document.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct User {
    #[serde(rename = "_id")]
    pub id: String,
    #[serde(rename = "createdAt")]
    pub created_at: Date,
    /// `user`, `bot` or `app`.
    #[serde(rename = "type", default = "default_type")]
    pub kind: String,
    pub username: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub emails: Vec<Email>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `online`, `away`, `busy` or `offline`.
    #[serde(default = "offline")]
    pub status: String,
    #[serde(rename = "statusConnection", default = "offline")]
    pub status_connection: String,
    /// What the user chose (`online`, `away`, `busy`, `offline`); `status` follows it while connected.
    #[serde(rename = "statusDefault", default, skip_serializing_if = "Option::is_none")]
    pub status_default: Option<String>,
    #[serde(rename = "statusText", default, skip_serializing_if = "Option::is_none")]
    pub status_text: Option<String>,
    #[serde(rename = "utcOffset", default)]
    pub utc_offset: f64,
    pub active: bool,
    #[serde(default)]
    pub roles: Vec<String>,
    #[serde(rename = "requirePasswordChange", default, skip_serializing_if = "is_false")]
    pub require_password_change: bool,
    #[serde(rename = "lastLogin", default, skip_serializing_if = "Option::is_none")]
    pub last_login: Option<Date>,
    #[serde(rename = "avatarOrigin", default, skip_serializing_if = "Option::is_none")]
    pub avatar_origin: Option<String>,
    #[serde(rename = "avatarETag", default, skip_serializing_if = "Option::is_none")]
    pub avatar_etag: Option<String>,
    #[serde(rename = "customFields", default, skip_serializing_if = "Option::is_none")]
    pub custom_fields: Option<Map<String, Value>>,
    /// `{"preferences": {...}}`, the account-settings document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settings: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bio: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nickname: Option<String>,
    #[serde(rename = "_updatedAt")]
    pub updated_at: Date,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

fn default_type() -> String {
    "user".into()
}

fn offline() -> String {
    "offline".into()
}

impl User {
    /// The first email address, if any.
    pub fn email(&self) -> Option<&str> {
        self.emails.first().map(|e| e.address.as_str())
    }

    /// The display name, falling back to the username.
    pub fn display_name(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.username)
    }

    /// The compact reference used in messages and rooms.
    pub fn as_ref_named(&self) -> super::UserRef {
        super::UserRef { id: self.id.clone(), username: self.username.clone(), name: self.name.clone() }
    }

    /// Whether the user holds a global role.
    pub fn has_role(&self, role: &str) -> bool {
        self.roles.iter().any(|r| r == role)
    }

    /// The user's preferences object (empty when none were saved).
    pub fn preferences(&self) -> Map<String, Value> {
        self.settings
            .as_ref()
            .and_then(|s| s.get("preferences"))
            .and_then(|p| p.as_object())
            .cloned()
            .unwrap_or_default()
    }
}
