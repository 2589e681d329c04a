//! A user's own settings and presence as others see it: account preferences, status and
//! status message, and presence lookups.

use std::sync::Arc;

use serde_json::{Map, Value, json};

use super::Services;
use crate::bus::Event;
use crate::error::{Error, Result};
use crate::models::User;
use crate::time::Date;

/// Profile operations.
pub struct Profile<'a>(pub &'a Services);

impl Services {
    /// Profile operations.
    pub fn profile(&self) -> Profile<'_> {
        Profile(self)
    }
}

/// Preference keys of the account-settings document that have no server default.
const EXTRA_PREFERENCES: &[&str] = &[
    "language",
    "highlights",
    "clockMode",
    "dontAskAgainList",
    "fontSize",
    "notifyCalendarEvents",
    "enableMobileRinging",
    "mentionsWithSymbol",
    "omnichannelTranscriptPDF",
    "featuresPreview",
    "masterVolume",
    "notificationsSoundVolume",
    "voipRingerVolume",
    "hideMentionStatus",
];

/// The statuses a user may choose.
const STATUSES: &[&str] = &["online", "away", "busy", "offline"];

impl Profile<'_> {
    /// The preference keys `users.setPreferences` accepts: every
    /// `Accounts_Default_User_Preferences_*` key plus the client-only ones.
    fn known_preference(&self, key: &str) -> bool {
        EXTRA_PREFERENCES.contains(&key)
            || self.0.settings.all().iter().any(|d| {
                d["_id"].as_str().and_then(|id| id.strip_prefix("Accounts_Default_User_Preferences_")) == Some(key)
            })
    }

    /// `users.setPreferences`: `actor` saves preferences of `user_id` (others need
    /// `edit-other-user-info`). Unknown keys are refused. Returns the user.
    pub fn set_preferences(&self, actor: &User, user_id: &str, data: &Map<String, Value>) -> Result<User> {
        let s = self.0;
        if actor.id != user_id && !s.authz().can(actor, "edit-other-user-info", None)? {
            return Err(Error::bad("error-action-not-allowed", "Editing user is not allowed"));
        }
        if let Some(key) = data.keys().find(|k| !self.known_preference(k)) {
            return Err(Error::bad("error-invalid-params", format!("Unknown preference \"{key}\"")));
        }
        if let Some(h) = data.get("highlights")
            && !h.as_array().is_some_and(|a| a.iter().all(Value::is_string))
        {
            return Err(Error::invalid_param("highlights"));
        }
        let mut user = s.store.user_by_id(user_id)?.ok_or_else(|| Error::bad("error-invalid-user", "Invalid user"))?;
        let mut prefs = user.preferences();
        for (k, v) in data {
            if k == "language" {
                user.extra.insert("language".into(), v.clone());
            }
            prefs.insert(k.clone(), v.clone());
        }
        user.settings = Some(json!({"preferences": prefs}));
        user.updated_at = Date::now();
        s.store.update_user(&user)?;
        s.bus.publish(Event::UserUpdated { user: Arc::new(user.clone()), fields: vec!["settings"] });
        Ok(user)
    }

    /// `users.setStatus`: sets the chosen status (`online`, `away`, `busy`, `offline`) and/or
    /// the status message of `user_id` (others need `edit-other-user-info`).
    pub fn set_status(&self, actor: &User, user_id: &str, status: Option<&str>, message: Option<&str>) -> Result<User> {
        let s = self.0;
        if !s.settings.bool("Accounts_AllowUserStatusMessageChange") {
            return Err(Error::bad("error-not-allowed", "Change status is not allowed"));
        }
        if actor.id != user_id && !s.authz().can(actor, "edit-other-user-info", None)? {
            return Err(Error::bad("error-not-allowed", "Not allowed"));
        }
        let mut user = s.store.user_by_id(user_id)?.ok_or_else(|| Error::bad("error-invalid-user", "Invalid user"))?;
        if let Some(status) = status {
            if !STATUSES.contains(&status) {
                return Err(Error::bad(
                    "error-invalid-status",
                    "Valid status types include online, away, offline, and busy.",
                ));
            }
            if status == "offline" && !s.settings.bool("Accounts_AllowInvisibleStatusOption") {
                return Err(Error::bad("error-status-not-allowed", "Invisible status is disabled"));
            }
            user = s.presence().set_default_status(&user, status)?;
        }
        if let Some(message) = message {
            user = s.presence().set_status_text(&user, message)?;
        }
        Ok(user)
    }

    /// `users.getStatus`: `{_id, message, status}` (plus `connectionStatus` for oneself).
    pub fn status_view(&self, caller: &User, user: &User) -> Value {
        let mut v =
            json!({"_id": user.id, "message": user.status_text.clone().unwrap_or_default(), "status": user.status});
        if caller.id == user.id {
            v["connectionStatus"] = json!(user.status_connection);
        }
        v
    }

    /// `users.getPresence`: `{presence}` (plus `connectionStatus` and `lastLogin` for oneself).
    pub fn presence_view(&self, caller: &User, user: &User) -> Value {
        let mut v = json!({"presence": user.status});
        if caller.id == user.id {
            v["connectionStatus"] = json!(user.status_connection);
            v["lastLogin"] = json!(user.last_login);
        }
        v
    }

    /// `users.presence`: the given users (those not offline), or users not offline changed
    /// since `from` (within ten minutes), or every user not offline (`full`). Returns the
    /// users and whether the list is full.
    pub fn presence_of(&self, caller: &User, ids: Option<&[String]>, from: Option<Date>) -> Result<(Vec<Value>, bool)> {
        let view = |u: &User| {
            json!({"_id": u.id, "username": u.username, "name": u.name, "status": u.status,
                   "utcOffset": u.utc_offset, "statusText": u.status_text, "avatarETag": u.avatar_etag})
        };
        let not_offline = |u: &&User| u.status != "offline" && u.active;
        if let Some(ids) = ids {
            let users = self.0.store.users_by_ids(ids)?;
            return Ok((users.iter().filter(not_offline).map(view).collect(), false));
        }
        let all = self.0.store.all_users()?;
        if let Some(from) = from
            && Date::now().0 - from.0 < 10 * 60_000
        {
            let changed = all.iter().filter(|u| u.id != caller.id && u.updated_at > from).map(view).collect();
            return Ok((changed, false));
        }
        Ok((all.iter().filter(not_offline).map(view).collect(), true))
    }
}
