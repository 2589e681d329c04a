//! Posting, editing and reading messages, and ephemeral notifications.
//! Posting, editing and notifying need `message.write`; [`get`] needs `message.read`.

use crate::bindings::orbit::apps::message_writer::{self, NewMessage};
use crate::bindings::orbit::apps::{messages, notifier};
use crate::{CommandContext, HostError};

pub use crate::bindings::orbit::apps::types::{Actor, Message};

/// Posts `text` to a room as the app's bot user; returns the message id.
pub fn send(room_id: &str, text: &str) -> Result<String, HostError> {
    post(room_id, None, text, Actor::App)
}

/// Posts `text` as the app's bot user where the command was typed (same room and thread).
pub fn reply(ctx: &CommandContext, text: &str) -> Result<String, HostError> {
    post(&ctx.room_id, ctx.thread_id.as_deref(), text, Actor::App)
}

/// Posts `text` as the user who ran the command, where it was typed (like `/me`).
pub fn send_as_invoker(ctx: &CommandContext, text: &str) -> Result<String, HostError> {
    post(&ctx.room_id, ctx.thread_id.as_deref(), text, Actor::Invoker)
}

/// Posts a message with full control over room, thread and author.
pub fn post(room_id: &str, thread_id: Option<&str>, text: &str, author: Actor) -> Result<String, HostError> {
    message_writer::send(&NewMessage {
        room_id: room_id.to_owned(),
        text: text.to_owned(),
        thread_id: thread_id.map(str::to_owned),
        author,
    })
}

/// Replaces the text of a message the app posted.
pub fn update_text(message_id: &str, text: &str) -> Result<(), HostError> {
    message_writer::update_text(message_id, text)
}

/// Shows `text` only to the user who ran the command, in the room where it was typed.
pub fn notify(ctx: &CommandContext, text: &str) -> Result<(), HostError> {
    notifier::notify_user(&ctx.sender_id, &ctx.room_id, text)
}

/// Shows `text` only to `user_id`, in `room_id`.
pub fn notify_user(user_id: &str, room_id: &str, text: &str) -> Result<(), HostError> {
    notifier::notify_user(user_id, room_id, text)
}

/// Reads a message by id. Needs `message.read`.
pub fn get(message_id: &str) -> Result<Option<Message>, HostError> {
    messages::get(message_id)
}
