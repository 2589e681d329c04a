//! Consecutive-failure tracking: an app that fails too often is marked failed.

use std::sync::atomic::{AtomicU32, Ordering};

use parking_lot::Mutex;

/// Failure bookkeeping of one loaded app version.
pub(crate) struct Health {
    threshold: u32,
    consecutive: AtomicU32,
    failed: Mutex<Option<String>>,
}

impl Health {
    pub fn new(threshold: u32) -> Self {
        Health { threshold: threshold.max(1), consecutive: AtomicU32::new(0), failed: Mutex::new(None) }
    }

    /// Why the app is failed, if it is.
    pub fn failed(&self) -> Option<String> {
        self.failed.lock().clone()
    }

    pub fn consecutive(&self) -> u32 {
        self.consecutive.load(Ordering::Relaxed)
    }

    pub fn record_success(&self) {
        self.consecutive.store(0, Ordering::Relaxed);
    }

    /// Counts a failure; returns the reason when this one crossed the threshold.
    pub fn record_failure(&self, reason: &str) -> Option<String> {
        let count = self.consecutive.fetch_add(1, Ordering::Relaxed) + 1;
        if count < self.threshold {
            return None;
        }
        let mut failed = self.failed.lock();
        if failed.is_some() {
            return None;
        }
        let why = format!("{count} consecutive failures, last: {reason}");
        *failed = Some(why.clone());
        Some(why)
    }

    /// Clears the failed state (an admin re-enabled the app).
    pub fn reset(&self) {
        self.consecutive.store(0, Ordering::Relaxed);
        *self.failed.lock() = None;
    }
}
