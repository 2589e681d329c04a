//! Request bodies a handler does not read to their end.
//!
//! A handler may answer before reading the body (a refused upload, a body over the size limit).
//! hyper then drops the rest of the body by closing the connection; unread bytes left in the
//! socket make the kernel reset it, and the client can lose the answer with it. So small bodies
//! (up to [`READ_AHEAD`], the usual case) are read whole before the handler runs, and the
//! connection stays usable. Larger ones stream to the handler; when one is left unread the answer
//! says `Connection: close`, so a client that pooled the connection does not reuse it.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http_body::{Frame, SizeHint};

/// Middleware: tracks whether a non-empty request body was read to its end, and adds
/// `Connection: close` to the answer when it was not.
pub async fn close_if_unread(req: Request, next: Next) -> Response {
    if axum::body::HttpBody::is_end_stream(req.body()) || declared_empty(&req) {
        return next.run(req).await;
    }
    if declared_length(&req).is_some_and(|n| n <= READ_AHEAD) {
        let (parts, body) = req.into_parts();
        return match axum::body::to_bytes(body, READ_AHEAD as usize).await {
            Ok(bytes) => next.run(Request::from_parts(parts, Body::from(bytes))).await,
            // The client went away or sent less than it declared.
            Err(_) => crate::error::Error::from(crate::error::Kind::InvalidParams).into_response(),
        };
    }
    let done = Arc::new(AtomicBool::new(false));
    let req = req.map(|inner| Body::new(Tracked { inner, done: done.clone() }));
    let mut res = next.run(req).await;
    if !done.load(Ordering::Acquire) {
        res.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    res
}

/// Bodies up to this many bytes are read whole before the handler runs.
pub const READ_AHEAD: u64 = 64 * 1024;

fn declared_empty(req: &Request) -> bool {
    declared_length(req) == Some(0)
}

/// The body's `Content-Length`, when the client declared one.
fn declared_length(req: &Request) -> Option<u64> {
    req.headers().get(header::CONTENT_LENGTH)?.to_str().ok()?.parse().ok()
}

/// A request body that records when its last byte was read.
struct Tracked {
    inner: Body,
    done: Arc<AtomicBool>,
}

impl http_body::Body for Tracked {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let frame = Pin::new(&mut self.inner).poll_frame(cx);
        if matches!(frame, Poll::Ready(None)) || self.inner.is_end_stream() {
            self.done.swap(true, Ordering::Release);
        }
        frame
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
