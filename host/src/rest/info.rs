//! Server information: `GET /api/info`, `GET /health`, `GET /api/v1/licenses.info`; and the
//! server-wide REST conventions no single handler owns (JSON answers to errors axum makes).

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::get;
use serde_json::json;

use super::auth::{Auth, MaybeAuth};
use super::reply::{Reply, ok};
use crate::error::{Error, Kind};
use crate::services::Services;

pub use crate::services::statistics::RC_VERSION;

/// Routes of this family.
pub fn routes() -> Router<Arc<Services>> {
    Router::new()
        .route("/api/info", get(info))
        .route("/health", get(health))
        .route("/api/v1/licenses.info", get(licenses_info))
}

/// `GET /api/info`: the version, and build details for logged-in callers.
async fn info(State(svc): State<Arc<Services>>, MaybeAuth(caller): MaybeAuth) -> Reply {
    let mut body = json!({"version": RC_VERSION});
    if caller.is_some() {
        body["info"] = json!({
            "version": RC_VERSION,
            "build": {
                "date": env!("CARGO_PKG_VERSION"),
                "nodeVersion": "orbit",
                "arch": std::env::consts::ARCH,
                "platform": std::env::consts::OS,
                "osRelease": "",
                "totalMemory": 0,
                "freeMemory": 0,
                "cpus": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
            },
            "commit": {"hash": "orbit", "branch": "main", "subject": format!("Orbit {}", env!("CARGO_PKG_VERSION"))},
            "marketplaceApiVersion": "1.50.0",
            "orbit": {"version": env!("CARGO_PKG_VERSION"), "siteUrl": svc.config.root_url},
        });
    }
    Ok(ok(body))
}

/// `GET /health`: 200 once the server answers requests.
async fn health() -> Reply {
    Ok(ok(json!({"status": "ok"})))
}

/// `GET /api/v1/licenses.info`: Orbit has no licence.
async fn licenses_info(_: Auth) -> Reply {
    Ok(ok(json!({"license": {}})))
}

/// Keeps every `/api/v1` answer in Rocket.Chat's JSON envelope, even those no handler wrote:
/// axum's bare `405 Method Not Allowed` (a known route called with another method; its `Allow`
/// header stays) and the plain-text rejections of extractors (a path parameter that is not
/// UTF-8, a body too large for a multipart reader…).
pub async fn json_errors(req: Request, next: Next) -> Response {
    let versioned = req.uri().path().starts_with("/api/v1/");
    let res = next.run(req).await;
    let status = res.status();
    let is_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !versioned || is_json || !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let (parts, body) = res.into_parts();
    let text = axum::body::to_bytes(body, 64 * 1024).await.map(|b| String::from_utf8_lossy(&b).trim().to_string());
    let text = text.ok().filter(|t| !t.is_empty());
    let error = match status {
        StatusCode::METHOD_NOT_ALLOWED => Error::from(Kind::MethodNotAllowed),
        StatusCode::PAYLOAD_TOO_LARGE => Error::from(Kind::RequestTooLarge),
        s if s.is_client_error() => Kind::InvalidParams
            .with_message(text.unwrap_or_else(|| s.canonical_reason().unwrap_or("Bad request").to_string())),
        _ => Error::from(Kind::InternalError),
    };
    let mut json = error.into_response_with(status);
    if let Some(allow) = parts.headers.get(header::ALLOW) {
        json.headers_mut().insert(header::ALLOW, allow.clone());
    }
    json
}
