//! Personal access tokens (`users.generatePersonalAccessToken` and friends) and the two-factor
//! email endpoints (`users.2fa.*`).

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::auth::{Auth, SecondFactor};
use super::params::Body;
use super::reply::{Reply, ok};
use crate::error::Error;
use crate::services::Services;

/// Routes of this family.
pub fn routes() -> Router<Arc<Services>> {
    Router::new()
        .route("/api/v1/users.generatePersonalAccessToken", post(generate))
        .route("/api/v1/users.regeneratePersonalAccessToken", post(regenerate))
        .route("/api/v1/users.getPersonalAccessTokens", get(list))
        .route("/api/v1/users.removePersonalAccessToken", post(remove))
        .route("/api/v1/users.2fa.enableEmail", post(enable_email))
        .route("/api/v1/users.2fa.disableEmail", post(disable_email))
        .route("/api/v1/users.2fa.sendEmailCode", post(send_email_code))
}

/// `POST users.generatePersonalAccessToken {tokenName, bypassTwoFactor?}` → `{token}`. Needs
/// the second factor.
async fn generate(State(svc): State<Arc<Services>>, Auth(caller): Auth, tfa: SecondFactor, Body(p): Body) -> Reply {
    let token = svc
        .blocking(move |s| {
            let name = p.str("tokenName")?;
            let bypass = p.bool("bypassTwoFactor", false)?;
            s.two_factor().check_caller(&caller, tfa.code.as_deref(), tfa.method.as_deref())?;
            s.tokens().generate(&caller.user, &name, bypass)
        })
        .await?;
    Ok(ok(json!({"token": token})))
}

/// `POST users.regeneratePersonalAccessToken {tokenName}` → `{token}`. Needs the second factor.
async fn regenerate(State(svc): State<Arc<Services>>, Auth(caller): Auth, tfa: SecondFactor, Body(p): Body) -> Reply {
    let token = svc
        .blocking(move |s| {
            let name = p.str("tokenName")?;
            s.two_factor().check_caller(&caller, tfa.code.as_deref(), tfa.method.as_deref())?;
            s.tokens().regenerate(&caller.user, &name)
        })
        .await?;
    Ok(ok(json!({"token": token})))
}

/// `GET users.getPersonalAccessTokens` → `{tokens: [{name, createdAt, lastTokenPart, bypassTwoFactor}]}`.
async fn list(State(svc): State<Arc<Services>>, Auth(caller): Auth) -> Reply {
    let tokens = svc.blocking(move |s| s.tokens().list(&caller.user)).await?;
    let tokens: Vec<Value> = tokens
        .iter()
        .map(|t| {
            json!({"name": t.name, "createdAt": t.created_at, "lastTokenPart": t.last_token_part,
                   "bypassTwoFactor": t.bypass_two_factor})
        })
        .collect();
    Ok(ok(json!({"tokens": tokens})))
}

/// `POST users.removePersonalAccessToken {tokenName}`.
async fn remove(State(svc): State<Arc<Services>>, Auth(caller): Auth, Body(p): Body) -> Reply {
    let name = p.str("tokenName")?;
    svc.blocking(move |s| s.tokens().remove(&caller.user, &name)).await?;
    Ok(ok(json!({})))
}

/// `POST users.2fa.enableEmail`: email codes become a second factor.
async fn enable_email(State(svc): State<Arc<Services>>, Auth(caller): Auth) -> Reply {
    svc.blocking(move |s| {
        if caller.user.email().is_none() {
            return Err(Error::bad("error-invalid-email", "The user has no email address"));
        }
        s.two_factor().set_email_enabled(&caller.user, true)
    })
    .await?;
    Ok(ok(json!({})))
}

/// `POST users.2fa.disableEmail`: needs the second factor.
async fn disable_email(State(svc): State<Arc<Services>>, Auth(caller): Auth, tfa: SecondFactor) -> Reply {
    svc.blocking(move |s| {
        s.two_factor().check_caller(&caller, tfa.code.as_deref(), tfa.method.as_deref())?;
        s.two_factor().set_email_enabled(&caller.user, false)
    })
    .await?;
    Ok(ok(json!({})))
}

/// `POST users.2fa.sendEmailCode {emailOrUsername}`: mails a code; answers the same for unknown
/// users.
async fn send_email_code(State(svc): State<Arc<Services>>, Body(p): Body) -> Reply {
    let who = p.str("emailOrUsername")?;
    svc.blocking(move |s| {
        if let Some(user) = s.accounts().find_by_username_or_email(who.trim())? {
            s.two_factor().send_email_code(&user)?;
        }
        Ok(())
    })
    .await?;
    Ok(ok(json!({})))
}
