//! Rooms: channels, private groups and direct messages, and who may see them.

use super::Services;
use crate::error::{Error, Result};
use crate::models::{Room, User};

/// Rooms operations.
pub struct Rooms<'a>(pub &'a Services);

impl Services {
    /// Rooms operations.
    pub fn rooms(&self) -> Rooms<'_> {
        Rooms(self)
    }
}

/// The error for a room that does not exist or that the caller may not see (the two are
/// indistinguishable on purpose, so room ids don't leak).
pub fn room_not_found() -> Error {
    Error::bad(
        "error-room-not-found",
        "The required \"roomId\" or \"roomName\" param provided does not match any channel",
    )
}

impl Rooms<'_> {
    /// A room by id, or `error-room-not-found`.
    pub fn get(&self, rid: &str) -> Result<Room> {
        self.0.store.room_by_id(rid)?.ok_or_else(room_not_found)
    }

    /// Whether `user` may read `room`: members always; public channels with `view-c-room`;
    /// admins of rooms with `view-room-administration` do not read messages through this.
    pub fn can_read(&self, user: &User, room: &Room) -> Result<bool> {
        if self.0.store.subscription(&room.id, &user.id)?.is_some() {
            return Ok(true);
        }
        match room.t.as_str() {
            "c" => self.0.authz().can(user, "view-c-room", None),
            _ => Ok(false),
        }
    }

    /// The room if `user` may read it, `error-room-not-found` otherwise.
    pub fn readable(&self, user: &User, rid: &str) -> Result<Room> {
        let room = self.get(rid)?;
        if self.can_read(user, &room)? { Ok(room) } else { Err(room_not_found()) }
    }
}
