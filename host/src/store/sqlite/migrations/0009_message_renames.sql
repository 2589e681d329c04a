-- Renames waiting to reach the messages: a username or display-name change is carried into
-- the messages in small batches after the profile change commits, so it never holds the
-- writer for long. `cursor` is the last messages rowid done; the oldest job runs first.
CREATE TABLE message_renames (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('username', 'name')),
    old TEXT NOT NULL,
    new TEXT NOT NULL,
    cursor INTEGER NOT NULL DEFAULT 0
);
