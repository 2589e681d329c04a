//! Reading users (`user.read`) and changing the invoker's status (`user.write`).

use crate::HostError;
use crate::bindings::orbit::apps::{user_actions, users};

pub use crate::bindings::orbit::apps::types::{Presence, User};

/// The user with this id.
pub fn by_id(id: &str) -> Result<Option<User>, HostError> {
    users::get_by_id(id)
}

/// The user with this username; a leading `@` is ignored.
pub fn by_username(username: &str) -> Result<Option<User>, HostError> {
    users::get_by_username(username.trim_start_matches('@'))
}

/// Sets the invoker's custom status text.
pub fn set_status_text(text: &str) -> Result<(), HostError> {
    user_actions::set_status_text(text)
}
