//! Server statistics (`statistics`, `statistics.list`): real counts of users, rooms and messages
//! plus facts about the host and the process, saved as snapshots like Rocket.Chat's
//! `rocketchat_statistics` collection.

use std::collections::BTreeMap;
use std::sync::OnceLock;
use std::time::Instant;

use serde::Serialize;
use serde_json::Value;

use super::Services;
use crate::error::{Error, Kind, Result};
use crate::models::{
    Cpu, DeployInfo, HostFigures, OsInfo, ProcessInfo, RoomFigures, RoomType, StatisticsSnapshot, User, UserFigures,
};
use crate::store::{record_doc, records};
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

/// A running server instance (`instances.get`), shaped as upstream's instance records.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Instance {
    pub address: String,
    pub current_status: InstanceStatus,
    pub instance_record: InstanceRecord,
    pub broadcast_auth: bool,
}

/// How an instance is reached from this one.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InstanceStatus {
    pub connected: bool,
    pub local: bool,
    pub last_heartbeat_time: Date,
}

/// An instance's record: its id, when it started, and where it runs.
#[derive(Debug, Clone, Serialize)]
pub struct InstanceRecord {
    #[serde(rename = "_id")]
    pub id: String,
    #[serde(rename = "_createdAt")]
    pub created_at: Date,
    #[serde(rename = "_updatedAt")]
    pub updated_at: Date,
    pub name: String,
    pub pid: u32,
    #[serde(rename = "extraInformation")]
    pub extra_information: InstanceHost,
}

/// Where an instance runs.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InstanceHost {
    pub host: String,
    /// The port, as a string.
    pub port: String,
    pub os: OsInfo,
    pub node_version: String,
}

/// What Orbit reports in Node's place (`nodeVersion`).
fn node_version() -> String {
    format!("orbit-{}", env!("CARGO_PKG_VERSION"))
}

fn denied() -> Error {
    Error::from(Kind::NotAllowed)
}

impl Statistics<'_> {
    /// `statistics`: the latest snapshot, or a fresh one with `refresh` (or when none exists).
    /// Needs `view-statistics`.
    pub fn last(&self, user: &User, refresh: bool) -> Result<StatisticsSnapshot> {
        if !self.0.authz().can(user, "view-statistics", None)? {
            return Err(denied());
        }
        if !refresh && let Some(last) = self.snapshots()?.into_iter().next() {
            return Ok(last);
        }
        let stats = self.compute()?;
        self.0.store.put_doc(COLLECTION, &stats.id, &record_doc(&stats)?)?;
        Ok(stats)
    }

    /// `statistics.list`: every saved snapshot, newest first. Needs `view-statistics`.
    pub fn list(&self, user: &User) -> Result<Vec<StatisticsSnapshot>> {
        if !self.0.authz().can(user, "view-statistics", None)? {
            return Err(denied());
        }
        self.snapshots()
    }

    /// `instances.get` (`view-statistics`): the running server instances, shaped as upstream's
    /// instance records. Orbit serves from one process, so the list holds that process.
    pub fn instances(&self, user: &User) -> Result<Vec<Instance>> {
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
        Ok(vec![Instance {
            address,
            current_status: InstanceStatus { connected: true, local: true, last_heartbeat_time: now },
            instance_record: InstanceRecord {
                id: id.clone(),
                created_at: started,
                updated_at: now,
                name: "orbit".into(),
                pid: std::process::id(),
                extra_information: InstanceHost {
                    host,
                    port: port.to_string(),
                    os: os_info(),
                    node_version: node_version(),
                },
            },
            broadcast_auth: true,
        }])
    }

    fn snapshots(&self) -> Result<Vec<StatisticsSnapshot>> {
        let mut snapshots: Vec<StatisticsSnapshot> = records(self.0.store.docs(COLLECTION)?)?;
        snapshots.sort_by_key(|s| std::cmp::Reverse(s.host.created_at));
        Ok(snapshots)
    }

    /// Counts everything now.
    pub fn compute(&self) -> Result<StatisticsSnapshot> {
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

        let user_figures = UserFigures {
            total_users,
            active_users: count(&|u| u.active && u.kind != "app" && !is_guest(u)),
            active_guests: count(&|u| u.active && is_guest(u)),
            non_active_users: count(&|u| !u.active),
            app_users: count(&|u| u.kind == "app"),
            online_users: online,
            away_users: away,
            busy_users: busy,
            total_connected_users: online + away + busy,
            offline_users: total_users - online - away - busy,
            user_languages: languages,
        };
        let room_figures = RoomFigures {
            total_rooms: rooms.len(),
            total_channels: rooms_of(RoomType::Channel),
            total_private_groups: rooms_of(RoomType::Private),
            total_direct: rooms_of(RoomType::Direct),
            total_livechat: rooms_of(RoomType::Livechat),
            total_discussions: discussions.len(),
            total_threads: figures.threads,
            total_channel_messages: msgs_of(RoomType::Channel),
            total_private_group_messages: msgs_of(RoomType::Private),
            total_direct_messages: msgs_of(RoomType::Direct),
            total_livechat_messages: msgs_of(RoomType::Livechat),
            total_discussions_messages: discussions.iter().map(|r| r.msgs).sum(),
            total_messages: rooms.iter().map(|r| r.msgs).sum(),
        };
        let env_or = |key: &str, default: &str| std::env::var(key).unwrap_or_else(|_| default.into());
        let host = HostFigures {
            last_login,
            last_message_sent_at: last_message,
            last_seen_subscription: figures.last_seen_subscription.map(Date),
            livechat_enabled: svc.settings.bool("Livechat_enabled"),
            read_receipts_enabled: svc.settings.bool("Message_Read_Receipt_Enabled"),
            read_receipts_detailed: svc.settings.bool("Message_Read_Receipt_Store_Users"),
            os: os_info(),
            process: ProcessInfo { node_version: node_version(), pid: std::process::id(), uptime: uptime_secs() },
            deploy: DeployInfo {
                method: env_or("DEPLOY_METHOD", "binary"),
                platform: env_or("DEPLOY_PLATFORM", "selfinstall"),
            },
            instance_count: 1,
            ms_enabled: false,
            oplog_enabled: false,
            enterprise_ready: false,
            created_at: now,
        };
        Ok(StatisticsSnapshot {
            id: crate::ids::random_id(),
            wizard: Default::default(),
            unique_id: svc.settings.string("uniqueID"),
            installed_at,
            version: RC_VERSION.into(),
            tag: String::new(),
            branch: String::new(),
            users: user_figures,
            rooms: room_figures,
            host,
        })
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
fn os_info() -> OsInfo {
    let mem = read("/proc/meminfo");
    let uptime: f64 = read("/proc/uptime").split_whitespace().next().and_then(|v| v.parse().ok()).unwrap_or(0.0);
    let loadavg: Vec<f64> = read("/proc/loadavg").split_whitespace().take(3).filter_map(|v| v.parse().ok()).collect();
    let cpuinfo = read("/proc/cpuinfo");
    let models: Vec<&str> =
        cpuinfo.lines().filter_map(|l| l.strip_prefix("model name")?.split_once(':').map(|(_, m)| m.trim())).collect();
    let n = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let cpus = (0..n)
        .map(|i| Cpu { model: models.get(i).or(models.first()).copied().unwrap_or("unknown").to_string() })
        .collect();
    let kind = match std::env::consts::OS {
        "linux" => "Linux",
        "macos" => "Darwin",
        "windows" => "Windows_NT",
        other => other,
    };
    OsInfo {
        kind: kind.to_string(),
        platform: std::env::consts::OS.to_string(),
        arch: std::env::consts::ARCH.to_string(),
        release: read("/proc/sys/kernel/osrelease").trim().to_string(),
        uptime,
        loadavg,
        totalmem: meminfo(&mem, "MemTotal"),
        freemem: meminfo(&mem, "MemAvailable"),
        cpus,
    }
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
