//! Avatars: `users.setAvatar`, `users.getAvatar`, `users.resetAvatar`, and the images at
//! `/avatar/<username>` and `/avatar/room/<rid>`.

use std::sync::Arc;

use axum::Router;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, ETAG, IF_NONE_MATCH, LOCATION};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use serde_json::json;

use super::auth::{Auth, MaybeAuth};
use super::params::{Body, Params, Query};
use super::reply::{Reply, ok};
use super::rooms::user_from_params;
use crate::error::{Error, Result};
use crate::models::User;
use crate::services::Services;
use crate::services::avatars::AvatarImage;

/// Routes of this family.
pub fn routes() -> Router<Arc<Services>> {
    Router::new()
        .route("/api/v1/users.setAvatar", post(set_avatar))
        .route("/api/v1/users.getAvatar", get(get_avatar))
        .route("/api/v1/users.resetAvatar", post(reset_avatar))
        .route("/avatar/room/{rid}", get(room_avatar))
        .route("/avatar/{username}", get(user_avatar))
}

/// The user an avatar call is about: `userId`/`username`, or the caller.
fn target(s: &Services, caller: &User, p: &Params) -> Result<User> {
    let named = ["userId", "username", "user"].iter().any(|k| p.opt_str(k).is_some_and(|v| !v.trim().is_empty()));
    if named { user_from_params(s, p) } else { Ok(caller.clone()) }
}

/// What a `users.setAvatar` request carries: the image bytes and the other fields.
async fn read_upload(svc: &Arc<Services>, req: Request) -> Result<(Option<Vec<u8>>, Params)> {
    let content_type = req.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    if !content_type.starts_with("multipart/form-data") {
        let Body(p) = Body::from_request(req, svc).await?;
        return Ok((None, p));
    }
    let bad = |e: String| Error::bad("error-invalid-image", format!("Invalid multipart body: {e}"));
    let mut form = Multipart::from_request(req, svc).await.map_err(|e| bad(e.to_string()))?;
    let mut image = None;
    let mut fields = serde_json::Map::new();
    while let Some(field) = form.next_field().await.map_err(|e| bad(e.to_string()))? {
        let name = field.name().unwrap_or_default().to_string();
        if name == "image" || name == "file" || field.file_name().is_some() {
            image = Some(field.bytes().await.map_err(|e| bad(e.to_string()))?.to_vec());
        } else {
            fields.insert(name, json!(field.text().await.map_err(|e| bad(e.to_string()))?));
        }
    }
    Ok((image, Params(fields)))
}

/// `POST users.setAvatar`: a multipart `image`, or `{avatarUrl}` as a `data:image/...;base64,`
/// URL; `userId`/`username` to change someone else's (`edit-other-user-avatar`).
async fn set_avatar(State(svc): State<Arc<Services>>, Auth(caller): Auth, req: Request) -> Reply {
    let (image, p) = read_upload(&svc, req).await?;
    svc.blocking(move |s| {
        let bytes = match image {
            Some(bytes) => bytes,
            None => {
                let url = p.opt_str("avatarUrl").ok_or_else(|| Error::param_required("image"))?;
                let data = url
                    .strip_prefix("data:")
                    .and_then(|rest| rest.split_once(";base64,"))
                    .filter(|(mime, _)| mime.starts_with("image/"))
                    .map(|(_, b64)| b64.to_string())
                    .ok_or_else(|| {
                        Error::bad(
                            "error-avatar-url-handling",
                            "Only uploaded images and data: URLs are accepted; this server does not download avatars",
                        )
                    })?;
                base64::engine::general_purpose::STANDARD
                    .decode(data.trim())
                    .map_err(|_| Error::bad("error-invalid-image", "The data URL is not valid base64"))?
            }
        };
        let user = target(s, &caller.user, &p)?;
        s.avatars().set(&caller.user, &user, &bytes)
    })
    .await?;
    Ok(ok(json!({})))
}

/// `GET users.getAvatar?userId|username`: redirects to the avatar image.
async fn get_avatar(State(svc): State<Arc<Services>>, Auth(caller): Auth, Query(p): Query) -> Result<Response> {
    let user = svc.blocking(move |s| target(s, &caller.user, &p)).await?;
    let location =
        format!("{}/avatar/{}", svc.config.root_url.trim_end_matches('/'), urlencoding::encode(&user.username));
    let mut res = StatusCode::TEMPORARY_REDIRECT.into_response();
    if let Ok(v) = HeaderValue::from_str(&location) {
        res.headers_mut().insert(LOCATION, v);
    }
    Ok(res)
}

/// `POST users.resetAvatar {userId?|username?}`.
async fn reset_avatar(State(svc): State<Arc<Services>>, Auth(caller): Auth, Body(p): Body) -> Reply {
    svc.blocking(move |s| {
        let user = target(s, &caller.user, &p)?;
        s.avatars().reset(&caller.user, &user)
    })
    .await?;
    Ok(ok(json!({})))
}

/// Checks `Accounts_AvatarBlockUnauthenticatedAccess` (cookies `rc_uid`/`rc_token` count).
async fn allowed(
    svc: &Arc<Services>,
    caller: &Option<crate::services::accounts::Caller>,
    headers: &HeaderMap,
) -> Result<()> {
    if !svc.settings.bool("Accounts_AvatarBlockUnauthenticatedAccess") || caller.is_some() {
        return Ok(());
    }
    let cookies = headers.get("cookie").and_then(|v| v.to_str().ok()).unwrap_or_default();
    let cookie = |name: &str| {
        cookies
            .split(';')
            .filter_map(|c| c.trim().split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
    };
    if let (Some(uid), Some(token)) = (cookie("rc_uid"), cookie("rc_token"))
        && svc.blocking(move |s| s.accounts().authenticate(&uid, &token)).await.is_ok()
    {
        return Ok(());
    }
    Err(Error::Unauthenticated)
}

/// Serves an avatar with its entity tag; `If-None-Match` answers 304.
fn serve(image: AvatarImage, headers: &HeaderMap) -> Response {
    let etag = format!("\"{}\"", image.etag);
    let fresh = headers
        .get(IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    let mut res = if fresh { StatusCode::NOT_MODIFIED.into_response() } else { image.bytes.into_response() };
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&image.content_type) {
        h.insert(CONTENT_TYPE, v);
    }
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(ETAG, v);
    }
    h.insert(CACHE_CONTROL, HeaderValue::from_static("public, max-age=0, must-revalidate"));
    // Uploaded SVGs are shown as images, never run as documents.
    h.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'"));
    h.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    res
}

/// `GET /avatar/<username>` (a trailing image extension and `?size=`/`?format=` are accepted).
async fn user_avatar(
    State(svc): State<Arc<Services>>,
    MaybeAuth(caller): MaybeAuth,
    Path(username): Path<String>,
    headers: HeaderMap,
) -> Result<Response> {
    allowed(&svc, &caller, &headers).await?;
    let name = username.trim_start_matches('@');
    let name = [".png", ".jpg", ".jpeg", ".svg", ".gif", ".webp"]
        .iter()
        .find_map(|ext| name.strip_suffix(ext))
        .unwrap_or(name)
        .to_string();
    let image = svc.blocking(move |s| s.avatars().of_username(&name)).await?;
    Ok(serve(image, &headers))
}

/// `GET /avatar/room/<rid>`.
async fn room_avatar(
    State(svc): State<Arc<Services>>,
    MaybeAuth(caller): MaybeAuth,
    Path(rid): Path<String>,
    headers: HeaderMap,
) -> Result<Response> {
    allowed(&svc, &caller, &headers).await?;
    let viewer = caller.map(|c| c.user);
    let image = svc.blocking(move |s| s.avatars().of_room(viewer.as_ref(), &rid)).await?;
    Ok(serve(image, &headers))
}
