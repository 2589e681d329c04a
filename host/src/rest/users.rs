//! `users.*` endpoints: registration, lookup and administration of accounts.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::auth::Auth;
use super::paging::ListOptions;
use super::params::{Body, Query};
use super::reply::{Reply, ok};
use crate::error::Error;
use crate::services::Services;
use crate::services::accounts::NewUser;

/// Routes of this family.
pub fn routes() -> Router<Arc<Services>> {
    Router::new()
        .route("/api/v1/users.register", post(register))
        .route("/api/v1/users.create", post(create))
        .route("/api/v1/users.info", get(info))
        .route("/api/v1/users.list", get(list))
}

/// `POST users.register`: `{username, email, pass, name, secretURL?}` → `{user}`.
async fn register(State(svc): State<Arc<Services>>, Body(p): Body) -> Reply {
    let user = svc
        .blocking(move |s| {
            let form = s.settings.string("Accounts_RegistrationForm");
            let secret_ok = form == "Secret URL"
                && p.opt_str("secretURL")
                    .is_some_and(|u| u == s.settings.string("Accounts_RegistrationForm_SecretURL"));
            if form == "Disabled" || (form != "Public" && !secret_ok) {
                return Err(Error::forbidden("error-user-registration-disabled", "User registration is disabled"));
            }
            let new = NewUser {
                username: p.str("username")?,
                email: Some(p.str("email")?),
                name: match p.opt_str("name") {
                    Some(n) => Some(n),
                    None if s.settings.bool("Accounts_RequireNameForSignUp") => {
                        return Err(Error::param_required("name"));
                    }
                    None => None,
                },
                password: Some(p.str("pass")?),
                join_default_channels: true,
                ..Default::default()
            };
            s.accounts().insert(new)
        })
        .await?;
    Ok(ok(json!({"user": svc.accounts().public_view(&user, true)})))
}

/// `POST users.create` (permission `create-user`).
async fn create(State(svc): State<Arc<Services>>, Auth(caller): Auth, Body(p): Body) -> Reply {
    let user = svc
        .blocking(move |s| {
            s.authz().require(&caller.user, "create-user", None)?;
            let roles = p.list("roles");
            if roles.iter().any(|r| r == "admin") {
                s.authz().require(&caller.user, "assign-admin-role", None)?;
            }
            let new = NewUser {
                username: p.str("username")?,
                email: Some(p.str("email")?),
                name: Some(p.str("name")?),
                password: Some(p.str("password")?),
                roles,
                active: Some(p.bool("active", true)?),
                verified: p.bool("verified", false)?,
                require_password_change: p.bool("requirePasswordChange", false)?,
                join_default_channels: p.bool("joinDefaultChannels", true)?,
                custom_fields: p.json_object("customFields")?,
                kind: None,
            };
            s.accounts().insert(new)
        })
        .await?;
    Ok(ok(json!({"user": svc.accounts().public_view(&user, true)})))
}

/// `GET users.info?userId=|username=`.
async fn info(State(svc): State<Arc<Services>>, Auth(caller): Auth, Query(p): Query) -> Reply {
    let user = svc
        .blocking(move |s| {
            let user = match (p.opt_str("userId"), p.opt_str("username")) {
                (Some(id), _) => s.store.user_by_id(&id)?,
                (None, Some(name)) => s.store.user_by_username(&name)?,
                (None, None) => {
                    return Err(Error::bad(
                        "error-invalid-params",
                        "The required \"userId\" or \"username\" param was not provided",
                    ));
                }
            }
            .ok_or_else(|| Error::bad("error-invalid-user", "Invalid user"))?;
            let full = user.id == caller.user.id || s.authz().can(&caller.user, "view-full-other-user-info", None)?;
            Ok(s.accounts().public_view(&user, full))
        })
        .await?;
    Ok(ok(json!({"user": user})))
}

/// `GET users.list` with `query`, `fields`, `sort`, `count`, `offset` (permission `view-d-room`).
async fn list(State(svc): State<Arc<Services>>, Auth(caller): Auth, Query(p): Query) -> Reply {
    let body = svc
        .blocking(move |s| {
            s.authz().require(&caller.user, "view-d-room", None)?;
            let opts = ListOptions::from_params(s, &p)?;
            let full = s.authz().can(&caller.user, "view-full-other-user-info", None)?;
            let docs: Vec<Value> = s.store.all_users()?.iter().map(|u| s.accounts().public_view(u, full)).collect();
            let (page, total) = opts.apply(docs, Some(json!({"username": 1})))?;
            Ok(opts.envelope("users", page, total))
        })
        .await?;
    Ok(ok(body))
}
