//! App settings: what the app declares (`provides().settings`), the values admins set
//! (stored with the app), and telling the app when they change.

use orbit_apps::LogLevel;
use orbit_apps::bindings::{AppProvides, SettingDef, SettingKind, SettingValue};
use serde::{Serialize, Serializer};
use serde_json::{Value, json};

use super::{Apps, status};
use crate::error::{Kind, Result};
use crate::models::User;
use crate::store::AppRecord;
use crate::time::Date;

/// An app setting as upstream's `ISetting`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppSetting {
    pub id: String,
    /// `boolean`, `string`, `int`, `number`, `code`, `color`, `password`, `select`, `multiSelect`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The app's default.
    pub package_value: Value,
    /// The admin's value, or the default.
    pub value: Value,
    pub required: bool,
    pub public: bool,
    pub i18n_label: String,
    pub i18n_description: String,
    /// The choices of a select.
    pub values: Vec<SettingChoice>,
}

/// A choice of a select setting.
#[derive(Debug, Clone, Serialize)]
pub struct SettingChoice {
    pub key: String,
    #[serde(rename = "i18nLabel")]
    pub i18n_label: String,
}

/// An app's settings in declaration order, serialized as `{<id>: ISetting}`.
#[derive(Debug, Clone, Default)]
pub struct AppSettings(pub Vec<AppSetting>);

impl Serialize for AppSettings {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|setting| (&setting.id, setting)))
    }
}

/// A setting that changed, and its new value.
#[derive(Debug, Clone, Serialize)]
pub struct SettingUpdate {
    pub id: String,
    pub value: Value,
}

impl Apps<'_> {
    /// What the current version of an app declares as settings.
    fn setting_defs(&self, id: &str) -> Vec<SettingDef> {
        self.runtime()
            .ok()
            .and_then(|r| r.app(id))
            .and_then(|a| a.provides())
            .map(|p: AppProvides| p.settings)
            .unwrap_or_default()
    }

    /// A setting's current value (the admin's, or the app's default); `None` if undeclared.
    pub fn setting_value(&self, id: &str, setting: &str) -> Option<Value> {
        let def = self.setting_defs(id).into_iter().find(|d| d.id == setting)?;
        let stored = self.0.apps.records.read().get(id).and_then(|r| r.settings.get(setting).cloned());
        Some(stored.unwrap_or_else(|| parse_json_text(&def.default_value)))
    }

    /// `GET /api/apps/:id/settings` (`manage-apps`): `{<id>: ISetting}` as upstream.
    pub fn settings(&self, user: &User, id: &str) -> Result<AppSettings> {
        self.require_admin(user)?;
        let record = self.record(id)?;
        Ok(AppSettings(self.setting_defs(id).iter().map(|d| setting_view(d, record.settings.get(&d.id))).collect()))
    }

    /// `GET /api/apps/:id/settings/:settingId` (`manage-apps`).
    pub fn setting(&self, user: &User, id: &str, setting: &str) -> Result<AppSetting> {
        self.settings(user, id)?.0.into_iter().find(|s| s.id == setting).ok_or_else(|| {
            Kind::AppSettingNotFound.with_message(format!("No Setting found on the App by the id of: \"{setting}\""))
        })
    }

    /// `POST /api/apps/:id/settings` (`manage-apps`): sets the given `(id, value)` pairs after
    /// checking each value against its declared type (all or nothing), then tells the app
    /// (`on-setting-updated`). Unknown ids and unchanged values are skipped. Returns the
    /// settings that changed.
    pub fn update_settings(&self, user: &User, id: &str, changes: Vec<(String, Value)>) -> Result<Vec<SettingUpdate>> {
        self.require_admin(user)?;
        let updated = {
            let _guard = self.0.apps.changes.lock();
            let mut record = self.record(id)?;
            let defs = self.setting_defs(id);
            let mut updated = Vec::new();
            for (setting, value) in changes {
                let Some(def) = defs.iter().find(|d| d.id == setting) else { continue };
                check_setting_value(def, &value)?;
                let current =
                    record.settings.get(&setting).cloned().unwrap_or_else(|| parse_json_text(&def.default_value));
                if current == value {
                    continue;
                }
                record.settings.insert(setting.clone(), value.clone());
                updated.push((def.clone(), value));
            }
            if updated.is_empty() {
                return Ok(Vec::new());
            }
            record.updated_at = Date::now();
            if record.status == status::INVALID_SETTINGS_DISABLED && self.missing_required_setting(&record).is_none() {
                self.enable_record(&mut record, status::MANUALLY_ENABLED);
            }
            self.save_record(record.clone())?;
            let names: Vec<&str> = updated.iter().map(|(d, _)| d.id.as_str()).collect();
            self.server_log(
                id,
                LogLevel::Info,
                &format!("settings changed by {}: {}", user.username, names.join(", ")),
            );
            updated
        };
        let runtime = self.runtime()?;
        let mut out = Vec::new();
        for (def, value) in updated {
            let text = serde_json::to_string(&value)?;
            if let Ok(Err(error)) =
                self.block_on(runtime.on_setting_updated(id, SettingValue { id: def.id.clone(), value: text }))
            {
                self.server_log(id, LogLevel::Warn, &format!("on-setting-updated({}) failed: {error}", def.id));
                self.note_failure(id);
            }
            let stored = Some(&value);
            self.publish("app/settingUpdated", json!({"appId": id, "setting": setting_view(&def, stored)}));
            out.push(SettingUpdate { id: def.id, value });
        }
        Ok(out)
    }

    pub(super) fn missing_required_setting(&self, record: &AppRecord) -> Option<String> {
        let defs = self.setting_defs(&record.id);
        defs.into_iter().filter(|d| d.required).find_map(|d| {
            let value = record.settings.get(&d.id).cloned().unwrap_or_else(|| parse_json_text(&d.default_value));
            let empty = match &value {
                Value::Null => true,
                Value::String(s) => s.is_empty(),
                Value::Array(a) => a.is_empty(),
                _ => false,
            };
            empty.then_some(d.id)
        })
    }
}

/// JSON text from an app (a default value), or the text itself when it isn't JSON.
fn parse_json_text(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_string()))
}

fn kind_name(kind: SettingKind) -> &'static str {
    match kind {
        SettingKind::Boolean => "boolean",
        SettingKind::String => "string",
        SettingKind::Int => "int",
        SettingKind::Number => "number",
        SettingKind::Code => "code",
        SettingKind::Color => "color",
        SettingKind::Password => "password",
        SettingKind::Select => "select",
        SettingKind::MultiSelect => "multiSelect",
    }
}

/// A declared setting with its stored value (or its default).
fn setting_view(def: &SettingDef, stored: Option<&Value>) -> AppSetting {
    let package_value = parse_json_text(&def.default_value);
    AppSetting {
        id: def.id.clone(),
        kind: kind_name(def.kind),
        value: stored.cloned().unwrap_or_else(|| package_value.clone()),
        package_value,
        required: def.required,
        public: def.public,
        i18n_label: def.label.clone(),
        i18n_description: def.description.clone(),
        values: def.options.iter().map(|o| SettingChoice { key: o.key.clone(), i18n_label: o.label.clone() }).collect(),
    }
}

/// Checks a new value against the setting's declared type and choices.
fn check_setting_value(def: &SettingDef, value: &Value) -> Result<()> {
    let keys: Vec<&str> = def.options.iter().map(|o| o.key.as_str()).collect();
    let ok = match def.kind {
        SettingKind::Boolean => value.is_boolean(),
        SettingKind::Int => value.is_i64() || value.is_u64(),
        SettingKind::Number => value.is_number(),
        SettingKind::String | SettingKind::Code | SettingKind::Color | SettingKind::Password => value.is_string(),
        SettingKind::Select => value.as_str().is_some_and(|v| keys.is_empty() || keys.contains(&v)),
        SettingKind::MultiSelect => value.as_array().is_some_and(|items| {
            items.iter().all(|i| i.as_str().is_some_and(|v| keys.is_empty() || keys.contains(&v)))
        }),
    };
    if ok {
        Ok(())
    } else {
        Err(Kind::InvalidSettingValue.with_message(format!(
            "Invalid value for the {} setting `{}`",
            kind_name(def.kind),
            def.id
        )))
    }
}

#[cfg(test)]
mod tests {
    use orbit_apps::bindings::SettingOption;

    use super::*;

    fn def(kind: SettingKind, options: &[&str]) -> SettingDef {
        SettingDef {
            id: "s".into(),
            kind,
            label: "S".into(),
            description: String::new(),
            default_value: "\"a\"".into(),
            required: false,
            public: false,
            options: options.iter().map(|k| SettingOption { key: k.to_string(), label: k.to_string() }).collect(),
        }
    }

    #[test]
    fn setting_values_follow_their_type() {
        assert!(check_setting_value(&def(SettingKind::Boolean, &[]), &json!(true)).is_ok());
        assert!(check_setting_value(&def(SettingKind::Boolean, &[]), &json!("true")).is_err());
        assert!(check_setting_value(&def(SettingKind::Int, &[]), &json!(3)).is_ok());
        assert!(check_setting_value(&def(SettingKind::Int, &[]), &json!(3.5)).is_err());
        assert!(check_setting_value(&def(SettingKind::Select, &["a", "b"]), &json!("b")).is_ok());
        assert!(check_setting_value(&def(SettingKind::Select, &["a", "b"]), &json!("c")).is_err());
        assert!(check_setting_value(&def(SettingKind::MultiSelect, &["a"]), &json!(["a"])).is_ok());
        assert!(check_setting_value(&def(SettingKind::MultiSelect, &["a"]), &json!(["x"])).is_err());
        let view = setting_view(&def(SettingKind::String, &[]), None);
        assert_eq!(view.value, "a");
        assert_eq!(view.package_value, "a");
    }
}
