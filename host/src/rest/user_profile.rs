//! A user's preferences and status, and presence lookups: `users.getPreferences`,
//! `users.setPreferences`, `users.setStatus`, `users.getStatus`, `users.getPresence`,
//! `users.presence`.

use std::sync::Arc;

use axum::Router;
use serde_json::{Value, json};

use super::params::Params;
use super::rooms::{get_with, post_with, text, user_from_params};
use crate::error::{Kind, Result};
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

/// The user named by `userId`/`username`/`user`, or the caller when none is given or the one
/// given is the caller (upstream's `isUserFromParams`).
fn subject(s: &Services, caller: &User, p: &Params) -> Result<User> {
    let id = text(p, "userId");
    let name = text(p, "username").or_else(|| text(p, "user"));
    let is_caller = match (&id, &name) {
        (None, None) => true,
        (Some(id), _) => id.trim() == caller.id,
        (None, Some(name)) => name.trim().trim_start_matches('@') == caller.username,
    };
    if is_caller { Ok(caller.clone()) } else { user_from_params(s, p) }
}

/// `GET users.getPreferences` → `{preferences}`.
fn get_preferences(s: &Services, caller: &User, _: &Params) -> Result<Value> {
    Ok(json!({"preferences": s.preferences().of(caller)}))
}

/// `POST users.setPreferences {userId?, data}` → `{user: {_id, settings: {preferences}}}`.
fn set_preferences(s: &Services, caller: &User, p: &Params) -> Result<Value> {
    let data = match p.get("data") {
        None | Some(Value::Null) => {
            return Err(Kind::InvalidParams.with_message("must have required property 'data' [invalid-params]"));
        }
        Some(Value::Object(o)) => o.clone(),
        Some(_) => return Err(Kind::InvalidParams.with_message("must be object \"data\" [invalid-params]")),
    };
    let user_id = match p.get("userId") {
        None | Some(Value::Null) => caller.id.clone(),
        Some(Value::String(id)) if !id.trim().is_empty() => id.trim().to_string(),
        Some(Value::String(_)) => caller.id.clone(),
        Some(_) => return Err(Kind::InvalidParams.with_message("must be string \"userId\" [invalid-params]")),
    };
    let user = s.preferences().set(caller, &user_id, &data)?;
    Ok(json!({"user": {"_id": user.id, "settings": {"preferences": s.preferences().of(&user)}}}))
}

/// `POST users.setStatus {message?, status?, userId?|username?}` → `{}`.
fn set_status(s: &Services, caller: &User, p: &Params) -> Result<Value> {
    let status = p.typed_str("status")?;
    let message = p.typed_str("message")?;
    if status.is_none() && message.is_none() {
        return Err(Kind::InvalidParams.with_message("Match error: \"status\" or \"message\" is required"));
    }
    let target = subject(s, caller, p)?;
    s.presence().set_status(caller, &target, status.as_deref(), message.as_deref())?;
    Ok(json!({}))
}

/// `GET users.getStatus?userId|username` → `{_id, message, status, connectionStatus?}`.
fn get_status(s: &Services, caller: &User, p: &Params) -> Result<Value> {
    let user = subject(s, caller, p)?;
    Ok(json!(s.presence().status_view(caller, &user)))
}

/// `GET users.getPresence?userId|username` → `{presence, connectionStatus?, lastLogin?}`.
fn get_presence(s: &Services, caller: &User, p: &Params) -> Result<Value> {
    let user = subject(s, caller, p)?;
    Ok(json!(s.presence().presence_view(caller, &user)))
}

/// `GET users.presence?from&ids[]` → `{users, full}`. A `from` that is not a date is ignored
/// (the full list answers), as upstream.
fn presence(s: &Services, caller: &User, p: &Params) -> Result<Value> {
    let mut ids = p.list("ids");
    ids.extend(p.list("ids[]"));
    let ids: Vec<String> =
        ids.iter().flat_map(|i| i.split(',')).map(str::trim).filter(|i| !i.is_empty()).map(String::from).collect();
    let from = text(p, "from").and_then(|t| Date::parse_iso(t.trim()));
    let (users, full) = s.presence().presence_of(caller, (!ids.is_empty()).then_some(ids.as_slice()), from)?;
    Ok(json!({"users": users, "full": full}))
}
