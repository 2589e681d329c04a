//! Notifications of a new message (`stream-notify-user` `<uid>/notification`): the other member
//! of a direct message, users mentioned by name, and everyone for `@all` (everyone not offline
//! for `@here`) in rooms up to `Notifications_Max_Room_Members`. Each member's notification
//! preferences are respected.

use std::sync::Arc;

use serde_json::{Value, json};

use super::Messages;
use crate::bus::Event;
use crate::error::Result;
use crate::models::{Message, Room, RoomType, Subscription, User};

/// Whether the member muted this kind of notification for the room.
fn muted(sub: &Subscription, mentioned: bool) -> bool {
    let pref = |k: &str| sub.extra.get(k).and_then(Value::as_str).unwrap_or("default");
    if sub.extra.get("disableNotifications").and_then(Value::as_bool) == Some(true) {
        return true;
    }
    if pref("desktopNotifications") == "nothing" {
        return true;
    }
    !mentioned && pref("desktopNotifications") == "mentions"
}

/// Whether the member ignores the sender in this room (`chat.ignoreUser`).
fn ignores(sub: &Subscription, sender_id: &str) -> bool {
    sub.extra.get("ignored").and_then(Value::as_array).is_some_and(|a| a.iter().any(|v| v == sender_id))
}

impl Messages<'_> {
    pub(super) fn notify_users(
        &self,
        sender: &User,
        room: &Room,
        message: &Message,
        mention_ids: &[String],
        to_all: bool,
    ) -> Result<()> {
        let s = self.0;
        let max = s.settings.int("Notifications_Max_Room_Members", 100);
        let everyone = room.t == RoomType::Direct || (to_all && (max <= 0 || room.users_count <= max));
        let targets: Vec<Subscription> = if everyone {
            let mut subs = s.store.subscriptions_of_room(&room.id)?;
            // `@here` (without `@all`) is for members who are around: not offline.
            let here_only = room.t != RoomType::Direct
                && message.mentions.iter().any(|m| m.id == "here")
                && !message.mentions.iter().any(|m| m.id == "all");
            if here_only {
                let ids: Vec<String> = subs.iter().map(|sub| sub.u.id.clone()).collect();
                let around: std::collections::HashSet<String> =
                    s.store.users_by_ids(&ids)?.into_iter().filter(|u| u.status != "offline").map(|u| u.id).collect();
                subs.retain(|sub| around.contains(&sub.u.id) || mention_ids.contains(&sub.u.id));
            }
            subs
        } else {
            let mut subs = Vec::with_capacity(mention_ids.len());
            for id in mention_ids {
                if let Some(sub) = s.store.subscription(&room.id, id)? {
                    subs.push(sub);
                }
            }
            subs
        };
        if targets.is_empty() {
            return Ok(());
        }
        let sender_name = sender.display_name().to_string();
        let room_name = s.rooms().display_name(room);
        let (title, text) = if room.t == RoomType::Direct {
            (sender_name.clone(), message.msg.clone())
        } else {
            (format!("#{room_name}"), format!("{}: {}", sender.username, message.msg))
        };
        let notification = Arc::new(json!({
            "title": title,
            "text": text,
            "payload": {
                "_id": message.id,
                "rid": room.id,
                "tmid": message.tmid,
                "sender": {"_id": sender.id, "username": sender.username, "name": sender.name},
                "type": room.t,
                "name": room.name,
                "message": {"msg": message.msg},
            },
        }));
        for sub in targets {
            if sub.u.id == sender.id || ignores(&sub, &sender.id) {
                continue;
            }
            let mentioned = room.t == RoomType::Direct || to_all || mention_ids.contains(&sub.u.id);
            if muted(&sub, mentioned) {
                continue;
            }
            s.bus.publish(Event::UserNotification { user_id: sub.u.id.clone(), notification: notification.clone() });
        }
        Ok(())
    }
}
