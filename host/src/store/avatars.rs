//! Avatar images of users, kept apart from the user documents that point at them.

use crate::error::Result;
use crate::models::User;
use crate::time::Date;

/// A stored avatar image.
#[derive(Debug, Clone)]
pub struct AvatarFile {
    pub content_type: String,
    pub data: Vec<u8>,
    /// Its entity tag (the user's `avatarETag` when it was stored).
    pub etag: String,
    pub uploaded_at: Date,
}

/// A new avatar for a user: the image and its origin (`avatarOrigin`: `rest`, `url`, …).
pub struct NewAvatar<'a> {
    pub content_type: &'a str,
    pub data: &'a [u8],
    pub etag: &'a str,
    pub origin: &'a str,
    pub at: Date,
}

/// Users' avatar images.
pub trait AvatarStore {
    /// Replaces a user's avatar (`None` removes it) and, in the same transaction, records it on
    /// the user: `avatarETag` and `avatarOrigin` (both unset on removal) and `_updatedAt`.
    /// Returns the updated user, `None` for an unknown user.
    fn set_user_avatar(&self, user_id: &str, avatar: Option<NewAvatar<'_>>) -> Result<Option<User>>;
    /// A user's avatar image, if one was stored.
    fn user_avatar(&self, user_id: &str) -> Result<Option<AvatarFile>>;
}
