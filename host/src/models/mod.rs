//! The documents Orbit stores and serves, shaped as Rocket.Chat's wire objects.
//!
//! Field names follow Rocket.Chat (`_id`, `_updatedAt`, `u`, `t`…). Optional fields are skipped
//! when absent, and `extra` keeps any field this version does not model yet, so nothing a client
//! stored is lost.

mod custom;
mod login_service;
mod message;
mod role;
mod room;
mod statistics;
mod subscription;
mod user;

pub use custom::*;
pub use login_service::*;
pub use message::*;
pub use role::*;
pub use room::*;
pub use statistics::*;
pub use subscription::*;
pub use user::*;

use serde::{Deserialize, Serialize};

use crate::time::Date;

/// A compact user reference (`u` of messages, rooms and subscriptions).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct UserRef {
    #[serde(rename = "_id")]
    pub id: String,
    pub username: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub name: Option<String>,
}

/// What is left of a deleted document of a small collection (a role, a custom emoji), for the
/// `updatedSince` listings. Rooms and subscriptions have theirs in the store ([`crate::store::Tombstone`]).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DocTombstone {
    #[serde(rename = "_id")]
    pub id: String,
    /// Always an ISO-8601 string, on DDP as well (the tombstone was stored that way).
    #[serde(rename = "_deletedAt", serialize_with = "crate::time::as_iso")]
    pub deleted_at: Date,
}

pub(crate) fn is_false(b: &bool) -> bool {
    !*b
}

pub(crate) fn is_zero(n: &i64) -> bool {
    *n == 0
}
