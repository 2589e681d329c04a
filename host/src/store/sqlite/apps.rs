use rusqlite::types::Value as SqlValue;
use rusqlite::{OptionalExtension, Row, params, params_from_iter};
use serde::{Deserialize, Serialize};

use super::SqliteStore;
use super::docs::{decode, encode};
use crate::error::{Kind, Result};
use crate::store::{AppDatum, AppRecord, AppSource, AppStore, Association};
use crate::time::Date;

/// The record fields without a column of their own, kept in `doc`.
#[derive(Serialize, Deserialize)]
struct Extra {
    bot_user_id: Option<String>,
    source: AppSource,
    icon: Option<String>,
}

const COLUMNS: &str = "id, manifest, package_sha256, status, failure, settings, installed_at, updated_at, doc";

/// Sets every column but `id` (and the package) from the parameters of [`columns`].
const SET_COLUMNS: &str = "manifest = ?2, package_sha256 = ?3, status = ?4, failure = ?5, settings = ?6, \
     installed_at = ?7, updated_at = ?8, doc = ?9";

/// A record's [`COLUMNS`], in order: the parameters `?1` to `?9` of its statements.
fn columns(r: &AppRecord) -> Result<Vec<SqlValue>> {
    Ok(vec![
        r.id.clone().into(),
        serde_json::to_string(&r.manifest)?.into(),
        r.package_sha256.clone().into(),
        r.status.clone().into(),
        r.failure.clone().into(),
        serde_json::to_string(&r.settings)?.into(),
        r.installed_at.0.into(),
        r.updated_at.0.into(),
        extra_of(r)?.into(),
    ])
}

fn record(row: &Row<'_>) -> rusqlite::Result<(AppRecord, String)> {
    let manifest: String = row.get(1)?;
    let settings: String = row.get(5)?;
    let extra: String = row.get(8)?;
    let record = AppRecord {
        id: row.get(0)?,
        manifest: serde_json::from_str(&manifest).unwrap_or_default(),
        package_sha256: row.get(2)?,
        status: row.get(3)?,
        failure: row.get(4)?,
        settings: serde_json::from_str(&settings).unwrap_or_default(),
        installed_at: Date(row.get(6)?),
        updated_at: Date(row.get(7)?),
        bot_user_id: None,
        source: AppSource::Upload,
        icon: None,
    };
    Ok((record, extra))
}

fn with_extra((mut record, extra): (AppRecord, String)) -> Result<AppRecord> {
    let extra: Extra = decode(&extra)?;
    record.bot_user_id = extra.bot_user_id;
    record.source = extra.source;
    record.icon = extra.icon;
    Ok(record)
}

fn extra_of(record: &AppRecord) -> Result<String> {
    encode(&Extra { bot_user_id: record.bot_user_id.clone(), source: record.source.clone(), icon: record.icon.clone() })
}

impl AppStore for SqliteStore {
    fn app_records(&self) -> Result<Vec<AppRecord>> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(&format!("SELECT {COLUMNS} FROM apps ORDER BY installed_at, id"))?;
            let rows = stmt.query_map([], record)?;
            let mut out = Vec::new();
            for row in rows {
                out.push(with_extra(row?)?);
            }
            Ok(out)
        })
    }

    fn app_record(&self, id: &str) -> Result<Option<AppRecord>> {
        self.read(|c| {
            let row = c
                .prepare_cached(&format!("SELECT {COLUMNS} FROM apps WHERE id = ?1"))?
                .query_row([id], record)
                .optional()?;
            row.map(with_extra).transpose()
        })
    }

    fn app_package(&self, id: &str) -> Result<Option<Vec<u8>>> {
        self.read(|c| {
            Ok(c.prepare_cached("SELECT package FROM apps WHERE id = ?1")?
                .query_row([id], |r| r.get::<_, Vec<u8>>(0))
                .optional()?)
        })
    }

    fn put_app(&self, r: &AppRecord, package: &[u8]) -> Result<()> {
        let mut values = columns(r)?;
        values.push(SqlValue::Blob(package.to_vec()));
        self.execute(
            &format!(
                "INSERT INTO apps ({COLUMNS}, package) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
                 ON CONFLICT(id) DO UPDATE SET package = ?10, {SET_COLUMNS}"
            ),
            params_from_iter(values),
        )
    }

    fn update_app_record(&self, r: &AppRecord) -> Result<bool> {
        let values = columns(r)?;
        self.write(|tx| {
            let changed =
                tx.execute(&format!("UPDATE apps SET {SET_COLUMNS} WHERE id = ?1"), params_from_iter(values))?;
            Ok(changed > 0)
        })
    }

    fn delete_app(&self, id: &str) -> Result<()> {
        self.write(|tx| {
            tx.execute("DELETE FROM apps WHERE id = ?1", [id])?;
            tx.execute("DELETE FROM app_data WHERE app_id = ?1", [id])?;
            tx.execute("DELETE FROM app_data_associations WHERE app_id = ?1", [id])?;
            Ok(())
        })
    }

    fn app_datum(&self, app_id: &str, key: &str, now: i64) -> Result<Option<AppDatum>> {
        self.read(|c| {
            let sql = format!("SELECT {DATA_COLUMNS} FROM app_data WHERE app_id = ?1 AND key = ?2 AND {LIVE}");
            Ok(c.prepare_cached(&sql)?.query_row(params![app_id, key, now], datum).optional()?)
        })
    }

    fn put_app_datum(
        &self,
        app_id: &str,
        d: &AppDatum,
        expected: Option<u64>,
        quota_bytes: usize,
        now: i64,
    ) -> Result<Option<u64>> {
        self.write(|tx| {
            // An expired record is gone: writing over it starts again at version 1.
            tx.execute(
                "DELETE FROM app_data WHERE app_id = ?1 AND key = ?2 AND expires_at IS NOT NULL AND expires_at <= ?3",
                params![app_id, d.key, now],
            )?;
            let current: Option<u64> = tx
                .prepare_cached("SELECT version FROM app_data WHERE app_id = ?1 AND key = ?2")?
                .query_row(params![app_id, d.key], |r| r.get(0))
                .optional()?;
            if expected.is_some_and(|want| want != current.unwrap_or(0)) {
                return Ok(None);
            }
            let size = d.key.len() + d.value.len();
            let others: i64 = tx
                .prepare_cached("SELECT COALESCE(SUM(size), 0) FROM app_data WHERE app_id = ?1 AND key != ?2")?
                .query_row(params![app_id, d.key], |r| r.get(0))?;
            if others as usize + size > quota_bytes {
                return Err(Kind::AppStorageQuota.into());
            }
            let version = current.unwrap_or(0) + 1;
            tx.execute(
                "INSERT INTO app_data (app_id, key, value, associations, version, expires_at, size, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                 ON CONFLICT(app_id, key) DO UPDATE SET value = excluded.value,
                     associations = excluded.associations, version = excluded.version,
                     expires_at = excluded.expires_at, size = excluded.size",
                params![app_id, d.key, d.value, encode(&d.associations)?, version, d.expires_at, size, now],
            )?;
            tx.execute("DELETE FROM app_data_associations WHERE app_id = ?1 AND key = ?2", params![app_id, d.key])?;
            for (kind, id) in &d.associations {
                tx.execute(
                    "INSERT OR IGNORE INTO app_data_associations (app_id, kind, id, key) VALUES (?1, ?2, ?3, ?4)",
                    params![app_id, kind, id, d.key],
                )?;
            }
            Ok(Some(version))
        })
    }

    fn delete_app_datum(&self, app_id: &str, key: &str, now: i64) -> Result<bool> {
        self.write(|tx| {
            let live = tx.execute(
                &format!("DELETE FROM app_data WHERE app_id = ?1 AND key = ?2 AND {LIVE}"),
                params![app_id, key, now],
            )?;
            tx.execute("DELETE FROM app_data WHERE app_id = ?1 AND key = ?2", params![app_id, key])?;
            tx.execute("DELETE FROM app_data_associations WHERE app_id = ?1 AND key = ?2", params![app_id, key])?;
            Ok(live > 0)
        })
    }

    fn find_app_data(
        &self,
        app_id: &str,
        associations: &[Association],
        limit: usize,
        now: i64,
    ) -> Result<Vec<AppDatum>> {
        self.read(|c| {
            let (filter, mut args) = associated(app_id, associations);
            args.push(SqlValue::Integer(now));
            args.push(SqlValue::Integer(limit as i64));
            let sql = format!(
                "SELECT {DATA_COLUMNS} FROM app_data WHERE {filter} AND {LIVE_AT}
                 ORDER BY created_at, key LIMIT ?"
            );
            let mut stmt = c.prepare(&sql)?;
            let rows = stmt.query_map(params_from_iter(args), datum)?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    fn delete_app_data_by_association(&self, app_id: &str, associations: &[Association]) -> Result<usize> {
        self.write(|tx| {
            let (filter, args) = associated(app_id, associations);
            let keys: Vec<String> = {
                let mut stmt = tx.prepare(&format!("SELECT key FROM app_data WHERE {filter}"))?;
                let rows = stmt.query_map(params_from_iter(args), |r| r.get(0))?;
                rows.collect::<rusqlite::Result<_>>()?
            };
            for key in &keys {
                tx.execute("DELETE FROM app_data WHERE app_id = ?1 AND key = ?2", params![app_id, key])?;
                tx.execute("DELETE FROM app_data_associations WHERE app_id = ?1 AND key = ?2", params![app_id, key])?;
            }
            Ok(keys.len())
        })
    }

    fn delete_expired_app_data(&self, now: i64) -> Result<usize> {
        self.write(|tx| {
            tx.execute(
                "DELETE FROM app_data_associations WHERE (app_id, key) IN
                     (SELECT app_id, key FROM app_data WHERE expires_at IS NOT NULL AND expires_at <= ?1)",
                [now],
            )?;
            Ok(tx.execute("DELETE FROM app_data WHERE expires_at IS NOT NULL AND expires_at <= ?1", [now])?)
        })
    }
}

/// The columns [`datum`] reads.
const DATA_COLUMNS: &str = "key, value, associations, version, expires_at";
/// A record not expired at `?3`.
const LIVE: &str = "(expires_at IS NULL OR expires_at > ?3)";
/// A record not expired at the next positional parameter.
const LIVE_AT: &str = "(expires_at IS NULL OR expires_at > ?)";

fn datum(r: &Row<'_>) -> rusqlite::Result<AppDatum> {
    let associations: String = r.get(2)?;
    Ok(AppDatum {
        key: r.get(0)?,
        value: r.get(1)?,
        associations: serde_json::from_str(&associations).unwrap_or_default(),
        version: r.get(3)?,
        expires_at: r.get(4)?,
    })
}

/// The filter of an app's records having every one of `associations`, and its arguments.
fn associated(app_id: &str, associations: &[Association]) -> (String, Vec<SqlValue>) {
    let mut filter = String::from("app_id = ?");
    let mut args = vec![SqlValue::Text(app_id.to_string())];
    for (kind, id) in associations {
        filter.push_str(" AND key IN (SELECT key FROM app_data_associations WHERE app_id = ? AND kind = ? AND id = ?)");
        args.extend([app_id, kind, id].map(|v| SqlValue::Text(v.to_string())));
    }
    (filter, args)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn apps_round_trip_and_keep_their_package() {
        let dir = std::env::temp_dir().join(format!("orbit-apps-store-{}", crate::ids::random_id()));
        let store = SqliteStore::open(&dir).unwrap();
        let mut record = AppRecord {
            id: "6f1d0c3e-8a0b-4c55-9a57-2f3b7c1e9d01".into(),
            manifest: json!({"name": "Hello"}),
            package_sha256: "abc".into(),
            status: "manually_enabled".into(),
            failure: None,
            settings: serde_json::Map::new(),
            installed_at: Date(1),
            updated_at: Date(2),
            bot_user_id: Some("BOT".into()),
            source: AppSource::Folder { path: "/x/hello.zip".into() },
            icon: None,
        };
        store.put_app(&record, b"zip bytes").unwrap();
        record.status = "manually_disabled".into();
        record.settings.insert("greeting".into(), json!("Hi"));
        assert!(store.update_app_record(&record).unwrap());
        let back = store.app_record(&record.id).unwrap().unwrap();
        assert_eq!(back.status, "manually_disabled");
        assert_eq!(back.settings["greeting"], "Hi");
        assert_eq!(back.source, record.source);
        assert_eq!(back.bot_user_id.as_deref(), Some("BOT"));
        assert_eq!(store.app_package(&record.id).unwrap().unwrap(), b"zip bytes");
        assert_eq!(store.app_records().unwrap().len(), 1);
        store.delete_app(&record.id).unwrap();
        assert!(store.app_record(&record.id).unwrap().is_none());
        assert!(!store.update_app_record(&record).unwrap());
        let _ = std::fs::remove_dir_all(dir);
    }
}
