//! Uploads: `rooms.upload/<rid>`, `rooms.media/<rid>`, `rooms.mediaConfirm/<rid>/<fileId>`,
//! `rooms.images`, and downloads at `/file-upload/<fileId>/<name>` (and the older
//! `/ufs/<store>/<fileId>/<name>`).

use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::body::Body as HttpBody;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Path, Request, State};
use axum::http::header::{
    ACCEPT_RANGES, CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_LENGTH, CONTENT_RANGE, CONTENT_SECURITY_POLICY,
    CONTENT_TYPE, ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED, RANGE,
};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Map, Value, json};
use tokio::io::{AsyncReadExt, AsyncSeekExt};

use super::auth::{Auth, browser_caller};
use super::paging::{ListOptions, docs};
use super::params::{Body, Params, Query};
use super::reply::{Reply, ok};
use crate::error::{Error, Kind, Result};
use crate::services::Services;
use crate::services::uploads::{FileMessage, NewFile};
use crate::store::Upload;

/// Routes of this family. Upload bodies are limited by `FileUpload_MaxFileSize` while they are
/// read, not by the server's general body limit.
pub fn routes() -> Router<Arc<Services>> {
    let uploads = Router::new()
        .route("/api/v1/rooms.upload/{rid}", post(upload))
        .route("/api/v1/rooms.media/{rid}", post(media))
        .layer(DefaultBodyLimit::disable());
    Router::new()
        .merge(uploads)
        .route("/api/v1/rooms.mediaConfirm/{rid}/{file_id}", post(media_confirm))
        .route("/api/v1/rooms.images", get(images))
        .route("/file-upload/{id}/{name}", get(download))
        .route("/ufs/{store}/{id}/{name}", get(download_ufs))
}

/// Reads a multipart upload: the `file` part goes to disk as it arrives (refused past the size
/// limit), the other parts are text fields. `no_file` is the error when there is no file.
async fn read_form(
    svc: &Arc<Services>,
    caller: &crate::models::User,
    rid: &str,
    req: Request,
    no_file: fn() -> Error,
) -> Result<(NewFile, Params)> {
    let (user, room) = (caller.clone(), rid.to_string());
    let mut incoming = svc.blocking(move |s| s.uploads().begin(&user, &room)).await?;
    let content_type = req.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if !content_type.starts_with("multipart/form-data") {
        return Err(no_file());
    }
    let bad = |e: String| Kind::InvalidField.with_message(format!("Invalid multipart body: {e}"));
    let mut form = Multipart::from_request(req, svc).await.map_err(|e| bad(e.body_text()))?;
    let mut file = None;
    let mut fields = Map::new();
    let mut refused = None;
    // What is read and dropped of a refused upload (see `drain`).
    let mut budget = svc.config.max_body_bytes.max(64 << 20);
    while let Some(mut field) = form.next_field().await.map_err(|e| bad(e.body_text()))? {
        let name = field.name().unwrap_or_default().to_string();
        if field.file_name().is_some() || name == "file" {
            if name != "file" || file.is_some() {
                return Err(Kind::InvalidUploadField.with_message("Send one file, in the field `file`"));
            }
            let file_name = field.file_name().unwrap_or("file").to_string();
            let content_type = field.content_type().unwrap_or("application/octet-stream").to_string();
            while let Some(chunk) = field.chunk().await.map_err(|e| bad(e.body_text()))? {
                if let Err(e) = incoming.write(&chunk) {
                    refused = Some(e);
                    break;
                }
            }
            if refused.is_some() {
                // Read and drop the rest, so that the client, still sending, gets to read the
                // answer instead of a broken connection.
                drain(&mut field, &mut budget).await;
                break;
            }
            file = Some((file_name, content_type));
        } else {
            // Text fields stay within the general body limit (this route lifts it for files).
            let mut text = Vec::new();
            while let Some(chunk) = field.chunk().await.map_err(|e| bad(e.body_text()))? {
                if text.len() + chunk.len() > svc.config.max_body_bytes {
                    return Err(Kind::InvalidUploadField.with_message(format!("The field `{name}` is too large")));
                }
                text.extend_from_slice(&chunk);
            }
            let text = String::from_utf8(text).map_err(|_| bad(format!("the field `{name}` is not UTF-8")))?;
            fields.insert(name, json!(text));
        }
    }
    if let Some(e) = refused {
        while budget > 0
            && let Ok(Some(mut field)) = form.next_field().await
        {
            drain(&mut field, &mut budget).await;
        }
        return Err(e);
    }
    let (name, content_type) = file.ok_or_else(no_file)?;
    Ok((NewFile { name, content_type, data: incoming }, Params(fields)))
}

/// Reads and drops a field, within `budget` bytes.
async fn drain(field: &mut axum::extract::multipart::Field<'_>, budget: &mut usize) {
    while *budget > 0
        && let Ok(Some(chunk)) = field.chunk().await
    {
        *budget = budget.saturating_sub(chunk.len());
    }
}

/// The message fields of an upload (`msg`, `description`, `tmid`, `alias`, `emoji`, `avatar`,
/// `customFields` as a JSON object or its text, and `fileName` to rename the file).
fn file_message(p: &Params) -> Result<FileMessage> {
    let text = |k: &str| p.opt_str(k).filter(|v| !v.is_empty());
    let custom_fields = match p.get("customFields") {
        None => None,
        Some(Value::Object(o)) => Some(o.clone()),
        Some(Value::String(s)) if s.trim().is_empty() => None,
        Some(Value::String(s)) => match serde_json::from_str::<Value>(s) {
            Ok(Value::Object(o)) => Some(o),
            _ => return Err(Kind::invalid_param("customFields")),
        },
        Some(_) => return Err(Kind::invalid_param("customFields")),
    };
    Ok(FileMessage {
        msg: p.opt_str("msg").unwrap_or_default(),
        description: text("description"),
        tmid: text("tmid"),
        alias: text("alias"),
        emoji: text("emoji"),
        avatar: text("avatar"),
        custom_fields,
        file_name: text("fileName"),
    })
}

/// `POST rooms.upload/<rid>` (multipart `file`, `msg`, `description`, `tmid`, …) → `{message}`.
async fn upload(State(svc): State<Arc<Services>>, Auth(caller): Auth, Path(rid): Path<String>, req: Request) -> Reply {
    let no_file = || Kind::InvalidUploadField.with_message("The file field `file` is missing");
    let (file, p) = read_form(&svc, &caller.user, &rid, req, no_file).await?;
    let m = file_message(&p)?;
    let message = svc.blocking(move |s| s.uploads().upload(&caller.user, &rid, file, m)).await?;
    Ok(ok(json!({"message": message})))
}

/// `POST rooms.media/<rid>` (multipart `file`) → `{file: {_id, url}}`: kept for 24 hours until
/// `rooms.mediaConfirm`.
async fn media(State(svc): State<Arc<Services>>, Auth(caller): Auth, Path(rid): Path<String>, req: Request) -> Reply {
    let no_file = || Error::from(Kind::NoFileUploaded);
    let (file, _) = read_form(&svc, &caller.user, &rid, req, no_file).await?;
    let upload = svc.blocking(move |s| s.uploads().stage(&caller.user, &rid, file)).await?;
    Ok(ok(json!({"file": {"_id": upload.id, "url": upload.url}})))
}

/// `POST rooms.mediaConfirm/<rid>/<fileId> {msg, description, tmid, fileName, …}` → `{message}`.
async fn media_confirm(
    State(svc): State<Arc<Services>>,
    Auth(caller): Auth,
    Path((rid, file_id)): Path<(String, String)>,
    Body(p): Body,
) -> Reply {
    let m = file_message(&p)?;
    let message = svc.blocking(move |s| s.uploads().confirm(&caller.user, &rid, &file_id, m)).await?;
    Ok(ok(json!({"message": message})))
}

/// `GET rooms.images?roomId=&startingFromId=&offset=&count=` → `{files, count, offset, total}`:
/// the room's images, newest first.
async fn images(State(svc): State<Arc<Services>>, Auth(caller): Auth, Query(p): Query) -> Reply {
    let value = svc
        .blocking(move |s| {
            let rid = p.str("roomId")?;
            let opts = ListOptions::from_params(s, &p)?;
            let from = p.opt_str("startingFromId").filter(|v| !v.is_empty());
            let (files, total) =
                s.uploads().room_images(&caller.user, &rid, from.as_deref(), opts.offset, opts.count)?;
            Ok(opts.envelope("files", docs(files)?, total))
        })
        .await?;
    Ok(ok(value))
}

/// `GET /file-upload/<id>/<name>[?download]`. Authenticated (when `FileUpload_ProtectFiles`
/// asks) by `rc_uid`/`rc_token` in the query or cookies, or the API headers.
async fn download(
    State(svc): State<Arc<Services>>,
    Path((id, _name)): Path<(String, String)>,
    Query(p): Query,
    headers: HeaderMap,
) -> Result<Response> {
    serve(svc, id, p, headers).await
}

/// `GET /ufs/<store>/<id>/<name>`: the older file path, served the same way.
async fn download_ufs(
    State(svc): State<Arc<Services>>,
    Path((_store, id, _name)): Path<(String, String, String)>,
    Query(p): Query,
    headers: HeaderMap,
) -> Result<Response> {
    serve(svc, id, p, headers).await
}

/// A byte range of a file of `size` bytes from a `Range` header: `Some(Ok((start, end)))`
/// (inclusive), `Some(Err(()))` when unsatisfiable, `None` to send everything (no header, or
/// a form this server doesn't serve, such as several ranges).
fn byte_range(header: Option<&str>, size: u64) -> Option<std::result::Result<(u64, u64), ()>> {
    let spec = header?.trim().strip_prefix("bytes=")?;
    if spec.contains(',') {
        return None;
    }
    let (a, b) = spec.split_once('-')?;
    let (a, b) = (a.trim(), b.trim());
    let range = if a.is_empty() {
        let n: u64 = b.parse().ok()?;
        if n == 0 || size == 0 {
            return Some(Err(()));
        }
        (size.saturating_sub(n), size - 1)
    } else {
        let start: u64 = a.parse().ok()?;
        let end =
            if b.is_empty() { size.saturating_sub(1) } else { b.parse::<u64>().ok()?.min(size.saturating_sub(1)) };
        if start >= size || end < start {
            return Some(Err(()));
        }
        (start, end)
    };
    Some(Ok(range))
}

/// `uploadedAt` as an HTTP date.
fn http_date(ms: i64) -> String {
    crate::time::Date(ms).to_http()
}

/// Serves a file: never as a page (types a browser would run go as plain bytes, and only
/// images, audio and video show inline), with `ETag`/`Last-Modified` revalidation and single
/// byte ranges.
async fn serve(svc: Arc<Services>, id: String, p: Params, headers: HeaderMap) -> Result<Response> {
    let user = browser_caller(&svc, &p, &headers).await.map(|c| c.user);
    let (upload, path) = svc.blocking(move |s| s.uploads().download(user.as_ref(), &id)).await?;
    let header = |name| headers.get(name).and_then(|v: &HeaderValue| v.to_str().ok());
    let etag = format!("\"{}\"", upload.id);
    let last_modified = http_date(upload.uploaded_at.0);
    let fresh = match header(IF_NONE_MATCH) {
        Some(v) => v.split(',').any(|t| t.trim() == etag || t.trim() == "*"),
        None => header(IF_MODIFIED_SINCE).is_some_and(|v| v.trim() == last_modified),
    };
    let size = upload.size.max(0) as u64;
    let mut res = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        match byte_range(header(RANGE), size) {
            Some(Err(())) => {
                let mut res = StatusCode::RANGE_NOT_SATISFIABLE.into_response();
                if let Ok(v) = HeaderValue::from_str(&format!("bytes */{size}")) {
                    res.headers_mut().insert(CONTENT_RANGE, v);
                }
                return Ok(res);
            }
            Some(Ok((start, end))) => {
                let mut res =
                    (StatusCode::PARTIAL_CONTENT, stream_file(path, start, end - start + 1).await?).into_response();
                if let Ok(v) = HeaderValue::from_str(&format!("bytes {start}-{end}/{size}")) {
                    res.headers_mut().insert(CONTENT_RANGE, v);
                }
                res.headers_mut().insert(CONTENT_LENGTH, HeaderValue::from(end - start + 1));
                res
            }
            None => {
                let mut res = stream_file(path, 0, size).await?.into_response();
                res.headers_mut().insert(CONTENT_LENGTH, HeaderValue::from(size));
                res
            }
        }
    };
    let h = res.headers_mut();
    let (content_type, inline) = presentation(&upload, p.get("download").is_some());
    h.insert(
        CONTENT_TYPE,
        HeaderValue::from_str(content_type).unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    let disposition = format!(
        "{}; filename*=UTF-8''{}",
        if inline { "inline" } else { "attachment" },
        urlencoding::encode(&upload.name)
    );
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(CONTENT_DISPOSITION, v);
    }
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(ETAG, v);
    }
    if let Ok(v) = HeaderValue::from_str(&last_modified) {
        h.insert(LAST_MODIFIED, v);
    }
    h.insert(ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    h.insert(CACHE_CONTROL, HeaderValue::from_static("private, max-age=31536000"));
    h.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'none'"));
    h.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    Ok(res)
}

/// The type a file is sent with and whether it may show inline: types a browser would run
/// (HTML, XML, SVG, scripts) go as `application/octet-stream`, and only images, audio and video
/// show inline (not when `?download` asks for the file).
fn presentation(upload: &Upload, download: bool) -> (&str, bool) {
    let ct = upload.content_type.as_str();
    let risky = ["html", "xml", "svg", "javascript", "ecmascript"].iter().any(|t| ct.contains(t));
    if risky {
        return ("application/octet-stream", false);
    }
    let media = ["image/", "audio/", "video/"].iter().any(|p| ct.starts_with(p));
    (ct, media && !download)
}

/// `len` bytes of a file from `start`, read as they are sent.
async fn stream_file(path: PathBuf, start: u64, len: u64) -> Result<HttpBody> {
    let not_found = || Error::from(Kind::FileNotFound);
    let mut file = tokio::fs::File::open(&path).await.map_err(|_| not_found())?;
    file.seek(std::io::SeekFrom::Start(start)).await.map_err(|e| Error::Internal(e.into()))?;
    let stream = futures_util::stream::unfold((file, len), |(mut file, left)| async move {
        if left == 0 {
            return None;
        }
        let mut buf = vec![0u8; left.min(64 * 1024) as usize];
        match file.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok::<_, std::io::Error>(bytes::Bytes::from(buf)), (file, left - n as u64)))
            }
            Err(e) => Some((Err(e), (file, 0))),
        }
    });
    Ok(HttpBody::from_stream(stream))
}

#[cfg(test)]
mod tests {
    use super::byte_range;

    #[test]
    fn ranges() {
        assert_eq!(byte_range(None, 10), None);
        assert_eq!(byte_range(Some("bytes=0-3"), 10), Some(Ok((0, 3))));
        assert_eq!(byte_range(Some("bytes=5-"), 10), Some(Ok((5, 9))));
        assert_eq!(byte_range(Some("bytes=-4"), 10), Some(Ok((6, 9))));
        assert_eq!(byte_range(Some("bytes=8-100"), 10), Some(Ok((8, 9))));
        assert_eq!(byte_range(Some("bytes=10-"), 10), Some(Err(())));
        assert_eq!(byte_range(Some("bytes=4-2"), 10), Some(Err(())));
        assert_eq!(byte_range(Some("bytes=0-1,4-5"), 10), None);
        assert_eq!(byte_range(Some("items=0-1"), 10), None);
    }
}
