//! Avatars: uploaded images (checked by their bytes, size-limited) and the SVG initials
//! avatar shown when none is set, as `/avatar/<username>` serves them.

use std::sync::Arc;

use super::Services;
use crate::bus::Event;
use crate::error::{Error, Kind, Result};
use crate::ids;
use crate::models::{RoomType, User};
use crate::store::NewAvatar;
use crate::time::Date;

/// Avatar operations.
pub struct Avatars<'a>(pub &'a Services);

impl Services {
    /// Avatar operations.
    pub fn avatars(&self) -> Avatars<'_> {
        Avatars(self)
    }
}

fn invalid_user() -> Error {
    Error::from(Kind::InvalidUser)
}

/// An avatar to serve.
pub struct AvatarImage {
    pub content_type: String,
    pub bytes: Vec<u8>,
    /// Entity tag: the user's `avatarETag` for an upload, a digest of the SVG otherwise.
    pub etag: String,
    /// `Last-Modified`: upstream's fixed date for initials avatars, the avatar's last change
    /// (as an HTTP date) for uploads.
    pub last_modified: String,
    /// An uploaded image (served under a strict content security policy), not initials.
    pub uploaded: bool,
}

/// Where an uploaded avatar came from (`avatarOrigin`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Source {
    /// A multipart upload (`rest`).
    Upload,
    /// An `avatarUrl` (`url`).
    Url,
}

/// The `Last-Modified` upstream sends with initials avatars (so `If-Modified-Since` revalidates).
pub const FALLBACK_LAST_MODIFIED: &str = "Thu, 01 Jan 2015 00:00:00 GMT";

/// The side of an initials avatar when `size` is not given, and its bounds.
pub const DEFAULT_SVG_SIZE: u32 = 200;
const MIN_SVG_SIZE: u32 = 16;
const MAX_SVG_SIZE: u32 = 1024;

/// The image type of `bytes` from their signature: PNG, JPEG, GIF, WebP or SVG.
pub fn image_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some("image/gif")
    } else if bytes.len() > 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        let head = String::from_utf8_lossy(&bytes[..bytes.len().min(1024)]).to_lowercase();
        let head = head.trim_start_matches('\u{feff}').trim_start();
        let svg = head.starts_with("<svg")
            || ((head.starts_with("<?xml") || head.starts_with("<!doctype svg") || head.starts_with("<!--"))
                && head.contains("<svg"));
        svg.then_some("image/svg+xml")
    }
}

/// Upstream's avatar palette (`getAvatarColor`): chosen by the length of the name.
const COLORS: &[&str] = &["#158D65", "#7F1B9F", "#B68D00", "#E26D0E", "#10529E", "#6C727A"];

/// The colour of a name's initials avatar.
pub fn color(name: &str) -> &'static str {
    if name == "?" { "#000" } else { COLORS[name.encode_utf16().count() % COLORS.len()] }
}

/// The first letter of a name, upper-cased: its first ASCII letter or digit, as upstream (or its
/// first letter of any script when it has none).
fn first_letter(name: &str) -> String {
    name.chars()
        .find(char::is_ascii_alphanumeric)
        .or_else(|| name.chars().find(|c| c.is_alphanumeric()))
        .map(|c| c.to_uppercase().collect())
        .unwrap_or_default()
}

/// The initials of a name: its first letter, or with `all` the first letters of its first three
/// words (for real names, `UI_Use_Name_Avatar`).
pub fn initials(name: &str, all: bool) -> String {
    if name == "?" {
        return "?".into();
    }
    if all { name.split(' ').take(3).map(first_letter).collect() } else { first_letter(name) }
}

/// The side of an initials avatar for a requested `size` (clamped as upstream).
pub fn svg_size(requested: Option<u32>) -> u32 {
    requested.filter(|s| *s > 0).map_or(DEFAULT_SVG_SIZE, |s| s.clamp(MIN_SVG_SIZE, MAX_SVG_SIZE))
}

/// The SVG initials avatar of `name`, `size` units wide, as upstream's `renderSVGLetters`.
pub fn initials_svg(name: &str, size: u32, all: bool) -> String {
    let letters: String = initials(name, all)
        .chars()
        .map(|c| match c {
            '<' => "&lt;".to_string(),
            '>' => "&gt;".to_string(),
            '&' => "&amp;".to_string(),
            c => c.to_string(),
        })
        .collect();
    let count = initials(name, all).chars().count();
    let reduction = if count > 1 { (count * count) as f64 / 10.0 } else { 0.0 };
    let font_size = f64::from(size) / (1.6 + reduction);
    let color = color(name);
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {size} {size}\">\n\
<rect width=\"100%\" height=\"100%\" fill=\"{color}\"/>\n\
<text x=\"50%\" y=\"50%\" dy=\"0.36em\" text-anchor=\"middle\" pointer-events=\"none\" fill=\"#ffffff\" \
font-family=\"'Helvetica', 'Arial', 'Lucida Grande', 'sans-serif'\" font-size=\"{font_size}\">\n{letters}\n</text>\n</svg>"
    )
}

/// An initials avatar.
fn letters(name: &str, size: u32, all: bool) -> AvatarImage {
    let svg = initials_svg(name, size, all);
    let etag = ids::sha256_hex(&svg)[..20].to_string();
    AvatarImage {
        content_type: "image/svg+xml".into(),
        bytes: svg.into_bytes(),
        etag,
        last_modified: FALLBACK_LAST_MODIFIED.into(),
        uploaded: false,
    }
}

impl Avatars<'_> {
    /// The largest avatar upload accepted, in bytes (`FileUpload_MaxFileSize`; 0 or less means
    /// no limit).
    pub fn max_size(&self) -> Option<usize> {
        let max = self.0.settings.int("FileUpload_MaxFileSize", 104_857_600);
        (max > 0).then(|| usize::try_from(max).unwrap_or(usize::MAX))
    }

    /// Stores an image as `target`'s avatar. Needs `Accounts_AllowUserAvatarChange` (or
    /// `edit-other-user-avatar`); another user's avatar needs `edit-other-user-avatar`. Only
    /// PNG, JPEG, GIF, WebP or SVG (judged by the bytes, not the declared type), within
    /// `FileUpload_MaxFileSize`. Sets a new `avatarETag`, publishes `updateAvatar`.
    pub fn set(&self, actor: &User, target: &User, bytes: &[u8], source: Source) -> Result<User> {
        let s = self.0;
        let can_edit_others = s.authz().can(actor, "edit-other-user-avatar", None)?;
        if !s.settings.bool("Accounts_AllowUserAvatarChange") && !can_edit_others {
            return Err(Kind::NotAllowed
                .with_message("Change avatar is not allowed")
                .with_details(serde_json::json!({"method": "users.setAvatar"})));
        }
        if actor.id != target.id && !can_edit_others {
            return Err(match source {
                Source::Upload => Error::from(Kind::NotAllowed),
                Source::Url => super::authz::unauthorized(),
            });
        }
        if bytes.is_empty() {
            return Err(Kind::InvalidImage.with_message("The image is empty"));
        }
        if let Some(max) = self.max_size()
            && bytes.len() > max
        {
            return Err(Kind::FileTooLarge.with_message(format!("File size exceeds the limit of {max} bytes")));
        }
        let content_type = image_type(bytes)
            .ok_or_else(|| Kind::InvalidImage.with_message("The avatar must be a PNG, JPEG, GIF, WebP or SVG image"))?;
        let origin = match source {
            Source::Upload => "rest",
            Source::Url => "url",
        };
        let etag = ids::random_id();
        let avatar = NewAvatar { content_type, data: bytes, etag: &etag, origin, at: Date::now() };
        let user = s.store.set_user_avatar(&target.id, Some(avatar))?.ok_or_else(invalid_user)?;
        Ok(self.announce(user))
    }

    /// Removes `target`'s avatar: the initials avatar shows again. One's own needs
    /// `Accounts_AllowUserAvatarChange`; otherwise `edit-other-user-avatar` or
    /// `manage-moderation-actions`.
    pub fn reset(&self, actor: &User, target: &User) -> Result<User> {
        let s = self.0;
        let own = actor.id == target.id && s.settings.bool("Accounts_AllowUserAvatarChange");
        if !own
            && !s.authz().can(actor, "edit-other-user-avatar", None)?
            && !s.authz().can(actor, "manage-moderation-actions", None)?
        {
            return Err(Kind::NotAllowed
                .with_message("Reset avatar is not allowed")
                .with_details(serde_json::json!({"method": "users.resetAvatar"})));
        }
        let user = s.store.set_user_avatar(&target.id, None)?.ok_or_else(invalid_user)?;
        Ok(self.announce(user))
    }

    /// Publishes a changed avatar: `updateAvatar` and the user's new `avatarETag`.
    fn announce(&self, user: User) -> User {
        let s = self.0;
        s.bus.publish(Event::AvatarUpdated { username: user.username.clone(), etag: user.avatar_etag.clone() });
        s.bus.publish(Event::UserUpdated { user: Arc::new(user.clone()), fields: vec!["avatarETag", "avatarOrigin"] });
        user
    }

    /// The uploaded avatar of a user, if any.
    fn uploaded(&self, user: &User) -> Result<Option<AvatarImage>> {
        let Some(file) = self.0.store.user_avatar(&user.id)? else { return Ok(None) };
        // Images stored before avatars kept their own tag use the user's.
        let etag = match file.etag {
            e if e.is_empty() => {
                user.avatar_etag.clone().unwrap_or_else(|| ids::sha256_hex(&user.id)[..20].to_string())
            }
            e => e,
        };
        let last_modified = file.uploaded_at.to_http();
        Ok(Some(AvatarImage { content_type: file.content_type, bytes: file.data, etag, last_modified, uploaded: true }))
    }

    /// The initials avatar of a user: of their name when `UI_Use_Name_Avatar` is on, else of
    /// their username.
    fn letters_of(&self, user: &User, size: u32) -> AvatarImage {
        match user.name.as_deref().filter(|n| !n.is_empty()) {
            Some(name) if self.0.settings.bool("UI_Use_Name_Avatar") => letters(name, size, true),
            _ => letters(&user.username, size, false),
        }
    }

    /// `/avatar/<subject>`: the uploaded image of that username, or an initials avatar (`size`
    /// units wide). `@name` always gives the initials of `name`; an unknown username gives the
    /// initials of the requested name, as upstream.
    pub fn of_username(&self, subject: &str, size: u32) -> Result<AvatarImage> {
        let s = self.0;
        if let Some(name) = subject.strip_prefix('@') {
            return Ok(letters(name, size, s.settings.bool("UI_Use_Name_Avatar")));
        }
        match s.store.user_by_username(subject)? {
            Some(user) => match self.uploaded(&user)? {
                Some(image) => Ok(image),
                None => Ok(self.letters_of(&user, size)),
            },
            None => Ok(letters(subject, size, false)),
        }
    }

    /// `/avatar/<path>`: [`Self::of_username`] of the path, where a trailing image extension
    /// (`.png`, `.jpg`, …) is dropped unless a user has the whole path as username.
    pub fn of_path(&self, path: &str, size: u32) -> Result<AvatarImage> {
        let bare = [".png", ".jpg", ".jpeg", ".svg", ".gif", ".webp"].iter().find_map(|ext| path.strip_suffix(ext));
        match bare {
            Some(bare) if !path.starts_with('@') && self.0.store.user_by_username(path)?.is_none() => {
                self.of_username(bare, size)
            }
            _ => self.of_username(path, size),
        }
    }

    /// `/avatar/uid/<id>`: like [`Self::of_username`] by user id; `None` for an unknown user.
    pub fn of_user_id(&self, id: &str, size: u32) -> Result<Option<AvatarImage>> {
        let Some(user) = self.0.store.user_by_id(id)? else { return Ok(None) };
        Ok(Some(match self.uploaded(&user)? {
            Some(image) => image,
            None => self.letters_of(&user, size),
        }))
    }

    /// `/avatar/room/<rid>`: the initials of the room's name (a discussion shows its parent
    /// room's; a direct message the other member's name as `viewer` sees it). `None` for an
    /// unknown room.
    pub fn of_room(&self, viewer: Option<&str>, rid: &str, size: u32) -> Result<Option<AvatarImage>> {
        let s = self.0;
        let Some(room) = s.store.room_by_id(rid)? else { return Ok(None) };
        let room = match room.prid.as_deref().map(|prid| s.store.room_by_id(prid)).transpose()?.flatten() {
            Some(parent) => parent,
            None => room,
        };
        let name = if room.t == RoomType::Direct {
            let sub = viewer.map(|uid| s.store.subscription(&room.id, uid)).transpose()?.flatten();
            match sub {
                Some(sub) if s.settings.bool("UI_Use_Real_Name") => sub.fname.clone().unwrap_or(sub.name),
                Some(sub) => sub.name,
                None => room
                    .usernames
                    .iter()
                    .find(|u| {
                        viewer.is_none_or(|v| s.store.user_by_username(u).ok().flatten().is_none_or(|x| x.id != v))
                    })
                    .or(room.usernames.first())
                    .cloned()
                    .unwrap_or_else(|| room.id.clone()),
            }
        } else if s.settings.bool("UI_Allow_room_names_with_special_chars") {
            room.fname.clone().or(room.name.clone()).unwrap_or_else(|| room.id.clone())
        } else {
            room.name.clone().or(room.fname.clone()).unwrap_or_else(|| room.id.clone())
        };
        Ok(Some(letters(&name, size, false)))
    }

    /// What `/avatar/...` shows a caller who may not see avatars
    /// (`Accounts_AvatarBlockUnauthenticatedAccess`): the initials of the requested name.
    pub fn blocked(&self, requested: &str) -> AvatarImage {
        letters(requested, DEFAULT_SVG_SIZE, false)
    }

    /// Whether `/avatar/...` needs credentials (`Accounts_AvatarBlockUnauthenticatedAccess`).
    pub fn requires_login(&self) -> bool {
        self.0.settings.bool("Accounts_AvatarBlockUnauthenticatedAccess")
    }

    /// Seconds avatars may be cached (`Accounts_AvatarCacheTime`).
    pub fn cache_time(&self) -> i64 {
        self.0.settings.int("Accounts_AvatarCacheTime", 3600).max(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initials_colours_and_image_types() {
        assert_eq!(initials("bob", false), "B");
        assert_eq!(initials("_x.y", false), "X");
        assert_eq!(initials("Jane Mary Doe Smith", true), "JMD");
        assert_eq!(initials("?", false), "?");
        assert_eq!(initials("Олег", false), "О");
        assert_eq!(color("bob"), "#E26D0E");
        assert_eq!(color("?"), "#000");
        let svg = initials_svg("bob", 200, false);
        assert!(svg.contains("viewBox=\"0 0 200 200\"") && svg.contains("\nB\n") && svg.contains("font-size=\"125\""));
        assert!(!initials_svg("<script>", 50, true).contains("<script"));
        assert_eq!(svg_size(None), 200);
        assert_eq!(svg_size(Some(5)), 16);
        assert_eq!(svg_size(Some(5000)), 1024);
        assert_eq!(image_type(b"\x89PNG\r\n\x1a\nrest"), Some("image/png"));
        assert_eq!(image_type(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(image_type(b"GIF89a..."), Some("image/gif"));
        assert_eq!(image_type(b"RIFF\x10\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(image_type(b"<svg xmlns='x'></svg>"), Some("image/svg+xml"));
        assert_eq!(image_type(b"<?xml version=\"1.0\"?>\n<svg></svg>"), Some("image/svg+xml"));
        assert_eq!(image_type(b"hello world"), None);
        assert_eq!(image_type(b"<html><svg></svg></html>"), None);
    }
}
