//! Each app's key-value store (the `persistence` capability): the limits on keys, values and
//! associations, the per-app quota (`Apps_Orbit_Persistence_Quota_KB`), expiry, and
//! compare-and-set. The app is always the one calling: an app reaches only its own records.

use super::Services;
use crate::error::{Error, Kind, Result};
use crate::store::{AppDatum, Association};
use crate::time::Date;

/// The longest key, and the longest association id, in bytes.
pub const MAX_KEY_BYTES: usize = 256;
/// The largest value, in bytes.
pub const MAX_VALUE_BYTES: usize = 64 * 1024;
/// The most associations of one record.
pub const MAX_ASSOCIATIONS: usize = 8;
/// The most records one lookup returns.
pub const MAX_FIND: usize = 1000;
/// The association kinds.
pub const KINDS: &[&str] = &["room", "user", "message", "misc"];

/// App storage operations.
pub struct AppStorage<'a>(pub &'a Services);

impl Services {
    /// App storage operations.
    pub fn app_storage(&self) -> AppStorage<'_> {
        AppStorage(self)
    }
}

fn invalid(message: String) -> Error {
    Kind::InvalidParams.with_message(message)
}

fn check_key(key: &str) -> Result<()> {
    if key.is_empty() || key.len() > MAX_KEY_BYTES {
        return Err(invalid(format!("A key has 1 to {MAX_KEY_BYTES} bytes")));
    }
    Ok(())
}

fn check_associations(associations: &[Association]) -> Result<()> {
    if associations.len() > MAX_ASSOCIATIONS {
        return Err(invalid(format!("A record has at most {MAX_ASSOCIATIONS} associations")));
    }
    for (kind, id) in associations {
        if !KINDS.contains(&kind.as_str()) || id.is_empty() || id.len() > MAX_KEY_BYTES {
            return Err(invalid(format!("An association is a kind and an id of 1 to {MAX_KEY_BYTES} bytes")));
        }
    }
    Ok(())
}

impl AppStorage<'_> {
    /// The app's record under `key`.
    pub fn get(&self, app_id: &str, key: &str) -> Result<Option<AppDatum>> {
        check_key(key)?;
        self.0.store.app_datum(app_id, key, Date::now().0)
    }

    /// Writes a record (`expected`: only over this version, `Some(0)` only when absent);
    /// `ttl_ms` makes it expire. Returns the new version, `None` when the version differed.
    pub fn put(
        &self,
        app_id: &str,
        key: String,
        value: String,
        associations: Vec<Association>,
        ttl_ms: Option<u64>,
        expected: Option<u64>,
    ) -> Result<Option<u64>> {
        check_key(&key)?;
        if value.len() > MAX_VALUE_BYTES {
            return Err(invalid(format!("A value has at most {MAX_VALUE_BYTES} bytes")));
        }
        check_associations(&associations)?;
        let now = Date::now().0;
        let expires_at = ttl_ms.map(|ttl| now.saturating_add(ttl.min(i64::MAX as u64) as i64));
        let quota = self.0.settings.int("Apps_Orbit_Persistence_Quota_KB", 10_240).max(1) as usize * 1024;
        let datum = AppDatum { key, value, associations, version: 0, expires_at };
        self.0.store.put_app_datum(app_id, &datum, expected, quota, now)
    }

    /// Removes a record; whether there was one.
    pub fn remove(&self, app_id: &str, key: &str) -> Result<bool> {
        check_key(key)?;
        self.0.store.delete_app_datum(app_id, key, Date::now().0)
    }

    /// Records having every one of `associations` (at least one), oldest first.
    pub fn find(&self, app_id: &str, associations: &[Association], limit: usize) -> Result<Vec<AppDatum>> {
        check_associations(associations)?;
        if associations.is_empty() {
            return Err(invalid("Find records by at least one association".into()));
        }
        self.0.store.find_app_data(app_id, associations, limit.clamp(1, MAX_FIND), Date::now().0)
    }

    /// Removes the records having every one of `associations` (at least one); how many.
    pub fn remove_by_association(&self, app_id: &str, associations: &[Association]) -> Result<usize> {
        check_associations(associations)?;
        if associations.is_empty() {
            return Err(invalid("Remove records by at least one association".into()));
        }
        self.0.store.delete_app_data_by_association(app_id, associations)
    }

    /// Drops every app's expired records; how many.
    pub fn sweep_expired(&self) -> Result<usize> {
        self.0.store.delete_expired_app_data(Date::now().0)
    }
}
