//! Avatars: uploaded images (checked by their bytes, size-limited) and the SVG initials
//! avatar shown when none is set, as `/avatar/<username>` serves them.

use std::sync::Arc;

use super::Services;
use crate::bus::Event;
use crate::error::{Error, Result};
use crate::ids;
use crate::models::User;
use crate::time::Date;

/// Avatar operations.
pub struct Avatars<'a>(pub &'a Services);

impl Services {
    /// Avatar operations.
    pub fn avatars(&self) -> Avatars<'_> {
        Avatars(self)
    }
}

/// An avatar to serve: content type, bytes and entity tag.
pub struct AvatarImage {
    pub content_type: String,
    pub bytes: Vec<u8>,
    pub etag: String,
}

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
        let head = String::from_utf8_lossy(&bytes[..bytes.len().min(512)]).to_lowercase();
        (head.trim_start().starts_with("<svg") || (head.contains("<?xml") && head.contains("<svg")))
            .then_some("image/svg+xml")
    }
}

/// Upstream's avatar palette.
const COLORS: &[&str] = &[
    "#F44336", "#E91E63", "#9C27B0", "#673AB7", "#3F51B5", "#2196F3", "#03A9F4", "#00BCD4", "#009688", "#4CAF50",
    "#8BC34A", "#CDDC39", "#FFC107", "#FF9800", "#FF5722", "#795548", "#9E9E9E", "#607D8B",
];

/// Up to two initials of a name: the first letters of its first two words (or of a dotted or
/// dashed username's parts), upper-cased; `?` when there are none.
pub fn initials(name: &str) -> String {
    let parts: Vec<&str> =
        name.split(|c: char| c.is_whitespace() || matches!(c, '.' | '-' | '_')).filter(|p| !p.is_empty()).collect();
    let letters: String = match parts.as_slice() {
        [] => String::new(),
        [one] => one.chars().take(2).collect(),
        [first, second, ..] => first.chars().take(1).chain(second.chars().take(1)).collect(),
    };
    let letters = letters.to_uppercase();
    if letters.is_empty() { "?".into() } else { letters }
}

/// The SVG initials avatar for `name`, its colour derived from the name.
pub fn initials_svg(name: &str, size: u32) -> String {
    let sum: usize = name.bytes().map(usize::from).sum();
    let color = COLORS[sum % COLORS.len()];
    let text: String = initials(name)
        .chars()
        .map(|c| match c {
            '<' => "&lt;".to_string(),
            '>' => "&gt;".to_string(),
            '&' => "&amp;".to_string(),
            '"' => "&quot;".to_string(),
            c => c.to_string(),
        })
        .collect();
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 200 200\" pointer-events=\"none\" width=\"{size}\" height=\"{size}\">\
<rect height=\"200\" width=\"200\" fill=\"{color}\"/>\
<text text-anchor=\"middle\" y=\"50%\" x=\"50%\" dy=\"0.36em\" pointer-events=\"auto\" fill=\"#ffffff\" \
font-family=\"sans-serif\" style=\"font-weight: 400; font-size: 80px;\">{text}</text></svg>"
    )
}

impl Avatars<'_> {
    /// Checks that `actor` may change `target`'s avatar: their own when
    /// `Accounts_AllowUserAvatarChange` is on, anyone's with `edit-other-user-avatar`.
    fn may_change(&self, actor: &User, target: &User) -> Result<()> {
        let s = self.0;
        if actor.id == target.id {
            if s.settings.bool("Accounts_AllowUserAvatarChange")
                || s.authz().can(actor, "edit-other-user-avatar", None)?
            {
                return Ok(());
            }
            return Err(Error::bad("error-not-allowed", "Changing avatar is not allowed"));
        }
        if s.authz().can(actor, "edit-other-user-avatar", None)? {
            Ok(())
        } else {
            Err(Error::forbidden("error-not-allowed", "Not allowed"))
        }
    }

    /// Stores an uploaded image as `target`'s avatar: only PNG, JPEG, GIF, WebP or SVG (by its
    /// bytes), within `FileUpload_MaxFileSize`. Sets a new `avatarETag` and publishes it.
    pub fn set(&self, actor: &User, target: &User, bytes: &[u8]) -> Result<User> {
        let s = self.0;
        self.may_change(actor, target)?;
        if bytes.is_empty() {
            return Err(Error::bad("error-invalid-image", "The image is empty"));
        }
        let max = s.settings.int("FileUpload_MaxFileSize", 104_857_600);
        if max > 0 && bytes.len() as i64 > max {
            return Err(Error::bad("error-file-too-large", format!("The image is larger than {max} bytes")));
        }
        let content_type = image_type(bytes).ok_or_else(|| {
            Error::bad("error-invalid-image", "The avatar must be a PNG, JPEG, GIF, WebP or SVG image")
        })?;
        s.store.set_avatar(&target.id, Some((content_type, bytes)))?;
        self.stamp(target, Some("upload"))
    }

    /// Removes `target`'s avatar: the initials avatar shows again.
    pub fn reset(&self, actor: &User, target: &User) -> Result<User> {
        self.may_change(actor, target)?;
        self.0.store.set_avatar(&target.id, None)?;
        self.stamp(target, None)
    }

    /// Records a new avatar version on the user and publishes it.
    fn stamp(&self, target: &User, origin: Option<&str>) -> Result<User> {
        let s = self.0;
        let mut user =
            s.store.user_by_id(&target.id)?.ok_or_else(|| Error::bad("error-invalid-user", "Invalid user"))?;
        user.avatar_origin = origin.map(String::from);
        user.avatar_etag = origin.map(|_| ids::random_id());
        user.updated_at = Date::now();
        s.store.update_user(&user)?;
        s.bus.publish(Event::AvatarUpdated { username: user.username.clone(), etag: user.avatar_etag.clone() });
        s.bus.publish(Event::UserUpdated { user: Arc::new(user.clone()), fields: vec!["avatarETag"] });
        Ok(user)
    }

    /// The avatar of a username: the uploaded image, or the initials of the user's name (of the
    /// requested name for unknown users).
    pub fn of_username(&self, username: &str) -> Result<AvatarImage> {
        let s = self.0;
        let user = s.store.user_by_username(username)?;
        if let Some(user) = &user
            && let Some((content_type, bytes)) = s.store.avatar(&user.id)?
        {
            let etag = user.avatar_etag.clone().unwrap_or_else(|| ids::sha256_hex(&user.id)[..16].to_string());
            return Ok(AvatarImage { content_type, bytes, etag });
        }
        let name = match &user {
            Some(u) if s.settings.bool("UI_Use_Name_Avatar") => u.display_name().to_string(),
            Some(u) => u.username.clone(),
            None => username.to_string(),
        };
        Ok(self.letters(&name))
    }

    /// The avatar of a room: a direct message shows the other member's, others their name's
    /// initials.
    pub fn of_room(&self, viewer: Option<&User>, rid: &str) -> Result<AvatarImage> {
        let s = self.0;
        let Some(room) = s.store.room_by_id(rid)? else { return Ok(self.letters(rid)) };
        if room.t == "d" {
            let other = room
                .usernames
                .iter()
                .find(|u| viewer.is_none_or(|v| **u != v.username))
                .or(room.usernames.first())
                .cloned()
                .unwrap_or_default();
            return self.of_username(&other);
        }
        Ok(self.letters(room.fname.as_deref().or(room.name.as_deref()).unwrap_or(rid)))
    }

    fn letters(&self, name: &str) -> AvatarImage {
        let svg = initials_svg(name, 200);
        let etag = ids::sha256_hex(&svg)[..16].to_string();
        AvatarImage { content_type: "image/svg+xml".into(), bytes: svg.into_bytes(), etag }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initials_and_image_types() {
        assert_eq!(initials("Jane Doe"), "JD");
        assert_eq!(initials("john.smith"), "JS");
        assert_eq!(initials("bob"), "BO");
        assert_eq!(initials("  "), "?");
        assert!(initials_svg("<script>", 50).contains("&lt;S") || initials_svg("<script>", 50).contains("SC"));
        assert_eq!(image_type(b"\x89PNG\r\n\x1a\nrest"), Some("image/png"));
        assert_eq!(image_type(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(image_type(b"GIF89a..."), Some("image/gif"));
        assert_eq!(image_type(b"<svg xmlns='x'></svg>"), Some("image/svg+xml"));
        assert_eq!(image_type(b"hello world"), None);
    }
}
