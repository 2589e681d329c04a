//! Account preferences (`settings.preferences` of a user): what `users.getPreferences` shows and
//! `users.setPreferences` saves.
//!
//! A user's preferences are the `Accounts_Default_User_Preferences_*` defaults overlaid with what
//! the user saved, plus `language` (kept on the user document, as upstream). Only the keys of
//! Rocket.Chat's account-settings document are accepted, each with its type.

use std::sync::Arc;

use serde_json::{Map, Value, json};

use super::Services;
use crate::bus::Event;
use crate::error::{Kind as ErrorKind, Result};
use crate::models::User;
use crate::time::Date;

/// Preference operations.
pub struct Preferences<'a>(pub &'a Services);

impl Services {
    /// Preference operations.
    pub fn preferences(&self) -> Preferences<'_> {
        Preferences(self)
    }
}

/// The type a preference value must have.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Str,
    Num,
    Bool,
    /// A list of strings (`highlights`).
    Strings,
    /// A list of objects whose listed fields are strings or booleans (`dontAskAgainList`,
    /// `featuresPreview`).
    Objects(&'static [(&'static str, Kind)]),
    /// One of the listed strings.
    OneOf(&'static [&'static str]),
}

/// The keys of the account-settings document and their types (`UsersSetPreferencesParamsPOST`).
const KEYS: &[(&str, Kind)] = &[
    ("newRoomNotification", Kind::Str),
    ("newMessageNotification", Kind::Str),
    ("clockMode", Kind::Num),
    ("useEmojis", Kind::Bool),
    ("convertAsciiEmoji", Kind::Bool),
    ("alsoSendThreadToChannel", Kind::OneOf(&["default", "always", "never"])),
    ("saveMobileBandwidth", Kind::Bool),
    ("collapseMediaByDefault", Kind::Bool),
    ("autoImageLoad", Kind::Bool),
    ("emailNotificationMode", Kind::Str),
    ("unreadAlert", Kind::Bool),
    ("notificationsSoundVolume", Kind::Num),
    ("desktopNotifications", Kind::Str),
    ("pushNotifications", Kind::Str),
    ("enableAutoAway", Kind::Bool),
    ("highlights", Kind::Strings),
    ("showThreadsInMainChannel", Kind::Bool),
    ("desktopNotificationRequireInteraction", Kind::Bool),
    ("hideUsernames", Kind::Bool),
    ("hideRoles", Kind::Bool),
    ("displayAvatars", Kind::Bool),
    ("hideFlexTab", Kind::Bool),
    ("sendOnEnter", Kind::Str),
    ("language", Kind::Str),
    ("sidebarShowFavorites", Kind::Bool),
    ("sidebarShowUnread", Kind::Bool),
    ("sidebarSortby", Kind::Str),
    ("sidebarViewMode", Kind::Str),
    ("sidebarDisplayAvatar", Kind::Bool),
    ("sidebarGroupByType", Kind::Bool),
    ("muteFocusedConversations", Kind::Bool),
    ("dontAskAgainList", Kind::Objects(&[("action", Kind::Str), ("label", Kind::Str)])),
    ("featuresPreview", Kind::Objects(&[("name", Kind::Str), ("value", Kind::Bool)])),
    ("themeAppearence", Kind::Str),
    ("fontSize", Kind::Str),
    ("receiveLoginDetectionEmail", Kind::Bool),
    ("notifyCalendarEvents", Kind::Bool),
    ("idleTimeLimit", Kind::Num),
    ("idleTimeLimitH", Kind::Num),
    ("idleTimeLimitM", Kind::Num),
    ("idleTimeLimitS", Kind::Num),
    ("omnichannelTranscriptEmail", Kind::Bool),
    ("omnichannelTranscriptPDF", Kind::Bool),
    ("omnichannelHideConversationAfterClosing", Kind::Bool),
    ("enableMobileRinging", Kind::Bool),
    ("mentionsWithSymbol", Kind::Bool),
];

/// `value` as a `kind`, with the loose coercions form-encoded clients rely on (`"true"` for a
/// boolean, `"5"` for a number, a number for a string); `None` when it cannot be one.
fn coerce(kind: Kind, value: &Value) -> Option<Value> {
    match (kind, value) {
        (Kind::Str, Value::String(_)) => Some(value.clone()),
        (Kind::Str, Value::Number(n)) => Some(json!(n.to_string())),
        (Kind::Str, Value::Bool(b)) => Some(json!(b.to_string())),
        (Kind::Num, Value::Number(_)) => Some(value.clone()),
        (Kind::Num, Value::String(s)) => {
            let s = s.trim();
            s.parse::<i64>()
                .map(|n| json!(n))
                .ok()
                .or_else(|| s.parse::<f64>().ok().filter(|f| f.is_finite()).map(|f| json!(f)))
        }
        (Kind::Num, Value::Bool(b)) => Some(json!(i64::from(*b))),
        (Kind::Bool, Value::Bool(_)) => Some(value.clone()),
        (Kind::Bool, Value::String(s)) => match s.as_str() {
            "true" | "1" => Some(json!(true)),
            "false" | "0" | "" => Some(json!(false)),
            _ => None,
        },
        (Kind::Bool, Value::Number(n)) => match n.as_i64() {
            Some(1) => Some(json!(true)),
            Some(0) => Some(json!(false)),
            _ => None,
        },
        (Kind::Strings, Value::Array(items)) => {
            items.iter().map(|v| coerce(Kind::Str, v)).collect::<Option<Vec<_>>>().map(Value::Array)
        }
        (Kind::Objects(fields), Value::Array(items)) => items
            .iter()
            .map(|item| {
                let obj = item.as_object()?;
                let mut out = obj.clone();
                for (name, kind) in fields {
                    if let Some(v) = obj.get(*name) {
                        out.insert((*name).to_string(), coerce(*kind, v)?);
                    }
                }
                Some(Value::Object(out))
            })
            .collect::<Option<Vec<_>>>()
            .map(Value::Array),
        (Kind::OneOf(allowed), Value::String(s)) if allowed.contains(&s.as_str()) => Some(value.clone()),
        _ => None,
    }
}

/// Checks `data` against the account-settings document: every key known, every value of its
/// type (or `null`, which clears the preference). Returns the values to save, coerced.
pub fn validate(data: &Map<String, Value>) -> Result<Map<String, Value>> {
    let mut out = Map::new();
    for (key, value) in data {
        let Some((_, kind)) = KEYS.iter().find(|(k, _)| k == key) else {
            return Err(ErrorKind::InvalidParams
                .with_message(format!("must NOT have additional properties \"{key}\" [invalid-params]")));
        };
        if value.is_null() {
            out.insert(key.clone(), Value::Null);
            continue;
        }
        let value = coerce(*kind, value).ok_or_else(|| {
            let expected = match kind {
                Kind::Str | Kind::OneOf(_) => "string",
                Kind::Num => "number",
                Kind::Bool => "boolean",
                Kind::Strings | Kind::Objects(_) => "array",
            };
            ErrorKind::InvalidParams.with_message(format!("must be {expected} \"data.{key}\" [invalid-params]"))
        })?;
        out.insert(key.clone(), value);
    }
    Ok(out)
}

impl Preferences<'_> {
    /// The preferences of `user`: the `Accounts_Default_User_Preferences_*` defaults, what the
    /// user saved, and `language`.
    pub fn of(&self, user: &User) -> Map<String, Value> {
        let mut prefs = self.0.accounts().preferences(user);
        if let Some(language) = user.extra.get("language").filter(|l| l.is_string()) {
            prefs.insert("language".into(), language.clone());
        }
        prefs
    }

    /// `users.setPreferences`: `actor` saves preferences of `user_id` (another user's need
    /// `edit-other-user-info`). Unknown keys and values of the wrong type are refused; `null`
    /// clears a preference back to its default. Returns the updated user.
    pub fn set(&self, actor: &User, user_id: &str, data: &Map<String, Value>) -> Result<User> {
        let s = self.0;
        if actor.id != user_id && !s.authz().can(actor, "edit-other-user-info", None)? {
            return Err(ErrorKind::ActionNotAllowed.with_message("Editing user is not allowed"));
        }
        let mut data = validate(data)?;
        // Older clients' values, as upstream maps them.
        match data.get("emailNotificationMode").and_then(Value::as_str) {
            Some("all") => {
                data.insert("emailNotificationMode".into(), json!("mentions"));
            }
            Some("disabled") => {
                data.insert("emailNotificationMode".into(), json!("nothing"));
            }
            _ => {}
        }
        if data.get("idleTimeLimit").is_some_and(|v| !v.is_null()) {
            let part = |k: &str| data.get(k).and_then(Value::as_f64).unwrap_or(0.0);
            if part("idleTimeLimitH") * 3600.0 + part("idleTimeLimitM") * 60.0 + part("idleTimeLimitS") < 60.0 {
                return Err(ErrorKind::InvalidIdleTimeLimitValue.into());
            }
        }
        let mut fields = vec!["settings"];
        let user = s
            .store
            .modify_user(user_id, &mut |u| {
                let mut prefs = u.preferences();
                for (k, v) in &data {
                    if v.is_null() {
                        prefs.remove(k);
                    } else {
                        prefs.insert(k.clone(), v.clone());
                    }
                }
                if let Some(language) = data.get("language") {
                    if language.is_null() {
                        u.extra.remove("language");
                    } else {
                        u.extra.insert("language".into(), language.clone());
                    }
                }
                let mut settings = u.settings.clone().filter(Value::is_object).unwrap_or_else(|| json!({}));
                settings["preferences"] = Value::Object(prefs);
                u.settings = Some(settings);
                u.updated_at = Date::now();
            })?
            .ok_or_else(|| {
                ErrorKind::InvalidUser.with_message("The optional \"userId\" param provided does not match any users")
            })?;
        if data.contains_key("language") {
            fields.push("language");
        }
        s.bus.publish(Event::UserUpdated { user: Arc::new(user.clone()), fields });
        Ok(user)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_and_coercion() {
        let data = json!({"useEmojis": "false", "clockMode": "2", "highlights": ["a", 1], "language": "de"});
        let out = validate(data.as_object().unwrap()).unwrap();
        assert_eq!(
            Value::Object(out),
            json!({"useEmojis": false, "clockMode": 2, "highlights": ["a", "1"], "language": "de"})
        );
        for bad in [
            json!({"nope": 1}),
            json!({"useEmojis": "maybe"}),
            json!({"highlights": "x"}),
            json!({"clockMode": "soon"}),
            json!({"alsoSendThreadToChannel": "sometimes"}),
            json!({"dontAskAgainList": [{"action": 1, "label": {}}]}),
            json!({"featuresPreview": ["x"]}),
        ] {
            let err = validate(bad.as_object().unwrap()).unwrap_err();
            assert_eq!(err.id(), "error-invalid-params", "{bad}");
        }
        let cleared = validate(json!({"sidebarViewMode": null}).as_object().unwrap()).unwrap();
        assert_eq!(cleared["sidebarViewMode"], Value::Null);
    }
}
