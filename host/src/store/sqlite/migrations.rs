//! Versioned schema migrations, applied in order at start. `PRAGMA user_version` records how
//! many have run. Append new steps; never edit a released one.

use rusqlite::Connection;

const STEPS: &[&str] = &[
    // 1: accounts, configuration, rooms, subscriptions, messages.
    r#"
    CREATE TABLE users (
        id TEXT PRIMARY KEY,
        username TEXT NOT NULL,
        email TEXT,
        created_at INTEGER NOT NULL,
        doc TEXT NOT NULL
    );
    CREATE UNIQUE INDEX users_username ON users(username COLLATE NOCASE);
    CREATE UNIQUE INDEX users_email ON users(email COLLATE NOCASE) WHERE email IS NOT NULL;
    CREATE TABLE credentials (
        user_id TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
        doc TEXT NOT NULL
    );
    CREATE TABLE login_tokens (
        hashed_token TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        kind TEXT NOT NULL,
        doc TEXT NOT NULL
    );
    CREATE INDEX login_tokens_user ON login_tokens(user_id, kind);
    CREATE TABLE avatars (
        user_id TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
        content_type TEXT NOT NULL,
        data BLOB NOT NULL
    );
    CREATE TABLE settings (id TEXT PRIMARY KEY, doc TEXT NOT NULL);
    CREATE TABLE roles (id TEXT PRIMARY KEY, doc TEXT NOT NULL);
    CREATE TABLE permissions (id TEXT PRIMARY KEY, doc TEXT NOT NULL);
    CREATE TABLE docs (
        collection TEXT NOT NULL,
        id TEXT NOT NULL,
        doc TEXT NOT NULL,
        PRIMARY KEY (collection, id)
    );
    CREATE TABLE rooms (
        id TEXT PRIMARY KEY,
        t TEXT NOT NULL,
        name TEXT,
        doc TEXT NOT NULL
    );
    CREATE UNIQUE INDEX rooms_name ON rooms(name COLLATE NOCASE) WHERE name IS NOT NULL AND t IN ('c', 'p');
    CREATE TABLE subscriptions (
        id TEXT PRIMARY KEY,
        rid TEXT NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
        user_id TEXT NOT NULL,
        doc TEXT NOT NULL
    );
    CREATE UNIQUE INDEX subscriptions_room_user ON subscriptions(rid, user_id);
    CREATE INDEX subscriptions_user ON subscriptions(user_id);
    "#,
    // 2: messages, by room and time; deleted-message tombstones.
    r#"
    CREATE TABLE messages (
        id TEXT PRIMARY KEY,
        rid TEXT NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
        ts INTEGER NOT NULL,
        tmid TEXT,
        updated_at INTEGER NOT NULL,
        doc TEXT NOT NULL
    );
    CREATE INDEX messages_room_ts ON messages(rid, ts);
    CREATE INDEX messages_room_updated ON messages(rid, updated_at);
    CREATE INDEX messages_thread ON messages(tmid, ts) WHERE tmid IS NOT NULL;
    CREATE TABLE deleted_messages (
        id TEXT PRIMARY KEY,
        rid TEXT NOT NULL,
        deleted_at INTEGER NOT NULL
    );
    CREATE INDEX deleted_messages_room ON deleted_messages(rid, deleted_at);
    "#,
    // 3: rooms: lookups by parent, team and change time; room and subscription tombstones; teams.
    r#"
    ALTER TABLE rooms ADD COLUMN prid TEXT GENERATED ALWAYS AS (json_extract(doc, '$.prid')) VIRTUAL;
    ALTER TABLE rooms ADD COLUMN team_id TEXT GENERATED ALWAYS AS (json_extract(doc, '$.teamId')) VIRTUAL;
    ALTER TABLE rooms ADD COLUMN updated_at INTEGER GENERATED ALWAYS AS (json_extract(doc, '$._updatedAt')) VIRTUAL;
    CREATE INDEX rooms_type ON rooms(t, name COLLATE NOCASE);
    CREATE INDEX rooms_parent ON rooms(prid) WHERE prid IS NOT NULL;
    CREATE INDEX rooms_team ON rooms(team_id) WHERE team_id IS NOT NULL;
    ALTER TABLE subscriptions ADD COLUMN updated_at INTEGER GENERATED ALWAYS AS (json_extract(doc, '$._updatedAt')) VIRTUAL;
    CREATE INDEX subscriptions_user_updated ON subscriptions(user_id, updated_at);
    CREATE TABLE deleted_rooms (
        id TEXT PRIMARY KEY,
        deleted_at INTEGER NOT NULL
    );
    CREATE TABLE deleted_subscriptions (
        id TEXT PRIMARY KEY,
        rid TEXT NOT NULL,
        user_id TEXT NOT NULL,
        deleted_at INTEGER NOT NULL
    );
    CREATE INDEX deleted_subscriptions_user ON deleted_subscriptions(user_id, deleted_at);
    CREATE TABLE teams (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        room_id TEXT,
        doc TEXT NOT NULL
    );
    CREATE UNIQUE INDEX teams_name ON teams(name COLLATE NOCASE);
    CREATE INDEX teams_room ON teams(room_id);
    CREATE TABLE team_members (
        id TEXT PRIMARY KEY,
        team_id TEXT NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
        user_id TEXT NOT NULL,
        doc TEXT NOT NULL
    );
    CREATE UNIQUE INDEX team_members_team_user ON team_members(team_id, user_id);
    CREATE INDEX team_members_user ON team_members(user_id);
    "#,
    // 4: installed apps: manifest, package zip, status, setting values, failure reason.
    r#"
    CREATE TABLE apps (
        id TEXT PRIMARY KEY,
        manifest TEXT NOT NULL,
        package BLOB NOT NULL,
        package_sha256 TEXT NOT NULL,
        status TEXT NOT NULL,
        failure TEXT,
        settings TEXT NOT NULL,
        installed_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        doc TEXT NOT NULL
    );
    "#,
    // 5: messages: full-text search, partial indexes for pinned, thread and discussion messages,
    // and the thread of deleted messages.
    r#"
    CREATE VIRTUAL TABLE messages_fts USING fts5(
        msg, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 2'
    );
    INSERT INTO messages_fts(rowid, msg)
        SELECT rowid, json_extract(doc, '$.msg') FROM messages WHERE json_extract(doc, '$.t') IS NULL;
    CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages
    WHEN json_extract(new.doc, '$.t') IS NULL BEGIN
        INSERT INTO messages_fts(rowid, msg) VALUES (new.rowid, json_extract(new.doc, '$.msg'));
    END;
    CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
        DELETE FROM messages_fts WHERE rowid = old.rowid;
    END;
    CREATE TRIGGER messages_fts_update AFTER UPDATE OF doc ON messages
    WHEN json_extract(old.doc, '$.msg') IS NOT json_extract(new.doc, '$.msg') BEGIN
        DELETE FROM messages_fts WHERE rowid = old.rowid;
        INSERT INTO messages_fts(rowid, msg)
            SELECT new.rowid, json_extract(new.doc, '$.msg') WHERE json_extract(new.doc, '$.t') IS NULL;
    END;
    CREATE INDEX messages_pinned ON messages(rid, ts) WHERE json_extract(doc, '$.pinned') = 1;
    CREATE INDEX messages_threads ON messages(rid, ts) WHERE json_extract(doc, '$.tcount') IS NOT NULL;
    CREATE INDEX messages_discussions ON messages(rid, ts) WHERE json_extract(doc, '$.drid') IS NOT NULL;
    CREATE INDEX messages_starred ON messages(rid, ts) WHERE json_extract(doc, '$.starred') IS NOT NULL;
    ALTER TABLE deleted_messages ADD COLUMN tmid TEXT;
    ALTER TABLE deleted_messages ADD COLUMN was_thread INTEGER NOT NULL DEFAULT 0;
    "#,
    // 6: uploaded files (the bytes are in <data dir>/uploads/).
    r#"
    CREATE TABLE uploads (
        id TEXT PRIMARY KEY,
        rid TEXT NOT NULL,
        user_id TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        doc TEXT NOT NULL
    );
    CREATE INDEX uploads_room ON uploads(rid, created_at);
    "#,
    // 7: avatars carry their entity tag and upload time (for ETag and Last-Modified).
    r#"
    ALTER TABLE avatars ADD COLUMN etag TEXT;
    ALTER TABLE avatars ADD COLUMN uploaded_at INTEGER NOT NULL DEFAULT 0;
    "#,
    // 8: unconfirmed uploads expire; images of a room are listed newest first.
    r#"
    ALTER TABLE uploads ADD COLUMN expires_at INTEGER;
    CREATE INDEX uploads_expiring ON uploads(expires_at) WHERE expires_at IS NOT NULL;
    CREATE INDEX uploads_mid ON uploads(json_extract(doc, '$.mid'));
    "#,
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
