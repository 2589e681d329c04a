use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{UserRef, is_false, is_zero};
use crate::time::Date;

/// A room's type, `t` on the wire: Rocket.Chat's one-letter codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum RoomType {
    /// `c`: a public channel.
    #[default]
    #[serde(rename = "c")]
    Channel,
    /// `p`: a private group.
    #[serde(rename = "p")]
    Private,
    /// `d`: a direct message.
    #[serde(rename = "d")]
    Direct,
    /// `l`: an omnichannel (livechat) room.
    #[serde(rename = "l")]
    Livechat,
}

impl RoomType {
    /// Every type.
    pub const ALL: [RoomType; 4] = [RoomType::Channel, RoomType::Private, RoomType::Direct, RoomType::Livechat];

    /// The one-letter code (`c`, `p`, `d`, `l`).
    pub const fn code(self) -> &'static str {
        match self {
            RoomType::Channel => "c",
            RoomType::Private => "p",
            RoomType::Direct => "d",
            RoomType::Livechat => "l",
        }
    }

    /// The type of a one-letter code.
    pub fn from_code(code: &str) -> Option<RoomType> {
        RoomType::ALL.into_iter().find(|t| t.code() == code)
    }

    /// A channel or a private group: a named room with owners and moderators.
    pub fn is_group_chat(self) -> bool {
        matches!(self, RoomType::Channel | RoomType::Private)
    }
}

impl fmt::Display for RoomType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A room (`IRoom`): a public channel, private group, direct message or livechat room.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct Room {
    #[serde(rename = "_id")]
    pub id: String,
    pub t: RoomType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fname: Option<String>,
    /// The creator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub u: Option<UserRef>,
    pub ts: Date,
    #[serde(default)]
    pub msgs: i64,
    #[serde(rename = "usersCount", default)]
    pub users_count: i64,
    #[serde(default)]
    pub ro: bool,
    #[serde(rename = "default", default, skip_serializing_if = "is_false")]
    pub is_default: bool,
    #[serde(rename = "sysMes", default = "yes")]
    pub sys_mes: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub announcement: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub archived: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub muted: Vec<String>,
    /// Member ids of a direct message.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub uids: Vec<String>,
    /// Member usernames of a direct message.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub usernames: Vec<String>,
    #[serde(rename = "customFields", default, skip_serializing_if = "Option::is_none")]
    pub custom_fields: Option<Map<String, Value>>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub broadcast: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub encrypted: bool,
    /// The join code; never sent to clients (`joinCodeRequired` is).
    #[serde(rename = "joinCode", default, skip_serializing_if = "Option::is_none")]
    pub join_code: Option<String>,
    #[serde(rename = "joinCodeRequired", default, skip_serializing_if = "is_false")]
    pub join_code_required: bool,
    /// Time of the last message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lm: Option<Date>,
    #[serde(rename = "lastMessage", default, skip_serializing_if = "Option::is_none")]
    pub last_message: Option<Box<super::Message>>,
    /// Parent room of a discussion.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prid: Option<String>,
    #[serde(rename = "teamId", default, skip_serializing_if = "Option::is_none")]
    pub team_id: Option<String>,
    #[serde(rename = "teamMain", default, skip_serializing_if = "is_false")]
    pub team_main: bool,
    #[serde(rename = "tcount", default, skip_serializing_if = "is_zero")]
    pub discussion_count: i64,
    #[serde(rename = "_updatedAt")]
    pub updated_at: Date,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

fn yes() -> bool {
    true
}

impl Room {
    /// Whether this is a direct message room.
    pub fn is_direct(&self) -> bool {
        self.t == RoomType::Direct
    }

    /// The room as clients see it (the join code itself is never sent).
    pub fn public_view(&self) -> Value {
        let mut v = serde_json::to_value(self).unwrap_or_default();
        if let Some(o) = v.as_object_mut() {
            o.remove("joinCode");
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn room_types_are_their_wire_codes() {
        for t in RoomType::ALL {
            assert_eq!(serde_json::to_value(t).unwrap(), Value::from(t.code()));
            assert_eq!(serde_json::from_value::<RoomType>(Value::from(t.code())).unwrap(), t);
            assert_eq!(RoomType::from_code(t.code()), Some(t));
        }
        assert_eq!(RoomType::from_code("x"), None);
        assert!(serde_json::from_value::<RoomType>(Value::from("x")).is_err());
    }
}
