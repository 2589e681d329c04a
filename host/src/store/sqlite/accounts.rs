use rusqlite::{OptionalExtension, params};

use super::SqliteStore;
use super::docs::{collect, decode, encode};
use crate::error::{Error, Result};
use crate::models::User;
use crate::store::{AccountStore, Credentials, LoginToken};

fn unique_violation(e: rusqlite::Error) -> Error {
    match &e {
        rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::ConstraintViolation => {
            Error::bad("error-field-unavailable", "Username or email is already in use")
        }
        _ => e.into(),
    }
}

impl AccountStore for SqliteStore {
    fn insert_user(&self, user: &User, credentials: &Credentials) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO users (id, username, email, created_at, doc) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![user.id, user.username, user.email(), user.created_at.0, encode(user)?],
            )
            .map_err(unique_violation)?;
            tx.execute(
                "INSERT INTO credentials (user_id, doc) VALUES (?1, ?2)",
                params![user.id, encode(credentials)?],
            )?;
            Ok(())
        })
    }

    fn update_user(&self, user: &User) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "UPDATE users SET username = ?2, email = ?3, doc = ?4 WHERE id = ?1",
                params![user.id, user.username, user.email(), encode(user)?],
            )
            .map_err(unique_violation)?;
            Ok(())
        })
    }

    fn modify_user(&self, id: &str, f: &mut dyn FnMut(&mut User)) -> Result<Option<User>> {
        self.write(|tx| {
            let doc: Option<String> =
                tx.prepare_cached("SELECT doc FROM users WHERE id = ?1")?.query_row([id], |r| r.get(0)).optional()?;
            let Some(doc) = doc else { return Ok(None) };
            let mut user: User = decode(&doc)?;
            f(&mut user);
            tx.execute(
                "UPDATE users SET username = ?2, email = ?3, doc = ?4 WHERE id = ?1",
                params![id, user.username, user.email(), encode(&user)?],
            )
            .map_err(unique_violation)?;
            Ok(Some(user))
        })
    }

    fn delete_user(&self, id: &str) -> Result<()> {
        self.write(|tx| {
            tx.execute("DELETE FROM users WHERE id = ?1", [id])?;
            Ok(())
        })
    }

    fn user_by_id(&self, id: &str) -> Result<Option<User>> {
        self.read(|c| {
            let doc: Option<String> =
                c.prepare_cached("SELECT doc FROM users WHERE id = ?1")?.query_row([id], |r| r.get(0)).optional()?;
            doc.map(|d| decode(&d)).transpose()
        })
    }

    fn user_by_username(&self, username: &str) -> Result<Option<User>> {
        self.read(|c| {
            let doc: Option<String> = c
                .prepare_cached("SELECT doc FROM users WHERE username = ?1 COLLATE NOCASE")?
                .query_row([username], |r| r.get(0))
                .optional()?;
            doc.map(|d| decode(&d)).transpose()
        })
    }

    fn user_by_email(&self, email: &str) -> Result<Option<User>> {
        self.read(|c| {
            let doc: Option<String> = c
                .prepare_cached("SELECT doc FROM users WHERE email = ?1 COLLATE NOCASE")?
                .query_row([email], |r| r.get(0))
                .optional()?;
            doc.map(|d| decode(&d)).transpose()
        })
    }

    fn users_by_ids(&self, ids: &[String]) -> Result<Vec<User>> {
        self.read(|c| {
            let mut stmt = c.prepare_cached("SELECT doc FROM users WHERE id IN (SELECT value FROM json_each(?1))")?;
            collect(&mut stmt, [serde_json::to_string(ids)?])
        })
    }

    fn all_users(&self) -> Result<Vec<User>> {
        self.read(|c| collect(&mut *c.prepare_cached("SELECT doc FROM users ORDER BY created_at, id")?, []))
    }

    fn count_users_with_role(&self, role: &str) -> Result<i64> {
        self.read(|c| {
            Ok(c.prepare_cached(
                "SELECT count(*) FROM users WHERE EXISTS (SELECT 1 FROM json_each(users.doc, '$.roles') WHERE value = ?1)",
            )?
            .query_row([role], |r| r.get(0))?)
        })
    }

    fn credentials(&self, user_id: &str) -> Result<Credentials> {
        self.read(|c| {
            let doc: Option<String> = c
                .prepare_cached("SELECT doc FROM credentials WHERE user_id = ?1")?
                .query_row([user_id], |r| r.get(0))
                .optional()?;
            Ok(doc.map(|d| decode(&d)).transpose()?.unwrap_or_default())
        })
    }

    fn set_credentials(&self, user_id: &str, credentials: &Credentials) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO credentials (user_id, doc) VALUES (?1, ?2)
                 ON CONFLICT(user_id) DO UPDATE SET doc = excluded.doc",
                params![user_id, encode(credentials)?],
            )?;
            Ok(())
        })
    }

    fn insert_token(&self, token: &LoginToken) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO login_tokens (hashed_token, user_id, kind, doc) VALUES (?1, ?2, ?3, ?4)",
                params![token.hashed_token, token.user_id, token.kind, encode(token)?],
            )?;
            Ok(())
        })
    }

    fn token(&self, hashed_token: &str) -> Result<Option<LoginToken>> {
        self.read(|c| {
            let doc: Option<String> = c
                .prepare_cached("SELECT doc FROM login_tokens WHERE hashed_token = ?1")?
                .query_row([hashed_token], |r| r.get(0))
                .optional()?;
            doc.map(|d| decode(&d)).transpose()
        })
    }

    fn delete_token(&self, hashed_token: &str) -> Result<()> {
        self.write(|tx| {
            tx.execute("DELETE FROM login_tokens WHERE hashed_token = ?1", [hashed_token])?;
            Ok(())
        })
    }

    fn user_tokens(&self, user_id: &str, kind: Option<&str>) -> Result<Vec<LoginToken>> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT doc FROM login_tokens WHERE user_id = ?1 AND (?2 IS NULL OR kind = ?2) ORDER BY rowid",
            )?;
            collect(&mut stmt, params![user_id, kind])
        })
    }

    fn delete_sessions_except(&self, user_id: &str, keep: Option<&str>) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "DELETE FROM login_tokens WHERE user_id = ?1 AND kind = 'session' AND hashed_token IS NOT ?2",
                params![user_id, keep],
            )?;
            Ok(())
        })
    }

    fn set_avatar(&self, user_id: &str, avatar: Option<(&str, &[u8])>) -> Result<()> {
        self.write(|tx| {
            match avatar {
                Some((content_type, data)) => tx.execute(
                    "INSERT INTO avatars (user_id, content_type, data) VALUES (?1, ?2, ?3)
                     ON CONFLICT(user_id) DO UPDATE SET content_type = excluded.content_type, data = excluded.data",
                    params![user_id, content_type, data],
                )?,
                None => tx.execute("DELETE FROM avatars WHERE user_id = ?1", [user_id])?,
            };
            Ok(())
        })
    }

    fn avatar(&self, user_id: &str) -> Result<Option<(String, Vec<u8>)>> {
        self.read(|c| {
            Ok(c.prepare_cached("SELECT content_type, data FROM avatars WHERE user_id = ?1")?
                .query_row([user_id], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?)
        })
    }

    fn rename_user(&self, user_id: &str, old: &str, new: &str) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "UPDATE subscriptions SET doc = json_set(doc, '$.u.username', ?2) WHERE user_id = ?1",
                params![user_id, new],
            )?;
            tx.execute(
                "UPDATE subscriptions SET doc = json_set(doc, '$.name', ?3, '$.fname', ?3)
                 WHERE user_id != ?1 AND json_extract(doc, '$.t') = 'd' AND json_extract(doc, '$.name') = ?2
                   AND rid IN (SELECT rid FROM subscriptions WHERE user_id = ?1)",
                params![user_id, old, new],
            )?;
            // Arrays of usernames: rewrite the element equal to the old name.
            for path in ["$.usernames", "$.muted"] {
                tx.execute(
                    &format!(
                        "UPDATE rooms SET doc = json_set(doc, '{path}', (
                             SELECT json_group_array(CASE WHEN value = ?1 THEN ?2 ELSE value END)
                             FROM json_each(doc, '{path}')))
                         WHERE EXISTS (SELECT 1 FROM json_each(doc, '{path}') WHERE value = ?1)"
                    ),
                    params![old, new],
                )?;
            }
            tx.execute(
                "UPDATE rooms SET doc = json_set(doc, '$.u.username', ?2) WHERE json_extract(doc, '$.u._id') = ?1",
                params![user_id, new],
            )?;
            tx.execute(
                "UPDATE messages SET doc = json_set(doc, '$.u.username', ?2) WHERE json_extract(doc, '$.u._id') = ?1",
                params![user_id, new],
            )?;
            Ok(())
        })
    }
}
