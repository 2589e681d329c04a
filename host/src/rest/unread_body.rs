//! Answers to requests whose body was not read to its end close their connection.
//!
//! A handler may answer before reading the body (a body over the size limit, a refused login on a
//! large POST). hyper then drops the rest of the body by closing the connection, and a client that
//! pooled the connection as keep-alive sends its next request into a closed socket. Saying
//! `Connection: close` in such answers tells the client not to reuse the connection.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use bytes::Bytes;
use http_body::{Frame, SizeHint};

/// Middleware: tracks whether a non-empty request body was read to its end, and adds
/// `Connection: close` to the answer when it was not.
pub async fn close_if_unread(req: Request, next: Next) -> Response {
    if axum::body::HttpBody::is_end_stream(req.body()) || declared_empty(&req) {
        return next.run(req).await;
    }
    let done = Arc::new(AtomicBool::new(false));
    let req = req.map(|inner| Body::new(Tracked { inner, done: done.clone() }));
    let mut res = next.run(req).await;
    if !done.load(Ordering::Acquire) {
        res.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    res
}

fn declared_empty(req: &Request) -> bool {
    req.headers().get(header::CONTENT_LENGTH).is_some_and(|v| v.as_bytes() == b"0")
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
