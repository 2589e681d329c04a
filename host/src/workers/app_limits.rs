//! The app-limit watcher: applies changes of the `Apps_Orbit_*` settings to the running app
//! runtime ([`crate::services::apps::Apps::apply_limits`]).

use std::sync::Arc;

use tokio::sync::broadcast::error::RecvError;

use crate::bus::Event;
use crate::services::Services;

/// Subscribes to the bus now and starts the watcher.
pub fn spawn(svc: Arc<Services>) {
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
