//! `message-writer`: apps post and edit messages through the messages pipeline (mentions,
//! unread counters, threads, events), as their bot user or, during a command, as the invoker.
//! Slash commands in the text are not interpreted. Only rooms the app may reach (see `rooms`).

use async_trait::async_trait;
use orbit_apps::bindings::{Actor, NewMessage};
use orbit_apps::capabilities::MessageWriterHost;
use orbit_apps::{CallContext, HostResult};

use super::{ServerHost, acting_user, bot_user, reachable_room};
use crate::error::{Kind, Result};
use crate::models::User;
use crate::services::Services;
use crate::services::messages::Draft;

/// Posts `message` as `author`; returns its id.
fn post(s: &Services, author: &User, message: NewMessage) -> Result<String> {
    if message.text.trim().is_empty() {
        return Err(Kind::InvalidMsg.into());
    }
    let draft = Draft { rid: message.room_id, msg: message.text, tmid: message.thread_id, ..Default::default() };
    Ok(s.messages().send_from_app(author, draft)?.id)
}

/// Replaces the text of a message the app's bot (or, during a command, the invoker) wrote,
/// through the messages service's edit rules.
fn update(s: &Services, bot: &User, invoker: Option<&User>, id: &str, text: &str) -> Result<()> {
    let message = s.apps().message(id)?.ok_or_else(|| Kind::InvalidMessage.with_message("Message not found"))?;
    let editor = if message.u.id == bot.id {
        bot
    } else {
        invoker
            .filter(|u| u.id == message.u.id)
            .ok_or_else(|| Kind::ActionForbidden.with_message("The app may only edit its own messages"))?
    };
    s.messages().update_from_app(editor, id, text).map(|_| ())
}

#[async_trait]
impl MessageWriterHost for ServerHost {
    async fn send(&self, cx: &CallContext, message: NewMessage) -> HostResult<String> {
        let cx = cx.clone();
        self.run(move |s| {
            reachable_room(s, &cx, &message.room_id)?;
            let author = match message.author {
                Actor::Invoker => acting_user(s, &cx)?,
                Actor::App => bot_user(s, &cx.app_id)?,
            };
            post(s, &author, message)
        })
        .await
    }

    async fn update_text(&self, cx: &CallContext, message_id: String, text: String) -> HostResult<()> {
        let cx = cx.clone();
        self.run(move |s| {
            let bot = bot_user(s, &cx.app_id)?;
            let invoker = match &cx.user_id {
                Some(uid) => s.apps().user(uid)?,
                None => None,
            };
            if let Some(message) = s.apps().message(&message_id)? {
                reachable_room(s, &cx, &message.rid)?;
            }
            update(s, &bot, invoker.as_ref(), &message_id, &text)
        })
        .await
    }
}
