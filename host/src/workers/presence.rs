//! The presence writer: stores the connection status of users whose realtime connections changed
//! ([`crate::ddp::presence::Tracker`]). First it resets everyone to offline (no connection survives
//! a restart), then it applies changes one at a time and in order, so the stored status always
//! ends at the latest aggregate.

use crate::ddp::HubRef;

/// Connects the writer to the hub's presence tracker and starts it. Does nothing when a writer
/// already runs.
pub fn spawn(hub: HubRef) {
    let Some(mut queue) = hub.presence.writer_queue() else { return };
    tokio::spawn(async move {
        let reset = hub.svc.clone();
        match tokio::task::spawn_blocking(move || reset.presence().reset_all()).await {
            Ok(Ok(n)) if n > 0 => tracing::info!(users = n, "presence: reset stale statuses to offline"),
            Ok(Err(e)) => tracing::warn!(error = %e, "presence: reset failed"),
            _ => {}
        }
        // Changes scheduled before the writer ran were never queued.
        for uid in hub.presence.scheduled() {
            apply(&hub, uid).await;
        }
        while let Some(uid) = queue.recv().await {
            apply(&hub, uid).await;
        }
    });
}

/// Stores the current connection status of `uid`.
async fn apply(hub: &HubRef, uid: String) {
    let status = hub.presence.take(&uid);
    let svc = hub.svc.clone();
    let res = tokio::task::spawn_blocking(move || svc.presence().set_connection_status(&uid, status)).await;
    if let Ok(Err(e)) = res {
        tracing::warn!(error = %e, "presence: could not store a connection status");
    }
}
