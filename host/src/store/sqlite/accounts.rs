use rusqlite::{OptionalExtension, params};
use serde_json::Value;

use super::SqliteStore;
use super::docs::{collect, decode, encode, rewrite};
use crate::error::{Error, Kind, Result};
use crate::models::User;
use crate::store::{AccountStore, Credentials, LoginToken};
use crate::time::Date;

fn unique_violation(e: rusqlite::Error) -> Error {
    match &e {
        rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::ConstraintViolation => {
            Error::from(Kind::FieldUnavailable)
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
        self.execute("DELETE FROM users WHERE id = ?1", [id])
    }

    fn user_by_id(&self, id: &str) -> Result<Option<User>> {
        self.user_where("SELECT doc FROM users WHERE id = ?1", id)
    }

    fn user_by_username(&self, username: &str) -> Result<Option<User>> {
        self.user_where("SELECT doc FROM users WHERE username = ?1 COLLATE NOCASE", username)
    }

    fn user_by_email(&self, email: &str) -> Result<Option<User>> {
        self.user_where("SELECT doc FROM users WHERE email = ?1 COLLATE NOCASE", email)
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
        self.execute(
            "INSERT INTO credentials (user_id, doc) VALUES (?1, ?2)
                 ON CONFLICT(user_id) DO UPDATE SET doc = excluded.doc",
            params![user_id, encode(credentials)?],
        )
    }

    fn insert_token(&self, token: &LoginToken) -> Result<()> {
        self.execute(
            "INSERT INTO login_tokens (hashed_token, user_id, kind, doc) VALUES (?1, ?2, ?3, ?4)",
            params![token.hashed_token, token.user_id, token.kind, encode(token)?],
        )
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
        self.execute("DELETE FROM login_tokens WHERE hashed_token = ?1", [hashed_token])
    }

    fn user_tokens(&self, user_id: &str, kind: Option<&str>) -> Result<Vec<LoginToken>> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT doc FROM login_tokens WHERE user_id = ?1 AND (?2 IS NULL OR kind = ?2) ORDER BY rowid",
            )?;
            collect(&mut stmt, params![user_id, kind])
        })
    }

    fn delete_user_tokens(&self, user_id: &str) -> Result<()> {
        self.execute("DELETE FROM login_tokens WHERE user_id = ?1", [user_id])
    }

    fn delete_sessions_except(&self, user_id: &str, keep: Option<&str>) -> Result<()> {
        self.execute(
            "DELETE FROM login_tokens WHERE user_id = ?1 AND kind = 'session' AND hashed_token IS NOT ?2",
            params![user_id, keep],
        )
    }

    fn rename_user(&self, user_id: &str, old: &str, new: &str, named: bool) -> Result<()> {
        let now = Date::now().0;
        self.write(|tx| {
            tx.execute(
                "UPDATE subscriptions SET doc = json_set(doc, '$.u.username', ?2, '$._updatedAt', ?3) WHERE user_id = ?1",
                params![user_id, new, now],
            )?;
            // Direct-message subscriptions are named after the other members.
            rewrite_direct_subscriptions(tx, user_id, false, now, |v| {
                let renamed = rename_part(v, "name", old, new);
                (!named && rename_part(v, "fname", old, new)) || renamed
            })?;
            // Arrays of usernames: rewrite the element equal to the old name.
            for path in ["$.usernames", "$.muted"] {
                tx.execute(
                    &format!(
                        "UPDATE rooms SET doc = json_set(doc, '{path}', (
                             SELECT json_group_array(CASE WHEN value = ?1 THEN ?2 ELSE value END)
                             FROM json_each(doc, '{path}')), '$._updatedAt', ?3)
                         WHERE EXISTS (SELECT 1 FROM json_each(doc, '{path}') WHERE value = ?1)"
                    ),
                    params![old, new, now],
                )?;
            }
            for at in ["$.u", "$.lastMessage.u"] {
                set_user_field_in_rooms(tx, at, "username", user_id, new, now)?;
            }
            queue_message_rename(tx, user_id, "username", old, new)
        })
    }

    fn rename_display_name(&self, user_id: &str, old: &str, new: &str) -> Result<()> {
        let now = Date::now().0;
        self.write(|tx| {
            rewrite_direct_subscriptions(tx, user_id, true, now, |v| rename_part(v, "fname", old, new))?;
            tx.execute(
                "UPDATE subscriptions SET doc = json_set(doc, '$.u.name', ?2, '$._updatedAt', ?3)
                 WHERE user_id = ?1 AND json_extract(doc, '$.u.name') IS NOT NULL",
                params![user_id, new, now],
            )?;
            set_user_field_in_rooms(tx, "$.lastMessage.u", "name", user_id, new, now)?;
            queue_message_rename(tx, user_id, "name", old, new)
        })
    }

    fn rename_messages_step(&self, max_rows: usize) -> Result<bool> {
        self.write(|tx| {
            let job = tx
                .prepare_cached(
                    "SELECT seq, user_id, kind, old, new, cursor FROM message_renames ORDER BY seq LIMIT 1",
                )?
                .query_row([], |r| {
                    Ok(RenameJob {
                        seq: r.get(0)?,
                        user_id: r.get(1)?,
                        kind: r.get(2)?,
                        old: r.get(3)?,
                        new: r.get(4)?,
                        cursor: r.get(5)?,
                    })
                })
                .optional()?;
            let Some(job) = job else { return Ok(false) };
            let by_username = job.kind == "username";
            // Every copy of an old username contains it; every message by the user, its id.
            let needle = if by_username { &job.old } else { &job.user_id };
            let window_end = job.cursor.saturating_add(RENAME_SCAN_WINDOW);
            let found: Vec<(i64, String, String)> = {
                let mut stmt = tx.prepare_cached(
                    "SELECT rowid, id, doc FROM messages WHERE rowid > ?1 AND rowid <= ?2 AND instr(doc, ?3) > 0
                     ORDER BY rowid LIMIT ?4",
                )?;
                let rows = stmt.query_map(params![job.cursor, window_end, needle, max_rows as i64], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })?;
                rows.collect::<rusqlite::Result<_>>()?
            };
            let cursor = match found.last() {
                Some((rowid, ..)) if found.len() >= max_rows => *rowid,
                _ => window_end,
            };
            let mut update = tx.prepare_cached("UPDATE messages SET doc = ?2 WHERE id = ?1")?;
            for (_, id, doc) in found {
                let mut msg: Value = decode(&doc)?;
                let changed = if by_username {
                    rename_in_message(&mut msg, &job.user_id, &job.old, &job.new)
                } else {
                    set_author_name(&mut msg, &job.user_id, &job.new)
                };
                if changed {
                    update.execute(params![id, msg.to_string()])?;
                }
            }
            let last: i64 = tx.query_row("SELECT COALESCE(MAX(rowid), 0) FROM messages", [], |r| r.get(0))?;
            if cursor >= last {
                tx.execute("DELETE FROM message_renames WHERE seq = ?1", [job.seq])?;
            } else {
                tx.execute("UPDATE message_renames SET cursor = ?2 WHERE seq = ?1", params![job.seq, cursor])?;
            }
            Ok(tx.query_row("SELECT EXISTS (SELECT 1 FROM message_renames)", [], |r| r.get(0))?)
        })
    }

    fn remove_reactions_of(&self, username: &str) -> Result<()> {
        self.write(|tx| {
            rewrite(
                tx,
                "messages",
                "SELECT id, doc FROM messages WHERE instr(doc, '\"reactions\"') > 0 AND instr(doc, ?1) > 0",
                [username],
                |v| remove_reactions(v, username),
            )?;
            Ok(())
        })
    }
    fn modify_credentials(&self, user_id: &str, f: &mut dyn FnMut(&mut Credentials)) -> Result<Credentials> {
        self.write(|tx| {
            let doc: Option<String> = tx
                .prepare_cached("SELECT doc FROM credentials WHERE user_id = ?1")?
                .query_row([user_id], |r| r.get(0))
                .optional()?;
            let mut credentials: Credentials = doc.map(|d| decode(&d)).transpose()?.unwrap_or_default();
            f(&mut credentials);
            tx.execute(
                "INSERT INTO credentials (user_id, doc) VALUES (?1, ?2)
                 ON CONFLICT(user_id) DO UPDATE SET doc = excluded.doc",
                params![user_id, encode(&credentials)?],
            )?;
            Ok(credentials)
        })
    }
}

/// How many messages (by rowid) one rename batch looks through at most.
const RENAME_SCAN_WINDOW: i64 = 20_000;

/// A queued rename of a user's copies in the messages (`message_renames`).
struct RenameJob {
    seq: i64,
    user_id: String,
    /// `username` or `name`.
    kind: String,
    old: String,
    new: String,
    /// The last messages rowid done.
    cursor: i64,
}

/// Queues a rename of `user_id`'s copies in the messages (`kind`: `username` or `name`).
fn queue_message_rename(tx: &rusqlite::Transaction<'_>, user_id: &str, kind: &str, old: &str, new: &str) -> Result<()> {
    tx.execute(
        "INSERT INTO message_renames (user_id, kind, old, new) VALUES (?1, ?2, ?3, ?4)",
        params![user_id, kind, old, new],
    )?;
    Ok(())
}

/// Sets the author's display name (`u.name`) in a message by `user_id`. Returns whether it changed.
fn set_author_name(msg: &mut Value, user_id: &str, new: &str) -> bool {
    let Some(u) = msg.get_mut("u").and_then(Value::as_object_mut) else { return false };
    if u.get("_id").and_then(Value::as_str) != Some(user_id) || u.get("name").and_then(Value::as_str) == Some(new) {
        return false;
    }
    u.insert("name".into(), Value::String(new.into()));
    true
}

/// Rewrites the direct-message subscriptions in the rooms of `user_id` (with `others_only`, only
/// the other members' ones) that `edit` changes, stamping their `_updatedAt` with `now`.
fn rewrite_direct_subscriptions(
    tx: &rusqlite::Transaction<'_>,
    user_id: &str,
    others_only: bool,
    now: i64,
    mut edit: impl FnMut(&mut Value) -> bool,
) -> Result<()> {
    let select = "SELECT id, doc FROM subscriptions WHERE json_extract(doc, '$.t') = 'd'
                    AND (?2 = 0 OR user_id != ?1) AND rid IN (SELECT rid FROM subscriptions WHERE user_id = ?1)";
    rewrite(tx, "subscriptions", select, params![user_id, others_only], |v| {
        let changed = edit(v);
        if changed {
            v["_updatedAt"] = Value::from(now);
        }
        changed
    })
}

/// Sets `<at>.<field>` to `new` in the rooms whose `<at>._id` is `user_id` (`at`: `$.u`, the
/// creator, or `$.lastMessage.u`, the last message's author).
fn set_user_field_in_rooms(
    tx: &rusqlite::Transaction<'_>,
    at: &str,
    field: &str,
    user_id: &str,
    new: &str,
    now: i64,
) -> Result<()> {
    tx.execute(
        &format!(
            "UPDATE rooms SET doc = json_set(doc, '{at}.{field}', ?2, '$._updatedAt', ?3)
             WHERE json_extract(doc, '{at}._id') = ?1"
        ),
        params![user_id, new, now],
    )?;
    Ok(())
}

/// Replaces the comma-separated part equal to `old` in the string at `key`.
fn rename_part(doc: &mut Value, key: &str, old: &str, new: &str) -> bool {
    let Some(current) = doc.get(key).and_then(Value::as_str) else { return false };
    let renamed = current.split(", ").map(|p| if p == old { new } else { p }).collect::<Vec<_>>().join(", ");
    if renamed == current {
        return false;
    }
    doc[key] = Value::String(renamed);
    true
}

/// Renames a user (`user_id`, `old` → `new`) in one message: its author and editor, its
/// mentions of them (with the `@old` in the text), and its reactions.
fn rename_in_message(msg: &mut Value, user_id: &str, old: &str, new: &str) -> bool {
    let mut changed = false;
    for key in ["u", "editedBy"] {
        if let Some(u) = msg.get_mut(key).and_then(Value::as_object_mut)
            && u.get("_id").and_then(Value::as_str) == Some(user_id)
        {
            u.insert("username".into(), Value::String(new.into()));
            changed = true;
        }
    }
    let mut mentioned = false;
    if let Some(mentions) = msg.get_mut("mentions").and_then(Value::as_array_mut) {
        for m in mentions.iter_mut().filter(|m| m.get("_id").and_then(Value::as_str) == Some(user_id)) {
            m["username"] = Value::String(new.into());
            mentioned = true;
        }
    }
    if mentioned {
        changed = true;
        if let Some(text) = msg.get("msg").and_then(Value::as_str) {
            let renamed = rename_mention(text, old, new);
            msg["msg"] = Value::String(renamed);
        }
    }
    if let Some(reactions) = msg.get_mut("reactions").and_then(Value::as_object_mut) {
        for reaction in reactions.values_mut() {
            if let Some(names) = reaction.get_mut("usernames").and_then(Value::as_array_mut) {
                for n in names.iter_mut().filter(|n| n.as_str() == Some(old)) {
                    *n = Value::String(new.into());
                    changed = true;
                }
            }
        }
    }
    changed
}

/// Replaces each `@old` mention in `text` by `@new`, where `old` is the whole name.
fn rename_mention(text: &str, old: &str, new: &str) -> String {
    let needle = format!("@{old}");
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(&needle) {
        let after = &rest[at + needle.len()..];
        let before = rest[..at].chars().next_back().or_else(|| out.chars().next_back());
        let starts = !before.is_some_and(char::is_alphanumeric);
        let ends = !after.chars().next().is_some_and(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
            || after.starts_with(". ")
            || after == ".";
        let whole = starts && ends;
        out.push_str(&rest[..at]);
        out.push('@');
        out.push_str(if whole { new } else { old });
        rest = after;
    }
    out.push_str(rest);
    out
}

/// Takes `username` out of a message's reactions, dropping emptied ones. Returns whether
/// anything changed.
fn remove_reactions(msg: &mut Value, username: &str) -> bool {
    let Some(reactions) = msg.get_mut("reactions").and_then(Value::as_object_mut) else { return false };
    let mut changed = false;
    for reaction in reactions.values_mut() {
        if let Some(names) = reaction.get_mut("usernames").and_then(Value::as_array_mut) {
            let before = names.len();
            names.retain(|n| n.as_str() != Some(username));
            changed |= names.len() != before;
        }
    }
    reactions.retain(|_, r| r.get("usernames").and_then(Value::as_array).is_none_or(|n| !n.is_empty()));
    if reactions.is_empty() {
        msg.as_object_mut().map(|m| m.remove("reactions"));
    }
    changed
}

impl SqliteStore {
    /// The one user `select` (a query of `doc` from `users` with one parameter) finds.
    fn user_where(&self, select: &str, value: &str) -> Result<Option<User>> {
        self.read(|c| {
            let doc: Option<String> = c.prepare_cached(select)?.query_row([value], |r| r.get(0)).optional()?;
            doc.map(|d| decode(&d)).transpose()
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn mentions_are_renamed_as_whole_names() {
        assert_eq!(rename_mention("hi @bob and @bobby, @bob.", "bob", "rob"), "hi @rob and @bobby, @rob.");
        assert_eq!(rename_mention("@bob", "bob", "rob"), "@rob");
        assert_eq!(rename_mention("mail bob@x", "bob", "rob"), "mail bob@x");
        assert_eq!(rename_mention("me@bob hi @bob", "bob", "rob"), "me@bob hi @rob");
    }

    #[test]
    fn messages_are_renamed_where_they_name_the_user() {
        let mut m = json!({
            "msg": "ping @bob", "u": {"_id": "B", "username": "bob"}, "editedBy": {"_id": "A", "username": "al"},
            "mentions": [{"_id": "B", "username": "bob"}], "reactions": {":x:": {"usernames": ["al", "bob"]}}
        });
        assert!(rename_in_message(&mut m, "B", "bob", "rob"));
        assert_eq!(m["msg"], "ping @rob");
        assert_eq!(m["u"]["username"], "rob");
        assert_eq!(m["editedBy"]["username"], "al");
        assert_eq!(m["mentions"][0]["username"], "rob");
        assert_eq!(m["reactions"][":x:"]["usernames"], json!(["al", "rob"]));
        let mut other = json!({"msg": "bob is here", "u": {"_id": "A", "username": "al"}});
        assert!(!rename_in_message(&mut other, "B", "bob", "rob"));
    }

    #[test]
    fn comma_separated_parts_are_renamed_whole() {
        let mut one = json!({"name": "bob", "fname": "Bob Smith"});
        assert!(rename_part(&mut one, "name", "bob", "rob"));
        assert!(!rename_part(&mut one, "fname", "bob", "rob"));
        assert_eq!(one, json!({"name": "rob", "fname": "Bob Smith"}));
        let mut group = json!({"name": "al, bob, bobby"});
        assert!(rename_part(&mut group, "name", "bob", "rob"));
        assert_eq!(group, json!({"name": "al, rob, bobby"}));
    }

    #[test]
    fn reactions_lose_the_user_and_empty_ones_go() {
        let mut m = json!({"reactions": {":a:": {"usernames": ["bob"]}, ":b:": {"usernames": ["al", "bob"]}}});
        assert!(remove_reactions(&mut m, "bob"));
        assert_eq!(m, json!({"reactions": {":b:": {"usernames": ["al"]}}}));
        let mut only = json!({"reactions": {":a:": {"usernames": ["bob"]}}});
        assert!(remove_reactions(&mut only, "bob"));
        assert_eq!(only, json!({}));
    }
}
