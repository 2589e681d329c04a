//! Stream subscriptions and fan-out.
//!
//! A subscription is checked once when it is made ([`plan`]: one function per stream family) and
//! becomes entries in a topic index (`Topic` → subscribers). The fan-out worker receives every bus
//! event in order, serializes each resulting frame once, and hands the same bytes to the entries
//! of the topics it concerns, without waiting: a subscriber whose queue is full is disconnected.
//!
//! Access is re-checked when it can change: a removed room subscription stops that user's room
//! streams, a deleted room stops every stream of it, and a room that changes type, a user whose
//! roles change or a permission that changes trigger a re-check of the room streams concerned.
//! A counter of such revocations ([`Registry::epoch`]) lets a subscription that was checked before
//! a revocation, but registered after it, be checked again instead of slipping through.

pub mod global;
pub mod presence;
pub mod room;
pub mod user;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use parking_lot::RwLock;
use serde_json::{Value, json};

use super::frames::{self, Frame};
use super::{Conn, ConnUser, Hub};
use crate::bus::Event;
use crate::error::ddp::meteor_error;
use crate::error::{Error, Kind};
use crate::models::User;
use crate::services::Services;

/// What a subscriber listens to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Topic {
    /// `stream-room-messages` `<rid>`.
    RoomMessages(String),
    /// `stream-room-messages` `__my_messages__`, for a room the user is a member of.
    MyMessages(String),
    /// `stream-room-messages` `__my_messages__`, for public rooms the user is not a member of.
    MyMessagesAll,
    /// `stream-notify-room` `<rid>/<event>`.
    NotifyRoom(String),
    /// `stream-notify-user` `<uid>/<event>`.
    NotifyUser(String),
    /// `stream-notify-user` `<uid>/rooms-changed`, for a room the user is a member of.
    RoomsChanged(String),
    /// `stream-notify-logged` `<event>`.
    Logged(String),
    /// `stream-notify-all` `<event>`.
    All(String),
    /// `stream-user-presence`, for one user id.
    Presence(String),
    /// `stream-apps` `<event>` (`app/added`, `command/updated`, … or `apps` for all of them).
    Apps(String),
}

impl Topic {
    /// The room a topic belongs to, if any.
    pub fn room(&self) -> Option<&str> {
        match self {
            Topic::RoomMessages(r) | Topic::MyMessages(r) | Topic::RoomsChanged(r) => Some(r),
            Topic::NotifyRoom(k) => k.split_once('/').map(|(r, _)| r),
            _ => None,
        }
    }
}

/// How a subscription's topics evolve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubKind {
    /// Fixed topics.
    Plain,
    /// `__my_messages__`: follows the user's room memberships.
    MyMessages,
    /// `<uid>/rooms-changed`: follows the user's room memberships.
    RoomsChanged,
    /// `stream-user-presence`: the set of users changes with later subscriptions.
    Presence,
}

/// One subscriber of a topic.
#[derive(Clone)]
pub struct Entry {
    pub conn: Arc<Conn>,
    pub sub: Arc<str>,
}

/// A checked subscription, ready to be registered.
#[derive(Debug, Clone)]
pub struct Plan {
    pub stream: &'static str,
    pub key: String,
    pub kind: SubKind,
    pub topics: Vec<Topic>,
    /// Whether it depends on who is logged in (stopped when that changes).
    pub needs_user: bool,
    /// Send `added` with the event name before `ready` (old clients' collection mode).
    pub use_collection: bool,
    /// For `stream-user-presence`: users to stop following.
    pub remove: Vec<String>,
}

impl Plan {
    /// A plan with fixed topics that requires a logged-in user.
    pub fn plain(stream: &'static str, key: &str, topics: Vec<Topic>) -> Self {
        Plan {
            stream,
            key: key.to_string(),
            kind: SubKind::Plain,
            topics,
            needs_user: true,
            use_collection: false,
            remove: Vec::new(),
        }
    }
}

struct SubRecord {
    stream: &'static str,
    key: String,
    kind: SubKind,
    topics: Vec<Topic>,
    needs_user: bool,
}

#[derive(Default)]
struct Inner {
    topics: HashMap<Topic, Vec<Entry>>,
    subs: HashMap<u64, HashMap<Arc<str>, SubRecord>>,
    conns: HashMap<u64, Arc<Conn>>,
    users: HashMap<String, Vec<Arc<Conn>>>,
}

impl Inner {
    fn add_topic(&mut self, topic: Topic, conn: &Arc<Conn>, sub: &Arc<str>) {
        self.topics.entry(topic).or_default().push(Entry { conn: conn.clone(), sub: sub.clone() });
    }

    fn remove_topic(&mut self, topic: &Topic, conn_id: u64, sub: &str) {
        if let Some(entries) = self.topics.get_mut(topic) {
            entries.retain(|e| !(e.conn.id == conn_id && &*e.sub == sub));
            if entries.is_empty() {
                self.topics.remove(topic);
            }
        }
    }

    fn remove_sub(&mut self, conn_id: u64, sub: &str) -> Option<SubRecord> {
        let record = self.subs.get_mut(&conn_id)?.remove(sub)?;
        for t in &record.topics {
            self.remove_topic(t, conn_id, sub);
        }
        Some(record)
    }
}

/// The outcome of registering a subscription.
#[derive(Debug, PartialEq, Eq)]
pub enum Registered {
    /// Registered: send `ready`.
    Ready,
    /// A subscription with this id exists: ignored, as Meteor does.
    Duplicate,
    /// Merged into the connection's existing subscription (presence): send `nosub`.
    Merged,
    /// Access may have been revoked since the check: check again.
    Stale,
}

/// The subscription index.
#[derive(Default)]
pub struct Registry {
    inner: RwLock<Inner>,
    epoch: AtomicU64,
}

impl Registry {
    /// The revocation counter: read it before checking a subscription, register with it.
    pub fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::SeqCst)
    }

    /// Records a revocation: subscriptions checked before it are checked again.
    pub(crate) fn bump(&self) {
        self.epoch.fetch_add(1, Ordering::SeqCst);
    }

    /// Registers a checked subscription, unless a revocation happened since `epoch`.
    pub fn register(&self, conn: &Arc<Conn>, sub: &str, plan: Plan, epoch: u64) -> Registered {
        let mut inner = self.inner.write();
        if self.epoch.load(Ordering::SeqCst) != epoch {
            return Registered::Stale;
        }
        if conn.is_closing() {
            return Registered::Duplicate;
        }
        inner.conns.entry(conn.id).or_insert_with(|| conn.clone());
        let subs = inner.subs.entry(conn.id).or_default();
        if subs.contains_key(sub) {
            return Registered::Duplicate;
        }
        let sub: Arc<str> = Arc::from(sub);
        if plan.kind == SubKind::Presence
            && let Some((main_id, main)) = subs.iter_mut().find(|(_, r)| r.kind == SubKind::Presence)
        {
            let main_id = main_id.clone();
            let removed: Vec<Topic> = plan.remove.iter().map(|u| Topic::Presence(u.clone())).collect();
            main.topics.retain(|t| !removed.contains(t));
            let added: Vec<Topic> = plan.topics.into_iter().filter(|t| !main.topics.contains(t)).collect();
            main.topics.extend(added.iter().cloned());
            for t in &removed {
                inner.remove_topic(t, conn.id, &main_id);
            }
            for t in added {
                inner.add_topic(t, conn, &main_id);
            }
            return Registered::Merged;
        }
        subs.insert(
            sub.clone(),
            SubRecord {
                stream: plan.stream,
                key: plan.key,
                kind: plan.kind,
                topics: plan.topics.clone(),
                needs_user: plan.needs_user,
            },
        );
        for t in plan.topics {
            inner.add_topic(t, conn, &sub);
        }
        Registered::Ready
    }

    /// `unsub`: removes a subscription. Returns whether it existed.
    pub fn unsubscribe(&self, conn_id: u64, sub: &str) -> bool {
        self.inner.write().remove_sub(conn_id, sub).is_some()
    }

    /// Forgets a closed connection and everything it subscribed to.
    pub fn remove_conn(&self, conn: &Conn) {
        let mut inner = self.inner.write();
        let ids: Vec<Arc<str>> = inner.subs.get(&conn.id).map(|s| s.keys().cloned().collect()).unwrap_or_default();
        for id in ids {
            inner.remove_sub(conn.id, &id);
        }
        inner.subs.remove(&conn.id);
        inner.conns.remove(&conn.id);
        if let Some(uid) = conn.user_id()
            && let Some(list) = inner.users.get_mut(&uid)
        {
            list.retain(|c| c.id != conn.id);
            if list.is_empty() {
                inner.users.remove(&uid);
            }
        }
    }

    /// Changes who a connection is logged in as. When the user changes, every subscription that
    /// depends on the user is stopped (`nosub`), as Meteor re-runs them. Returns the stopped ids.
    pub fn set_user(&self, conn: &Arc<Conn>, user: Option<ConnUser>) -> Vec<Arc<str>> {
        let mut inner = self.inner.write();
        let old = conn.user_id();
        let new = user.as_ref().map(|u| u.user.id.clone());
        conn.set_user(user);
        if old == new {
            return Vec::new();
        }
        self.bump();
        if let Some(uid) = &old
            && let Some(list) = inner.users.get_mut(uid)
        {
            list.retain(|c| c.id != conn.id);
            if list.is_empty() {
                inner.users.remove(uid);
            }
        }
        if let Some(uid) = new {
            inner.users.entry(uid).or_default().push(conn.clone());
        }
        let stopped: Vec<Arc<str>> = inner
            .subs
            .get(&conn.id)
            .map(|s| s.iter().filter(|(_, r)| r.needs_user).map(|(id, _)| id.clone()).collect())
            .unwrap_or_default();
        for id in &stopped {
            inner.remove_sub(conn.id, id);
        }
        stopped
    }

    /// The connections logged in as `uid`.
    pub fn user_conns(&self, uid: &str) -> Vec<Arc<Conn>> {
        self.inner.read().users.get(uid).cloned().unwrap_or_default()
    }

    /// Sends one frame to every subscriber of a topic. Returns how many got it.
    pub fn deliver(&self, topic: &Topic, frame: &Frame) -> usize {
        let inner = self.inner.read();
        let Some(entries) = inner.topics.get(topic) else { return 0 };
        entries.iter().filter(|e| e.conn.send(frame.clone())).count()
    }

    /// Whether a topic has subscribers (to skip serializing events nobody receives).
    pub fn has(&self, topic: &Topic) -> bool {
        self.inner.read().topics.contains_key(topic)
    }

    /// The subscribers of a topic.
    pub fn entries(&self, topic: &Topic) -> Vec<Entry> {
        self.inner.read().topics.get(topic).cloned().unwrap_or_default()
    }

    /// Calls `f` on each subscriber of a topic, under the read lock (no allocation per event).
    pub fn each(&self, topic: &Topic, mut f: impl FnMut(&Entry)) {
        let inner = self.inner.read();
        if let Some(entries) = inner.topics.get(topic) {
            entries.iter().for_each(&mut f);
        }
    }

    /// Stops subscriptions chosen by `pick(conn, stream, key)` and sends them `nosub` with `error`.
    /// Returns how many were stopped.
    pub fn stop_where(&self, mut pick: impl FnMut(&Conn, &str, &str) -> bool, error: Option<&Value>) -> usize {
        let mut inner = self.inner.write();
        self.bump();
        let mut victims: Vec<(Arc<Conn>, Arc<str>)> = Vec::new();
        for entries in inner.topics.values() {
            for e in entries {
                if victims.iter().any(|(c, s)| c.id == e.conn.id && s == &e.sub) {
                    continue;
                }
                if let Some(r) = inner.subs.get(&e.conn.id).and_then(|s| s.get(&e.sub))
                    && r.kind == SubKind::Plain
                    && pick(&e.conn, r.stream, &r.key)
                {
                    victims.push((e.conn.clone(), e.sub.clone()));
                }
            }
        }
        for (conn, sub) in &victims {
            inner.remove_sub(conn.id, sub);
            conn.send(frames::nosub(Some(sub), error));
        }
        victims.len()
    }

    /// The plain room subscriptions (`stream-room-messages <rid>`, `stream-notify-room <rid>/…`)
    /// of a room, as `(conn, stream, key)`, for re-checks.
    pub fn room_subscribers(&self, rid: &str) -> Vec<(Arc<Conn>, &'static str, String)> {
        let inner = self.inner.read();
        let mut out = Vec::new();
        for (conn_id, subs) in &inner.subs {
            for r in subs.values() {
                if r.kind != SubKind::Plain || !r.topics.iter().any(|t| t.room() == Some(rid)) {
                    continue;
                }
                if let Some(conn) = inner.conns.get(conn_id) {
                    out.push((conn.clone(), r.stream, r.key.clone()));
                }
            }
        }
        out
    }

    /// `(connection, room)` of every plain room subscription.
    pub fn subscribed_rooms(&self) -> Vec<(u64, String)> {
        let inner = self.inner.read();
        let mut out = Vec::new();
        for (conn_id, subs) in &inner.subs {
            for r in subs.values() {
                if r.kind == SubKind::Plain
                    && let Some(rid) = room_of(r.stream, &r.key)
                {
                    out.push((*conn_id, rid.to_string()));
                }
            }
        }
        out
    }

    /// A user joined a room: their `__my_messages__` and `rooms-changed` subscriptions follow it.
    /// Returns the connections with a `rooms-changed` subscription.
    pub fn add_membership(&self, uid: &str, rid: &str) -> Vec<Arc<Conn>> {
        let mut inner = self.inner.write();
        let conns = inner.users.get(uid).cloned().unwrap_or_default();
        let mut rooms_changed = Vec::new();
        for conn in conns {
            let mut adds = Vec::new();
            if let Some(subs) = inner.subs.get_mut(&conn.id) {
                for (id, r) in subs.iter_mut() {
                    let topic = match r.kind {
                        SubKind::MyMessages => Topic::MyMessages(rid.to_string()),
                        SubKind::RoomsChanged => Topic::RoomsChanged(rid.to_string()),
                        _ => continue,
                    };
                    if !r.topics.contains(&topic) {
                        if r.kind == SubKind::RoomsChanged {
                            rooms_changed.push(conn.clone());
                        }
                        r.topics.push(topic.clone());
                        adds.push((topic, id.clone()));
                    }
                }
            }
            for (topic, id) in adds {
                inner.add_topic(topic, &conn, &id);
            }
        }
        rooms_changed
    }

    /// A user left (or was removed from) a room: their membership topics drop it and their room
    /// streams of it stop with `nosub`, as Rocket.Chat does.
    pub fn remove_membership(&self, uid: &str, rid: &str) {
        {
            let mut inner = self.inner.write();
            self.bump();
            let conns = inner.users.get(uid).cloned().unwrap_or_default();
            for conn in conns {
                let mut drops = Vec::new();
                if let Some(subs) = inner.subs.get_mut(&conn.id) {
                    for (id, r) in subs.iter_mut() {
                        if matches!(r.kind, SubKind::MyMessages | SubKind::RoomsChanged) {
                            r.topics.retain(|t| {
                                let keep = t.room() != Some(rid);
                                if !keep {
                                    drops.push((t.clone(), id.clone()));
                                }
                                keep
                            });
                        }
                    }
                }
                for (topic, id) in drops {
                    inner.remove_topic(&topic, conn.id, &id);
                }
            }
        }
        let error = not_allowed();
        self.stop_where(
            |conn, stream, key| conn.user_id().as_deref() == Some(uid) && room_of(stream, key) == Some(rid),
            Some(&error),
        );
    }

    /// A room was deleted: every stream of it stops.
    pub fn remove_room(&self, rid: &str) {
        {
            let mut inner = self.inner.write();
            self.bump();
            let topics: Vec<Topic> = inner.topics.keys().filter(|t| t.room() == Some(rid)).cloned().collect();
            for t in topics {
                if let Some(entries) = inner.topics.remove(&t) {
                    for e in entries {
                        if let Some(r) = inner.subs.get_mut(&e.conn.id).and_then(|s| s.get_mut(&e.sub)) {
                            r.topics.retain(|x| x != &t);
                        }
                    }
                }
            }
        }
        let error = not_allowed();
        self.stop_where(|_, stream, key| room_of(stream, key) == Some(rid), Some(&error));
    }

    /// Number of topics and entries, for diagnostics and tests.
    pub fn stats(&self) -> (usize, usize) {
        let inner = self.inner.read();
        (inner.topics.len(), inner.topics.values().map(Vec::len).sum())
    }
}

/// The room a plain subscription concerns.
fn room_of<'k>(stream: &str, key: &'k str) -> Option<&'k str> {
    match stream {
        "stream-room-messages" if key != room::MY_MESSAGES => Some(key),
        "stream-notify-room" => key.split_once('/').map(|(r, _)| r),
        _ => None,
    }
}

/// The `not-allowed` error of a refused or revoked subscription.
pub fn not_allowed() -> Value {
    Error::from(Kind::RealtimeNotAllowed).ddp_error()
}

/// The rooms `user` is in, for the streams that follow memberships (`__my_messages__`,
/// `rooms-changed`); a failed read refuses the subscription.
fn member_rooms(svc: &Services, user: &User) -> Result<Vec<String>, Value> {
    svc.subscriptions().room_ids(user).map_err(|_| not_allowed())
}

/// Reads the subscription options (`false`, `true`, or `{useCollection, args}`).
pub fn use_collection(params: &[Value]) -> bool {
    match params.get(1) {
        Some(Value::Bool(b)) => *b,
        Some(Value::Object(o)) => o.get("useCollection").and_then(Value::as_bool).unwrap_or(false),
        _ => false,
    }
}

/// Checks a subscription request and computes its topics. Blocking (it may read the store).
/// The error is the `nosub` error object.
pub fn plan(svc: &Services, user: Option<&User>, name: &str, params: &[Value]) -> Result<Plan, Value> {
    let key = match params.first() {
        Some(Value::String(s)) => s.as_str(),
        None | Some(Value::Null) if name == presence::STREAM => "",
        _ => return Err(meteor_error(json!("invalid-event-name"), "Invalid event name", None)),
    };
    if key.is_empty() && name != presence::STREAM {
        return Err(meteor_error(json!("invalid-event-name"), "Invalid event name", None));
    }
    let mut plan = match name {
        room::MESSAGES_STREAM => room::plan_messages(svc, user, key),
        room::NOTIFY_STREAM => room::plan_notify(svc, user, key),
        user::STREAM => user::plan(svc, user, key),
        global::LOGGED_STREAM => global::plan_logged(svc, user, key),
        global::ALL_STREAM => global::plan_all(svc, user, key),
        global::APPS_STREAM => Ok(global::plan_apps(key)),
        presence::STREAM => presence::plan(user, params),
        _ => return Err(meteor_error(json!(404), &format!("Subscription '{name}' not found"), None)),
    }?;
    plan.use_collection = use_collection(params);
    Ok(plan)
}

/// Runs blocking store reads from the fan-out worker. Used only for rare events (membership and
/// access changes) that must be settled before the next event is delivered.
pub(crate) fn blocking<T>(f: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current() {
        Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => tokio::task::block_in_place(f),
        _ => f(),
    }
}

/// Turns one bus event into stream frames. The fan-out worker ([`crate::workers::realtime`])
/// calls it for every event, one at a time and in bus order.
pub fn dispatch(hub: &Hub, event: &Event) {
    match event {
        Event::MessageSaved { message, room, .. } => room::on_message(hub, message, room),
        Event::MessageDeleted { rid, message_id } => room::on_message_deleted(hub, rid, message_id),
        Event::MessagesBulkDeleted { query, ids } => room::on_messages_bulk_deleted(hub, query, ids),
        Event::UserActivity { rid, username, activities, extra } => {
            room::on_activity(hub, rid, username, activities, extra)
        }
        Event::SubscriptionChanged { action, subscription } => user::on_subscription(hub, *action, subscription),
        Event::RoomChanged { action, room } => user::on_room(hub, *action, room),
        Event::EphemeralMessage { user_id, message } => user::on_ephemeral(hub, user_id, message),
        Event::UserStatus { user } => {
            global::on_user_status(hub, user);
            presence::on_user_status(hub, user);
        }
        Event::UserUpdated { user, .. } => global::on_user_updated(hub, user),
        Event::UserNameChanged { user } => global::on_name_changed(hub, user),
        Event::UserDeleted { user_id, username } => global::on_user_deleted(hub, user_id, username),
        Event::AvatarUpdated { username, etag } => global::on_avatar(hub, username, etag.as_deref()),
        Event::CustomEmojiChanged { emoji, deleted } => global::on_custom_emoji(hub, emoji, *deleted),
        Event::CustomStatusChanged { status, deleted } => global::on_custom_status(hub, status, *deleted),
        Event::UserRoleChanged { action, role, user_id, username, scope } => {
            global::on_user_role(hub, action, role, user_id, username, scope.as_deref())
        }
        Event::PermissionChanged { permission } => global::on_permission(hub, permission),
        Event::SettingChanged { setting, public } => global::on_setting(hub, setting, *public),
        Event::RoleChanged { .. } => {}
        Event::AppEvent { event, payload } => global::on_app(hub, event, payload),
        #[allow(unreachable_patterns)]
        _ => user::on_other(hub, event),
    }
}
