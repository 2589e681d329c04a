//! Custom emoji: images admins add (`manage-emoji`) under a name and aliases, listed to every
//! user and served at `/emoji-custom/<name>.<extension>` (upstream's `insertOrUpdateEmoji`,
//! `uploadEmojiCustom` and `deleteEmojiCustom`).

use std::sync::Arc;

use base64::Engine;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::Services;
use super::authz::not_authorized;
use super::avatars::{AvatarImage, image_type};
use crate::bus::Event;
use crate::error::{Error, Kind, Result};
use crate::ids;
use crate::models::{DocTombstone, Emoji, User};
use crate::store::{record_doc, records};
use crate::time::Date;

/// Emoji documents: `{_id, name, aliases, extension, etag, _updatedAt}`.
const COLLECTION: &str = "custom_emoji";
/// Their images, by emoji id: `{contentType, data (base64)}`.
const IMAGES: &str = "custom_emoji_image";
/// Deleted emoji: `{_id, _deletedAt}`, for `emoji-custom.list?updatedSince=`.
const TRASH: &str = "custom_emoji_trash";

/// Custom emoji operations.
pub struct CustomEmoji<'a>(pub &'a Services);

impl Services {
    /// Custom emoji operations.
    pub fn custom_emoji(&self) -> CustomEmoji<'_> {
        CustomEmoji(self)
    }
}

/// A create or an update of an emoji.
pub struct EmojiChange<'a> {
    /// The emoji to update; `None` creates one.
    pub id: Option<&'a str>,
    pub name: &'a str,
    /// Comma- or space-separated aliases.
    pub aliases: &'a str,
    /// A new image (required to create).
    pub image: Option<&'a [u8]>,
}

/// Upstream slugs names and aliases (`limax` with `_`): lower case, other characters as `_`.
fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.trim().chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() || matches!(c, '-' | '+' | '.' | ';') {
            out.push(c);
        } else if c != ':' && !out.ends_with('_') {
            out.push('_');
        }
    }
    out.trim_matches('_').to_string()
}

fn not_image() -> Error {
    Error::from(Kind::EmojiIsNotImage)
}

impl CustomEmoji<'_> {
    /// Every emoji.
    pub fn all(&self) -> Result<Vec<Emoji>> {
        records(self.0.store.docs(COLLECTION)?)
    }

    /// Emoji changed after `since` and the ids of those deleted after it.
    pub fn changed_since(&self, since: Date) -> Result<(Vec<Emoji>, Vec<DocTombstone>)> {
        let mut update = self.all()?;
        update.retain(|e| e.updated_at > since);
        let mut remove: Vec<DocTombstone> = records(self.0.store.docs(TRASH)?)?;
        remove.retain(|t| t.deleted_at > since);
        Ok((update, remove))
    }

    /// Creates or updates an emoji and announces it (`updateEmojiCustom`). Names and aliases are
    /// slugged and must not be taken by another emoji's name or aliases; images are PNG, JPEG,
    /// GIF or WebP (judged by their bytes).
    pub fn save(&self, user: &User, change: EmojiChange<'_>) -> Result<Emoji> {
        self.0.authz().require_or(user, "manage-emoji", None, not_authorized)?;
        if change.name.trim().is_empty() {
            return Err(Kind::TheFieldIsRequired.into());
        }
        let name = slug(change.name);
        if name.is_empty() {
            return Err(Kind::InputIsNotAValidField.with_message(format!("{} is not a valid name", change.name)));
        }
        let mut aliases: Vec<String> =
            change.aliases.split([',', ' ', '\t', '\n']).map(slug).filter(|a| !a.is_empty() && *a != name).collect();
        aliases.dedup();
        let all = self.all()?;
        let taken = all
            .iter()
            .filter(|e| Some(e.id.as_str()) != change.id)
            .any(|e| std::iter::once(&name).chain(aliases.iter()).any(|n| e.is_called(n)));
        if taken {
            return Err(Kind::CustomEmojiNameInUse.into());
        }
        let image = match change.image {
            Some(bytes) => {
                let content_type = image_type(bytes).filter(|t| *t != "image/svg+xml").ok_or_else(not_image)?;
                Some((content_type, bytes))
            }
            None => None,
        };
        let mut emoji = match change.id {
            Some(id) => all.into_iter().find(|e| e.id == id).ok_or(Kind::InvalidEmoji)?,
            None => {
                if image.is_none() {
                    return Err(Kind::TheFieldIsRequired.with_message("The custom emoji file is required"));
                }
                Emoji {
                    id: ids::random_id(),
                    name: String::new(),
                    aliases: Vec::new(),
                    extension: String::new(),
                    etag: String::new(),
                    updated_at: Date::now(),
                    extra: Default::default(),
                }
            }
        };
        if let Some((content_type, bytes)) = image {
            let data = base64::engine::general_purpose::STANDARD.encode(bytes);
            self.0.store.put_doc(IMAGES, &emoji.id, &json!({"contentType": content_type, "data": data}))?;
            emoji.extension = content_type.trim_start_matches("image/").to_string();
            emoji.etag = hex::encode(Sha256::digest(bytes))[..16].to_string();
        }
        emoji.name = name;
        emoji.aliases = aliases;
        emoji.updated_at = Date::now();
        self.0.store.put_doc(COLLECTION, &emoji.id, &record_doc(&emoji)?)?;
        self.0.store.delete_doc(TRASH, &emoji.id)?;
        self.0.bus.publish(Event::CustomEmojiChanged { emoji: Arc::new(emoji.clone()), deleted: false });
        Ok(emoji)
    }

    /// Deletes an emoji and its image and announces it (`deleteEmojiCustom`).
    pub fn delete(&self, user: &User, id: &str) -> Result<()> {
        self.0.authz().require_or(user, "manage-emoji", None, not_authorized)?;
        let emoji: Emoji = serde_json::from_value(self.0.store.doc(COLLECTION, id)?.ok_or(Kind::CustomEmojiInvalid)?)?;
        let tombstone = DocTombstone { id: id.to_string(), deleted_at: Date::now() };
        self.0.store.put_doc(TRASH, id, &record_doc(&tombstone)?)?;
        self.0.store.delete_doc(COLLECTION, id)?;
        self.0.store.delete_doc(IMAGES, id)?;
        self.0.bus.publish(Event::CustomEmojiChanged { emoji: Arc::new(emoji), deleted: true });
        Ok(())
    }

    /// The image served at `/emoji-custom/<file>`, where `file` is `<name>.<extension>` (or
    /// an alias, or the bare name).
    pub fn image(&self, file: &str) -> Result<Option<AvatarImage>> {
        let name = file.rsplit_once('.').map_or(file, |(stem, _)| stem);
        let Some(emoji) = self.all()?.into_iter().find(|e| e.is_called(name)) else { return Ok(None) };
        let Some(stored) = self.0.store.doc(IMAGES, &emoji.id)? else { return Ok(None) };
        let data = stored["data"]
            .as_str()
            .and_then(|d| base64::engine::general_purpose::STANDARD.decode(d).ok())
            .unwrap_or_default();
        Ok(Some(AvatarImage {
            content_type: stored["contentType"].as_str().unwrap_or("application/octet-stream").to_string(),
            bytes: data,
            etag: emoji.etag,
            last_modified: emoji.updated_at.to_http(),
            uploaded: true,
        }))
    }

    /// The largest emoji image accepted (`FileUpload_MaxFileSize`).
    pub fn max_size(&self) -> Option<usize> {
        self.0.avatars().max_size()
    }
}

#[cfg(test)]
mod tests {
    use super::slug;

    #[test]
    fn names_are_slugged_as_upstream() {
        assert_eq!(slug("Bad Name!"), "bad_name");
        assert_eq!(slug(":party-parrot:"), "party-parrot");
        assert_eq!(slug("  "), "");
    }
}
