//! `rooms`: reading rooms. Needs `room.read`.

use crate::bindings::Room;
use crate::bindings::orbit::apps::rooms;
use crate::host_call::Requirement;
use crate::permissions::Permission;

crate::host_call::capability! {
    "rooms", Requirement::Permission(Permission::RoomRead);
    /// The server side of `rooms`.
    pub trait RoomsHost for rooms {
        /// A room by id.
        fn get_by_id(id: String) -> Option<Room>;
        /// A room by unique name (no `#`).
        fn get_by_name(name: String) -> Option<Room>;
        /// Usernames of at most `limit` members of a room.
        fn member_usernames(room_id: String, limit: u32) -> Vec<String>;
        /// Whether a user is a member of a room.
        fn is_member(room_id: String, user_id: String) -> bool;
    }
}
