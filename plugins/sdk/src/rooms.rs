//! Reading rooms (`room.read`) and acting on them (`room.write`).
//! Actions are performed by the command's invoker, with the server checking their permissions.

use crate::HostError;
use crate::bindings::orbit::apps::{room_actions, rooms};

pub use crate::bindings::orbit::apps::room_actions::NewRoomKind;
pub use crate::bindings::orbit::apps::types::{Room, RoomKind};

/// The room with this id.
pub fn by_id(id: &str) -> Result<Option<Room>, HostError> {
    rooms::get_by_id(id)
}

/// The room with this name; a leading `#` is ignored.
pub fn by_name(name: &str) -> Result<Option<Room>, HostError> {
    rooms::get_by_name(name.trim_start_matches('#'))
}

/// Usernames of up to `limit` members.
pub fn member_usernames(room_id: &str, limit: u32) -> Result<Vec<String>, HostError> {
    rooms::member_usernames(room_id, limit)
}

/// Whether the user is a member of the room.
pub fn is_member(room_id: &str, user_id: &str) -> Result<bool, HostError> {
    rooms::is_member(room_id, user_id)
}

pub use room_actions::{archive, create, invite, join, kick, leave, mute, open_direct, set_topic, unarchive, unmute};
