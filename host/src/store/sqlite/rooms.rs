use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OptionalExtension, Transaction, params, params_from_iter};

use super::SqliteStore;
use super::docs::{collect, decode, encode};
use crate::error::{Error, Kind, Result};
use crate::models::{Message, Room, RoomType, Subscription, User};
use crate::store::{CleanHistory, HistoryQuery, MemberQuery, RoomStore, Team, TeamMember, Tombstone};
use crate::time::Date;

fn room_name_taken(e: rusqlite::Error) -> Error {
    match &e {
        rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::ConstraintViolation => {
            Error::from(Kind::DuplicateChannelName)
        }
        _ => e.into(),
    }
}

fn team_name_taken(e: rusqlite::Error) -> Error {
    match &e {
        rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::ConstraintViolation => {
            Error::from(Kind::TeamNameAlreadyExists)
        }
        _ => e.into(),
    }
}

fn room_name_column(room: &Room) -> Option<&str> {
    if room.t == RoomType::Direct { None } else { room.name.as_deref() }
}

fn put_subscription(tx: &Transaction, sub: &Subscription) -> Result<()> {
    tx.execute(
        "INSERT INTO subscriptions (id, rid, user_id, doc) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(id) DO UPDATE SET doc = excluded.doc",
        params![sub.id, sub.rid, sub.u.id, encode(sub)?],
    )?;
    Ok(())
}

pub(super) fn put_room(tx: &Transaction, room: &Room) -> Result<()> {
    tx.execute(
        "UPDATE rooms SET t = ?2, name = ?3, doc = ?4 WHERE id = ?1",
        params![room.id, room.t.code(), room_name_column(room), encode(room)?],
    )
    .map_err(room_name_taken)?;
    Ok(())
}

pub(super) fn read_room(c: &Connection, id: &str) -> Result<Option<Room>> {
    let doc: Option<String> =
        c.prepare_cached("SELECT doc FROM rooms WHERE id = ?1")?.query_row([id], |r| r.get(0)).optional()?;
    doc.map(|d| decode(&d)).transpose()
}

fn read_subscription(c: &Connection, rid: &str, user_id: &str) -> Result<Option<Subscription>> {
    let doc: Option<String> = c
        .prepare_cached("SELECT doc FROM subscriptions WHERE rid = ?1 AND user_id = ?2")?
        .query_row([rid, user_id], |r| r.get(0))
        .optional()?;
    doc.map(|d| decode(&d)).transpose()
}

fn tombstone_subscription(tx: &Transaction, sub: &Subscription, now: Date) -> Result<()> {
    tx.execute(
        "INSERT OR REPLACE INTO deleted_subscriptions (id, rid, user_id, deleted_at) VALUES (?1, ?2, ?3, ?4)",
        params![sub.id, sub.rid, sub.u.id, now.0],
    )?;
    Ok(())
}

fn change_users_count(tx: &Transaction, rid: &str, delta: i64) -> Result<Option<Room>> {
    let Some(mut room) = read_room(tx, rid)? else { return Ok(None) };
    room.users_count = (room.users_count + delta).max(0);
    room.updated_at = Date::now();
    put_room(tx, &room)?;
    Ok(Some(room))
}

fn tombstones(stmt: &mut rusqlite::Statement<'_>, p: impl rusqlite::Params) -> Result<Vec<Tombstone>> {
    let rows = stmt.query_map(p, |r| Ok(Tombstone { id: r.get(0)?, deleted_at: Date(r.get(1)?) }))?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Escapes `%`, `_` and `\` for a `LIKE … ESCAPE '\'` pattern.
pub(super) fn like_pattern(text: &str) -> String {
    let mut out = String::from("%");
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// The `WHERE` clause and arguments of a history query.
fn history_where(q: &HistoryQuery) -> (String, Vec<SqlValue>) {
    let mut sql = String::from("rid = ?");
    let mut args = vec![SqlValue::Text(q.rid.clone())];
    if let Some(o) = q.oldest {
        sql.push_str(if q.inclusive { " AND ts >= ?" } else { " AND ts > ?" });
        args.push(SqlValue::Integer(o.0));
    }
    if let Some(l) = q.latest {
        sql.push_str(if q.inclusive { " AND ts <= ?" } else { " AND ts < ?" });
        args.push(SqlValue::Integer(l.0));
    }
    if !q.exclude_types.is_empty() {
        sql.push_str(
            " AND (json_extract(doc, '$.t') IS NULL OR json_extract(doc, '$.t') NOT IN (SELECT value FROM json_each(?)))",
        );
        args.push(SqlValue::Text(serde_json::to_string(&q.exclude_types).unwrap_or_else(|_| "[]".into())));
    }
    if q.exclude_thread_replies {
        sql.push_str(" AND (tmid IS NULL OR json_extract(doc, '$.tshow') = 1)");
    }
    if let Some(uid) = &q.mentioning {
        // Documents are compact JSON (see `docs::encode`): the cheap text test skips every message
        // without mentions before any JSON is parsed.
        sql.push_str(
            " AND instr(doc, '\"mentions\":[{') > 0
              AND EXISTS (SELECT 1 FROM json_each(doc, '$.mentions') WHERE json_extract(value, '$._id') = ?)",
        );
        args.push(SqlValue::Text(uid.clone()));
    }
    if q.only_files {
        sql.push_str(" AND json_extract(doc, '$.file') IS NOT NULL");
    }
    (sql, args)
}

/// Messages of a history query, in its order, paged. Walks the `(rid, ts)` index and stops after
/// the page, so it stays fast on rooms with millions of messages.
pub(super) fn history(c: &Connection, q: &HistoryQuery) -> Result<Vec<Message>> {
    let (clause, mut args) = history_where(q);
    let order = if q.oldest_first { "ASC" } else { "DESC" };
    let sql = format!("SELECT doc FROM messages WHERE {clause} ORDER BY ts {order}, id {order} LIMIT ? OFFSET ?");
    args.push(SqlValue::Integer(q.limit.map_or(-1, |l| l as i64)));
    args.push(SqlValue::Integer(q.offset as i64));
    let mut stmt = c.prepare_cached(&sql)?;
    let mut rows = stmt.query(params_from_iter(args))?;
    let (mut out, mut bytes) = (Vec::new(), 0);
    while let Some(row) = rows.next()? {
        let doc = row.get_ref(0)?.as_str().map_err(rusqlite::Error::from)?;
        bytes += doc.len();
        out.push(decode(doc)?);
        if q.max_bytes.is_some_and(|max| bytes >= max) {
            break;
        }
    }
    Ok(out)
}

/// How many messages a history query matches, ignoring its paging.
pub(super) fn count_history(c: &Connection, q: &HistoryQuery) -> Result<usize> {
    let (clause, args) = history_where(q);
    let sql = format!("SELECT count(*) FROM messages WHERE {clause}");
    let n: i64 = c.prepare_cached(&sql)?.query_row(params_from_iter(args), |r| r.get(0))?;
    Ok(n as usize)
}

/// Deletes the messages `q` selects (recording their deletion) and returns their ids.
pub(super) fn clean_history(tx: &Transaction, q: &CleanHistory) -> Result<Vec<String>> {
    let mut sql = String::from("SELECT id FROM messages WHERE rid = ?");
    let mut args = vec![SqlValue::Text(q.rid.clone())];
    sql.push_str(if q.inclusive { " AND ts >= ? AND ts <= ?" } else { " AND ts > ? AND ts < ?" });
    args.push(SqlValue::Integer(q.oldest.0));
    args.push(SqlValue::Integer(q.latest.0));
    if q.exclude_pinned {
        sql.push_str(" AND coalesce(json_extract(doc, '$.pinned'), 0) = 0");
    }
    if q.files_only {
        sql.push_str(" AND json_extract(doc, '$.file') IS NOT NULL");
    }
    if q.ignore_threads {
        sql.push_str(" AND tmid IS NULL");
    }
    if q.ignore_discussion {
        sql.push_str(" AND coalesce(json_extract(doc, '$.t'), '') != 'discussion-created'");
    }
    if !q.from_usernames.is_empty() {
        sql.push_str(" AND json_extract(doc, '$.u.username') IN (SELECT value FROM json_each(?))");
        args.push(SqlValue::Text(serde_json::to_string(&q.from_usernames)?));
    }
    sql.push_str(" ORDER BY ts ASC LIMIT ?");
    args.push(SqlValue::Integer(q.limit.map_or(-1, |l| l as i64)));
    let ids: Vec<String> = {
        let mut stmt = tx.prepare(&sql)?;
        let rows = stmt.query_map(params_from_iter(args), |r| r.get::<_, String>(0))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()?
    };
    let now = Date::now().0;
    for id in &ids {
        tx.execute(
            "INSERT OR REPLACE INTO deleted_messages (id, rid, deleted_at) VALUES (?1, ?2, ?3)",
            params![id, q.rid, now],
        )?;
        tx.execute("DELETE FROM messages WHERE id = ?1", [id])?;
    }
    Ok(ids)
}

impl SqliteStore {
    /// Runs [`history`] on a reader.
    pub(super) fn read_history(&self, q: &HistoryQuery) -> Result<Vec<Message>> {
        self.read(|c| history(c, q))
    }

    /// Runs [`count_history`] on a reader.
    pub(super) fn read_history_count(&self, q: &HistoryQuery) -> Result<usize> {
        self.read(|c| count_history(c, q))
    }

    /// Runs [`clean_history`] in a write transaction.
    pub(super) fn write_clean_history(&self, q: &CleanHistory) -> Result<Vec<String>> {
        self.write(|tx| clean_history(tx, q))
    }
}

impl RoomStore for SqliteStore {
    fn insert_room(&self, room: &Room, subscriptions: &[Subscription]) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO rooms (id, t, name, doc) VALUES (?1, ?2, ?3, ?4)",
                params![room.id, room.t.code(), room_name_column(room), encode(room)?],
            )
            .map_err(room_name_taken)?;
            for sub in subscriptions {
                put_subscription(tx, sub)?;
            }
            Ok(())
        })
    }

    fn update_room(&self, room: &Room) -> Result<()> {
        self.write(|tx| put_room(tx, room))
    }

    fn modify_room(&self, rid: &str, f: &mut dyn FnMut(&mut Room) -> Result<()>) -> Result<Option<Room>> {
        self.write(|tx| {
            let Some(mut room) = read_room(tx, rid)? else { return Ok(None) };
            f(&mut room)?;
            put_room(tx, &room)?;
            Ok(Some(room))
        })
    }

    fn modify_room_and_subscriptions(
        &self,
        rid: &str,
        f: &mut dyn FnMut(&mut Room) -> Result<()>,
        g: &mut dyn FnMut(&mut Subscription) -> bool,
    ) -> Result<Option<(Room, Vec<Subscription>)>> {
        self.write(|tx| {
            let Some(mut room) = read_room(tx, rid)? else { return Ok(None) };
            f(&mut room)?;
            put_room(tx, &room)?;
            let subs: Vec<Subscription> =
                collect(&mut *tx.prepare_cached("SELECT doc FROM subscriptions WHERE rid = ?1")?, [rid])?;
            let mut changed = Vec::new();
            for mut sub in subs {
                if g(&mut sub) {
                    put_subscription(tx, &sub)?;
                    changed.push(sub);
                }
            }
            Ok(Some((room, changed)))
        })
    }

    fn delete_room(&self, id: &str) -> Result<Vec<Subscription>> {
        self.write(|tx| {
            let now = Date::now();
            let subs: Vec<Subscription> =
                collect(&mut *tx.prepare_cached("SELECT doc FROM subscriptions WHERE rid = ?1")?, [id])?;
            for sub in &subs {
                tombstone_subscription(tx, sub, now)?;
            }
            tx.execute(
                "INSERT OR REPLACE INTO deleted_rooms (id, deleted_at) SELECT id, ?2 FROM rooms WHERE id = ?1",
                params![id, now.0],
            )?;
            tx.execute("DELETE FROM rooms WHERE id = ?1", [id])?;
            Ok(subs)
        })
    }

    fn room_by_id(&self, id: &str) -> Result<Option<Room>> {
        self.read(|c| read_room(c, id))
    }

    fn room_by_name(&self, name: &str) -> Result<Option<Room>> {
        self.read(|c| {
            let doc: Option<String> = c
                .prepare_cached("SELECT doc FROM rooms WHERE name = ?1 COLLATE NOCASE AND t IN ('c', 'p')")?
                .query_row([name], |r| r.get(0))
                .optional()?;
            doc.map(|d| decode(&d)).transpose()
        })
    }

    fn rooms_by_ids(&self, ids: &[String]) -> Result<Vec<Room>> {
        self.read(|c| {
            let mut stmt = c.prepare_cached("SELECT doc FROM rooms WHERE id IN (SELECT value FROM json_each(?1))")?;
            collect(&mut stmt, [serde_json::to_string(ids)?])
        })
    }

    fn rooms_by_types(&self, types: &[RoomType]) -> Result<Vec<Room>> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT doc FROM rooms WHERE ?1 = '[]' OR t IN (SELECT value FROM json_each(?1)) ORDER BY rowid",
            )?;
            collect(&mut stmt, [serde_json::to_string(types)?])
        })
    }

    fn rooms_of_user(&self, user_id: &str, types: &[RoomType]) -> Result<Vec<Room>> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT r.doc FROM subscriptions s JOIN rooms r ON r.id = s.rid
                 WHERE s.user_id = ?1 AND (?2 = '[]' OR r.t IN (SELECT value FROM json_each(?2)))
                 ORDER BY r.rowid",
            )?;
            collect(&mut stmt, params![user_id, serde_json::to_string(types)?])
        })
    }

    fn rooms_of_user_updated_since(&self, user_id: &str, since: Date) -> Result<Vec<Room>> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT r.doc FROM subscriptions s JOIN rooms r ON r.id = s.rid
                 WHERE s.user_id = ?1 AND r.updated_at > ?2 ORDER BY r.rowid",
            )?;
            collect(&mut stmt, params![user_id, since.0])
        })
    }

    fn deleted_rooms_of_user_since(&self, user_id: &str, since: Date) -> Result<Vec<Tombstone>> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT r.id, r.deleted_at FROM deleted_rooms r
                 WHERE r.deleted_at > ?2
                   AND EXISTS (SELECT 1 FROM deleted_subscriptions s WHERE s.rid = r.id AND s.user_id = ?1)
                 ORDER BY r.deleted_at",
            )?;
            tombstones(&mut stmt, params![user_id, since.0])
        })
    }

    fn rooms_by_parent(&self, prid: &str) -> Result<Vec<Room>> {
        self.read(|c| collect(&mut *c.prepare_cached("SELECT doc FROM rooms WHERE prid = ?1 ORDER BY rowid")?, [prid]))
    }

    fn rooms_by_team(&self, team_id: &str) -> Result<Vec<Room>> {
        self.read(|c| {
            collect(&mut *c.prepare_cached("SELECT doc FROM rooms WHERE team_id = ?1 ORDER BY rowid")?, [team_id])
        })
    }

    fn insert_subscription(&self, sub: &Subscription) -> Result<()> {
        self.write(|tx| put_subscription(tx, sub))
    }

    fn add_member(&self, sub: &Subscription) -> Result<Option<Room>> {
        self.write(|tx| {
            if read_subscription(tx, &sub.rid, &sub.u.id)?.is_some() {
                return Err(Kind::UserAlreadyInRoom.into());
            }
            put_subscription(tx, sub)?;
            change_users_count(tx, &sub.rid, 1)
        })
    }

    fn update_subscription(&self, sub: &Subscription) -> Result<()> {
        self.write(|tx| put_subscription(tx, sub))
    }

    fn modify_subscription(
        &self,
        rid: &str,
        user_id: &str,
        f: &mut dyn FnMut(&mut Subscription) -> Result<()>,
    ) -> Result<Option<Subscription>> {
        self.write(|tx| {
            let Some(mut sub) = read_subscription(tx, rid, user_id)? else { return Ok(None) };
            f(&mut sub)?;
            put_subscription(tx, &sub)?;
            Ok(Some(sub))
        })
    }

    fn delete_subscription(&self, rid: &str, user_id: &str) -> Result<()> {
        self.write(|tx| {
            if let Some(sub) = read_subscription(tx, rid, user_id)? {
                tombstone_subscription(tx, &sub, Date::now())?;
                tx.execute("DELETE FROM subscriptions WHERE id = ?1", [&sub.id])?;
            }
            Ok(())
        })
    }

    fn remove_member(&self, rid: &str, user_id: &str) -> Result<Option<(Subscription, Option<Room>)>> {
        self.write(|tx| {
            let Some(sub) = read_subscription(tx, rid, user_id)? else { return Ok(None) };
            tombstone_subscription(tx, &sub, Date::now())?;
            tx.execute("DELETE FROM subscriptions WHERE id = ?1", [&sub.id])?;
            let room = change_users_count(tx, rid, -1)?;
            Ok(Some((sub, room)))
        })
    }

    fn subscription(&self, rid: &str, user_id: &str) -> Result<Option<Subscription>> {
        self.read(|c| read_subscription(c, rid, user_id))
    }

    fn subscription_by_id(&self, id: &str) -> Result<Option<Subscription>> {
        self.read(|c| {
            let doc: Option<String> = c
                .prepare_cached("SELECT doc FROM subscriptions WHERE id = ?1")?
                .query_row([id], |r| r.get(0))
                .optional()?;
            doc.map(|d| decode(&d)).transpose()
        })
    }

    fn subscriptions_of_user(&self, user_id: &str) -> Result<Vec<Subscription>> {
        self.read(|c| {
            collect(
                &mut *c.prepare_cached("SELECT doc FROM subscriptions WHERE user_id = ?1 ORDER BY rowid")?,
                [user_id],
            )
        })
    }

    fn subscriptions_of_user_updated_since(&self, user_id: &str, since: Date) -> Result<Vec<Subscription>> {
        self.read(|c| {
            collect(
                &mut *c.prepare_cached(
                    "SELECT doc FROM subscriptions WHERE user_id = ?1 AND updated_at > ?2 ORDER BY rowid",
                )?,
                params![user_id, since.0],
            )
        })
    }

    fn deleted_subscriptions_of_user_since(&self, user_id: &str, since: Date) -> Result<Vec<Tombstone>> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT id, deleted_at FROM deleted_subscriptions WHERE user_id = ?1 AND deleted_at > ?2
                 ORDER BY deleted_at",
            )?;
            tombstones(&mut stmt, params![user_id, since.0])
        })
    }

    fn subscriptions_of_room(&self, rid: &str) -> Result<Vec<Subscription>> {
        self.read(|c| {
            collect(&mut *c.prepare_cached("SELECT doc FROM subscriptions WHERE rid = ?1 ORDER BY rowid")?, [rid])
        })
    }

    fn subscriptions_with_role(&self, rid: &str, role: &str) -> Result<Vec<Subscription>> {
        self.read(|c| {
            collect(
                &mut *c.prepare_cached(
                    "SELECT doc FROM subscriptions WHERE rid = ?1
                     AND EXISTS (SELECT 1 FROM json_each(subscriptions.doc, '$.roles') WHERE value = ?2)
                     ORDER BY rowid",
                )?,
                [rid, role],
            )
        })
    }

    fn subscriptions_with_roles(&self, rid: &str) -> Result<Vec<Subscription>> {
        self.read(|c| {
            collect(
                &mut *c.prepare_cached(
                    "SELECT doc FROM subscriptions WHERE rid = ?1
                     AND coalesce(json_array_length(doc, '$.roles'), 0) > 0 ORDER BY rowid",
                )?,
                [rid],
            )
        })
    }

    fn room_members(&self, rid: &str, q: &MemberQuery) -> Result<(Vec<User>, usize)> {
        self.read(|c| {
            let filter = q.filter.as_deref().filter(|f| !f.trim().is_empty()).map(|f| like_pattern(f.trim()));
            let status = serde_json::to_string(&q.status)?;
            let clause = "FROM subscriptions s JOIN users u ON u.id = s.user_id
                 WHERE s.rid = ?1 AND coalesce(json_extract(u.doc, '$.active'), 0) = 1
                   AND (?2 IS NULL OR u.username LIKE ?2 ESCAPE '\\' OR json_extract(u.doc, '$.name') LIKE ?2 ESCAPE '\\')
                   AND (?3 = '[]' OR json_extract(u.doc, '$.status') IN (SELECT value FROM json_each(?3)))";
            let total: i64 = c
                .prepare_cached(&format!("SELECT count(*) {clause}"))?
                .query_row(params![rid, filter, status], |r| r.get(0))?;
            let order = if q.descending { "DESC" } else { "ASC" };
            let sql = format!("SELECT u.doc {clause} ORDER BY u.username COLLATE NOCASE {order} LIMIT ?4 OFFSET ?5");
            let users = collect(
                &mut *c.prepare_cached(&sql)?,
                params![rid, filter, status, q.limit.map_or(-1, |l| l as i64), q.offset as i64],
            )?;
            Ok((users, total as usize))
        })
    }

    fn insert_team(&self, team: &Team, members: &[TeamMember]) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO teams (id, name, room_id, doc) VALUES (?1, ?2, ?3, ?4)",
                params![team.id, team.name, team.room_id, encode(team)?],
            )
            .map_err(team_name_taken)?;
            for m in members {
                put_team_member(tx, m)?;
            }
            Ok(())
        })
    }

    fn update_team(&self, team: &Team) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "UPDATE teams SET name = ?2, room_id = ?3, doc = ?4 WHERE id = ?1",
                params![team.id, team.name, team.room_id, encode(team)?],
            )
            .map_err(team_name_taken)?;
            Ok(())
        })
    }

    fn delete_team(&self, id: &str) -> Result<()> {
        self.write(|tx| {
            tx.execute("DELETE FROM team_members WHERE team_id = ?1", [id])?;
            tx.execute("DELETE FROM teams WHERE id = ?1", [id])?;
            Ok(())
        })
    }

    fn team_by_id(&self, id: &str) -> Result<Option<Team>> {
        self.read(|c| {
            let doc: Option<String> =
                c.prepare_cached("SELECT doc FROM teams WHERE id = ?1")?.query_row([id], |r| r.get(0)).optional()?;
            doc.map(|d| decode(&d)).transpose()
        })
    }

    fn team_by_name(&self, name: &str) -> Result<Option<Team>> {
        self.read(|c| {
            let doc: Option<String> = c
                .prepare_cached("SELECT doc FROM teams WHERE name = ?1 COLLATE NOCASE")?
                .query_row([name], |r| r.get(0))
                .optional()?;
            doc.map(|d| decode(&d)).transpose()
        })
    }

    fn team_by_room(&self, room_id: &str) -> Result<Option<Team>> {
        self.read(|c| {
            let doc: Option<String> = c
                .prepare_cached("SELECT doc FROM teams WHERE room_id = ?1")?
                .query_row([room_id], |r| r.get(0))
                .optional()?;
            doc.map(|d| decode(&d)).transpose()
        })
    }

    fn teams(&self) -> Result<Vec<Team>> {
        self.read(|c| collect(&mut *c.prepare_cached("SELECT doc FROM teams ORDER BY name COLLATE NOCASE")?, []))
    }

    fn teams_by_ids(&self, ids: &[String]) -> Result<Vec<Team>> {
        self.read(|c| {
            collect(
                &mut *c.prepare_cached(
                    "SELECT doc FROM teams WHERE id IN (SELECT value FROM json_each(?1)) ORDER BY name COLLATE NOCASE",
                )?,
                [serde_json::to_string(ids)?],
            )
        })
    }

    fn put_team_member(&self, member: &TeamMember) -> Result<()> {
        self.write(|tx| put_team_member(tx, member))
    }

    fn delete_team_member(&self, team_id: &str, user_id: &str) -> Result<()> {
        self.execute("DELETE FROM team_members WHERE team_id = ?1 AND user_id = ?2", [team_id, user_id])
    }

    fn team_member(&self, team_id: &str, user_id: &str) -> Result<Option<TeamMember>> {
        self.read(|c| {
            let doc: Option<String> = c
                .prepare_cached("SELECT doc FROM team_members WHERE team_id = ?1 AND user_id = ?2")?
                .query_row([team_id, user_id], |r| r.get(0))
                .optional()?;
            doc.map(|d| decode(&d)).transpose()
        })
    }

    fn team_members(&self, team_id: &str) -> Result<Vec<TeamMember>> {
        self.read(|c| {
            collect(
                &mut *c.prepare_cached("SELECT doc FROM team_members WHERE team_id = ?1 ORDER BY rowid")?,
                [team_id],
            )
        })
    }

    fn team_memberships_of_user(&self, user_id: &str) -> Result<Vec<TeamMember>> {
        self.read(|c| {
            collect(
                &mut *c.prepare_cached("SELECT doc FROM team_members WHERE user_id = ?1 ORDER BY rowid")?,
                [user_id],
            )
        })
    }
}

fn put_team_member(tx: &Transaction, m: &TeamMember) -> Result<()> {
    tx.execute(
        "INSERT INTO team_members (id, team_id, user_id, doc) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(team_id, user_id) DO UPDATE SET doc = excluded.doc",
        params![m.id, m.team_id, m.user_id, encode(m)?],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::models::{Mention, UserRef};
    use crate::store::MessageStore;

    fn message(rid: &str, i: i64, t: Option<&str>, mention: Option<&str>) -> Message {
        Message {
            id: format!("m{i}"),
            rid: rid.into(),
            msg: format!("text {i}"),
            ts: Date(1_000 + i),
            u: UserRef { id: "u1".into(), username: "one".into(), name: None },
            updated_at: Date(1_000 + i),
            t: t.map(String::from),
            mentions: mention
                .map(|id| vec![Mention { id: id.into(), username: "x".into(), name: None, kind: None }])
                .unwrap_or_default(),
            ..Default::default()
        }
    }

    #[test]
    fn history_ranges_types_mentions_and_cleaning() {
        let dir = std::env::temp_dir().join(format!("orbit-room-store-{}", crate::ids::random_id()));
        let store = SqliteStore::open(&dir).unwrap();
        let room = Room { id: "R".into(), t: RoomType::Channel, name: Some("r".into()), ..Default::default() };
        store.insert_room(&room, &[]).unwrap();
        for i in 0..10 {
            let t = if i % 3 == 0 { Some("uj") } else { None };
            let mention = if i % 4 == 0 { Some("u2") } else { None };
            store.insert_message(&message("R", i, t, mention)).unwrap();
        }
        let q = |f: &dyn Fn(&mut HistoryQuery)| {
            let mut q = HistoryQuery { rid: "R".into(), ..Default::default() };
            f(&mut q);
            let ids: Vec<String> = store.room_history(&q).unwrap().into_iter().map(|m| m.id).collect();
            (ids, store.count_room_history(&q).unwrap())
        };
        let (ids, total) = q(&|q| q.limit = Some(3));
        assert_eq!((ids, total), (vec!["m9".to_string(), "m8".into(), "m7".into()], 10));
        let (ids, _) = q(&|q| {
            q.oldest = Some(Date(1_002));
            q.latest = Some(Date(1_005));
        });
        assert_eq!(ids, vec!["m4", "m3"]);
        let (ids, _) = q(&|q| {
            q.oldest = Some(Date(1_002));
            q.latest = Some(Date(1_005));
            q.inclusive = true;
            q.oldest_first = true;
        });
        assert_eq!(ids, vec!["m2", "m3", "m4", "m5"]);
        let (_, total) = q(&|q| q.exclude_types = vec!["uj".into()]);
        assert_eq!(total, 6);
        let (ids, total) = q(&|q| q.mentioning = Some("u2".into()));
        assert_eq!((ids, total), (vec!["m8".to_string(), "m4".into(), "m0".into()], 3));
        let deleted = store
            .clean_room_history(&CleanHistory {
                rid: "R".into(),
                oldest: Date(1_000),
                latest: Date(1_009),
                inclusive: false,
                limit: Some(2),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(deleted, vec!["m1", "m2"]);
        assert_eq!(q(&|_| {}).1, 8);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(like_pattern("a_b%c"), "%a\\_b\\%c%");
    }
}
