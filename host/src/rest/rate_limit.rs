//! The REST rate limiter, with Rocket.Chat's semantics.
//!
//! - It applies to every versioned route (`/api/v1/*`; Rocket.Chat leaves the unversioned
//!   `/api/info` alone) except `method.call`/`method.callAnon` (whose DDP methods have their own
//!   limiter), while `API_Enable_Rate_Limiter` is on.
//! - Each route (method + route pattern) has its own budget per caller: per user when the call
//!   carries valid credentials, per client IP otherwise. Users holding `api-bypass-rate-limit`
//!   are not limited at all.
//! - The budget is `API_Enable_Rate_Limiter_Limit_Calls_Default` calls per
//!   `API_Enable_Rate_Limiter_Limit_Time_Default` ms, in fixed windows that start at the first
//!   call (Meteor's `RateLimiter`). Settings are read on every call, so changes apply live.
//! - Every limited answer carries `x-ratelimit-limit`, `x-ratelimit-remaining` and
//!   `x-ratelimit-reset` (epoch ms); a call over budget gets 429 `error-too-many-requests`.
//!
//! The hot path takes one of 64 shard mutexes for a few nanoseconds; expired windows are swept
//! from a shard when it is touched after a full interval.

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::hash::{BuildHasher, RandomState};
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::extract::{ConnectInfo, MatchedPath, Request};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use parking_lot::Mutex;
use tower::{Layer, Service};

use crate::error::Error;
use crate::services::Services;
use crate::services::accounts::Caller;

const SHARDS: usize = 64;

/// One caller's window on one route.
#[derive(Debug, Clone, Copy)]
struct Window {
    start: i64,
    count: u64,
}

#[derive(Default)]
struct Shard {
    windows: HashMap<u64, Window>,
    last_sweep: i64,
}

/// The outcome of counting one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    pub allowed: bool,
    pub limit: u64,
    pub remaining: u64,
    /// Epoch ms when the window ends.
    pub reset_at: i64,
    /// Seconds to wait, rounded up (for the error message).
    pub wait_secs: u64,
}

/// Fixed-window counters keyed by a 64-bit hash of (route, caller).
pub struct Counters {
    shards: Box<[Mutex<Shard>]>,
    hasher: RandomState,
}

impl Default for Counters {
    fn default() -> Self {
        Self { shards: (0..SHARDS).map(|_| Mutex::new(Shard::default())).collect(), hasher: RandomState::new() }
    }
}

impl Counters {
    /// The key of a caller on a route.
    pub fn key(&self, method: &str, route: &str, who: &str) -> u64 {
        self.hasher.hash_one((method, route, who))
    }

    /// Counts one call at `now` (ms) against `limit` calls per `interval` ms.
    pub fn hit(&self, key: u64, now: i64, limit: u64, interval: i64) -> Verdict {
        let interval = interval.max(1);
        let mut shard = self.shards[(key >> 58) as usize % SHARDS].lock();
        if now - shard.last_sweep > interval.max(60_000) {
            shard.windows.retain(|_, w| now - w.start < interval);
            shard.last_sweep = now;
        }
        let w = shard.windows.entry(key).or_insert(Window { start: now, count: 0 });
        if now - w.start >= interval {
            *w = Window { start: now, count: 0 };
        }
        w.count += 1;
        let reset_in = (w.start + interval - now).max(0);
        Verdict {
            allowed: w.count <= limit,
            limit,
            remaining: limit.saturating_sub(w.count),
            reset_at: now + reset_in,
            wait_secs: (reset_in as u64).div_ceil(1000),
        }
    }

    /// Number of live windows (for tests).
    pub fn len(&self) -> usize {
        self.shards.iter().map(|s| s.lock().windows.len()).sum()
    }

    /// Whether no window is tracked.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The layer that puts the limiter in front of every route.
#[derive(Clone)]
pub struct RateLimitLayer {
    svc: Arc<Services>,
    counters: Arc<Counters>,
}

impl RateLimitLayer {
    /// A limiter reading its settings from `svc`.
    pub fn new(svc: Arc<Services>) -> Self {
        Self { svc, counters: Arc::new(Counters::default()) }
    }
}

impl<S> Layer<S> for RateLimitLayer {
    type Service = RateLimit<S>;

    fn layer(&self, inner: S) -> RateLimit<S> {
        RateLimit { inner, svc: self.svc.clone(), counters: self.counters.clone() }
    }
}

/// The limiting service around one route.
#[derive(Clone)]
pub struct RateLimit<S> {
    inner: S,
    svc: Arc<Services>,
    counters: Arc<Counters>,
}

fn is_limited_route(route: &str) -> bool {
    route.starts_with("/api/v1/") && !route.starts_with("/api/v1/method.call")
}

fn credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim).filter(|v| !v.is_empty());
    Some((get("x-user-id")?.to_string(), get("x-auth-token")?.to_string()))
}

fn set_headers(headers: &mut HeaderMap, v: &Verdict) {
    headers.insert("x-ratelimit-limit", HeaderValue::from(v.limit));
    headers.insert("x-ratelimit-remaining", HeaderValue::from(v.remaining));
    headers.insert("x-ratelimit-reset", HeaderValue::from(v.reset_at));
}

impl<S> Service<Request> for RateLimit<S>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request) -> Self::Future {
        // The clone is the one that was not polled ready; keep the ready one for this call.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let svc = self.svc.clone();
        let counters = self.counters.clone();
        Box::pin(async move {
            let route = req.extensions().get::<MatchedPath>().map(|m| m.as_str().to_string());
            let Some(route) = route.filter(|r| is_limited_route(r)) else { return inner.call(req).await };
            if !svc.settings.bool("API_Enable_Rate_Limiter") {
                return inner.call(req).await;
            }
            // Who is calling: a valid session counts per user (and is handed on to the handler,
            // so it is not resolved twice); anything else counts per IP.
            let mut who = None;
            if let Some((user_id, token)) = credentials(req.headers())
                && let Ok(caller) = svc.blocking(move |s| s.accounts().authenticate(&user_id, &token)).await
            {
                let bypass = svc.permissions.granted("api-bypass-rate-limit", &caller.user.roles);
                who = Some(format!("u:{}", caller.user.id));
                req.extensions_mut().insert::<Caller>(caller);
                if bypass {
                    return inner.call(req).await;
                }
            }
            let who = who.unwrap_or_else(|| {
                let ip = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string());
                format!("ip:{}", ip.unwrap_or_default())
            });
            let limit = svc.settings.int("API_Enable_Rate_Limiter_Limit_Calls_Default", 10).max(1) as u64;
            let interval = svc.settings.int("API_Enable_Rate_Limiter_Limit_Time_Default", 60_000).max(1);
            let key = counters.key(req.method().as_str(), &route, &who);
            let verdict = counters.hit(key, crate::time::Date::now().0, limit, interval);
            let mut res = if verdict.allowed {
                inner.call(req).await?
            } else {
                Error::RateLimited { wait_secs: verdict.wait_secs }.into_response()
            };
            set_headers(res.headers_mut(), &verdict);
            Ok(res)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_windows() {
        let c = Counters::default();
        let k = c.key("GET", "/api/v1/x", "ip:1");
        let v1 = c.hit(k, 1_000, 2, 10_000);
        assert!(v1.allowed);
        assert_eq!((v1.remaining, v1.reset_at, v1.wait_secs), (1, 11_000, 10));
        assert!(c.hit(k, 2_000, 2, 10_000).allowed);
        let v3 = c.hit(k, 3_500, 2, 10_000);
        assert!(!v3.allowed);
        assert_eq!((v3.remaining, v3.wait_secs), (0, 8));
        // Another caller and another route have their own budget.
        assert!(c.hit(c.key("GET", "/api/v1/x", "ip:2"), 3_500, 2, 10_000).allowed);
        assert!(c.hit(c.key("POST", "/api/v1/x", "ip:1"), 3_500, 2, 10_000).allowed);
        // A new window starts once the interval is over.
        let v4 = c.hit(k, 11_000, 2, 10_000);
        assert!(v4.allowed);
        assert_eq!(v4.reset_at, 21_000);
    }

    #[test]
    fn old_windows_are_swept() {
        let c = Counters::default();
        for i in 0..1000 {
            c.hit(c.key("GET", "/r", &i.to_string()), 0, 10, 1_000);
        }
        assert_eq!(c.len(), 1000);
        // Touching every shard after the sweep period drops the expired windows.
        for i in 0..10_000 {
            c.hit(c.key("GET", "/r", &format!("late{i}")), 120_000, 10, 1_000);
        }
        assert_eq!(c.len(), 10_000);
        assert!(c.hit(c.key("GET", "/r", "0"), 120_001, 10, 1_000).remaining == 9);
    }

    #[test]
    fn only_api_routes_are_limited() {
        assert!(is_limited_route("/api/v1/settings.public"));
        assert!(!is_limited_route("/api/info"));
        assert!(!is_limited_route("/api/v1/method.call/{method}"));
        assert!(!is_limited_route("/websocket"));
        assert!(!is_limited_route("/health"));
    }
}
