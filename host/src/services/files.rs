//! Stored upload files: their bytes under `<data dir>/uploads/`, their records, listing and
//! deletion. Below rooms, messages and uploads: deleting a room, a message or a user's messages
//! deletes their files here, and the upload workflow ([`super::uploads`]) stores and serves them.

use std::path::PathBuf;

use serde_json::{Value, json};

use super::Services;
use crate::error::{Error, Result};
use crate::models::{Message, Room};
use crate::store::Upload;

/// Stored file operations.
pub struct Files<'a>(pub &'a Services);

impl Services {
    /// Stored file operations.
    pub fn files(&self) -> Files<'_> {
        Files(self)
    }
}

impl Files<'_> {
    /// The folder of uploaded files, `<data dir>/uploads`.
    pub fn dir(&self) -> PathBuf {
        self.0.config.data_dir.join("uploads")
    }

    /// Where an upload's bytes are.
    pub fn path(&self, id: &str) -> PathBuf {
        self.dir().join(id)
    }

    /// The complete uploads of a room (`channels.files`, `groups.files`, `im.files`), those whose
    /// name contains `name` (any case) when given.
    pub fn room_files(&self, room: &Room, name: Option<&str>) -> Result<Vec<Value>> {
        let needle = name.map(str::to_lowercase).filter(|n| !n.is_empty());
        let files = self
            .0
            .store
            .uploads_of_room(&room.id)?
            .into_iter()
            .filter(|u| u.complete && needle.as_ref().is_none_or(|n| u.name.to_lowercase().contains(n.as_str())));
        self.with_users(files.collect())
    }

    /// Upload records as clients list them: with their uploader's `user: {_id, username, name}`.
    pub fn with_users(&self, uploads: Vec<Upload>) -> Result<Vec<Value>> {
        let mut users: std::collections::HashMap<String, Value> = Default::default();
        let mut out = Vec::with_capacity(uploads.len());
        for u in uploads {
            if !users.contains_key(&u.user_id) {
                let user = self.0.store.user_by_id(&u.user_id)?;
                let v = user.map_or(
                    json!({"_id": u.user_id}),
                    |x| json!({"_id": x.id, "username": x.username, "name": x.name}),
                );
                users.insert(u.user_id.clone(), v);
            }
            let mut v = serde_json::to_value(&u)?;
            v["user"] = users[&u.user_id].clone();
            out.push(v);
        }
        Ok(out)
    }

    /// Deletes a file and its record.
    pub fn remove(&self, id: &str) -> Result<()> {
        self.0.store.delete_upload(id)?;
        match std::fs::remove_file(self.path(id)) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(Error::Internal(e.into())),
        }
    }

    /// Deletes every file of a room (the room was deleted).
    pub fn remove_room_files(&self, rid: &str) -> Result<()> {
        for u in self.0.store.uploads_of_room(rid)? {
            self.remove(&u.id)?;
        }
        Ok(())
    }

    /// Deletes the files of these messages (they were deleted in bulk).
    pub fn remove_message_files(&self, mids: &[String]) -> Result<()> {
        for u in self.0.store.uploads_of_messages(mids)? {
            self.remove(&u.id)?;
        }
        Ok(())
    }

    /// Deletes the files a message carried.
    pub fn remove_files_of(&self, message: &Message) -> Result<()> {
        let mut ids: Vec<String> = Vec::new();
        if let Some(id) = message.file.as_ref().and_then(|f| f.get("_id")).and_then(Value::as_str) {
            ids.push(id.to_string());
        }
        if let Some(files) = message.extra.get("files").and_then(Value::as_array) {
            ids.extend(files.iter().filter_map(|f| f.get("_id").and_then(Value::as_str)).map(String::from));
        }
        ids.sort();
        ids.dedup();
        for id in ids {
            // Only files of this message's room: a message can't take another room's upload.
            if self.0.store.upload(&id)?.is_some_and(|u| u.rid == message.rid) {
                self.remove(&id)?;
            }
        }
        Ok(())
    }
}
