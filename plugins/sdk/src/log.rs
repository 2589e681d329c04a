//! The app's log, shown to admins (`GET /api/apps/:id/logs`). Always allowed.
//! Anything printed to stdout or stderr lands there too.

use crate::bindings::orbit::apps::log::{Level, log};

/// Logs at debug level.
pub fn debug(message: &str) {
    log(Level::Debug, message)
}

/// Logs at info level.
pub fn info(message: &str) {
    log(Level::Info, message)
}

/// Logs at warn level.
pub fn warn(message: &str) {
    log(Level::Warn, message)
}

/// Logs at error level.
pub fn error(message: &str) {
    log(Level::Error, message)
}
