//! `custom-user-status.*`: listing (any user) and managing (`manage-user-status`) the custom
//! statuses users can pick.

use std::sync::Arc;

use axum::Router;
use serde_json::{Value, json};

use super::paging::{ListOptions, docs};
use super::params::Params;
use super::rooms::{failure, get_with, post_with, text};
use crate::error::{Error, Kind, Result};
use crate::models::User;
use crate::services::Services;
use crate::services::custom_statuses::StatusChange;

/// Routes of this family.
pub fn routes() -> Router<Arc<Services>> {
    Router::new()
        .route("/api/v1/custom-user-status.list", get_with(list))
        .route("/api/v1/custom-user-status.create", post_with(create))
        .route("/api/v1/custom-user-status.update", post_with(update))
        .route("/api/v1/custom-user-status.delete", post_with(delete))
}

/// `GET custom-user-status.list?name=&_id=` with `query`, `sort` (default by name), `fields`
/// and paging → `{statuses, count, offset, total}`.
fn list(s: &Services, _: &User, p: &Params) -> Result<Value> {
    let opts = ListOptions::from_params(s, p)?;
    let mut statuses = s.custom_statuses().all()?;
    if let Some(name) = text(p, "name") {
        let name = name.to_lowercase();
        statuses.retain(|st| st.name.to_lowercase().contains(&name));
    }
    if let Some(id) = text(p, "_id") {
        statuses.retain(|st| st.id == id);
    }
    let (page, total) = opts.apply(docs(&statuses)?, Some(json!({"name": 1})))?;
    Ok(opts.envelope("statuses", page, total))
}

fn string(p: &Params, name: &str) -> Result<String> {
    p.typed_str(name)?.ok_or_else(|| Kind::param_required(name))
}

/// `POST custom-user-status.create {name, statusType?}` → `{customUserStatus}`.
fn create(s: &Services, user: &User, p: &Params) -> Result<Value> {
    let name = string(p, "name")?;
    let status_type = p.typed_str("statusType")?.unwrap_or_default();
    let change = StatusChange { id: None, name: &name, status_type: Some(&status_type) };
    Ok(json!({"customUserStatus": s.custom_statuses().save(user, change)?}))
}

/// `POST custom-user-status.update {_id, name, statusType?}` → `{customUserStatus}`.
fn update(s: &Services, user: &User, p: &Params) -> Result<Value> {
    let id = string(p, "_id")?;
    let name = string(p, "name")?;
    let status_type = p.typed_str("statusType")?;
    let change = StatusChange { id: Some(&id), name: &name, status_type: status_type.as_deref() };
    match s.custom_statuses().save(user, change) {
        Ok(status) => Ok(json!({"customUserStatus": status})),
        Err(Error::Api { kind: Kind::InvalidCustomUserStatus, message, .. }) => Err(failure(message)),
        Err(e) => Err(e),
    }
}

/// `POST custom-user-status.delete {customUserStatusId}`.
fn delete(s: &Services, user: &User, p: &Params) -> Result<Value> {
    let id = text(p, "customUserStatusId").ok_or_else(|| failure("The \"customUserStatusId\" params is required!"))?;
    s.custom_statuses().delete(user, &id)?;
    Ok(json!({}))
}
