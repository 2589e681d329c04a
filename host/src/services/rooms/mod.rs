//! Rooms: public channels (`c`), private groups (`p`) and direct messages (`d`) — lookup and
//! access, creation, membership, room roles, settings, archiving, deletion, muting, discussions,
//! members, counters and history.
//!
//! Every function takes the acting user and typed arguments and is shared by REST, DDP methods
//! and slash commands. Each change is stored first and then published on the bus
//! (`RoomChanged`, `SubscriptionChanged`, `UserRoleChanged`), and the system message upstream
//! writes for it is saved in the room.

mod access;
mod create;
mod discussions;
mod history;
mod lifecycle;
mod listing;
mod membership;
mod roles;
mod settings;

pub use access::Relatives;
pub use create::direct_room_id;
pub use history::{Counters, HistoryPage};
pub use membership::Member;
pub use roles::{RoleHolder, RoomRole};

use std::sync::Arc;

use serde_json::{Map, Value, json};

use super::Services;
use crate::bus::{ChangeAction, Event};
use crate::error::{Error, Kind, Result};
use crate::ids;
use crate::models::{Room, RoomType, Subscription, User, UserRef};
use crate::time::Date;

/// Rooms operations.
pub struct Rooms<'a>(pub &'a Services);

impl Services {
    /// Rooms operations.
    pub fn rooms(&self) -> Rooms<'_> {
        Rooms(self)
    }

    /// Changes a room and its members' subscriptions in one store transaction (`room` edits the
    /// room, `sub` each subscription and answers whether it changed), then publishes the room
    /// and every changed subscription as updated. `None` when the room does not exist.
    pub(crate) fn change_room_and_subscriptions(
        &self,
        rid: &str,
        room: &mut dyn FnMut(&mut Room) -> Result<()>,
        sub: &mut dyn FnMut(&mut Subscription) -> bool,
    ) -> Result<Option<Room>> {
        let Some((after, subs)) = self.store.modify_room_and_subscriptions(rid, room, sub)? else {
            return Ok(None);
        };
        self.emit_room(ChangeAction::Updated, &after);
        for s in &subs {
            self.emit_subscription(ChangeAction::Updated, s);
        }
        Ok(Some(after))
    }

    /// Publishes a room change.
    pub(crate) fn emit_room(&self, action: ChangeAction, room: &Room) {
        self.bus.publish(Event::RoomChanged { action, room: Arc::new(room.clone()) });
    }

    /// Publishes a subscription change.
    pub(crate) fn emit_subscription(&self, action: ChangeAction, sub: &Subscription) {
        self.bus.publish(Event::SubscriptionChanged { action, subscription: Arc::new(sub.clone()) });
    }
}

/// The error for a room that does not exist or that the caller may not see (the two are
/// indistinguishable on purpose, so room ids don't leak).
pub fn room_not_found() -> Error {
    Kind::RoomNotFound.with_message("The required \"roomId\" or \"roomName\" param provided does not match any channel")
}

/// `error-room-not-found` worded for the room type, as the `channels.*`, `groups.*` and `im.*`
/// families word it.
pub fn room_not_found_for(t: RoomType) -> Error {
    match t {
        RoomType::Private => Kind::RoomNotFound
            .with_message("The required \"roomId\" or \"roomName\" param provided does not match any group"),
        RoomType::Direct => {
            Kind::RoomNotFound.with_message("The required \"roomId\" param provided does not match any direct message")
        }
        _ => room_not_found(),
    }
}

pub(super) fn invalid_user() -> Error {
    Error::from(Kind::InvalidUser)
}

/// What [`Rooms::create`] needs to create a channel or a private group.
#[derive(Debug, Clone, Default)]
pub struct NewRoom {
    /// A channel or a private group.
    pub t: RoomType,
    pub name: String,
    /// Usernames added besides the creator (unknown ones are skipped).
    pub members: Vec<String>,
    pub read_only: bool,
    /// `extraData`: extra room fields (`broadcast`, `encrypted`, `description`, `topic`,
    /// `teamId`, `sysMes`, …).
    pub extra: Map<String, Value>,
    pub custom_fields: Option<Map<String, Value>>,
    /// Don't add the creator as a member.
    pub exclude_self: bool,
}

/// What [`crate::services::discussions::Discussions::create`] needs.
#[derive(Debug, Clone, Default)]
pub struct NewDiscussion {
    pub prid: String,
    /// The message the discussion starts from.
    pub pmid: Option<String>,
    pub name: String,
    /// Usernames invited besides the creator.
    pub users: Vec<String>,
    pub encrypted: Option<bool>,
    pub topic: Option<String>,
    /// A first message the creator posts in the discussion.
    pub reply: Option<String>,
}

/// Options of [`Rooms::history`] (`channels.history`, `im.history`, `loadHistory`).
#[derive(Debug, Clone, Default)]
pub struct HistoryOptions {
    pub latest: Option<Date>,
    pub oldest: Option<Date>,
    pub inclusive: bool,
    pub offset: usize,
    pub count: usize,
    /// Also answer `firstUnread` and `unreadNotLoaded`.
    pub unreads: bool,
    pub show_thread_messages: bool,
}

/// Options of [`Rooms::messages`] (`channels.messages` and friends).
#[derive(Debug, Clone, Default)]
pub struct MessageListOptions {
    pub offset: usize,
    pub count: Option<usize>,
    pub query: Option<Map<String, Value>>,
    pub sort: Option<Map<String, Value>>,
}

pub(super) fn as_str(v: &Value) -> Option<&str> {
    v.as_str()
}

/// A fresh subscription of `user` to `room`.
pub(crate) fn new_subscription(room: &Room, user: &User, now: Date) -> Subscription {
    let mut extra = Map::new();
    if let Some(prid) = &room.prid {
        extra.insert("prid".into(), json!(prid));
    }
    if room.team_main {
        extra.insert("teamMain".into(), json!(true));
    }
    if let Some(team) = &room.team_id {
        extra.insert("teamId".into(), json!(team));
    }
    Subscription {
        id: ids::random_id(),
        rid: room.id.clone(),
        u: UserRef { id: user.id.clone(), username: user.username.clone(), name: user.name.clone() },
        name: room.name.clone().unwrap_or_default(),
        fname: room.fname.clone().or_else(|| room.name.clone()),
        t: room.t,
        ts: now,
        ls: None,
        lr: None,
        open: true,
        alert: false,
        unread: 0,
        user_mentions: 0,
        group_mentions: 0,
        f: false,
        roles: vec![],
        archived: room.archived,
        tunread: vec![],
        updated_at: now,
        extra,
    }
}

#[cfg(test)]
mod tests {
    use super::settings::apply_setting;
    use super::*;

    pub(super) fn services() -> (std::sync::Arc<Services>, std::path::PathBuf) {
        let dir = std::env::temp_dir().join(format!("orbit-rooms-unit-{}", ids::random_id()));
        let config = crate::config::Config::from_vars([
            ("ORBIT_DATA_DIR".to_string(), dir.display().to_string()),
            ("ORBIT_BCRYPT_COST".to_string(), "4".to_string()),
        ]);
        (crate::server::open(config).unwrap(), dir)
    }

    pub(super) fn user(s: &Services, name: &str) -> User {
        s.accounts()
            .insert(crate::services::accounts::NewUser {
                username: name.into(),
                email: Some(format!("{name}@example.com")),
                password: Some("Passw0rd!x".into()),
                ..Default::default()
            })
            .unwrap()
    }

    #[test]
    pub(super) fn posting_rules() {
        let (s, dir) = services();
        let owner = user(&s, "owner");
        let bob = user(&s, "bob");
        let eve = user(&s, "eve");
        let new =
            NewRoom { t: RoomType::Private, name: "club".into(), members: vec!["bob".into()], ..Default::default() };
        let room = s.rooms().create(&owner, new).unwrap();
        assert!(s.rooms().can_post(&bob, &room).is_ok());
        assert_eq!(s.rooms().can_post(&eve, &room).unwrap_err().id(), "error-not-allowed");
        let room = s.rooms().set_muted(&owner, &room, "bob", true).unwrap();
        assert_eq!(s.rooms().can_post(&bob, &room).unwrap_err().id(), "error-user-muted");
        let room = s.rooms().set_muted(&owner, &room, "bob", false).unwrap();
        let room = s.rooms().save_setting(&owner, &room, "readOnly", json!(true)).unwrap();
        assert_eq!(s.rooms().can_post(&bob, &room).unwrap_err().id(), "error-room-read-only");
        assert!(s.rooms().can_post(&owner, &room).is_ok(), "owners hold post-readonly");
        let room = s.rooms().archive(&owner, &room).unwrap();
        assert_eq!(s.rooms().can_post(&owner, &room).unwrap_err().id(), "error-room-archived");
        drop(s);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    pub(super) fn dm_ids_are_sorted_concatenations() {
        assert_eq!(direct_room_id(&["b".into(), "a".into()]), "ab");
        assert_eq!(direct_room_id(&["x".into()]), "xx");
    }

    #[test]
    pub(super) fn settings_apply_and_record_messages() {
        let mut room = Room { t: RoomType::Channel, name: Some("a".into()), ..Default::default() };
        let actor = User { username: "bob".into(), ..Default::default() };
        let (mut msgs, mut renamed, mut retyped) = (vec![], None, None);
        apply_setting(&mut room, "roomName", &json!("b"), &actor, &mut msgs, &mut renamed, &mut retyped).unwrap();
        apply_setting(&mut room, "roomType", &json!("p"), &actor, &mut msgs, &mut renamed, &mut retyped).unwrap();
        apply_setting(&mut room, "joinCode", &json!(" 123 "), &actor, &mut msgs, &mut renamed, &mut retyped).unwrap();
        assert_eq!(room.name.as_deref(), Some("b"));
        assert_eq!(room.t, RoomType::Private);
        assert_eq!(room.join_code.as_deref(), Some("123"));
        assert!(room.join_code_required);
        assert_eq!(msgs, vec![("r", "b".to_string()), ("room_changed_privacy", "private".to_string())]);
        assert_eq!(retyped, Some(RoomType::Private));
    }
}
