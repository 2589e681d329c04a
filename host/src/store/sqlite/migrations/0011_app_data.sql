-- Each app's key-value store (the `persistence` capability). `size` is the bytes of key and
-- value, which the per-app quota sums; associations are kept beside for lookups by them.
CREATE TABLE app_data (
    app_id TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    associations TEXT NOT NULL,
    version INTEGER NOT NULL,
    expires_at INTEGER,
    size INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (app_id, key)
);
CREATE INDEX app_data_expiry ON app_data(expires_at) WHERE expires_at IS NOT NULL;
CREATE TABLE app_data_associations (
    app_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    key TEXT NOT NULL,
    PRIMARY KEY (app_id, kind, id, key)
) WITHOUT ROWID;
