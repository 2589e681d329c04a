//! The realtime stream fan-out: one task receives every bus event and hands it to the DDP streams
//! ([`crate::ddp::streams::dispatch`]), one event at a time and in publish order, so each
//! subscriber sees changes in the order they were stored.

use tokio::sync::broadcast::error::RecvError;

use crate::ddp::HubRef;
use crate::ddp::streams::dispatch;

/// Subscribes to the bus now and starts the fan-out task.
pub fn spawn(hub: HubRef) {
    let mut rx = hub.svc.bus.subscribe();
    tokio::spawn(async move {
        loop {
            match rx.recv().await {
                Ok(event) => crate::time::ejson(|| dispatch(&hub, &event)),
                Err(RecvError::Lagged(n)) => tracing::warn!(missed = n, "realtime fan-out lagged behind the bus"),
                Err(RecvError::Closed) => break,
            }
        }
    });
}
