-- installed apps: manifest, package zip, status, setting values, failure reason.
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
