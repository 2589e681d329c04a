//! `persistence`: the app's own key-value store in the server's database. Needs `persistence`.

use crate::bindings::orbit::apps::persistence;
use crate::bindings::orbit::apps::persistence::{Association, Entry};
use crate::host_call::Requirement;
use crate::permissions::Permission;

crate::host_call::capability! {
    "persistence", Requirement::Permission(Permission::Persistence);
    /// The server side of `persistence`.
    pub trait PersistenceHost for persistence {
        /// The record under `key`.
        fn get(key: String) -> Option<Entry>;
        /// Creates or replaces a record; its new version.
        fn set(key: String, value: String, associations: Vec<Association>, ttl_ms: Option<u64>) -> u64;
        /// Writes when the version is `expected` (0: absent); the new version, or `None`.
        fn compare_and_set(
            key: String,
            expected: u64,
            value: String,
            associations: Vec<Association>,
            ttl_ms: Option<u64>,
        ) -> Option<u64>;
        /// Removes a record; whether there was one.
        fn remove(key: String) -> bool;
        /// Records having every association, oldest first.
        fn find(associations: Vec<Association>, limit: u32) -> Vec<Entry>;
        /// Removes the records having every association; how many.
        fn remove_by_association(associations: Vec<Association>) -> u32;
    }
}
