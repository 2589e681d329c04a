//! Resource limits for apps, set by the server (they are admin settings there).

use std::time::Duration;

/// Per-app sandbox limits. Every app call runs under all of them.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Wall-clock budget of one call into an app (default 2 s). Loops are interrupted at the
    /// next epoch tick past it.
    pub deadline: Duration,
    /// Linear-memory cap of one app instance in bytes (default 64 MiB).
    pub memory_bytes: usize,
    /// Live instances kept per app, which is also its maximum call concurrency (default 4).
    pub max_instances: usize,
    /// Consecutive failed calls (trap, timeout, memory, flood) after which the app is marked
    /// failed and refuses calls until reset (default 5).
    pub failure_threshold: u32,
    /// Host calls one app call may make before it is stopped as a flood (default 10 000).
    pub max_host_calls: u64,
    /// Log entries kept per app (default 1000).
    pub log_capacity: usize,
    /// How long a warm instance may wait unused before it is dropped and its memory returned
    /// (default 60 s).
    pub idle_instance: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            deadline: Duration::from_secs(2),
            memory_bytes: 64 << 20,
            max_instances: 4,
            failure_threshold: 5,
            max_host_calls: 10_000,
            log_capacity: 1000,
            idle_instance: Duration::from_secs(60),
        }
    }
}
