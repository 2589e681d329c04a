//! `messages`: reading messages. Needs `message.read`.

use super::{CallContext, HostResult, Requirement};
use crate::bindings::Message;
use crate::bindings::orbit::apps::messages;
use crate::permissions::Permission;
use crate::state::AppState;

super::capability! {
    "messages", Requirement::Permission(Permission::MessageRead);
    /// The server side of `messages`.
    pub trait MessagesHost served as messages for messages {
        /// A message by id.
        fn get(id: String) -> Option<Message>;
    }
}
