//! `room-actions`: room membership and administration, performed by the acting user (the
//! command's invoker, or the app's bot user outside a command). Needs `room.write`; the
//! server also checks the acting user's own permissions.

use crate::bindings::NewRoomKind;
use crate::bindings::orbit::apps::room_actions;
use crate::host_call::Requirement;
use crate::permissions::Permission;

crate::host_call::capability! {
    "room-actions", Requirement::Permission(Permission::RoomWrite);
    /// The server side of `room-actions`.
    pub trait RoomActionsHost for room_actions {
        /// The acting user joins a public channel.
        fn join(room_id: String) -> ();
        /// The acting user leaves a room.
        fn leave(room_id: String) -> ();
        /// Adds users to a room, skipping members.
        fn invite(room_id: String, usernames: Vec<String>) -> ();
        /// Removes a user from a room.
        fn kick(room_id: String, username: String) -> ();
        /// Sets (or clears, when empty) a room's topic.
        fn set_topic(room_id: String, topic: String) -> ();
        /// Creates a channel or private group; returns its id.
        fn create(name: String, kind: NewRoomKind, members: Vec<String>) -> String;
        /// Opens the direct room between the acting user and `username`; returns its id.
        fn open_direct(username: String) -> String;
        /// Archives a room.
        fn archive(room_id: String) -> ();
        /// Unarchives a room.
        fn unarchive(room_id: String) -> ();
        /// Mutes a user in a room.
        fn mute(room_id: String, username: String) -> ();
        /// Unmutes a user in a room.
        fn unmute(room_id: String, username: String) -> ();
    }
}
