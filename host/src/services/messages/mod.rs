//! Messages: the send pipeline, editing and deleting, reactions, pins, stars, threads, search and
//! the message lists. Every change publishes its event on the bus.

mod actions;
mod edit;
mod notify;
pub mod parse;
mod queries;
mod send;

use std::sync::Arc;

use serde_json::Value;

pub use actions::{ReadReceipt, Reader};
pub use queries::{MessageList, SyncCursor, SyncItem, ThreadListKind};
pub use send::Draft;

use super::Services;
use crate::bus::Event;
use crate::error::{Error, Kind, Result};
use crate::models::{Message, Room, User};

/// Messages operations.
pub struct Messages<'a>(pub &'a Services);

impl Services {
    /// Messages operations.
    pub fn messages(&self) -> Messages<'_> {
        Messages(self)
    }
}

/// Drops a thread from a subscription's `tunreadUser` and `tunreadGroup` lists.
fn forget_thread(sub: &mut crate::models::Subscription, tmid: &str) {
    for key in ["tunreadUser", "tunreadGroup"] {
        if let Some(list) = sub.extra.get_mut(key).and_then(Value::as_array_mut) {
            list.retain(|v| v != tmid);
            if list.is_empty() {
                sub.extra.remove(key);
            }
        }
    }
}

/// `error-message-not-found`, as the `chat.*` endpoints answer an unknown message id.
pub fn message_not_found() -> Error {
    Error::from(Kind::MessageNotFound)
}

impl Messages<'_> {
    /// A message `user` may read, by id (`error-message-not-found` otherwise, so that messages
    /// of rooms the user can't see stay invisible).
    pub fn readable(&self, user: &User, id: &str) -> Result<(Message, Room)> {
        let message = self.0.store.message(id)?.ok_or_else(message_not_found)?;
        let room = self.0.store.room_by_id(&message.rid)?.ok_or_else(message_not_found)?;
        if !self.0.rooms().can_read(user, &room)? {
            return Err(Kind::NotAllowed.into());
        }
        Ok((message, room))
    }

    /// Publishes a changed message of `rid`.
    fn publish_update(&self, message: Message) -> Result<Message> {
        let room = self.0.rooms().get(&message.rid)?;
        let message = Arc::new(message);
        self.0.bus.publish(Event::MessageSaved { message: message.clone(), room: Arc::new(room), is_new: false });
        Ok(Arc::unwrap_or_clone(message))
    }
}
