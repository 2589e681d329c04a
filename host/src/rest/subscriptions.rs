//! `subscriptions.*`: the caller's subscriptions, their sync and read state.

use std::sync::Arc;

use axum::Router;
use serde_json::{Value, json};

use super::params::Params;
use super::rooms::{failure, get_with, post_with, text};
use crate::error::{Kind, Result};
use crate::models::User;
use crate::services::Services;
use crate::time::Date;

/// Routes of this family.
pub fn routes() -> Router<Arc<Services>> {
    Router::new()
        .route("/api/v1/subscriptions.get", get_with(get))
        .route("/api/v1/subscriptions.getOne", get_with(get_one))
        .route("/api/v1/subscriptions.read", post_with(read))
        .route("/api/v1/subscriptions.unread", post_with(unread))
}

/// `GET subscriptions.get?updatedSince=` → `{update, remove}`.
fn get(s: &Services, user: &User, p: &Params) -> Result<Value> {
    let since = match text(p, "updatedSince") {
        None => None,
        Some(t) => Some(Date::parse_iso(&t).ok_or_else(|| {
            Kind::RoomIdParamInvalid.with_message("The \"lastUpdate\" query parameter must be a valid date.")
        })?),
    };
    let changes = s.subscriptions().get(user, since)?;
    Ok(json!({
        "update": changes.update,
        "remove": changes.remove,
    }))
}

/// `GET subscriptions.getOne?roomId=` → `{subscription}` (`null` when not subscribed).
fn get_one(s: &Services, user: &User, p: &Params) -> Result<Value> {
    let rid = text(p, "roomId").ok_or_else(|| failure("The 'roomId' param is required"))?;
    Ok(json!({"subscription": s.subscriptions().get_one(user, &rid)?}))
}

/// `POST subscriptions.read {rid|roomId, readThreads}`.
fn read(s: &Services, user: &User, p: &Params) -> Result<Value> {
    let rid = text(p, "rid").or_else(|| text(p, "roomId")).ok_or_else(|| Kind::param_required("rid"))?;
    s.subscriptions().read(user, &rid, p.bool("readThreads", false)?)?;
    Ok(json!({}))
}

/// `POST subscriptions.unread {roomId}` or `{firstUnreadMessage: {_id}}`.
fn unread(s: &Services, user: &User, p: &Params) -> Result<Value> {
    let mid = p.get("firstUnreadMessage").and_then(|m| m.get("_id")).and_then(Value::as_str).map(String::from);
    let rid = text(p, "roomId");
    if mid.is_none() && rid.is_none() {
        return Err(Kind::InvalidParams.with_message("The parameter \"roomId\" or \"firstUnreadMessage\" is required"));
    }
    s.subscriptions().unread(user, mid.as_deref(), rid.as_deref())?;
    Ok(json!({}))
}
