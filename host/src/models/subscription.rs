use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{RoomType, UserRef, is_false};
use crate::time::Date;

/// A user's membership of a room (`ISubscription`), with its unread state.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct Subscription {
    #[serde(rename = "_id")]
    pub id: String,
    pub rid: String,
    pub u: UserRef,
    /// Room name as this user sees it (the other user's username for a DM).
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fname: Option<String>,
    pub t: RoomType,
    pub ts: Date,
    /// Last seen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ls: Option<Date>,
    /// Last reply read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lr: Option<Date>,
    pub open: bool,
    pub alert: bool,
    pub unread: i64,
    #[serde(rename = "userMentions")]
    pub user_mentions: i64,
    #[serde(rename = "groupMentions")]
    pub group_mentions: i64,
    /// Favorite.
    #[serde(default, skip_serializing_if = "is_false")]
    pub f: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub archived: bool,
    /// Thread ids with unread replies.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tunread: Vec<String>,
    #[serde(rename = "_updatedAt")]
    pub updated_at: Date,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Subscription {
    /// Whether the member holds a room-scoped role (`owner`, `moderator`, `leader`).
    pub fn has_role(&self, role: &str) -> bool {
        self.roles.iter().any(|r| r == role)
    }
}
