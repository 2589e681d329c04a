//! [`LoadedApp`]: one loaded version of an app, with its instances, health and declarations.

use std::sync::Arc;
use std::time::Duration;

use parking_lot::RwLock;

use crate::bindings::{
    AppProvides, CommandContext, Endpoint, EndpointRequest, EndpointResponse, HookEvent, HookPoint, PreviewItem,
    Previews, SettingValue,
};
use crate::capabilities::{COMMANDS_PERMISSION, ENDPOINTS_PERMISSION};
use crate::engine::CompileSource;
use crate::health::Health;
use crate::logs::{LogLevel, LogSource};
use crate::manifest::Manifest;
use crate::pool::InstancePool;
use crate::state::AppShared;
use crate::{AppError, Result};

/// How the component of a loaded app was obtained.
#[derive(Clone, Debug)]
pub struct CompileInfo {
    pub source: CompileSource,
    /// Time to compile or to read the cache.
    pub elapsed: Duration,
    /// Hex sha256 of the component bytes.
    pub sha256: String,
}

/// The `hooks` export of an instance; calling a hook of a component without it is a bug of
/// the caller, reported as an error rather than a panic.
fn hooks_of(
    e: &crate::pool::Exports,
) -> wasmtime::Result<&crate::bindings::optional::exports::orbit::apps::hooks::Guest> {
    match &e.hooks {
        Some(hooks) => Ok(hooks.orbit_apps_hooks()),
        None => Err(wasmtime::Error::msg("the app does not export hooks")),
    }
}

/// The `endpoints` export of an instance (see [`hooks_of`]).
fn endpoints_of(
    e: &crate::pool::Exports,
) -> wasmtime::Result<&crate::bindings::optional_endpoints::exports::orbit::apps::endpoints::Guest> {
    match &e.endpoints {
        Some(endpoints) => Ok(endpoints.orbit_apps_endpoints()),
        None => Err(wasmtime::Error::msg("the app does not export endpoints")),
    }
}

/// A snapshot of an app's health.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppHealth {
    /// Why the app is failed (and refusing calls), if it is.
    pub failed: Option<String>,
    /// Failed calls since the last success.
    pub consecutive_failures: u32,
    /// Warm instances waiting for calls.
    pub idle_instances: usize,
}

/// One loaded version of an app. Cheap to clone; calls that hold a clone finish on this
/// version even after the runtime switched to a newer one.
#[derive(Clone)]
pub struct LoadedApp {
    inner: Arc<Inner>,
}

struct Inner {
    manifest: Manifest,
    compile: CompileInfo,
    shared: Arc<AppShared>,
    pool: InstancePool,
    health: Arc<Health>,
    provides: RwLock<Option<AppProvides>>,
    /// The hooks the app declared (none for a component without the `hooks` export).
    hooks: RwLock<Vec<HookPoint>>,
    /// The HTTP endpoints the app declared (none without the `endpoints` export).
    endpoints: RwLock<Vec<Endpoint>>,
}

impl std::fmt::Debug for LoadedApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadedApp")
            .field("id", &self.id())
            .field("version", &self.manifest().version)
            .finish_non_exhaustive()
    }
}

impl LoadedApp {
    pub(crate) fn new(
        manifest: Manifest,
        compile: CompileInfo,
        shared: Arc<AppShared>,
        pool: InstancePool,
        health: Arc<Health>,
    ) -> Self {
        let inner = Inner {
            manifest,
            compile,
            shared,
            pool,
            health,
            provides: RwLock::new(None),
            hooks: RwLock::default(),
            endpoints: RwLock::default(),
        };
        LoadedApp { inner: Arc::new(inner) }
    }

    /// The app's id.
    pub fn id(&self) -> &str {
        &self.inner.shared.app_id
    }

    /// The validated manifest.
    pub fn manifest(&self) -> &Manifest {
        &self.inner.manifest
    }

    /// How the component was compiled or loaded from cache.
    pub fn compile_info(&self) -> &CompileInfo {
        &self.inner.compile
    }

    /// What the last successful `initialize` declared.
    pub fn provides(&self) -> Option<AppProvides> {
        self.inner.provides.read().clone()
    }

    /// Drops instances idle for longer than the limit ([`crate::Limits::idle_instance`]).
    pub fn reclaim_idle(&self) -> usize {
        self.inner.pool.reclaim_idle()
    }

    /// Failure state and instance count.
    pub fn health(&self) -> AppHealth {
        AppHealth {
            failed: self.inner.health.failed(),
            consecutive_failures: self.inner.health.consecutive(),
            idle_instances: self.inner.pool.idle_count(),
        }
    }

    /// Clears the failed state so the app takes calls again.
    pub fn reset_failures(&self) {
        self.inner.health.reset();
        self.log(LogLevel::Info, "failure state reset");
    }

    /// Calls `initialize`, validates and records what the app provides.
    pub async fn initialize(&self) -> Result<AppProvides> {
        let provides = self
            .call(None, "initialize", |e, store| {
                Box::pin(async move { e.app.orbit_apps_lifecycle().call_initialize(store).await })
            })
            .await?
            .map_err(|reason| {
                let reason = crate::error::clip(&reason, crate::error::MAX_REASON_CHARS);
                self.failure("initialize", AppError::Contract(format!("initialize failed: {reason}")))
            })?;
        if let Err(problem) = self.check_provides(&provides) {
            return Err(self.failure("initialize", AppError::Contract(problem)));
        }
        *self.inner.provides.write() = Some(provides.clone());
        if self.inner.pool.has_hooks() {
            let hooks = self
                .call(None, "declare", |e, store| Box::pin(async move { hooks_of(e)?.call_declare(store).await }))
                .await?;
            *self.inner.hooks.write() = hooks;
        }
        if self.inner.pool.has_endpoints() {
            let endpoints = self
                .call(None, "declare endpoints", |e, store| {
                    Box::pin(async move { endpoints_of(e)?.call_declare(store).await })
                })
                .await?;
            if !endpoints.is_empty() && !self.inner.shared.grants.allows(ENDPOINTS_PERMISSION) {
                let problem = "serves HTTP endpoints without the `apis` permission".to_string();
                return Err(self.failure("initialize", AppError::Contract(problem)));
            }
            *self.inner.endpoints.write() = endpoints;
        }
        Ok(provides)
    }

    /// The HTTP endpoints the app declared at `initialize`.
    pub fn endpoints(&self) -> Vec<Endpoint> {
        self.inner.endpoints.read().clone()
    }

    /// Answers a request to one of the app's endpoints, as `request.user_id` when set.
    pub async fn handle_endpoint(&self, request: EndpointRequest) -> Result<EndpointResponse> {
        let user = request.user_id.as_deref().map(Arc::from);
        self.call(user, "endpoint", move |e, store| {
            Box::pin(async move { endpoints_of(e)?.call_handle(store, &request).await })
        })
        .await
    }

    /// The hooks the app declared at `initialize`.
    pub fn hooks(&self) -> Vec<HookPoint> {
        self.inner.hooks.read().clone()
    }

    /// Prevent phase of `event`: `Some(reason)` stops the change. `limit` is the deadline.
    pub async fn hook_prevent(&self, event: HookEvent, subject: &str, limit: Duration) -> Result<Option<String>> {
        let subject = subject.to_string();
        self.call_within(None, limit, "prevent hook", move |e, store| {
            Box::pin(async move { hooks_of(e)?.call_prevent(store, event, &subject).await })
        })
        .await
    }

    /// Extend phase of `event`: JSON of what to add, if anything.
    pub async fn hook_extend(&self, event: HookEvent, subject: &str, limit: Duration) -> Result<Option<String>> {
        let subject = subject.to_string();
        self.call_within(None, limit, "extend hook", move |e, store| {
            Box::pin(async move { hooks_of(e)?.call_extend(store, event, &subject).await })
        })
        .await
    }

    /// Modify phase of `event`: JSON of the replaced parts, if any.
    pub async fn hook_modify(&self, event: HookEvent, subject: &str, limit: Duration) -> Result<Option<String>> {
        let subject = subject.to_string();
        self.call_within(None, limit, "modify hook", move |e, store| {
            Box::pin(async move { hooks_of(e)?.call_modify(store, event, &subject).await })
        })
        .await
    }

    /// Post phase of `event`.
    pub async fn hook_post(&self, event: HookEvent, subject: &str) -> Result<()> {
        let subject = subject.to_string();
        self.call(None, "post hook", move |e, store| {
            Box::pin(async move { hooks_of(e)?.call_post(store, event, &subject).await })
        })
        .await
    }

    /// Calls `on-enable`; `false` means the app refuses to be enabled.
    pub async fn on_enable(&self) -> Result<bool> {
        self.call(None, "on-enable", |e, store| {
            Box::pin(async move { e.app.orbit_apps_lifecycle().call_on_enable(store).await })
        })
        .await
    }

    /// Calls `on-disable`.
    pub async fn on_disable(&self) -> Result<()> {
        self.call(None, "on-disable", |e, store| {
            Box::pin(async move { e.app.orbit_apps_lifecycle().call_on_disable(store).await })
        })
        .await
    }

    /// Calls `on-setting-updated`.
    pub async fn on_setting_updated(&self, setting: SettingValue) -> Result<()> {
        self.call(None, "on-setting-updated", move |e, store| {
            Box::pin(async move { e.app.orbit_apps_lifecycle().call_on_setting_updated(store, &setting).await })
        })
        .await
    }

    /// Runs a slash command. The inner `Err` is the app's own message for the user.
    pub async fn execute_command(&self, ctx: CommandContext) -> Result<Result<(), String>> {
        let user = Some(Arc::from(ctx.sender_id.as_str()));
        self.call(user, "execute", move |e, store| {
            Box::pin(async move { e.app.orbit_apps_commands().call_execute(store, &ctx).await })
        })
        .await
    }

    /// Asks for a command's previews.
    pub async fn preview_command(&self, ctx: CommandContext) -> Result<Result<Previews, String>> {
        let user = Some(Arc::from(ctx.sender_id.as_str()));
        self.call(user, "preview", move |e, store| {
            Box::pin(async move { e.app.orbit_apps_commands().call_preview(store, &ctx).await })
        })
        .await
    }

    /// Runs a command with the preview item the user picked.
    pub async fn execute_preview_item(&self, ctx: CommandContext, item: PreviewItem) -> Result<Result<(), String>> {
        let user = Some(Arc::from(ctx.sender_id.as_str()));
        self.call(user, "execute-preview-item", move |e, store| {
            Box::pin(async move { e.app.orbit_apps_commands().call_execute_preview_item(store, &ctx, &item).await })
        })
        .await
    }

    /// One sandboxed call: refused while failed; failures are logged and counted.
    async fn call<R>(
        &self,
        user_id: Option<Arc<str>>,
        what: &str,
        f: impl for<'a> FnOnce(
            &'a crate::pool::Exports,
            &'a mut wasmtime::Store<crate::state::AppState>,
        ) -> crate::pool::CallFuture<'a, R>,
    ) -> Result<R> {
        self.call_within(user_id, self.inner.shared.limits.deadline, what, f).await
    }

    /// [`LoadedApp::call`] with its own deadline.
    async fn call_within<R>(
        &self,
        user_id: Option<Arc<str>>,
        limit: Duration,
        what: &str,
        f: impl for<'a> FnOnce(
            &'a crate::pool::Exports,
            &'a mut wasmtime::Store<crate::state::AppState>,
        ) -> crate::pool::CallFuture<'a, R>,
    ) -> Result<R> {
        if let Some(reason) = self.inner.health.failed() {
            return Err(AppError::Failed(reason));
        }
        let value = self.inner.pool.call(user_id, limit, |error| self.failure(what, error), f).await?;
        self.inner.health.record_success();
        Ok(value)
    }

    /// Logs a failed call and counts it; returns the error for the caller.
    fn failure(&self, what: &str, error: AppError) -> AppError {
        self.log(LogLevel::Error, &format!("{what}: {error}"));
        tracing::warn!(app = self.id(), "{what}: {error}");
        if error.is_app_failure()
            && let Some(reason) = self.inner.health.record_failure(&error.to_string())
        {
            self.log(LogLevel::Error, &format!("app marked failed: {reason}"));
            tracing::error!(app = self.id(), "app marked failed: {reason}");
        }
        error
    }

    fn log(&self, level: LogLevel, message: &str) {
        self.inner.shared.logs.push(level, LogSource::Runtime, message);
    }

    /// Command names must be unique, lowercase and space-free; commands need `slashcommand`.
    fn check_provides(&self, provides: &AppProvides) -> std::result::Result<(), String> {
        if !provides.commands.is_empty() && !self.inner.shared.grants.allows(COMMANDS_PERMISSION) {
            return Err("provides slash commands without the `slashcommand` permission".into());
        }
        let mut seen = std::collections::HashSet::new();
        for command in &provides.commands {
            let name = &command.command;
            let valid = !name.is_empty()
                && name.len() <= 64
                && !name.chars().any(|c| c.is_whitespace() || c == '/' || c.is_uppercase());
            if !valid {
                return Err(format!("invalid command name `{name}`"));
            }
            if !seen.insert(name.as_str()) {
                return Err(format!("command `{name}` declared twice"));
            }
        }
        let mut ids = std::collections::HashSet::new();
        for setting in &provides.settings {
            if setting.id.is_empty() || !ids.insert(setting.id.as_str()) {
                return Err(format!("setting id `{}` empty or declared twice", setting.id));
            }
        }
        Ok(())
    }
}
