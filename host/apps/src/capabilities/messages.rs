//! `messages`: reading messages. Needs `message.read`.

use crate::bindings::Message;
use crate::bindings::orbit::apps::messages;
use crate::host_call::Requirement;
use crate::permissions::Permission;

crate::host_call::capability! {
    "messages", Requirement::Permission(Permission::MessageRead);
    /// The server side of `messages`.
    pub trait MessagesHost for messages {
        /// A message by id.
        fn get(id: String) -> Option<Message>;
    }
}
