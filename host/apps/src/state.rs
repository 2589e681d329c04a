//! The data each app store carries: the sandbox's WASI context and memory limiter, the app's
//! shared parts, and the running call, from which each host call is served.

use std::sync::Arc;

use wasmtime::component::ResourceTable;
use wasmtime::{ResourceLimiter, StoreLimits, StoreLimitsBuilder};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use crate::capabilities::{Capabilities, Serves};
use crate::host_call::{CallState, HostCall};
use crate::limits::Limits;
use crate::logs::{LogRing, LogSink, LogSource};
use crate::permissions::Grants;

/// Everything about one loaded app version that its stores share.
pub(crate) struct AppShared {
    pub app_id: Arc<str>,
    pub grants: Grants,
    /// The server's side of the imports.
    pub host: Capabilities,
    pub logs: LogRing,
    pub limits: Limits,
}

/// A `StoreLimits` that remembers whether it refused memory.
pub(crate) struct Limiter {
    limits: StoreLimits,
    pub memory_refused: bool,
}

impl ResourceLimiter for Limiter {
    fn memory_growing(&mut self, current: usize, desired: usize, maximum: Option<usize>) -> wasmtime::Result<bool> {
        let allowed = self.limits.memory_growing(current, desired, maximum)?;
        self.memory_refused |= !allowed;
        Ok(allowed)
    }

    fn table_growing(&mut self, current: usize, desired: usize, maximum: Option<usize>) -> wasmtime::Result<bool> {
        self.limits.table_growing(current, desired, maximum)
    }
}

/// The `T` of every app `Store<T>`.
pub(crate) struct AppState {
    wasi: WasiCtx,
    table: ResourceTable,
    pub limiter: Limiter,
    pub shared: Arc<AppShared>,
    pub call: CallState,
}

impl AppState {
    /// A sandboxed state: no preopened directories, no network, no environment, and
    /// stdout/stderr going to the app's log.
    pub fn new(shared: Arc<AppShared>) -> Self {
        let wasi = WasiCtx::builder()
            .stdout(LogSink::new(shared.logs.clone(), LogSource::Stdout))
            .stderr(LogSink::new(shared.logs.clone(), LogSource::Stderr))
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false)
            .build();
        let limits = StoreLimitsBuilder::new().memory_size(shared.limits.memory_bytes).table_elements(1 << 20).build();
        AppState {
            wasi,
            table: ResourceTable::new(),
            limiter: Limiter { limits, memory_refused: false },
            shared,
            call: CallState::default(),
        }
    }
}

impl Serves for AppState {
    fn serve<H: ?Sized>(&mut self, pick: fn(&Capabilities) -> &H) -> HostCall<'_, H> {
        let shared = &*self.shared;
        host_call(shared, &mut self.call, pick(&shared.host))
    }

    fn serve_log(&mut self) -> HostCall<'_, LogRing> {
        let shared = &*self.shared;
        host_call(shared, &mut self.call, &shared.logs)
    }
}

/// A host call of the app `shared`, in its running `call`, served by `host`.
fn host_call<'a, H: ?Sized>(shared: &'a AppShared, call: &'a mut CallState, host: &'a H) -> HostCall<'a, H> {
    HostCall { app_id: &shared.app_id, grants: &shared.grants, limits: &shared.limits, call, host }
}

impl WasiView for AppState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}
