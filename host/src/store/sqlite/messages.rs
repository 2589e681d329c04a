use std::collections::HashMap;

use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OptionalExtension, Transaction, params, params_from_iter};

use super::SqliteStore;
use super::docs::{collect, decode, encode};
use super::rooms::{like_pattern, put_room, read_room};
use crate::error::{Kind, Result};
use crate::models::{Message, Room, Subscription};
use crate::store::{
    DeletedScope, MessageEffects, MessageFilter, MessageSort, MessageStore, Page, Paged, SavedMessage, ThreadBump,
    Tombstone, UnreadBump,
};
use crate::time::Date;

fn read_message(c: &Connection, id: &str) -> Result<Option<Message>> {
    let doc: Option<String> =
        c.prepare_cached("SELECT doc FROM messages WHERE id = ?1")?.query_row([id], |r| r.get(0)).optional()?;
    doc.map(|d| decode(&d)).transpose()
}

fn put_message(tx: &Transaction, m: &Message) -> Result<()> {
    tx.prepare_cached("UPDATE messages SET tmid = ?2, updated_at = ?3, doc = ?4 WHERE id = ?1")?.execute(params![
        m.id,
        m.tmid,
        m.updated_at.0,
        encode(m)?
    ])?;
    Ok(())
}

fn insert_row(tx: &Transaction, m: &Message) -> Result<()> {
    let inserted = tx
        .prepare_cached(
            "INSERT INTO messages (id, rid, ts, tmid, updated_at, doc) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT(id) DO NOTHING",
        )?
        .execute(params![m.id, m.rid, m.ts.0, m.tmid, m.updated_at.0, encode(m)?])?;
    if inserted == 0 {
        return Err(Kind::MessageAlreadyExists.into());
    }
    Ok(())
}

/// Gives `m` a millisecond no other message of its room has: clients page with "before the
/// oldest loaded date", which would skip a message sharing that millisecond. A taken `ts` moves
/// just after the room's newest message (two index lookups, however busy the room).
fn unique_ts(tx: &Transaction, m: &mut Message) -> Result<()> {
    let taken =
        tx.prepare_cached("SELECT 1 FROM messages WHERE rid = ?1 AND ts = ?2")?.exists(params![m.rid, m.ts.0])?;
    if taken {
        let newest: i64 =
            tx.prepare_cached("SELECT MAX(ts) FROM messages WHERE rid = ?1")?.query_row([&m.rid], |r| r.get(0))?;
        m.ts.0 = newest + 1;
    }
    m.updated_at = m.updated_at.max(m.ts);
    Ok(())
}

/// Bumps the room's counters (and last message); returns the room after the change.
fn bump_room(tx: &Transaction, m: &Message, set_last: bool) -> Result<Option<Room>> {
    let Some(mut room) = read_room(tx, &m.rid)? else { return Ok(None) };
    room.msgs += 1;
    if set_last {
        room.lm = Some(m.ts);
        room.last_message = Some(Box::new(m.clone()));
    }
    room.updated_at = m.updated_at;
    put_room(tx, &room)?;
    Ok(Some(room))
}

/// Runs one subscription `UPDATE … RETURNING id, doc` and keeps the new documents by id.
fn update_subs(tx: &Transaction, sql: &str, args: Vec<SqlValue>, changed: &mut HashMap<String, String>) -> Result<()> {
    let mut stmt = tx.prepare_cached(sql)?;
    let mut rows = stmt.query(params_from_iter(args))?;
    while let Some(row) = rows.next()? {
        changed.insert(row.get(0)?, row.get(1)?);
    }
    Ok(())
}

fn json_ids(ids: &[String]) -> SqlValue {
    SqlValue::Text(serde_json::to_string(ids).unwrap_or_else(|_| "[]".into()))
}

/// `unread`, `userMentions`, `groupMentions`, `alert` and `open` of the other members.
fn bump_unread(
    tx: &Transaction,
    rid: &str,
    now: i64,
    u: &UnreadBump,
    changed: &mut HashMap<String, String>,
) -> Result<()> {
    let rid = || SqlValue::Text(rid.to_string());
    // Mentioned members: by name, or everyone but the sender on `@all`/`@here`.
    let mentioned = if !u.user_mentions.is_empty() {
        Some((
            "userMentions",
            "IN (SELECT value FROM json_each(?2))",
            json_ids(&u.user_mentions),
            u.user_mentions_unread,
        ))
    } else if u.group_mention {
        Some(("groupMentions", "!= ?2", SqlValue::Text(u.sender.clone()), u.group_mention_unread))
    } else {
        None
    };
    if let Some((counter, members, arg, unread)) = mentioned {
        update_subs(
            tx,
            &format!(
                "UPDATE subscriptions SET doc = json_set(doc,
                     '$.{counter}', coalesce(json_extract(doc, '$.{counter}'), 0) + 1,
                     '$.unread', coalesce(json_extract(doc, '$.unread'), 0) + ?3,
                     '$.alert', json('true'), '$.open', json('true'), '$._updatedAt', ?4)
                 WHERE rid = ?1 AND user_id {members}
                 RETURNING id, doc"
            ),
            vec![rid(), arg, SqlValue::Integer(unread as i64), now.into()],
            changed,
        )?;
    }
    if u.unread_all && !u.group_mention {
        let mut excluded = u.user_mentions.clone();
        excluded.push(u.sender.clone());
        update_subs(
            tx,
            "UPDATE subscriptions SET doc = json_set(doc,
                 '$.unread', coalesce(json_extract(doc, '$.unread'), 0) + 1,
                 '$.alert', json('true'), '$.open', json('true'), '$._updatedAt', ?3)
             WHERE rid = ?1 AND user_id NOT IN (SELECT value FROM json_each(?2))
             RETURNING id, doc",
            vec![rid(), json_ids(&excluded), now.into()],
            changed,
        )?;
    }
    if u.alert_all {
        // Only the subscriptions not yet alerted or open change: in a busy room this is usually
        // none, so a message costs no subscription writes.
        update_subs(
            tx,
            "UPDATE subscriptions SET doc = json_set(doc, '$.alert', json('true'), '$.open', json('true'),
                 '$._updatedAt', ?3)
             WHERE rid = ?1 AND user_id != ?2
               AND (json_extract(doc, '$.alert') IS NOT 1 OR json_extract(doc, '$.open') IS NOT 1)
             RETURNING id, doc",
            vec![rid(), SqlValue::Text(u.sender.clone()), now.into()],
            changed,
        )?;
    }
    Ok(())
}

/// The thread parent's counters, then `tunread` (and alerts) of its followers.
fn bump_thread(
    tx: &Transaction,
    m: &Message,
    t: &ThreadBump,
    changed: &mut HashMap<String, String>,
) -> Result<Option<Message>> {
    let Some(mut parent) = read_message(tx, &t.tmid)? else { return Ok(None) };
    parent.tcount = Some(parent.tcount.unwrap_or(0) + 1);
    parent.tlm = Some(m.ts);
    let replies = parent.replies.get_or_insert_with(Vec::new);
    for uid in &t.add_replies {
        if !replies.contains(uid) {
            replies.push(uid.clone());
        }
    }
    parent.updated_at = m.updated_at;
    put_message(tx, &parent)?;
    let followers: Vec<String> = parent.replies.iter().flatten().filter(|id| **id != t.sender).cloned().collect();
    let add = |field: &str, users: &[String], alert: bool, changed: &mut HashMap<String, String>| -> Result<()> {
        if users.is_empty() {
            return Ok(());
        }
        let alert = if alert { "'$.alert', json('true'), '$.open', json('true')," } else { "" };
        let sql = format!(
            "UPDATE subscriptions SET doc = json_set(
                 CASE WHEN EXISTS (SELECT 1 FROM json_each(doc, '$.{field}') WHERE value = ?3) THEN doc
                      WHEN json_type(doc, '$.{field}') = 'array' THEN json_insert(doc, '$.{field}[#]', ?3)
                      ELSE json_set(doc, '$.{field}', json_array(?3)) END,
                 {alert} '$._updatedAt', ?4)
             WHERE rid = ?1 AND user_id IN (SELECT value FROM json_each(?2))
             RETURNING id, doc"
        );
        let args =
            vec![SqlValue::Text(m.rid.clone()), json_ids(users), SqlValue::Text(t.tmid.clone()), m.updated_at.0.into()];
        update_subs(tx, &sql, args, changed)
    };
    add("tunread", &followers, t.alert_followers, changed)?;
    if t.group_mention {
        add("tunreadGroup", &followers, false, changed)?;
    }
    let mentioned: Vec<String> = t.user_mentions.iter().filter(|u| **u != t.sender).cloned().collect();
    add("tunreadUser", &mentioned, false, changed)?;
    Ok(Some(parent))
}

/// A `WHERE` clause and its arguments, built condition by condition.
struct Where {
    sql: String,
    args: Vec<SqlValue>,
}

impl Where {
    /// Adds `condition` when `when` holds.
    fn and_if(&mut self, when: bool, condition: &str) {
        if when {
            self.sql.push_str(" AND ");
            self.sql.push_str(condition);
        }
    }

    /// Adds `condition`, which has one `?`, when there is an argument for it.
    fn and_with<A: Into<SqlValue>>(&mut self, condition: &str, arg: Option<A>) {
        if let Some(arg) = arg {
            self.and_if(true, condition);
            self.args.push(arg.into());
        }
    }
}

/// The `WHERE` clause and arguments of a [`MessageFilter`], and whether it searches the
/// full-text index. The expressions for pinned, thread and discussion messages match the
/// partial indexes of migration 5.
fn filter_where(f: &MessageFilter) -> (Where, bool) {
    let fts = !f.words.is_empty();
    let words = fts.then(|| f.words.iter().map(|w| format!("\"{}\"*", w.replace('"', "\"\""))).collect::<Vec<_>>());
    let mut w = Where { sql: String::from("1"), args: Vec::new() };
    w.and_with("m.rid = ?", f.rid.clone());
    w.and_with("m.tmid = ?", f.tmid.clone());
    w.and_if(f.threads_only, "json_extract(m.doc, '$.tcount') IS NOT NULL");
    w.and_with("m.id IN (SELECT value FROM json_each(?))", f.ids.as_deref().map(json_ids));
    w.and_with("EXISTS (SELECT 1 FROM json_each(m.doc, '$.replies') WHERE value = ?)", f.followed_by.clone());
    w.and_if(f.pinned, "json_extract(m.doc, '$.pinned') = 1");
    w.and_with(
        "json_extract(m.doc, '$.starred') IS NOT NULL
         AND EXISTS (SELECT 1 FROM json_each(m.doc, '$.starred') WHERE json_extract(value, '$._id') = ?)",
        f.starred_by.clone(),
    );
    w.and_with(
        "instr(m.doc, '\"mentions\":[{') > 0
         AND EXISTS (SELECT 1 FROM json_each(m.doc, '$.mentions') WHERE json_extract(value, '$._id') = ?)",
        f.mentioning.clone(),
    );
    w.and_if(f.discussions_only, "json_extract(m.doc, '$.drid') IS NOT NULL");
    w.and_with("f.messages_fts MATCH ?", words.map(|words| words.join(" ")));
    w.and_if(f.with_urls, "instr(m.doc, '\"urls\":[{') > 0");
    w.and_with("json_extract(m.doc, '$.msg') LIKE ? ESCAPE '\\'", f.contains.as_deref().map(like_pattern));
    w.and_with("json_extract(m.doc, '$.u.username') = ?", f.from_username.clone());
    w.and_if(f.exclude_system, "json_extract(m.doc, '$.t') IS NULL");
    w.and_with("m.ts > ?", f.after.map(|d| d.0));
    w.and_with("m.ts < ?", f.before.map(|d| d.0));
    w.and_with("m.updated_at > ?", f.updated_after.map(|d| d.0));
    (w, fts)
}

fn find(c: &Connection, f: &MessageFilter) -> Result<(Vec<Message>, usize)> {
    let (Where { sql: clause, args }, fts) = filter_where(f);
    let from = if fts { "messages_fts f JOIN messages m ON m.rowid = f.rowid" } else { "messages m" };
    let dir = if f.ascending { "ASC" } else { "DESC" };
    let order = match f.sort {
        // Full-text matches come in rowid order, which is insertion order: the index answers the
        // newest page without sorting every match.
        MessageSort::Ts if fts => format!("f.rowid {dir}"),
        MessageSort::Ts => format!("m.ts {dir}, m.id {dir}"),
        MessageSort::ThreadLastMessage => format!("json_extract(m.doc, '$.tlm') {dir}, m.id {dir}"),
        MessageSort::UpdatedAt => format!("m.updated_at {dir}, m.id {dir}"),
    };
    let total: i64 = if f.skip_total {
        0
    } else {
        c.prepare_cached(&format!("SELECT count(*) FROM {from} WHERE {clause}"))?
            .query_row(params_from_iter(args.iter()), |r| r.get(0))?
    };
    let mut page_args = args;
    page_args.push(SqlValue::Integer(f.limit.map_or(-1, |l| l as i64)));
    page_args.push(SqlValue::Integer(f.offset as i64));
    let sql = format!("SELECT m.doc FROM {from} WHERE {clause} ORDER BY {order} LIMIT ? OFFSET ?");
    let docs = collect(&mut *c.prepare_cached(&sql)?, params_from_iter(page_args))?;
    Ok((docs, total as usize))
}

impl MessageStore for SqliteStore {
    fn insert_message(&self, m: &Message) -> Result<()> {
        let mut m = m.clone();
        self.save_message(&mut m, &MessageEffects { set_last_message: true, ..Default::default() }).map(|_| ())
    }

    fn save_message(&self, m: &mut Message, effects: &MessageEffects) -> Result<SavedMessage> {
        self.write(|tx| {
            unique_ts(tx, m)?;
            let m = &*m;
            insert_row(tx, m)?;
            let room = bump_room(tx, m, effects.set_last_message)?;
            let mut changed = HashMap::new();
            if let Some(u) = &effects.unread {
                bump_unread(tx, &m.rid, m.updated_at.0, u, &mut changed)?;
            }
            let parent = match &effects.thread {
                Some(t) => bump_thread(tx, m, t, &mut changed)?,
                None => None,
            };
            let subscriptions = changed.values().map(|doc| decode::<Subscription>(doc)).collect::<Result<Vec<_>>>()?;
            Ok(SavedMessage { room, subscriptions, parent })
        })
    }

    fn update_message(&self, m: &Message) -> Result<()> {
        self.write(|tx| put_message(tx, m))
    }

    fn modify_message(&self, id: &str, f: &mut dyn FnMut(&mut Message) -> Result<()>) -> Result<Option<Message>> {
        self.write(|tx| {
            let Some(mut m) = read_message(tx, id)? else { return Ok(None) };
            f(&mut m)?;
            put_message(tx, &m)?;
            Ok(Some(m))
        })
    }

    fn delete_message(&self, id: &str) -> Result<Option<Message>> {
        self.write(|tx| {
            let Some(m) = read_message(tx, id)? else { return Ok(None) };
            let now = Date::now();
            tx.execute(
                "INSERT OR REPLACE INTO deleted_messages (id, rid, deleted_at, tmid, was_thread) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![id, m.rid, now.0, m.tmid, m.tcount.is_some()],
            )?;
            tx.execute("DELETE FROM messages WHERE id = ?1", [id])?;
            let Some(tmid) = &m.tmid else { return Ok(None) };
            let Some(mut parent) = read_message(tx, tmid)? else { return Ok(None) };
            parent.tcount = Some((parent.tcount.unwrap_or(1) - 1).max(0));
            parent.updated_at = now;
            put_message(tx, &parent)?;
            Ok(Some(parent))
        })
    }

    fn message(&self, id: &str) -> Result<Option<Message>> {
        self.read(|c| read_message(c, id))
    }

    fn room_messages_before(&self, rid: &str, before: Option<Date>, limit: usize) -> Result<Vec<Message>> {
        self.read(|c| {
            let mut stmt =
                c.prepare_cached("SELECT doc FROM messages WHERE rid = ?1 AND ts < ?2 ORDER BY ts DESC LIMIT ?3")?;
            collect(&mut stmt, params![rid, before.map_or(i64::MAX, |d| d.0), limit as i64])
        })
    }

    // History range queries used by the rooms endpoints; the SQL lives with the room store.
    fn room_history(&self, query: &crate::store::HistoryQuery) -> Result<Vec<Message>> {
        self.read_history(query)
    }

    fn count_room_history(&self, query: &crate::store::HistoryQuery) -> Result<usize> {
        self.read_history_count(query)
    }

    fn clean_room_history(&self, query: &crate::store::CleanHistory) -> Result<Vec<String>> {
        self.write_clean_history(query)
    }

    fn find_messages(&self, filter: &MessageFilter) -> Result<(Vec<Message>, usize)> {
        self.read(|c| find(c, filter))
    }

    fn delete_messages_of_user(&self, user_id: &str) -> Result<Vec<(String, String)>> {
        self.write(|tx| {
            let rows: Vec<(String, String)> = {
                let mut stmt = tx.prepare("SELECT rid, id FROM messages WHERE json_extract(doc, '$.u._id') = ?1")?;
                let rows = stmt.query_map([user_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
                rows.collect::<rusqlite::Result<Vec<_>>>()?
            };
            let now = Date::now().0;
            for (rid, id) in &rows {
                tx.execute(
                    "INSERT OR REPLACE INTO deleted_messages (id, rid, deleted_at) VALUES (?1, ?2, ?3)",
                    params![id, rid, now],
                )?;
                tx.execute("DELETE FROM messages WHERE id = ?1", [id])?;
            }
            Ok(rows)
        })
    }

    fn unlink_messages_of_user(&self, user_id: &str, to: &crate::models::UserRef) -> Result<()> {
        self.execute(
            "UPDATE messages SET updated_at = ?4, doc = json_set(doc,
                     '$.alias', coalesce(json_extract(doc, '$.alias'), json_extract(doc, '$.u.username')),
                     '$.u', json_object('_id', ?2, 'username', ?3), '$._updatedAt', ?4)
                 WHERE json_extract(doc, '$.u._id') = ?1",
            params![user_id, to.id, to.username, Date::now().0],
        )
    }

    fn deleted_since(&self, rid: &str, scope: DeletedScope<'_>, since: Date, page: Page) -> Result<Paged<Tombstone>> {
        let (clause, tmid) = match scope {
            DeletedScope::Room => ("rid = ?1 AND deleted_at > ?2 AND ?3 IS NULL", None),
            DeletedScope::Thread(t) => ("rid = ?1 AND deleted_at > ?2 AND tmid = ?3", Some(t)),
            DeletedScope::ThreadParents => ("rid = ?1 AND deleted_at > ?2 AND was_thread = 1 AND ?3 IS NULL", None),
        };
        let (limit, offset) = page.sql();
        self.read(|c| {
            let total: i64 = c
                .prepare_cached(&format!("SELECT count(*) FROM deleted_messages WHERE {clause}"))?
                .query_row(params![rid, since.0, tmid], |r| r.get(0))?;
            let mut stmt = c.prepare_cached(&format!(
                "SELECT id, deleted_at FROM deleted_messages WHERE {clause} ORDER BY deleted_at DESC LIMIT ?4 OFFSET ?5"
            ))?;
            let rows = stmt.query_map(params![rid, since.0, tmid, limit, offset], |r| {
                Ok(Tombstone { id: r.get(0)?, deleted_at: Date(r.get(1)?) })
            })?;
            Ok((rows.collect::<rusqlite::Result<Vec<_>>>()?, total as usize))
        })
    }
}
