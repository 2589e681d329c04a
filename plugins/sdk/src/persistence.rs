//! The app's own key-value store in the server's database. Needs `persistence`. Keys are 1 to
//! 256 bytes, values at most 64 KiB; all of an app's records share its quota.
//!
//! ```ignore
//! use orbit_app_sdk::persistence::{self, Association};
//! persistence::set("votes:poll-1", "{\"yes\":3}", &[Association::room("GENERAL")], None)?;
//! ```

use crate::HostError;
pub use crate::bindings::orbit::apps::persistence::{Association, AssociationKind, Entry};
use crate::bindings::orbit::apps::persistence as wit;

impl Association {
    pub fn room(id: &str) -> Self {
        Association { kind: AssociationKind::Room, id: id.into() }
    }
    pub fn user(id: &str) -> Self {
        Association { kind: AssociationKind::User, id: id.into() }
    }
    pub fn message(id: &str) -> Self {
        Association { kind: AssociationKind::Message, id: id.into() }
    }
    pub fn misc(id: &str) -> Self {
        Association { kind: AssociationKind::Misc, id: id.into() }
    }
}

/// The record under `key`.
pub fn get(key: &str) -> Result<Option<Entry>, HostError> {
    wit::get(key)
}

/// Creates or replaces a record; `ttl_ms` makes it expire. Returns its new version.
pub fn set(key: &str, value: &str, associations: &[Association], ttl_ms: Option<u64>) -> Result<u64, HostError> {
    wit::set(key, value, associations, ttl_ms)
}

/// Writes only over version `expected` (`0`: only when absent): the new version, or `None`
/// when someone else wrote first (read again and retry).
pub fn compare_and_set(
    key: &str,
    expected: u64,
    value: &str,
    associations: &[Association],
    ttl_ms: Option<u64>,
) -> Result<Option<u64>, HostError> {
    wit::compare_and_set(key, expected, value, associations, ttl_ms)
}

/// Removes a record; whether there was one.
pub fn remove(key: &str) -> Result<bool, HostError> {
    wit::remove(key)
}

/// Records having every one of `associations`, oldest first.
pub fn find(associations: &[Association], limit: u32) -> Result<Vec<Entry>, HostError> {
    wit::find(associations, limit)
}

/// Removes the records having every one of `associations`; how many.
pub fn remove_by_association(associations: &[Association]) -> Result<u32, HostError> {
    wit::remove_by_association(associations)
}
