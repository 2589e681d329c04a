use rusqlite::{OptionalExtension, params};

use super::SqliteStore;
use super::docs::{collect, decode, encode};
use crate::error::Result;
use crate::store::{Page, Paged, Upload, UploadStore};
use crate::time::Date;

/// The `expires_at` column: set while an upload waits for its message.
fn expiry(u: &Upload) -> Option<i64> {
    if u.complete { None } else { u.expires_at.map(|d| d.0) }
}

impl UploadStore for SqliteStore {
    fn insert_upload(&self, u: &Upload) -> Result<()> {
        self.execute(
            "INSERT INTO uploads (id, rid, user_id, created_at, expires_at, doc) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![u.id, u.rid, u.user_id, u.uploaded_at.0, expiry(u), encode(u)?],
        )
    }

    fn upload(&self, id: &str) -> Result<Option<Upload>> {
        self.read(|c| {
            let doc: Option<String> =
                c.prepare_cached("SELECT doc FROM uploads WHERE id = ?1")?.query_row([id], |r| r.get(0)).optional()?;
            doc.map(|d| decode(&d)).transpose()
        })
    }

    fn save_upload(&self, u: &Upload) -> Result<()> {
        self.execute("UPDATE uploads SET expires_at = ?2, doc = ?3 WHERE id = ?1", params![u.id, expiry(u), encode(u)?])
    }

    fn delete_upload(&self, id: &str) -> Result<()> {
        self.execute("DELETE FROM uploads WHERE id = ?1", [id])
    }

    fn uploads_of_room(&self, rid: &str) -> Result<Vec<Upload>> {
        self.read(|c| {
            collect(&mut *c.prepare_cached("SELECT doc FROM uploads WHERE rid = ?1 ORDER BY created_at")?, [rid])
        })
    }

    fn room_images(&self, rid: &str, until: Option<Date>, page: Page) -> Result<Paged<Upload>> {
        const WHERE: &str = "WHERE rid = ?1 AND created_at <= ?2 AND expires_at IS NULL \
             AND json_extract(doc, '$.complete') = 1 AND json_extract(doc, '$.type') LIKE 'image/%'";
        let until = until.map_or(i64::MAX, |d| d.0);
        let (limit, offset) = page.sql();
        self.read(|c| {
            let total: i64 = c
                .prepare_cached(&format!("SELECT COUNT(*) FROM uploads {WHERE}"))?
                .query_row(params![rid, until], |r| r.get(0))?;
            let page = collect(
                &mut *c.prepare_cached(&format!(
                    "SELECT doc FROM uploads {WHERE} ORDER BY created_at DESC, id DESC LIMIT ?3 OFFSET ?4"
                ))?,
                params![rid, until, limit, offset],
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

#[cfg(test)]
mod tests {
    use super::*;

    fn upload(id: &str, ty: &str, at: i64) -> Upload {
        Upload {
            id: id.into(),
            rid: "R".into(),
            user_id: "U".into(),
            name: format!("{id}.bin"),
            content_type: ty.into(),
            size: 1,
            uploaded_at: Date(at),
            updated_at: Date(at),
            expires_at: Some(Date(at + 1000)),
            ..Default::default()
        }
    }

    #[test]
    fn expiry_completion_and_images() {
        let dir = std::env::temp_dir().join(format!("orbit-uploads-store-{}", crate::ids::random_id()));
        let store = SqliteStore::open(&dir).unwrap();
        for (id, ty, at) in
            [("a", "image/png", 10), ("b", "text/plain", 20), ("c", "image/gif", 30), ("d", "image/png", 40)]
        {
            store.insert_upload(&upload(id, ty, at)).unwrap();
        }
        // Waiting uploads expire; they are not images of the room yet.
        let ids = |v: Vec<Upload>| v.into_iter().map(|u| u.id).collect::<Vec<_>>();
        assert_eq!(ids(store.expired_uploads(Date(1025)).unwrap()), ["a", "b"]);
        assert_eq!(store.room_images("R", None, Page::ALL).unwrap().1, 0);
        for id in ["a", "b", "c"] {
            let mut u = store.upload(id).unwrap().unwrap();
            u.complete = true;
            u.mid = Some(format!("m-{id}"));
            store.save_upload(&u).unwrap();
        }
        // Completed ones never expire.
        assert_eq!(ids(store.expired_uploads(Date(i64::MAX)).unwrap()), ["d"]);
        let (page, total) = store.room_images("R", None, Page::ALL).unwrap();
        assert_eq!((ids(page), total), (vec!["c".to_string(), "a".to_string()], 2));
        let (page, total) = store.room_images("R", Some(Date(10)), Page { offset: 0, limit: Some(5) }).unwrap();
        assert_eq!((ids(page), total), (vec!["a".to_string()], 1));
        assert_eq!(store.room_images("R", None, Page { offset: 1, limit: Some(1) }).unwrap().0.len(), 1);
        assert_eq!(ids(store.uploads_of_messages(&["m-b".into(), "m-x".into()]).unwrap()), ["b"]);
        store.delete_upload("b").unwrap();
        assert!(store.upload("b").unwrap().is_none());
        assert_eq!(store.uploads_of_room("R").unwrap().len(), 3);
        let _ = std::fs::remove_dir_all(dir);
    }
}
