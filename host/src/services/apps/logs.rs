//! App logs for admins: the runtime's log of each app (its `log` calls, stdout, stderr, and
//! the runtime's reports) merged with the server's lifecycle entries.

use orbit_apps::{AppRuntime, LogEntry, LogLevel, LogSource};
use serde::{Serialize, Serializer};

use super::Apps;
use crate::error::Result;
use crate::models::User;
use crate::time::{Date, as_iso};

/// Server-side log entries kept per app (lifecycle: installs, updates, status changes).
const SERVER_LOG_CAPACITY: usize = 1000;

/// An entry of an app's log as admins see it: the runtime's, or the server's (`source` `server`).
#[derive(Debug, Clone, Serialize)]
pub struct AppLogEntry {
    #[serde(rename = "appId")]
    pub app_id: String,
    pub level: LogLevel,
    /// The runtime's source (`app`, `stdout`, `stderr`, `runtime`), or none for the server's
    /// own entries (`server`).
    #[serde(serialize_with = "source_or_server")]
    pub source: Option<LogSource>,
    pub message: String,
    #[serde(rename = "_createdAt", serialize_with = "as_iso")]
    pub created_at: Date,
    /// Milliseconds since the Unix epoch.
    pub ts: u64,
}

fn source_or_server<S: Serializer>(source: &Option<LogSource>, s: S) -> std::result::Result<S::Ok, S::Error> {
    match source {
        Some(source) => source.serialize(s),
        None => s.serialize_str("server"),
    }
}

impl AppLogEntry {
    fn new(id: &str, level: LogLevel, source: Option<LogSource>, message: &str, ts: u64) -> Self {
        AppLogEntry {
            app_id: id.to_string(),
            level,
            source,
            message: message.to_string(),
            created_at: Date(ts as i64),
            ts,
        }
    }

    /// A runtime log entry.
    fn of(id: &str, e: &LogEntry) -> Self {
        AppLogEntry::new(id, e.level, Some(e.source), &e.message, e.time_ms)
    }
}

impl Apps<'_> {
    /// `GET /api/apps/:id/logs` (`manage-apps`): the app's log (its `log` calls, stdout and
    /// stderr, the runtime's reports of timeouts, traps and failures) and the server's lifecycle
    /// entries, newest first.
    pub fn logs(&self, user: &User, id: &str) -> Result<Vec<AppLogEntry>> {
        self.require_admin(user)?;
        self.record(id)?;
        let mut entries: Vec<AppLogEntry> = self.runtime()?.logs(id).iter().map(|e| AppLogEntry::of(id, e)).collect();
        if let Some(server) = self.0.apps.server_logs.lock().get(id) {
            entries.extend(server.iter().cloned());
        }
        // Each source is oldest first: reversed, a stable sort keeps entries of one millisecond
        // newest first too.
        entries.reverse();
        entries.sort_by_key(|e| std::cmp::Reverse(e.ts));
        Ok(entries)
    }

    /// Adds a lifecycle entry to an app's server log.
    pub(super) fn server_log(&self, id: &str, level: LogLevel, message: &str) {
        self.keep_entries(id, [AppLogEntry::new(id, level, None, message, Date::now().0 as u64)]);
    }

    /// Keeps what a runtime about to be replaced logged (its log rings go away with it).
    pub(super) fn keep_runtime_logs(&self, runtime: &AppRuntime) {
        for id in runtime.app_ids() {
            let entries = runtime.logs(&id);
            self.keep_entries(&id, entries.iter().map(|e| AppLogEntry::of(&id, e)));
        }
    }

    fn keep_entries(&self, id: &str, entries: impl IntoIterator<Item = AppLogEntry>) {
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
