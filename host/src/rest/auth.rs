//! Who is calling: `X-User-Id` + `X-Auth-Token` headers resolved to a user.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use crate::error::{Error, Result};
use crate::services::Services;
use crate::services::accounts::Caller;

/// An authenticated caller. Extracting it fails with 401 when the headers are missing or wrong.
pub struct Auth(pub Caller);

/// A caller when credentials were sent, `None` otherwise (endpoints that work logged out).
pub struct MaybeAuth(pub Option<Caller>);

fn credentials(parts: &Parts) -> Option<(String, String)> {
    let get =
        |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim).filter(|v| !v.is_empty());
    Some((get("x-user-id")?.to_string(), get("x-auth-token")?.to_string()))
}

async fn resolve(parts: &mut Parts, svc: &Arc<Services>) -> Result<Option<Caller>> {
    if let Some(caller) = parts.extensions.get::<Caller>() {
        return Ok(Some(caller.clone()));
    }
    let Some((user_id, token)) = credentials(parts) else { return Ok(None) };
    let caller = svc.blocking(move |s| s.accounts().authenticate(&user_id, &token)).await?;
    parts.extensions.insert(caller.clone());
    Ok(Some(caller))
}

impl FromRequestParts<Arc<Services>> for Auth {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, svc: &Arc<Services>) -> Result<Self> {
        resolve(parts, svc).await?.map(Auth).ok_or(Error::Unauthenticated)
    }
}

impl FromRequestParts<Arc<Services>> for MaybeAuth {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, svc: &Arc<Services>) -> Result<Self> {
        match resolve(parts, svc).await {
            Ok(c) => Ok(MaybeAuth(c)),
            Err(Error::Unauthenticated) => Ok(MaybeAuth(None)),
            Err(e) => Err(e),
        }
    }
}

/// The second factor sent with a request (`X-2fa-code`, `X-2fa-method`), for endpoints that
/// protect an action with two-factor authentication. Never fails.
#[derive(Debug, Clone, Default)]
pub struct SecondFactor {
    pub code: Option<String>,
    pub method: Option<String>,
}

impl<S: Send + Sync> FromRequestParts<S> for SecondFactor {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> std::result::Result<Self, Self::Rejection> {
        let get = |name: &str| {
            parts
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(String::from)
        };
        Ok(SecondFactor { code: get("x-2fa-code"), method: get("x-2fa-method") })
    }
}
