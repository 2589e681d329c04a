//! Stored upload files: their bytes under `<data dir>/uploads/`, their records, listing and
//! deletion. Below rooms, messages and uploads: deleting a room, a message or a user's messages
//! deletes their files here, and the upload workflow ([`super::uploads`]) stores and serves them.

use std::collections::HashMap;
use std::path::PathBuf;

use serde::Serialize;
use serde_json::Value;

use super::Services;
use crate::error::{Error, Result};
use crate::models::{Message, Room};
use crate::store::Upload;

/// Stored file operations.
pub struct Files<'a>(pub &'a Services);

/// An upload record as clients list it: the record and its uploader.
#[derive(Debug, Clone, Serialize)]
pub struct UploadView {
    #[serde(flatten)]
    pub upload: Upload,
    pub user: Uploader,
}

/// Who uploaded a file: `{_id, username, name}`, or only `{_id}` for a deleted user.
#[derive(Debug, Clone, Serialize)]
pub struct Uploader {
    #[serde(rename = "_id")]
    pub id: String,
    #[serde(flatten)]
    pub names: Option<UploaderNames>,
}

/// An existing uploader's names.
#[derive(Debug, Clone, Serialize)]
pub struct UploaderNames {
    pub username: String,
    pub name: Option<String>,
}

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
    pub fn room_files(&self, room: &Room, name: Option<&str>) -> Result<Vec<UploadView>> {
        let needle = name.map(str::to_lowercase).filter(|n| !n.is_empty());
        let files = self
            .0
            .store
            .uploads_of_room(&room.id)?
            .into_iter()
            .filter(|u| u.complete && needle.as_ref().is_none_or(|n| u.name.to_lowercase().contains(n.as_str())));
        self.with_users(files.collect())
    }

    /// Upload records as clients list them, each with its uploader.
    pub fn with_users(&self, uploads: Vec<Upload>) -> Result<Vec<UploadView>> {
        let mut users: HashMap<String, Uploader> = HashMap::new();
        let mut out = Vec::with_capacity(uploads.len());
        for upload in uploads {
            let user = match users.get(&upload.user_id) {
                Some(user) => user.clone(),
                None => {
                    let names = self
                        .0
                        .store
                        .user_by_id(&upload.user_id)?
                        .map(|x| UploaderNames { username: x.username, name: x.name });
                    let user = Uploader { id: upload.user_id.clone(), names };
                    users.insert(upload.user_id.clone(), user.clone());
                    user
                }
            };
            out.push(UploadView { upload, user });
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
