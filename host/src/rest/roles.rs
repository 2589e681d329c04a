//! Roles and permissions endpoints: `roles.list`, `roles.sync`, `roles.create`, `roles.update`,
//! `roles.delete`, `roles.addUserToRole`, `roles.removeUserFromRole`, `roles.getUsersInRole`,
//! `permissions.listAll` and `permissions.update`.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::auth::Auth;
use super::paging::ListOptions;
use super::params::{Body, Params, Query};
use super::reply::{Reply, ok, ok_empty};
use super::rooms::user_from_params;
use crate::error::{Error, Kind, Result};
use crate::models::Role;
use crate::services::Services;
use crate::services::roles::{NewRole, RoleChange};
use crate::time::Date;

/// Routes of this family.
pub fn routes() -> Router<Arc<Services>> {
    Router::new()
        .route("/api/v1/roles.list", get(list))
        .route("/api/v1/roles.sync", get(sync))
        .route("/api/v1/roles.create", post(create))
        .route("/api/v1/roles.update", post(update))
        .route("/api/v1/roles.delete", post(delete))
        .route("/api/v1/roles.addUserToRole", post(add_user))
        .route("/api/v1/roles.removeUserFromRole", post(remove_user))
        .route("/api/v1/roles.getUsersInRole", get(users_in_role))
        .route("/api/v1/permissions.listAll", get(permissions_list))
        .route("/api/v1/permissions.update", post(permissions_update))
}

fn invalid_properties() -> Error {
    Error::from(Kind::InvalidRoleProperties)
}

/// Checks a body against its schema: only `allowed` keys, strings where strings go,
/// `mandatory2fa` boolean.
fn check_shape(p: &Params, allowed: &[&str]) -> Result<()> {
    for (k, v) in &p.0 {
        let ok = match k.as_str() {
            "mandatory2fa" => v.is_boolean() || v.is_null(),
            k if allowed.contains(&k) => v.is_string() || v.is_null(),
            _ => false,
        };
        if !ok || !allowed.contains(&k.as_str()) {
            return Err(invalid_properties());
        }
    }
    Ok(())
}

/// A role body (`roles.create`, `roles.update`): its keys, and a scope of `Users` or `Subscriptions`.
fn check_role_shape(p: &Params, allowed: &[&str]) -> Result<()> {
    check_shape(p, allowed)?;
    match p.get("scope") {
        Some(Value::String(s)) if !crate::services::roles::SCOPES.contains(&s.as_str()) => Err(invalid_properties()),
        _ => Ok(()),
    }
}

/// A date parameter: ISO-8601 with or without a zone, a plain date, or epoch milliseconds.
pub fn parse_since(text: &str) -> Option<Date> {
    let text = text.trim();
    if let Some(d) = Date::parse_iso(text) {
        return Some(d);
    }
    if let Ok(ms) = text.parse::<i64>() {
        return Some(Date(ms));
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"] {
        if let Ok(d) = chrono::NaiveDateTime::parse_from_str(text, fmt) {
            return Some(Date(d.and_utc().timestamp_millis()));
        }
    }
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| Date(d.and_utc().timestamp_millis()))
}

/// `GET roles.list`: `{roles}`.
async fn list(State(svc): State<Arc<Services>>, _: Auth) -> Reply {
    let roles = svc.blocking(|s| s.roles().list()).await?;
    Ok(ok(json!({"roles": roles})))
}

/// `GET roles.sync?updatedSince=`: `{roles: {update, remove}}`.
async fn sync(State(svc): State<Arc<Services>>, _: Auth, Query(p): Query) -> Reply {
    let since = p.str("updatedSince")?;
    let since = parse_since(&since).ok_or_else(|| Kind::invalid_param("updatedSince"))?;
    let (update, remove) = svc.blocking(move |s| s.roles().sync(since)).await?;
    Ok(ok(json!({"roles": {"update": update, "remove": remove}})))
}

/// `POST roles.create` (`access-permissions`): `{name, scope?, description?, mandatory2fa?}` → `{role}`.
async fn create(State(svc): State<Arc<Services>>, Auth(caller): Auth, Body(p): Body) -> Reply {
    check_role_shape(&p, &["name", "scope", "description", "mandatory2fa"])?;
    let new = NewRole {
        name: p.typed_str("name")?.ok_or_else(invalid_properties)?,
        scope: p.typed_str("scope")?,
        description: p.typed_str("description")?,
        mandatory2fa: p.get("mandatory2fa").and_then(Value::as_bool),
    };
    let role = svc.blocking(move |s| s.roles().create(&caller.user, new)).await?;
    Ok(ok(json!({"role": role})))
}

/// `POST roles.update` (`access-permissions`): `{roleId, name, scope?, description?, mandatory2fa?}`.
async fn update(State(svc): State<Arc<Services>>, Auth(caller): Auth, Body(p): Body) -> Reply {
    check_role_shape(&p, &["roleId", "name", "scope", "description", "mandatory2fa"])?;
    let id = p.typed_str("roleId")?.ok_or_else(invalid_properties)?;
    let change = RoleChange {
        name: Some(p.typed_str("name")?.ok_or_else(invalid_properties)?),
        scope: p.typed_str("scope")?,
        description: p.typed_str("description")?,
        mandatory2fa: p.get("mandatory2fa").and_then(Value::as_bool),
    };
    let role = svc.blocking(move |s| s.roles().update(&caller.user, &id, change)).await?;
    Ok(ok(json!({"role": role})))
}

/// `POST roles.delete` (`access-permissions`): `{roleId}`.
async fn delete(State(svc): State<Arc<Services>>, Auth(caller): Auth, Body(p): Body) -> Reply {
    check_shape(&p, &["roleId"])?;
    let id = p.typed_str("roleId")?.filter(|r| !r.is_empty()).ok_or_else(invalid_properties)?;
    svc.blocking(move |s| s.roles().delete(&caller.user, &id)).await?;
    Ok(ok_empty())
}

/// The role a call names: `roleId` (by id), else `roleName` (by id or name).
fn target_role(s: &Services, p: &Params, not_found: fn() -> Error) -> Result<Role> {
    let role = match (p.opt_str("roleId").filter(|r| !r.is_empty()), p.opt_str("roleName").filter(|r| !r.is_empty())) {
        (Some(id), _) => s.roles().by_id(&id)?,
        (None, Some(name)) => s.roles().by_id_or_name(&name)?,
        (None, None) => return Err(invalid_properties()),
    };
    role.ok_or_else(not_found)
}

/// `POST roles.addUserToRole`: `{roleId | roleName, username, roomId?}` → `{role}`.
async fn add_user(State(svc): State<Arc<Services>>, Auth(caller): Auth, Body(p): Body) -> Reply {
    check_shape(&p, &["roleId", "roleName", "username", "userId", "roomId"])?;
    let role = svc
        .blocking(move |s| {
            let user = user_from_params(s, &p)?;
            let role = target_role(s, &p, || Error::from(Kind::RoleNotFound))?;
            let room = p.opt_str("roomId").filter(|r| !r.is_empty());
            s.roles().add_user(&caller.user, &role, &user, room.as_deref())?;
            Ok(role)
        })
        .await?;
    Ok(ok(json!({"role": role})))
}

/// `POST roles.removeUserFromRole`: `{roleId | roleName, username, scope?}` → `{role}`.
async fn remove_user(State(svc): State<Arc<Services>>, Auth(caller): Auth, Body(p): Body) -> Reply {
    check_shape(&p, &["roleId", "roleName", "username", "userId", "scope", "roomId"])?;
    let role = svc
        .blocking(move |s| {
            let role = target_role(s, &p, || Error::from(Kind::InvalidRoleId))?;
            let user = user_from_params(s, &p).map_err(|e| match e.kind() {
                Some(Kind::InvalidUser) => Kind::InvalidUser.with_message("There is no user with this username"),
                _ => e,
            })?;
            let scope = p.opt_str("scope").or_else(|| p.opt_str("roomId")).filter(|r| !r.is_empty());
            s.roles().remove_user(&caller.user, &role, &user, scope.as_deref())?;
            Ok(role)
        })
        .await?;
    Ok(ok(json!({"role": role})))
}

/// `GET roles.getUsersInRole?role=&roomId=&offset=&count=`: `{users, total}`.
async fn users_in_role(State(svc): State<Arc<Services>>, Auth(caller): Auth, Query(p): Query) -> Reply {
    let body = svc
        .blocking(move |s| {
            let role = p.opt_str("role").filter(|r| !r.is_empty()).ok_or(Kind::ParamNotProvided)?;
            let opts = ListOptions::from_params(s, &p)?;
            let room = p.opt_str("roomId").filter(|r| !r.is_empty());
            let (users, total) =
                s.roles().users_in_role(&caller.user, &role, room.as_deref(), opts.offset, opts.count)?;
            Ok(json!({"users": users, "total": total}))
        })
        .await?;
    Ok(ok(body))
}

/// `GET permissions.listAll?updatedSince=`: `{update, remove}`.
async fn permissions_list(State(svc): State<Arc<Services>>, _: Auth, Query(p): Query) -> Reply {
    let since = match p.opt_str("updatedSince").filter(|v| !v.is_empty()) {
        None => None,
        Some(text) => Some(parse_since(&text).ok_or(Kind::RoomIdParamInvalid)?),
    };
    let update = svc.blocking(move |s| s.roles().permissions(since)).await?;
    Ok(ok(json!({"update": update, "remove": []})))
}

/// `POST permissions.update` (`access-permissions`): `{permissions: [{_id, roles}]}` →
/// `{permissions}` (all of them, after the change).
async fn permissions_update(State(svc): State<Arc<Services>>, Auth(caller): Auth, Body(p): Body) -> Reply {
    let invalid = || Error::from(Kind::InvalidBodyParams);
    if p.0.keys().any(|k| k != "permissions") {
        return Err(invalid());
    }
    let list = p.get("permissions").and_then(Value::as_array).ok_or_else(invalid)?;
    let mut changes = Vec::with_capacity(list.len());
    for item in list {
        let obj = item.as_object().ok_or_else(invalid)?;
        if obj.keys().any(|k| k != "_id" && k != "roles") {
            return Err(invalid());
        }
        let id = obj.get("_id").and_then(Value::as_str).ok_or_else(invalid)?;
        let roles = obj.get("roles").and_then(Value::as_array).ok_or_else(invalid)?;
        let roles: Vec<String> =
            roles.iter().map(|r| r.as_str().map(String::from)).collect::<Option<_>>().ok_or_else(invalid)?;
        let mut unique = roles.clone();
        unique.sort();
        unique.dedup();
        if unique.len() != roles.len() {
            return Err(invalid());
        }
        changes.push((id.to_string(), roles));
    }
    let permissions = svc.blocking(move |s| s.roles().update_permissions(&caller.user, &changes)).await?;
    Ok(ok(json!({"permissions": permissions})))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_several_forms() {
        assert_eq!(parse_since("2016-11-29T00:00:01.000Z"), Some(Date(1_480_377_601_000)));
        assert_eq!(parse_since("2016-11-29T00:00:01"), Some(Date(1_480_377_601_000)));
        assert_eq!(parse_since("2016-11-29"), Some(Date(1_480_377_600_000)));
        assert_eq!(parse_since("1480377601000"), Some(Date(1_480_377_601_000)));
        assert_eq!(parse_since("not a date"), None);
    }
}
