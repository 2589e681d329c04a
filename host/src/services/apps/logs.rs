//! App logs for admins: the runtime's log of each app (its `log` calls, stdout, stderr, and
//! the runtime's reports) merged with the server's lifecycle entries.

use orbit_apps::{AppRuntime, LogEntry};
use serde_json::{Value, json};

use super::Apps;
use crate::error::Result;
use crate::models::User;
use crate::time::Date;

/// Server-side log entries kept per app (lifecycle: installs, updates, status changes).
const SERVER_LOG_CAPACITY: usize = 1000;

/// A runtime log entry as admins see it.
fn entry_view(id: &str, e: &LogEntry) -> Value {
    json!({
        "appId": id,
        "level": e.level,
        "source": e.source,
        "message": e.message,
        "_createdAt": Date(e.time_ms as i64).to_iso(),
        "ts": e.time_ms,
    })
}

impl Apps<'_> {
    /// `GET /api/apps/:id/logs` (`manage-apps`): the app's log (its `log` calls, stdout and
    /// stderr, the runtime's reports of timeouts, traps and failures) and the server's lifecycle
    /// entries, newest first.
    pub fn logs(&self, user: &User, id: &str) -> Result<Vec<Value>> {
        self.require_admin(user)?;
        self.record(id)?;
        let mut entries: Vec<Value> = self.runtime()?.logs(id).iter().map(|e| entry_view(id, e)).collect();
        if let Some(server) = self.0.apps.server_logs.lock().get(id) {
            entries.extend(server.iter().cloned());
        }
        // Each source is oldest first: reversed, a stable sort keeps entries of one millisecond
        // newest first too.
        entries.reverse();
        entries.sort_by_key(|e| std::cmp::Reverse(e["ts"].as_u64().unwrap_or(0)));
        Ok(entries)
    }

    /// Adds a lifecycle entry to an app's server log.
    pub(super) fn server_log(&self, id: &str, level: &str, message: &str) {
        let now = Date::now();
        let entry = json!({
            "appId": id, "level": level, "source": "server", "message": message,
            "_createdAt": now.to_iso(), "ts": now.0,
        });
        self.keep_entries(id, [entry]);
    }

    /// Keeps what a runtime about to be replaced logged (its log rings go away with it).
    pub(super) fn keep_runtime_logs(&self, runtime: &AppRuntime) {
        for id in runtime.app_ids() {
            let entries = runtime.logs(&id);
            self.keep_entries(&id, entries.iter().map(|e| entry_view(&id, e)));
        }
    }

    fn keep_entries(&self, id: &str, entries: impl IntoIterator<Item = Value>) {
        let mut logs = self.0.apps.server_logs.lock();
        let ring = logs.entry(id.to_string()).or_default();
        for entry in entries {
            if ring.len() == SERVER_LOG_CAPACITY {
                ring.pop_front();
            }
            ring.push_back(entry);
        }
    }
}
