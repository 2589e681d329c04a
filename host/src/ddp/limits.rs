//! Limits of the realtime transport: frame size, queue sizes, heartbeat, a per-connection frame
//! budget against floods, and Rocket.Chat's DDP rate limiter (`DDP_Rate_Limit_*` settings).
//!
//! The DDP rate limiter counts method calls and subscriptions in fixed windows, by connection, by
//! connection and method, by user, by user and method, and by client address (never for
//! 127.0.0.1, as in Rocket.Chat). Methods and streams named `stream-*` get four times the
//! per-method budget over four times the interval. Over the limit a call fails with Meteor's
//! `too-many-requests` error.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

use crate::services::Services;

/// Per-connection limits, read from settings when the socket opens.
#[derive(Debug, Clone)]
pub struct ConnLimits {
    /// Initial read buffer of the socket (small, to keep idle connections cheap).
    pub read_buffer: usize,
    /// Largest accepted frame (`Orbit_DDP_Max_Frame_Bytes`); bigger ones close the socket (1009).
    pub max_frame_bytes: usize,
    /// Stream events queued for a client before it counts as too slow (`Orbit_DDP_Send_Queue`).
    pub queue: usize,
    /// Silence after which the server pings (`Orbit_DDP_Heartbeat_Interval_Ms`).
    pub heartbeat_interval: Duration,
    /// Silence after the ping after which the server closes (`Orbit_DDP_Heartbeat_Timeout_Ms`).
    pub heartbeat_timeout: Duration,
    /// Sustained frames per second a client may send (`Orbit_DDP_Max_Frames_Per_Second`); bursts
    /// of five seconds' worth are allowed. Beyond that the socket is closed (1008).
    pub frames_per_second: u32,
    /// Frames waiting behind a running method before the client counts as flooding.
    pub max_pending: usize,
    /// How long one write to the client may wait for it to read (`Orbit_DDP_Write_Timeout_Ms`);
    /// past that the connection is dropped.
    pub write_timeout: Duration,
}

impl ConnLimits {
    /// The limits from the current settings.
    pub fn from_settings(svc: &Services) -> Self {
        let s = &svc.settings;
        ConnLimits {
            read_buffer: 1024,
            max_frame_bytes: s.int("Orbit_DDP_Max_Frame_Bytes", 1 << 20).clamp(1024, 64 << 20) as usize,
            queue: s.int("Orbit_DDP_Send_Queue", 1024).clamp(16, 1 << 20) as usize,
            heartbeat_interval: Duration::from_millis(s.int("Orbit_DDP_Heartbeat_Interval_Ms", 15_000).max(50) as u64),
            heartbeat_timeout: Duration::from_millis(s.int("Orbit_DDP_Heartbeat_Timeout_Ms", 15_000).max(50) as u64),
            frames_per_second: s.int("Orbit_DDP_Max_Frames_Per_Second", 200).clamp(1, 1_000_000) as u32,
            max_pending: 256,
            write_timeout: Duration::from_millis(s.int("Orbit_DDP_Write_Timeout_Ms", 10_000).clamp(100, 600_000) as u64),
        }
    }
}

/// A token bucket of incoming frames.
#[derive(Debug)]
pub struct FrameBudget {
    tokens: f64,
    rate: f64,
    burst: f64,
    last: Instant,
}

impl FrameBudget {
    /// A full bucket for `per_second` frames with a burst of five seconds.
    pub fn new(per_second: u32) -> Self {
        let rate = f64::from(per_second);
        FrameBudget { tokens: rate * 5.0, rate, burst: rate * 5.0, last: Instant::now() }
    }

    /// Takes one frame; false when the budget is exhausted.
    pub fn take(&mut self) -> bool {
        let now = Instant::now();
        let elapsed = now.duration_since(self.last).as_secs_f64();
        self.last = now;
        self.tokens = (self.tokens + elapsed * self.rate).min(self.burst);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Rule {
    allowed: u64,
    interval: Duration,
}

fn rule(svc: &Services, name: &str, factor: u64) -> Option<Rule> {
    let s = &svc.settings;
    if !s.bool(&format!("DDP_Rate_Limit_{name}_Enabled")) {
        return None;
    }
    let allowed = s.int(&format!("DDP_Rate_Limit_{name}_Requests_Allowed"), 0).max(0) as u64;
    let interval = s.int(&format!("DDP_Rate_Limit_{name}_Interval_Time"), 0).max(0) as u64;
    (interval > 0).then(|| Rule { allowed: allowed * factor, interval: Duration::from_millis(interval * factor) })
}

#[derive(Debug, Clone, Copy)]
struct Window {
    start: Instant,
    count: u64,
}

/// Fixed-window counters by key.
#[derive(Debug, Default)]
pub struct Windows(HashMap<String, Window>);

impl Windows {
    /// Counts one call under `key`; returns the time until the window resets when over the limit.
    fn hit(&mut self, key: &str, rule: Rule, now: Instant) -> Option<Duration> {
        if self.0.len() > 50_000 {
            self.0.retain(|_, w| now.duration_since(w.start) < Duration::from_secs(3600));
        }
        let w = self.0.entry(key.to_string()).or_insert(Window { start: now, count: 0 });
        if now.duration_since(w.start) >= rule.interval {
            *w = Window { start: now, count: 0 };
        }
        w.count += 1;
        (w.count > rule.allowed).then(|| rule.interval.saturating_sub(now.duration_since(w.start)))
    }
}

/// The counters shared by all connections (per user, per user and method, per address).
#[derive(Debug, Default)]
pub struct SharedLimiter {
    windows: Mutex<Windows>,
}

/// What is being invoked, for the rate limiter.
pub struct Invocation<'a> {
    pub name: &'a str,
    pub user_id: Option<&'a str>,
    pub client_addr: Option<SocketAddr>,
}

impl SharedLimiter {
    /// Counts a method call or subscription against every matching rule. `local` holds the
    /// connection's own counters (`None` for REST `method.call`, which has no connection).
    /// Returns the wait before the call would be allowed, if it is over a limit.
    pub fn check(&self, svc: &Services, local: Option<&mut Windows>, call: &Invocation<'_>) -> Option<Duration> {
        let now = Instant::now();
        let factor = if call.name.starts_with("stream-") { 4 } else { 1 };
        let mut wait: Option<Duration> = None;
        let mut note = |w: Option<Duration>| {
            if let Some(w) = w {
                wait = Some(wait.map_or(w, |cur| cur.max(w)));
            }
        };
        if let Some(local) = local {
            if let Some(r) = rule(svc, "Connection", 1) {
                note(local.hit("connection", r, now));
            }
            if let Some(r) = rule(svc, "Connection_By_Method", factor) {
                note(local.hit(&format!("method:{}", call.name), r, now));
            }
        }
        let mut shared = self.windows.lock();
        if let Some(uid) = call.user_id {
            if let Some(r) = rule(svc, "User", 1) {
                note(shared.hit(&format!("user:{uid}"), r, now));
            }
            if let Some(r) = rule(svc, "User_By_Method", factor) {
                note(shared.hit(&format!("user:{uid}:{}", call.name), r, now));
            }
        }
        if let Some(addr) = call.client_addr
            && !addr.ip().is_loopback()
            && let Some(r) = rule(svc, "IP", 1)
        {
            note(shared.hit(&format!("ip:{}", addr.ip()), r, now));
        }
        wait
    }
}

/// The seconds to report in the `too-many-requests` message.
pub fn wait_secs(wait: Duration) -> u64 {
    wait.as_millis().div_ceil(1000) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_and_budget() {
        let mut w = Windows::default();
        let r = Rule { allowed: 2, interval: Duration::from_secs(60) };
        let now = Instant::now();
        assert!(w.hit("k", r, now).is_none());
        assert!(w.hit("k", r, now).is_none());
        assert!(w.hit("k", r, now).is_some());
        assert!(w.hit("other", r, now).is_none());
        assert!(w.hit("k", r, now + Duration::from_secs(61)).is_none());
        let mut b = FrameBudget::new(1);
        let taken = (0..10).filter(|_| b.take()).count();
        assert_eq!(taken, 5);
        assert_eq!(wait_secs(Duration::from_millis(1200)), 2);
    }
}
