-- avatars carry their entity tag and upload time (for ETag and Last-Modified).
ALTER TABLE avatars ADD COLUMN etag TEXT;
ALTER TABLE avatars ADD COLUMN uploaded_at INTEGER NOT NULL DEFAULT 0;
