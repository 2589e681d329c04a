//! App HTTP endpoints: `/api/apps/public/<app-id>/<path>` and
//! `/api/apps/private/<app-id>/<path>`, answered by the enabled app's `endpoints` export for
//! the paths it declared. Requests and answers are bounded and filtered here: the app never
//! sees cookies or login tokens, and passes on only harmless headers.

use orbit_apps::bindings::{EndpointRequest, Visibility};

use super::{Apps, status};
use crate::error::{Error, Kind, Result};
use crate::models::User;

/// The largest body either way.
pub const MAX_BODY_BYTES: usize = 1 << 20;

/// A request to an app endpoint.
#[derive(Debug, Clone)]
pub struct EndpointCall {
    pub method: String,
    /// After `/api/apps/<visibility>/<app-id>/`.
    pub path: String,
    pub query: String,
    /// Lowercase names.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

/// The app's answer, checked.
#[derive(Debug, Clone)]
pub struct EndpointAnswer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

/// Request headers the app never sees.
const HIDDEN: &[&str] = &["cookie", "x-auth-token", "x-user-id", "x-2fa-code", "x-2fa-method"];

/// Whether a declared path (`a/b`, or `a/*` for everything under `a/`) matches `path`.
fn matches(declared: &str, path: &str) -> bool {
    let declared = declared.trim_start_matches('/');
    match declared.strip_suffix("/*") {
        Some(prefix) => path == prefix || path.strip_prefix(prefix).is_some_and(|rest| rest.starts_with('/')),
        None => declared == path,
    }
}

/// Whether the app may pass this answer header on.
fn passed_on(name: &str) -> bool {
    matches!(name, "content-type" | "cache-control" | "location") || name.starts_with("x-")
}

fn not_found(path: &str) -> Error {
    Kind::NotFound.with_message(format!("Endpoint {path} not found"))
}

impl Apps<'_> {
    /// Answers a request to an app endpoint: public without `user`, private for `user`.
    pub fn call_endpoint(&self, app_id: &str, user: Option<&User>, call: EndpointCall) -> Result<EndpointAnswer> {
        let full = format!("/api/apps/{}/{app_id}/{}", if user.is_some() { "private" } else { "public" }, call.path);
        let enabled = self.0.apps.record(app_id).is_some_and(|r| status::is_enabled(&r.status));
        let app = self.runtime()?.app(app_id).filter(|_| enabled).ok_or_else(|| not_found(&full))?;
        let visibility = if user.is_some() { Visibility::Private } else { Visibility::Public };
        if !app.endpoints().iter().any(|e| e.visibility == visibility && matches(&e.path, &call.path)) {
            return Err(not_found(&full));
        }
        if call.body.len() > MAX_BODY_BYTES {
            return Err(Kind::RequestTooLarge.into());
        }
        let headers = call.headers.into_iter().filter(|(name, _)| !HIDDEN.contains(&name.as_str())).collect();
        let request = EndpointRequest {
            method: call.method,
            path: call.path,
            query: call.query,
            headers,
            body: call.body,
            user_id: user.map(|u| u.id.clone()),
        };
        let answer = match self.block_on(app.handle_endpoint(request))? {
            Ok(answer) => answer,
            Err(error) => {
                let reason = orbit_apps::clip(&error.to_string(), orbit_apps::MAX_REASON_CHARS);
                return Err(Kind::AppEndpointFailed.with_message(reason));
            }
        };
        if !(100..=599).contains(&answer.status) || answer.body.len() > MAX_BODY_BYTES {
            return Err(Kind::AppEndpointFailed.with_message("The app's answer was malformed or too large"));
        }
        let headers =
            answer.headers.into_iter().map(|(n, v)| (n.to_ascii_lowercase(), v)).filter(|(n, _)| passed_on(n));
        Ok(EndpointAnswer { status: answer.status, headers: headers.collect(), body: answer.body })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_paths_match_exactly_or_below_a_star() {
        assert!(matches("hook", "hook"));
        assert!(matches("/hook", "hook"));
        assert!(!matches("hook", "hook/x"));
        assert!(matches("items/*", "items/1"));
        assert!(matches("items/*", "items"));
        assert!(!matches("items/*", "itemsx"));
        assert!(passed_on("content-type") && passed_on("x-request-id") && !passed_on("set-cookie"));
    }
}
