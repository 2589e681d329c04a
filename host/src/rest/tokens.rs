//! Personal access tokens (`users.generatePersonalAccessToken` and friends) and the caller's
//! other sessions (`users.logoutOtherClients`). `users.removeOtherTokens` lives with the other
//! `users.*` account endpoints and calls the same service.
//!
//! Generating, regenerating and removing a token are protected by the second factor
//! ([`TwoFactorCode`]), checked before the parameters, as upstream does.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::auth::Auth;
use super::params::Body;
use super::reply::{Reply, ok};
use super::two_factor::TwoFactorCode;
use crate::services::Services;
use crate::services::two_factor::Options;

/// Routes of this family.
pub fn routes() -> Router<Arc<Services>> {
    Router::new()
        .route("/api/v1/users.generatePersonalAccessToken", post(generate))
        .route("/api/v1/users.regeneratePersonalAccessToken", post(regenerate))
        .route("/api/v1/users.getPersonalAccessTokens", get(list))
        .route("/api/v1/users.removePersonalAccessToken", post(remove))
        .route("/api/v1/users.logoutOtherClients", post(logout_other_clients))
}

/// `POST users.generatePersonalAccessToken {tokenName, bypassTwoFactor?}` → `{token}`.
async fn generate(State(svc): State<Arc<Services>>, Auth(caller): Auth, tfa: TwoFactorCode, Body(p): Body) -> Reply {
    let token = svc
        .blocking(move |s| {
            tfa.check(s, &caller, Options::default())?;
            let name = p.str("tokenName")?;
            let bypass = p.bool("bypassTwoFactor", false)?;
            s.tokens().generate(&caller.user, &name, bypass)
        })
        .await?;
    Ok(ok(json!({"token": token})))
}

/// `POST users.regeneratePersonalAccessToken {tokenName}` → `{token}`.
async fn regenerate(State(svc): State<Arc<Services>>, Auth(caller): Auth, tfa: TwoFactorCode, Body(p): Body) -> Reply {
    let token = svc
        .blocking(move |s| {
            tfa.check(s, &caller, Options::default())?;
            let name = p.str("tokenName")?;
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
async fn remove(State(svc): State<Arc<Services>>, Auth(caller): Auth, tfa: TwoFactorCode, Body(p): Body) -> Reply {
    svc.blocking(move |s| {
        tfa.check(s, &caller, Options::default())?;
        let name = p.str("tokenName")?;
        s.tokens().remove(&caller.user, &name)
    })
    .await?;
    Ok(ok(json!({})))
}

/// `POST users.logoutOtherClients` → `{token, tokenExpires}`: ends the caller's other sessions
/// and answers the presented token with its expiry (ISO, or `""` for a token that never
/// expires).
async fn logout_other_clients(State(svc): State<Arc<Services>>, Auth(caller): Auth, headers: HeaderMap) -> Reply {
    let token = headers.get("x-auth-token").and_then(|v| v.to_str().ok()).unwrap_or_default().trim().to_string();
    let expires = caller.token.expires_at.map(|d| d.to_iso()).unwrap_or_default();
    svc.blocking(move |s| s.tokens().remove_other_sessions(&caller)).await?;
    Ok(ok(json!({"token": token, "tokenExpires": expires})))
}
