//! Subscriptions: one user's state in one room — open or hidden, favorite, read position and
//! unread counters, notification preferences — and the sync of rooms and subscriptions
//! (`rooms/get`, `subscriptions/get`).

use serde_json::{Map, Value, json};

use super::Services;
use super::rooms::room_not_found;
use crate::bus::ChangeAction;
use crate::error::{Error, Kind, Result};
use crate::models::{Room, RoomType, Subscription, User};
use crate::store::{HistoryQuery, Tombstone};
use crate::time::Date;

/// Subscriptions operations.
pub struct Subscriptions<'a>(pub &'a Services);

impl Services {
    /// Subscriptions operations.
    pub fn subscriptions(&self) -> Subscriptions<'_> {
        Subscriptions(self)
    }
}

/// What changed since a date: `{update, remove}`.
#[derive(Debug, Clone, Default)]
pub struct Changes<T> {
    pub update: Vec<T>,
    pub remove: Vec<Tombstone>,
}

/// The notification preferences `rooms.saveNotification` accepts, and whether each is a flag
/// given as `'0'`/`'1'`.
const NOTIFICATION_FIELDS: &[(&str, bool)] = &[
    ("desktopNotifications", false),
    ("mobilePushNotifications", false),
    ("emailNotifications", false),
    ("audioNotifications", false),
    ("unreadAlert", false),
    ("audioNotificationValue", false),
    ("desktopNotificationDuration", false),
    ("disableNotifications", true),
    ("hideUnreadStatus", true),
    ("hideMentionStatus", true),
    ("muteGroupMentions", true),
];

/// What [`Subscriptions::set_open`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenChange {
    /// The user is not subscribed to the room; nothing changed.
    NotSubscribed,
    /// The room was already shown (or hidden); nothing changed.
    Unchanged,
    /// The room is now shown (or hidden).
    Changed,
}

fn invalid_subscription() -> Error {
    Error::from(Kind::InvalidSubscription)
}

impl Subscriptions<'_> {
    /// `subscriptions.getOne`: the caller's subscription to a room, if any.
    pub fn get_one(&self, user: &User, rid: &str) -> Result<Option<Subscription>> {
        self.0.store.subscription(rid, &user.id)
    }

    /// The ids of the rooms `user` is in (what `__my_messages__` and `rooms-changed` follow).
    pub fn room_ids(&self, user: &User) -> Result<Vec<String>> {
        Ok(self.0.store.subscriptions_of_user(&user.id)?.into_iter().map(|s| s.rid).collect())
    }

    /// `readMessages`: [`Subscriptions::read`] when `user` is in the room `rid`; reading a room
    /// one can see but isn't in changes nothing, as upstream. The room must exist
    /// (`error-room-does-not-exist`) and be readable (`error-not-allowed`).
    pub fn read_if_member(&self, user: &User, rid: &str, read_threads: bool) -> Result<()> {
        let room = self.0.store.room_by_id(rid)?.ok_or(Kind::RoomDoesNotExist)?;
        if !self.0.rooms().can_read(user, &room)? {
            return Err(Kind::NotAllowed.into());
        }
        if self.get_one(user, rid)?.is_some() {
            self.read(user, rid, read_threads)?;
        }
        Ok(())
    }

    /// `subscriptions/get` / `subscriptions.get`: every subscription of the user, or those
    /// changed (and removed) after `since`.
    pub fn get(&self, user: &User, since: Option<Date>) -> Result<Changes<Subscription>> {
        Ok(match since {
            None => Changes { update: self.0.store.subscriptions_of_user(&user.id)?, remove: vec![] },
            Some(d) => Changes {
                update: self.0.store.subscriptions_of_user_updated_since(&user.id, d)?,
                remove: self.0.store.deleted_subscriptions_of_user_since(&user.id, d)?,
            },
        })
    }

    /// `rooms/get` / `rooms.get`: every room the user is in, or those changed (and deleted)
    /// after `since`.
    pub fn rooms(&self, user: &User, since: Option<Date>) -> Result<Changes<Room>> {
        Ok(match since {
            None => Changes { update: self.0.store.rooms_of_user(&user.id, &[])?, remove: vec![] },
            Some(d) => Changes {
                update: self.0.store.rooms_of_user_updated_since(&user.id, d)?,
                remove: self.0.store.deleted_rooms_of_user_since(&user.id, d)?,
            },
        })
    }

    /// `rooms/get` for an anonymous caller: the default public channels with
    /// `Accounts_AllowAnonymousRead`, nothing otherwise.
    pub fn anonymous_rooms(&self) -> Result<Vec<Room>> {
        if !self.0.settings.bool("Accounts_AllowAnonymousRead") {
            return Ok(Vec::new());
        }
        Ok(self.0.store.rooms_by_types(&[RoomType::Channel])?.into_iter().filter(|r| r.is_default).collect())
    }

    fn modify(
        &self,
        user: &User,
        rid: &str,
        f: &mut dyn FnMut(&mut Subscription) -> Result<()>,
    ) -> Result<Option<Subscription>> {
        let now = Date::now();
        let sub = self.0.store.modify_subscription(rid, &user.id, &mut |s| {
            f(s)?;
            s.updated_at = now;
            Ok(())
        })?;
        if let Some(s) = &sub {
            self.0.emit_subscription(ChangeAction::Updated, s);
        }
        Ok(sub)
    }

    /// `openRoom`: shows the room in the user's list again (`open: true`).
    pub fn open(&self, user: &User, rid: &str) -> Result<Subscription> {
        self.modify(user, rid, &mut |s| {
            s.open = true;
            Ok(())
        })?
        .ok_or_else(room_not_found)
    }

    /// `hideRoom`: hides the room from the user's list (`open: false`).
    pub fn hide(&self, user: &User, rid: &str) -> Result<Subscription> {
        self.modify(user, rid, &mut |s| {
            s.open = false;
            s.alert = false;
            Ok(())
        })?
        .ok_or_else(room_not_found)
    }

    /// Shows (`open`) or hides the room in the user's list when it isn't so already, and
    /// says which it was: the `channels.open|close`, `groups.open|close` and `im.open|close`
    /// endpoints answer each case their own way.
    pub fn set_open(&self, user: &User, rid: &str, open: bool) -> Result<OpenChange> {
        match self.get_one(user, rid)? {
            None => Ok(OpenChange::NotSubscribed),
            Some(sub) if sub.open == open => Ok(OpenChange::Unchanged),
            Some(_) => {
                if open {
                    self.open(user, rid)?;
                } else {
                    self.hide(user, rid)?;
                }
                Ok(OpenChange::Changed)
            }
        }
    }

    /// `toggleFavorite` / `rooms.favorite` (`Favorite_Rooms`).
    pub fn favorite(&self, user: &User, rid: &str, favorite: bool) -> Result<Subscription> {
        if !self.0.settings.bool("Favorite_Rooms") {
            return Err(Kind::ActionNotAllowed.with_message("Favorite Rooms is disabled"));
        }
        self.modify(user, rid, &mut |s| {
            s.f = favorite;
            Ok(())
        })?
        .ok_or_else(|| Kind::InvalidSubscription.with_message("You must be part of a room to favorite it"))
    }

    /// `readMessages` / `subscriptions.read`: marks the room read now — unread, alert and
    /// mention counters go to zero, `ls` (and `lr`) move to now, and with `read_threads` the
    /// unread threads are cleared too.
    pub fn read(&self, user: &User, rid: &str, read_threads: bool) -> Result<Subscription> {
        let now = Date::now();
        self.modify(user, rid, &mut |s| {
            s.open = true;
            s.alert = false;
            s.unread = 0;
            s.user_mentions = 0;
            s.group_mentions = 0;
            s.ls = Some(now);
            s.lr = Some(now);
            if read_threads {
                s.tunread.clear();
                s.extra.remove("tunreadUser");
                s.extra.remove("tunreadGroup");
            }
            Ok(())
        })?
        .ok_or_else(invalid_subscription)
    }

    /// `unreadMessages` / `subscriptions.unread`: marks the room unread from a message on (the
    /// message must be someone else's) or, with a room id, from its last message.
    pub fn unread(&self, user: &User, first_unread_message: Option<&str>, rid: Option<&str>) -> Result<Subscription> {
        let refuse = || Error::from(Kind::ActionNotAllowed);
        // A room id wins over a message, as upstream.
        let (rid, ts) = match (rid.filter(|r| !r.is_empty()), first_unread_message.filter(|m| !m.is_empty())) {
            (Some(rid), _) => {
                let last = self
                    .0
                    .store
                    .room_messages_before(rid, None, 1)?
                    .into_iter()
                    .next()
                    .ok_or(Kind::NoMessageForUnread)?;
                (rid.to_string(), last.ts)
            }
            (None, Some(mid)) => {
                let m = self.0.store.message(mid)?.ok_or_else(refuse)?;
                if m.u.id == user.id {
                    return Err(refuse());
                }
                (m.rid.clone(), m.ts)
            }
            (None, None) => return Err(Kind::param_required("roomId")),
        };
        let before = Date(ts.0 - 1);
        // The unread counter covers the messages from the first unread one on.
        let unread = self.0.store.count_room_history(&HistoryQuery {
            rid: rid.clone(),
            oldest: Some(ts),
            inclusive: true,
            ..Default::default()
        })? as i64;
        self.modify(user, &rid, &mut |s| {
            s.open = true;
            s.alert = true;
            s.ls = Some(before);
            s.unread = unread.max(1);
            Ok(())
        })?
        .ok_or_else(|| Error::from(Kind::SubscriptionNotFound))
    }

    /// `saveNotificationSettings` / `rooms.saveNotification`: one preference of the user in a
    /// room. `default` removes the preference so the account default applies.
    pub fn save_notification(&self, user: &User, rid: &str, field: &str, value: &Value) -> Result<Subscription> {
        let Some((_, flag)) = NOTIFICATION_FIELDS.iter().find(|(f, _)| *f == field) else {
            return Err(Kind::InvalidSettings.with_message("Invalid settings field"));
        };
        let text = match value {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => {
                if *b {
                    "1".into()
                } else {
                    "0".into()
                }
            }
            _ => return Err(Kind::InvalidSettings.with_message("Invalid settings value")),
        };
        if matches!(field, "desktopNotifications" | "mobilePushNotifications" | "emailNotifications")
            && !matches!(text.as_str(), "all" | "mentions" | "nothing" | "default")
        {
            return Err(Kind::InvalidSettings.with_message("Invalid settings value"));
        }
        let flag = *flag;
        self.modify(user, rid, &mut |s| {
            if flag {
                s.extra.insert(field.to_string(), json!(text == "1" || text == "true"));
            } else if text == "default" {
                s.extra.remove(field);
            } else if field == "desktopNotificationDuration" {
                let n: i64 = text.parse().map_err(|_| Kind::InvalidSettings.with_message("Invalid settings value"))?;
                s.extra.insert(field.to_string(), json!(n));
            } else {
                s.extra.insert(field.to_string(), json!(text));
            }
            Ok(())
        })?
        .ok_or_else(invalid_subscription)
    }

    /// Several preferences at once (the `notifications` object of `rooms.saveNotification`).
    pub fn save_notifications(&self, user: &User, rid: &str, prefs: &Map<String, Value>) -> Result<()> {
        if self.0.store.subscription(rid, &user.id)?.is_none() {
            return Err(invalid_subscription());
        }
        if prefs.keys().any(|k| !NOTIFICATION_FIELDS.iter().any(|(f, _)| f == k)) {
            return Err(Kind::InvalidSettings.with_message("Invalid settings field"));
        }
        for (k, v) in prefs {
            self.save_notification(user, rid, k, v)?;
        }
        Ok(())
    }
}
