//! Server information: `GET /api/info`, `GET /health`, `GET /api/v1/licenses.info`; and the
//! server-wide REST conventions no single handler owns (the JSON answer to a wrong method).

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;

use super::auth::{Auth, MaybeAuth};
use super::reply::{Reply, ok};
use crate::error::Error;
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

/// Gives axum's bare `405 Method Not Allowed` (a known route called with another method) a
/// Rocket.Chat-style JSON body, keeping its `Allow` header. Used with `map_response`.
pub async fn json_method_not_allowed(res: Response) -> Response {
    if res.status() != StatusCode::METHOD_NOT_ALLOWED || res.headers().contains_key(header::CONTENT_TYPE) {
        return res;
    }
    let allow = res.headers().get(header::ALLOW).cloned();
    let mut json = Error::api(405, "error-method-not-allowed", "Method not allowed").into_response();
    if let Some(allow) = allow {
        json.headers_mut().insert(header::ALLOW, allow);
    }
    json
}
