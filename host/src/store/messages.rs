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
    /// Room history for `channels.history`, `*.messages` and counters (see [`super::HistoryQuery`]).
    fn room_history(&self, query: &super::HistoryQuery) -> Result<Vec<Message>>;
    /// How many messages a history query matches, ignoring its paging.
    fn count_room_history(&self, query: &super::HistoryQuery) -> Result<usize>;
    /// Deletes a range of a room's history (`rooms.cleanHistory`); returns the deleted ids.
    fn clean_room_history(&self, query: &super::CleanHistory) -> Result<Vec<String>>;
}
