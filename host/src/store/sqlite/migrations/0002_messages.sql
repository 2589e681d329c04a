-- messages, by room and time; deleted-message tombstones.
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
