//! Shared test support: a fake server serving every capability, which records what apps do, and loaders for the
//! packages built by `scripts/build-plugins`.

#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use orbit_apps::bindings::{
    Actor, Association, CommandContext, HostError, Message, NewMessage, NewRoomKind, Presence, Room, RoomKind,
    StoredEntry, User,
};
use orbit_apps::capabilities::{
    AppSettingsHost, MessageWriterHost, MessagesHost, NotifierHost, PersistenceHost, RoomActionsHost, RoomsHost,
    ServerSettingsHost, UserActionsHost, UsersHost,
};
use orbit_apps::{
    AppPackage, AppRuntime, CallContext, Capabilities, EngineConfig, HostResult, Limits, LoadedApp, PackageLimits,
};
use parking_lot::Mutex;

/// Something an app did through the host.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    Sent { room: String, text: String, as_invoker: bool, by: Option<String> },
    Notified { user: String, room: String, text: String },
    Action(String),
}

/// A server with one channel `general` (id `GENERAL`) and users `alice` (`U1`) and `bob` (`U2`);
/// alice is in general.
#[derive(Default)]
pub struct FakeHost {
    pub events: Mutex<Vec<Event>>,
    /// When set, `app-settings.get` never answers (a stuck server).
    pub stuck: std::sync::atomic::AtomicBool,
    /// Milliseconds `app-settings.get` takes to answer (a slow server).
    pub delay_ms: std::sync::atomic::AtomicU64,
    /// When set, the next `app-settings.get` call says it started and waits until it is released.
    pub gate: Mutex<Option<Gate>>,
}

/// Holds one host call: `entered` fires when the call starts, and it answers once `release` fires.
pub struct Gate {
    pub entered: tokio::sync::oneshot::Sender<()>,
    pub release: tokio::sync::oneshot::Receiver<()>,
}

impl FakeHost {
    pub fn take(&self) -> Vec<Event> {
        std::mem::take(&mut *self.events.lock())
    }

    fn action(&self, cx: &CallContext, what: String) -> HostResult<()> {
        let by = cx.user_id.as_deref().unwrap_or("app");
        self.events.lock().push(Event::Action(format!("{by}: {what}")));
        Ok(())
    }
}

fn general() -> Room {
    Room {
        id: "GENERAL".into(),
        name: Some("general".into()),
        kind: RoomKind::Channel,
        topic: None,
        read_only: false,
        archived: false,
        creator_id: None,
        member_count: 1,
    }
}

fn user(id: &str, username: &str) -> User {
    User {
        id: id.into(),
        username: username.into(),
        name: username.into(),
        roles: vec!["user".into()],
        presence: Presence::Online,
        status_text: String::new(),
        is_bot: false,
    }
}

fn users() -> [User; 2] {
    [user("U1", "alice"), user("U2", "bob")]
}

#[async_trait]
impl AppSettingsHost for FakeHost {
    async fn get(&self, _cx: &CallContext, _id: String) -> Option<String> {
        if self.stuck.load(std::sync::atomic::Ordering::Relaxed) {
            std::future::pending::<()>().await;
        }
        let gate = self.gate.lock().take();
        if let Some(gate) = gate {
            let _ = gate.entered.send(());
            let _ = gate.release.await;
        }
        let delay = self.delay_ms.load(std::sync::atomic::Ordering::Relaxed);
        if delay > 0 {
            tokio::time::sleep(Duration::from_millis(delay)).await;
        }
        None
    }
}

#[async_trait]
impl ServerSettingsHost for FakeHost {
    async fn get(&self, _cx: &CallContext, _id: String) -> HostResult<Option<String>> {
        Ok(None)
    }
}

#[async_trait]
impl RoomsHost for FakeHost {
    async fn get_by_id(&self, _cx: &CallContext, id: String) -> HostResult<Option<Room>> {
        Ok((id == "GENERAL").then(general))
    }
    async fn get_by_name(&self, _cx: &CallContext, name: String) -> HostResult<Option<Room>> {
        Ok((name == "general").then(general))
    }
    async fn member_usernames(&self, _cx: &CallContext, _room: String, _limit: u32) -> HostResult<Vec<String>> {
        Ok(vec!["alice".into()])
    }
    async fn is_member(&self, _cx: &CallContext, room: String, user: String) -> HostResult<bool> {
        Ok(room == "GENERAL" && user == "U1")
    }
}

#[async_trait]
impl UsersHost for FakeHost {
    async fn get_by_id(&self, _cx: &CallContext, id: String) -> HostResult<Option<User>> {
        Ok(users().into_iter().find(|u| u.id == id))
    }
    async fn get_by_username(&self, _cx: &CallContext, name: String) -> HostResult<Option<User>> {
        Ok(users().into_iter().find(|u| u.username.eq_ignore_ascii_case(&name)))
    }
}

#[async_trait]
impl MessagesHost for FakeHost {
    async fn get(&self, _cx: &CallContext, _id: String) -> HostResult<Option<Message>> {
        Ok(None)
    }
}

#[async_trait]
impl MessageWriterHost for FakeHost {
    async fn send(&self, cx: &CallContext, message: NewMessage) -> HostResult<String> {
        let mut events = self.events.lock();
        events.push(Event::Sent {
            room: message.room_id,
            text: message.text,
            as_invoker: message.author == Actor::Invoker,
            by: cx.user_id.as_deref().map(str::to_owned),
        });
        Ok(format!("M{}", events.len()))
    }
    async fn update_text(&self, cx: &CallContext, id: String, text: String) -> HostResult<()> {
        self.action(cx, format!("update {id} {text}"))
    }
}

#[async_trait]
impl NotifierHost for FakeHost {
    async fn notify_user(&self, _cx: &CallContext, user: String, room: String, text: String) -> HostResult<()> {
        self.events.lock().push(Event::Notified { user, room, text });
        Ok(())
    }
}

#[async_trait]
impl RoomActionsHost for FakeHost {
    async fn join(&self, cx: &CallContext, room: String) -> HostResult<()> {
        self.action(cx, format!("join {room}"))
    }
    async fn leave(&self, cx: &CallContext, room: String) -> HostResult<()> {
        self.action(cx, format!("leave {room}"))
    }
    async fn invite(&self, cx: &CallContext, room: String, usernames: Vec<String>) -> HostResult<()> {
        self.action(cx, format!("invite {room} {}", usernames.join(",")))
    }
    async fn kick(&self, cx: &CallContext, room: String, username: String) -> HostResult<()> {
        self.action(cx, format!("kick {room} {username}"))
    }
    async fn set_topic(&self, cx: &CallContext, room: String, topic: String) -> HostResult<()> {
        self.action(cx, format!("topic {room} {topic}"))
    }
    async fn create(&self, cx: &CallContext, name: String, kind: NewRoomKind, who: Vec<String>) -> HostResult<String> {
        self.action(cx, format!("create {name} {kind:?} {}", who.join(",")))?;
        Ok("NEWROOM".into())
    }
    async fn open_direct(&self, cx: &CallContext, username: String) -> HostResult<String> {
        self.action(cx, format!("direct {username}"))?;
        Ok(format!("DM-{username}"))
    }
    async fn archive(&self, cx: &CallContext, room: String) -> HostResult<()> {
        self.action(cx, format!("archive {room}"))
    }
    async fn unarchive(&self, cx: &CallContext, room: String) -> HostResult<()> {
        self.action(cx, format!("unarchive {room}"))
    }
    async fn mute(&self, cx: &CallContext, room: String, username: String) -> HostResult<()> {
        self.action(cx, format!("mute {room} {username}"))
    }
    async fn unmute(&self, cx: &CallContext, room: String, username: String) -> HostResult<()> {
        self.action(cx, format!("unmute {room} {username}"))
    }
}

#[async_trait]
impl UserActionsHost for FakeHost {
    async fn set_status_text(&self, cx: &CallContext, text: String) -> HostResult<()> {
        if text == "forbidden" {
            return Err(HostError::Denied("status changes are disabled".into()));
        }
        self.action(cx, format!("status {text}"))
    }
}

/// The runtime's own tests use no app storage: the server's persistence is tested end to end.
#[async_trait]
impl PersistenceHost for FakeHost {
    async fn get(&self, _cx: &CallContext, _key: String) -> HostResult<Option<StoredEntry>> {
        Ok(None)
    }
    async fn set(&self, _: &CallContext, _: String, _: String, _: Vec<Association>, _: Option<u64>) -> HostResult<u64> {
        Err(HostError::Failed("no storage in the runtime tests".into()))
    }
    async fn compare_and_set(
        &self,
        _: &CallContext,
        _: String,
        _: u64,
        _: String,
        _: Vec<Association>,
        _: Option<u64>,
    ) -> HostResult<Option<u64>> {
        Err(HostError::Failed("no storage in the runtime tests".into()))
    }
    async fn remove(&self, _cx: &CallContext, _key: String) -> HostResult<bool> {
        Ok(false)
    }
    async fn find(&self, _cx: &CallContext, _: Vec<Association>, _: u32) -> HostResult<Vec<StoredEntry>> {
        Ok(Vec::new())
    }
    async fn remove_by_association(&self, _cx: &CallContext, _: Vec<Association>) -> HostResult<u32> {
        Ok(0)
    }
}

/// Limits small enough for fast tests.
pub fn test_limits() -> Limits {
    Limits {
        deadline: Duration::from_millis(300),
        memory_bytes: 32 << 20,
        max_instances: 2,
        failure_threshold: 3,
        max_host_calls: 1000,
        log_capacity: 100,
        idle_instance: Duration::from_secs(60),
    }
}

/// The repository's `dist/` directory.
pub fn dist() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../dist")
}

/// Reads `dist/<kind>/<name>.zip`; `None` (with a message) when `scripts/build-plugins`
/// has not been run.
pub fn package(kind: &str, name: &str) -> Option<AppPackage> {
    let path = dist().join(kind).join(format!("{name}.zip"));
    match std::fs::read(&path) {
        Ok(bytes) => Some(AppPackage::from_zip(&bytes, &PackageLimits::default()).unwrap()),
        Err(_) => {
            eprintln!("SKIPPED: {} not built; run scripts/build-plugins first", path.display());
            None
        }
    }
}

/// A compile cache shared by the tests, so each component compiles once.
pub fn shared_cache() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("orbit-apps-cache")
}

/// A runtime with a small pool, the given limits and a fresh fake host.
pub fn runtime_with(limits: Limits, cache: PathBuf) -> (AppRuntime, Arc<FakeHost>) {
    let host = Arc::new(FakeHost::default());
    let mut config = EngineConfig::new(cache);
    config.max_live_instances = 32;
    config.max_memory_bytes = 64 << 20;
    let runtime = AppRuntime::new(&config, limits, Capabilities::served_by(host.clone())).unwrap();
    (runtime, host)
}

pub fn runtime() -> (AppRuntime, Arc<FakeHost>) {
    runtime_with(test_limits(), shared_cache())
}

/// Loads a package into the runtime.
pub async fn load(runtime: &AppRuntime, package: AppPackage) -> orbit_apps::Result<LoadedApp> {
    let id = package.manifest.id.clone();
    runtime.load(&id, package.manifest, package.component).await
}

/// A command context from alice in general.
pub fn command(name: &str, params: &str) -> CommandContext {
    CommandContext {
        command: name.into(),
        params: params.into(),
        args: params.split_whitespace().map(str::to_owned).collect(),
        sender_id: "U1".into(),
        room_id: "GENERAL".into(),
        thread_id: None,
        trigger_id: None,
    }
}
