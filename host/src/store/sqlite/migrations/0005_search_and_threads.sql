-- messages: full-text search, partial indexes for pinned, thread and discussion messages,
-- and the thread of deleted messages.
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
