//! [`HostError`] conveniences, so host calls compose with `?` in command handlers.
//! (wit-bindgen already derives `Display` and `Error`.)

pub use crate::bindings::orbit::apps::types::HostError;

impl HostError {
    /// The human-readable reason.
    pub fn reason(&self) -> &str {
        match self {
            HostError::Denied(r) | HostError::NotFound(r) | HostError::Invalid(r) | HostError::Failed(r) => r,
        }
    }
}

impl From<HostError> for String {
    fn from(error: HostError) -> Self {
        error.reason().to_owned()
    }
}
