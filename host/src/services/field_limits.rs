//! The longest values Orbit stores, in one place: Rocket.Chat's limits where it has them (bio,
//! nickname, message text through `Message_MaxAllowedSize`), documented ones of Orbit's where
//! it has none, so that no single value can grow the database or every answer that carries it.
//! Refusals are 400s that never echo the oversized value.

use serde_json::{Map, Value};

use crate::error::{Kind, Result};

/// The longest username, in characters (Rocket.Chat's pattern sets no length).
pub const MAX_USERNAME_CHARS: usize = 64;
/// The longest display name, in characters (Rocket.Chat sets none; this is its nickname's).
pub const MAX_NAME_CHARS: usize = 120;

/// The most bytes a user's or a room's `customFields`, serialized, may take.
pub const MAX_CUSTOM_FIELDS_BYTES: usize = 16 * 1024;

/// Refuses custom fields larger than [`MAX_CUSTOM_FIELDS_BYTES`].
pub fn check_custom_fields(fields: &Map<String, Value>) -> Result<()> {
    if serde_json::to_vec(fields)?.len() > MAX_CUSTOM_FIELDS_BYTES {
        return Err(Kind::CustomFieldsSizeExceeded.into());
    }
    Ok(())
}

/// Refuses a display name longer than [`MAX_NAME_CHARS`].
pub fn check_name(name: &str) -> Result<()> {
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(Kind::NameSizeExceeded.into());
    }
    Ok(())
}

/// The longest room name, in characters.
pub const MAX_ROOM_NAME_CHARS: usize = 255;

/// The longest topic, announcement or description, in characters (Rocket.Chat sets none).
pub const MAX_ROOM_TEXT_CHARS: usize = 4096;

/// The longest bio, in characters (Rocket.Chat's).
pub const MAX_BIO_CHARS: usize = 260;
/// The longest nickname, in characters (Rocket.Chat's).
pub const MAX_NICKNAME_CHARS: usize = 120;
