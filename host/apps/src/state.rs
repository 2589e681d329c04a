//! The data each app store carries, and the per-call bookkeeping the sandbox relies on.

use std::sync::Arc;
use std::time::Instant;

use wasmtime::component::ResourceTable;
use wasmtime::{ResourceLimiter, StoreLimits, StoreLimitsBuilder};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use crate::bindings::HostError;
use crate::capabilities::{CallContext, Capabilities, Capability, Requirement};
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

/// Per-call state, reset before every call.
#[derive(Default)]
pub(crate) struct CallState {
    /// The invoking user of the running command.
    pub user_id: Option<Arc<str>>,
    /// When the running call must stop.
    pub deadline: Option<Instant>,
    pub host_calls: u64,
    pub timed_out: bool,
    pub flooded: bool,
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

    /// Accounts one host call to `capability` and checks the app may make it; every import
    /// enters here. The outer error traps the app (budget exhausted); the inner one is
    /// returned to it (denied). On success, the call's context and the server's side.
    pub fn enter(
        &mut self,
        capability: &Capability,
    ) -> wasmtime::Result<Result<(CallContext, &Capabilities), HostError>> {
        let shared = &self.shared;
        Ok(admit(&shared.grants, &shared.limits, &mut self.call, capability.requirement)?.map(|()| {
            (CallContext { app_id: shared.app_id.clone(), user_id: self.call.user_id.clone() }, &shared.host)
        }))
    }
}

/// The budget and permission check behind [`AppState::enter`].
fn admit(
    grants: &Grants,
    limits: &Limits,
    call: &mut CallState,
    requirement: Requirement,
) -> wasmtime::Result<Result<(), HostError>> {
    call.host_calls += 1;
    if call.host_calls > limits.max_host_calls {
        call.flooded = true;
        wasmtime::bail!("host call budget of {} exhausted", limits.max_host_calls);
    }
    if let Requirement::Permission(permission) = requirement
        && !grants.allows(permission)
    {
        return Ok(Err(HostError::Denied(format!("the app lacks the `{permission}` permission"))));
    }
    Ok(Ok(()))
}

impl WasiView for AppState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capabilities::requirement;
    use crate::permissions::Permission;

    #[test]
    fn host_calls_need_permissions_and_fit_the_budget() {
        let grants = Grants::new([Permission::MessageWrite]);
        let limits = Limits { max_host_calls: 3, ..Limits::default() };
        let mut call = CallState::default();
        let admit = |grants: &Grants, limits: &Limits, call: &mut CallState, interface: &str| {
            admit(grants, limits, call, requirement(interface).unwrap())
        };
        assert!(matches!(admit(&grants, &limits, &mut call, "message-writer"), Ok(Ok(()))));
        assert!(matches!(admit(&grants, &limits, &mut call, "log"), Ok(Ok(()))));
        let denied = admit(&grants, &limits, &mut call, "rooms").unwrap().unwrap_err();
        assert!(matches!(denied, HostError::Denied(reason) if reason == "the app lacks the `room.read` permission"));
        assert!(admit(&grants, &limits, &mut call, "log").is_err());
        assert!(call.flooded);
    }
}
