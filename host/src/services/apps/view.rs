//! What admins read about installed apps: the REST shape of an app.

use orbit_apps::LoadedApp;
use serde_json::{Value, json};

use super::{Apps, status};
use crate::error::Result;
use crate::models::User;
use crate::store::{AppRecord, AppSource};

impl Apps<'_> {
    /// `GET /api/apps`: every installed app (`manage-apps`).
    pub fn list(&self, user: &User) -> Result<Vec<Value>> {
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
    pub fn get(&self, user: &User, id: &str) -> Result<Value> {
        self.require_admin(user)?;
        Ok(self.view(&self.record(id)?))
    }

    /// The REST shape of an app: its manifest (`IAppInfo`) plus status, why it failed, its
    /// commands and runtime health.
    pub fn view(&self, record: &AppRecord) -> Value {
        let mut v = match &record.manifest {
            Value::Object(o) => Value::Object(o.clone()),
            _ => json!({"id": record.id}),
        };
        let loaded = self.0.apps.runtime().and_then(|r| r.app(&record.id));
        let commands: Vec<String> = loaded
            .as_ref()
            .and_then(LoadedApp::provides)
            .map(|p| p.commands.into_iter().map(|c| c.command).collect())
            .unwrap_or_default();
        let health = loaded.as_ref().map(|app| {
            let h = app.health();
            json!({
                "failed": h.failed,
                "consecutiveFailures": h.consecutive_failures,
                "idleInstances": h.idle_instances,
                "compiled": {
                    "source": format!("{:?}", app.compile_info().source).to_lowercase(),
                    "ms": app.compile_info().elapsed.as_millis() as u64,
                    "sha256": app.compile_info().sha256,
                },
            })
        });
        let source = match &record.source {
            AppSource::Upload => json!({"kind": "upload"}),
            AppSource::Folder { path } => json!({"kind": "folder", "path": path}),
            AppSource::Preload { path } => json!({"kind": "preload", "path": path}),
        };
        if let Some(o) = v.as_object_mut() {
            o.insert("status".into(), json!(record.status));
            o.insert("failureReason".into(), json!(record.failure));
            o.insert("enabled".into(), json!(status::is_enabled(&record.status)));
            o.insert("languages".into(), json!({}));
            o.insert("private".into(), json!(true));
            o.insert("migrated".into(), json!(false));
            o.insert("installedAt".into(), json!(record.installed_at.to_iso()));
            o.insert("updatedAt".into(), json!(record.updated_at.to_iso()));
            o.insert("source".into(), source);
            o.insert("commands".into(), json!(commands));
            o.insert("loaded".into(), json!(loaded.is_some()));
            o.insert("health".into(), health.unwrap_or(Value::Null));
            if let Some(icon) = &record.icon {
                o.insert("iconFileContent".into(), json!(icon));
            }
            if let Some(bot) = &record.bot_user_id {
                o.insert("botUserId".into(), json!(bot));
            }
        }
        v
    }
}
