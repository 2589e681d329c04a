use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use serde_json::Value;

use super::SqliteStore;
use super::docs::{collect, decode, encode};
use crate::error::{Error, Result};
use crate::models::{Permission, Role};
use crate::store::{ConfigStore, UsageFigures, record_doc};

fn doc_id(doc: &Value) -> Result<&str> {
    doc.get("_id").and_then(Value::as_str).ok_or_else(|| Error::Internal(anyhow::anyhow!("document without _id")))
}

fn as_docs<T: Serialize>(records: &[T]) -> Result<Vec<Value>> {
    records.iter().map(record_doc).collect()
}

impl SqliteStore {
    fn all_in<T: serde::de::DeserializeOwned>(&self, table: &str) -> Result<Vec<T>> {
        self.read(|c| collect(&mut *c.prepare_cached(&format!("SELECT doc FROM {table} ORDER BY id"))?, []))
    }

    fn put_in(&self, table: &str, doc: &Value) -> Result<()> {
        self.put_all_in(table, std::slice::from_ref(doc))
    }

    /// Upserts documents in one transaction: one disk sync for all of them.
    fn put_all_in(&self, table: &str, docs: &[Value]) -> Result<()> {
        if docs.is_empty() {
            return Ok(());
        }
        self.write(|tx| {
            let mut stmt = tx.prepare_cached(&format!(
                "INSERT INTO {table} (id, doc) VALUES (?1, ?2) ON CONFLICT(id) DO UPDATE SET doc = excluded.doc"
            ))?;
            for doc in docs {
                stmt.execute(params![doc_id(doc)?, encode(doc)?])?;
            }
            Ok(())
        })
    }
}

impl ConfigStore for SqliteStore {
    fn settings(&self) -> Result<Vec<Value>> {
        self.all_in("settings")
    }

    fn put_setting(&self, doc: &Value) -> Result<()> {
        self.put_in("settings", doc)
    }

    fn put_settings(&self, docs: &[Value]) -> Result<()> {
        self.put_all_in("settings", docs)
    }

    fn roles(&self) -> Result<Vec<Role>> {
        self.all_in("roles")
    }

    fn put_role(&self, role: &Role) -> Result<()> {
        self.put_roles(std::slice::from_ref(role))
    }

    fn put_roles(&self, roles: &[Role]) -> Result<()> {
        self.put_all_in("roles", &as_docs(roles)?)
    }

    fn delete_role(&self, id: &str) -> Result<()> {
        self.execute("DELETE FROM roles WHERE id = ?1", [id])
    }

    fn permissions(&self) -> Result<Vec<Permission>> {
        self.all_in("permissions")
    }

    fn put_permission(&self, permission: &Permission) -> Result<()> {
        self.put_permissions(std::slice::from_ref(permission))
    }

    fn put_permissions(&self, permissions: &[Permission]) -> Result<()> {
        self.put_all_in("permissions", &as_docs(permissions)?)
    }

    fn put_doc(&self, collection: &str, id: &str, doc: &Value) -> Result<()> {
        self.execute(
            "INSERT INTO docs (collection, id, doc) VALUES (?1, ?2, ?3)
                 ON CONFLICT(collection, id) DO UPDATE SET doc = excluded.doc",
            params![collection, id, encode(doc)?],
        )
    }

    fn doc(&self, collection: &str, id: &str) -> Result<Option<Value>> {
        self.read(|c| {
            let doc: Option<String> = c
                .prepare_cached("SELECT doc FROM docs WHERE collection = ?1 AND id = ?2")?
                .query_row([collection, id], |r| r.get(0))
                .optional()?;
            doc.map(|d| decode(&d)).transpose()
        })
    }

    fn docs(&self, collection: &str) -> Result<Vec<Value>> {
        self.read(|c| {
            collect(&mut *c.prepare_cached("SELECT doc FROM docs WHERE collection = ?1 ORDER BY rowid")?, [collection])
        })
    }

    fn delete_doc(&self, collection: &str, id: &str) -> Result<()> {
        self.execute("DELETE FROM docs WHERE collection = ?1 AND id = ?2", [collection, id])
    }

    fn room_role_holders(&self, role: &str, rid: Option<&str>) -> Result<Vec<(String, String)>> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT rid, user_id FROM subscriptions
                 WHERE (?2 IS NULL OR rid = ?2)
                 AND EXISTS (SELECT 1 FROM json_each(subscriptions.doc, '$.roles') WHERE value = ?1)
                 ORDER BY rowid",
            )?;
            let rows = stmt.query_map(params![role, rid], |r| Ok((r.get(0)?, r.get(1)?)))?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    fn usage_figures(&self) -> Result<UsageFigures> {
        self.read(|c| {
            let threads: i64 = c
                .prepare_cached("SELECT count(DISTINCT tmid) FROM messages WHERE tmid IS NOT NULL")?
                .query_row([], |r| r.get(0))?;
            let last_seen: Option<i64> = c
                .prepare_cached("SELECT CAST(max(json_extract(doc, '$.ls')) AS INTEGER) FROM subscriptions")?
                .query_row([], |r| r.get(0))?;
            Ok(UsageFigures { threads, last_seen_subscription: last_seen })
        })
    }
}
