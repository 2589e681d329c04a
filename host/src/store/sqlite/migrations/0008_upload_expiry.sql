-- unconfirmed uploads expire; images of a room are listed newest first.
ALTER TABLE uploads ADD COLUMN expires_at INTEGER;
CREATE INDEX uploads_expiring ON uploads(expires_at) WHERE expires_at IS NOT NULL;
CREATE INDEX uploads_mid ON uploads(json_extract(doc, '$.mid'));
