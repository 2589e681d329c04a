//! The one error type of the server, and its mapping to Rocket.Chat's wire formats.
//!
//! Every service returns [`Result`]. REST turns an [`Error`] into `{success:false, error, errorType}`
//! with the right status; DDP turns it into a `Meteor.Error` object. Build errors with the short
//! constructors (`Error::bad("error-invalid-user", "Invalid user")`) instead of ad-hoc strings.

use serde_json::{Value, json};

/// Shorthand for results of service and store calls.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A failure that reaches a client.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No valid credentials: REST 401 `{"status":"error","message":"You must be logged in to do this."}`.
    #[error("You must be logged in to do this.")]
    Unauthenticated,
    /// A failed login: REST 401 `{"status":"error","error":"Unauthorized","message":…}`, DDP 403.
    #[error("{0}")]
    LoginFailed(String),
    /// A Rocket.Chat error with an id (`error-room-not-found`) and a human message.
    #[error("{message} [{id}]")]
    Api { status: u16, id: String, message: String, details: Option<Value> },
    /// Too many requests in the rate-limit window; `reset_ms` is when the window ends.
    #[error(
        "Error, too many requests. Please slow down. You must wait {wait_secs} seconds before trying this endpoint again. [error-too-many-requests]"
    )]
    RateLimited { wait_secs: u64 },
    /// Anything unexpected. Logged in full; the client sees a generic message.
    #[error("internal error: {0:#}")]
    Internal(#[from] anyhow::Error),
}

impl Error {
    /// A 400 with a Rocket.Chat error id.
    pub fn bad(id: &str, message: impl Into<String>) -> Self {
        Self::api(400, id, message)
    }

    /// A 403 for a missing permission or a forbidden action.
    pub fn forbidden(id: &str, message: impl Into<String>) -> Self {
        Self::api(403, id, message)
    }

    /// A 404 for an unknown route or resource where Rocket.Chat answers 404.
    pub fn not_found(id: &str, message: impl Into<String>) -> Self {
        Self::api(404, id, message)
    }

    /// The standard "not allowed" denial (403 `error-not-allowed`).
    pub fn not_allowed() -> Self {
        Self::forbidden("error-not-allowed", "Not allowed")
    }

    /// A missing parameter (`error-param-required`, as Rocket.Chat's `check` failures read).
    pub fn param_required(name: &str) -> Self {
        Self::bad("error-param-required", format!("The parameter \"{name}\" is required"))
    }

    /// A parameter of the wrong type or shape.
    pub fn invalid_param(name: &str) -> Self {
        Self::bad("error-invalid-params", format!("The parameter \"{name}\" is invalid"))
    }

    /// An error with an explicit status, id and message.
    pub fn api(status: u16, id: &str, message: impl Into<String>) -> Self {
        Error::Api { status, id: id.to_string(), message: message.into(), details: None }
    }

    /// Attaches a `details` object (2FA errors carry one).
    pub fn with_details(self, value: Value) -> Self {
        match self {
            Error::Api { status, id, message, .. } => Error::Api { status, id, message, details: Some(value) },
            other => other,
        }
    }

    /// The error id clients match on.
    pub fn id(&self) -> &str {
        match self {
            Error::Unauthenticated => "error-unauthorized",
            Error::LoginFailed(_) => "error-login-failed",
            Error::Api { id, .. } => id,
            Error::RateLimited { .. } => "error-too-many-requests",
            Error::Internal(_) => "error-internal",
        }
    }

    /// The human-readable reason, without the `[id]` suffix.
    pub fn reason(&self) -> String {
        match self {
            Error::Unauthenticated => "You must be logged in to do this.".into(),
            Error::LoginFailed(m) => m.clone(),
            Error::Api { message, .. } => message.clone(),
            Error::RateLimited { wait_secs } => format!(
                "Error, too many requests. Please slow down. You must wait {wait_secs} seconds before trying this endpoint again."
            ),
            Error::Internal(_) => "Internal server error".into(),
        }
    }

    /// The HTTP status for REST.
    pub fn status(&self) -> u16 {
        match self {
            Error::Unauthenticated | Error::LoginFailed(_) => 401,
            Error::Api { status, .. } => *status,
            Error::RateLimited { .. } => 429,
            Error::Internal(_) => 500,
        }
    }

    /// The REST body: `{"success":false,"error":"<reason> [<id>]","errorType":"<id>"}` (plus `details`),
    /// or the legacy `status` envelope for authentication failures.
    pub fn rest_body(&self) -> Value {
        match self {
            Error::Unauthenticated => json!({"status": "error", "message": self.reason()}),
            Error::LoginFailed(m) => json!({"status": "error", "error": "Unauthorized", "message": m}),
            Error::Api { details, .. } => {
                let mut body = json!({"success": false, "error": format!("{} [{}]", self.reason(), self.id()), "errorType": self.id()});
                if let Some(d) = details {
                    body["details"] = d.clone();
                }
                body
            }
            _ => {
                json!({"success": false, "error": format!("{} [{}]", self.reason(), self.id()), "errorType": self.id()})
            }
        }
    }

    /// The DDP `Meteor.Error` object placed in a `result` frame's `error` key.
    pub fn ddp_error(&self) -> Value {
        let code: Value = match self {
            Error::Unauthenticated => json!(401),
            Error::LoginFailed(_) => json!(403),
            _ => json!(self.id()),
        };
        let reason = self.reason();
        let code_text = match &code {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let mut e = json!({
            "isClientSafe": true,
            "error": code,
            "reason": reason,
            "message": format!("{reason} [{code_text}]"),
            "errorType": "Meteor.Error",
        });
        if let Error::Api { details: Some(d), .. } = self {
            e["details"] = d.clone();
        }
        e
    }
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        Error::Internal(e.into())
    }
}

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Self {
        Error::Internal(e.into())
    }
}

/// Returns early with `Error::bad(id, message)` when the condition is false.
#[macro_export]
macro_rules! ensure {
    ($cond:expr, $id:expr, $msg:expr) => {
        if !$cond {
            return Err($crate::error::Error::bad($id, $msg));
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rest_and_ddp_shapes() {
        let e = Error::bad("error-room-not-found", "Room not found");
        assert_eq!(e.rest_body()["error"], "Room not found [error-room-not-found]");
        assert_eq!(e.ddp_error()["message"], "Room not found [error-room-not-found]");
        assert_eq!(Error::Unauthenticated.status(), 401);
        assert_eq!(Error::not_allowed().status(), 403);
    }
}
