use rusqlite::{OptionalExtension, params};

use super::SqliteStore;
use super::docs::{collect, decode, encode};
use crate::error::Result;
use crate::store::{Upload, UploadStore};
use crate::time::Date;

/// The `expires_at` column: set while an upload waits for its message.
fn expiry(u: &Upload) -> Option<i64> {
    if u.complete { None } else { u.expires_at.map(|d| d.0) }
}

impl UploadStore for SqliteStore {
    fn insert_upload(&self, u: &Upload) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO uploads (id, rid, user_id, created_at, expires_at, doc) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![u.id, u.rid, u.user_id, u.uploaded_at.0, expiry(u), encode(u)?],
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

    fn save_upload(&self, u: &Upload) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "UPDATE uploads SET expires_at = ?2, doc = ?3 WHERE id = ?1",
                params![u.id, expiry(u), encode(u)?],
            )?;
            Ok(())
        })
    }

    fn delete_upload(&self, id: &str) -> Result<()> {
        self.write(|tx| {
            tx.execute("DELETE FROM uploads WHERE id = ?1", [id])?;
            Ok(())
        })
    }

    fn uploads_of_room(&self, rid: &str) -> Result<Vec<Upload>> {
        self.read(|c| {
            collect(&mut *c.prepare_cached("SELECT doc FROM uploads WHERE rid = ?1 ORDER BY created_at")?, [rid])
        })
    }

    fn room_images(
        &self,
        rid: &str,
        until: Option<Date>,
        offset: usize,
        limit: Option<usize>,
    ) -> Result<(Vec<Upload>, usize)> {
        const WHERE: &str = "WHERE rid = ?1 AND created_at <= ?2 AND expires_at IS NULL \
             AND json_extract(doc, '$.complete') = 1 AND json_extract(doc, '$.type') LIKE 'image/%'";
        let until = until.map_or(i64::MAX, |d| d.0);
        self.read(|c| {
            let total: i64 = c
                .prepare_cached(&format!("SELECT COUNT(*) FROM uploads {WHERE}"))?
                .query_row(params![rid, until], |r| r.get(0))?;
            let page = collect(
                &mut *c.prepare_cached(&format!(
                    "SELECT doc FROM uploads {WHERE} ORDER BY created_at DESC, id DESC LIMIT ?3 OFFSET ?4"
                ))?,
                params![rid, until, limit.map_or(-1, |l| l as i64), offset as i64],
            )?;
            Ok((page, total as usize))
        })
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

    fn expired_uploads(&self, now: Date) -> Result<Vec<Upload>> {
        self.read(|c| {
            collect(
                &mut *c.prepare_cached("SELECT doc FROM uploads WHERE expires_at IS NOT NULL AND expires_at <= ?1")?,
                [now.0],
            )
        })
    }
}
