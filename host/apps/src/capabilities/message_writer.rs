//! `message-writer`: posting and editing messages. Needs `message.write`. `invoker`-authored
//! messages are refused outside a slash command, before the call counts.

use async_trait::async_trait;

use crate::bindings::orbit::apps::message_writer;
use crate::bindings::{Actor, HostError, NewMessage};
use crate::host_call::{CallContext, Capability, HostCall, HostResult, Requirement};
use crate::permissions::Permission;

/// This interface in the permission table.
pub(super) const CAPABILITY: Capability =
    Capability { interface: "message-writer", requirement: Requirement::Permission(Permission::MessageWrite) };

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

impl message_writer::Host for HostCall<'_, dyn MessageWriterHost> {
    async fn send(&mut self, message: NewMessage) -> Wit<String> {
        if message.author == Actor::Invoker && !self.in_command() {
            return Ok(Err(HostError::Denied(
                "`invoker` messages are only possible while a slash command runs".into(),
            )));
        }
        let cx = match self.enter(&CAPABILITY)? {
            Ok(cx) => cx,
            Err(denied) => return Ok(Err(denied)),
        };
        Ok(self.host.send(&cx, message).await)
    }

    async fn update_text(&mut self, message_id: String, text: String) -> Wit<()> {
        let cx = match self.enter(&CAPABILITY)? {
            Ok(cx) => cx,
            Err(denied) => return Ok(Err(denied)),
        };
        Ok(self.host.update_text(&cx, message_id, text).await)
    }
}
