//! Connection counting for presence. Each logged-in connection has a status (`online`, or `away`
//! after `UserPresence:away`); a user's connection status is the best of them, `offline` with no
//! connection. Changes are written by one worker in order, so the stored status always ends at the
//! latest aggregate, and the presence service publishes `user-status` when it changes.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, OnceLock};

use parking_lot::Mutex;
use tokio::sync::mpsc;

use super::Hub;
use crate::services::presence::aggregate;

/// Open connections per user, with their statuses.
#[derive(Default)]
pub struct Tracker {
    users: Mutex<HashMap<String, HashMap<u64, &'static str>>>,
    pending: Mutex<HashSet<String>>,
    queue: OnceLock<mpsc::UnboundedSender<String>>,
}

impl Tracker {
    /// A connection logged in as `uid`.
    pub fn connect(&self, uid: &str, conn: u64) {
        self.users.lock().entry(uid.to_string()).or_default().insert(conn, "online");
        self.schedule(uid);
    }

    /// A connection of `uid` logged out or closed.
    pub fn disconnect(&self, uid: &str, conn: u64) {
        {
            let mut users = self.users.lock();
            if let Some(conns) = users.get_mut(uid) {
                conns.remove(&conn);
                if conns.is_empty() {
                    users.remove(uid);
                }
            }
        }
        self.schedule(uid);
    }

    /// `UserPresence:away` / `UserPresence:online` on one connection.
    pub fn set_status(&self, _hub: &Hub, uid: &str, conn: u64, status: &'static str) {
        if let Some(s) = self.users.lock().get_mut(uid).and_then(|c| c.get_mut(&conn)) {
            *s = status;
        }
        self.schedule(uid);
    }

    /// The connection status of a user now.
    pub fn aggregate(&self, uid: &str) -> &'static str {
        self.users.lock().get(uid).map_or("offline", |c| aggregate(c.values().copied()))
    }

    /// Number of users with at least one connection.
    pub fn online_users(&self) -> usize {
        self.users.lock().len()
    }

    fn schedule(&self, uid: &str) {
        if self.pending.lock().insert(uid.to_string())
            && let Some(q) = self.queue.get()
        {
            let _ = q.send(uid.to_string());
        }
    }
}

/// Starts the worker that writes connection statuses: first it resets everyone to offline (no
/// connection survives a restart), then it applies changes in order.
pub fn spawn_writer(hub: Arc<Hub>) {
    let (tx, mut rx) = mpsc::unbounded_channel::<String>();
    if hub.presence.queue.set(tx).is_err() {
        return;
    }
    tokio::spawn(async move {
        let reset = hub.svc.clone();
        match tokio::task::spawn_blocking(move || reset.presence().reset_all()).await {
            Ok(Ok(n)) if n > 0 => tracing::info!(users = n, "presence: reset stale statuses to offline"),
            Ok(Err(e)) => tracing::warn!(error = %e, "presence: reset failed"),
            _ => {}
        }
        // Changes scheduled before the worker ran are in `pending` but were never queued.
        let early: Vec<String> = hub.presence.pending.lock().iter().cloned().collect();
        for uid in early {
            apply(&hub, uid).await;
        }
        while let Some(uid) = rx.recv().await {
            apply(&hub, uid).await;
        }
    });
}

async fn apply(hub: &Arc<Hub>, uid: String) {
    hub.presence.pending.lock().remove(&uid);
    let status = hub.presence.aggregate(&uid);
    let svc = hub.svc.clone();
    let res = tokio::task::spawn_blocking(move || svc.presence().set_connection_status(&uid, status)).await;
    if let Ok(Err(e)) = res {
        tracing::warn!(error = %e, "presence: could not store a connection status");
    }
}
