//! The caller's preferences and status, and presence lookups: `users.getPreferences`,
//! `users.setPreferences`, `users.setStatus`, `users.getStatus`, `users.getPresence`,
//! `users.presence`.

use std::sync::Arc;

use axum::Router;
use serde_json::{Value, json};

use super::params::Params;
use super::rooms::{get_with, post_with, text, user_from_params};
use crate::error::{Error, Result};
use crate::models::User;
use crate::services::Services;
use crate::time::Date;

/// Routes of this family.
pub fn routes() -> Router<Arc<Services>> {
    Router::new()
        .route("/api/v1/users.getPreferences", get_with(get_preferences))
        .route("/api/v1/users.setPreferences", post_with(set_preferences))
        .route("/api/v1/users.setStatus", post_with(set_status))
        .route("/api/v1/users.getStatus", get_with(get_status))
        .route("/api/v1/users.getPresence", get_with(get_presence))
        .route("/api/v1/users.presence", get_with(presence))
}

/// The user named by `userId`/`username`, or the caller when neither is given.
fn subject(s: &Services, caller: &User, p: &Params) -> Result<User> {
    if text(p, "userId").is_none() && text(p, "username").is_none() && text(p, "user").is_none() {
        return Ok(caller.clone());
    }
    user_from_params(s, p)
}

/// `GET users.getPreferences` → `{preferences}`.
fn get_preferences(s: &Services, user: &User, _: &Params) -> Result<Value> {
    Ok(json!({"preferences": s.accounts().preferences(user)}))
}

/// `POST users.setPreferences {userId?, data}` → `{user: {_id, settings: {preferences}}}`.
fn set_preferences(s: &Services, caller: &User, p: &Params) -> Result<Value> {
    let data = p.json_object("data")?.ok_or_else(|| Error::param_required("data"))?;
    let user_id = text(p, "userId").unwrap_or_else(|| caller.id.clone());
    let user = s.profile().set_preferences(caller, &user_id, &data)?;
    Ok(json!({"user": {"_id": user.id, "settings": {"preferences": s.accounts().preferences(&user)}}}))
}

/// `POST users.setStatus {message?, status?, userId?}`.
fn set_status(s: &Services, caller: &User, p: &Params) -> Result<Value> {
    let status = p.typed_str("status")?;
    let message = p.typed_str("message")?;
    if status.is_none() && message.is_none() {
        return Err(Error::bad("error-invalid-params", "Either \"status\" or \"message\" is required"));
    }
    let user_id = text(p, "userId").unwrap_or_else(|| caller.id.clone());
    s.profile().set_status(caller, &user_id, status.as_deref(), message.as_deref())?;
    Ok(json!({}))
}

/// `GET users.getStatus?userId|username` → `{_id, message, status, connectionStatus?}`.
fn get_status(s: &Services, caller: &User, p: &Params) -> Result<Value> {
    let user = subject(s, caller, p)?;
    Ok(s.profile().status_view(caller, &user))
}

/// `GET users.getPresence?userId|username` → `{presence, connectionStatus?, lastLogin?}`.
fn get_presence(s: &Services, caller: &User, p: &Params) -> Result<Value> {
    let user = subject(s, caller, p)?;
    Ok(s.profile().presence_view(caller, &user))
}

/// `GET users.presence?from&ids[]` → `{users, full}`.
fn presence(s: &Services, caller: &User, p: &Params) -> Result<Value> {
    let mut ids = p.list("ids");
    if ids.is_empty() {
        ids = p.list("ids[]");
    }
    let ids: Vec<String> =
        ids.iter().flat_map(|i| i.split(',')).map(str::trim).filter(|i| !i.is_empty()).map(String::from).collect();
    let from = match text(p, "from") {
        None => None,
        Some(t) => Some(Date::parse_iso(&t).ok_or_else(|| Error::invalid_param("from"))?),
    };
    let (users, full) = s.profile().presence_of(caller, (!ids.is_empty()).then_some(ids.as_slice()), from)?;
    Ok(json!({"users": users, "full": full}))
}
