//! Constructors from wire ids and statuses, for code not yet moved onto catalog kinds. Each
//! resolves its id to the catalog kind with that id and status.

use super::{Error, Kind};

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
        Kind::Forbidden.into()
    }

    /// A missing parameter (`error-param-required`).
    pub fn param_required(name: &str) -> Self {
        Kind::param_required(name)
    }

    /// A parameter of the wrong type or shape.
    pub fn invalid_param(name: &str) -> Self {
        Kind::invalid_param(name)
    }

    /// An error with an explicit status, id and message; the pair must be in the catalog.
    pub fn api(status: u16, id: &str, message: impl Into<String>) -> Self {
        let kind = Kind::ALL
            .iter()
            .copied()
            .find(|k| k.id() == id && k.status() == status)
            .unwrap_or_else(|| panic!("error id {id} with status {status} is not in the catalog"));
        kind.with_message(message)
    }
}
