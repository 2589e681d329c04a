//! Custom emoji: images admins add (`manage-emoji`) under a name and aliases, listed to every
//! user and served at `/emoji-custom/<name>.<extension>` (upstream's `insertOrUpdateEmoji`,
//! `uploadEmojiCustom` and `deleteEmojiCustom`).

use std::sync::Arc;

use base64::Engine;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::Services;
use super::authz::not_authorized;
use super::avatars::{AvatarImage, image_type};
use crate::bus::Event;
use crate::error::{Error, Kind, Result};
use crate::ids;
use crate::models::User;
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
    pub fn all(&self) -> Result<Vec<Value>> {
        self.0.store.docs(COLLECTION)
    }

    /// Emoji changed after `since` and the ids of those deleted after it.
    pub fn changed_since(&self, since: Date) -> Result<(Vec<Value>, Vec<Value>)> {
        let after = |doc: &Value, key: &str| doc.get(key).and_then(Date::from_json).is_some_and(|d| d > since);
        let update = self.all()?.into_iter().filter(|e| after(e, "_updatedAt")).collect();
        let remove = self.0.store.docs(TRASH)?.into_iter().filter(|e| after(e, "_deletedAt")).collect();
        Ok((update, remove))
    }

    /// Creates or updates an emoji and announces it (`updateEmojiCustom`). Names and aliases are
    /// slugged and must not be taken by another emoji's name or aliases; images are PNG, JPEG,
    /// GIF or WebP (judged by their bytes).
    pub fn save(&self, user: &User, change: EmojiChange<'_>) -> Result<Value> {
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
        let names_of = |e: &Value| -> Vec<String> {
            let mut names = vec![e["name"].as_str().unwrap_or_default().to_string()];
            names.extend(e["aliases"].as_array().into_iter().flatten().filter_map(|a| a.as_str().map(String::from)));
            names
        };
        let wanted: Vec<&String> = std::iter::once(&name).chain(aliases.iter()).collect();
        let taken = all
            .iter()
            .filter(|e| e["_id"].as_str() != change.id)
            .any(|e| names_of(e).iter().any(|n| wanted.contains(&n)));
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
            Some(id) => all.into_iter().find(|e| e["_id"] == id).ok_or(Kind::InvalidEmoji)?,
            None => {
                if image.is_none() {
                    return Err(Kind::TheFieldIsRequired.with_message("The custom emoji file is required"));
                }
                json!({"_id": ids::random_id()})
            }
        };
        let id = emoji["_id"].as_str().unwrap_or_default().to_string();
        if let Some((content_type, bytes)) = image {
            let data = base64::engine::general_purpose::STANDARD.encode(bytes);
            self.0.store.put_doc(IMAGES, &id, &json!({"contentType": content_type, "data": data}))?;
            emoji["extension"] = json!(content_type.trim_start_matches("image/"));
            emoji["etag"] = json!(hex::encode(Sha256::digest(bytes))[..16]);
        }
        emoji["name"] = json!(name);
        emoji["aliases"] = json!(aliases);
        emoji["_updatedAt"] = json!(Date::now());
        self.0.store.put_doc(COLLECTION, &id, &emoji)?;
        self.0.store.delete_doc(TRASH, &id)?;
        self.0.bus.publish(Event::CustomEmojiChanged { emoji: Arc::new(emoji.clone()), deleted: false });
        Ok(emoji)
    }

    /// Deletes an emoji and its image and announces it (`deleteEmojiCustom`).
    pub fn delete(&self, user: &User, id: &str) -> Result<()> {
        self.0.authz().require_or(user, "manage-emoji", None, not_authorized)?;
        let emoji = self.0.store.doc(COLLECTION, id)?.ok_or(Kind::CustomEmojiInvalid)?;
        self.0.store.put_doc(TRASH, id, &json!({"_id": id, "_deletedAt": Date::now()}))?;
        self.0.store.delete_doc(COLLECTION, id)?;
        self.0.store.delete_doc(IMAGES, id)?;
        self.0.bus.publish(Event::CustomEmojiChanged { emoji: Arc::new(emoji), deleted: true });
        Ok(())
    }

    /// The image served at `/emoji-custom/<file>`, where `file` is `<name>.<extension>` (or
    /// an alias, or the bare name).
    pub fn image(&self, file: &str) -> Result<Option<AvatarImage>> {
        let name = file.rsplit_once('.').map_or(file, |(stem, _)| stem);
        let matches =
            |e: &Value| e["name"] == name || e["aliases"].as_array().is_some_and(|a| a.iter().any(|x| x == name));
        let Some(emoji) = self.all()?.into_iter().find(|e| matches(e)) else { return Ok(None) };
        let id = emoji["_id"].as_str().unwrap_or_default();
        let Some(stored) = self.0.store.doc(IMAGES, id)? else { return Ok(None) };
        let data = stored["data"]
            .as_str()
            .and_then(|d| base64::engine::general_purpose::STANDARD.decode(d).ok())
            .unwrap_or_default();
        Ok(Some(AvatarImage {
            content_type: stored["contentType"].as_str().unwrap_or("application/octet-stream").to_string(),
            bytes: data,
            etag: emoji["etag"].as_str().unwrap_or_default().to_string(),
            last_modified: Date::from_json(&emoji["_updatedAt"]).unwrap_or_default().to_http(),
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
