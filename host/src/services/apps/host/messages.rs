//! `messages`: any message by id.

use async_trait::async_trait;
use orbit_apps::bindings::Message;
use orbit_apps::capabilities::MessagesHost;
use orbit_apps::{CallContext, HostResult};

use super::ServerHost;
use crate::models;

/// A message as apps see it.
fn message_view(m: &models::Message) -> Message {
    Message {
        id: m.id.clone(),
        room_id: m.rid.clone(),
        sender_id: m.u.id.clone(),
        sender_username: m.u.username.clone(),
        text: m.msg.clone(),
        thread_id: m.tmid.clone(),
        created_at: m.ts.0.max(0) as u64,
        edited_at: m.edited_at.map(|d| d.0.max(0) as u64),
    }
}

#[async_trait]
impl MessagesHost for ServerHost {
    async fn get(&self, _cx: &CallContext, id: String) -> HostResult<Option<Message>> {
        self.run(move |s| Ok(s.apps().message(&id)?.as_ref().map(message_view))).await
    }
}
