//! The documents Orbit stores and serves, shaped as Rocket.Chat's wire objects.
//!
//! Field names follow Rocket.Chat (`_id`, `_updatedAt`, `u`, `t`…). Optional fields are skipped
//! when absent, and `extra` keeps any field this version does not model yet, so nothing a client
//! stored is lost.

mod message;
mod role;
mod room;
mod subscription;
mod user;

pub use message::*;
pub use role::*;
pub use room::*;
pub use subscription::*;
pub use user::*;

use serde::{Deserialize, Serialize};

/// A compact user reference (`u` of messages, rooms and subscriptions).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct UserRef {
    #[serde(rename = "_id")]
    pub id: String,
    pub username: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub name: Option<String>,
}

pub(crate) fn is_false(b: &bool) -> bool {
    !*b
}

pub(crate) fn is_zero(n: &i64) -> bool {
    *n == 0
}
