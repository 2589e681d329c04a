//! Ephemeral notices: messages shown to one user in one room and never stored (upstream's
//! `notify.ephemeralMessage`, streamed on `stream-notify-user` `<uid>/message`). Below rooms,
//! messages, commands and apps, which all show them, so none of those calls another for it.

use std::sync::Arc;

use serde_json::json;

use super::Services;
use crate::bus::Event;
use crate::ids;
use crate::models::{Message, User, UserRef};
use crate::time::Date;

/// Ephemeral notice operations.
pub struct Notices<'a>(pub &'a Services);

impl Services {
    /// Ephemeral notice operations.
    pub fn notices(&self) -> Notices<'_> {
        Notices(self)
    }
}

impl Notices<'_> {
    /// Shows `text` from `sender` to one user, marked `private`: apps' notices, the answers
    /// and failures of slash commands, refused `sendMessage`s.
    pub fn notify(&self, sender: &User, user_id: &str, rid: &str, tmid: Option<&str>, text: &str) {
        let mut message = ephemeral(sender.as_ref_named(), rid, text);
        message.tmid = tmid.map(String::from);
        message.extra.insert("private".into(), json!(true));
        self.publish_ephemeral(user_id, message);
    }

    /// Shows the server's own notice to `to`, from `rocket.cat` (e.g. "@x is already in here.").
    pub fn notice(&self, to: &User, rid: &str, text: &str) {
        let cat = UserRef { id: "rocket.cat".into(), username: "rocket.cat".into(), name: None };
        self.publish_ephemeral(&to.id, ephemeral(cat, rid, text));
    }

    fn publish_ephemeral(&self, user_id: &str, message: Message) {
        self.0.bus.publish(Event::EphemeralMessage { user_id: user_id.to_string(), message: Arc::new(message) });
    }
}

/// The longest ephemeral text shown (Rocket.Chat's default `Message_MaxAllowedSize`); longer
/// ones (an app's error text, say) are cut.
pub const MAX_EPHEMERAL_CHARS: usize = 5000;

/// An ephemeral message from `u`, dated now.
fn ephemeral(u: UserRef, rid: &str, text: &str) -> Message {
    let now = Date::now();
    let msg = match text.char_indices().nth(MAX_EPHEMERAL_CHARS) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_string(),
    };
    Message {
        id: ids::random_id(),
        rid: rid.to_string(),
        msg,
        ts: now,
        u,
        updated_at: now,
        groupable: Some(false),
        ..Default::default()
    }
}
