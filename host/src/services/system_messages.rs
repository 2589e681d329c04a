//! System messages: the notices upstream writes into a room when something happens in it (`uj`,
//! `ul`, `au`, `ru`, `room_changed_topic`, `discussion-created`, …). Below rooms and messages, so
//! that both (and teams) record them without calling each other.

use std::sync::Arc;

use serde_json::{Map, Value};

use super::Services;
use crate::bus::Event;
use crate::error::Result;
use crate::ids;
use crate::models::{Message, Room, User};
use crate::store::MessageEffects;
use crate::time::Date;

/// System message operations.
pub struct SystemMessages<'a>(pub &'a Services);

impl Services {
    /// System message operations.
    pub fn system_messages(&self) -> SystemMessages<'_> {
        SystemMessages(self)
    }
}

impl SystemMessages<'_> {
    /// Writes a system message (`t`: `uj`, `ul`, `au`, `ru`, `room_changed_topic`, …) in `room`
    /// on behalf of `actor`, unless the room has system messages turned off. `extra` fields are
    /// merged into the message. Publishes `MessageSaved`.
    pub fn record(
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
        let mut message = Message {
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
        let saved = self
            .0
            .store
            .save_message(&mut message, &MessageEffects { set_last_message: true, ..Default::default() })?;
        let room = saved.room.unwrap_or_else(|| room.clone());
        self.0.bus.publish(Event::MessageSaved {
            message: Arc::new(message.clone()),
            room: Arc::new(room),
            is_new: true,
        });
        Ok(Some(message))
    }
}
