//! REST: an [`Error`] as Rocket.Chat's JSON failure body and HTTP status.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::{Error, Shape};

impl Error {
    /// The failure body: `{"success":false,"error":"<reason> [<id>]","errorType":"<id>"}` (plus
    /// `details`), the kind's bare or plain shape, or the legacy `status` envelope of
    /// authentication failures.
    pub fn rest_body(&self) -> Value {
        match self {
            Error::Unauthenticated => json!({"status": "error", "message": self.reason()}),
            Error::LoginFailed(m) => json!({"status": "error", "error": "Unauthorized", "message": m}),
            Error::Api { kind, message, details } => match kind.shape() {
                Shape::Standard => {
                    let mut body = standard(message, kind.id());
                    if let Some(d) = details {
                        body["details"] = d.clone();
                    }
                    body
                }
                Shape::Bare => json!({"success": false, "error": kind.id(), "errorType": kind.id()}),
                Shape::Plain => json!({"success": false, "error": message}),
            },
            _ => standard(&self.reason(), self.id()),
        }
    }

    /// The response with the given status instead of the error's own (for answers whose status
    /// was decided elsewhere, such as axum's rejections). Internal errors are logged.
    pub fn into_response_with(self, status: StatusCode) -> Response {
        if let Error::Internal(e) = &self {
            tracing::error!(error = format!("{e:#}"), "internal error");
        }
        (status, Json(self.rest_body())).into_response()
    }
}

fn standard(reason: &str, id: &str) -> Value {
    json!({"success": false, "error": format!("{reason} [{id}]"), "errorType": id})
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        self.into_response_with(status)
    }
}
