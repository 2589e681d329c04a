//! An installed app's life: enabling (required settings, `on-enable`), status changes,
//! failures, uninstalling, and loading the stored apps at start.

use orbit_apps::{AppRuntime, LogLevel};
use serde_json::json;

use super::install::parse_package;
use super::view::AppView;
use super::{Apps, UNINSTALLED, install_error, status};
use crate::bus::Event;
use crate::error::{Kind, Result};
use crate::models::User;
use crate::store::{AppRecord, AppSource};
use crate::time::Date;

impl Apps<'_> {
    /// Enables a loaded app in `record`: checks required settings, calls `on-enable`, and sets
    /// the status (`target` on success, a disabled status with the reason otherwise).
    pub(super) fn enable_record(&self, record: &mut AppRecord, target: &str) {
        match self.runtime() {
            Ok(runtime) => self.enable_with(&runtime, record, target),
            Err(_) => {
                record.status = status::ERROR_DISABLED.into();
                record.failure = Some("the apps platform is not running".into());
            }
        }
    }

    pub(super) fn enable_with(&self, runtime: &AppRuntime, record: &mut AppRecord, target: &str) {
        record.failure = None;
        if let Some(missing) = self.missing_required_setting(record) {
            record.status = status::INVALID_SETTINGS_DISABLED.into();
            record.failure = Some(format!("the required setting `{missing}` has no value"));
            return;
        }
        if let Some(taken) = self.taken_command(runtime, &record.id) {
            record.status = status::ERROR_DISABLED.into();
            record.failure = Some(taken);
            return;
        }
        match self.block_on(runtime.on_enable(&record.id)) {
            Ok(Ok(true)) => record.status = target.to_string(),
            Ok(Ok(false)) => {
                record.status = status::MANUALLY_DISABLED.into();
                record.failure = Some("the app refused to be enabled (on-enable returned false)".into());
            }
            Ok(Err(error)) => {
                record.status = status::ERROR_DISABLED.into();
                record.failure = Some(format!("enabling failed: {error}"));
            }
            Err(error) => {
                record.status = status::ERROR_DISABLED.into();
                record.failure = Some(error.reason());
            }
        }
    }

    /// Why the app can't be enabled for its slash commands: one of them is already provided by
    /// another enabled app (a command has one owner; the first keeps it).
    fn taken_command(&self, runtime: &AppRuntime, id: &str) -> Option<String> {
        let provides = runtime.app(id)?.provides()?;
        let registry = self.0.apps.registry.read().clone();
        provides.commands.iter().find_map(|c| {
            let owner = registry.get(&c.command).filter(|owner| owner.app_id != id)?;
            Some(format!("the command /{} is already provided by the app `{}`", c.command, owner.app_id))
        })
    }

    /// `DELETE /api/apps/:id` (`manage-apps`): stops the app, removes its bot user and record.
    pub fn uninstall(&self, user: &User, id: &str) -> Result<AppView> {
        self.require_admin(user)?;
        let _guard = self.0.apps.changes.lock();
        let record = self.uninstall_locked(id, Some(user))?;
        match &record.source {
            // The folder mirrors installed apps: uninstalling removes the app's file.
            AppSource::Folder { path } => {
                if let Err(error) = std::fs::remove_file(path)
                    && error.kind() != std::io::ErrorKind::NotFound
                {
                    tracing::warn!(app = %id, path, "could not remove the package from the apps folder: {error}");
                }
            }
            // A preloaded app an admin removed is not preloaded again.
            AppSource::Preload { .. } => {
                self.0.store.put_doc(UNINSTALLED, id, &json!({"_id": id, "at": Date::now().0}))?;
            }
            AppSource::Upload => {}
        }
        let mut view = self.view(&record);
        view.status = status::DISABLED.into();
        Ok(view)
    }

    /// Uninstalls from the server itself (a file removed from the apps folder).
    pub fn uninstall_from_folder(&self, id: &str) -> Result<()> {
        let _guard = self.0.apps.changes.lock();
        self.uninstall_locked(id, None).map(|_| ())
    }

    fn uninstall_locked(&self, id: &str, actor: Option<&User>) -> Result<AppRecord> {
        let record = self.record(id)?;
        if let Ok(runtime) = self.runtime() {
            if status::is_enabled(&record.status) && runtime.app(id).is_some() {
                let _ = self.block_on(runtime.on_disable(id));
            }
            runtime.unload(id);
        }
        self.0.store.delete_app(id)?;
        self.0.apps.records.write().remove(id);
        self.rebuild_registry();
        if let Some(bot) = &record.bot_user_id
            && let Some(bot_user) = self.0.store.user_by_id(bot)?
        {
            self.0.store.delete_user(bot)?;
            self.0.bus.publish(Event::UserDeleted { user_id: bot_user.id, username: bot_user.username });
        }
        let by = actor.map(|u| format!(" by {}", u.username)).unwrap_or_default();
        self.server_log(id, LogLevel::Info, &format!("uninstalled{by}"));
        tracing::info!(app = %id, "app uninstalled");
        self.publish("app/removed", json!(id));
        Ok(record)
    }

    /// `POST /api/apps/:id/status` (`manage-apps`): `manually_enabled` (or `auto_enabled`)
    /// enables, `manually_disabled` (or `disabled`) disables. Enabling clears a failed state.
    /// Returns the resulting status, which is a disabled one with a reason when enabling failed.
    pub fn set_status(&self, user: &User, id: &str, wanted: &str) -> Result<String> {
        self.require_admin(user)?;
        let enable = match wanted {
            status::MANUALLY_ENABLED | status::AUTO_ENABLED => true,
            status::MANUALLY_DISABLED | status::DISABLED => false,
            _ => {
                return Err(Kind::InvalidStatus.with_message(format!(
                    "Invalid status `{wanted}`: use `manually_enabled` or `manually_disabled`"
                )));
            }
        };
        let _guard = self.0.apps.changes.lock();
        let mut record = self.record(id)?;
        let runtime = self.runtime()?;
        if enable {
            if runtime.app(id).is_none() {
                self.reload_from_store(&mut record);
            }
            if runtime.app(id).is_some() {
                self.enable_record(&mut record, status::MANUALLY_ENABLED);
            }
        } else {
            if status::is_enabled(&record.status)
                && runtime.app(id).is_some()
                && let Ok(Err(error)) = self.block_on(runtime.on_disable(id))
            {
                self.server_log(id, LogLevel::Warn, &format!("on-disable failed: {error}"));
            }
            record.status = status::MANUALLY_DISABLED.into();
            record.failure = None;
        }
        record.updated_at = Date::now();
        self.server_log(id, LogLevel::Info, &format!("status set to {} by {}", record.status, user.username));
        let result = record.status.clone();
        self.save_record(record)?;
        Ok(result)
    }

    /// `GET /api/apps/:id/status` (`manage-apps`).
    pub fn status(&self, user: &User, id: &str) -> Result<String> {
        self.require_admin(user)?;
        Ok(self.record(id)?.status)
    }

    /// Stores a changed record and refreshes the command registry.
    pub(super) fn save_record(&self, record: AppRecord) -> Result<()> {
        self.0.store.update_app_record(&record)?;
        let (id, status) = (record.id.clone(), record.status.clone());
        let previous = self.0.apps.records.write().insert(record.id.clone(), record);
        self.rebuild_registry();
        if previous.is_none_or(|p| p.status != status) {
            self.publish("app/statusUpdate", json!({"appId": id, "status": status}));
        }
        Ok(())
    }

    /// Called after an app call failed: once the runtime marked the app failed (too many
    /// consecutive failures), the app is disabled (`error-disabled`) with the reason, which
    /// `GET /api/apps` shows and which survives restarts.
    pub fn note_failure(&self, id: &str) {
        let Some(reason) = self.runtime().ok().and_then(|r| r.app(id)).and_then(|app| app.health().failed) else {
            return;
        };
        let _guard = self.0.apps.changes.lock();
        let Some(mut record) = self.0.apps.record(id) else { return };
        if record.status == status::ERROR_DISABLED {
            return;
        }
        record.status = status::ERROR_DISABLED.into();
        record.failure = Some(reason.clone());
        record.updated_at = Date::now();
        self.server_log(id, LogLevel::Error, &format!("disabled after repeated failures: {reason}"));
        tracing::error!(app = %id, "app disabled after repeated failures: {reason}");
        if let Err(error) = self.save_record(record) {
            tracing::error!(app = %id, "could not store the failed state: {error}");
        }
    }

    /// Loads every installed app from the database into the runtime, in its stored state.
    pub fn load_installed(&self) -> Result<()> {
        let records = self.0.store.app_records()?;
        {
            let mut map = self.0.apps.records.write();
            for r in &records {
                map.insert(r.id.clone(), r.clone());
            }
        }
        let _guard = self.0.apps.changes.lock();
        for mut record in records {
            let before = (record.status.clone(), record.failure.clone());
            self.reload_from_store(&mut record);
            let loaded = self.runtime().ok().and_then(|r| r.app(&record.id)).is_some();
            if loaded && status::is_enabled(&record.status) {
                let target = record.status.clone();
                self.enable_record(&mut record, &target);
            }
            if (record.status.clone(), record.failure.clone()) != before {
                record.updated_at = Date::now();
                if let Err(error) = self.0.store.update_app_record(&record) {
                    tracing::error!(app = %record.id, "could not store the app state: {error}");
                }
            }
            tracing::info!(app = %record.id, status = %record.status, "app loaded from the database");
            self.0.apps.records.write().insert(record.id.clone(), record);
        }
        self.rebuild_registry();
        Ok(())
    }

    /// Loads a stored package into the runtime. A package that no longer loads marks the app
    /// `compiler_error_disabled` with the reason.
    fn reload_from_store(&self, record: &mut AppRecord) {
        match self.runtime() {
            Ok(runtime) => self.reload_into(&runtime, record),
            Err(error) => {
                record.status = status::COMPILER_ERROR_DISABLED.into();
                record.failure = Some(error.reason());
            }
        }
    }

    pub(super) fn reload_into(&self, runtime: &AppRuntime, record: &mut AppRecord) {
        let outcome = (|| -> Result<()> {
            let zip = self
                .0
                .store
                .app_package(&record.id)?
                .ok_or_else(|| Kind::AppPackageInvalid.with_message("the stored package is missing"))?;
            let package = parse_package(&zip)?;
            self.block_on(runtime.load(&record.id, package.manifest, package.component))?.map_err(install_error)?;
            Ok(())
        })();
        match outcome {
            Ok(()) => {
                if record.status == status::COMPILER_ERROR_DISABLED {
                    record.status = status::MANUALLY_DISABLED.into();
                    record.failure = None;
                }
            }
            Err(error) => {
                let reason = error.reason();
                tracing::error!(app = %record.id, "stored app does not load: {reason}");
                self.server_log(&record.id, LogLevel::Error, &format!("does not load: {reason}"));
                record.status = status::COMPILER_ERROR_DISABLED.into();
                record.failure = Some(reason);
            }
        }
    }
}
