//! Uploads: `rooms.upload/<rid>`, `rooms.media/<rid>`, `rooms.mediaConfirm/<rid>/<fileId>`, and
//! downloads at `/file-upload/<fileId>/<name>`.

use std::sync::Arc;

use axum::Router;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_SECURITY_POLICY, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;

use super::auth::{Auth, browser_caller};
use super::params::{Body, Params, Query};
use super::reply::{Reply, ok};
use crate::error::{Error, Result};
use crate::services::Services;
use crate::services::uploads::{FileMessage, NewFile, file_url};

/// Routes of this family.
pub fn routes() -> Router<Arc<Services>> {
    Router::new()
        .route("/api/v1/rooms.upload/{rid}", post(upload))
        .route("/api/v1/rooms.media/{rid}", post(media))
        .route("/api/v1/rooms.mediaConfirm/{rid}/{file_id}", post(media_confirm))
        .route("/file-upload/{id}/{name}", get(download))
}

/// The `file` part and the other fields of a multipart upload.
async fn read_form(svc: &Arc<Services>, req: Request) -> Result<(NewFile, Params)> {
    let content_type = req.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    if !content_type.starts_with("multipart/form-data") {
        return Err(Error::bad("error-invalid-field", "Send the file as multipart/form-data in the field `file`"));
    }
    let bad = |e: String| Error::bad("error-invalid-field", format!("Invalid multipart body: {e}"));
    let mut form = Multipart::from_request(req, svc).await.map_err(|e| bad(e.to_string()))?;
    let mut file = None;
    let mut fields = serde_json::Map::new();
    while let Some(field) = form.next_field().await.map_err(|e| bad(e.to_string()))? {
        let name = field.name().unwrap_or_default().to_string();
        if name == "file" {
            let file_name = field.file_name().unwrap_or("file").to_string();
            let content_type = field.content_type().unwrap_or("application/octet-stream").to_string();
            let bytes = field.bytes().await.map_err(|e| bad(e.to_string()))?.to_vec();
            file = Some(NewFile { name: file_name, content_type, bytes });
        } else {
            fields.insert(name, json!(field.text().await.map_err(|e| bad(e.to_string()))?));
        }
    }
    let file = file.ok_or_else(|| Error::bad("error-invalid-field", "The file field `file` is missing"))?;
    Ok((file, Params(fields)))
}

fn file_message(p: &Params) -> FileMessage {
    let text = |k: &str| p.opt_str(k).filter(|v| !v.is_empty());
    FileMessage { msg: text("msg").unwrap_or_default(), description: text("description"), tmid: text("tmid") }
}

/// `POST rooms.upload/<rid>` (multipart `file`, `msg`, `description`, `tmid`) → `{message}`.
async fn upload(State(svc): State<Arc<Services>>, Auth(caller): Auth, Path(rid): Path<String>, req: Request) -> Reply {
    let (file, p) = read_form(&svc, req).await?;
    let message = svc.blocking(move |s| s.uploads().upload(&caller.user, &rid, file, file_message(&p))).await?;
    Ok(ok(json!({"message": message})))
}

/// `POST rooms.media/<rid>` (multipart `file`) → `{file: {_id, url}}`.
async fn media(State(svc): State<Arc<Services>>, Auth(caller): Auth, Path(rid): Path<String>, req: Request) -> Reply {
    let (file, _) = read_form(&svc, req).await?;
    let upload = svc.blocking(move |s| s.uploads().store(&caller.user, &rid, file)).await?;
    Ok(ok(json!({"file": {"_id": upload.id, "url": file_url(&upload)}})))
}

/// `POST rooms.mediaConfirm/<rid>/<fileId> {msg, description, tmid}` → `{message}`.
async fn media_confirm(
    State(svc): State<Arc<Services>>,
    Auth(caller): Auth,
    Path((rid, file_id)): Path<(String, String)>,
    Body(p): Body,
) -> Reply {
    let message = svc.blocking(move |s| s.uploads().confirm(&caller.user, &rid, &file_id, file_message(&p))).await?;
    Ok(ok(json!({"message": message})))
}

/// `GET /file-upload/<id>/<name>[?download]`. Authenticated by headers or by the `rc_uid` and
/// `rc_token` cookies (browsers). Never rendered as a page: only images, audio and video show
/// inline, everything else downloads.
async fn download(
    State(svc): State<Arc<Services>>,
    Path((id, _name)): Path<(String, String)>,
    Query(p): Query,
    headers: HeaderMap,
) -> Result<Response> {
    let user = browser_caller(&svc, &p, &headers).await.map(|c| c.user);
    let (upload, bytes) = svc.blocking(move |s| s.uploads().download(user.as_ref(), &id)).await?;
    let inline = ["image/", "audio/", "video/"].iter().any(|p| upload.content_type.starts_with(p))
        && upload.content_type != "image/svg+xml"
        && p.get("download").is_none();
    let disposition = format!(
        "{}; filename*=UTF-8''{}",
        if inline { "inline" } else { "attachment" },
        urlencoding::encode(&upload.name)
    );
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    // Types a browser would run are always sent as plain bytes.
    let risky = ["html", "xml", "svg", "javascript", "ecmascript"].iter().any(|t| upload.content_type.contains(t));
    let ct = if risky { "application/octet-stream" } else { upload.content_type.as_str() };
    h.insert(CONTENT_TYPE, HeaderValue::from_str(ct).unwrap_or(HeaderValue::from_static("application/octet-stream")));
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(CONTENT_DISPOSITION, v);
    }
    h.insert(CACHE_CONTROL, HeaderValue::from_static("private, max-age=31536000"));
    h.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'none'"));
    h.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    Ok(res)
}
