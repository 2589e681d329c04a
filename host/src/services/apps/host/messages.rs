//! `messages`: messages by id, in rooms the app may reach (see `rooms`).

use async_trait::async_trait;
use orbit_apps::bindings::Message;
use orbit_apps::capabilities::MessagesHost;
use orbit_apps::{CallContext, HostResult};

use super::{ServerHost, may_reach};
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
    async fn get(&self, cx: &CallContext, id: String) -> HostResult<Option<Message>> {
        let cx = cx.clone();
        self.run(move |s| {
            let Some(message) = s.apps().message(&id)? else { return Ok(None) };
            let reachable = match s.apps().room(&message.rid)? {
                Some(room) => may_reach(s, &cx, &room)?,
                None => false,
            };
            Ok(reachable.then(|| message_view(&message)))
        })
        .await
    }
}
