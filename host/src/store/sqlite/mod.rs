//! The embedded SQLite store.
//!
//! One writer connection (SQLite allows one writer at a time) and a small pool of readers, all in
//! WAL mode. `synchronous=FULL`: a write is on disk before its call returns, so an acknowledged
//! write survives a crash, a `kill -9` or a power loss.

mod accounts;
mod apps;
mod avatars;
mod config;
mod docs;
mod messages;
mod migrations;
mod rooms;
mod uploads;

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use parking_lot::Mutex;
use rusqlite::{Connection, Transaction};

use crate::error::Result;

/// The SQLite implementation of [`crate::store::Store`].
pub struct SqliteStore {
    writer: Mutex<Connection>,
    readers: Vec<Mutex<Connection>>,
    next_reader: AtomicUsize,
}

const READERS: usize = 4;

impl SqliteStore {
    /// Opens (creating if needed) `orbit.db` in `dir` and runs pending migrations.
    pub fn open(dir: &Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let path = dir.join("orbit.db");
        let mut writer = open_connection(&path)?;
        migrations::run(&mut writer)?;
        let readers =
            (0..READERS).map(|_| open_connection(&path).map(Mutex::new)).collect::<anyhow::Result<Vec<_>>>()?;
        Ok(Self { writer: Mutex::new(writer), readers, next_reader: AtomicUsize::new(0) })
    }

    /// Runs `f` on a reader connection.
    pub(crate) fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let start = self.next_reader.fetch_add(1, Ordering::Relaxed);
        for i in 0..self.readers.len() {
            if let Some(conn) = self.readers[(start + i) % self.readers.len()].try_lock() {
                return f(&conn);
            }
        }
        f(&self.readers[start % self.readers.len()].lock())
    }

    /// Runs one statement in a write transaction of its own.
    pub(crate) fn execute(&self, sql: &str, params: impl rusqlite::Params) -> Result<()> {
        self.write(|tx| {
            tx.execute(sql, params)?;
            Ok(())
        })
    }

    /// Runs `f` inside one write transaction, committed when `f` succeeds.
    pub(crate) fn write<T>(&self, f: impl FnOnce(&Transaction) -> Result<T>) -> Result<T> {
        let mut conn = self.writer.lock();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }
}

fn open_connection(path: &Path) -> anyhow::Result<Connection> {
    let conn = Connection::open(path)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.set_prepared_statement_cache_capacity(256);
    Ok(conn)
}
