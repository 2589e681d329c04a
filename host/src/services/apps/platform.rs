//! The apps platform: the runtime (built from the `Apps_Orbit_*` limits, rebuilt when they
//! change), its start, and how synchronous services wait for its async calls.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use orbit_apps::{AppRuntime, Capabilities, EngineConfig, Limits, LogLevel};

use super::host::ServerHost;
use super::{Apps, AppsState, install_error, status, watcher};
use crate::error::{Error, Kind, Result};
use crate::services::Services;
use crate::store::AppRecord;
use crate::time::Date;

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
        idle_instance: Duration::from_secs(s.int("Apps_Orbit_Idle_Instance_Secs", 60).clamp(1, 86_400) as u64),
    }
}

/// Starts the apps platform: builds the runtime (limits from settings, compiled components
/// cached in `<data dir>/app-cache`), loads every installed app from the database, installs
/// `ORBIT_PRELOAD_APPS` and starts watching the apps folder. Runs before the server listens.
pub async fn start(svc: &Arc<Services>) -> anyhow::Result<()> {
    let limits = limits_from_settings(svc);
    let engine = EngineConfig::new(svc.config.data_dir.join("app-cache"));
    let host = Capabilities::served_by(Arc::new(ServerHost::new(Arc::downgrade(svc))));
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
    Ok(())
}

fn new_runtime(engine: &EngineConfig, limits: Limits, host: &Capabilities) -> orbit_apps::Result<AppRuntime> {
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
        && a.idle_instance == b.idle_instance
}

impl Apps<'_> {
    /// The runtime, or an error when the apps platform is not running.
    pub fn runtime(&self) -> Result<Arc<AppRuntime>> {
        self.0.apps.runtime().ok_or_else(|| Error::from(Kind::AppsNotRunning))
    }

    /// Drops warm instances that waited unused longer than `Apps_Orbit_Idle_Instance_Secs`,
    /// returning their memory; returns how many went.
    pub fn reclaim_idle(&self) -> usize {
        self.0.apps.runtime().map_or(0, |r| r.reclaim_idle())
    }

    /// Waits for a runtime future from a blocking-pool thread ([`AppsState::block_on`]).
    pub fn block_on<F>(&self, future: F) -> Result<F::Output>
    where
        F: Future + Send,
        F::Output: Send,
    {
        self.0.apps.block_on(future)
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
        let (engine, host) = self.0.apps.engine.get().ok_or(Kind::AppsNotRunning)?;
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
        self.keep_runtime_logs(&current);
        *self.0.apps.runtime.write() = Some(Arc::new(fresh));
        self.rebuild_registry();
        tracing::info!(?limits, "app limits changed: runtime rebuilt");
        for id in self.0.apps.records.read().keys() {
            self.server_log(id, LogLevel::Info, &format!("sandbox limits changed: {limits:?}"));
        }
        Ok(true)
    }
}

impl AppsState {
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
        let handle = self.handle.get().ok_or(Kind::AppsNotRunning)?;
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
