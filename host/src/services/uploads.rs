//! File uploads: checked against the `FileUpload_*` settings, stored under
//! `<data dir>/uploads/`, posted as file messages, served back to those who may read the room,
//! and removed with their message.

use std::path::PathBuf;

use serde_json::{Map, Value, json};

use super::Services;
use super::messages::Draft;
use crate::error::{Error, Result};
use crate::ids;
use crate::models::{Message, User};
use crate::store::Upload;
use crate::time::Date;

/// Upload operations.
pub struct Uploads<'a>(pub &'a Services);

impl Services {
    /// Upload operations.
    pub fn uploads(&self) -> Uploads<'_> {
        Uploads(self)
    }
}

/// A file as a client sends it.
pub struct NewFile {
    pub name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// What goes with a file message.
#[derive(Debug, Clone, Default)]
pub struct FileMessage {
    pub msg: String,
    pub description: Option<String>,
    pub tmid: Option<String>,
}

/// Whether `content_type` matches a comma-separated list of types, where `image/*` matches
/// every image type.
pub fn type_listed(list: &str, content_type: &str) -> bool {
    let ct = content_type.to_ascii_lowercase();
    list.split(',').map(|t| t.trim().to_ascii_lowercase()).filter(|t| !t.is_empty()).any(|t| {
        match t.strip_suffix("/*") {
            Some(family) => ct.split('/').next() == Some(family),
            None => t == ct,
        }
    })
}

/// A file name safe to store and to put in a URL path: no directories, no control characters.
pub fn clean_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base.chars().filter(|c| !c.is_control()).collect::<String>().trim().to_string();
    let cleaned = cleaned.trim_start_matches('.').to_string();
    if cleaned.is_empty() { "file".into() } else { cleaned.chars().take(200).collect() }
}

/// The path under which a file is served.
pub fn file_url(upload: &Upload) -> String {
    format!("/file-upload/{}/{}", upload.id, urlencoding::encode(&upload.name))
}

impl Uploads<'_> {
    fn dir(&self) -> PathBuf {
        self.0.config.data_dir.join("uploads")
    }

    fn path(&self, id: &str) -> PathBuf {
        self.dir().join(id)
    }

    /// Upstream's `validateFileUpload`: uploads enabled, the size within
    /// `FileUpload_MaxFileSize` (`-1`: unlimited), the type allowed by the white and black lists,
    /// and the user allowed to post in the room.
    fn validate(&self, user: &User, rid: &str, file: &NewFile) -> Result<()> {
        let s = self.0;
        if !s.settings.bool("FileUpload_Enabled") {
            return Err(Error::bad("error-file-upload-disabled", "File upload is disabled"));
        }
        let room = s.store.room_by_id(rid)?.ok_or_else(|| Error::bad("error-invalid-room", "Invalid room"))?;
        s.rooms().can_post(user, &room)?;
        if file.bytes.is_empty() {
            return Err(Error::bad("error-file-empty", "The file is empty"));
        }
        let max = s.settings.int("FileUpload_MaxFileSize", 104_857_600);
        if max >= 0 && file.bytes.len() as i64 > max {
            return Err(Error::bad("error-file-too-large", format!("File exceeds allowed size of {max} bytes.")));
        }
        let white = s.settings.string("FileUpload_MediaTypeWhiteList");
        let black = s.settings.string("FileUpload_MediaTypeBlackList");
        if (!white.trim().is_empty() && !type_listed(&white, &file.content_type))
            || type_listed(&black, &file.content_type)
        {
            return Err(Error::bad("error-invalid-file-type", "File type is not accepted."));
        }
        Ok(())
    }

    /// `rooms.media`: stores a file for a later message; returns its record.
    pub fn store(&self, user: &User, rid: &str, file: NewFile) -> Result<Upload> {
        self.validate(user, rid, &file)?;
        let now = Date::now();
        let upload = Upload {
            id: ids::random_id(),
            rid: rid.to_string(),
            user_id: user.id.clone(),
            name: clean_name(&file.name),
            content_type: file.content_type.to_ascii_lowercase(),
            size: file.bytes.len() as i64,
            complete: false,
            uploaded_at: now,
            updated_at: now,
            ..Default::default()
        };
        std::fs::create_dir_all(self.dir()).map_err(|e| Error::Internal(e.into()))?;
        let tmp = self.dir().join(format!("{}.part", upload.id));
        std::fs::write(&tmp, &file.bytes).map_err(|e| Error::Internal(e.into()))?;
        std::fs::rename(&tmp, self.path(&upload.id)).map_err(|e| Error::Internal(e.into()))?;
        if let Err(e) = self.0.store.insert_upload(&upload) {
            let _ = std::fs::remove_file(self.path(&upload.id));
            return Err(e);
        }
        Ok(upload)
    }

    /// `rooms.mediaConfirm`: posts the message carrying a stored file (only its uploader may).
    pub fn confirm(&self, user: &User, rid: &str, file_id: &str, m: FileMessage) -> Result<Message> {
        let s = self.0;
        let upload = s
            .store
            .upload(file_id)?
            .filter(|u| u.rid == rid && u.user_id == user.id && !u.complete)
            .ok_or_else(|| Error::bad("error-file-not-found", "File not found"))?;
        let url = file_url(&upload);
        let mut attachment = json!({
            "title": upload.name, "type": "file", "title_link": url, "title_link_download": true,
        });
        if let Some(d) = m.description.as_deref().filter(|d| !d.is_empty()) {
            attachment["description"] = json!(d);
        }
        for kind in ["image", "audio", "video"] {
            if upload.content_type.starts_with(&format!("{kind}/")) {
                attachment[format!("{kind}_url")] = json!(url);
                attachment[format!("{kind}_type")] = json!(upload.content_type);
                attachment[format!("{kind}_size")] = json!(upload.size);
            }
        }
        let format = upload.name.rsplit_once('.').map(|(_, ext)| ext.to_ascii_lowercase()).unwrap_or_default();
        let file = json!({"_id": upload.id, "name": upload.name, "type": upload.content_type, "size": upload.size, "format": format});
        let mut extra = Map::new();
        extra.insert("files".into(), json!([file]));
        let draft = Draft {
            rid: rid.to_string(),
            msg: m.msg,
            tmid: m.tmid,
            groupable: Some(false),
            attachments: Some(vec![attachment]),
            file: Some(file),
            extra,
            ..Default::default()
        };
        let message = s.messages().send(user, draft)?;
        s.store.complete_upload(&upload.id, &message.id, m.description.as_deref())?;
        Ok(message)
    }

    /// `rooms.upload`: stores a file and posts its message at once.
    pub fn upload(&self, user: &User, rid: &str, file: NewFile, m: FileMessage) -> Result<Message> {
        let upload = self.store(user, rid, file)?;
        match self.confirm(user, rid, &upload.id, m) {
            Ok(message) => Ok(message),
            Err(e) => {
                self.remove(&upload.id)?;
                Err(e)
            }
        }
    }

    /// A file to download: its record and bytes. With `FileUpload_ProtectFiles` the caller must
    /// be logged in and able to read the room.
    pub fn download(&self, caller: Option<&User>, id: &str) -> Result<(Upload, Vec<u8>)> {
        let s = self.0;
        let not_found = || Error::Api {
            status: 404,
            id: "error-file-not-found".into(),
            message: "File not found".into(),
            details: None,
        };
        let upload = s.store.upload(id)?.ok_or_else(not_found)?;
        if s.settings.bool("FileUpload_ProtectFiles") {
            let user = caller.ok_or(Error::Unauthenticated)?;
            let room = s.store.room_by_id(&upload.rid)?.ok_or_else(not_found)?;
            if !s.rooms().can_read(user, &room)? {
                return Err(Error::forbidden("error-not-allowed", "Not allowed"));
            }
        }
        let bytes = std::fs::read(self.path(&upload.id)).map_err(|_| not_found())?;
        Ok((upload, bytes))
    }

    /// Deletes a file and its record (its message was deleted).
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
            self.remove(&id)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_lists_and_names() {
        assert!(type_listed("image/*, application/pdf", "IMAGE/PNG"));
        assert!(type_listed("image/*, application/pdf", "application/pdf"));
        assert!(!type_listed("image/*", "text/plain"));
        assert!(!type_listed("", "text/plain"));
        assert_eq!(clean_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_name("C:\\Users\\x\\report.pdf"), "report.pdf");
        assert_eq!(clean_name(".hidden"), "hidden");
        assert_eq!(clean_name("  "), "file");
    }
}
