//! What admins read about installed apps: the view of an app.

use orbit_apps::LoadedApp;
use serde::Serialize;
use serde_json::{Map, Value, json};

use super::{Apps, status};
use crate::error::Result;
use crate::models::User;
use crate::store::{AppRecord, AppSource};
use crate::time::{Date, as_iso};

impl Apps<'_> {
    /// `GET /api/apps`: every installed app (`manage-apps`).
    pub fn list(&self, user: &User) -> Result<Vec<AppView>> {
        self.require_admin(user)?;
        let mut records: Vec<AppRecord> = self.0.apps.records.read().values().cloned().collect();
        records.sort_by(|a, b| (a.installed_at, &a.id).cmp(&(b.installed_at, &b.id)));
        Ok(records.iter().map(|r| self.view(r)).collect())
    }

    /// `GET /api/apps/:id/icon`: the package icon as a data URL, for anyone (as upstream).
    pub fn icon(&self, id: &str) -> Result<String> {
        self.record(id)?.icon.ok_or_else(|| super::app_not_found(id))
    }

    /// Whether the apps platform is running (`appsLoaded` of `commands.list`).
    pub fn loaded(&self) -> bool {
        self.0.apps.runtime().is_some()
    }

    /// `GET /api/apps/:id` (`manage-apps`).
    pub fn get(&self, user: &User, id: &str) -> Result<AppView> {
        self.require_admin(user)?;
        Ok(self.view(&self.record(id)?))
    }

    /// An app as admins see it (see [`AppView`]).
    pub fn view(&self, record: &AppRecord) -> AppView {
        let mut manifest = match &record.manifest {
            Value::Object(o) => o.clone(),
            _ => Map::from_iter([("id".to_string(), json!(record.id))]),
        };
        // The view's own fields replace the manifest's of the same name.
        for key in AppView::OWN_KEYS {
            manifest.remove(key);
        }
        if record.icon.is_some() {
            manifest.remove("iconFileContent");
        }
        if record.bot_user_id.is_some() {
            manifest.remove("botUserId");
        }
        let loaded = self.0.apps.runtime().and_then(|r| r.app(&record.id));
        let commands = loaded
            .as_ref()
            .and_then(LoadedApp::provides)
            .map(|p| p.commands.into_iter().map(|c| c.command).collect())
            .unwrap_or_default();
        let health = loaded.as_ref().map(|app| {
            let h = app.health();
            let compiled = app.compile_info();
            AppHealthView {
                failed: h.failed,
                consecutive_failures: h.consecutive_failures,
                idle_instances: h.idle_instances,
                compiled: Compiled {
                    source: format!("{:?}", compiled.source).to_lowercase(),
                    ms: compiled.elapsed.as_millis() as u64,
                    sha256: compiled.sha256.clone(),
                },
            }
        });
        AppView {
            manifest,
            status: record.status.clone(),
            failure_reason: record.failure.clone(),
            enabled: status::is_enabled(&record.status),
            languages: Map::new(),
            private: true,
            migrated: false,
            installed_at: record.installed_at,
            updated_at: record.updated_at,
            source: record.source.clone(),
            commands,
            loaded: loaded.is_some(),
            health,
            icon_file_content: record.icon.clone(),
            bot_user_id: record.bot_user_id.clone(),
        }
    }
}

/// An installed app as admins see it: its manifest (`IAppInfo`) plus its status, why it
/// failed, its commands and runtime health.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppView {
    #[serde(flatten)]
    pub manifest: Map<String, Value>,
    /// Apps-Engine `AppStatus`.
    pub status: String,
    pub failure_reason: Option<String>,
    pub enabled: bool,
    /// Always empty.
    pub languages: Map<String, Value>,
    pub private: bool,
    pub migrated: bool,
    #[serde(serialize_with = "as_iso")]
    pub installed_at: Date,
    #[serde(serialize_with = "as_iso")]
    pub updated_at: Date,
    pub source: AppSource,
    pub commands: Vec<String>,
    pub loaded: bool,
    /// `null` when the app is not loaded.
    pub health: Option<AppHealthView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub icon_file_content: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bot_user_id: Option<String>,
}

impl AppView {
    /// The app's id (the manifest's `id`).
    pub fn id(&self) -> &str {
        self.manifest.get("id").and_then(Value::as_str).unwrap_or_default()
    }

    /// The keys always set by the view rather than the manifest.
    const OWN_KEYS: [&str; 12] = [
        "status",
        "failureReason",
        "enabled",
        "languages",
        "private",
        "migrated",
        "installedAt",
        "updatedAt",
        "source",
        "commands",
        "loaded",
        "health",
    ];
}

/// A loaded app's runtime health.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppHealthView {
    /// Why the app is failed (and refusing calls), if it is.
    pub failed: Option<String>,
    pub consecutive_failures: u32,
    pub idle_instances: usize,
    pub compiled: Compiled,
}

/// How a loaded app's code was compiled.
#[derive(Debug, Clone, Serialize)]
pub struct Compiled {
    /// Freshly compiled or read from the cache.
    pub source: String,
    /// Time to compile or to read the cache.
    pub ms: u64,
    /// Hex SHA-256 of the component.
    pub sha256: String,
}
