use crate::error::Result;
use crate::models::Message;
use crate::time::Date;

/// Messages of rooms, indexed by room and time.
pub trait MessageStore {
    /// Inserts a message and bumps the room's message count and last-message fields, atomically.
    fn insert_message(&self, message: &Message) -> Result<()>;
    /// Replaces a stored message.
    fn update_message(&self, message: &Message) -> Result<()>;
    /// Deletes a message (and records its deletion for `getDeletedMessages`).
    fn delete_message(&self, id: &str) -> Result<()>;
    fn message(&self, id: &str) -> Result<Option<Message>>;
    /// Messages of a room older than `before` (newest first), at most `limit`.
    fn room_messages_before(&self, rid: &str, before: Option<Date>, limit: usize) -> Result<Vec<Message>>;
}
