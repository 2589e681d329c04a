use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{UserRef, is_false};
use crate::time::Date;

/// A mention of a user (or of `all`/`here`) in a message.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Mention {
    #[serde(rename = "_id")]
    pub id: String,
    pub username: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

/// A `#channel` link in a message.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ChannelLink {
    #[serde(rename = "_id")]
    pub id: String,
    pub name: String,
}

/// A message (`IMessage`), including system messages (with `t`).
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct Message {
    #[serde(rename = "_id")]
    pub id: String,
    pub rid: String,
    pub msg: String,
    pub ts: Date,
    pub u: UserRef,
    #[serde(rename = "_updatedAt")]
    pub updated_at: Date,
    #[serde(default)]
    pub mentions: Vec<Mention>,
    #[serde(default)]
    pub channels: Vec<ChannelLink>,
    /// System message type (`uj`, `ul`, `room_changed_topic`…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub t: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tmid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tcount: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tlm: Option<Date>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replies: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachments: Option<Vec<Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub urls: Option<Vec<Value>>,
    /// `{":emoji:": {"usernames": [...]}}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reactions: Option<Map<String, Value>>,
    #[serde(rename = "editedAt", default, skip_serializing_if = "Option::is_none")]
    pub edited_at: Option<Date>,
    #[serde(rename = "editedBy", default, skip_serializing_if = "Option::is_none")]
    pub edited_by: Option<UserRef>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub pinned: bool,
    #[serde(rename = "pinnedAt", default, skip_serializing_if = "Option::is_none")]
    pub pinned_at: Option<Date>,
    #[serde(rename = "pinnedBy", default, skip_serializing_if = "Option::is_none")]
    pub pinned_by: Option<UserRef>,
    /// Users who starred the message: `[{_id}]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starred: Option<Vec<Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emoji: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub groupable: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bot: Option<Value>,
    /// Discussion room id for `discussion-created` messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<Value>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Message {
    /// Whether the message is a system message.
    pub fn is_system(&self) -> bool {
        self.t.is_some()
    }
}
