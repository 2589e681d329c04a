//! The crate's error type.

use std::time::Duration;

/// Everything that can go wrong loading or calling an app. Messages are written for admins
/// and, for call failures, for the user who ran the command.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// `app.json` is missing, malformed or invalid.
    #[error("invalid app.json: {0}")]
    Manifest(String),
    /// The zip is malformed, too large or unsafe.
    #[error("invalid app package: {0}")]
    Package(String),
    /// The component does not fit the contract or imports something it may not.
    #[error("component refused: {0}")]
    Component(String),
    /// Compiling or caching the component failed.
    #[error("compiling the app failed: {0}")]
    Compile(String),
    /// No app with this id is loaded.
    #[error("app {0} is not loaded")]
    NotLoaded(String),
    /// The app failed too often and is disabled until reset.
    #[error("app is disabled after repeated failures: {0}")]
    Failed(String),
    /// The call ran past its deadline and was stopped.
    #[error("app timed out after {} ms", .0.as_millis())]
    Timeout(Duration),
    /// The call hit the app's memory cap.
    #[error("app ran out of memory (limit {0} bytes)")]
    OutOfMemory(usize),
    /// The call made more host calls than allowed.
    #[error("app exceeded its budget of {0} host calls per call")]
    HostCallFlood(u64),
    /// The app trapped (panic, unreachable, invalid memory access, ...).
    #[error("app crashed: {0}")]
    Trap(String),
    /// The app's answer broke the contract (e.g. a malformed command list).
    #[error("app misbehaved: {0}")]
    Contract(String),
}

impl AppError {
    /// Whether this error counts as a failure of the app towards its failure threshold.
    pub fn is_app_failure(&self) -> bool {
        matches!(
            self,
            AppError::Timeout(_)
                | AppError::OutOfMemory(_)
                | AppError::HostCallFlood(_)
                | AppError::Trap(_)
                | AppError::Contract(_)
        )
    }
}

/// The longest reason from or about an app that reaches users and logs (an app's own error
/// text included); longer ones are cut.
pub const MAX_REASON_CHARS: usize = 500;

/// `text` cut to `max` characters, with an ellipsis when it was longer.
pub fn clip(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_string(),
    }
}

/// Result alias for this crate.
pub type Result<T, E = AppError> = std::result::Result<T, E>;
