//! What apps read of the server. An app's read permissions (`room.read`, `user.read`,
//! `message.read`) are granted at install and cover the whole server: these lookups answer by
//! id or name with no viewer's access checks, `None` for what does not exist.

use crate::error::Result;
use crate::models::{Message, Room, User};

use super::Apps;

impl Apps<'_> {
    /// The bot user of an app.
    pub fn bot_user(&self, id: &str) -> Result<Option<User>> {
        match self.0.apps.record(id).and_then(|r| r.bot_user_id) {
            Some(bot) => self.0.store.user_by_id(&bot),
            None => Ok(None),
        }
    }

    /// A room by id.
    pub fn room(&self, id: &str) -> Result<Option<Room>> {
        self.0.store.room_by_id(id)
    }

    /// A channel or group by unique name (direct rooms have none).
    pub fn room_named(&self, name: &str) -> Result<Option<Room>> {
        Ok(self.0.store.room_by_name(name)?.filter(|r| !r.is_direct()))
    }

    /// Usernames of at most `limit` members of an existing room (`error-room-not-found`).
    pub fn member_usernames(&self, room_id: &str, limit: usize) -> Result<Vec<String>> {
        self.0.rooms().get(room_id)?;
        Ok(self.0.store.subscriptions_of_room(room_id)?.into_iter().map(|sub| sub.u.username).take(limit).collect())
    }

    /// Whether a user is a member of (subscribed to) a room.
    pub fn is_member(&self, room_id: &str, user_id: &str) -> Result<bool> {
        Ok(self.0.store.subscription(room_id, user_id)?.is_some())
    }

    /// A user by id.
    pub fn user(&self, id: &str) -> Result<Option<User>> {
        self.0.store.user_by_id(id)
    }

    /// A user by username.
    pub fn user_named(&self, username: &str) -> Result<Option<User>> {
        self.0.store.user_by_username(username)
    }

    /// A message by id.
    pub fn message(&self, id: &str) -> Result<Option<Message>> {
        self.0.store.message(id)
    }
}
