//! Turning results into HTTP responses with Rocket.Chat's envelopes (failures are written by
//! [`crate::error::rest`]).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::error::Error;

/// What REST handlers return.
pub type Reply = Result<Response, Error>;

/// A JSON response with `Content-Type: application/json` exactly.
pub fn json_response(status: StatusCode, body: &Value) -> Response {
    let bytes = serde_json::to_vec(body).unwrap_or_else(|_| b"{}".to_vec());
    let mut res = (status, bytes).into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    res
}

/// A success answer: the body's keys plus `"success": true`.
pub fn ok(mut body: Value) -> Response {
    if let Some(o) = body.as_object_mut() {
        o.insert("success".into(), Value::Bool(true));
    }
    json_response(StatusCode::OK, &body)
}

/// A success answer with no resource keys: `{"success": true}`.
pub fn ok_empty() -> Response {
    ok(serde_json::json!({}))
}
