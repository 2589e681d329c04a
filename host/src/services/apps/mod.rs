//! Apps: installing, updating, enabling, configuring and observing WebAssembly apps.
//!
//! The database ([`crate::store::AppStore`]) is the source of truth: every installed app, its
//! package, status, setting values and failure reason live there, and at start every record is
//! loaded into the [`AppRuntime`] again (compiled components come from the runtime's disk cache,
//! so nothing is recompiled). The runtime holds what runs; this module decides what should run.
//!
//! Service functions are synchronous like every other service: they run on tokio's blocking pool
//! and wait there for the runtime's async work ([`Apps::block_on`]), never on the executor.
//!
//! - `host_impl`: the [`orbit_apps::AppHost`] the apps call, served by the other services;
//! - `watcher`: the hot-reload folder and `ORBIT_PRELOAD_APPS`.

pub mod host_impl;
pub mod watcher;

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::future::Future;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use base64::Engine as _;
use orbit_apps::bindings::{AppProvides, SettingDef, SettingKind, SettingValue};
use orbit_apps::{AppError, AppPackage, AppRuntime, EngineConfig, Limits, LoadedApp, Manifest, PackageLimits};
use parking_lot::{Mutex, RwLock};
use serde_json::{Map, Value, json};

use super::Services;
use super::accounts::NewUser;
use crate::bus::Event;
use crate::error::{Error, Result};
use crate::models::User;
use crate::store::{AppRecord, AppSource};
use crate::time::Date;

/// Apps-Engine's `AppStatus` values that Orbit uses.
pub mod status {
    /// Loaded, not enabled yet.
    pub const INITIALIZED: &str = "initialized";
    /// Enabled by the server (preloaded or dropped into the apps folder).
    pub const AUTO_ENABLED: &str = "auto_enabled";
    /// Enabled by an admin.
    pub const MANUALLY_ENABLED: &str = "manually_enabled";
    /// Disabled by an admin.
    pub const MANUALLY_DISABLED: &str = "manually_disabled";
    /// Disabled because a required setting has no value.
    pub const INVALID_SETTINGS_DISABLED: &str = "invalid_settings_disabled";
    /// Disabled by the server after repeated failures, or because enabling it failed.
    pub const ERROR_DISABLED: &str = "error-disabled";
    /// The stored package could not be loaded (compiled, validated or initialized).
    pub const COMPILER_ERROR_DISABLED: &str = "compiler_error_disabled";
    /// What an uninstalled app reports.
    pub const DISABLED: &str = "disabled";

    /// Whether the status means "enabled".
    pub fn is_enabled(status: &str) -> bool {
        status == AUTO_ENABLED || status == MANUALLY_ENABLED
    }
}

/// Store collection of preloaded apps an admin uninstalled (they are not preloaded again).
const UNINSTALLED: &str = "apps_uninstalled";

/// Server-side log entries kept per app (lifecycle: installs, updates, status changes).
const SERVER_LOG_CAPACITY: usize = 1000;

/// A slash command provided by an enabled app.
#[derive(Debug, Clone, PartialEq)]
pub struct AppCommand {
    pub app_id: String,
    /// Without the slash, lowercase.
    pub command: String,
    /// Parameter hint (`params`).
    pub params: String,
    pub description: String,
    pub provides_preview: bool,
    /// Server permissions the invoking user needs (one of them); empty means anyone.
    pub permissions: Vec<String>,
}

/// The runtime and the in-memory view of installed apps. Created empty with the services;
/// [`start`] fills it.
#[derive(Default)]
pub struct AppsState {
    /// The current runtime; replaced as a whole when the sandbox limits change.
    runtime: RwLock<Option<Arc<AppRuntime>>>,
    handle: OnceLock<tokio::runtime::Handle>,
    /// What a replacement runtime is built from.
    engine: OnceLock<(EngineConfig, Arc<host_impl::ServerHost>)>,
    /// Mirror of the `apps` table, by id.
    records: RwLock<HashMap<String, AppRecord>>,
    /// Commands of enabled apps, by name: the first installed app providing a name owns it.
    registry: RwLock<Arc<BTreeMap<String, AppCommand>>>,
    /// Serializes installs, updates, status changes and uninstalls.
    changes: Mutex<()>,
    /// Lifecycle entries per app.
    server_logs: Mutex<HashMap<String, VecDeque<Value>>>,
}

impl AppsState {
    /// The commands of enabled apps.
    pub fn registry(&self) -> Arc<BTreeMap<String, AppCommand>> {
        self.registry.read().clone()
    }

    /// The runtime, once [`start`] ran.
    pub fn runtime(&self) -> Option<Arc<AppRuntime>> {
        self.runtime.read().clone()
    }

    /// A copy of an installed app's record.
    pub fn record(&self, id: &str) -> Option<AppRecord> {
        self.records.read().get(id).cloned()
    }
}

/// Reads the sandbox limits from the `Apps_Orbit_*` settings.
pub fn limits_from_settings(svc: &Services) -> Limits {
    let s = &svc.settings;
    Limits {
        deadline: Duration::from_millis(s.int("Apps_Orbit_Call_Timeout_Ms", 2000).clamp(10, 600_000) as u64),
        memory_bytes: (s.int("Apps_Orbit_Memory_Limit_MB", 64).clamp(1, 4096) as usize) << 20,
        max_instances: s.int("Apps_Orbit_Max_Instances", 4).clamp(1, 64) as usize,
        failure_threshold: s.int("Apps_Orbit_Failure_Threshold", 5).clamp(1, 1_000_000) as u32,
        max_host_calls: s.int("Apps_Orbit_Host_Calls_Per_Invocation", 10_000).clamp(1, 100_000_000) as u64,
        log_capacity: 1000,
    }
}

/// Starts the apps platform: builds the runtime (limits from settings, compiled components
/// cached in `<data dir>/app-cache`), loads every installed app from the database, installs
/// `ORBIT_PRELOAD_APPS` and starts watching the apps folder. Runs before the server listens.
pub async fn start(svc: &Arc<Services>) -> anyhow::Result<()> {
    let limits = limits_from_settings(svc);
    let engine = EngineConfig::new(svc.config.data_dir.join("app-cache"));
    let host = Arc::new(host_impl::ServerHost::new(Arc::downgrade(svc)));
    let runtime = new_runtime(&engine, limits, &host)?;
    *svc.apps.runtime.write() = Some(Arc::new(runtime));
    let _ = svc.apps.engine.set((engine, host));
    let _ = svc.apps.handle.set(tokio::runtime::Handle::current());
    svc.blocking(|s| s.apps().load_installed()).await?;
    if let Some(dir) = svc.config.preload_apps.clone() {
        svc.blocking(move |s| {
            s.apps().preload(&dir);
            Ok(())
        })
        .await?;
    }
    watcher::start(svc.clone()).await?;
    watch_limits(svc.clone());
    Ok(())
}

fn new_runtime(
    engine: &EngineConfig,
    limits: Limits,
    host: &Arc<host_impl::ServerHost>,
) -> orbit_apps::Result<AppRuntime> {
    let mut engine = engine.clone();
    engine.max_memory_bytes = engine.max_memory_bytes.max(limits.memory_bytes);
    AppRuntime::new(&engine, limits, host.clone())
}

fn same_limits(a: &Limits, b: &Limits) -> bool {
    a.deadline == b.deadline
        && a.memory_bytes == b.memory_bytes
        && a.max_instances == b.max_instances
        && a.failure_threshold == b.failure_threshold
        && a.max_host_calls == b.max_host_calls
}

/// Applies changes of the `Apps_Orbit_*` settings while the server runs ([`Apps::apply_limits`]).
fn watch_limits(svc: Arc<Services>) {
    let mut events = svc.bus.subscribe();
    tokio::spawn(async move {
        loop {
            let event = match events.recv().await {
                Ok(event) => event,
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
            };
            let Event::SettingChanged { setting, .. } = &*event else { continue };
            if !setting["_id"].as_str().is_some_and(|id| id.starts_with("Apps_Orbit_")) {
                continue;
            }
            if let Err(error) = svc.blocking(|s| s.apps().apply_limits()).await {
                tracing::error!("applying new app limits failed: {}", error.reason());
            }
        }
    });
}

/// Apps operations.
pub struct Apps<'a>(pub &'a Services);

impl Services {
    /// Apps operations.
    pub fn apps(&self) -> Apps<'_> {
        Apps(self)
    }
}

/// The "no such app" answer (404, as upstream's `notFound`).
pub fn app_not_found(id: &str) -> Error {
    Error::not_found("error-app-not-found", format!("No App found by the id of: {id}"))
}

/// Turns a runtime error into the REST error an admin sees.
pub fn install_error(error: AppError) -> Error {
    let text = error.to_string();
    match error {
        AppError::Manifest(reason) if reason.contains("`requiredApiVersion`") && reason.contains("does not match") => {
            Error::bad("error-app-incompatible-api", text)
        }
        AppError::Manifest(_) => Error::bad("error-app-manifest-invalid", text),
        AppError::Package(_) => Error::bad("error-app-package-invalid", text),
        AppError::Component(_) => Error::bad("error-app-component-invalid", text),
        AppError::Compile(_) => Error::bad("error-app-compile-failed", text),
        AppError::NotLoaded(id) => app_not_found(&id),
        _ => Error::bad("error-app-initialize-failed", text),
    }
}

/// What an install or update changed.
enum Change {
    Install,
    Update,
}

impl Apps<'_> {
    /// The runtime, or an error when the apps platform is not running.
    pub fn runtime(&self) -> Result<Arc<AppRuntime>> {
        self.0.apps.runtime().ok_or_else(|| Error::bad("error-apps-not-running", "The apps platform is not running"))
    }

    /// Waits for a runtime future from a blocking-pool thread (where every service runs). The
    /// future is driven on this thread, so the host calls it makes run their service functions
    /// right here ([`in_app_call`]) instead of hopping to another blocking thread. A nested
    /// call (a service reached from a host call that calls an app again) runs on a thread of its
    /// own, since one thread cannot drive two runtime waits at once.
    pub fn block_on<F>(&self, future: F) -> Result<F::Output>
    where
        F: Future + Send,
        F::Output: Send,
    {
        let handle = self
            .0
            .apps
            .handle
            .get()
            .ok_or_else(|| Error::bad("error-apps-not-running", "The apps platform is not running"))?;
        if in_app_call() {
            return std::thread::scope(|scope| {
                scope
                    .spawn(|| drive(handle, future))
                    .join()
                    .map_err(|_| Error::Internal(anyhow::anyhow!("app call panicked")))
            });
        }
        Ok(drive(handle, future))
    }

    /// Fails with `error-unauthorized` unless `user` may manage apps (`manage-apps`).
    pub fn require_admin(&self, user: &User) -> Result<()> {
        self.0.authz().require(user, "manage-apps", None)
    }

    // --- reading ---

    /// `GET /api/apps`: every installed app (`manage-apps`).
    pub fn list(&self, user: &User) -> Result<Vec<Value>> {
        self.require_admin(user)?;
        let mut records: Vec<AppRecord> = self.0.apps.records.read().values().cloned().collect();
        records.sort_by(|a, b| (a.installed_at, &a.id).cmp(&(b.installed_at, &b.id)));
        Ok(records.iter().map(|r| self.view(r)).collect())
    }

    /// `GET /api/apps/:id` (`manage-apps`).
    pub fn get(&self, user: &User, id: &str) -> Result<Value> {
        self.require_admin(user)?;
        Ok(self.view(&self.record(id)?))
    }

    fn record(&self, id: &str) -> Result<AppRecord> {
        self.0.apps.record(id).ok_or_else(|| app_not_found(id))
    }

    /// The REST shape of an app: its manifest (`IAppInfo`) plus status, why it failed, its
    /// commands and runtime health.
    pub fn view(&self, record: &AppRecord) -> Value {
        let mut v = match &record.manifest {
            Value::Object(o) => Value::Object(o.clone()),
            _ => json!({"id": record.id}),
        };
        let loaded = self.0.apps.runtime().and_then(|r| r.app(&record.id));
        let commands: Vec<String> = loaded
            .as_ref()
            .and_then(LoadedApp::provides)
            .map(|p| p.commands.into_iter().map(|c| c.command).collect())
            .unwrap_or_default();
        let health = loaded.as_ref().map(|app| {
            let h = app.health();
            json!({
                "failed": h.failed,
                "consecutiveFailures": h.consecutive_failures,
                "idleInstances": h.idle_instances,
                "compiled": {
                    "source": format!("{:?}", app.compile_info().source).to_lowercase(),
                    "ms": app.compile_info().elapsed.as_millis() as u64,
                    "sha256": app.compile_info().sha256,
                },
            })
        });
        let source = match &record.source {
            AppSource::Upload => json!({"kind": "upload"}),
            AppSource::Folder { path } => json!({"kind": "folder", "path": path}),
            AppSource::Preload { path } => json!({"kind": "preload", "path": path}),
        };
        if let Some(o) = v.as_object_mut() {
            o.insert("status".into(), json!(record.status));
            o.insert("failureReason".into(), json!(record.failure));
            o.insert("enabled".into(), json!(status::is_enabled(&record.status)));
            o.insert("languages".into(), json!({}));
            o.insert("private".into(), json!(true));
            o.insert("migrated".into(), json!(false));
            o.insert("installedAt".into(), json!(record.installed_at.to_iso()));
            o.insert("updatedAt".into(), json!(record.updated_at.to_iso()));
            o.insert("source".into(), source);
            o.insert("commands".into(), json!(commands));
            o.insert("loaded".into(), json!(loaded.is_some()));
            o.insert("health".into(), health.unwrap_or(Value::Null));
            if let Some(icon) = &record.icon {
                o.insert("iconFileContent".into(), json!(icon));
            }
            if let Some(bot) = &record.bot_user_id {
                o.insert("botUserId".into(), json!(bot));
            }
        }
        v
    }

    // --- installing ---

    /// `POST /api/apps`: installs a new app from a zip (`manage-apps`), enabled like upstream.
    /// An id that is already installed is refused: updates go through [`Apps::update`].
    pub fn install(&self, user: &User, zip: &[u8]) -> Result<Value> {
        self.require_admin(user)?;
        let package = parse_package(zip)?;
        let _guard = self.0.apps.changes.lock();
        if self.0.apps.record(&package.manifest.id).is_some() {
            return Err(Error::bad(
                "error-app-already-installed",
                format!(
                    "App {} ({}) is already installed; update it with POST /api/apps/{}",
                    package.manifest.name, package.manifest.id, package.manifest.id
                ),
            ));
        }
        let record = self.apply(zip, package, AppSource::Upload, status::MANUALLY_ENABLED, Some(user))?;
        self.0.store.delete_doc(UNINSTALLED, &record.id)?;
        Ok(self.view(&record))
    }

    /// `POST /api/apps/:id`: replaces an installed app with a new package of the same id
    /// (`manage-apps`). Calls already running finish on the old version.
    pub fn update(&self, user: &User, id: &str, zip: &[u8]) -> Result<Value> {
        self.require_admin(user)?;
        let package = parse_package(zip)?;
        let _guard = self.0.apps.changes.lock();
        let record = self.record(id)?;
        if package.manifest.id != id {
            return Err(Error::bad(
                "error-app-id-mismatch",
                format!("The package is app {}, not {id}", package.manifest.id),
            ));
        }
        let record = self.apply(zip, package, record.source, status::MANUALLY_ENABLED, Some(user))?;
        // The apps folder mirrors installed apps: its file gets the new version too, so the
        // folder does not bring the old one back at the next start.
        if let AppSource::Folder { path } = &record.source
            && let Err(error) = write_atomically(std::path::Path::new(path), zip)
        {
            tracing::warn!(app = %id, path, "could not write the update into the apps folder: {error}");
        }
        Ok(self.view(&record))
    }

    /// Installs or updates from the server itself (apps folder, preload). Returns the record, or
    /// `None` when the same package is already installed.
    pub fn install_or_update_from(&self, zip: &[u8], source: AppSource) -> Result<Option<AppRecord>> {
        let package = parse_package(zip)?;
        let _guard = self.0.apps.changes.lock();
        if let Some(existing) = self.0.apps.record(&package.manifest.id)
            && existing.package_sha256 == sha256_hex(zip)
        {
            if existing.source != source {
                let mut record = existing;
                record.source = source;
                self.save_record(record.clone())?;
                return Ok(Some(record));
            }
            return Ok(None);
        }
        self.apply(zip, package, source, status::AUTO_ENABLED, None).map(Some)
    }

    /// Loads a package into the runtime (swapping in the new version of an installed app),
    /// creates the bot user, enables the app unless an admin disabled it, and stores it. On any
    /// error before the runtime accepted the package, nothing changes.
    fn apply(
        &self,
        zip: &[u8],
        package: AppPackage,
        source: AppSource,
        enabled_status: &str,
        actor: Option<&User>,
    ) -> Result<AppRecord> {
        let runtime = self.runtime()?;
        let manifest = package.manifest.clone();
        let id = manifest.id.clone();
        let previous = self.0.apps.record(&id);
        let change = if previous.is_some() { Change::Update } else { Change::Install };
        let icon = icon_data_url(&manifest, package.icon.as_deref());
        let app = self.block_on(runtime.load(&id, package.manifest, package.component))?.map_err(install_error)?;
        let now = Date::now();
        let bot_user_id = match self.ensure_bot_user(&manifest, previous.as_ref().and_then(|p| p.bot_user_id.clone())) {
            Ok(bot) => Some(bot),
            Err(error) => {
                if previous.is_none() {
                    runtime.unload(&id);
                }
                return Err(error);
            }
        };
        let declared: Vec<String> =
            app.provides().map(|p| p.settings.into_iter().map(|s| s.id).collect()).unwrap_or_default();
        let mut settings = previous.as_ref().map(|p| p.settings.clone()).unwrap_or_default();
        settings.retain(|k, _| declared.contains(k));
        let mut record = AppRecord {
            id: id.clone(),
            manifest: serde_json::to_value(&manifest)?,
            package_sha256: sha256_hex(zip),
            status: status::INITIALIZED.into(),
            failure: None,
            settings,
            installed_at: previous.as_ref().map_or(now, |p| p.installed_at),
            updated_at: now,
            bot_user_id,
            source,
            icon,
        };
        // An admin's "disabled" survives updates; any other state gets a fresh chance.
        let keep_disabled = previous.as_ref().is_some_and(|p| p.status == status::MANUALLY_DISABLED);
        if keep_disabled {
            record.status = status::MANUALLY_DISABLED.into();
        } else {
            let target = match previous.as_ref() {
                Some(p) if status::is_enabled(&p.status) => p.status.clone(),
                _ => enabled_status.to_string(),
            };
            self.enable_record(&mut record, &target);
        }
        if let Err(error) = self.0.store.put_app(&record, zip) {
            if previous.is_none() {
                runtime.unload(&id);
            }
            return Err(error);
        }
        self.0.apps.records.write().insert(id.clone(), record.clone());
        self.rebuild_registry();
        let by = actor.map(|u| format!(" by {}", u.username)).unwrap_or_default();
        let (what, event) = match change {
            Change::Install => ("installed", "app/added"),
            Change::Update => ("updated", "app/updated"),
        };
        self.publish(event, json!(id));
        self.server_log(&id, "info", &format!("{what} version {}{by}; status {}", manifest.version, record.status));
        tracing::info!(app = %id, name = %manifest.name, version = %manifest.version, status = %record.status, "app {what}");
        Ok(record)
    }

    /// Enables a loaded app in `record`: checks required settings, calls `on-enable`, and sets
    /// the status (`target` on success, a disabled status with the reason otherwise).
    fn enable_record(&self, record: &mut AppRecord, target: &str) {
        match self.runtime() {
            Ok(runtime) => self.enable_with(&runtime, record, target),
            Err(_) => {
                record.status = status::ERROR_DISABLED.into();
                record.failure = Some("the apps platform is not running".into());
            }
        }
    }

    fn enable_with(&self, runtime: &AppRuntime, record: &mut AppRecord, target: &str) {
        record.failure = None;
        if let Some(missing) = self.missing_required_setting(record) {
            record.status = status::INVALID_SETTINGS_DISABLED.into();
            record.failure = Some(format!("the required setting `{missing}` has no value"));
            return;
        }
        match self.block_on(runtime.on_enable(&record.id)) {
            Ok(Ok(true)) => record.status = target.to_string(),
            Ok(Ok(false)) => {
                record.status = status::MANUALLY_DISABLED.into();
                record.failure = Some("the app refused to be enabled (on-enable returned false)".into());
            }
            Ok(Err(error)) => {
                record.status = status::ERROR_DISABLED.into();
                record.failure = Some(format!("enabling failed: {error}"));
            }
            Err(error) => {
                record.status = status::ERROR_DISABLED.into();
                record.failure = Some(error.reason());
            }
        }
    }

    fn missing_required_setting(&self, record: &AppRecord) -> Option<String> {
        let defs = self.setting_defs(&record.id);
        defs.into_iter().filter(|d| d.required).find_map(|d| {
            let value = record.settings.get(&d.id).cloned().unwrap_or_else(|| parse_json_text(&d.default_value));
            let empty = match &value {
                Value::Null => true,
                Value::String(s) => s.is_empty(),
                Value::Array(a) => a.is_empty(),
                _ => false,
            };
            empty.then_some(d.id)
        })
    }

    /// The app's bot user (`<nameSlug>.bot`, type and role `app`), created when missing.
    fn ensure_bot_user(&self, manifest: &Manifest, known: Option<String>) -> Result<String> {
        if let Some(id) = known
            && self.0.store.user_by_id(&id)?.is_some()
        {
            return Ok(id);
        }
        let base = format!("{}.bot", manifest.name_slug);
        for n in 0..100 {
            let username = if n == 0 { base.clone() } else { format!("{base}.{n}") };
            match self.0.store.user_by_username(&username)? {
                Some(user) if user.extra.get("appId").and_then(Value::as_str) == Some(manifest.id.as_str()) => {
                    return Ok(user.id);
                }
                Some(_) => continue,
                None => {}
            }
            let mut user = self.0.accounts().insert(NewUser {
                username,
                name: Some(manifest.name.clone()),
                roles: vec!["app".into()],
                kind: Some("app".into()),
                active: Some(true),
                ..Default::default()
            })?;
            user.extra.insert("appId".into(), json!(manifest.id));
            user.status = "online".into();
            user.status_connection = "online".into();
            self.0.store.update_user(&user)?;
            return Ok(user.id);
        }
        Err(Error::bad("error-app-user", format!("No free username for the bot user of {}", manifest.name)))
    }

    // --- uninstalling ---

    /// `DELETE /api/apps/:id` (`manage-apps`): stops the app, removes its bot user and record.
    pub fn uninstall(&self, user: &User, id: &str) -> Result<Value> {
        self.require_admin(user)?;
        let _guard = self.0.apps.changes.lock();
        let record = self.uninstall_locked(id, Some(user))?;
        match &record.source {
            // The folder mirrors installed apps: uninstalling removes the app's file.
            AppSource::Folder { path } => {
                if let Err(error) = std::fs::remove_file(path)
                    && error.kind() != std::io::ErrorKind::NotFound
                {
                    tracing::warn!(app = %id, path, "could not remove the package from the apps folder: {error}");
                }
            }
            // A preloaded app an admin removed is not preloaded again.
            AppSource::Preload { .. } => {
                self.0.store.put_doc(UNINSTALLED, id, &json!({"_id": id, "at": Date::now().0}))?;
            }
            AppSource::Upload => {}
        }
        let mut view = self.view(&record);
        view["status"] = json!(status::DISABLED);
        Ok(view)
    }

    /// Uninstalls from the server itself (a file removed from the apps folder).
    pub fn uninstall_from_folder(&self, id: &str) -> Result<()> {
        let _guard = self.0.apps.changes.lock();
        self.uninstall_locked(id, None).map(|_| ())
    }

    fn uninstall_locked(&self, id: &str, actor: Option<&User>) -> Result<AppRecord> {
        let record = self.record(id)?;
        if let Ok(runtime) = self.runtime() {
            if status::is_enabled(&record.status) && runtime.app(id).is_some() {
                let _ = self.block_on(runtime.on_disable(id));
            }
            runtime.unload(id);
        }
        self.0.store.delete_app(id)?;
        self.0.apps.records.write().remove(id);
        self.rebuild_registry();
        if let Some(bot) = &record.bot_user_id
            && let Some(bot_user) = self.0.store.user_by_id(bot)?
        {
            self.0.store.delete_user(bot)?;
            self.0.bus.publish(Event::UserDeleted { user_id: bot_user.id, username: bot_user.username });
        }
        let by = actor.map(|u| format!(" by {}", u.username)).unwrap_or_default();
        self.server_log(id, "info", &format!("uninstalled{by}"));
        tracing::info!(app = %id, "app uninstalled");
        self.publish("app/removed", json!(id));
        Ok(record)
    }

    // --- status ---

    /// `POST /api/apps/:id/status` (`manage-apps`): `manually_enabled` (or `auto_enabled`)
    /// enables, `manually_disabled` (or `disabled`) disables. Enabling clears a failed state.
    /// Returns the resulting status, which is a disabled one with a reason when enabling failed.
    pub fn set_status(&self, user: &User, id: &str, wanted: &str) -> Result<String> {
        self.require_admin(user)?;
        let enable = match wanted {
            status::MANUALLY_ENABLED | status::AUTO_ENABLED => true,
            status::MANUALLY_DISABLED | status::DISABLED => false,
            _ => {
                return Err(Error::bad(
                    "error-invalid-status",
                    format!("Invalid status `{wanted}`: use `manually_enabled` or `manually_disabled`"),
                ));
            }
        };
        let _guard = self.0.apps.changes.lock();
        let mut record = self.record(id)?;
        let runtime = self.runtime()?;
        if enable {
            if runtime.app(id).is_none() {
                self.reload_from_store(&mut record);
            }
            if runtime.app(id).is_some() {
                self.enable_record(&mut record, status::MANUALLY_ENABLED);
            }
        } else {
            if status::is_enabled(&record.status)
                && runtime.app(id).is_some()
                && let Ok(Err(error)) = self.block_on(runtime.on_disable(id))
            {
                self.server_log(id, "warn", &format!("on-disable failed: {error}"));
            }
            record.status = status::MANUALLY_DISABLED.into();
            record.failure = None;
        }
        record.updated_at = Date::now();
        self.server_log(id, "info", &format!("status set to {} by {}", record.status, user.username));
        let result = record.status.clone();
        self.save_record(record)?;
        Ok(result)
    }

    /// `GET /api/apps/:id/status` (`manage-apps`).
    pub fn status(&self, user: &User, id: &str) -> Result<String> {
        self.require_admin(user)?;
        Ok(self.record(id)?.status)
    }

    /// Stores a changed record and refreshes the command registry.
    fn save_record(&self, record: AppRecord) -> Result<()> {
        self.0.store.update_app_record(&record)?;
        let (id, status) = (record.id.clone(), record.status.clone());
        let previous = self.0.apps.records.write().insert(record.id.clone(), record);
        self.rebuild_registry();
        if previous.is_none_or(|p| p.status != status) {
            self.publish("app/statusUpdate", json!({"appId": id, "status": status}));
        }
        Ok(())
    }

    /// Called after an app call failed: once the runtime marked the app failed (too many
    /// consecutive failures), the app is disabled (`error-disabled`) with the reason, which
    /// `GET /api/apps` shows and which survives restarts.
    pub fn note_failure(&self, id: &str) {
        let Some(reason) = self.runtime().ok().and_then(|r| r.app(id)).and_then(|app| app.health().failed) else {
            return;
        };
        let _guard = self.0.apps.changes.lock();
        let Some(mut record) = self.0.apps.record(id) else { return };
        if record.status == status::ERROR_DISABLED {
            return;
        }
        record.status = status::ERROR_DISABLED.into();
        record.failure = Some(reason.clone());
        record.updated_at = Date::now();
        self.server_log(id, "error", &format!("disabled after repeated failures: {reason}"));
        tracing::error!(app = %id, "app disabled after repeated failures: {reason}");
        if let Err(error) = self.save_record(record) {
            tracing::error!(app = %id, "could not store the failed state: {error}");
        }
    }

    // --- start ---

    /// Loads every installed app from the database into the runtime, in its stored state.
    pub fn load_installed(&self) -> Result<()> {
        let records = self.0.store.app_records()?;
        {
            let mut map = self.0.apps.records.write();
            for r in &records {
                map.insert(r.id.clone(), r.clone());
            }
        }
        let _guard = self.0.apps.changes.lock();
        for mut record in records {
            let before = (record.status.clone(), record.failure.clone());
            self.reload_from_store(&mut record);
            let loaded = self.runtime().ok().and_then(|r| r.app(&record.id)).is_some();
            if loaded && status::is_enabled(&record.status) {
                let target = record.status.clone();
                self.enable_record(&mut record, &target);
            }
            if (record.status.clone(), record.failure.clone()) != before {
                record.updated_at = Date::now();
                if let Err(error) = self.0.store.update_app_record(&record) {
                    tracing::error!(app = %record.id, "could not store the app state: {error}");
                }
            }
            tracing::info!(app = %record.id, status = %record.status, "app loaded from the database");
            self.0.apps.records.write().insert(record.id.clone(), record);
        }
        self.rebuild_registry();
        Ok(())
    }

    /// Rebuilds the runtime when the `Apps_Orbit_*` limits changed: every installed app is
    /// loaded into a new runtime with the new limits (from the compile cache) and enabled again
    /// if it was, then the new runtime replaces the old one. Calls already running finish on the
    /// old one; its log entries are kept. Returns whether anything changed.
    pub fn apply_limits(&self) -> Result<bool> {
        let limits = limits_from_settings(self.0);
        let current = self.runtime()?;
        if same_limits(current.limits(), &limits) {
            return Ok(false);
        }
        let (engine, host) = self
            .0
            .apps
            .engine
            .get()
            .ok_or_else(|| Error::bad("error-apps-not-running", "The apps platform is not running"))?;
        let _guard = self.0.apps.changes.lock();
        let fresh = new_runtime(engine, limits.clone(), host).map_err(install_error)?;
        let mut records: Vec<AppRecord> = self.0.apps.records.read().values().cloned().collect();
        records.sort_by(|a, b| (a.installed_at, &a.id).cmp(&(b.installed_at, &b.id)));
        for mut record in records {
            let before = (record.status.clone(), record.failure.clone());
            self.reload_into(&fresh, &mut record);
            if fresh.app(&record.id).is_some() && status::is_enabled(&record.status) {
                let target = record.status.clone();
                self.enable_with(&fresh, &mut record, &target);
            }
            if (record.status.clone(), record.failure.clone()) != before {
                record.updated_at = Date::now();
                self.0.store.update_app_record(&record)?;
            }
            self.0.apps.records.write().insert(record.id.clone(), record);
        }
        // Keep what the old runtime logged: its log rings go away with it.
        for id in current.app_ids() {
            let entries = current.logs(&id);
            let mut logs = self.0.apps.server_logs.lock();
            let ring = logs.entry(id.clone()).or_default();
            for e in entries {
                if ring.len() == SERVER_LOG_CAPACITY {
                    ring.pop_front();
                }
                ring.push_back(json!({
                    "appId": id, "level": e.level, "source": e.source, "message": e.message,
                    "_createdAt": Date(e.time_ms as i64).to_iso(), "ts": e.time_ms,
                }));
            }
        }
        *self.0.apps.runtime.write() = Some(Arc::new(fresh));
        self.rebuild_registry();
        tracing::info!(?limits, "app limits changed: runtime rebuilt");
        for id in self.0.apps.records.read().keys() {
            self.server_log(id, "info", &format!("sandbox limits changed: {limits:?}"));
        }
        Ok(true)
    }

    /// Loads a stored package into the runtime. A package that no longer loads marks the app
    /// `compiler_error_disabled` with the reason.
    fn reload_from_store(&self, record: &mut AppRecord) {
        match self.runtime() {
            Ok(runtime) => self.reload_into(&runtime, record),
            Err(error) => {
                record.status = status::COMPILER_ERROR_DISABLED.into();
                record.failure = Some(error.reason());
            }
        }
    }

    fn reload_into(&self, runtime: &AppRuntime, record: &mut AppRecord) {
        let outcome = (|| -> Result<()> {
            let zip = self
                .0
                .store
                .app_package(&record.id)?
                .ok_or_else(|| Error::bad("error-app-package-invalid", "the stored package is missing"))?;
            let package = parse_package(&zip)?;
            self.block_on(runtime.load(&record.id, package.manifest, package.component))?.map_err(install_error)?;
            Ok(())
        })();
        match outcome {
            Ok(()) => {
                if record.status == status::COMPILER_ERROR_DISABLED {
                    record.status = status::MANUALLY_DISABLED.into();
                    record.failure = None;
                }
            }
            Err(error) => {
                let reason = error.reason();
                tracing::error!(app = %record.id, "stored app does not load: {reason}");
                self.server_log(&record.id, "error", &format!("does not load: {reason}"));
                record.status = status::COMPILER_ERROR_DISABLED.into();
                record.failure = Some(reason);
            }
        }
    }

    /// Installs (or updates to a newer version) every `*.zip` of a folder, enabled. Problems
    /// are logged; they never stop the server.
    pub fn preload(&self, dir: &std::path::Path) {
        for path in watcher::zips_in(dir) {
            let outcome = std::fs::read(&path).map_err(|e| Error::Internal(e.into())).and_then(|zip| {
                let package = parse_package(&zip)?;
                if self.0.store.doc(UNINSTALLED, &package.manifest.id)?.is_some() {
                    return Ok(None);
                }
                if let Some(existing) = self.0.apps.record(&package.manifest.id) {
                    let installed = existing.manifest["version"].as_str().and_then(|v| semver::Version::parse(v).ok());
                    let offered = semver::Version::parse(&package.manifest.version).ok();
                    if !matches!((installed, offered), (Some(a), Some(b)) if b > a) {
                        return Ok(None);
                    }
                }
                self.install_or_update_from(&zip, AppSource::Preload { path: path.display().to_string() })
            });
            match outcome {
                Ok(Some(record)) => {
                    tracing::info!(path = %path.display(), app = %record.id, status = %record.status, "preloaded app")
                }
                Ok(None) => {}
                Err(error) => tracing::warn!(path = %path.display(), "preloading failed: {}", error.reason()),
            }
        }
    }

    // --- commands registry ---

    /// Recomputes the commands of enabled apps; the first installed app keeps a name.
    pub fn rebuild_registry(&self) {
        let Ok(runtime) = self.runtime() else { return };
        let mut records: Vec<AppRecord> =
            self.0.apps.records.read().values().filter(|r| status::is_enabled(&r.status)).cloned().collect();
        records.sort_by(|a, b| (a.installed_at, &a.id).cmp(&(b.installed_at, &b.id)));
        let mut registry = BTreeMap::new();
        for record in records {
            let Some(provides) = runtime.app(&record.id).and_then(|a| a.provides()) else { continue };
            for c in provides.commands {
                registry.entry(c.command.clone()).or_insert_with(|| AppCommand {
                    app_id: record.id.clone(),
                    command: c.command,
                    params: c.params_example,
                    description: c.description,
                    provides_preview: c.provides_preview,
                    permissions: c.required_permissions,
                });
            }
        }
        let previous = std::mem::replace(&mut *self.0.apps.registry.write(), Arc::new(registry.clone()));
        for (name, command) in &registry {
            match previous.get(name) {
                None => self.publish("command/added", json!(name)),
                Some(old) if old != command => self.publish("command/updated", json!(name)),
                Some(_) => {}
            }
        }
        for name in previous.keys().filter(|name| !registry.contains_key(*name)) {
            self.publish("command/removed", json!(name));
        }
    }

    /// Publishes a `stream-apps` event.
    fn publish(&self, event: &'static str, payload: Value) {
        self.0.bus.publish(Event::AppEvent { event, payload });
    }

    // --- settings ---

    /// What the current version of an app declares as settings.
    fn setting_defs(&self, id: &str) -> Vec<SettingDef> {
        self.runtime()
            .ok()
            .and_then(|r| r.app(id))
            .and_then(|a| a.provides())
            .map(|p: AppProvides| p.settings)
            .unwrap_or_default()
    }

    /// A setting's current value (the admin's, or the app's default); `None` if undeclared.
    pub fn setting_value(&self, id: &str, setting: &str) -> Option<Value> {
        let def = self.setting_defs(id).into_iter().find(|d| d.id == setting)?;
        let stored = self.0.apps.records.read().get(id).and_then(|r| r.settings.get(setting).cloned());
        Some(stored.unwrap_or_else(|| parse_json_text(&def.default_value)))
    }

    /// `GET /api/apps/:id/settings` (`manage-apps`): `{<id>: ISetting}` as upstream.
    pub fn settings(&self, user: &User, id: &str) -> Result<Map<String, Value>> {
        self.require_admin(user)?;
        let record = self.record(id)?;
        Ok(self.setting_defs(id).iter().map(|d| (d.id.clone(), setting_view(d, record.settings.get(&d.id)))).collect())
    }

    /// `GET /api/apps/:id/settings/:settingId` (`manage-apps`).
    pub fn setting(&self, user: &User, id: &str, setting: &str) -> Result<Value> {
        self.settings(user, id)?.remove(setting).ok_or_else(|| {
            Error::not_found(
                "error-app-setting-not-found",
                format!("No Setting found on the App by the id of: \"{setting}\""),
            )
        })
    }

    /// `POST /api/apps/:id/settings` (`manage-apps`): sets the given `(id, value)` pairs after
    /// checking each value against its declared type (all or nothing), then tells the app
    /// (`on-setting-updated`). Unknown ids and unchanged values are skipped. Returns the
    /// settings that changed.
    pub fn update_settings(&self, user: &User, id: &str, changes: Vec<(String, Value)>) -> Result<Vec<Value>> {
        self.require_admin(user)?;
        let updated = {
            let _guard = self.0.apps.changes.lock();
            let mut record = self.record(id)?;
            let defs = self.setting_defs(id);
            let mut updated = Vec::new();
            for (setting, value) in changes {
                let Some(def) = defs.iter().find(|d| d.id == setting) else { continue };
                check_setting_value(def, &value)?;
                let current =
                    record.settings.get(&setting).cloned().unwrap_or_else(|| parse_json_text(&def.default_value));
                if current == value {
                    continue;
                }
                record.settings.insert(setting.clone(), value.clone());
                updated.push((def.clone(), value));
            }
            if updated.is_empty() {
                return Ok(Vec::new());
            }
            record.updated_at = Date::now();
            if record.status == status::INVALID_SETTINGS_DISABLED && self.missing_required_setting(&record).is_none() {
                self.enable_record(&mut record, status::MANUALLY_ENABLED);
            }
            self.save_record(record.clone())?;
            let names: Vec<&str> = updated.iter().map(|(d, _)| d.id.as_str()).collect();
            self.server_log(id, "info", &format!("settings changed by {}: {}", user.username, names.join(", ")));
            updated
        };
        let runtime = self.runtime()?;
        let mut out = Vec::new();
        for (def, value) in updated {
            let text = serde_json::to_string(&value)?;
            if let Ok(Err(error)) =
                self.block_on(runtime.on_setting_updated(id, SettingValue { id: def.id.clone(), value: text }))
            {
                self.server_log(id, "warn", &format!("on-setting-updated({}) failed: {error}", def.id));
                self.note_failure(id);
            }
            let stored = Some(&value);
            self.publish("app/settingUpdated", json!({"appId": id, "setting": setting_view(&def, stored)}));
            out.push(json!({"id": def.id, "value": value}));
        }
        Ok(out)
    }

    // --- logs ---

    /// `GET /api/apps/:id/logs` (`manage-apps`): the app's log (its `log` calls, stdout and
    /// stderr, the runtime's reports of timeouts, traps and failures) and the server's lifecycle
    /// entries, newest first.
    pub fn logs(&self, user: &User, id: &str) -> Result<Vec<Value>> {
        self.require_admin(user)?;
        self.record(id)?;
        let mut entries: Vec<Value> = self
            .runtime()?
            .logs(id)
            .into_iter()
            .map(|e| {
                json!({
                    "appId": id,
                    "level": e.level,
                    "source": e.source,
                    "message": e.message,
                    "_createdAt": Date(e.time_ms as i64).to_iso(),
                    "ts": e.time_ms,
                })
            })
            .collect();
        if let Some(server) = self.0.apps.server_logs.lock().get(id) {
            entries.extend(server.iter().cloned());
        }
        // Each source is oldest first: reversed, a stable sort keeps entries of one millisecond
        // newest first too.
        entries.reverse();
        entries.sort_by_key(|e| std::cmp::Reverse(e["ts"].as_u64().unwrap_or(0)));
        Ok(entries)
    }

    fn server_log(&self, id: &str, level: &str, message: &str) {
        let now = Date::now();
        let entry = json!({
            "appId": id, "level": level, "source": "server", "message": message,
            "_createdAt": now.to_iso(), "ts": now.0,
        });
        let mut logs = self.0.apps.server_logs.lock();
        let ring = logs.entry(id.to_string()).or_default();
        if ring.len() == SERVER_LOG_CAPACITY {
            ring.pop_front();
        }
        ring.push_back(entry);
    }

    /// The bot user of an app.
    pub fn bot_user(&self, id: &str) -> Result<Option<User>> {
        match self.0.apps.record(id).and_then(|r| r.bot_user_id) {
            Some(bot) => self.0.store.user_by_id(&bot),
            None => Ok(None),
        }
    }
}

thread_local! {
    /// Set while this thread drives an app call with [`Apps::block_on`].
    static IN_APP_CALL: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether this thread is a blocking-pool thread driving an app call: host calls may then run
/// blocking service work inline.
pub fn in_app_call() -> bool {
    IN_APP_CALL.with(std::cell::Cell::get)
}

fn drive<F: Future>(handle: &tokio::runtime::Handle, future: F) -> F::Output {
    /// Clears the flag however the call ends.
    struct Reset;
    impl Drop for Reset {
        fn drop(&mut self) {
            IN_APP_CALL.with(|flag| flag.set(false));
        }
    }
    IN_APP_CALL.with(|flag| flag.set(true));
    let _reset = Reset;
    handle.block_on(future)
}

/// Reads a package with the default limits.
fn parse_package(zip: &[u8]) -> Result<AppPackage> {
    AppPackage::from_zip(zip, &PackageLimits::default()).map_err(install_error)
}

/// Replaces a file through a temporary sibling and a rename, so readers never see half of it.
fn write_atomically(path: &std::path::Path, data: &[u8]) -> std::io::Result<()> {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("app.zip");
    let tmp = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    std::fs::write(&tmp, data)?;
    std::fs::rename(&tmp, path)
}

/// Hex SHA-256 of bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// JSON text from an app (a default value), or the text itself when it isn't JSON.
fn parse_json_text(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_string()))
}

fn kind_name(kind: SettingKind) -> &'static str {
    match kind {
        SettingKind::Boolean => "boolean",
        SettingKind::String => "string",
        SettingKind::Int => "int",
        SettingKind::Number => "number",
        SettingKind::Code => "code",
        SettingKind::Color => "color",
        SettingKind::Password => "password",
        SettingKind::Select => "select",
        SettingKind::MultiSelect => "multiSelect",
    }
}

/// An app setting as upstream's `ISetting`.
fn setting_view(def: &SettingDef, stored: Option<&Value>) -> Value {
    let package_value = parse_json_text(&def.default_value);
    json!({
        "id": def.id,
        "type": kind_name(def.kind),
        "packageValue": package_value,
        "value": stored.cloned().unwrap_or_else(|| package_value.clone()),
        "required": def.required,
        "public": def.public,
        "i18nLabel": def.label,
        "i18nDescription": def.description,
        "values": def.options.iter().map(|o| json!({"key": o.key, "i18nLabel": o.label})).collect::<Vec<_>>(),
    })
}

/// Checks a new value against the setting's declared type and choices.
fn check_setting_value(def: &SettingDef, value: &Value) -> Result<()> {
    let keys: Vec<&str> = def.options.iter().map(|o| o.key.as_str()).collect();
    let ok = match def.kind {
        SettingKind::Boolean => value.is_boolean(),
        SettingKind::Int => value.is_i64() || value.is_u64(),
        SettingKind::Number => value.is_number(),
        SettingKind::String | SettingKind::Code | SettingKind::Color | SettingKind::Password => value.is_string(),
        SettingKind::Select => value.as_str().is_some_and(|v| keys.is_empty() || keys.contains(&v)),
        SettingKind::MultiSelect => value.as_array().is_some_and(|items| {
            items.iter().all(|i| i.as_str().is_some_and(|v| keys.is_empty() || keys.contains(&v)))
        }),
    };
    if ok {
        Ok(())
    } else {
        Err(Error::bad(
            "error-invalid-setting-value",
            format!("Invalid value for the {} setting `{}`", kind_name(def.kind), def.id),
        ))
    }
}

/// The package icon as a `data:` URL.
fn icon_data_url(manifest: &Manifest, icon: Option<&[u8]>) -> Option<String> {
    let icon = icon?;
    let name = manifest.icon_file.as_deref().unwrap_or_default().to_ascii_lowercase();
    let mime = match name.rsplit('.').next() {
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("gif") => "image/gif",
        Some("svg") => "image/svg+xml",
        Some("webp") => "image/webp",
        _ => "image/png",
    };
    Some(format!("data:{mime};base64,{}", base64::engine::general_purpose::STANDARD.encode(icon)))
}

#[cfg(test)]
mod tests {
    use orbit_apps::bindings::SettingOption;

    use super::*;

    fn def(kind: SettingKind, options: &[&str]) -> SettingDef {
        SettingDef {
            id: "s".into(),
            kind,
            label: "S".into(),
            description: String::new(),
            default_value: "\"a\"".into(),
            required: false,
            public: false,
            options: options.iter().map(|k| SettingOption { key: k.to_string(), label: k.to_string() }).collect(),
        }
    }

    #[test]
    fn setting_values_follow_their_type() {
        assert!(check_setting_value(&def(SettingKind::Boolean, &[]), &json!(true)).is_ok());
        assert!(check_setting_value(&def(SettingKind::Boolean, &[]), &json!("true")).is_err());
        assert!(check_setting_value(&def(SettingKind::Int, &[]), &json!(3)).is_ok());
        assert!(check_setting_value(&def(SettingKind::Int, &[]), &json!(3.5)).is_err());
        assert!(check_setting_value(&def(SettingKind::Select, &["a", "b"]), &json!("b")).is_ok());
        assert!(check_setting_value(&def(SettingKind::Select, &["a", "b"]), &json!("c")).is_err());
        assert!(check_setting_value(&def(SettingKind::MultiSelect, &["a"]), &json!(["a"])).is_ok());
        assert!(check_setting_value(&def(SettingKind::MultiSelect, &["a"]), &json!(["x"])).is_err());
        let view = setting_view(&def(SettingKind::String, &[]), None);
        assert_eq!(view["value"], "a");
        assert_eq!(view["packageValue"], "a");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn changes_are_published_for_stream_apps() {
        let dir = std::env::temp_dir().join(format!("orbit-apps-events-{}", crate::ids::random_id()));
        let vars = [
            ("ORBIT_DATA_DIR".to_string(), dir.display().to_string()),
            ("ADMIN_USERNAME".to_string(), "admin".to_string()),
            ("ADMIN_PASS".to_string(), "admin-Pass1!".to_string()),
            ("ORBIT_BCRYPT_COST".to_string(), "4".to_string()),
        ];
        let svc = tokio::task::spawn_blocking(move || crate::server::open(crate::config::Config::from_vars(vars)))
            .await
            .unwrap()
            .unwrap();
        start(&svc).await.unwrap();
        let zip = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../dist/apps/hello.zip"))
            .expect("dist/apps/hello.zip: run scripts/build-plugins");
        let admin = svc.store.user_by_username("admin").unwrap().unwrap();
        let mut events = svc.bus.subscribe();
        let a = admin.clone();
        let app = svc.blocking(move |s| s.apps().install(&a, &zip)).await.unwrap();
        let id = app["id"].as_str().unwrap().to_string();
        let (a, i) = (admin.clone(), id.clone());
        svc.blocking(move |s| s.apps().set_status(&a, &i, status::MANUALLY_DISABLED)).await.unwrap();
        let mut seen = Vec::new();
        while let Ok(Ok(event)) = tokio::time::timeout(Duration::from_secs(5), events.recv()).await {
            if let Event::AppEvent { event, payload } = &*event {
                seen.push((*event, payload.clone()));
                if *event == "app/statusUpdate" {
                    break;
                }
            }
        }
        assert!(seen.contains(&("command/added", json!("hello"))), "{seen:?}");
        assert!(seen.contains(&("app/added", json!(id))), "{seen:?}");
        assert!(seen.contains(&("command/removed", json!("hello"))), "{seen:?}");
        assert_eq!(seen.last().unwrap().1, json!({"appId": id, "status": "manually_disabled"}));
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn install_errors_name_their_cause() {
        let e = install_error(AppError::Manifest(
            "`requiredApiVersion` `^2.0.0` does not match this server's app API 0.1.0".into(),
        ));
        assert_eq!(e.id(), "error-app-incompatible-api");
        assert_eq!(install_error(AppError::Package("x".into())).id(), "error-app-package-invalid");
        assert_eq!(install_error(AppError::Component("x".into())).id(), "error-app-component-invalid");
        assert_eq!(install_error(AppError::Manifest("x".into())).id(), "error-app-manifest-invalid");
        assert_eq!(install_error(AppError::NotLoaded("x".into())).status(), 404);
    }
}
