//! The slash commands of enabled apps (the first installed app providing a name owns it), and
//! the hooks they declared.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::json;

use super::{Apps, status};
use crate::services::app_hooks::{HookRegistry, HookedApp};
use crate::store::AppRecord;

/// A slash command provided by an enabled app.
#[derive(Debug, Clone, PartialEq)]
pub struct AppCommand {
    pub app_id: String,
    /// Without the slash, lowercase.
    pub command: String,
    /// Parameter hint (`params`).
    pub params: String,
    pub description: String,
    pub provides_preview: bool,
    /// Server permissions the invoking user needs (one of them); empty means anyone.
    pub permissions: Vec<String>,
}

impl Apps<'_> {
    /// Recomputes the commands of enabled apps; the first installed app keeps a name.
    pub fn rebuild_registry(&self) {
        let Ok(runtime) = self.runtime() else { return };
        let mut records: Vec<AppRecord> =
            self.0.apps.records.read().values().filter(|r| status::is_enabled(&r.status)).cloned().collect();
        records.sort_by(|a, b| (a.installed_at, &a.id).cmp(&(b.installed_at, &b.id)));
        let mut registry = BTreeMap::new();
        let mut hooks = HookRegistry::default();
        for record in records {
            let Some(app) = runtime.app(&record.id) else { continue };
            let points: Vec<_> = app.hooks().into_iter().map(|p| (p.event, p.phase)).collect();
            let hooked = HookedApp { app_id: record.id.clone(), bot_user_id: record.bot_user_id.clone() };
            let grants = app.manifest().grants();
            hooks.add(hooked, &points, |p| grants.allows(p));
            let Some(provides) = app.provides() else { continue };
            for c in provides.commands {
                registry.entry(c.command.clone()).or_insert_with(|| AppCommand {
                    app_id: record.id.clone(),
                    command: c.command,
                    params: c.params_example,
                    description: c.description,
                    provides_preview: c.provides_preview,
                    permissions: c.required_permissions,
                });
            }
        }
        *self.0.apps.hooks.write() = Arc::new(hooks);
        let previous = std::mem::replace(&mut *self.0.apps.registry.write(), Arc::new(registry.clone()));
        for (name, command) in &registry {
            match previous.get(name) {
                None => self.publish("command/added", json!(name)),
                Some(old) if old != command => self.publish("command/updated", json!(name)),
                Some(_) => {}
            }
        }
        for name in previous.keys().filter(|name| !registry.contains_key(*name)) {
            self.publish("command/removed", json!(name));
        }
    }
}
