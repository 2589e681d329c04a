//! `push.token`: registering (`POST`) and removing (`DELETE`) a device's push token.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use serde_json::json;

use super::auth::Auth;
use super::params::{Body, Params};
use super::reply::{Reply, json_response, ok, ok_empty};
use crate::error::{Kind, Result};
use crate::services::Services;
use crate::services::push_tokens::Device;

/// Routes of this family.
pub fn routes() -> Router<Arc<Services>> {
    Router::new().route("/api/v1/push.token", post(register).delete(remove))
}

/// A string parameter that must be present and non-empty, else `invalid` with `message`.
fn required(p: &Params, name: &str, invalid: Kind, message: &str) -> Result<String> {
    match p.get(name) {
        Some(serde_json::Value::String(s)) if !s.is_empty() => Ok(s.clone()),
        _ => Err(invalid.with_message(message)),
    }
}

/// `POST push.token {type: apn|gcm, value, appName, id?}` → `{result: {_id, token, appName,
/// userId, enabled, createdAt, updatedAt}}`.
async fn register(State(svc): State<Arc<Services>>, Auth(caller): Auth, Body(p): Body) -> Reply {
    let result = svc
        .blocking(move |s| {
            let id = match p.get("id") {
                None => None,
                Some(serde_json::Value::String(id)) => Some(id.clone()),
                Some(_) => {
                    return Err(Kind::IdParamNotValid.into());
                }
            };
            let kind = p.opt_str("type").filter(|t| t == "apn" || t == "gcm").ok_or(Kind::TypeParamNotValid)?;
            let token = required(
                &p,
                "value",
                Kind::TokenParamNotValid,
                "The required \"value\" body param is missing or invalid.",
            )?;
            let app_name = required(
                &p,
                "appName",
                Kind::AppNameParamNotValid,
                "The required \"appName\" body param is missing or invalid.",
            )?;
            let device = Device { id: id.as_deref(), kind: &kind, token: &token, app_name: &app_name };
            s.push_tokens().register(&caller, device)
        })
        .await?;
    Ok(ok(json!({"result": result})))
}

/// `DELETE push.token {token}`: 404 when the caller has no such token.
async fn remove(State(svc): State<Arc<Services>>, Auth(caller): Auth, Body(p): Body) -> Reply {
    let removed = svc
        .blocking(move |s| {
            let token = required(
                &p,
                "token",
                Kind::TokenParamNotValid,
                "The required \"token\" body param is missing or invalid.",
            )?;
            s.push_tokens().remove(&caller.user, &token)
        })
        .await?;
    if removed {
        Ok(ok_empty())
    } else {
        Ok(json_response(StatusCode::NOT_FOUND, &json!({"success": false, "error": "Resource not found"})))
    }
}
