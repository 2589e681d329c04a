//! Server settings: typed values with defaults, public or private, cached in memory.

use std::collections::HashMap;
use std::sync::Arc;

use parking_lot::RwLock;
use serde::Serialize;
use serde_json::{Value, json};

use super::Services;
use crate::bus::Event;
use crate::error::{Kind, Result};
use crate::models::{LoginService, User};
use crate::store::records;
use crate::time::Date;

/// Where login-service (OAuth) configurations are kept, as in Rocket.Chat's
/// `meteor_accounts_loginServiceConfiguration`.
const LOGIN_SERVICES: &str = "login_service_configuration";

/// A login service as `settings.oauth` lists it: custom ones whole, the others as their button.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum OAuthService {
    Custom(LoginService),
    Standard(Box<OAuthButton>),
}

/// The short form of a standard login service: what a login button needs.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OAuthButton {
    #[serde(rename = "_id")]
    pub id: String,
    pub name: String,
    /// The first of `appId`, `clientId`, `consumerKey` that is set (null when none is).
    pub client_id: Option<Value>,
    pub button_label_text: Value,
    pub button_color: Value,
    pub button_label_color: Value,
    /// Always `false`.
    pub custom: bool,
}

impl OAuthButton {
    fn of(mut s: LoginService) -> Self {
        let set = |k: &&str| s.fields.get(*k).filter(|v| !v.is_null()).cloned();
        let client_id = ["appId", "clientId", "consumerKey"].iter().find_map(set);
        let mut take = |key: &str| s.fields.remove(key).unwrap_or_else(|| json!(""));
        OAuthButton {
            button_label_text: take("buttonLabelText"),
            button_color: take("buttonColor"),
            button_label_color: take("buttonLabelColor"),
            id: s.id,
            name: s.service,
            client_id,
            custom: false,
        }
    }
}

fn is_hidden(doc: &Value) -> bool {
    doc["hidden"].as_bool() == Some(true)
}

fn is_public(doc: &Value) -> bool {
    doc["public"].as_bool() == Some(true)
}

/// All setting documents, by id. Reads never touch the database.
#[derive(Default)]
pub struct SettingsCache {
    docs: RwLock<HashMap<String, Arc<Value>>>,
}

impl SettingsCache {
    /// Replaces the cached document of one setting.
    pub fn put(&self, doc: Value) {
        if let Some(id) = doc.get("_id").and_then(Value::as_str) {
            self.docs.write().insert(id.to_string(), Arc::new(doc));
        }
    }

    /// The full document of a setting.
    pub fn doc(&self, id: &str) -> Option<Arc<Value>> {
        self.docs.read().get(id).cloned()
    }

    /// Every setting document, sorted by id.
    pub fn all(&self) -> Vec<Arc<Value>> {
        let mut v: Vec<_> = self.docs.read().values().cloned().collect();
        v.sort_by(|a, b| a["_id"].as_str().cmp(&b["_id"].as_str()));
        v
    }

    /// The value of a setting (`Null` when unknown).
    pub fn value(&self, id: &str) -> Value {
        self.docs.read().get(id).map(|d| d["value"].clone()).unwrap_or(Value::Null)
    }

    /// A boolean setting (false when unknown).
    pub fn bool(&self, id: &str) -> bool {
        self.value(id).as_bool().unwrap_or(false)
    }

    /// An integer setting, or `default` when unknown or not a number.
    pub fn int(&self, id: &str, default: i64) -> i64 {
        let v = self.value(id);
        v.as_i64().or_else(|| v.as_f64().map(|f| f as i64)).unwrap_or(default)
    }

    /// A string setting (empty when unknown).
    pub fn string(&self, id: &str) -> String {
        match self.value(id) {
            Value::String(s) => s,
            Value::Null => String::new(),
            other => other.to_string(),
        }
    }
}

/// Converts a text value (from `OVERWRITE_SETTING_*`) to the setting's type.
pub fn coerce_text(kind: &str, text: &str) -> Value {
    match kind {
        "boolean" => json!(matches!(text, "true" | "1" | "yes")),
        "int" => text.parse::<i64>().map(Value::from).unwrap_or_else(|_| json!(text)),
        _ => serde_json::from_str::<Value>(text)
            .ok()
            .filter(|v| v.is_array() || v.is_object())
            .unwrap_or_else(|| json!(text)),
    }
}

/// Checks that `value` fits the setting type.
fn type_matches(kind: &str, value: &Value) -> bool {
    match kind {
        "boolean" => value.is_boolean(),
        "int" => value.is_i64() || value.is_u64() || value.as_f64().is_some_and(|f| f.fract() == 0.0),
        "multiSelect" => value.is_array(),
        "action" | "group" => false,
        _ if value.is_null() => false,
        "select" => value.is_string() || value.is_number() || value.is_boolean(),
        "roomPick" => true,
        _ => value.is_string(),
    }
}

/// The settings domain.
pub struct Settings<'a>(pub &'a Services);

impl Services {
    /// Settings operations.
    pub fn settings(&self) -> Settings<'_> {
        Settings(self)
    }
}

impl Settings<'_> {
    /// Sets a setting's value after checking it exists and the value has its type. Publishes
    /// `SettingChanged`. Permission checks belong to the caller's service entry point.
    pub fn set_value(&self, id: &str, value: Value) -> Result<Arc<Value>> {
        let Some(doc) = self.0.settings.doc(id) else {
            return Err(Kind::InvalidSetting.with_message(format!("Invalid setting {id}")));
        };
        let kind = doc["type"].as_str().unwrap_or("string");
        let value = match (kind, &value) {
            ("int", Value::String(s)) => s.parse::<i64>().map(Value::from).map_err(|_| Kind::invalid_param("value"))?,
            ("boolean", Value::String(s)) if s == "true" || s == "false" => json!(s == "true"),
            ("string" | "code" | "password" | "relativeUrl" | "color" | "font" | "email", Value::Number(n)) => {
                json!(n.to_string())
            }
            _ => value,
        };
        if !type_matches(kind, &value) {
            return Err(Kind::InvalidSettingValue.with_message(format!("Invalid value for setting {id}")));
        }
        let mut doc = (*doc).clone();
        doc["value"] = value;
        doc["_updatedAt"] = serde_json::to_value(Date::now())?;
        self.0.store.put_setting(&doc)?;
        let public = doc["public"].as_bool().unwrap_or(false);
        self.0.settings.put(doc);
        let doc = self.0.settings.doc(id).expect("just inserted");
        self.0.bus.publish(Event::SettingChanged { setting: doc.clone(), public });
        Ok(doc)
    }
}

impl Settings<'_> {
    /// The public settings (`public: true`, not hidden): what anyone may read.
    pub fn public_docs(&self) -> Vec<Arc<Value>> {
        self.0.settings.all().into_iter().filter(|d| is_public(d) && !is_hidden(d)).collect()
    }

    /// The settings `user` may list: every non-hidden one with `view-privileged-setting`, the
    /// public ones otherwise.
    pub fn visible_docs(&self, user: &User) -> Result<Vec<Arc<Value>>> {
        if self.0.authz().can(user, "view-privileged-setting", None)? {
            Ok(self.0.settings.all().into_iter().filter(|d| !is_hidden(d)).collect())
        } else {
            Ok(self.public_docs())
        }
    }

    /// Whether `user` may follow changes of the private settings (`private-settings-changed`):
    /// a global `view-privileged-setting`, `edit-privileged-setting` or
    /// `manage-selected-settings`. Reads only the permission cache, so stream fan-out may ask
    /// it for every listener.
    pub fn can_watch_private(&self, user: &User) -> bool {
        ["view-privileged-setting", "edit-privileged-setting", "manage-selected-settings"]
            .iter()
            .any(|p| self.0.permissions.granted(p, &user.roles))
    }

    /// One setting for the administration (`view-privileged-setting`).
    pub fn privileged_doc(&self, user: &User, id: &str) -> Result<Arc<Value>> {
        self.0.authz().require(user, "view-privileged-setting", None)?;
        self.0
            .settings
            .doc(id)
            .filter(|d| !is_hidden(d))
            .ok_or_else(|| Kind::InvalidSetting.with_message(format!("Invalid setting {id}")))
    }

    /// `POST settings/:_id`: changes a setting as `user` (`edit-privileged-setting`). Hidden and
    /// unknown settings don't exist for this; settings forced by `OVERWRITE_SETTING_*` (blocked)
    /// can't be changed. A colour setting also takes its `editor` (`color` or `expression`).
    pub fn update(&self, user: &User, id: &str, value: Option<Value>, editor: Option<String>) -> Result<Arc<Value>> {
        self.0.authz().require(user, "edit-privileged-setting", None)?;
        let doc = self
            .0
            .settings
            .doc(id)
            .filter(|d| !is_hidden(d))
            .ok_or_else(|| Kind::InvalidSetting.with_message(format!("Invalid setting {id}")))?;
        if doc["blocked"].as_bool() == Some(true) {
            return Err(Kind::SettingBlocked.with_message(format!("The setting {id} is blocked and can't be changed")));
        }
        let value = value.ok_or_else(|| Kind::param_required("value"))?;
        if let Some(editor) = editor
            && doc["type"] == "color"
        {
            if !matches!(editor.as_str(), "color" | "expression") {
                return Err(Kind::invalid_param("editor"));
            }
            let mut with_editor = (*doc).clone();
            with_editor["editor"] = json!(editor);
            self.0.settings.put(with_editor);
        }
        self.set_value(id, value)
    }

    /// The configured login services (`settings.oauth`), without their secrets, in the short
    /// form Rocket.Chat gives for non-custom services.
    pub fn oauth_services(&self) -> Result<Vec<OAuthService>> {
        Ok(self
            .service_configurations()?
            .into_iter()
            .map(|s| {
                if s.is_custom() {
                    OAuthService::Custom(s)
                } else {
                    OAuthService::Standard(Box::new(OAuthButton::of(s)))
                }
            })
            .collect())
    }

    /// The login-service configurations (`service.configurations`), without secrets.
    pub fn service_configurations(&self) -> Result<Vec<LoginService>> {
        let mut services: Vec<LoginService> = records(self.0.store.docs(LOGIN_SERVICES)?)?;
        for s in &mut services {
            s.fields.remove("secret");
        }
        Ok(services)
    }
}
