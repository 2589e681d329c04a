-- uploaded files (the bytes are in <data dir>/uploads/).
CREATE TABLE uploads (
    id TEXT PRIMARY KEY,
    rid TEXT NOT NULL,
    user_id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX uploads_room ON uploads(rid, created_at);
