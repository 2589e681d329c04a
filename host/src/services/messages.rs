//! Messages: sending, system messages, and the events they publish.

use std::sync::Arc;

use serde_json::{Map, Value};

use super::Services;
use crate::bus::Event;
use crate::error::Result;
use crate::ids;
use crate::models::{Message, Room, User};
use crate::time::Date;

/// Messages operations.
pub struct Messages<'a>(pub &'a Services);

impl Services {
    /// Messages operations.
    pub fn messages(&self) -> Messages<'_> {
        Messages(self)
    }
}

impl Messages<'_> {
    /// Writes a system message (`t`: `uj`, `ul`, `au`, `ru`, `room_changed_topic`, …) in `room`
    /// on behalf of `actor`, unless the room has system messages turned off. `extra` fields are
    /// merged into the message. Publishes `MessageSaved`.
    pub fn system(
        &self,
        room: &Room,
        t: &str,
        msg: &str,
        actor: &User,
        extra: Map<String, Value>,
    ) -> Result<Option<Message>> {
        if !room.sys_mes {
            return Ok(None);
        }
        let now = Date::now();
        let message = Message {
            id: ids::random_id(),
            rid: room.id.clone(),
            msg: msg.to_string(),
            ts: now,
            u: actor.as_ref_named(),
            updated_at: now,
            t: Some(t.to_string()),
            groupable: Some(false),
            extra,
            ..Default::default()
        };
        self.0.store.insert_message(&message)?;
        let room = self.0.store.room_by_id(&room.id)?.unwrap_or_else(|| room.clone());
        self.0.bus.publish(Event::MessageSaved {
            message: Arc::new(message.clone()),
            room: Arc::new(room),
            is_new: true,
        });
        Ok(Some(message))
    }
}
