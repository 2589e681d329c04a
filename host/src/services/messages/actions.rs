//! What people do to existing messages: react, pin, star, follow threads, report, ignore users,
//! and read receipts.

use std::sync::Arc;

use serde::Serialize;
use serde_json::{Map, Value, json};

use super::{Messages, message_not_found};
use crate::bus::{ChangeAction, Event};
use crate::error::{Error, Kind, Result};
use crate::ids;
use crate::models::{Message, Room, User, UserRef};
use crate::time::Date;

fn not_authorized() -> Error {
    Error::from(Kind::MethodNotAuthorizedForbidden)
}

/// `:name:` from `name`, `:name:` or `::name::`; `None` unless the name looks like an emoji
/// short name (letters, digits, `_`, `+`, `-`).
pub fn emoji_code(reaction: &str) -> Option<String> {
    let name = reaction.replace(':', "");
    let valid = !name.is_empty()
        && name.len() <= 64
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '+' | '-'));
    valid.then(|| format!(":{name}:"))
}

/// Who read a message and when (`chat.getMessageReadReceipts`).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReadReceipt {
    #[serde(rename = "_id")]
    pub id: String,
    pub room_id: String,
    pub user_id: String,
    pub message_id: String,
    pub ts: Option<Date>,
    pub user: Reader,
}

/// The reader of a [`ReadReceipt`]: `{_id, username, name}`.
#[derive(Debug, Clone, Serialize)]
pub struct Reader {
    #[serde(rename = "_id")]
    pub id: String,
    pub username: String,
    pub name: Option<String>,
}

impl Messages<'_> {
    /// Adds or removes `user`'s reaction (`chat.react`, `setReaction`). Without `should_react`
    /// the reaction toggles; with it, the call is a no-op when already in that state.
    pub fn react(&self, user: &User, id: &str, reaction: &str, should_react: Option<bool>) -> Result<()> {
        let s = self.0;
        let message = s.store.message(id)?.ok_or_else(message_not_found)?;
        let room = s.store.room_by_id(&message.rid)?.ok_or(Kind::NotAllowed)?;
        if !s.rooms().can_read(user, &room)? {
            return Err(not_authorized());
        }
        let code = emoji_code(reaction).ok_or_else(|| Kind::NotAllowed.with_message("Invalid emoji provided."))?;
        if room.ro && !room.extra.get("reactWhenReadOnly").and_then(Value::as_bool).unwrap_or(false) {
            let unmuted = room.extra.get("unmuted").and_then(Value::as_array);
            let allowed = s.authz().can(user, "post-readonly", Some(&room.id))?
                || unmuted.is_some_and(|u| u.iter().any(|n| n == user.username.as_str()));
            if !allowed {
                return Err(Kind::NotAllowed.with_message("You can't send messages because the room is readonly."));
            }
        }
        if room.muted.iter().any(|u| u == &user.username) {
            return Err(Kind::NotAllowed.with_message("You have been muted and cannot speak in this room"));
        }
        let mut changed = false;
        let updated = s.store.modify_message(id, &mut |m| {
            let reactions = m.reactions.get_or_insert_with(Map::new);
            let entry = reactions.entry(code.clone()).or_insert_with(|| json!({"usernames": []}));
            let names = entry.get_mut("usernames").and_then(Value::as_array_mut);
            let Some(names) = names else { return Ok(()) };
            let reacted = names.iter().any(|n| n == user.username.as_str());
            let react = should_react.unwrap_or(!reacted);
            changed = react != reacted;
            if react && !reacted {
                names.push(json!(user.username));
            } else if !react && reacted {
                names.retain(|n| n != user.username.as_str());
            }
            reactions.retain(|_, v| v["usernames"].as_array().is_some_and(|a| !a.is_empty()));
            if m.reactions.as_ref().is_some_and(Map::is_empty) {
                m.reactions = None;
            }
            if changed {
                m.updated_at = Date::now();
            }
            Ok(())
        })?;
        if changed && let Some(m) = updated {
            self.publish_update(m)?;
        }
        Ok(())
    }

    /// Pins a message (`chat.pinMessage`) and posts the `message_pinned` system message, which
    /// it returns.
    pub fn pin(&self, user: &User, id: &str) -> Result<Message> {
        let (message, room) = self.pin_checks(user, id, "Message pinning not allowed")?;
        let now = Date::now();
        let by = UserRef { id: user.id.clone(), username: user.username.clone(), name: None };
        let pinned = s_modify(self, &message.id, |m| {
            m.pinned = true;
            m.pinned_at = Some(now);
            m.pinned_by = Some(by.clone());
            m.updated_at = now;
        })?;
        self.publish_update(pinned)?;
        let mut quote = json!({
            "text": message.msg,
            "author_name": message.u.username,
            "author_icon": format!("/avatar/{}", message.u.username),
            "ts": message.ts,
        });
        if let Some(a) = &message.attachments {
            quote["attachments"] = json!(a);
        }
        let mut extra = Map::new();
        extra.insert("attachments".into(), json!([quote]));
        let t = if message.t.as_deref() == Some("e2e") { "message_pinned_e2e" } else { "message_pinned" };
        // Pinning is reported even where system messages are off: upstream always writes it.
        let mut room = room;
        room.sys_mes = true;
        self.0
            .system_messages()
            .record(&room, t, "", user, extra)?
            .ok_or_else(|| Error::Internal(anyhow::anyhow!("pin message not written")))
    }

    /// Unpins a message (`chat.unPinMessage`).
    pub fn unpin(&self, user: &User, id: &str) -> Result<()> {
        let (message, _) = self.pin_checks(user, id, "Message pinning not allowed")?;
        let now = Date::now();
        let by = UserRef { id: user.id.clone(), username: user.username.clone(), name: None };
        let unpinned = s_modify(self, &message.id, |m| {
            m.pinned = false;
            m.pinned_by = Some(by.clone());
            m.updated_at = now;
        })?;
        self.publish_update(unpinned)?;
        Ok(())
    }

    fn pin_checks(&self, user: &User, id: &str, disabled: &str) -> Result<(Message, Room)> {
        let s = self.0;
        if !s.settings.bool("Message_AllowPinning") {
            return Err(Kind::ActionNotAllowed.with_message(disabled));
        }
        let message = s.store.message(id)?.ok_or_else(message_not_found)?;
        let room = s.store.room_by_id(&message.rid)?.ok_or_else(message_not_found)?;
        if !s.rooms().can_read(user, &room)? || !s.authz().can(user, "pin-message", Some(&room.id))? {
            return Err(not_authorized());
        }
        Ok((message, room))
    }

    /// Stars or unstars a message for `user` (`chat.starMessage` / `chat.unStarMessage`). Only
    /// members of the room star its messages.
    pub fn star(&self, user: &User, id: &str, starred: bool) -> Result<()> {
        let s = self.0;
        if !s.settings.bool("Message_AllowStarring") {
            return Err(Kind::ActionNotAllowed.with_message("Message starring not allowed"));
        }
        let message = s.store.message(id)?.ok_or_else(message_not_found)?;
        let room = s.store.room_by_id(&message.rid)?.ok_or_else(message_not_found)?;
        if !s.rooms().can_read(user, &room)? {
            return Err(not_authorized());
        }
        if s.store.subscription(&room.id, &user.id)?.is_none() {
            return Err(Kind::ActionNotAllowed.with_message("Only members of the room can star its messages"));
        }
        let uid = user.id.clone();
        let updated = s_modify(self, id, |m| {
            let list = m.starred.get_or_insert_with(Vec::new);
            list.retain(|v| v["_id"] != uid.as_str());
            if starred {
                list.push(json!({"_id": uid}));
            }
            if list.is_empty() {
                m.starred = None;
            }
            m.updated_at = Date::now();
        })?;
        self.publish_update(updated)?;
        Ok(())
    }

    /// Follows or unfollows a thread (`chat.followMessage` / `chat.unfollowMessage`); a reply
    /// stands for its thread.
    pub fn follow(&self, user: &User, id: &str, follow: bool) -> Result<()> {
        let s = self.0;
        if !s.settings.bool("Threads_enabled") {
            return Err(Kind::NotAllowed.with_message("not-allowed"));
        }
        let message = s.store.message(id)?.ok_or(Kind::InvalidMessage)?;
        let room = s.store.room_by_id(&message.rid)?.ok_or(Kind::InvalidMessage)?;
        if !s.rooms().can_read(user, &room)? {
            return Err(Kind::NotAllowed.with_message("not-allowed"));
        }
        let tmid = message.tmid.clone().unwrap_or(message.id);
        let uid = user.id.clone();
        let updated = s_modify(self, &tmid, |m| {
            let replies = m.replies.get_or_insert_with(Vec::new);
            replies.retain(|r| *r != uid);
            if follow {
                replies.push(uid.clone());
            }
            m.updated_at = Date::now();
        })?;
        self.publish_update(updated)?;
        if !follow {
            let sub = s.store.modify_subscription(&room.id, &user.id, &mut |sub| {
                sub.tunread.retain(|t| *t != tmid);
                super::forget_thread(sub, &tmid);
                Ok(())
            })?;
            if let Some(sub) = sub {
                s.bus
                    .publish(Event::SubscriptionChanged { action: ChangeAction::Updated, subscription: Arc::new(sub) });
            }
        }
        Ok(())
    }

    /// Reports a message to the moderators (`chat.reportMessage`).
    pub fn report(&self, user: &User, id: &str, description: &str) -> Result<()> {
        let s = self.0;
        if description.trim().is_empty() {
            return Err(Kind::InvalidDescription.into());
        }
        let invalid = || Error::from(Kind::InvalidMessageId);
        let message = s.store.message(id)?.ok_or_else(invalid)?;
        let room = s.store.room_by_id(&message.rid)?.ok_or_else(invalid)?;
        if !s.rooms().can_read(user, &room)? {
            return Err(invalid());
        }
        let report_id = ids::random_id();
        let report = crate::time::storage(|| {
            serde_json::to_value(json!({
                "_id": report_id,
                "message": message,
                "description": description,
                "ts": Date::now(),
                "room": {"_id": room.id, "name": room.name, "fname": room.fname, "t": room.t},
                "reportedBy": {"_id": user.id, "username": user.username, "name": user.name, "createdAt": user.created_at},
                "_hidden": false,
            }))
        })?;
        s.store.put_doc("moderation_reports", &report_id, &report)
    }

    /// Ignores (or stops ignoring) another member's messages in a room (`chat.ignoreUser`).
    pub fn ignore_user(&self, user: &User, rid: &str, other: &str, ignore: bool) -> Result<()> {
        let s = self.0;
        let invalid = || Error::from(Kind::InvalidSubscription);
        if s.store.subscription(rid, other)?.is_none() {
            return Err(invalid());
        }
        let sub = s
            .store
            .modify_subscription(rid, &user.id, &mut |sub| {
                let mut list: Vec<Value> =
                    sub.extra.get("ignored").and_then(Value::as_array).cloned().unwrap_or_default();
                list.retain(|v| v != other);
                if ignore {
                    list.push(json!(other));
                }
                if list.is_empty() {
                    sub.extra.remove("ignored");
                } else {
                    sub.extra.insert("ignored".into(), Value::Array(list));
                }
                sub.updated_at = Date::now();
                Ok(())
            })?
            .ok_or_else(invalid)?;
        s.bus.publish(Event::SubscriptionChanged { action: ChangeAction::Updated, subscription: Arc::new(sub) });
        Ok(())
    }

    /// Who has read a message (`chat.getMessageReadReceipts`): the members other than its author
    /// whose last-seen mark is at or after it, each with that time.
    pub fn read_receipts(&self, user: &User, id: &str) -> Result<Vec<ReadReceipt>> {
        let s = self.0;
        let (message, room) = self.readable(user, id)?;
        let mut receipts = Vec::new();
        let subs = s.store.subscriptions_of_room(&room.id)?;
        let readers: Vec<_> = subs
            .into_iter()
            .filter(|sub| sub.u.id != message.u.id && sub.ls.is_some_and(|ls| ls >= message.ts))
            .collect();
        let ids: Vec<String> = readers.iter().map(|sub| sub.u.id.clone()).collect();
        let users = s.store.users_by_ids(&ids)?;
        for sub in readers {
            let name = users.iter().find(|u| u.id == sub.u.id).and_then(|u| u.name.clone());
            receipts.push(ReadReceipt {
                id: format!("{}{}", message.id, sub.u.id),
                room_id: room.id.clone(),
                user_id: sub.u.id.clone(),
                message_id: message.id.clone(),
                ts: sub.ls,
                user: Reader { id: sub.u.id, username: sub.u.username, name },
            });
        }
        Ok(receipts)
    }
}

/// Applies an infallible change to a stored message.
fn s_modify(m: &Messages<'_>, id: &str, mut f: impl FnMut(&mut Message)) -> Result<Message> {
    m.0.store
        .modify_message(id, &mut |msg| {
            f(msg);
            Ok(())
        })?
        .ok_or_else(message_not_found)
}

#[cfg(test)]
mod tests {
    use super::emoji_code;

    #[test]
    fn emoji_codes_are_normalised_and_checked() {
        assert_eq!(emoji_code("smile").as_deref(), Some(":smile:"));
        assert_eq!(emoji_code(":+1:").as_deref(), Some(":+1:"));
        assert_eq!(emoji_code("::thumbsup::").as_deref(), Some(":thumbsup:"));
        assert_eq!(emoji_code("not an emoji"), None);
        assert_eq!(emoji_code("::"), None);
    }
}
