//! `POST /api/v1/login`, `POST /api/v1/logout`, `GET /api/v1/me`.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, State};
use axum::routing::{get, post};
use axum::{Router, response::IntoResponse};
use serde_json::json;

use super::auth::Auth;
use super::params::Body;
use super::reply::{Reply, json_response, ok};
use super::two_factor::TwoFactorCode;
use crate::error::{Error, Kind};
use crate::services::Services;
use crate::services::accounts::{LoginResult, password_digest};

/// Routes of this family.
pub fn routes() -> Router<Arc<Services>> {
    Router::new()
        .route("/api/v1/login", post(login))
        .route("/api/v1/logout", post(logout).get(logout))
        .route("/api/v1/me", get(me))
}

/// `POST /api/v1/login`: `{user|username|email, password}` or `{resume}`, plus an optional 2FA
/// `code` (in the body or the `X-2fa-code` header). Answers the legacy
/// `{status, data: {authToken, userId, me}}` envelope.
async fn login(
    State(svc): State<Arc<Services>>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    tfa: TwoFactorCode,
    Body(p): Body,
) -> Reply {
    let result: Result<LoginResult, Error> = svc
        .blocking(move |s| {
            if let Some(resume) = p.opt_str("resume") {
                return s.accounts().resume(&resume);
            }
            let user = p
                .opt_str("user")
                .or_else(|| p.opt_str("username"))
                .or_else(|| p.opt_str("email"))
                .ok_or(Kind::InvalidLogin)?;
            let digest =
                p.get("password").and_then(password_digest).ok_or_else(|| Error::LoginFailed("Unauthorized".into()))?;
            let user = s.accounts().check_password(&user, &digest, Some(addr.ip()))?;
            let code = p.opt_str("code").filter(|c| !c.is_empty()).or(tfa.code);
            s.two_factor().check_login(&user, code.as_deref())?;
            s.accounts().issue_session(user)
        })
        .await;
    let result = match result {
        Ok(r) => r,
        // Two-factor failures and blocked logins keep the login envelope: 401 {status, error,
        // message, details}.
        Err(Error::Api {
            kind:
                kind @ (Kind::TotpInvalid
                | Kind::TotpMaxAttempts
                | Kind::TotpRequired
                | Kind::LoginBlockedForIp
                | Kind::LoginBlockedForUser),
            message,
            details,
        }) => {
            let body = json!({"status": "error", "error": kind.id(), "message": message, "details": details});
            return Ok(json_response(axum::http::StatusCode::UNAUTHORIZED, &body));
        }
        Err(e) => return Err(e),
    };
    let me = svc.accounts().me_view(&result.user);
    Ok(json_response(
        axum::http::StatusCode::OK,
        &json!({"status": "success", "data": {"authToken": result.token, "userId": result.user.id, "me": me}}),
    ))
}

/// `POST /api/v1/logout`.
async fn logout(State(svc): State<Arc<Services>>, Auth(caller): Auth) -> Reply {
    svc.blocking(move |s| s.accounts().logout(&caller)).await?;
    Ok(json_response(
        axum::http::StatusCode::OK,
        &json!({"status": "success", "data": {"message": "You've been logged out!"}}),
    )
    .into_response())
}

/// `GET /api/v1/me`: the caller's own user, flat at top level.
async fn me(State(svc): State<Arc<Services>>, Auth(caller): Auth) -> Reply {
    Ok(ok(json!(svc.accounts().me_view(&caller.user))))
}
