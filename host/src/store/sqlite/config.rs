use rusqlite::{OptionalExtension, params};
use serde_json::Value;

use super::SqliteStore;
use super::docs::{collect, decode, encode};
use crate::error::{Error, Result};
use crate::store::ConfigStore;

fn doc_id(doc: &Value) -> Result<&str> {
    doc.get("_id").and_then(Value::as_str).ok_or_else(|| Error::Internal(anyhow::anyhow!("document without _id")))
}

impl SqliteStore {
    fn all_in(&self, table: &str) -> Result<Vec<Value>> {
        self.read(|c| collect(&mut *c.prepare_cached(&format!("SELECT doc FROM {table} ORDER BY id"))?, []))
    }

    fn put_in(&self, table: &str, doc: &Value) -> Result<()> {
        let id = doc_id(doc)?;
        self.write(|tx| {
            tx.execute(
                &format!(
                    "INSERT INTO {table} (id, doc) VALUES (?1, ?2) ON CONFLICT(id) DO UPDATE SET doc = excluded.doc"
                ),
                params![id, encode(doc)?],
            )?;
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

    fn roles(&self) -> Result<Vec<Value>> {
        self.all_in("roles")
    }

    fn put_role(&self, doc: &Value) -> Result<()> {
        self.put_in("roles", doc)
    }

    fn delete_role(&self, id: &str) -> Result<()> {
        self.write(|tx| {
            tx.execute("DELETE FROM roles WHERE id = ?1", [id])?;
            Ok(())
        })
    }

    fn permissions(&self) -> Result<Vec<Value>> {
        self.all_in("permissions")
    }

    fn put_permission(&self, doc: &Value) -> Result<()> {
        self.put_in("permissions", doc)
    }

    fn put_doc(&self, collection: &str, id: &str, doc: &Value) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO docs (collection, id, doc) VALUES (?1, ?2, ?3)
                 ON CONFLICT(collection, id) DO UPDATE SET doc = excluded.doc",
                params![collection, id, encode(doc)?],
            )?;
            Ok(())
        })
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
        self.write(|tx| {
            tx.execute("DELETE FROM docs WHERE collection = ?1 AND id = ?2", [collection, id])?;
            Ok(())
        })
    }
}
