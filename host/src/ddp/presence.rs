//! Connection counting for presence. Each logged-in connection has a status (`online`, or `away`
//! after `UserPresence:away`); a user's connection status is the best of them, `offline` with no
//! connection. Changes are written by one worker ([`crate::workers::presence`]) in order, so the
//! stored status always ends at the latest aggregate, and the presence service publishes
//! `user-status` when it changes.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

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

    /// Connects the status writer ([`crate::workers::presence`]): the queue of users whose
    /// connection status must be written. `None` when a writer is already connected.
    pub fn writer_queue(&self) -> Option<mpsc::UnboundedReceiver<String>> {
        let (tx, rx) = mpsc::unbounded_channel();
        self.queue.set(tx).is_ok().then_some(rx)
    }

    /// Users scheduled before the writer was connected (they never reached its queue).
    pub fn scheduled(&self) -> Vec<String> {
        self.pending.lock().iter().cloned().collect()
    }

    /// Takes `uid` off the schedule and returns the connection status to write for it now.
    pub fn take(&self, uid: &str) -> &'static str {
        self.pending.lock().remove(uid);
        self.aggregate(uid)
    }

    fn schedule(&self, uid: &str) {
        if self.pending.lock().insert(uid.to_string())
            && let Some(q) = self.queue.get()
        {
            let _ = q.send(uid.to_string());
        }
    }
}
