use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::time::Date;

/// An uploaded file (`IUpload`). The bytes live on disk, under the data directory; this is its
/// record. A file uploaded with `rooms.media` stays incomplete until its message is sent.
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
    pub complete: bool,
    #[serde(rename = "uploadedAt")]
    pub uploaded_at: Date,
    #[serde(rename = "_updatedAt")]
    pub updated_at: Date,
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
    /// Marks an upload complete and attached to message `mid`.
    fn complete_upload(&self, id: &str, mid: &str, description: Option<&str>) -> Result<Option<Upload>>;
    fn delete_upload(&self, id: &str) -> Result<()>;
    /// Uploads of a room.
    fn uploads_of_room(&self, rid: &str) -> Result<Vec<Upload>>;
    /// Uploads attached to these messages.
    fn uploads_of_messages(&self, mids: &[String]) -> Result<Vec<Upload>>;
}
