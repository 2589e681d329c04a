//! Warm instances of one app version and the sandboxed call around each use.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use tokio::sync::Semaphore;
use wasmtime::{Engine, Store, UpdateDeadline};

use crate::bindings::optional::{OptionalHooks, OptionalHooksIndices};
use crate::bindings::optional_endpoints::{OptionalEndpoints, OptionalEndpointsIndices};
use crate::bindings::{App, AppPre};
use crate::health::Health;
use crate::host_call::CallState;
use crate::state::{AppShared, AppState};
use crate::{AppError, Result};

/// Extra time, past the deadline, that a call stuck in a host call gets before it is dropped.
const HOST_WAIT_GRACE: Duration = Duration::from_millis(500);

/// A live instance and its store.
pub(crate) struct Warm {
    pub store: Store<AppState>,
    pub exports: Exports,
    /// When it last finished a call.
    pub idle_since: Instant,
}

/// What an instance exports: the `app` world's interfaces, and the optional ones it has.
pub(crate) struct Exports {
    pub app: App,
    pub hooks: Option<OptionalHooks>,
    pub endpoints: Option<OptionalEndpoints>,
}

/// The future of one export call on a warm instance.
pub(crate) type CallFuture<'a, R> = Pin<Box<dyn Future<Output = wasmtime::Result<R>> + Send + 'a>>;

/// Instances of one app version: at most `max_instances` alive, idle ones kept warm.
pub(crate) struct InstancePool {
    engine: Engine,
    pre: AppPre<AppState>,
    /// Where the `hooks` export is, when the component has it.
    hooks: Option<OptionalHooksIndices>,
    /// Where the `endpoints` export is, when the component has it.
    endpoints: Option<OptionalEndpointsIndices>,
    shared: Arc<AppShared>,
    /// The app's failure state: calls still queued when it trips are cancelled.
    health: Arc<Health>,
    idle: Mutex<Vec<Warm>>,
    permits: Semaphore,
}

impl InstancePool {
    pub fn new(engine: Engine, pre: AppPre<AppState>, shared: Arc<AppShared>, health: Arc<Health>) -> Self {
        let max = shared.limits.max_instances.max(1);
        let hooks = OptionalHooksIndices::new(pre.instance_pre()).ok();
        let endpoints = OptionalEndpointsIndices::new(pre.instance_pre()).ok();
        let idle = Mutex::new(Vec::new());
        InstancePool { engine, pre, hooks, endpoints, shared, health, idle, permits: Semaphore::new(max) }
    }

    /// Drops the instances that waited unused longer than the limit; returns how many.
    pub fn reclaim_idle(&self) -> usize {
        let max_idle = self.shared.limits.idle_instance;
        let mut idle = self.idle.lock();
        let before = idle.len();
        idle.retain(|warm| warm.idle_since.elapsed() < max_idle);
        before - idle.len()
    }

    /// Whether the component exports `hooks`.
    pub fn has_hooks(&self) -> bool {
        self.hooks.is_some()
    }

    /// Whether the component exports `endpoints`.
    pub fn has_endpoints(&self) -> bool {
        self.endpoints.is_some()
    }

    /// Instances currently idle and warm.
    pub fn idle_count(&self) -> usize {
        self.idle.lock().len()
    }

    /// Runs `f` on a warm (or new) instance under the deadline, memory cap and host-call
    /// budget. A failed call discards its instance; a successful one returns it to the pool.
    /// `on_error` sees a failure while the call still holds its instance slot, so a failure
    /// that trips the app's breaker is recorded before the next queued call starts.
    pub async fn call<R>(
        &self,
        user_id: Option<Arc<str>>,
        limit: Duration,
        on_error: impl FnOnce(AppError) -> AppError,
        f: impl for<'a> FnOnce(&'a Exports, &'a mut Store<AppState>) -> CallFuture<'a, R>,
    ) -> Result<R> {
        let _permit = self.permits.acquire().await.expect("the pool semaphore is never closed");
        // A call queued behind the one that tripped the app's breaker does not run.
        if let Some(reason) = self.health.failed() {
            return Err(on_error(AppError::Failed(reason)));
        }
        let deadline = Instant::now() + limit;
        let call = CallState { user_id, deadline: Some(deadline), ..CallState::default() };
        let taken = self.idle.lock().pop();
        let mut warm = match taken {
            Some(mut warm) => {
                let state = warm.store.data_mut();
                state.call = call;
                state.limiter.memory_refused = false;
                warm.store.set_epoch_deadline(1);
                warm
            }
            None => match self.instantiate(call).await {
                Ok(warm) => warm,
                Err((error, state)) => return Err(on_error(classify(error, &state, limit))),
            },
        };
        // Epoch interruption only fires while wasm runs; the outer timeout also bounds time
        // spent waiting on slow host calls. A call cut off there leaves its store unusable,
        // so the instance is dropped like any failed one.
        let outcome = match tokio::time::timeout(limit + HOST_WAIT_GRACE, f(&warm.exports, &mut warm.store)).await {
            Ok(outcome) => outcome,
            Err(_) => return Err(on_error(AppError::Timeout(limit))),
        };
        match outcome {
            Ok(value) => {
                warm.store.data_mut().call = CallState::default();
                warm.idle_since = Instant::now();
                self.idle.lock().push(warm);
                Ok(value)
            }
            Err(error) => Err(on_error(classify(error, warm.store.data(), limit))),
        }
    }

    /// Instantiates the component in `store` and finds its exports.
    async fn instantiate_exports(&self, store: &mut Store<AppState>) -> wasmtime::Result<Exports> {
        let instance = self.pre.instance_pre().instantiate_async(&mut *store).await?;
        let app = App::new(&mut *store, &instance)?;
        let hooks = match &self.hooks {
            Some(indices) => Some(indices.load(&mut *store, &instance)?),
            None => None,
        };
        let endpoints = match &self.endpoints {
            Some(indices) => Some(indices.load(&mut *store, &instance)?),
            None => None,
        };
        Ok(Exports { app, hooks, endpoints })
    }

    /// A new instance, with its deadline armed before instantiation.
    async fn instantiate(&self, call: CallState) -> std::result::Result<Warm, (wasmtime::Error, AppState)> {
        let mut store = Store::new(&self.engine, AppState::new(self.shared.clone()));
        store.data_mut().call = call;
        store.limiter(|state| &mut state.limiter);
        store.epoch_deadline_callback(|mut cx| {
            let state = cx.data_mut();
            match state.call.deadline {
                Some(deadline) if Instant::now() >= deadline => {
                    state.call.timed_out = true;
                    Ok(UpdateDeadline::Interrupt)
                }
                // Yield to the executor every tick so long calls never block it.
                _ => Ok(UpdateDeadline::Yield(1)),
            }
        });
        store.set_epoch_deadline(1);
        match self.instantiate_exports(&mut store).await {
            Ok(exports) => Ok(Warm { store, exports, idle_since: Instant::now() }),
            Err(error) => Err((error, store.into_data())),
        }
    }
}

/// Names what stopped a call (whose deadline was `limit`), from the store's bookkeeping.
fn classify(error: wasmtime::Error, state: &AppState, limit: Duration) -> AppError {
    let limits = &state.shared.limits;
    if state.call.timed_out {
        AppError::Timeout(limit)
    } else if state.call.flooded {
        AppError::HostCallFlood(limits.max_host_calls)
    } else if state.limiter.memory_refused {
        AppError::OutOfMemory(limits.memory_bytes)
    } else {
        // The user sees the trap's own reason; the app's log keeps the whole backtrace.
        state.shared.logs.push(crate::logs::LogLevel::Error, crate::logs::LogSource::Runtime, &format!("{error:#}"));
        let reason = match error.downcast_ref::<wasmtime::Trap>() {
            Some(trap) => trap.to_string(),
            None => error.root_cause().to_string(),
        };
        AppError::Trap(crate::error::clip(reason.lines().next().unwrap_or(""), crate::error::MAX_REASON_CHARS))
    }
}
