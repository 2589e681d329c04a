use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::page::{Page, Paged};
use crate::error::Result;
use crate::time::Date;

/// An uploaded file (`IUpload`). The bytes live on disk, under the data directory; this is its
/// record. A file uploaded with `rooms.media` stays incomplete (and expires) until its message is
/// sent.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct Upload {
    #[serde(rename = "_id")]
    pub id: String,
    pub rid: String,
    #[serde(rename = "userId")]
    pub user_id: String,
    pub name: String,
    #[serde(rename = "type")]
    pub content_type: String,
    pub size: i64,
    /// `FileSystem:Uploads`.
    #[serde(default)]
    pub store: String,
    /// The name's extension, lower case (`""` without one).
    #[serde(default)]
    pub extension: String,
    /// The first part of the type (`image`, `audio`, `application`, …).
    #[serde(default, rename = "typeGroup")]
    pub type_group: String,
    /// `{format, size: {width, height}}` of images whose header could be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identify: Option<Value>,
    pub complete: bool,
    #[serde(default)]
    pub uploading: bool,
    #[serde(default)]
    pub progress: f64,
    /// Where the file is served (`/file-upload/<id>/<name>`).
    #[serde(default)]
    pub url: String,
    #[serde(default)]
    pub path: String,
    #[serde(rename = "uploadedAt")]
    pub uploaded_at: Date,
    #[serde(rename = "_updatedAt")]
    pub updated_at: Date,
    /// When an unconfirmed `rooms.media` upload is deleted.
    #[serde(default, rename = "expiresAt", skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<Date>,
    /// The message that carries the file, once sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// Records of uploaded files.
pub trait UploadStore {
    fn insert_upload(&self, upload: &Upload) -> Result<()>;
    fn upload(&self, id: &str) -> Result<Option<Upload>>;
    /// Rewrites an upload's record (completion, name, description).
    fn save_upload(&self, upload: &Upload) -> Result<()>;
    fn delete_upload(&self, id: &str) -> Result<()>;
    /// Uploads of a room.
    fn uploads_of_room(&self, rid: &str) -> Result<Vec<Upload>>;
    /// Complete image uploads of a room, newest first, uploaded at or before `until`: one page
    /// and the total.
    fn room_images(&self, rid: &str, until: Option<Date>, page: Page) -> Result<Paged<Upload>>;
    /// Uploads attached to these messages.
    fn uploads_of_messages(&self, mids: &[String]) -> Result<Vec<Upload>>;
    /// Unconfirmed uploads whose `expiresAt` has passed.
    fn expired_uploads(&self, now: Date) -> Result<Vec<Upload>>;
}
