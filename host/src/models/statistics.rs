use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::time::Date;

/// A statistics snapshot (`IStats`), as `statistics` computes it and `statistics.list` keeps it.
/// Missing fields read as zero, so snapshots of older versions still load.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct StatisticsSnapshot {
    #[serde(rename = "_id")]
    pub id: String,
    pub wizard: Map<String, Value>,
    pub unique_id: String,
    pub installed_at: Date,
    pub version: String,
    pub tag: String,
    pub branch: String,
    #[serde(flatten)]
    pub users: UserFigures,
    #[serde(flatten)]
    pub rooms: RoomFigures,
    #[serde(flatten)]
    pub host: HostFigures,
}

/// The user counts of a snapshot.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct UserFigures {
    pub total_users: usize,
    pub active_users: usize,
    pub active_guests: usize,
    pub non_active_users: usize,
    pub app_users: usize,
    pub online_users: usize,
    pub away_users: usize,
    pub busy_users: usize,
    pub total_connected_users: usize,
    pub offline_users: usize,
    /// Users by language (`none` without one).
    pub user_languages: BTreeMap<String, usize>,
}

/// The room and message counts of a snapshot.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RoomFigures {
    pub total_rooms: usize,
    pub total_channels: usize,
    pub total_private_groups: usize,
    pub total_direct: usize,
    pub total_livechat: usize,
    pub total_discussions: usize,
    pub total_threads: i64,
    pub total_channel_messages: i64,
    pub total_private_group_messages: i64,
    pub total_direct_messages: i64,
    pub total_livechat_messages: i64,
    pub total_discussions_messages: i64,
    pub total_messages: i64,
}

/// Activity, features and the host and process of a snapshot.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct HostFigures {
    pub last_login: Option<Date>,
    pub last_message_sent_at: Option<Date>,
    pub last_seen_subscription: Option<Date>,
    pub livechat_enabled: bool,
    pub read_receipts_enabled: bool,
    pub read_receipts_detailed: bool,
    pub os: OsInfo,
    pub process: ProcessInfo,
    pub deploy: DeployInfo,
    pub instance_count: u32,
    pub ms_enabled: bool,
    pub oplog_enabled: bool,
    pub enterprise_ready: bool,
    pub created_at: Date,
}

/// The host, as Node's `os` module describes it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct OsInfo {
    /// `Linux`, `Darwin`, `Windows_NT`, …
    #[serde(rename = "type")]
    pub kind: String,
    pub platform: String,
    pub arch: String,
    pub release: String,
    /// Seconds since the host booted.
    pub uptime: f64,
    pub loadavg: Vec<f64>,
    /// Bytes.
    pub totalmem: u64,
    /// Bytes.
    pub freemem: u64,
    pub cpus: Vec<Cpu>,
}

/// One CPU of the host.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Cpu {
    pub model: String,
}

/// The server process.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ProcessInfo {
    pub node_version: String,
    pub pid: u32,
    /// Seconds since the services started.
    pub uptime: f64,
}

/// How the server was deployed (`DEPLOY_METHOD`, `DEPLOY_PLATFORM`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct DeployInfo {
    pub method: String,
    pub platform: String,
}
