//! The rename carrier: takes queued username and display-name changes into the messages, one
//! short batch at a time ([`crate::services::users::Users::carry_renames_step`]), so a user with
//! many messages never blocks other writers. Runs at start (resuming jobs a stop interrupted)
//! and after every rename.

use std::sync::Arc;

use tokio::sync::broadcast::error::RecvError;

use crate::bus::Event;
use crate::services::Services;

/// Subscribes to the bus now and starts the carrier.
pub fn spawn(svc: Arc<Services>) {
    let mut events = svc.bus.subscribe();
    tokio::spawn(async move {
        drain(&svc).await;
        loop {
            match events.recv().await {
                Ok(event) if matches!(*event, Event::UserNameChanged { .. }) => drain(&svc).await,
                Ok(_) => continue,
                // A missed rename event is harmless: draining finds every queued job.
                Err(RecvError::Lagged(_)) => drain(&svc).await,
                Err(RecvError::Closed) => return,
            }
        }
    });
}

/// Runs batches until no job is left, yielding between them.
async fn drain(svc: &Arc<Services>) {
    loop {
        match svc.blocking(|s| s.users().carry_renames_step()).await {
            Ok(true) => tokio::task::yield_now().await,
            Ok(false) => return,
            Err(error) => {
                tracing::error!("carrying a rename into the messages failed: {}", error.reason());
                return;
            }
        }
    }
}
