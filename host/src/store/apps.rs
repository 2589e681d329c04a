use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::Result;
use crate::time::Date;

/// Where an installed app's package came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum AppSource {
    /// Uploaded through `POST /api/apps` (or updated through `POST /api/apps/:id`).
    Upload,
    /// A zip in the hot-reload folder; removing the file uninstalls the app.
    Folder { path: String },
    /// Installed at start from `ORBIT_PRELOAD_APPS`.
    Preload { path: String },
}

/// An installed app as stored, without its package bytes (see [`AppStore::app_package`]).
///
/// The database is the source of truth for installed apps: at start every record is loaded
/// into the runtime again, in its stored state.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AppRecord {
    /// The manifest `id` (a UUID).
    pub id: String,
    /// The validated `app.json`, as installed.
    pub manifest: Value,
    /// Hex SHA-256 of the package zip.
    pub package_sha256: String,
    /// Apps-Engine `AppStatus`: `manually_enabled`, `auto_enabled`, `manually_disabled`,
    /// `error-disabled`, `invalid_settings_disabled`, `compiler_error_disabled`, …
    pub status: String,
    /// Why the app is failed or disabled by the server, shown to admins.
    pub failure: Option<String>,
    /// Setting values the admin set, by setting id. Unset settings use the app's defaults.
    pub settings: Map<String, Value>,
    pub installed_at: Date,
    pub updated_at: Date,
    /// The app's bot user (`<nameSlug>.bot`, type `app`).
    pub bot_user_id: Option<String>,
    pub source: AppSource,
    /// The package's icon as a `data:` URL, when it has one.
    pub icon: Option<String>,
}

/// Installed apps.
pub trait AppStore {
    /// Every installed app, oldest install first.
    fn app_records(&self) -> Result<Vec<AppRecord>>;
    fn app_record(&self, id: &str) -> Result<Option<AppRecord>>;
    /// The package zip of an installed app.
    fn app_package(&self, id: &str) -> Result<Option<Vec<u8>>>;
    /// Inserts or replaces an app with its package, in one transaction.
    fn put_app(&self, record: &AppRecord, package: &[u8]) -> Result<()>;
    /// Replaces an app's record (status, settings, failure…), keeping its package. Returns
    /// false when the app is not installed.
    fn update_app_record(&self, record: &AppRecord) -> Result<bool>;
    /// Removes an app, its package and its stored data.
    fn delete_app(&self, id: &str) -> Result<()>;

    /// A record of an app's key-value store, unless it expired before `now` (ms).
    fn app_datum(&self, app_id: &str, key: &str, now: i64) -> Result<Option<AppDatum>>;
    /// Writes a record (its `version` is ignored) in one transaction: only when the stored
    /// version is `expected` (`Some(0)`: no record), and only when the app's records then hold
    /// at most `quota_bytes` (else [`Kind::AppStorageQuota`](crate::error::Kind)). Expired
    /// records count as absent. Returns the new version, or `None` when the condition failed.
    fn put_app_datum(
        &self,
        app_id: &str,
        datum: &AppDatum,
        expected: Option<u64>,
        quota_bytes: usize,
        now: i64,
    ) -> Result<Option<u64>>;
    /// Removes a record; whether there was one (not expired).
    fn delete_app_datum(&self, app_id: &str, key: &str, now: i64) -> Result<bool>;
    /// Records having every one of `associations`, oldest first, at most `limit`.
    fn find_app_data(
        &self,
        app_id: &str,
        associations: &[Association],
        limit: usize,
        now: i64,
    ) -> Result<Vec<AppDatum>>;
    /// Removes the records having every one of `associations`; how many.
    fn delete_app_data_by_association(&self, app_id: &str, associations: &[Association]) -> Result<usize>;
    /// Removes every app's records that expired before `now`; how many.
    fn delete_expired_app_data(&self, now: i64) -> Result<usize>;
}

/// What a stored app record is about: `(kind, id)`, the kind one of `room`, `user`, `message`,
/// `misc`.
pub type Association = (String, String);

/// A record of an app's key-value store.
#[derive(Debug, Clone, PartialEq)]
pub struct AppDatum {
    pub key: String,
    pub value: String,
    pub associations: Vec<Association>,
    /// 1 for a new record, one more with each write.
    pub version: u64,
    /// Expiry, ms since the epoch.
    pub expires_at: Option<i64>,
}
