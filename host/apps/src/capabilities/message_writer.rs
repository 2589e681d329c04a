//! `message-writer`: posting and editing messages. Needs `message.write`. `invoker`-authored
//! messages are refused outside a slash command, before the call counts.

use async_trait::async_trait;
use wasmtime::component::HasSelf;

use super::{CallContext, Capability, HostResult, Requirement};
use crate::bindings::orbit::apps::message_writer;
use crate::bindings::{Actor, HostError, NewMessage};
use crate::permissions::Permission;
use crate::state::AppState;

/// This interface in the permission table.
pub(super) const CAPABILITY: Capability = Capability {
    interface: "message-writer",
    requirement: Requirement::Permission(Permission::MessageWrite),
    link: |linker| message_writer::add_to_linker::<AppState, HasSelf<AppState>>(linker, |s| s),
};

/// The server side of `message-writer`.
#[async_trait]
pub trait MessageWriterHost: Send + Sync + 'static {
    /// Posts a message; returns its id. `Actor::Invoker` messages only arrive with a user in
    /// `cx`.
    async fn send(&self, cx: &CallContext, message: NewMessage) -> HostResult<String>;
    /// Replaces a message's text.
    async fn update_text(&self, cx: &CallContext, message_id: String, text: String) -> HostResult<()>;
}

type Wit<T> = wasmtime::Result<HostResult<T>>;

impl message_writer::Host for AppState {
    async fn send(&mut self, message: NewMessage) -> Wit<String> {
        if message.author == Actor::Invoker && self.call.user_id.is_none() {
            return Ok(Err(HostError::Denied(
                "`invoker` messages are only possible while a slash command runs".into(),
            )));
        }
        let (cx, host) = match self.enter(&CAPABILITY)? {
            Ok(entered) => entered,
            Err(denied) => return Ok(Err(denied)),
        };
        Ok(host.message_writer.send(&cx, message).await)
    }

    async fn update_text(&mut self, message_id: String, text: String) -> Wit<()> {
        let (cx, host) = match self.enter(&CAPABILITY)? {
            Ok(entered) => entered,
            Err(denied) => return Ok(Err(denied)),
        };
        Ok(host.message_writer.update_text(&cx, message_id, text).await)
    }
}
