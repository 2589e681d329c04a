//! Versioned schema migrations, applied in order at start. `PRAGMA user_version` records how
//! many have run. Append new steps; never edit a released one.

use rusqlite::Connection;

/// The steps, in order: one SQL file each under `migrations/`.
const STEPS: &[&str] = &[
    include_str!("migrations/0001_core.sql"),
    include_str!("migrations/0002_messages.sql"),
    include_str!("migrations/0003_rooms_teams.sql"),
    include_str!("migrations/0004_apps.sql"),
    include_str!("migrations/0005_search_and_threads.sql"),
    include_str!("migrations/0006_uploads.sql"),
    include_str!("migrations/0007_avatar_etags.sql"),
    include_str!("migrations/0008_upload_expiry.sql"),
    include_str!("migrations/0009_message_renames.sql"),
    include_str!("migrations/0010_mail_queue.sql"),
    include_str!("migrations/0011_app_data.sql"),
];

/// Applies the steps not yet recorded in `user_version`, each in its own transaction.
pub fn run(conn: &mut Connection) -> anyhow::Result<()> {
    let done: usize = conn.pragma_query_value(None, "user_version", |r| r.get::<_, i64>(0))? as usize;
    for (i, sql) in STEPS.iter().enumerate().skip(done) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
        tracing::info!(step = i + 1, "applied schema migration");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn migrations_apply_twice_without_error() {
        let mut c = rusqlite::Connection::open_in_memory().unwrap();
        super::run(&mut c).unwrap();
        super::run(&mut c).unwrap();
        let v: i64 = c.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
        assert_eq!(v as usize, super::STEPS.len());
    }
}
