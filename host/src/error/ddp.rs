//! DDP: an [`Error`] as the `Meteor.Error` object of a `result` (or `nosub`) frame.

use serde_json::{Value, json};

use super::Error;

impl Error {
    /// The `Meteor.Error` object: `{isClientSafe, error: <id>, reason, message: "<reason> [<id>]",
    /// errorType: "Meteor.Error", details?}`. Internal errors are logged and masked as 500;
    /// rate limiting answers upstream's `too-many-requests` with `timeToReset`.
    pub fn ddp_error(&self) -> Value {
        match self {
            Error::Internal(inner) => {
                tracing::error!(error = format!("{inner:#}"), "internal error in a realtime call");
                meteor_error(json!(500), "Internal server error", None)
            }
            Error::RateLimited { wait_secs } => meteor_error(
                json!("too-many-requests"),
                &format!(
                    "Error, too many requests. Please slow down. You must wait {wait_secs} seconds before trying again."
                ),
                Some(json!({"timeToReset": wait_secs * 1000})),
            ),
            Error::Unauthenticated => object(json!(401), &self.reason(), None),
            Error::LoginFailed(reason) => object(json!(403), reason, None),
            Error::Api { kind, message, details } => object(json!(kind.id()), message, details.clone()),
        }
    }
}

/// A `Meteor.Error` of the DDP layer itself (unknown method or subscription, `Match failed`),
/// which has no server [`Error`]: an empty reason leaves the message as `[<code>]`.
pub fn meteor_error(code: Value, reason: &str, details: Option<Value>) -> Value {
    if reason.is_empty() {
        let message = format!("[{}]", code_text(&code));
        return build(code, reason, message, details);
    }
    object(code, reason, details)
}

/// The object with the message `"<reason> [<code>]"`.
fn object(code: Value, reason: &str, details: Option<Value>) -> Value {
    let message = format!("{reason} [{}]", code_text(&code));
    build(code, reason, message, details)
}

fn build(code: Value, reason: &str, message: String, details: Option<Value>) -> Value {
    let mut e = json!({
        "isClientSafe": true,
        "error": code,
        "reason": reason,
        "message": message,
        "errorType": "Meteor.Error",
    });
    if let Some(d) = details {
        e["details"] = d;
    }
    e
}

fn code_text(code: &Value) -> String {
    match code {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
