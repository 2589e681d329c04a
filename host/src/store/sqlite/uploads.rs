use rusqlite::{OptionalExtension, params};

use super::SqliteStore;
use super::docs::{collect, decode, encode};
use crate::error::Result;
use crate::store::{Upload, UploadStore};
use crate::time::Date;

impl UploadStore for SqliteStore {
    fn insert_upload(&self, u: &Upload) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO uploads (id, rid, user_id, created_at, doc) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![u.id, u.rid, u.user_id, u.uploaded_at.0, encode(u)?],
            )?;
            Ok(())
        })
    }

    fn upload(&self, id: &str) -> Result<Option<Upload>> {
        self.read(|c| {
            let doc: Option<String> =
                c.prepare_cached("SELECT doc FROM uploads WHERE id = ?1")?.query_row([id], |r| r.get(0)).optional()?;
            doc.map(|d| decode(&d)).transpose()
        })
    }

    fn complete_upload(&self, id: &str, mid: &str, description: Option<&str>) -> Result<Option<Upload>> {
        self.write(|tx| {
            let doc: Option<String> =
                tx.prepare_cached("SELECT doc FROM uploads WHERE id = ?1")?.query_row([id], |r| r.get(0)).optional()?;
            let Some(doc) = doc else { return Ok(None) };
            let mut u: Upload = decode(&doc)?;
            u.complete = true;
            u.mid = Some(mid.to_string());
            u.description = description.map(String::from);
            u.updated_at = Date::now();
            tx.execute("UPDATE uploads SET doc = ?2 WHERE id = ?1", params![id, encode(&u)?])?;
            Ok(Some(u))
        })
    }

    fn delete_upload(&self, id: &str) -> Result<()> {
        self.write(|tx| {
            tx.execute("DELETE FROM uploads WHERE id = ?1", [id])?;
            Ok(())
        })
    }

    fn uploads_of_room(&self, rid: &str) -> Result<Vec<Upload>> {
        self.read(|c| collect(&mut *c.prepare_cached("SELECT doc FROM uploads WHERE rid = ?1")?, [rid]))
    }

    fn uploads_of_messages(&self, mids: &[String]) -> Result<Vec<Upload>> {
        if mids.is_empty() {
            return Ok(Vec::new());
        }
        let ids = serde_json::to_string(mids)?;
        self.read(|c| {
            collect(
                &mut *c.prepare_cached(
                    "SELECT doc FROM uploads WHERE json_extract(doc, '$.mid') IN (SELECT value FROM json_each(?1))",
                )?,
                [ids],
            )
        })
    }
}
