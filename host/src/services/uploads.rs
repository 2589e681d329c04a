//! File uploads: checked against the `FileUpload_*` settings, written to
//! `<data dir>/uploads/` as they arrive (never held in memory), posted as file messages, served
//! back to those the `FileUpload_ProtectFiles` rules let in, and removed with their message.

use std::fs::File;
use std::io::{Read, Write};
use std::path::PathBuf;

use serde_json::{Map, Value, json};

use super::Services;
use super::authz::unauthorized;
use super::messages::Draft;
use crate::error::{Error, Kind, Result};
use crate::ids;
use crate::models::{Message, Room, RoomType, User};
use crate::services::files::UploadView;
use crate::store::{Page, Paged, Upload};
use crate::time::Date;

/// Upload operations.
pub struct Uploads<'a>(pub &'a Services);

impl Services {
    /// Upload operations.
    pub fn uploads(&self) -> Uploads<'_> {
        Uploads(self)
    }
}

/// How long a `rooms.media` upload waits for its `rooms.mediaConfirm`.
const TEMPORARY_HOURS: i64 = 24;

/// A file arriving from a client: written to a temporary file chunk by chunk, refused as soon as
/// it passes `FileUpload_MaxFileSize`, and deleted unless it becomes an upload.
pub struct Incoming {
    path: PathBuf,
    file: File,
    size: u64,
    limit: Option<u64>,
    kept: bool,
}

impl Incoming {
    /// Appends a chunk.
    pub fn write(&mut self, chunk: &[u8]) -> Result<()> {
        self.size += chunk.len() as u64;
        if let Some(limit) = self.limit
            && self.size > limit
        {
            return Err(too_large(limit));
        }
        self.file.write_all(chunk).map_err(|e| Error::Internal(e.into()))
    }

    /// Bytes received so far.
    pub fn size(&self) -> u64 {
        self.size
    }
}

impl Drop for Incoming {
    fn drop(&mut self) {
        if !self.kept {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// A received file with the name and type its client gave.
pub struct NewFile {
    pub name: String,
    pub content_type: String,
    pub data: Incoming,
}

/// What goes with a file message (`msgData` upstream).
#[derive(Debug, Clone, Default)]
pub struct FileMessage {
    pub msg: String,
    pub description: Option<String>,
    pub tmid: Option<String>,
    pub alias: Option<String>,
    pub emoji: Option<String>,
    pub avatar: Option<String>,
    pub custom_fields: Option<Map<String, Value>>,
    /// A new name for the file (`rooms.mediaConfirm` `fileName`).
    pub file_name: Option<String>,
}

/// Upstream's `File_exceeds_allowed_size_of_bytes`.
fn too_large(limit: u64) -> Error {
    Kind::FileTooLarge.with_message(format!("File exceeds allowed size of {}.", human_size(limit)))
}

/// A byte count as upstream's `filesize` writes it (`10 B`, `1.5 KB`, `100 MB`).
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 6] = ["B", "KB", "MB", "GB", "TB", "PB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    let rounded = (value * 100.0).round() / 100.0;
    format!("{rounded} {}", UNITS[unit])
}

/// Whether `content_type` is on a comma-separated list of types, where `image/*` stands for
/// every image type (upstream's `isTypeOnList`).
pub fn type_listed(list: &str, content_type: &str) -> bool {
    let ct = content_type.trim().to_ascii_lowercase();
    list.split(',').map(|t| t.trim().to_ascii_lowercase()).filter(|t| !t.is_empty()).any(|t| {
        match t.strip_suffix("/*") {
            Some(family) if !family.is_empty() => ct.split('/').next() == Some(family),
            _ => t == ct,
        }
    })
}

/// Upstream's `fileUploadIsValidContentTypeFromSettings`: never a blacklisted type (nor an
/// unknown type while there is a blacklist); with a whitelist (other than `*`), only its types.
pub fn type_allowed(content_type: &str, white: &str, black: &str) -> bool {
    let black = black.trim();
    if !black.is_empty() && (content_type.trim().is_empty() || type_listed(black, content_type)) {
        return false;
    }
    let white = white.trim();
    white.is_empty() || white == "*" || type_listed(white, content_type)
}

/// A file name safe to store and to put in a URL path: no directories, no control characters,
/// no leading dots.
pub fn clean_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base.chars().filter(|c| !c.is_control()).collect::<String>().trim().to_string();
    let cleaned = cleaned.trim_start_matches('.').trim().to_string();
    if cleaned.is_empty() { "file".into() } else { cleaned.chars().take(200).collect() }
}

/// The path under which a file is served.
pub fn file_url(id: &str, name: &str) -> String {
    format!("/file-upload/{id}/{}", urlencoding::encode(name))
}

/// The extension upstream stores with an upload (lower case, `""` without one).
fn extension(name: &str) -> String {
    match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => ext.to_lowercase(),
        _ => String::new(),
    }
}

/// The extension upstream shows on a file attachment (`getFileExtension`: upper case, `file`
/// without one).
fn attachment_format(name: &str) -> String {
    match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() && !ext.is_empty() => ext.to_uppercase(),
        _ => "file".into(),
    }
}

/// The format and displayed size of an image from its header: PNG, GIF, JPEG (turned by its
/// EXIF orientation), WebP and BMP. `None` for anything else or a damaged header.
pub fn identify(bytes: &[u8]) -> Option<(&'static str, u32, u32)> {
    let be16 = |i: usize| bytes.get(i..i + 2).map(|b| u16::from_be_bytes([b[0], b[1]]) as u32);
    let le16 = |i: usize| bytes.get(i..i + 2).map(|b| u16::from_le_bytes([b[0], b[1]]) as u32);
    let be32 = |i: usize| bytes.get(i..i + 4).map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]));
    let le32 = |i: usize| bytes.get(i..i + 4).map(|b| i32::from_le_bytes([b[0], b[1], b[2], b[3]]));
    let le24 = |i: usize| bytes.get(i..i + 3).map(|b| u32::from_le_bytes([b[0], b[1], b[2], 0]));
    let found = if bytes.starts_with(b"\x89PNG\r\n\x1a\n") && bytes.get(12..16) == Some(b"IHDR") {
        ("png", be32(16)?, be32(20)?)
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        ("gif", le16(6)?, le16(8)?)
    } else if bytes.starts_with(b"BM") && bytes.len() >= 26 {
        ("bmp", le32(18)?.unsigned_abs(), le32(22)?.unsigned_abs())
    } else if bytes.starts_with(b"RIFF") && bytes.get(8..12) == Some(b"WEBP") {
        match bytes.get(12..16)? {
            b"VP8 " => ("webp", le16(26)? & 0x3fff, le16(28)? & 0x3fff),
            b"VP8L" => {
                let b = bytes.get(21..25)?;
                let (b0, b1, b2, b3) = (b[0] as u32, b[1] as u32, b[2] as u32, b[3] as u32);
                ("webp", 1 + (((b1 & 0x3f) << 8) | b0), 1 + (((b3 & 0xf) << 10) | (b2 << 2) | ((b1 & 0xc0) >> 6)))
            }
            b"VP8X" => ("webp", 1 + le24(24)?, 1 + le24(27)?),
            _ => return None,
        }
    } else if bytes.starts_with(&[0xff, 0xd8]) {
        let (mut i, mut orientation) = (2, 1);
        loop {
            if *bytes.get(i)? != 0xff {
                return None;
            }
            let marker = *bytes.get(i + 1)?;
            if marker == 0xff {
                i += 1;
                continue;
            }
            if marker == 0xd8 || marker == 0x01 || (0xd0..=0xd7).contains(&marker) {
                i += 2;
                continue;
            }
            let len = be16(i + 2)? as usize;
            if marker == 0xe1 && bytes.get(i + 4..i + 10) == Some(b"Exif\0\0") {
                orientation = exif_orientation(bytes.get(i + 10..i + 2 + len)?).unwrap_or(1);
            }
            if (0xc0..=0xcf).contains(&marker) && ![0xc4, 0xc8, 0xcc].contains(&marker) {
                let (h, w) = (be16(i + 5)?, be16(i + 7)?);
                break if (5..=8).contains(&orientation) { ("jpeg", h, w) } else { ("jpeg", w, h) };
            }
            if len < 2 {
                return None;
            }
            i += 2 + len;
        }
    } else {
        return None;
    };
    (found.1 > 0 && found.2 > 0).then_some(found)
}

/// The orientation tag (0x0112) of an EXIF block's first directory.
fn exif_orientation(tiff: &[u8]) -> Option<u16> {
    let little = match tiff.get(0..2)? {
        b"II" => true,
        b"MM" => false,
        _ => return None,
    };
    let u16_at = |i: usize| {
        tiff.get(i..i + 2)
            .map(|b| if little { u16::from_le_bytes([b[0], b[1]]) } else { u16::from_be_bytes([b[0], b[1]]) })
    };
    let u32_at = |i: usize| {
        tiff.get(i..i + 4).map(|b| {
            let a = [b[0], b[1], b[2], b[3]];
            if little { u32::from_le_bytes(a) } else { u32::from_be_bytes(a) }
        })
    };
    let ifd = u32_at(4)? as usize;
    let entries = u16_at(ifd)? as usize;
    (0..entries.min(256)).map(|n| ifd + 2 + n * 12).find(|e| u16_at(*e) == Some(0x0112)).and_then(|e| u16_at(e + 8))
}

impl Uploads<'_> {
    /// `FileUpload_MaxFileSize` in bytes; `None` for no limit (`-1`).
    fn max_size(&self) -> Option<u64> {
        u64::try_from(self.0.settings.int("FileUpload_MaxFileSize", 104_857_600)).ok()
    }

    /// An empty temporary file to receive a client's bytes into.
    pub fn incoming(&self) -> Result<Incoming> {
        std::fs::create_dir_all(self.0.files().dir()).map_err(|e| Error::Internal(e.into()))?;
        let path = self.0.files().dir().join(format!("{}.part", ids::random_id()));
        let file = File::create(&path).map_err(|e| Error::Internal(e.into()))?;
        Ok(Incoming { path, file, size: 0, limit: self.max_size(), kept: false })
    }

    /// The room a user is uploading into, refused with 403 when they can't access it.
    fn accessible_room(&self, user: &User, rid: &str) -> Result<Room> {
        match self.0.store.room_by_id(rid)? {
            Some(room) if self.0.rooms().can_read(user, &room)? => Ok(room),
            _ => Err(unauthorized()),
        }
    }

    /// The checks that need no bytes (room access, uploads enabled, direct messages allowed),
    /// then a temporary file for the bytes.
    pub fn begin(&self, user: &User, rid: &str) -> Result<Incoming> {
        let room = self.accessible_room(user, rid)?;
        self.check_enabled(&room)?;
        self.incoming()
    }

    fn check_enabled(&self, room: &Room) -> Result<()> {
        let s = self.0;
        if !s.settings.bool("FileUpload_Enabled") {
            return Err(Kind::FileUploadDisabled.into());
        }
        if room.t == RoomType::Direct && !s.settings.bool("FileUpload_Enabled_Direct") {
            return Err(Kind::DirectMessageFileUploadNotAllowed.into());
        }
        Ok(())
    }

    /// Upstream's `validateFileUpload` plus the posting rules of the room: the room accessible,
    /// uploads enabled (in direct messages too), the file not empty and within
    /// `FileUpload_MaxFileSize`, its type allowed by the white and black lists.
    fn validate(&self, user: &User, rid: &str, file: &NewFile) -> Result<Room> {
        let s = self.0;
        let room = self.accessible_room(user, rid)?;
        self.check_enabled(&room)?;
        if let Some(limit) = self.max_size()
            && file.data.size > limit
        {
            return Err(too_large(limit));
        }
        if file.data.size == 0 {
            return Err(Kind::FileEmpty.into());
        }
        let white = s.settings.string("FileUpload_MediaTypeWhiteList");
        let black = s.settings.string("FileUpload_MediaTypeBlackList");
        if !type_allowed(&file.content_type, &white, &black) {
            return Err(Kind::InvalidFileType.into());
        }
        s.rooms().can_post(user, &room)?;
        Ok(room)
    }

    /// `rooms.media`: keeps a file for a later message (for 24 hours); returns its record.
    pub fn stage(&self, user: &User, rid: &str, file: NewFile) -> Result<Upload> {
        self.validate(user, rid, &file)?;
        self.sweep_expired()?;
        let NewFile { name, content_type, mut data } = file;
        data.file.flush().map_err(|e| Error::Internal(e.into()))?;
        let now = Date::now();
        let name = clean_name(&name);
        let id = ids::random_id();
        let content_type = content_type.trim().to_ascii_lowercase();
        let mut upload = Upload {
            url: file_url(&id, &name),
            path: file_url(&id, &name),
            id,
            rid: rid.to_string(),
            user_id: user.id.clone(),
            extension: extension(&name),
            type_group: content_type.split('/').next().unwrap_or_default().to_string(),
            name,
            content_type,
            size: data.size as i64,
            store: "FileSystem:Uploads".into(),
            complete: false,
            uploading: false,
            progress: 1.0,
            uploaded_at: now,
            updated_at: now,
            expires_at: Some(Date(now.0 + TEMPORARY_HOURS * 3_600_000)),
            ..Default::default()
        };
        std::fs::rename(&data.path, self.0.files().path(&upload.id)).map_err(|e| Error::Internal(e.into()))?;
        data.kept = true;
        if upload.type_group == "image" {
            upload.identify = self.identify_file(&upload.id);
        }
        if let Err(e) = self.0.store.insert_upload(&upload) {
            let _ = std::fs::remove_file(self.0.files().path(&upload.id));
            return Err(e);
        }
        Ok(upload)
    }

    /// `identify` of a stored image (its first 512 KiB are enough for every header).
    fn identify_file(&self, id: &str) -> Option<Value> {
        let mut head = Vec::new();
        File::open(self.0.files().path(id)).ok()?.take(512 * 1024).read_to_end(&mut head).ok()?;
        let (format, width, height) = identify(&head)?;
        Some(json!({"format": format, "size": {"width": width, "height": height}}))
    }

    /// `rooms.mediaConfirm`: posts the message carrying a file kept by `rooms.media` (only its
    /// uploader may, once).
    pub fn confirm(&self, user: &User, rid: &str, file_id: &str, m: FileMessage) -> Result<Message> {
        let s = self.0;
        self.accessible_room(user, rid)?;
        let mut upload = s
            .store
            .upload(file_id)?
            .filter(|u| u.rid == rid && u.user_id == user.id && !u.complete)
            .ok_or(Kind::InvalidFile)?;
        let max = s.settings.int("Message_MaxAllowedSize", 5000);
        if m.description.as_ref().is_some_and(|d| d.chars().count() as i64 > max) {
            return Err(Kind::MessageSizeExceeded.with_message("Message size exceeds the allowed size"));
        }
        if let Some(name) = m.file_name.as_deref().filter(|n| !n.trim().is_empty()) {
            upload.name = clean_name(name);
            upload.extension = extension(&upload.name);
            upload.url = file_url(&upload.id, &upload.name);
            upload.path = upload.url.clone();
        }
        upload.description = m.description.clone().filter(|d| !d.is_empty());
        let (file, attachment) = message_parts(&upload);
        let mut extra = Map::new();
        extra.insert("files".into(), json!([file]));
        let draft = Draft {
            rid: rid.to_string(),
            msg: m.msg,
            tmid: m.tmid,
            alias: m.alias,
            emoji: m.emoji,
            avatar: m.avatar,
            custom_fields: m.custom_fields,
            groupable: Some(false),
            attachments: Some(vec![attachment]),
            file: Some(file),
            extra,
            ..Default::default()
        };
        let message = s.messages().send(user, draft)?;
        upload.complete = true;
        upload.expires_at = None;
        upload.mid = Some(message.id.clone());
        upload.updated_at = Date::now();
        s.store.save_upload(&upload)?;
        Ok(message)
    }

    /// `rooms.upload`: stores a file and posts its message at once.
    pub fn upload(&self, user: &User, rid: &str, file: NewFile, m: FileMessage) -> Result<Message> {
        let upload = self.stage(user, rid, file)?;
        match self.confirm(user, rid, &upload.id, m) {
            Ok(message) => Ok(message),
            Err(e) => {
                self.0.files().remove(&upload.id)?;
                Err(e)
            }
        }
    }

    /// Whether `caller` may download files of room `rid` (upstream's `requestCanAccessFiles`).
    /// With `FileUpload_ProtectFiles` the caller must be logged in, and then
    /// `FileUpload_Restrict_to_room_members` asks for a subscription,
    /// `FileUpload_Restrict_to_users_who_can_access_room` for read access, neither for nothing
    /// more (and both together let nobody in, as upstream).
    fn may_download(&self, caller: Option<&User>, rid: &str) -> Result<bool> {
        let s = self.0;
        if !s.settings.bool("FileUpload_ProtectFiles") {
            return Ok(true);
        }
        let Some(user) = caller else { return Ok(false) };
        let members = s.settings.bool("FileUpload_Restrict_to_room_members");
        let readers = s.settings.bool("FileUpload_Restrict_to_users_who_can_access_room");
        match (members, readers) {
            (false, false) => Ok(true),
            (true, false) => Ok(s.store.subscription(rid, &user.id)?.is_some()),
            (false, true) => match s.store.room_by_id(rid)? {
                Some(room) => s.rooms().can_read(user, &room),
                None => Ok(false),
            },
            (true, true) => Ok(false),
        }
    }

    /// A file to download: its record, and where its bytes are. Unknown files are 404, refused
    /// downloads 403 (as upstream answers both).
    pub fn download(&self, caller: Option<&User>, id: &str) -> Result<(Upload, PathBuf)> {
        let not_found = || Error::from(Kind::FileNotFound);
        let upload = self.0.store.upload(id)?.ok_or_else(not_found)?;
        if !self.may_download(caller, &upload.rid)? {
            return Err(Kind::Forbidden.into());
        }
        let path = self.0.files().path(&upload.id);
        if !path.is_file() {
            return Err(not_found());
        }
        Ok((upload, path))
    }

    /// `rooms.images`: the room's images, newest first, from `starting_from` (an image of the
    /// room, listed first) on.
    pub fn room_images(
        &self,
        user: &User,
        rid: &str,
        starting_from: Option<&str>,
        offset: usize,
        count: Option<usize>,
    ) -> Result<Paged<UploadView>> {
        let s = self.0;
        let room = s.store.room_by_id(rid)?.ok_or_else(unauthorized)?;
        if !s.rooms().can_read(user, &room)? {
            return Err(unauthorized());
        }
        let initial = match starting_from {
            Some(id) => s.store.upload(id)?.filter(|u| u.rid == room.id && u.complete),
            None => None,
        };
        let until = initial.as_ref().map(|u| u.uploaded_at);
        let (mut page, total) = s.store.room_images(&room.id, until, Page { offset, limit: count })?;
        if let Some(first) = initial
            && !page.iter().any(|u| u.id == first.id)
        {
            page.insert(0, first);
        }
        Ok((self.0.files().with_users(page)?, total))
    }

    /// Deletes unconfirmed uploads older than a day.
    fn sweep_expired(&self) -> Result<()> {
        for u in self.0.store.expired_uploads(Date::now())? {
            self.0.files().remove(&u.id)?;
        }
        Ok(())
    }
}

/// The message's `file` and its attachment, as upstream's `parseFileIntoMessageAttachments`
/// builds them.
fn message_parts(u: &Upload) -> (Value, Value) {
    let format = u.identify.as_ref().and_then(|i| i.get("format")).and_then(Value::as_str).unwrap_or_default();
    let file = json!({
        "_id": u.id, "name": u.name, "type": u.content_type, "size": u.size, "format": format,
        "typeGroup": u.type_group,
    });
    let mut a = json!({"title": u.name, "type": "file"});
    if let Some(d) = &u.description {
        a["description"] = json!(d);
    }
    a["title_link"] = json!(u.url);
    a["title_link_download"] = json!(true);
    match u.type_group.as_str() {
        kind @ ("image" | "audio" | "video") => {
            a[format!("{kind}_url")] = json!(u.url);
            a[format!("{kind}_type")] = json!(u.content_type);
            a[format!("{kind}_size")] = json!(u.size);
            if let Some(size) = u.identify.as_ref().and_then(|i| i.get("size")).filter(|_| kind == "image") {
                a["image_dimensions"] = size.clone();
            }
        }
        _ => {
            a["format"] = json!(attachment_format(&u.name));
            a["size"] = json!(u.size);
        }
    }
    a["fileId"] = json!(u.id);
    (file, a)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_lists() {
        assert!(type_listed("image/*, application/pdf", "IMAGE/PNG"));
        assert!(type_listed("image/*, application/pdf", "application/pdf"));
        assert!(!type_listed("image/*", "text/plain"));
        assert!(!type_listed("", "text/plain"));
        assert!(type_allowed("text/plain", "", ""));
        assert!(type_allowed("text/plain", "*", "image/svg+xml"));
        assert!(!type_allowed("image/svg+xml", "", "image/svg+xml"));
        assert!(!type_allowed("", "", "image/svg+xml"));
        assert!(!type_allowed("text/plain", "image/*", ""));
        assert!(type_allowed("image/gif", "image/*", "image/svg+xml"));
    }

    #[test]
    fn names_and_sizes() {
        assert_eq!(clean_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_name("C:\\Users\\x\\report.pdf"), "report.pdf");
        assert_eq!(clean_name(".hidden"), "hidden");
        assert_eq!(clean_name("a\u{0}b\n.txt"), "ab.txt");
        assert_eq!(clean_name("  "), "file");
        assert_eq!(clean_name(".."), "file");
        assert_eq!((extension("Report.PDF"), attachment_format("Report.PDF")), ("pdf".into(), "PDF".into()));
        assert_eq!((extension(".bashrc"), attachment_format("README")), (String::new(), "file".into()));
        assert_eq!(human_size(10), "10 B");
        assert_eq!(human_size(104_857_600), "100 MB");
        assert_eq!(human_size(1536), "1.5 KB");
    }

    #[test]
    fn image_headers() {
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        png.extend_from_slice(&640u32.to_be_bytes());
        png.extend_from_slice(&480u32.to_be_bytes());
        assert_eq!(identify(&png), Some(("png", 640, 480)));
        assert_eq!(identify(b"GIF89a\x20\x00\x10\x00"), Some(("gif", 32, 16)));
        // A JPEG: APP0, then a baseline frame of 300x200.
        let jpeg = [
            &[0xff, 0xd8, 0xff, 0xe0, 0x00, 0x04, 0x00, 0x00][..],
            &[0xff, 0xc0, 0x00, 0x0b, 0x08, 0x00, 200, 0x01, 0x2c, 0x01, 0x01, 0x11, 0x00],
        ]
        .concat();
        assert_eq!(identify(&jpeg), Some(("jpeg", 300, 200)));
        // The same turned a quarter by its EXIF orientation (6): shown as 200x300.
        let exif = [
            &[0xff, 0xd8, 0xff, 0xe1, 0x00, 0x22][..],
            b"Exif\0\0",
            b"II\x2a\x00\x08\x00\x00\x00",
            &[0x01, 0x00, 0x12, 0x01, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00],
            &[0x00, 0x00, 0x00, 0x00],
            &jpeg[8..],
        ]
        .concat();
        assert_eq!(identify(&exif), Some(("jpeg", 200, 300)));
        let mut webp = b"RIFF\0\0\0\0WEBPVP8X\0\0\0\0\0\0\0\0".to_vec();
        webp.extend_from_slice(&[0x7f, 0x02, 0x00, 0xdf, 0x01, 0x00]);
        assert_eq!(identify(&webp), Some(("webp", 640, 480)));
        assert_eq!(identify(b"<svg/>"), None);
        assert_eq!(identify(&[0xff, 0xd8, 0xff]), None);
        assert_eq!(identify(b"\x89PNG\r\n\x1a\n"), None);
    }
}
