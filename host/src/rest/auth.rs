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

/// The caller of a browser-style request (images, file downloads): `rc_uid`/`rc_token` in the
/// query or as cookies, as upstream's avatar and file routes accept them, or the API headers.
/// `None` when there are none or they are invalid.
pub async fn browser_caller(
    svc: &Arc<Services>,
    query: &super::params::Params,
    headers: &axum::http::HeaderMap,
) -> Option<Caller> {
    let cookies = headers.get(axum::http::header::COOKIE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let cookie = |name: &str| {
        cookies
            .split(';')
            .filter_map(|c| c.trim().split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| urlencoding::decode(v).map(|v| v.into_owned()).unwrap_or_else(|_| v.to_string()))
    };
    let param = |name: &str| query.opt_str(name).filter(|v| !v.trim().is_empty());
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(String::from);
    let candidates = [
        param("rc_uid").zip(param("rc_token")),
        cookie("rc_uid").zip(cookie("rc_token")),
        header("x-user-id").zip(header("x-auth-token")),
    ];
    for (uid, token) in candidates.into_iter().flatten() {
        if let Ok(caller) = svc.blocking(move |s| s.accounts().authenticate(&uid, &token)).await {
            return Some(caller);
        }
    }
    None
}
