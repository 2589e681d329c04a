//! `users.*` endpoints: registration, lookup and administration of accounts.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::auth::Auth;
use super::paging::{ListOptions, docs};
use super::params::{Body, Params, Query};
use super::reply::{Reply, ok};
use super::rooms::{get_with, post_with, text, user_from_params};
use super::two_factor::TwoFactorCode;
use crate::error::{Kind, Result};
use crate::models::User;
use crate::services::Services;
use crate::services::accounts::NewUser;
use crate::services::users::Registration;

/// Routes of this family.
pub fn routes() -> Router<Arc<Services>> {
    Router::new()
        .route("/api/v1/users.register", post(register))
        .route("/api/v1/users.create", post(create))
        .route("/api/v1/users.info", get(info))
        .route("/api/v1/users.list", get(list))
        .route("/api/v1/users.update", post_with(update))
        .route("/api/v1/users.updateOwnBasicInfo", post(update_own_basic_info))
        .route("/api/v1/users.setActiveStatus", post_with(set_active_status))
        .route("/api/v1/users.deactivateIdle", post_with(deactivate_idle))
        .route("/api/v1/users.delete", post_with(delete))
        .route("/api/v1/users.deleteOwnAccount", post_with(delete_own_account))
        .route("/api/v1/users.createToken", post_with(create_token))
        .route("/api/v1/users.getUsernameSuggestion", get_with(username_suggestion))
        .route("/api/v1/users.checkUsernameAvailability", get_with(check_username_availability))
        .route("/api/v1/users.forgotPassword", post(forgot_password))
        .route("/api/v1/users.removeOtherTokens", post(remove_other_tokens))
}

/// `POST users.register`: `{username, email, pass, name, secretURL?}` → `{user}`.
async fn register(State(svc): State<Arc<Services>>, Body(p): Body) -> Reply {
    let user = svc
        .blocking(move |s| {
            s.users().register(Registration {
                username: Some(p.str("username")?),
                email: p.str("email")?,
                password: p.str("pass")?,
                name: p.opt_str("name"),
                secret_url: p.opt_str("secretURL"),
            })
        })
        .await?;
    Ok(ok(json!({"user": svc.accounts().public_view(&user, true)})))
}

/// `POST users.create` (permission `create-user`).
async fn create(State(svc): State<Arc<Services>>, Auth(caller): Auth, Body(p): Body) -> Reply {
    let user = svc
        .blocking(move |s| {
            let new = NewUser {
                username: p.str("username")?,
                email: Some(p.str("email")?),
                name: Some(p.str("name")?),
                password: Some(p.str("password")?),
                roles: p.list("roles"),
                active: Some(p.bool("active", true)?),
                verified: p.bool("verified", false)?,
                require_password_change: p.bool("requirePasswordChange", false)?,
                join_default_channels: p.bool("joinDefaultChannels", true)?,
                custom_fields: p.json_object("customFields")?,
                kind: None,
            };
            s.users().create(&caller.user, new)
        })
        .await?;
    Ok(ok(json!({"user": svc.accounts().public_view(&user, true)})))
}

/// `GET users.info?userId=|username=`.
async fn info(State(svc): State<Arc<Services>>, Auth(caller): Auth, Query(p): Query) -> Reply {
    let user = svc
        .blocking(move |s| s.users().info(&caller.user, text(&p, "userId").as_deref(), text(&p, "username").as_deref()))
        .await?;
    Ok(ok(json!({"user": user})))
}

/// `GET users.list` with `query`, `fields`, `sort`, `count`, `offset` (permission `view-d-room`).
async fn list(State(svc): State<Arc<Services>>, Auth(caller): Auth, Query(p): Query) -> Reply {
    let body = svc
        .blocking(move |s| {
            let docs = docs(&s.users().list(&caller.user)?)?;
            let opts = ListOptions::from_params(s, &p)?;
            let (page, total) = opts.apply(docs, Some(json!({"username": 1})))?;
            Ok(opts.envelope("users", page, total))
        })
        .await?;
    Ok(ok(body))
}

/// `POST users.update {userId, data: {...}}` → `{user}`.
fn update(s: &Services, user: &User, p: &Params) -> Result<Value> {
    let id = text(p, "userId").ok_or_else(|| Kind::param_required("userId"))?;
    let data = p.json_object("data")?.ok_or_else(|| Kind::param_required("data"))?;
    let updated = s.users().update(user, id.trim(), &data, p.bool("confirmRelinquish", false)?)?;
    Ok(json!({"user": s.users().view_as(user, &updated)?}))
}

/// `POST users.updateOwnBasicInfo {data: {...}, customFields?}` → `{user}`. Changing the email
/// or password needs `data.currentPassword` and the second factor (`X-2fa-code`).
async fn update_own_basic_info(
    State(svc): State<Arc<Services>>,
    Auth(caller): Auth,
    tfa: TwoFactorCode,
    Body(p): Body,
) -> Reply {
    let user = svc
        .blocking(move |s| {
            let mut data = p.json_object("data")?.ok_or_else(|| Kind::param_required("data"))?;
            if let Some(cf) = p.json_object("customFields")? {
                data.insert("customFields".into(), Value::Object(cf));
            }
            let user = s.users().update_own(&caller, &data, tfa.code.as_deref(), tfa.method.as_deref())?;
            Ok(s.accounts().me_view(&user))
        })
        .await?;
    Ok(ok(json!({"user": user})))
}

/// `POST users.setActiveStatus {userId, activeStatus, confirmRelinquish?}` → `{user: {_id, active}}`.
fn set_active_status(s: &Services, user: &User, p: &Params) -> Result<Value> {
    let id = text(p, "userId").ok_or_else(|| Kind::param_required("userId"))?;
    let active = match p.get("activeStatus") {
        Some(Value::Bool(b)) => *b,
        None => return Err(Kind::param_required("activeStatus")),
        Some(_) => return Err(Kind::invalid_param("activeStatus")),
    };
    let updated = s.users().set_active(user, id.trim(), active, p.bool("confirmRelinquish", false)?)?;
    Ok(json!({"user": {"_id": updated.id, "active": updated.active}}))
}

/// `POST users.deactivateIdle {daysIdle, role = "user"}` → `{count}`.
fn deactivate_idle(s: &Services, user: &User, p: &Params) -> Result<Value> {
    let days = p.int("daysIdle")?.ok_or_else(|| Kind::param_required("daysIdle"))?;
    if days < 0 {
        return Err(Kind::invalid_param("daysIdle"));
    }
    let role = p.typed_str("role")?.unwrap_or_else(|| "user".into());
    let count = s.users().deactivate_idle(user, days, &role)?;
    Ok(json!({"count": count}))
}

/// `POST users.delete {userId|username, confirmRelinquish?}` (permission `delete-user`).
fn delete(s: &Services, user: &User, p: &Params) -> Result<Value> {
    let confirm = p.bool("confirmRelinquish", false)?;
    let id = match text(p, "userId") {
        Some(id) => id.trim().to_string(),
        None => user_from_params(s, p)?.id,
    };
    s.users().delete(user, &id, confirm)?;
    Ok(json!({}))
}

/// `POST users.deleteOwnAccount {password, confirmRelinquish?}`.
fn delete_own_account(s: &Services, user: &User, p: &Params) -> Result<Value> {
    let password = text(p, "password").ok_or_else(|| Kind::param_required("password"))?;
    s.users().delete_own(user, &password, p.bool("confirmRelinquish", false)?)?;
    Ok(json!({}))
}

/// `POST users.createToken {userId|username, secret?}` → `{data: {userId, authToken}}`.
fn create_token(s: &Services, user: &User, p: &Params) -> Result<Value> {
    let target = user_from_params(s, p)?;
    let (user_id, token) = s.users().create_token(user, &target.id, p.opt_str("secret").as_deref())?;
    Ok(json!({"data": {"userId": user_id, "authToken": token}}))
}

/// `GET users.getUsernameSuggestion` → `{result}`.
fn username_suggestion(s: &Services, user: &User, _: &Params) -> Result<Value> {
    Ok(json!({"result": s.users().username_suggestion(user)?}))
}

/// `GET users.checkUsernameAvailability?username=` → `{result: bool}`.
fn check_username_availability(s: &Services, user: &User, p: &Params) -> Result<Value> {
    let username = text(p, "username").ok_or_else(|| Kind::param_required("username"))?;
    Ok(json!({"result": s.users().check_username_availability(user, username.trim())?}))
}

/// `POST users.forgotPassword {email}`: the same answer whether or not the address is known.
async fn forgot_password(State(svc): State<Arc<Services>>, Body(p): Body) -> Reply {
    let email = p.str("email")?;
    svc.blocking(move |s| s.users().forgot_password(&email)).await?;
    Ok(ok(json!({})))
}

/// `POST users.removeOtherTokens`: ends the caller's other sessions.
async fn remove_other_tokens(State(svc): State<Arc<Services>>, Auth(caller): Auth) -> Reply {
    svc.blocking(move |s| s.users().remove_other_tokens(&caller.user, &caller.token)).await?;
    Ok(ok(json!({})))
}
