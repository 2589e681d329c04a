-- accounts, configuration, rooms, subscriptions, messages.
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
