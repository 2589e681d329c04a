//! Installing and updating apps: from an admin's upload, the apps folder or the preload
//! folder. A package is loaded into the runtime first; only then does anything change.

use base64::Engine as _;
use orbit_apps::{AppError, AppPackage, LogLevel, Manifest, PackageLimits};
use serde_json::{Value, json};

use super::view::AppView;
use super::{Apps, UNINSTALLED, app_not_found, status, watcher};
use crate::error::{Error, Kind, Result};
use crate::models::User;
use crate::services::accounts::NewUser;
use crate::store::{AppRecord, AppSource};
use crate::time::Date;

/// Turns a runtime error into the REST error an admin sees.
pub fn install_error(error: AppError) -> Error {
    let text = error.to_string();
    match error {
        AppError::Manifest(reason) if reason.contains("`requiredApiVersion`") && reason.contains("does not match") => {
            Kind::AppIncompatibleApi.with_message(text)
        }
        AppError::Manifest(_) => Kind::AppManifestInvalid.with_message(text),
        AppError::Package(_) => Kind::AppPackageInvalid.with_message(text),
        AppError::Component(_) => Kind::AppComponentInvalid.with_message(text),
        AppError::Compile(_) => Kind::AppCompileFailed.with_message(text),
        AppError::NotLoaded(id) => app_not_found(&id),
        _ => Kind::AppInitializeFailed.with_message(text),
    }
}

/// What an install or update changed.
enum Change {
    Install,
    Update,
}

impl Apps<'_> {
    /// `POST /api/apps`: installs a new app from a zip (`manage-apps`), enabled like upstream.
    /// An id that is already installed is refused: updates go through [`Apps::update`].
    pub fn install(&self, user: &User, zip: &[u8]) -> Result<AppView> {
        self.require_admin(user)?;
        let package = parse_package(zip)?;
        let _guard = self.0.apps.changes.lock();
        if self.0.apps.record(&package.manifest.id).is_some() {
            return Err(Kind::AppAlreadyInstalled.with_message(format!(
                "App {} ({}) is already installed; update it with POST /api/apps/{}",
                package.manifest.name, package.manifest.id, package.manifest.id
            )));
        }
        let record = self.apply(zip, package, AppSource::Upload, status::MANUALLY_ENABLED, Some(user))?;
        self.0.store.delete_doc(UNINSTALLED, &record.id)?;
        Ok(self.view(&record))
    }

    /// `POST /api/apps/:id`: replaces an installed app with a new package of the same id
    /// (`manage-apps`). Calls already running finish on the old version.
    pub fn update(&self, user: &User, id: &str, zip: &[u8]) -> Result<AppView> {
        self.require_admin(user)?;
        let package = parse_package(zip)?;
        let _guard = self.0.apps.changes.lock();
        let record = self.record(id)?;
        if package.manifest.id != id {
            return Err(
                Kind::AppIdMismatch.with_message(format!("The package is app {}, not {id}", package.manifest.id))
            );
        }
        let record = self.apply(zip, package, record.source, status::MANUALLY_ENABLED, Some(user))?;
        // The apps folder mirrors installed apps: its file gets the new version too, so the
        // folder does not bring the old one back at the next start.
        if let AppSource::Folder { path } = &record.source
            && let Err(error) = write_atomically(std::path::Path::new(path), zip)
        {
            tracing::warn!(app = %id, path, "could not write the update into the apps folder: {error}");
        }
        Ok(self.view(&record))
    }

    /// Installs or updates from the server itself (apps folder, preload). Returns the record, or
    /// `None` when the same package is already installed.
    pub fn install_or_update_from(&self, zip: &[u8], source: AppSource) -> Result<Option<AppRecord>> {
        let package = parse_package(zip)?;
        let _guard = self.0.apps.changes.lock();
        if let Some(existing) = self.0.apps.record(&package.manifest.id)
            && existing.package_sha256 == sha256_hex(zip)
        {
            if existing.source != source {
                let mut record = existing;
                record.source = source;
                self.save_record(record.clone())?;
                return Ok(Some(record));
            }
            return Ok(None);
        }
        self.apply(zip, package, source, status::AUTO_ENABLED, None).map(Some)
    }

    /// Loads a package into the runtime (swapping in the new version of an installed app),
    /// creates the bot user, enables the app unless an admin disabled it, and stores it. On any
    /// error before the runtime accepted the package, nothing changes.
    fn apply(
        &self,
        zip: &[u8],
        package: AppPackage,
        source: AppSource,
        enabled_status: &str,
        actor: Option<&User>,
    ) -> Result<AppRecord> {
        let runtime = self.runtime()?;
        let manifest = package.manifest.clone();
        let id = manifest.id.clone();
        let previous = self.0.apps.record(&id);
        let change = if previous.is_some() { Change::Update } else { Change::Install };
        let icon = icon_data_url(&manifest, package.icon.as_deref());
        let app = self.block_on(runtime.load(&id, package.manifest, package.component))?.map_err(install_error)?;
        let now = Date::now();
        let bot_user_id = match self.ensure_bot_user(&manifest, previous.as_ref().and_then(|p| p.bot_user_id.clone())) {
            Ok(bot) => Some(bot),
            Err(error) => {
                if previous.is_none() {
                    runtime.unload(&id);
                }
                return Err(error);
            }
        };
        let declared: Vec<String> =
            app.provides().map(|p| p.settings.into_iter().map(|s| s.id).collect()).unwrap_or_default();
        let mut settings = previous.as_ref().map(|p| p.settings.clone()).unwrap_or_default();
        settings.retain(|k, _| declared.contains(k));
        let mut record = AppRecord {
            id: id.clone(),
            manifest: serde_json::to_value(&manifest)?,
            package_sha256: sha256_hex(zip),
            status: status::INITIALIZED.into(),
            failure: None,
            settings,
            installed_at: previous.as_ref().map_or(now, |p| p.installed_at),
            updated_at: now,
            bot_user_id,
            source,
            icon,
        };
        // An admin's "disabled" survives updates; any other state gets a fresh chance.
        let keep_disabled = previous.as_ref().is_some_and(|p| p.status == status::MANUALLY_DISABLED);
        if keep_disabled {
            record.status = status::MANUALLY_DISABLED.into();
        } else {
            let target = match previous.as_ref() {
                Some(p) if status::is_enabled(&p.status) => p.status.clone(),
                _ => enabled_status.to_string(),
            };
            self.enable_record(&mut record, &target);
        }
        if let Err(error) = self.0.store.put_app(&record, zip) {
            if previous.is_none() {
                runtime.unload(&id);
            }
            return Err(error);
        }
        self.0.apps.records.write().insert(id.clone(), record.clone());
        self.rebuild_registry();
        let by = actor.map(|u| format!(" by {}", u.username)).unwrap_or_default();
        let (what, event) = match change {
            Change::Install => ("installed", "app/added"),
            Change::Update => ("updated", "app/updated"),
        };
        self.publish(event, json!(id));
        self.server_log(
            &id,
            LogLevel::Info,
            &format!("{what} version {}{by}; status {}", manifest.version, record.status),
        );
        tracing::info!(app = %id, name = %manifest.name, version = %manifest.version, status = %record.status, "app {what}");
        Ok(record)
    }

    /// The app's bot user (`<nameSlug>.bot`, type and role `app`), created when missing.
    fn ensure_bot_user(&self, manifest: &Manifest, known: Option<String>) -> Result<String> {
        if let Some(id) = known
            && self.0.store.user_by_id(&id)?.is_some()
        {
            return Ok(id);
        }
        let base = format!("{}.bot", manifest.name_slug);
        for n in 0..100 {
            let username = if n == 0 { base.clone() } else { format!("{base}.{n}") };
            match self.0.store.user_by_username(&username)? {
                Some(user) if user.extra.get("appId").and_then(Value::as_str) == Some(manifest.id.as_str()) => {
                    return Ok(user.id);
                }
                Some(_) => continue,
                None => {}
            }
            let mut user = self.0.accounts().insert(NewUser {
                username,
                name: Some(manifest.name.clone()),
                roles: vec!["app".into()],
                kind: Some("app".into()),
                active: Some(true),
                ..Default::default()
            })?;
            user.extra.insert("appId".into(), json!(manifest.id));
            user.status = "online".into();
            user.status_connection = "online".into();
            self.0.store.update_user(&user)?;
            return Ok(user.id);
        }
        Err(Kind::AppUser.with_message(format!("No free username for the bot user of {}", manifest.name)))
    }

    /// Installs (or updates to a newer version) every `*.zip` of a folder, enabled. Problems
    /// are logged; they never stop the server.
    pub fn preload(&self, dir: &std::path::Path) {
        for path in watcher::zips_in(dir) {
            let outcome = std::fs::read(&path).map_err(|e| Error::Internal(e.into())).and_then(|zip| {
                let package = parse_package(&zip)?;
                if self.0.store.doc(UNINSTALLED, &package.manifest.id)?.is_some() {
                    return Ok(None);
                }
                if let Some(existing) = self.0.apps.record(&package.manifest.id) {
                    let installed = existing.manifest["version"].as_str().and_then(|v| semver::Version::parse(v).ok());
                    let offered = semver::Version::parse(&package.manifest.version).ok();
                    if !matches!((installed, offered), (Some(a), Some(b)) if b > a) {
                        return Ok(None);
                    }
                }
                self.install_or_update_from(&zip, AppSource::Preload { path: path.display().to_string() })
            });
            match outcome {
                Ok(Some(record)) => {
                    tracing::info!(path = %path.display(), app = %record.id, status = %record.status, "preloaded app")
                }
                Ok(None) => {}
                Err(error) => tracing::warn!(path = %path.display(), "preloading failed: {}", error.reason()),
            }
        }
    }
}

/// Reads a package with the default limits.
pub(super) fn parse_package(zip: &[u8]) -> Result<AppPackage> {
    AppPackage::from_zip(zip, &PackageLimits::default()).map_err(install_error)
}

/// Replaces a file through a temporary sibling and a rename, so readers never see half of it.
fn write_atomically(path: &std::path::Path, data: &[u8]) -> std::io::Result<()> {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("app.zip");
    let tmp = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    std::fs::write(&tmp, data)?;
    std::fs::rename(&tmp, path)
}

/// Hex SHA-256 of bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// The package icon as a `data:` URL.
fn icon_data_url(manifest: &Manifest, icon: Option<&[u8]>) -> Option<String> {
    let icon = icon?;
    let name = manifest.icon_file.as_deref().unwrap_or_default().to_ascii_lowercase();
    let mime = match name.rsplit('.').next() {
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("gif") => "image/gif",
        Some("svg") => "image/svg+xml",
        Some("webp") => "image/webp",
        _ => "image/png",
    };
    Some(format!("data:{mime};base64,{}", base64::engine::general_purpose::STANDARD.encode(icon)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn install_errors_name_their_cause() {
        let e = install_error(AppError::Manifest(
            "`requiredApiVersion` `^2.0.0` does not match this server's app API 0.1.0".into(),
        ));
        assert_eq!(e.id(), "error-app-incompatible-api");
        assert_eq!(install_error(AppError::Package("x".into())).id(), "error-app-package-invalid");
        assert_eq!(install_error(AppError::Component("x".into())).id(), "error-app-component-invalid");
        assert_eq!(install_error(AppError::Manifest("x".into())).id(), "error-app-manifest-invalid");
        assert_eq!(install_error(AppError::NotLoaded("x".into())).status(), 404);
    }
}
