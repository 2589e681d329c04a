//! Server statistics (`statistics`, `statistics.list`): real counts of users, rooms and messages
//! plus facts about the host and the process, saved as snapshots like Rocket.Chat's
//! `rocketchat_statistics` collection.

use std::collections::BTreeMap;
use std::sync::OnceLock;
use std::time::Instant;

use serde_json::{Value, json};

use super::Services;
use crate::error::{Error, Kind, Result};
use crate::models::{RoomType, User};
use crate::time::Date;

/// The Rocket.Chat version Orbit reports; clients gate features on it.
pub const RC_VERSION: &str = "8.0.0";

/// Where snapshots are kept (see [`crate::store::ConfigStore::put_doc`]).
const COLLECTION: &str = "statistics";

static STARTED: OnceLock<Instant> = OnceLock::new();

/// Records the process start; called once while the services start.
pub fn mark_started() {
    STARTED.get_or_init(Instant::now);
}

static LISTENING: OnceLock<std::net::SocketAddr> = OnceLock::new();

/// Records the address the server accepts connections on; called once it is bound.
pub fn mark_listening(addr: std::net::SocketAddr) {
    let _ = LISTENING.set(addr);
}

/// Seconds since the services started.
pub fn uptime_secs() -> f64 {
    STARTED.get_or_init(Instant::now).elapsed().as_secs_f64()
}

/// Statistics operations.
pub struct Statistics<'a>(pub &'a Services);

impl Services {
    /// Statistics operations.
    pub fn statistics(&self) -> Statistics<'_> {
        Statistics(self)
    }
}

fn denied() -> Error {
    Error::from(Kind::NotAllowed)
}

impl Statistics<'_> {
    /// `statistics`: the latest snapshot, or a fresh one with `refresh` (or when none exists).
    /// Needs `view-statistics`.
    pub fn last(&self, user: &User, refresh: bool) -> Result<Value> {
        if !self.0.authz().can(user, "view-statistics", None)? {
            return Err(denied());
        }
        if !refresh && let Some(last) = self.snapshots()?.into_iter().next() {
            return Ok(last);
        }
        let stats = self.compute()?;
        self.0.store.put_doc(COLLECTION, stats["_id"].as_str().unwrap_or_default(), &stats)?;
        Ok(stats)
    }

    /// `statistics.list`: every saved snapshot, newest first. Needs `view-statistics`.
    pub fn list(&self, user: &User) -> Result<Vec<Value>> {
        if !self.0.authz().can(user, "view-statistics", None)? {
            return Err(denied());
        }
        self.snapshots()
    }

    /// `instances.get` (`view-statistics`): the running server instances, shaped as upstream's
    /// instance records. Orbit serves from one process, so the list holds that process.
    pub fn instances(&self, user: &User) -> Result<Vec<Value>> {
        self.0.authz().require(user, "view-statistics", None)?;
        static INSTANCE_ID: OnceLock<String> = OnceLock::new();
        let id = INSTANCE_ID.get_or_init(crate::ids::random_id);
        let now = Date::now();
        let started = Date(now.0 - (uptime_secs() * 1000.0) as i64);
        let config = &self.0.config;
        let listening = LISTENING.get();
        let port = listening.map_or(config.port, |a| a.port());
        let address = match listening.map(|a| a.ip()) {
            Some(ip) if !ip.is_unspecified() => ip.to_string(),
            _ => "127.0.0.1".to_string(),
        };
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|h| h.trim().to_string())
            .or_else(|_| std::env::var("HOSTNAME"))
            .unwrap_or_else(|_| "localhost".into());
        Ok(vec![json!({
            "address": address,
            "currentStatus": {"connected": true, "local": true, "lastHeartbeatTime": now},
            "instanceRecord": {
                "_id": id,
                "_createdAt": started,
                "_updatedAt": now,
                "name": "orbit",
                "pid": std::process::id(),
                "extraInformation": {
                    "host": host,
                    "port": port.to_string(),
                    "os": os_info(),
                    "nodeVersion": format!("orbit-{}", env!("CARGO_PKG_VERSION")),
                },
            },
            "broadcastAuth": true,
        })])
    }

    fn snapshots(&self) -> Result<Vec<Value>> {
        let mut docs = self.0.store.docs(COLLECTION)?;
        docs.sort_by_key(|d| std::cmp::Reverse(d.get("createdAt").and_then(Date::from_json)));
        Ok(docs)
    }

    /// Counts everything now.
    pub fn compute(&self) -> Result<Value> {
        let svc = self.0;
        let now = Date::now();
        let users = svc.store.all_users()?;
        let is_guest = |u: &User| u.roles.len() == 1 && u.roles[0] == "guest";
        let count = |f: &dyn Fn(&User) -> bool| users.iter().filter(|u| f(u)).count();
        let total_users = users.len();
        let online = count(&|u| u.status == "online");
        let away = count(&|u| u.status == "away");
        let busy = count(&|u| u.status == "busy");
        let mut languages: BTreeMap<String, usize> = BTreeMap::new();
        for u in &users {
            let lang = u.extra.get("language").and_then(Value::as_str).filter(|l| !l.is_empty()).unwrap_or("none");
            *languages.entry(lang.to_string()).or_default() += 1;
        }

        let rooms = svc.store.rooms_by_types(&[])?;
        let rooms_of = |t: RoomType| rooms.iter().filter(|r| r.t == t).count();
        let msgs_of = |t: RoomType| rooms.iter().filter(|r| r.t == t).map(|r| r.msgs).sum::<i64>();
        let discussions: Vec<_> = rooms.iter().filter(|r| r.prid.is_some()).collect();
        let figures = svc.store.usage_figures()?;
        let last_message = rooms.iter().filter_map(|r| r.lm).max();
        let last_login = users.iter().filter_map(|u| u.last_login).max();
        let installed_at =
            svc.settings.doc("uniqueID").and_then(|d| d.get("createdAt").and_then(Date::from_json)).unwrap_or(now);

        let mut doc = json!({
            "_id": crate::ids::random_id(),
            "wizard": {},
            "uniqueId": svc.settings.string("uniqueID"),
            "installedAt": installed_at,
            "version": RC_VERSION,
            "tag": "",
            "branch": "",
            "totalUsers": total_users,
            "activeUsers": count(&|u| u.active && u.kind != "app" && !is_guest(u)),
            "activeGuests": count(&|u| u.active && is_guest(u)),
            "nonActiveUsers": count(&|u| !u.active),
            "appUsers": count(&|u| u.kind == "app"),
            "onlineUsers": online,
            "awayUsers": away,
            "busyUsers": busy,
            "totalConnectedUsers": online + away + busy,
            "offlineUsers": total_users - online - away - busy,
            "userLanguages": languages,
        });
        let rooms_part = json!({
            "totalRooms": rooms.len(),
            "totalChannels": rooms_of(RoomType::Channel),
            "totalPrivateGroups": rooms_of(RoomType::Private),
            "totalDirect": rooms_of(RoomType::Direct),
            "totalLivechat": rooms_of(RoomType::Livechat),
            "totalDiscussions": discussions.len(),
            "totalThreads": figures.threads,
            "totalChannelMessages": msgs_of(RoomType::Channel),
            "totalPrivateGroupMessages": msgs_of(RoomType::Private),
            "totalDirectMessages": msgs_of(RoomType::Direct),
            "totalLivechatMessages": msgs_of(RoomType::Livechat),
            "totalDiscussionsMessages": discussions.iter().map(|r| r.msgs).sum::<i64>(),
            "totalMessages": rooms.iter().map(|r| r.msgs).sum::<i64>(),
        });
        let host_part = json!({
            "lastLogin": last_login,
            "lastMessageSentAt": last_message,
            "lastSeenSubscription": figures.last_seen_subscription.map(Date),
            "livechatEnabled": svc.settings.bool("Livechat_enabled"),
            "readReceiptsEnabled": svc.settings.bool("Message_Read_Receipt_Enabled"),
            "readReceiptsDetailed": svc.settings.bool("Message_Read_Receipt_Store_Users"),
            "os": os_info(),
            "process": {
                "nodeVersion": format!("orbit-{}", env!("CARGO_PKG_VERSION")),
                "pid": std::process::id(),
                "uptime": uptime_secs(),
            },
            "deploy": {
                "method": std::env::var("DEPLOY_METHOD").unwrap_or_else(|_| "binary".into()),
                "platform": std::env::var("DEPLOY_PLATFORM").unwrap_or_else(|_| "selfinstall".into()),
            },
            "instanceCount": 1,
            "msEnabled": false,
            "oplogEnabled": false,
            "enterpriseReady": false,
            "createdAt": now,
        });
        for part in [rooms_part, host_part] {
            if let (Some(d), Value::Object(p)) = (doc.as_object_mut(), part) {
                d.extend(p);
            }
        }
        Ok(doc)
    }
}

fn read(path: &str) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

/// `/proc/meminfo` field in bytes.
fn meminfo(text: &str, key: &str) -> u64 {
    text.lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))
        .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
        .map(|kb| kb * 1024)
        .unwrap_or(0)
}

/// The host: kernel, uptime, load, memory and CPUs (Linux `/proc`; zeros elsewhere).
fn os_info() -> Value {
    let mem = read("/proc/meminfo");
    let uptime: f64 = read("/proc/uptime").split_whitespace().next().and_then(|v| v.parse().ok()).unwrap_or(0.0);
    let loadavg: Vec<f64> = read("/proc/loadavg").split_whitespace().take(3).filter_map(|v| v.parse().ok()).collect();
    let cpuinfo = read("/proc/cpuinfo");
    let models: Vec<&str> =
        cpuinfo.lines().filter_map(|l| l.strip_prefix("model name")?.split_once(':').map(|(_, m)| m.trim())).collect();
    let n = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let cpus: Vec<Value> =
        (0..n).map(|i| json!({"model": models.get(i).or(models.first()).copied().unwrap_or("unknown")})).collect();
    let kind = match std::env::consts::OS {
        "linux" => "Linux",
        "macos" => "Darwin",
        "windows" => "Windows_NT",
        other => other,
    };
    json!({
        "type": kind,
        "platform": std::env::consts::OS,
        "arch": std::env::consts::ARCH,
        "release": read("/proc/sys/kernel/osrelease").trim(),
        "uptime": uptime,
        "loadavg": loadavg,
        "totalmem": meminfo(&mem, "MemTotal"),
        "freemem": meminfo(&mem, "MemAvailable"),
        "cpus": cpus,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_meminfo() {
        let text = "MemTotal:       16318412 kB\nMemFree:         1000 kB\n";
        assert_eq!(super::meminfo(text, "MemTotal"), 16_318_412 * 1024);
        assert_eq!(super::meminfo(text, "MemAvailable"), 0);
    }
}
