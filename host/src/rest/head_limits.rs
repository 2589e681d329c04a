//! Limits on the request head, answered in Rocket.Chat's JSON envelope: a URL over
//! [`MAX_URI_BYTES`] gets 414, headers over [`MAX_HEADER_BYTES`] or [`MAX_HEADERS`] get 431.
//!
//! hyper refuses heads beyond its own, larger limits (its read buffer, a 64 KiB URL) by itself,
//! with a bare status; these limits sit below them so that clients see the JSON answer.

use axum::extract::Request;
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::{Error, Kind};

/// The longest request target (path and query) accepted.
pub const MAX_URI_BYTES: usize = 8 * 1024;
/// The most header bytes (names, values and separators) accepted.
pub const MAX_HEADER_BYTES: usize = 32 * 1024;
/// The most header lines accepted.
pub const MAX_HEADERS: usize = 100;
/// hyper's own cap on header lines, above [`MAX_HEADERS`] so the JSON answer is the one seen.
pub const HYPER_MAX_HEADERS: usize = 200;

/// Middleware: refuses an oversized URL or header block before anything else runs.
pub async fn refuse_oversized(req: Request, next: Next) -> Response {
    let uri_len = req.uri().path_and_query().map_or(0, |p| p.as_str().len());
    if uri_len > MAX_URI_BYTES {
        return closing(Error::from(Kind::UriTooLong));
    }
    let headers = req.headers();
    let bytes: usize = headers.iter().map(|(name, value)| name.as_str().len() + value.len() + 4).sum();
    if headers.len() > MAX_HEADERS || bytes > MAX_HEADER_BYTES {
        return closing(Error::from(Kind::HeadersTooLarge));
    }
    next.run(req).await
}

/// The error's answer, closing the connection (the body, if any, is not read).
fn closing(error: Error) -> Response {
    let mut res = error.into_response();
    res.headers_mut().insert(header::CONNECTION, header::HeaderValue::from_static("close"));
    res
}
