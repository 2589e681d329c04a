//! Server information: `GET /api/info`, `GET /health`, `GET /api/v1/licenses.info`.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use serde_json::json;

use super::auth::{Auth, MaybeAuth};
use super::reply::{Reply, ok};
use crate::services::Services;

/// The Rocket.Chat version Orbit reports; clients gate features on it.
pub const RC_VERSION: &str = "8.0.0";

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
