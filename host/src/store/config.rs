use serde_json::Value;

use crate::error::Result;

/// Settings, roles, permissions and small server records (outbox, key-value state).
pub trait ConfigStore {
    /// All setting documents.
    fn settings(&self) -> Result<Vec<Value>>;
    /// Inserts or replaces a setting document (keyed by its `_id`).
    fn put_setting(&self, doc: &Value) -> Result<()>;
    fn roles(&self) -> Result<Vec<Value>>;
    fn put_role(&self, doc: &Value) -> Result<()>;
    fn delete_role(&self, id: &str) -> Result<()>;
    fn permissions(&self) -> Result<Vec<Value>>;
    fn put_permission(&self, doc: &Value) -> Result<()>;
    /// Puts a document in a small named collection (`outbox`, `server`, …).
    fn put_doc(&self, collection: &str, id: &str, doc: &Value) -> Result<()>;
    fn doc(&self, collection: &str, id: &str) -> Result<Option<Value>>;
    fn docs(&self, collection: &str) -> Result<Vec<Value>>;
    fn delete_doc(&self, collection: &str, id: &str) -> Result<()>;
}
