//! App management, shaped like Rocket.Chat's `/api/apps` endpoints: list, install (multipart
//! upload), get, update, uninstall, status, settings and logs. Every one needs `manage-apps`
//! except the icon, which upstream serves to anyone. Also the apps' own HTTP endpoints
//! (`/api/apps/public/…` for anyone, `/api/apps/private/…` for logged-in users).

use std::sync::Arc;

use axum::Router;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{any, get};
use base64::Engine as _;
use serde_json::{Value, json};

use super::auth::{Auth, MaybeAuth};
use super::paging::{ListOptions, docs};
use super::params::{Body, Query};
use super::reply::{Reply, ok};
use crate::error::{Error, Kind, Result};
use crate::services::Services;
use crate::services::apps::endpoints::{EndpointAnswer, EndpointCall, MAX_BODY_BYTES};

/// Routes of this family.
pub fn routes() -> Router<Arc<Services>> {
    Router::new()
        .route("/api/apps", get(list).post(install))
        .route("/api/apps/installed", get(list))
        .route("/api/apps/{id}", get(get_one).post(update).delete(uninstall))
        .route("/api/apps/{id}/status", get(get_status).post(set_status))
        .route("/api/apps/{id}/settings", get(settings).post(update_settings))
        .route("/api/apps/{id}/settings/{setting}", get(setting).post(update_setting))
        .route("/api/apps/{id}/logs", get(logs))
        .route("/api/apps/{id}/icon", get(icon))
        .route("/api/apps/public/{id}/{*path}", any(public_endpoint))
        .route("/api/apps/private/{id}/{*path}", any(private_endpoint))
}

/// Reads a request to an app endpoint (the body at most 1 MiB, as text).
async fn endpoint_call(path: String, req: Request) -> Result<EndpointCall> {
    let (parts, body) = req.into_parts();
    let body = axum::body::to_bytes(body, MAX_BODY_BYTES).await.map_err(|_| Kind::RequestTooLarge)?;
    let headers = parts
        .headers
        .iter()
        .filter_map(|(name, value)| Some((name.as_str().to_string(), value.to_str().ok()?.to_string())))
        .collect();
    Ok(EndpointCall {
        method: parts.method.to_string(),
        path,
        query: parts.uri.query().unwrap_or("").to_string(),
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

/// The app's answer as an HTTP response.
fn endpoint_response(answer: EndpointAnswer) -> axum::response::Response {
    let mut res =
        (StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR), answer.body).into_response();
    for (name, value) in answer.headers {
        if let (Ok(name), Ok(value)) = (header::HeaderName::try_from(name), HeaderValue::try_from(value)) {
            res.headers_mut().insert(name, value);
        }
    }
    res
}

/// `ANY /api/apps/public/:id/*path`: an app endpoint anyone may call.
async fn public_endpoint(
    State(svc): State<Arc<Services>>,
    Path((id, path)): Path<(String, String)>,
    req: Request,
) -> Result<axum::response::Response> {
    let call = endpoint_call(path, req).await?;
    let answer = svc.blocking(move |s| s.apps().call_endpoint(&id, None, call)).await?;
    Ok(endpoint_response(answer))
}

/// `ANY /api/apps/private/:id/*path`: an app endpoint for logged-in users.
async fn private_endpoint(
    State(svc): State<Arc<Services>>,
    Auth(caller): Auth,
    Path((id, path)): Path<(String, String)>,
    req: Request,
) -> Result<axum::response::Response> {
    let call = endpoint_call(path, req).await?;
    let answer = svc.blocking(move |s| s.apps().call_endpoint(&id, Some(&caller.user), call)).await?;
    Ok(endpoint_response(answer))
}

/// `GET /api/apps` (and `/api/apps/installed`): `{apps: [...]}`.
async fn list(State(svc): State<Arc<Services>>, Auth(caller): Auth) -> Reply {
    let apps = svc.blocking(move |s| s.apps().list(&caller.user)).await?;
    Ok(ok(json!({"apps": apps})))
}

/// Reads the package of an install or update request: a multipart upload in field `app`
/// (upstream's name) or `file`. A JSON `{url}` is refused: this server does not download.
async fn package_of(svc: &Arc<Services>, req: Request) -> Result<Vec<u8>> {
    let content_type = req.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    if content_type.starts_with("multipart/form-data") {
        let mut form = Multipart::from_request(req, svc)
            .await
            .map_err(|e| Kind::AppPackageInvalid.with_message(format!("Invalid multipart body: {e}")))?;
        while let Some(field) = form
            .next_field()
            .await
            .map_err(|e| Kind::AppPackageInvalid.with_message(format!("Invalid multipart body: {e}")))?
        {
            if matches!(field.name(), Some("app" | "file")) {
                let bytes = field
                    .bytes()
                    .await
                    .map_err(|e| Kind::AppPackageInvalid.with_message(format!("Could not read the upload: {e}")))?;
                return Ok(bytes.to_vec());
            }
        }
        return Err(Kind::AppFileMissing.into());
    }
    let Body(p) = Body::from_request(req, svc).await?;
    if let Some(url) = p.opt_str("url") {
        return Err(Kind::AppUrlNotSupported.with_message(format!(
            "Installing from a URL ({url}) is not supported: this server does not download packages. \
                 Upload the zip (multipart field `app`) or drop it into the apps folder"
        )));
    }
    Err(Error::from(Kind::AppFileMissing))
}

/// `POST /api/apps`: installs an app from a multipart upload; `{app}`.
/// The upload is read before the caller is checked, so that a refused client still gets its
/// answer instead of a connection closed in the middle of its upload.
async fn install(State(svc): State<Arc<Services>>, MaybeAuth(caller): MaybeAuth, req: Request) -> Reply {
    let zip = package_of(&svc, req).await;
    let caller = caller.ok_or(Error::Unauthenticated)?;
    let user = caller.user.clone();
    svc.blocking(move |s| s.apps().require_admin(&user)).await?;
    let zip = zip?;
    let app = svc.blocking(move |s| s.apps().install(&caller.user, &zip)).await?;
    Ok(ok(json!({"app": app, "implemented": {}})))
}

/// `GET /api/apps/:id`: `{app}`.
async fn get_one(State(svc): State<Arc<Services>>, Auth(caller): Auth, Path(id): Path<String>) -> Reply {
    let app = svc.blocking(move |s| s.apps().get(&caller.user, &id)).await?;
    Ok(ok(json!({"app": app})))
}

/// `POST /api/apps/:id`: updates an app with a new package of the same id; `{app}`.
async fn update(
    State(svc): State<Arc<Services>>,
    MaybeAuth(caller): MaybeAuth,
    Path(id): Path<String>,
    req: Request,
) -> Reply {
    let zip = package_of(&svc, req).await;
    let caller = caller.ok_or(Error::Unauthenticated)?;
    let (user, app_id) = (caller.user.clone(), id.clone());
    // `manage-apps`, then 404 for an unknown app, before the package is looked at.
    svc.blocking(move |s| s.apps().get(&user, &app_id).map(drop)).await?;
    let zip = zip?;
    let app = svc.blocking(move |s| s.apps().update(&caller.user, &id, &zip)).await?;
    Ok(ok(json!({"app": app, "implemented": {}})))
}

/// `DELETE /api/apps/:id`: `{app}` with status `disabled`.
async fn uninstall(State(svc): State<Arc<Services>>, Auth(caller): Auth, Path(id): Path<String>) -> Reply {
    let app = svc.blocking(move |s| s.apps().uninstall(&caller.user, &id)).await?;
    Ok(ok(json!({"app": app})))
}

/// `GET /api/apps/:id/status`: `{status}`.
async fn get_status(State(svc): State<Arc<Services>>, Auth(caller): Auth, Path(id): Path<String>) -> Reply {
    let status = svc.blocking(move |s| s.apps().status(&caller.user, &id)).await?;
    Ok(ok(json!({"status": status})))
}

/// `POST /api/apps/:id/status` with `{status}`: `{status}` as it ended up.
async fn set_status(
    State(svc): State<Arc<Services>>,
    Auth(caller): Auth,
    Path(id): Path<String>,
    Body(p): Body,
) -> Reply {
    let wanted = p.opt_str("status").filter(|s| !s.is_empty()).ok_or(Kind::InvalidStatus)?;
    let status = svc.blocking(move |s| s.apps().set_status(&caller.user, &id, &wanted)).await?;
    Ok(ok(json!({"status": status})))
}

/// `GET /api/apps/:id/settings`: `{settings: {<id>: ISetting}}`.
async fn settings(State(svc): State<Arc<Services>>, Auth(caller): Auth, Path(id): Path<String>) -> Reply {
    let settings = svc.blocking(move |s| s.apps().settings(&caller.user, &id)).await?;
    Ok(ok(json!({"settings": settings})))
}

/// `(id, value)` of a setting object.
fn setting_change(v: &Value) -> Result<(String, Value)> {
    let id =
        v.get("id").and_then(Value::as_str).filter(|id| !id.is_empty()).ok_or_else(|| Kind::param_required("id"))?;
    let value = v.get("value").cloned().ok_or_else(|| Kind::param_required("value"))?;
    Ok((id.to_string(), value))
}

/// `POST /api/apps/:id/settings` with `{settings: [{id, value}, ...]}`: `{updated}`.
async fn update_settings(
    State(svc): State<Arc<Services>>,
    Auth(caller): Auth,
    Path(id): Path<String>,
    Body(p): Body,
) -> Reply {
    let changes = match p.get("settings") {
        Some(Value::Array(items)) => items.iter().map(setting_change).collect::<Result<Vec<_>>>()?,
        Some(Value::Object(map)) => map
            .iter()
            .map(|(k, v)| match v.get("value") {
                Some(value) if v.is_object() => Ok((k.clone(), value.clone())),
                _ => Ok((k.clone(), v.clone())),
            })
            .collect::<Result<Vec<_>>>()?,
        _ => return Err(Kind::InvalidParams.with_message("The settings to update must be present.")),
    };
    let updated = svc.blocking(move |s| s.apps().update_settings(&caller.user, &id, changes)).await?;
    Ok(ok(json!({"updated": updated})))
}

/// `GET /api/apps/:id/settings/:settingId`: `{setting}`.
async fn setting(
    State(svc): State<Arc<Services>>,
    Auth(caller): Auth,
    Path((id, setting)): Path<(String, String)>,
) -> Reply {
    let setting = svc.blocking(move |s| s.apps().setting(&caller.user, &id, &setting)).await?;
    Ok(ok(json!({"setting": setting})))
}

/// `POST /api/apps/:id/settings/:settingId` with `{setting: {value}}` (or `{value}`).
async fn update_setting(
    State(svc): State<Arc<Services>>,
    Auth(caller): Auth,
    Path((id, setting)): Path<(String, String)>,
    Body(p): Body,
) -> Reply {
    let value = match p.get("setting") {
        Some(s) => s.get("value").cloned(),
        None => p.get("value").cloned(),
    }
    .ok_or_else(|| Kind::InvalidParams.with_message("Setting to update to must be present on the posted body."))?;
    let updated = svc
        .blocking(move |s| {
            s.apps().setting(&caller.user, &id, &setting)?;
            s.apps().update_settings(&caller.user, &id, vec![(setting, value)])
        })
        .await?;
    Ok(ok(json!({"updated": updated})))
}

/// `GET /api/apps/:id/logs`: `{logs, offset, count, total}`, newest first.
async fn logs(State(svc): State<Arc<Services>>, Auth(caller): Auth, Path(id): Path<String>, Query(p): Query) -> Reply {
    let body = svc
        .blocking(move |s| {
            let entries = s.apps().logs(&caller.user, &id)?;
            let opts = ListOptions::from_params(s, &p)?;
            let (page, total) = opts.apply(docs(&entries)?, None)?;
            Ok(opts.envelope("logs", page, total))
        })
        .await?;
    Ok(ok(body))
}

/// `GET /api/apps/:id/icon`: the package icon, for anyone (as upstream).
async fn icon(State(svc): State<Arc<Services>>, Path(id): Path<String>) -> Reply {
    let icon = svc.blocking(move |s| s.apps().icon(&id)).await?;
    let (meta, data) = icon.split_once(";base64,").unwrap_or(("data:image/png", ""));
    let bytes = base64::engine::general_purpose::STANDARD.decode(data).unwrap_or_default();
    let mime = meta.trim_start_matches("data:").to_string();
    let mut res = (StatusCode::OK, bytes).into_response();
    if let Ok(v) = HeaderValue::from_str(&mime) {
        res.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    Ok(res)
}
