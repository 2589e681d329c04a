-- rooms: lookups by parent, team and change time; room and subscription tombstones; teams.
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
