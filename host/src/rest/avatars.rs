//! Avatars: `users.setAvatar`, `users.getAvatar`, `users.resetAvatar`, and the images at
//! `/avatar/<username>`, `/avatar/uid/<userId>` and `/avatar/room/<rid>`.

use std::sync::Arc;

use axum::Router;
use axum::extract::{FromRequest, Path, Request, State};
use axum::http::header::{
    CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_SECURITY_POLICY, CONTENT_TYPE, ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH,
    LAST_MODIFIED, LOCATION,
};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use serde_json::json;

use super::auth::{Auth, MaybeAuth, browser_caller};
use super::forms::{FileForm, FormData, read_file_form};
use super::params::{Body, Params, Query};
use super::reply::{Reply, json_response, ok_empty};
use super::rooms::{text, user_from_params};
use crate::error::{Kind, Result};
use crate::models::User;
use crate::services::Services;
use crate::services::avatars::{AvatarImage, Source, svg_size};

/// Routes of this family.
pub fn routes() -> Router<Arc<Services>> {
    Router::new()
        .route("/api/v1/users.setAvatar", post(set_avatar))
        .route("/api/v1/users.getAvatar", get(get_avatar))
        .route("/api/v1/users.resetAvatar", post(reset_avatar))
        .route("/avatar/room/{rid}", get(room_avatar))
        .route("/avatar/uid/{id}", get(uid_avatar))
        .route("/avatar/{subject}", get(user_avatar))
}

/// Whether `userId`/`username`/`user` names someone.
fn names_user(p: &Params) -> bool {
    ["userId", "username", "user"].iter().any(|k| text(p, k).is_some())
}

/// The user a call is about: the one named by `userId`/`username`/`user`, or the caller.
fn target(s: &Services, caller: &User, p: &Params) -> Result<User> {
    if names_user(p) { user_from_params(s, p) } else { Ok(caller.clone()) }
}

/// A `users.setAvatar` request: a multipart image with its form fields, or a JSON body.
enum SetAvatar {
    Upload(Vec<u8>, Params),
    Json(Params),
}

/// Reads a `users.setAvatar` body. A multipart image (field `image`, `file`, or any file part)
/// is read in chunks and refused as soon as it passes the upload limit.
async fn read_set_avatar(svc: &Arc<Services>, req: Request) -> Result<SetAvatar> {
    let content_type = req.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    if !content_type.starts_with("multipart/form-data") {
        let Body(p) = Body::from_request(req, svc).await?;
        return Ok(SetAvatar::Json(p));
    }
    let form = FileForm { file_fields: &["image", "file"], max: svc.avatars().max_size(), invalid: Kind::InvalidImage };
    let FormData { file, fields } = read_file_form(svc, req, form).await?;
    let image = file.ok_or(Kind::InvalidImage)?;
    Ok(SetAvatar::Upload(image, fields))
}

/// The image in an `avatarUrl`: only `data:image/...;base64,` URLs, since the server does not
/// download from other sites.
fn decode_avatar_url(url: &str) -> Result<Vec<u8>> {
    let data = url
        .trim()
        .strip_prefix("data:")
        .and_then(|rest| rest.split_once(";base64,"))
        .filter(|(mime, _)| mime.starts_with("image/"))
        .map(|(_, b64)| b64.trim().to_string())
        .ok_or(Kind::AvatarInvalidUrl)?;
    base64::engine::general_purpose::STANDARD
        .decode(data.as_bytes())
        .map_err(|_| Kind::InvalidImage.with_message("The data URL is not valid base64"))
}

/// `POST users.setAvatar`: a multipart `image` (with optional `userId`/`username` fields), or
/// JSON `{avatarUrl, userId?|username?}` with a `data:` URL. Another user's avatar needs
/// `edit-other-user-avatar`. → `{}`.
async fn set_avatar(State(svc): State<Arc<Services>>, Auth(caller): Auth, req: Request) -> Reply {
    let body = read_set_avatar(&svc, req).await?;
    svc.blocking(move |s| match body {
        SetAvatar::Upload(bytes, fields) => {
            let user = if names_user(&fields) {
                user_from_params(s, &fields).map_err(|_| {
                    Kind::InvalidUser
                        .with_message("The optional \"userId\" or \"username\" param provided does not match any users")
                })?
            } else {
                caller.user.clone()
            };
            s.avatars().set(&caller.user, &user, &bytes, Source::Upload)
        }
        SetAvatar::Json(p) => {
            let url = text(&p, "avatarUrl").ok_or(Kind::InvalidImage)?;
            let user = target(s, &caller.user, &p)?;
            let bytes = decode_avatar_url(&url)?;
            s.avatars().set(&caller.user, &user, &bytes, Source::Url)
        }
    })
    .await?;
    Ok(ok_empty())
}

/// `GET users.getAvatar?userId|username` (no login needed): a 307 redirect to
/// `/avatar/<username>`, whose URL is also the body.
async fn get_avatar(State(svc): State<Arc<Services>>, MaybeAuth(caller): MaybeAuth, Query(p): Query) -> Reply {
    let user = svc
        .blocking(move |s| match caller {
            Some(c) if !names_user(&p) => Ok(c.user),
            _ => user_from_params(s, &p),
        })
        .await?;
    let location =
        format!("{}/avatar/{}", svc.config.root_url.trim_end_matches('/'), urlencoding::encode(&user.username));
    let mut res = json_response(StatusCode::TEMPORARY_REDIRECT, &json!(location));
    if let Ok(v) = HeaderValue::from_str(&location) {
        res.headers_mut().insert(LOCATION, v);
    }
    Ok(res)
}

/// `POST users.resetAvatar {userId?|username?}` → `{}`.
async fn reset_avatar(State(svc): State<Arc<Services>>, Auth(caller): Auth, Body(p): Body) -> Reply {
    svc.blocking(move |s| {
        let user = target(s, &caller.user, &p)?;
        s.avatars().reset(&caller.user, &user)
    })
    .await?;
    Ok(ok_empty())
}

/// The id of the user whose credentials the request carries (see [`browser_caller`]).
async fn viewer(svc: &Arc<Services>, p: &Params, headers: &HeaderMap) -> Option<String> {
    browser_caller(svc, p, headers).await.map(|c| c.user.id)
}

/// Whether the request may see avatars: always, unless `Accounts_AvatarBlockUnauthenticatedAccess`
/// is on; then it must carry valid credentials ([`viewer`]).
async fn may_see(svc: &Arc<Services>, p: &Params, headers: &HeaderMap) -> bool {
    !svc.avatars().requires_login() || viewer(svc, p, headers).await.is_some()
}

/// Serves an avatar: `Cache-Control` from `Accounts_AvatarCacheTime` (or `?cacheTime=`), its
/// `ETag` and `Last-Modified`; `If-None-Match` or `If-Modified-Since` that match answer 304.
fn serve(svc: &Services, image: AvatarImage, p: &Params, headers: &HeaderMap) -> Response {
    let cache_time = p.int("cacheTime").ok().flatten().filter(|t| *t > 0).unwrap_or_else(|| svc.avatars().cache_time());
    serve_image(image, cache_time, headers)
}

/// Serves an image with its `ETag`, `Last-Modified` and `Cache-Control: public,
/// max-age=<cache_time>`; `If-None-Match` or `If-Modified-Since` that match answer 304.
pub(super) fn serve_image(image: AvatarImage, cache_time: i64, headers: &HeaderMap) -> Response {
    let etag = format!("\"{}\"", image.etag);
    let header = |name| headers.get(name).and_then(|v: &HeaderValue| v.to_str().ok());
    let fresh = match header(IF_NONE_MATCH) {
        Some(v) => v.split(',').any(|t| t.trim() == etag || t.trim() == "*"),
        None => header(IF_MODIFIED_SINCE).is_some_and(|v| v.trim() == image.last_modified),
    };
    let mut res = if fresh { StatusCode::NOT_MODIFIED.into_response() } else { image.bytes.into_response() };
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&image.content_type) {
        h.insert(CONTENT_TYPE, v);
    }
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(ETAG, v);
    }
    if let Ok(v) = HeaderValue::from_str(&image.last_modified) {
        h.insert(LAST_MODIFIED, v);
    }
    if let Ok(v) = HeaderValue::from_str(&format!("public, max-age={cache_time}")) {
        h.insert(CACHE_CONTROL, v);
    }
    h.insert(CONTENT_DISPOSITION, HeaderValue::from_static("inline"));
    // Uploaded SVGs are shown as images, never run as documents.
    if image.uploaded {
        h.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'none'"));
    }
    h.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    res
}

/// The `size` query parameter (ignored when it is not a number).
fn size(p: &Params) -> u32 {
    svg_size(p.int("size").ok().flatten().and_then(|s| u32::try_from(s).ok()))
}

fn not_found() -> Response {
    StatusCode::NOT_FOUND.into_response()
}

/// `GET /avatar/<username>` (`@name` for the initials of any name; `?size=` sets the side of
/// initials avatars; `?format=` is accepted, initials stay SVG; a trailing image extension is
/// tolerated).
async fn user_avatar(
    State(svc): State<Arc<Services>>,
    Path(subject): Path<String>,
    Query(p): Query,
    headers: HeaderMap,
) -> Result<Response> {
    if subject.is_empty() {
        return Ok(not_found());
    }
    if !may_see(&svc, &p, &headers).await {
        return Ok(serve(&svc, svc.avatars().blocked(&subject), &p, &headers));
    }
    let side = size(&p);
    let image = svc.blocking(move |s| s.avatars().of_path(&subject, side)).await?;
    Ok(serve(&svc, image, &p, &headers))
}

/// `GET /avatar/uid/<userId>`: 404 for an unknown user.
async fn uid_avatar(
    State(svc): State<Arc<Services>>,
    Path(id): Path<String>,
    Query(p): Query,
    headers: HeaderMap,
) -> Result<Response> {
    if !may_see(&svc, &p, &headers).await {
        return Ok(serve(&svc, svc.avatars().blocked(&id), &p, &headers));
    }
    let side = size(&p);
    match svc.blocking(move |s| s.avatars().of_user_id(&id, side)).await? {
        Some(image) => Ok(serve(&svc, image, &p, &headers)),
        None => Ok(not_found()),
    }
}

/// `GET /avatar/room/<rid>`: the room's initials; 404 for an unknown room.
async fn room_avatar(
    State(svc): State<Arc<Services>>,
    Path(rid): Path<String>,
    Query(p): Query,
    headers: HeaderMap,
) -> Result<Response> {
    let viewer = viewer(&svc, &p, &headers).await;
    if viewer.is_none() && svc.avatars().requires_login() {
        return Ok(serve(&svc, svc.avatars().blocked(&rid), &p, &headers));
    }
    let side = size(&p);
    match svc.blocking(move |s| s.avatars().of_room(viewer.as_deref(), &rid, side)).await? {
        Some(image) => Ok(serve(&svc, image, &p, &headers)),
        None => Ok(not_found()),
    }
}
