//! The app-limit watcher: applies changes of the `Apps_Orbit_*` settings to the running app
//! runtime ([`crate::services::apps::Apps::apply_limits`]), and sweeps away app instances
//! idle for longer than `Apps_Orbit_Idle_Instance_Secs` and apps' expired stored records.

use std::sync::Arc;

use tokio::sync::broadcast::error::RecvError;

use crate::bus::Event;
use crate::services::Services;

/// Subscribes to the bus now and starts the watcher and the idle sweeper.
pub fn spawn(svc: Arc<Services>) {
    let sweeper = svc.clone();
    tokio::spawn(async move {
        loop {
            let idle = sweeper.settings.int("Apps_Orbit_Idle_Instance_Secs", 60).clamp(1, 86_400) as u64;
            tokio::time::sleep(std::time::Duration::from_millis((idle * 250).clamp(250, 15_000))).await;
            let dropped = sweeper.apps().reclaim_idle();
            if dropped > 0 {
                tracing::debug!(dropped, "idle app instances dropped");
            }
            if let Err(error) = sweeper.blocking(|s| s.app_storage().sweep_expired()).await {
                tracing::warn!("removing expired app records failed: {}", error.reason());
            }
        }
    });
    let mut events = svc.bus.subscribe();
    tokio::spawn(async move {
        loop {
            let event = match events.recv().await {
                Ok(event) => event,
                Err(RecvError::Lagged(_)) => continue,
                Err(RecvError::Closed) => return,
            };
            let Event::SettingChanged { setting, .. } = &*event else { continue };
            if !setting["_id"].as_str().is_some_and(|id| id.starts_with("Apps_Orbit_")) {
                continue;
            }
            if let Err(error) = svc.blocking(|s| s.apps().apply_limits()).await {
                tracing::error!("applying new app limits failed: {}", error.reason());
            }
        }
    });
}
