//! The one error type of the server.
//!
//! Every service returns [`Result`]. A failure a client should understand is a [`Kind`] from the
//! [catalog](catalog), which fixes its wire id, HTTP status, default message and REST shape; call
//! sites name the kind (`Kind::InvalidUser.into()`, `.ok_or(Kind::RoomNotFound)?`) and may give
//! another message or details (`Kind::InvalidUser.with_message(format!(…))`). The wire mapping
//! lives beside it, one file per transport: [`rest`] (body, status, `IntoResponse`) and [`ddp`]
//! (the `Meteor.Error` object).

mod catalog;
pub mod ddp;
pub mod rest;

pub use catalog::{Kind, Shape};

use serde_json::Value;

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
    /// A catalog kind with its message (the kind's default unless the call site gave another).
    #[error("{message} [{}]", kind.id())]
    Api { kind: Kind, message: String, details: Option<Value> },
    /// Too many requests in the rate-limit window.
    #[error(
        "Error, too many requests. Please slow down. You must wait {wait_secs} seconds before trying this endpoint again. [error-too-many-requests]"
    )]
    RateLimited { wait_secs: u64 },
    /// Anything unexpected. Logged in full; the client sees a generic message.
    #[error("internal error: {0:#}")]
    Internal(#[from] anyhow::Error),
}

impl Error {
    /// The catalog kind, for the failures that have one.
    pub fn kind(&self) -> Option<Kind> {
        match self {
            Error::Api { kind, .. } => Some(*kind),
            _ => None,
        }
    }

    /// Whether this is a failure of the given kind.
    pub fn is(&self, kind: Kind) -> bool {
        self.kind() == Some(kind)
    }

    /// Attaches a `details` object (2FA errors carry one).
    pub fn with_details(self, value: Value) -> Self {
        match self {
            Error::Api { kind, message, .. } => Error::Api { kind, message, details: Some(value) },
            other => other,
        }
    }

    /// The error id clients match on.
    pub fn id(&self) -> &str {
        match self {
            Error::Unauthenticated => "error-unauthorized",
            Error::LoginFailed(_) => "error-login-failed",
            Error::Api { kind, .. } => kind.id(),
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
            Error::Api { kind, .. } => kind.status(),
            Error::RateLimited { .. } => 429,
            Error::Internal(_) => 500,
        }
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

/// Returns early with the kind (or the kind with another message) when the condition is false.
#[macro_export]
macro_rules! ensure {
    ($cond:expr, $kind:expr) => {
        if !$cond {
            return Err($crate::error::Error::from($kind));
        }
    };
    ($cond:expr, $kind:expr, $msg:expr) => {
        if !$cond {
            return Err($kind.with_message($msg));
        }
    };
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use serde_json::json;

    use super::*;

    #[test]
    fn rest_and_ddp_shapes() {
        let e = Error::from(Kind::RoomNotFound);
        assert_eq!(e.rest_body()["error"], "Room not found [error-room-not-found]");
        assert_eq!(e.ddp_error()["message"], "Room not found [error-room-not-found]");
        assert_eq!(Error::Unauthenticated.status(), 401);
        assert_eq!(Error::from(Kind::Forbidden).status(), 403);
    }

    /// Ids shared by several kinds on purpose: one id answered with two statuses or shapes, or
    /// with a message of its own.
    const SHARED: &[(&str, &[Kind])] = &[
        ("error-not-allowed", &[Kind::NotAllowed, Kind::Forbidden]),
        (
            "error-action-not-allowed",
            &[Kind::ActionNotAllowed, Kind::ActionNotAllowedOnPermissions, Kind::ActionForbidden],
        ),
        ("error-not-authorized", &[Kind::NotAuthorized, Kind::NotAuthorizedForbidden]),
        ("not-authorized", &[Kind::MethodNotAuthorized, Kind::MethodNotAuthorizedForbidden]),
        ("error-app-failed", &[Kind::AppFailed, Kind::AppEndpointFailed]),
    ];

    #[test]
    fn ids_are_unique_except_where_shared_on_purpose() {
        let mut by_id: HashMap<&str, Vec<Kind>> = HashMap::new();
        for kind in Kind::ALL {
            by_id.entry(kind.id()).or_default().push(*kind);
        }
        for (id, kinds) in by_id {
            if kinds.len() > 1 {
                let shared = SHARED.iter().find(|(s, _)| *s == id).map(|(_, k)| *k).unwrap_or_default();
                let same = shared.len() == kinds.len() && shared.iter().all(|k| kinds.contains(k));
                assert!(same, "{id} is used by {kinds:?}");
            }
        }
        for (_, kinds) in SHARED {
            let answers: Vec<_> = kinds.iter().map(|k| (k.status(), k.shape(), k.message())).collect();
            let distinct: std::collections::HashSet<_> = answers.iter().collect();
            assert_eq!(distinct.len(), answers.len(), "{kinds:?} answer alike");
        }
    }

    #[test]
    fn denials_and_not_founds() {
        for kind in
            [Kind::NotAllowed, Kind::Forbidden, Kind::ActionNotAllowed, Kind::ActionForbidden, Kind::Unauthorized]
        {
            assert!(kind.is_denial() && !kind.is_not_found(), "{kind:?}");
        }
        for kind in [Kind::RoomNotFound, Kind::InvalidUser, Kind::MessageNotFound, Kind::FileNotFound] {
            assert!(kind.is_not_found() && !kind.is_denial(), "{kind:?}");
        }
        assert!(!Kind::InvalidParams.is_denial() && !Kind::InvalidParams.is_not_found());
    }

    #[test]
    fn statuses_are_wire_statuses() {
        for kind in Kind::ALL {
            assert!([400, 403, 404, 405, 413, 414, 431, 500].contains(&kind.status()), "{kind:?}");
            assert!(!kind.id().is_empty(), "{kind:?}");
        }
    }

    #[test]
    fn rest_shapes() {
        let e = Kind::InvalidUser.with_message("User foo not found");
        assert_eq!(e.status(), 400);
        assert_eq!(
            e.rest_body(),
            json!({"success": false, "error": "User foo not found [error-invalid-user]", "errorType": "error-invalid-user"})
        );
        let e = Kind::TotpRequired.with_details(json!({"method": "password"}));
        assert_eq!(e.rest_body()["details"], json!({"method": "password"}));
        assert_eq!(
            serde_json::to_string(&Error::from(Kind::TeamDoesNotExist).rest_body()).unwrap(),
            r#"{"success":false,"error":"team-does-not-exist","errorType":"team-does-not-exist"}"#
        );
        assert_eq!(Kind::PlainFailure.with_message("Oops").rest_body(), json!({"success": false, "error": "Oops"}));
        assert_eq!(Error::from(Kind::FileNotFound).status(), 404);
        assert_eq!(
            Error::Unauthenticated.rest_body(),
            json!({"status": "error", "message": "You must be logged in to do this."})
        );
    }

    #[test]
    fn ddp_shapes() {
        let e = Kind::InvalidUser.with_details(json!({"method": "joinRoom"})).ddp_error();
        assert_eq!(
            serde_json::to_string(&e).unwrap(),
            r#"{"isClientSafe":true,"error":"error-invalid-user","reason":"Invalid user","message":"Invalid user [error-invalid-user]","errorType":"Meteor.Error","details":{"method":"joinRoom"}}"#
        );
        let e = ddp::meteor_error(json!("not-allowed"), "Not allowed", None);
        assert_eq!(e["message"], "Not allowed [not-allowed]");
        assert_eq!(Error::from(Kind::RealtimeNotAllowed).ddp_error(), e);
        assert_eq!(ddp::meteor_error(json!(404), "", None)["message"], "[404]");
        assert_eq!(Error::from(Kind::UserLastOwner).ddp_error()["message"], " [user-last-owner]");
        assert_eq!(Error::LoginFailed("nope".into()).ddp_error()["error"], 403);
        assert_eq!(Error::RateLimited { wait_secs: 2 }.ddp_error()["details"], json!({"timeToReset": 2000}));
        assert_eq!(Error::Internal(anyhow::anyhow!("boom")).ddp_error()["error"], 500);
    }
}
