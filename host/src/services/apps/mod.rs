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
//! - `platform`: the runtime, its limits and start, and waiting for app calls;
//! - `install`: installing and updating packages (upload, apps folder, preload);
//! - `lifecycle`: enabling, status, failures, uninstalling, loading at start;
//! - `settings`: the apps' own settings;
//! - `registry`: the slash commands of enabled apps;
//! - `view` and `logs`: what admins see;
//! - `reads`: what apps read of the server (rooms, users, messages, their bot user);
//! - `host`: the capabilities the apps call, one file per WIT interface, served by the services;
//! - `watcher`: the hot-reload folder and `ORBIT_PRELOAD_APPS`.

pub mod endpoints;
pub mod host;
mod install;
mod lifecycle;
mod logs;
mod platform;
mod reads;
mod registry;
mod settings;
mod view;
pub mod watcher;

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, OnceLock};

use orbit_apps::{AppRuntime, Capabilities, EngineConfig};
use parking_lot::{Mutex, RwLock};
use serde_json::Value;

pub use install::{install_error, sha256_hex};
pub use logs::AppLogEntry;
pub use platform::{in_app_call, limits_from_settings, start};
pub use registry::AppCommand;
pub use settings::{AppSetting, AppSettings, SettingChoice, SettingUpdate};
pub use view::{AppHealthView, AppView, Compiled};

use super::Services;
use crate::bus::Event;
use crate::error::{Error, Kind, Result};
use crate::models::User;
use crate::store::AppRecord;

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

/// The runtime and the in-memory view of installed apps. Created empty with the services;
/// [`start`] fills it.
#[derive(Default)]
pub struct AppsState {
    /// The current runtime; replaced as a whole when the sandbox limits change.
    runtime: RwLock<Option<Arc<AppRuntime>>>,
    handle: OnceLock<tokio::runtime::Handle>,
    /// What a replacement runtime is built from.
    engine: OnceLock<(EngineConfig, Capabilities)>,
    /// Mirror of the `apps` table, by id.
    records: RwLock<HashMap<String, AppRecord>>,
    /// Commands of enabled apps, by name: the first installed app providing a name owns it.
    registry: RwLock<Arc<BTreeMap<String, AppCommand>>>,
    /// Hooks of enabled apps ([`crate::services::app_hooks`]).
    hooks: RwLock<Arc<crate::services::app_hooks::HookRegistry>>,
    /// Serializes installs, updates, status changes and uninstalls.
    changes: Mutex<()>,
    /// Lifecycle entries per app.
    server_logs: Mutex<HashMap<String, VecDeque<AppLogEntry>>>,
}

impl AppsState {
    /// The commands of enabled apps.
    pub fn registry(&self) -> Arc<BTreeMap<String, AppCommand>> {
        self.registry.read().clone()
    }

    /// The hooks of enabled apps.
    pub fn hook_registry(&self) -> Arc<crate::services::app_hooks::HookRegistry> {
        self.hooks.read().clone()
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
    Kind::AppNotFound.with_message(format!("No App found by the id of: {id}"))
}

impl Apps<'_> {
    /// Fails with `error-unauthorized` unless `user` may manage apps (`manage-apps`).
    pub fn require_admin(&self, user: &User) -> Result<()> {
        self.0.authz().require(user, "manage-apps", None)
    }

    fn record(&self, id: &str) -> Result<AppRecord> {
        self.0.apps.record(id).ok_or_else(|| app_not_found(id))
    }

    /// Publishes a `stream-apps` event.
    fn publish(&self, event: &'static str, payload: Value) {
        self.0.bus.publish(Event::AppEvent { event, payload });
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use serde_json::json;

    use super::*;

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
        let id = app.id().to_string();
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
}
