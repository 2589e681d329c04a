use rusqlite::{OptionalExtension, params};

use super::SqliteStore;
use super::docs::{decode, encode};
use crate::error::Result;
use crate::models::User;
use crate::store::{AvatarFile, AvatarStore, NewAvatar};
use crate::time::Date;

impl AvatarStore for SqliteStore {
    fn set_user_avatar(&self, user_id: &str, avatar: Option<NewAvatar<'_>>) -> Result<Option<User>> {
        self.write(|tx| {
            let doc: Option<String> = tx
                .prepare_cached("SELECT doc FROM users WHERE id = ?1")?
                .query_row([user_id], |r| r.get(0))
                .optional()?;
            let Some(doc) = doc else { return Ok(None) };
            let mut user: User = decode(&doc)?;
            match &avatar {
                Some(a) => {
                    tx.execute(
                        "INSERT INTO avatars (user_id, content_type, data, etag, uploaded_at)
                         VALUES (?1, ?2, ?3, ?4, ?5)
                         ON CONFLICT(user_id) DO UPDATE SET content_type = excluded.content_type,
                             data = excluded.data, etag = excluded.etag, uploaded_at = excluded.uploaded_at",
                        params![user_id, a.content_type, a.data, a.etag, a.at.0],
                    )?;
                    user.avatar_etag = Some(a.etag.to_string());
                    user.avatar_origin = Some(a.origin.to_string());
                    user.updated_at = a.at;
                }
                None => {
                    tx.execute("DELETE FROM avatars WHERE user_id = ?1", [user_id])?;
                    user.avatar_etag = None;
                    user.avatar_origin = None;
                    user.updated_at = Date::now();
                }
            }
            tx.execute("UPDATE users SET doc = ?2 WHERE id = ?1", params![user_id, encode(&user)?])?;
            Ok(Some(user))
        })
    }

    fn user_avatar(&self, user_id: &str) -> Result<Option<AvatarFile>> {
        self.read(|c| {
            Ok(c.prepare_cached("SELECT content_type, data, etag, uploaded_at FROM avatars WHERE user_id = ?1")?
                .query_row([user_id], |r| {
                    Ok(AvatarFile {
                        content_type: r.get(0)?,
                        data: r.get(1)?,
                        etag: r.get::<_, Option<String>>(2)?.unwrap_or_default(),
                        uploaded_at: Date(r.get(3)?),
                    })
                })
                .optional()?)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{AccountStore, Credentials};

    #[test]
    fn avatars_are_stored_with_the_user_and_go_with_them() {
        let dir = std::env::temp_dir().join(format!("orbit-avatars-{}", crate::ids::random_id()));
        let store = SqliteStore::open(&dir).unwrap();
        let user = User { id: "u1".into(), username: "bob".into(), active: true, ..User::default() };
        store.insert_user(&user, &Credentials::default()).unwrap();
        assert!(store.user_avatar("u1").unwrap().is_none());
        let at = Date(1_700_000_000_000);
        let new = NewAvatar { content_type: "image/png", data: b"png", etag: "E1", origin: "rest", at };
        let updated = store.set_user_avatar("u1", Some(new)).unwrap().unwrap();
        assert_eq!((updated.avatar_etag.as_deref(), updated.avatar_origin.as_deref()), (Some("E1"), Some("rest")));
        let file = store.user_avatar("u1").unwrap().unwrap();
        assert_eq!(
            (file.content_type.as_str(), file.data.as_slice(), file.etag.as_str()),
            ("image/png", &b"png"[..], "E1")
        );
        assert_eq!(file.uploaded_at, at);
        assert_eq!(store.user_by_id("u1").unwrap().unwrap().avatar_etag.as_deref(), Some("E1"));
        // Removing clears the user's fields; unknown users change nothing.
        let cleared = store.set_user_avatar("u1", None).unwrap().unwrap();
        assert!(cleared.avatar_etag.is_none() && cleared.avatar_origin.is_none());
        assert!(store.user_avatar("u1").unwrap().is_none());
        let new = NewAvatar { content_type: "image/png", data: b"png", etag: "E2", origin: "rest", at };
        assert!(store.set_user_avatar("nobody", Some(new)).unwrap().is_none());
        assert!(store.user_avatar("nobody").unwrap().is_none());
        // Deleting the user deletes the image.
        let new = NewAvatar { content_type: "image/gif", data: b"gif", etag: "E3", origin: "url", at };
        store.set_user_avatar("u1", Some(new)).unwrap();
        store.delete_user("u1").unwrap();
        assert!(store.user_avatar("u1").unwrap().is_none());
        drop(store);
        let _ = std::fs::remove_dir_all(dir);
    }
}
