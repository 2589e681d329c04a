use rusqlite::{OptionalExtension, Transaction, params};

use super::SqliteStore;
use super::docs::{collect, decode, encode};
use crate::error::{Error, Result};
use crate::models::{Room, Subscription};
use crate::store::RoomStore;

fn room_name_taken(e: rusqlite::Error) -> Error {
    match &e {
        rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::ConstraintViolation => {
            Error::bad("error-duplicate-channel-name", "A channel with that name already exists")
        }
        _ => e.into(),
    }
}

fn room_name_column(room: &Room) -> Option<&str> {
    if room.t == "d" { None } else { room.name.as_deref() }
}

fn put_subscription(tx: &Transaction, sub: &Subscription) -> Result<()> {
    tx.execute(
        "INSERT INTO subscriptions (id, rid, user_id, doc) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(id) DO UPDATE SET doc = excluded.doc",
        params![sub.id, sub.rid, sub.u.id, encode(sub)?],
    )?;
    Ok(())
}

impl RoomStore for SqliteStore {
    fn insert_room(&self, room: &Room, subscriptions: &[Subscription]) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO rooms (id, t, name, doc) VALUES (?1, ?2, ?3, ?4)",
                params![room.id, room.t, room_name_column(room), encode(room)?],
            )
            .map_err(room_name_taken)?;
            for sub in subscriptions {
                put_subscription(tx, sub)?;
            }
            Ok(())
        })
    }

    fn update_room(&self, room: &Room) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "UPDATE rooms SET t = ?2, name = ?3, doc = ?4 WHERE id = ?1",
                params![room.id, room.t, room_name_column(room), encode(room)?],
            )
            .map_err(room_name_taken)?;
            Ok(())
        })
    }

    fn delete_room(&self, id: &str) -> Result<()> {
        self.write(|tx| {
            tx.execute("DELETE FROM rooms WHERE id = ?1", [id])?;
            Ok(())
        })
    }

    fn room_by_id(&self, id: &str) -> Result<Option<Room>> {
        self.read(|c| {
            let doc: Option<String> =
                c.prepare_cached("SELECT doc FROM rooms WHERE id = ?1")?.query_row([id], |r| r.get(0)).optional()?;
            doc.map(|d| decode(&d)).transpose()
        })
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

    fn rooms_by_types(&self, types: &[&str]) -> Result<Vec<Room>> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT doc FROM rooms WHERE ?1 = '[]' OR t IN (SELECT value FROM json_each(?1)) ORDER BY rowid",
            )?;
            collect(&mut stmt, [serde_json::to_string(types)?])
        })
    }

    fn insert_subscription(&self, sub: &Subscription) -> Result<()> {
        self.write(|tx| put_subscription(tx, sub))
    }

    fn update_subscription(&self, sub: &Subscription) -> Result<()> {
        self.write(|tx| put_subscription(tx, sub))
    }

    fn delete_subscription(&self, rid: &str, user_id: &str) -> Result<()> {
        self.write(|tx| {
            tx.execute("DELETE FROM subscriptions WHERE rid = ?1 AND user_id = ?2", [rid, user_id])?;
            Ok(())
        })
    }

    fn subscription(&self, rid: &str, user_id: &str) -> Result<Option<Subscription>> {
        self.read(|c| {
            let doc: Option<String> = c
                .prepare_cached("SELECT doc FROM subscriptions WHERE rid = ?1 AND user_id = ?2")?
                .query_row([rid, user_id], |r| r.get(0))
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

    fn subscriptions_of_room(&self, rid: &str) -> Result<Vec<Subscription>> {
        self.read(|c| {
            collect(&mut *c.prepare_cached("SELECT doc FROM subscriptions WHERE rid = ?1 ORDER BY rowid")?, [rid])
        })
    }
}
