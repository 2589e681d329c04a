//! The send pipeline: a draft from a client becomes a stored message, with its mentions, its
//! effects on unread counters and threads, its events and its notifications.

use std::sync::Arc;

use serde_json::{Map, Value, json};

use orbit_apps::bindings::HookEvent;

use super::{Messages, parse};
use crate::bus::{ChangeAction, Event};
use crate::error::{Error, Kind, Result};
use crate::ids;
use crate::models::{ChannelLink, Mention, Message, Room, RoomType, User};
use crate::store::{MessageEffects, SavedMessage, ThreadBump, UnreadBump};
use crate::time::Date;

/// A message as a client submits it (`sendMessage`, `chat.sendMessage`, `chat.postMessage`,
/// apps). The pipeline fills in the rest.
#[derive(Debug, Clone, Default)]
pub struct Draft {
    /// A client-chosen id.
    pub id: Option<String>,
    pub rid: String,
    pub msg: String,
    pub tmid: Option<String>,
    /// A thread reply also shown in the room.
    pub tshow: bool,
    /// A client-side timestamp (checked against the server clock).
    pub ts: Option<Date>,
    pub alias: Option<String>,
    pub emoji: Option<String>,
    pub avatar: Option<String>,
    pub attachments: Option<Vec<Value>>,
    pub blocks: Option<Vec<Value>>,
    pub groupable: Option<bool>,
    pub bot: Option<Value>,
    pub custom_fields: Option<Map<String, Value>>,
    /// The uploaded file a file message carries (`{_id, name, type, size, format}`); server-set.
    pub file: Option<Value>,
    /// More server-set fields (`files`, …).
    pub extra: Map<String, Value>,
}

fn invalid(field: &str) -> Error {
    Kind::InvalidParams.with_message(format!("Invalid value for \"{field}\""))
}

fn opt_string(v: &Map<String, Value>, key: &str) -> Result<Option<String>> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(invalid(key)),
    }
}

fn opt_array(v: &Map<String, Value>, key: &str) -> Result<Option<Vec<Value>>> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(a)) => Ok(Some(a.clone())),
        Some(_) => Err(invalid(key)),
    }
}

/// The most bytes a message's parts besides its text (attachments, blocks, custom fields, bot,
/// alias, emoji and avatar), serialized, may take. Rocket.Chat sets no such limit; without one a
/// single message could store megabytes that every history page then carries.
pub const MAX_PARTS_BYTES: usize = 64 * 1024;

impl Draft {
    /// The serialized size of the parts [`MAX_PARTS_BYTES`] bounds.
    fn parts_bytes(&self) -> usize {
        fn json<T: serde::Serialize>(part: &Option<T>) -> usize {
            part.as_ref().and_then(|p| serde_json::to_vec(p).ok()).map_or(0, |bytes| bytes.len())
        }
        let texts: usize = [&self.alias, &self.emoji, &self.avatar].into_iter().flatten().map(String::len).sum();
        texts + json(&self.attachments) + json(&self.blocks) + json(&self.custom_fields) + json(&self.bot)
    }

    /// Reads a client's message object (`{_id, rid, msg, tmid, tshow, ts, alias, emoji, avatar,
    /// attachments, blocks, groupable, bot, customFields}`). Wrong types are refused.
    pub fn from_json(v: &Value) -> Result<Draft> {
        let Some(o) = v.as_object() else { return Err(invalid("message")) };
        let tshow = match o.get("tshow") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => return Err(invalid("tshow")),
        };
        let ts = match o.get("ts") {
            None | Some(Value::Null) => None,
            Some(v) => Some(Date::from_json(v).ok_or_else(|| invalid("ts"))?),
        };
        let groupable = match o.get("groupable") {
            None | Some(Value::Null) => None,
            Some(Value::Bool(b)) => Some(*b),
            Some(_) => return Err(invalid("groupable")),
        };
        let custom_fields = match o.get("customFields") {
            None | Some(Value::Null) => None,
            Some(Value::Object(m)) => Some(m.clone()),
            Some(_) => return Err(invalid("customFields")),
        };
        let bot = match o.get("bot") {
            None | Some(Value::Null) => None,
            Some(v @ Value::Object(_)) => Some(v.clone()),
            Some(_) => return Err(invalid("bot")),
        };
        Ok(Draft {
            id: opt_string(o, "_id")?.filter(|s| !s.is_empty()),
            rid: opt_string(o, "rid")?.unwrap_or_default(),
            msg: opt_string(o, "msg")?.unwrap_or_default(),
            tmid: opt_string(o, "tmid")?.filter(|s| !s.is_empty()),
            tshow,
            ts,
            alias: opt_string(o, "alias")?,
            emoji: opt_string(o, "emoji")?,
            avatar: opt_string(o, "avatar")?,
            attachments: opt_array(o, "attachments")?,
            blocks: opt_array(o, "blocks")?,
            groupable,
            bot,
            custom_fields,
            ..Default::default()
        })
    }
}

/// Whether a link may be rendered as an `href`: absolute http(s) or a path on this server.
fn safe_url(url: &str, relative_ok: bool) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    if lower.starts_with("javascript:") || lower.starts_with("data:") || lower.starts_with("vbscript:") {
        return false;
    }
    lower.starts_with("http://") || lower.starts_with("https://") || (relative_ok && lower.starts_with('/'))
}

/// Attachment link fields that clients render as `href`/`src`.
const URL_FIELDS: &[&str] =
    &["thumb_url", "message_link", "author_link", "author_icon", "title_link", "image_url", "audio_url", "video_url"];

/// Upstream's attachment checks: objects only, safe links, fields with a title and a value.
fn validate_attachments(attachments: &[Value]) -> Result<()> {
    for a in attachments {
        let Some(o) = a.as_object() else { return Err(invalid("attachments")) };
        for field in URL_FIELDS {
            match o.get(*field) {
                None | Some(Value::Null) => {}
                Some(Value::String(u)) if safe_url(u, true) => {}
                Some(_) => return Err(Kind::InvalidAttachment.into()),
            }
        }
        if let Some(fields) = o.get("fields").and_then(Value::as_array) {
            for f in fields {
                let ok = f.get("title").is_some_and(|t| t.as_str().is_some_and(|s| !s.is_empty()))
                    && f.get("value").is_some_and(|v| !v.is_null() && v != "");
                if !ok {
                    return Err(
                        Kind::InvalidAttachment.with_message("Invalid attachment field, title and value is required")
                    );
                }
            }
        }
        if let Some(actions) = o.get("actions").and_then(Value::as_array) {
            for action in actions {
                for field in ["url", "image_url"] {
                    if let Some(u) = action.get(field).and_then(Value::as_str)
                        && !safe_url(u, false)
                    {
                        return Err(Kind::InvalidAttachment.into());
                    }
                }
            }
        }
    }
    Ok(())
}

/// `http(s)://…` links in the text, as `urls: [{url}]`.
fn urls_in(text: &str) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    for word in text.split(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"' | '(' | ')')) {
        let lower = word.to_ascii_lowercase();
        if let Some(start) = lower.find("https://").or_else(|| lower.find("http://")) {
            let url = word[start..].trim_end_matches(['.', ',', ';', ':', '!', '?', ']', '*', '_', '~']);
            if url.len() > 8 && !out.iter().any(|u| u["url"] == url) {
                out.push(json!({"url": url}));
            }
        }
    }
    out
}

impl Messages<'_> {
    /// Sends a draft as `user`: upstream's `executeSendMessage` then `sendMessage`. Checks the
    /// timestamp, the size, the thread, the room (access, archived, read-only, muted) and the
    /// impersonation fields; parses mentions, channels and links; stores the message with its
    /// effects; publishes the events and the notifications. Slash commands are not interpreted
    /// here (see [`crate::services::commands::Commands::send_typed`]).
    pub fn send(&self, user: &User, draft: Draft) -> Result<Message> {
        self.send_checked(user, draft, true)
    }

    /// Sends a message for an app (`message-writer` import): as [`Messages::send`] for a human
    /// author (the command's invoker); the app's bot user, like upstream's app bridge, may post in
    /// any room that is not archived, member or not.
    pub fn send_from_app(&self, author: &User, draft: Draft) -> Result<Message> {
        self.send_checked(author, draft, author.kind == "user")
    }

    fn send_checked(&self, user: &User, mut draft: Draft, check_access: bool) -> Result<Message> {
        let s = self.0;
        if draft.tshow && draft.tmid.is_none() {
            return Err(Kind::InvalidThreadParams.into());
        }
        if draft.tmid.is_some() && !s.settings.bool("Threads_enabled") {
            return Err(Kind::NotAllowed.with_message("not-allowed"));
        }
        let now = Date::now();
        let ts = match draft.ts {
            Some(client) => {
                let diff = (client.0 - now.0).abs();
                if diff > 60_000 {
                    return Err(Kind::MessageTsOutOfSync.into());
                }
                if diff > 10_000 { now } else { client }
            }
            None => now,
        };
        let max = s.settings.int("Message_MaxAllowedSize", 5000);
        if max > 0 && draft.msg.chars().count() as i64 > max {
            return Err(Kind::MessageSizeExceeded.into());
        }
        if draft.custom_fields.is_some() && !s.settings.bool("Message_CustomFields_Enabled") {
            return Err(Kind::InvalidParams.with_message("Custom fields not enabled"));
        }
        if draft.parts_bytes() > MAX_PARTS_BYTES {
            return Err(Kind::MessageSizeExceeded
                .with_message(format!("The message's attachments, blocks and fields exceed {MAX_PARTS_BYTES} bytes")));
        }
        let parent = match &draft.tmid {
            Some(tmid) => {
                let parent =
                    s.store.message(tmid)?.ok_or_else(|| Kind::InvalidMessage.with_message("Invalid thread"))?;
                // No nested threads: a reply to a reply goes to the first thread.
                let parent = match &parent.tmid {
                    Some(root) => s.store.message(root)?.unwrap_or(parent),
                    None => parent,
                };
                // A reply goes to its thread's room: one naming another room is refused.
                if !draft.rid.is_empty() && draft.rid != parent.rid {
                    return Err(Kind::InvalidMessage.with_message("The thread is in another room"));
                }
                draft.rid = parent.rid.clone();
                draft.tmid = Some(parent.id.clone());
                Some(parent)
            }
            None => None,
        };
        if draft.rid.is_empty() {
            return Err(Kind::param_required("rid"));
        }
        let room = s.store.room_by_id(&draft.rid)?.ok_or(Kind::InvalidRoom)?;
        if check_access {
            s.rooms().can_post(user, &room)?;
        } else if room.archived {
            return Err(Kind::RoomArchived.into());
        }
        if (draft.alias.as_deref().is_some_and(|a| !a.is_empty())
            || draft.avatar.as_deref().is_some_and(|a| !a.is_empty()))
            && !s.authz().can(user, "message-impersonate", Some(&room.id))?
        {
            return Err(Kind::ActionNotAllowed.with_message("Not enough permission"));
        }
        if let Some(avatar) = &draft.avatar
            && !avatar.is_empty()
            && !safe_url(avatar, true)
        {
            return Err(Kind::InvalidParams.with_message("Invalid href value provided"));
        }
        if let Some(a) = &draft.attachments {
            validate_attachments(a)?;
        }
        let mut message = self.build(user, &room, draft, ts)?;
        self.run_pre_hooks(HookEvent::MessageSent, user, &room, &mut message)?;
        self.store_new(user, &room, message, parent.as_ref())
    }

    /// Runs the apps' pre-hooks of `event` on a message about to be saved, then checks what
    /// they changed as a client's input would be: the text's size (its mentions, channel
    /// links and URLs found again), the attachments and the size of the parts.
    pub(super) fn run_pre_hooks(
        &self,
        event: HookEvent,
        user: &User,
        room: &Room,
        message: &mut Message,
    ) -> Result<()> {
        let s = self.0;
        if !s.app_hooks().hooked(event) {
            return Ok(());
        }
        let parts_before = message.attachments.as_ref().map(Vec::len).unwrap_or(0);
        let text_changed = s.app_hooks().before_message(event, user, message)?;
        if text_changed {
            let max = s.settings.int("Message_MaxAllowedSize", 5000);
            if max > 0 && message.msg.chars().count() as i64 > max {
                return Err(Kind::MessageSizeExceeded.into());
            }
            message.mentions = self.mentions(user, room, &message.msg)?;
            message.channels = self.channel_links(user, &message.msg)?;
            let urls = urls_in(&message.msg);
            message.urls = (!urls.is_empty()).then_some(urls);
        }
        if let Some(attachments) = &message.attachments
            && attachments.len() != parts_before
        {
            validate_attachments(attachments)?;
        }
        let parts = serde_json::to_vec(&message.attachments)?.len()
            + message.extra.get("customFields").and_then(|c| serde_json::to_vec(c).ok()).map_or(0, |b| b.len());
        if parts > MAX_PARTS_BYTES {
            return Err(Kind::InvalidParams
                .with_message(format!("The message's attachments, blocks and fields exceed {MAX_PARTS_BYTES} bytes")));
        }
        Ok(())
    }

    /// `chat.postMessage` and incoming webhooks: sends `draft` to `target`, which is `#channel`
    /// (joining a public channel), `@username` (opening the direct message if needed), or a room
    /// id or name, else a user id for a direct message. Returns the message.
    pub fn post_to(&self, user: &User, target: &str, mut draft: Draft) -> Result<Message> {
        let s = self.0;
        let invalid = || Error::from(Kind::PostInvalidChannel);
        let target = target.trim();
        let room = if let Some(username) = target.strip_prefix('@') {
            s.rooms().create_direct(user, &[username.to_string()], false)?
        } else {
            let name = target.strip_prefix('#').unwrap_or(target);
            match s.rooms().by_id_or_name(name)? {
                Some(room) => {
                    if room.t == RoomType::Channel
                        && s.store.subscription(&room.id, &user.id)?.is_none()
                        && s.rooms().can_read(user, &room)?
                    {
                        s.rooms().join(user, &room, None)?;
                    }
                    room
                }
                None if !target.starts_with('#') => {
                    let other = s.store.user_by_id(target)?.ok_or_else(invalid)?;
                    s.rooms().create_direct(user, &[other.username], false)?
                }
                None => return Err(invalid()),
            }
        };
        draft.rid = room.id;
        self.send(user, draft)
    }

    /// The message document for a checked draft: author, mentions, channels and links.
    fn build(&self, user: &User, room: &Room, draft: Draft, ts: Date) -> Result<Message> {
        let mut extra = draft.extra;
        if draft.tshow {
            extra.insert("tshow".into(), json!(true));
        }
        if let Some(blocks) = draft.blocks {
            extra.insert("blocks".into(), Value::Array(blocks));
        }
        if let Some(cf) = draft.custom_fields {
            extra.insert("customFields".into(), Value::Object(cf));
        }
        if self.0.settings.bool("Message_Read_Receipt_Enabled") {
            extra.insert("unread".into(), json!(true));
        }
        let urls = urls_in(&draft.msg);
        Ok(Message {
            id: draft.id.unwrap_or_else(ids::random_id),
            rid: room.id.clone(),
            mentions: self.mentions(user, room, &draft.msg)?,
            channels: self.channel_links(user, &draft.msg)?,
            msg: draft.msg,
            ts,
            u: user.as_ref_named(),
            updated_at: Date::now(),
            tmid: draft.tmid,
            attachments: draft.attachments,
            urls: (!urls.is_empty()).then_some(urls),
            alias: draft.alias.filter(|a| !a.is_empty()),
            emoji: draft.emoji.filter(|e| !e.is_empty()),
            avatar: draft.avatar.filter(|a| !a.is_empty()),
            groupable: draft.groupable,
            bot: draft.bot,
            file: draft.file,
            extra,
            ..Default::default()
        })
    }

    /// `@user` mentions of existing users, and `@all`/`@here` when the sender may use them (and
    /// the room is within `Message_MaxAll`).
    pub(super) fn mentions(&self, sender: &User, room: &Room, text: &str) -> Result<Vec<Mention>> {
        let s = self.0;
        let mut out = Vec::new();
        for name in parse::mentioned_names(text) {
            if name == "all" || name == "here" {
                let max_all = s.settings.int("Message_MaxAll", 0);
                let allowed = s.authz().can(sender, &format!("mention-{name}"), Some(&room.id))?
                    && (max_all <= 0 || room.users_count <= max_all);
                if allowed {
                    out.push(Mention { id: name.into(), username: name.into(), name: None, kind: None });
                }
                continue;
            }
            if let Some(u) = s.store.user_by_username(name)? {
                out.push(Mention { id: u.id, username: u.username, name: u.name, kind: Some("user".into()) });
            }
        }
        Ok(out)
    }

    /// `#channel` links to existing channels, and to private groups the sender is in.
    pub(super) fn channel_links(&self, sender: &User, text: &str) -> Result<Vec<ChannelLink>> {
        let s = self.0;
        let mut out = Vec::new();
        for name in parse::linked_channels(text) {
            let Some(room) = s.store.room_by_name(name)? else { continue };
            let visible = room.t == RoomType::Channel
                || (room.t == RoomType::Private && s.store.subscription(&room.id, &sender.id)?.is_some());
            if visible && let Some(name) = room.name.clone() {
                out.push(ChannelLink { id: room.id, name });
            }
        }
        Ok(out)
    }

    /// Stores a built message with its effects (upstream's `notifyUsersOnMessage` and the thread
    /// `reply` callback), then publishes it and notifies the users it concerns.
    fn store_new(&self, user: &User, room: &Room, mut message: Message, parent: Option<&Message>) -> Result<Message> {
        let s = self.0;
        let mention_ids: Vec<String> = message
            .mentions
            .iter()
            .filter(|m| m.kind.as_deref() == Some("user") && m.id != user.id)
            .map(|m| m.id.clone())
            .collect();
        let to_all = message.mentions.iter().any(|m| m.id == "all" || m.id == "here");
        let thread_only = message.tmid.is_some() && !message.extra.contains_key("tshow");
        let unread = (!thread_only).then(|| {
            let setting = if room.t == RoomType::Direct { "Unread_Count_DM" } else { "Unread_Count" };
            let mode = s.settings.string(setting);
            let dm = room.t == RoomType::Direct || room.t == RoomType::Livechat;
            UnreadBump {
                sender: user.id.clone(),
                user_mentions: if message.tmid.is_some() { Vec::new() } else { mention_ids.clone() },
                user_mentions_unread: dm || mode != "group_mentions_only",
                group_mention: message.tmid.is_none() && to_all,
                group_mention_unread: dm || mode != "user_mentions_only",
                unread_all: message.tmid.is_none() && mode == "all_messages",
                alert_all: true,
            }
        });
        let thread = parent.map(|p| {
            let mut add_replies = mention_ids.clone();
            if p.replies.as_ref().is_none_or(|r| r.is_empty()) {
                add_replies.push(p.u.id.clone());
            }
            add_replies.push(user.id.clone());
            ThreadBump {
                tmid: p.id.clone(),
                add_replies,
                sender: user.id.clone(),
                alert_followers: thread_only,
                user_mentions: mention_ids.clone(),
                group_mention: to_all,
            }
        });
        let effects =
            MessageEffects { set_last_message: !thread_only && s.settings.bool("Store_Last_Message"), unread, thread };
        let SavedMessage { room: saved_room, subscriptions, parent } = s.store.save_message(&mut message, &effects)?;
        let room = Arc::new(saved_room.unwrap_or_else(|| room.clone()));
        let message = Arc::new(message);
        s.bus.publish(Event::MessageSaved { message: message.clone(), room: room.clone(), is_new: true });
        if let Some(parent) = parent {
            s.bus.publish(Event::MessageSaved { message: Arc::new(parent), room: room.clone(), is_new: false });
        }
        s.bus.publish(Event::RoomChanged { action: ChangeAction::Updated, room: room.clone() });
        for sub in subscriptions {
            s.bus.publish(Event::SubscriptionChanged { action: ChangeAction::Updated, subscription: Arc::new(sub) });
        }
        self.notify_users(user, &room, &message, &mention_ids, to_all)?;
        Ok(Arc::unwrap_or_clone(message))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_found_and_trimmed() {
        let urls = urls_in("see https://example.com/a?b=1. and (http://x.org/y), not ftp://z");
        assert_eq!(urls, vec![json!({"url": "https://example.com/a?b=1"}), json!({"url": "http://x.org/y"})]);
    }

    #[test]
    fn unsafe_attachment_links_are_refused() {
        assert!(validate_attachments(&[json!({"title_link": "javascript:alert(1)"})]).is_err());
        assert!(validate_attachments(&[json!({"fields": [{"title": "a"}]})]).is_err());
        assert!(validate_attachments(&[json!("text")]).is_err());
        assert!(
            validate_attachments(&[
                json!({"image_url": "/file-upload/x/y.png", "fields": [{"title": "a", "value": 1}]})
            ])
            .is_ok()
        );
    }

    #[test]
    fn drafts_refuse_wrong_types() {
        assert!(Draft::from_json(&json!({"rid": 5})).is_err());
        assert!(Draft::from_json(&json!({"rid": "r", "tshow": "yes"})).is_err());
        let d = Draft::from_json(&json!({"rid": "r", "msg": "hi", "_id": "abc", "tmid": ""})).unwrap();
        assert_eq!((d.rid.as_str(), d.msg.as_str(), d.id.as_deref(), d.tmid), ("r", "hi", Some("abc"), None));
    }
}
