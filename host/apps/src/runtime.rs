//! [`AppRuntime`]: loads apps into the shared engine and routes calls to their current version.

use std::collections::HashMap;
use std::sync::Arc;

use parking_lot::{Mutex, RwLock};
use wasmtime::component::Linker;

use crate::app::{CompileInfo, LoadedApp};
use crate::bindings::{AppPre, AppProvides, CommandContext, PreviewItem, Previews, SettingValue};
use crate::capabilities::Capabilities;
use crate::engine::{AppEngine, EngineConfig};
use crate::health::Health;
use crate::limits::Limits;
use crate::logs::{LogEntry, LogLevel, LogRing, LogSource};
use crate::manifest::Manifest;
use crate::pool::InstancePool;
use crate::state::{AppShared, AppState};
use crate::validate::check_component;
use crate::{AppError, Result};

/// Loads, sandboxes and calls apps. One per server.
pub struct AppRuntime {
    engine: Arc<AppEngine>,
    linker: Linker<AppState>,
    host: Capabilities,
    limits: Limits,
    apps: RwLock<HashMap<String, LoadedApp>>,
    /// Per app id; kept across updates and unloads so admins can read why an app went away.
    logs: Mutex<HashMap<String, LogRing>>,
}

impl AppRuntime {
    /// A runtime with its own engine; `host` serves the apps' imports.
    pub fn new(config: &EngineConfig, limits: Limits, host: Capabilities) -> Result<Self> {
        let engine = Arc::new(AppEngine::new(config)?);
        let mut linker = Linker::new(engine.engine());
        let link_error = |e: wasmtime::Error| AppError::Compile(format!("linker: {e:#}"));
        wasmtime_wasi::p2::add_to_linker_async(&mut linker).map_err(link_error)?;
        crate::capabilities::add_to_linker(&mut linker).map_err(link_error)?;
        Ok(AppRuntime {
            engine,
            linker,
            host,
            limits,
            apps: RwLock::new(HashMap::new()),
            logs: Mutex::new(HashMap::new()),
        })
    }

    /// The limits every app runs under.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Compiles (or loads from cache), validates and initializes an app, then makes it the
    /// current version for `app_id` (normally `manifest.id`). Calls already running on a
    /// previous version finish there. On any error nothing changes.
    pub async fn load(&self, app_id: &str, manifest: Manifest, component: Vec<u8>) -> Result<LoadedApp> {
        manifest.validate()?;
        let engine = self.engine.clone();
        let compiled = tokio::task::spawn_blocking(move || engine.compile(&component))
            .await
            .map_err(|e| AppError::Compile(format!("compile task: {e}")))??;
        let grants = manifest.grants();
        check_component(self.engine.engine(), &compiled.component, &grants)?;
        let pre = self
            .linker
            .instantiate_pre(&compiled.component)
            .and_then(AppPre::new)
            .map_err(|e| AppError::Component(format!("does not match the app contract: {e:#}")))?;

        let logs = self.log_ring(app_id);
        let shared = Arc::new(AppShared {
            app_id: Arc::from(app_id),
            grants,
            host: self.host.clone(),
            logs: logs.clone(),
            limits: self.limits.clone(),
        });
        let health = Arc::new(Health::new(self.limits.failure_threshold));
        let pool = InstancePool::new(self.engine.engine().clone(), pre, shared.clone(), health.clone());
        let compile = CompileInfo { source: compiled.source, elapsed: compiled.elapsed, sha256: compiled.sha256 };
        let app = LoadedApp::new(manifest, compile, shared, pool, health);
        app.initialize().await?;
        logs.push(
            LogLevel::Info,
            LogSource::Runtime,
            &format!(
                "loaded version {} ({:?} in {} ms)",
                app.manifest().version,
                app.compile_info().source,
                app.compile_info().elapsed.as_millis()
            ),
        );
        self.apps.write().insert(app_id.to_owned(), app.clone());
        Ok(app)
    }

    /// The current version of an app.
    pub fn app(&self, app_id: &str) -> Option<LoadedApp> {
        self.apps.read().get(app_id).cloned()
    }

    /// Drops every app's instances idle for longer than the limit; returns how many went.
    pub fn reclaim_idle(&self) -> usize {
        self.apps.read().values().map(LoadedApp::reclaim_idle).sum()
    }

    /// Ids of the loaded apps.
    pub fn app_ids(&self) -> Vec<String> {
        self.apps.read().keys().cloned().collect()
    }

    /// Removes an app; running calls finish, new ones get [`AppError::NotLoaded`].
    pub fn unload(&self, app_id: &str) -> Option<LoadedApp> {
        let removed = self.apps.write().remove(app_id);
        if removed.is_some() {
            self.log_ring(app_id).push(LogLevel::Info, LogSource::Runtime, "unloaded");
        }
        removed
    }

    /// The app's log, oldest first (empty for an app never loaded).
    pub fn logs(&self, app_id: &str) -> Vec<LogEntry> {
        self.logs.lock().get(app_id).map(LogRing::entries).unwrap_or_default()
    }

    fn log_ring(&self, app_id: &str) -> LogRing {
        self.logs.lock().entry(app_id.to_owned()).or_insert_with(|| LogRing::new(self.limits.log_capacity)).clone()
    }

    fn current(&self, app_id: &str) -> Result<LoadedApp> {
        self.app(app_id).ok_or_else(|| AppError::NotLoaded(app_id.to_owned()))
    }

    /// [`LoadedApp::initialize`] on the current version.
    pub async fn initialize(&self, app_id: &str) -> Result<AppProvides> {
        self.current(app_id)?.initialize().await
    }

    /// [`LoadedApp::on_enable`] on the current version; a success also clears a failed state.
    pub async fn on_enable(&self, app_id: &str) -> Result<bool> {
        let app = self.current(app_id)?;
        app.reset_failures();
        app.on_enable().await
    }

    /// [`LoadedApp::on_disable`] on the current version.
    pub async fn on_disable(&self, app_id: &str) -> Result<()> {
        self.current(app_id)?.on_disable().await
    }

    /// [`LoadedApp::on_setting_updated`] on the current version.
    pub async fn on_setting_updated(&self, app_id: &str, setting: SettingValue) -> Result<()> {
        self.current(app_id)?.on_setting_updated(setting).await
    }

    /// [`LoadedApp::execute_command`] on the current version.
    pub async fn execute_command(&self, app_id: &str, ctx: CommandContext) -> Result<Result<(), String>> {
        self.current(app_id)?.execute_command(ctx).await
    }

    /// [`LoadedApp::preview_command`] on the current version.
    pub async fn preview_command(&self, app_id: &str, ctx: CommandContext) -> Result<Result<Previews, String>> {
        self.current(app_id)?.preview_command(ctx).await
    }

    /// [`LoadedApp::execute_preview_item`] on the current version.
    pub async fn execute_preview_item(
        &self,
        app_id: &str,
        ctx: CommandContext,
        item: PreviewItem,
    ) -> Result<Result<(), String>> {
        self.current(app_id)?.execute_preview_item(ctx, item).await
    }
}
