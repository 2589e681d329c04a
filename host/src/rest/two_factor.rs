//! The second factor on REST: the [`TwoFactorCode`] extractor for endpoints that Rocket.Chat
//! marks `twoFactorRequired`, and the email-code endpoints (`users.2fa.*`).
//!
//! A protected endpoint takes [`TwoFactorCode`] and calls [`TwoFactorCode::check`] inside its
//! service call, before doing anything else (upstream checks before the endpoint runs). Without
//! a valid `X-2fa-code` (and `X-2fa-method`) header it fails with 400 `totp-required` or
//! `totp-invalid` and `details: {method, codeGenerated, availableMethods, …}`.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::routing::post;
use serde_json::json;

use super::auth::Auth;
use super::params::Body;
use super::reply::{Reply, ok};
use crate::error::{Kind, Result};
use crate::services::Services;
use crate::services::accounts::Caller;
use crate::services::two_factor::{self, Options};

/// Routes of this family.
pub fn routes() -> Router<Arc<Services>> {
    Router::new()
        .route("/api/v1/users.2fa.enableEmail", post(enable_email))
        .route("/api/v1/users.2fa.disableEmail", post(disable_email))
        // The spellings of the reference documents' endpoint index.
        .route("/api/v1/users.2fa.enable-email", post(enable_email))
        .route("/api/v1/users.2fa.disable-email", post(disable_email))
        .route("/api/v1/users.2fa.sendEmailCode", post(send_email_code))
        .route("/api/v1/users.resetTOTP", post(reset_totp))
}

/// The second factor sent with a request (`X-2fa-code`, `X-2fa-method`) and a fingerprint of
/// the client (address and user agent) for "remember me". Extracting it never fails.
#[derive(Debug, Clone, Default)]
pub struct TwoFactorCode {
    pub code: Option<String>,
    pub method: Option<String>,
    pub fingerprint: String,
}

impl<S: Send + Sync> FromRequestParts<S> for TwoFactorCode {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> std::result::Result<Self, Self::Rejection> {
        let header = |name: &str| {
            parts
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(String::from)
        };
        let address = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string());
        let fingerprint = two_factor::fingerprint(address.as_deref(), header("user-agent").as_deref());
        Ok(TwoFactorCode { code: header("x-2fa-code"), method: header("x-2fa-method"), fingerprint })
    }
}

impl TwoFactorCode {
    /// Checks the caller's second factor for a protected action (see
    /// [`crate::services::two_factor::TwoFactor::check_request`]).
    pub fn check(&self, s: &Services, caller: &Caller, opts: Options) -> Result<()> {
        s.two_factor().check_request(
            caller,
            self.code.as_deref(),
            self.method.as_deref(),
            Some(&self.fingerprint),
            opts,
        )
    }
}

/// `POST users.2fa.enableEmail`: email codes become a second factor. Every address of the
/// caller must be verified; the caller's other sessions end.
async fn enable_email(State(svc): State<Arc<Services>>, Auth(caller): Auth) -> Reply {
    svc.blocking(move |s| s.two_factor().enable_email(&caller.user, Some(&caller.token))).await?;
    Ok(ok(json!({})))
}

/// `POST users.2fa.disableEmail`: needs the second factor, never remembered.
async fn disable_email(State(svc): State<Arc<Services>>, Auth(caller): Auth, tfa: TwoFactorCode) -> Reply {
    svc.blocking(move |s| {
        tfa.check(s, &caller, Options::NO_REMEMBER)?;
        s.two_factor().set_email_enabled(&caller.user, false)
    })
    .await?;
    Ok(ok(json!({})))
}

/// `POST users.2fa.sendEmailCode {emailOrUsername}`: mails a fresh code to the user's verified
/// addresses. Answers the same for unknown users, so it tells nobody who has an account.
async fn send_email_code(State(svc): State<Arc<Services>>, Body(p): Body) -> Reply {
    let who = match p.opt_str("emailOrUsername") {
        Some(w) if !w.trim().is_empty() => w,
        _ => return Err(Kind::ParameterRequired.into()),
    };
    svc.blocking(move |s| s.two_factor().send_email_code_to(&who)).await?;
    Ok(ok(json!({})))
}

/// `POST users.resetTOTP {userId|username|user?}`: resets the caller's TOTP, or another user's
/// with `edit-other-user-totp` (the user is mailed and logged out everywhere). Needs the second
/// factor, never remembered.
async fn reset_totp(State(svc): State<Arc<Services>>, Auth(caller): Auth, tfa: TwoFactorCode, Body(p): Body) -> Reply {
    svc.blocking(move |s| {
        tfa.check(s, &caller, Options::NO_REMEMBER)?;
        let other = ["userId", "username", "user"].iter().any(|k| p.get(k).is_some());
        let user_id = p.opt_str("userId");
        let username = p.opt_str("username").or_else(|| p.opt_str("user"));
        let other = other.then_some((user_id.as_deref(), username.as_deref()));
        s.two_factor().reset_totp(&caller.user, other)
    })
    .await?;
    Ok(ok(json!({})))
}
