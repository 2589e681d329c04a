use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::Result;
use crate::models::{Permission, Role};

/// Settings, roles, permissions and small server records (outbox, key-value state).
///
/// Role tombstones (for `roles.sync`) live in the `roles_trash` collection of [`ConfigStore::put_doc`],
/// saved statistics in `statistics`.
pub trait ConfigStore {
    /// All setting documents.
    fn settings(&self) -> Result<Vec<Value>>;
    /// Inserts or replaces a setting document (keyed by its `_id`).
    fn put_setting(&self, doc: &Value) -> Result<()>;
    /// Inserts or replaces several settings in one transaction (first-start seeding).
    fn put_settings(&self, docs: &[Value]) -> Result<()>;
    fn roles(&self) -> Result<Vec<Role>>;
    fn put_role(&self, role: &Role) -> Result<()>;
    /// Inserts or replaces several roles in one transaction.
    fn put_roles(&self, roles: &[Role]) -> Result<()>;
    fn delete_role(&self, id: &str) -> Result<()>;
    fn permissions(&self) -> Result<Vec<Permission>>;
    fn put_permission(&self, permission: &Permission) -> Result<()>;
    /// Inserts or replaces several permissions in one transaction.
    fn put_permissions(&self, permissions: &[Permission]) -> Result<()>;
    /// Puts a document in a small named collection (`outbox`, `server`, …).
    fn put_doc(&self, collection: &str, id: &str, doc: &Value) -> Result<()>;
    fn doc(&self, collection: &str, id: &str) -> Result<Option<Value>>;
    fn docs(&self, collection: &str) -> Result<Vec<Value>>;
    fn delete_doc(&self, collection: &str, id: &str) -> Result<()>;

    /// Members holding a room-scoped role, as `(room id, user id)`, in one room or in every room.
    fn room_role_holders(&self, role: &str, rid: Option<&str>) -> Result<Vec<(String, String)>>;
    /// Figures for `statistics` that would otherwise need a scan of big tables: the number of
    /// threads (messages with replies) and the latest `ls` of any subscription (ms).
    fn usage_figures(&self) -> Result<UsageFigures>;
}

/// The documents of a small collection ([`ConfigStore::docs`]) as typed records.
pub fn records<T: DeserializeOwned>(docs: Vec<Value>) -> Result<Vec<T>> {
    docs.into_iter().map(|d| Ok(serde_json::from_value(d)?)).collect()
}

/// A typed record as the document these collections have always stored: dates as ISO-8601
/// strings (the REST form), not the integer form of the typed tables.
pub fn record_doc<T: Serialize>(record: &T) -> Result<Value> {
    Ok(serde_json::to_value(record)?)
}

/// Aggregates computed by the store for the statistics report.
#[derive(Debug, Clone, Default)]
pub struct UsageFigures {
    /// Distinct thread roots (`tmid` of replies).
    pub threads: i64,
    /// The most recent "last seen" of any subscription, in ms.
    pub last_seen_subscription: Option<i64>,
}
