//! HTTP endpoints: declare them in [`crate::App::endpoints`], answer in
//! [`crate::App::handle`]. Public ones answer anyone at `/api/apps/public/<app id>/<path>`,
//! private ones logged-in users at `/api/apps/private/<app id>/<path>` (the request carries the
//! user's id, and the app acts as that user). Needs the `apis` permission.

pub use crate::bindings::exports::orbit::apps::endpoints::{Endpoint, Request, Response, Visibility};

impl Endpoint {
    /// A public endpoint (`path` exact, or ending in `/*` for everything under it).
    pub fn public(path: &str) -> Self {
        Endpoint { path: path.into(), visibility: Visibility::Public }
    }

    /// An endpoint for logged-in users.
    pub fn private(path: &str) -> Self {
        Endpoint { path: path.into(), visibility: Visibility::Private }
    }
}

impl Response {
    /// A plain-text answer.
    pub fn text(status: u16, body: &str) -> Self {
        Response { status, headers: vec![("content-type".into(), "text/plain; charset=utf-8".into())], body: body.into() }
    }

    /// A JSON answer (`body` is JSON text).
    pub fn json(status: u16, body: &str) -> Self {
        Response { status, headers: vec![("content-type".into(), "application/json".into())], body: body.into() }
    }
}

impl Request {
    /// A request header (lowercase name).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}
