use rusqlite::{OptionalExtension, params};

use super::SqliteStore;
use super::docs::{collect, decode, encode};
use crate::error::Result;
use crate::models::{Message, Room};
use crate::store::MessageStore;
use crate::time::Date;

impl MessageStore for SqliteStore {
    fn insert_message(&self, m: &Message) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO messages (id, rid, ts, tmid, updated_at, doc) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![m.id, m.rid, m.ts.0, m.tmid, m.updated_at.0, encode(m)?],
            )?;
            let doc: Option<String> = tx
                .prepare_cached("SELECT doc FROM rooms WHERE id = ?1")?
                .query_row([&m.rid], |r| r.get(0))
                .optional()?;
            if let Some(doc) = doc {
                let mut room: Room = decode(&doc)?;
                room.msgs += 1;
                room.lm = Some(m.ts);
                room.last_message = Some(crate::time::storage(|| serde_json::to_value(m))?);
                room.updated_at = m.updated_at;
                tx.execute("UPDATE rooms SET doc = ?2 WHERE id = ?1", params![room.id, encode(&room)?])?;
            }
            Ok(())
        })
    }

    fn update_message(&self, m: &Message) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "UPDATE messages SET tmid = ?2, updated_at = ?3, doc = ?4 WHERE id = ?1",
                params![m.id, m.tmid, m.updated_at.0, encode(m)?],
            )?;
            Ok(())
        })
    }

    fn delete_message(&self, id: &str) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT OR REPLACE INTO deleted_messages (id, rid, deleted_at)
                 SELECT id, rid, ?2 FROM messages WHERE id = ?1",
                params![id, Date::now().0],
            )?;
            tx.execute("DELETE FROM messages WHERE id = ?1", [id])?;
            Ok(())
        })
    }

    fn message(&self, id: &str) -> Result<Option<Message>> {
        self.read(|c| {
            let doc: Option<String> =
                c.prepare_cached("SELECT doc FROM messages WHERE id = ?1")?.query_row([id], |r| r.get(0)).optional()?;
            doc.map(|d| decode(&d)).transpose()
        })
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
}
