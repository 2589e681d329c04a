//! Presence: user status (online, away, busy, offline) and room activity (typing).
//!
//! A user's `status` is derived from two inputs, as Rocket.Chat's presence service does:
//! `statusConnection`, the best status among the user's open realtime connections (the realtime
//! layer counts them and reports the aggregate here), and `statusDefault`, what the user chose.
//! Offline connections always win; otherwise a chosen status other than `online` wins. Every
//! change of `status` publishes [`Event::UserStatus`].

use serde::Serialize;
use serde_json::{Value, json};

use super::Services;
use crate::bus::Event;
use crate::error::{Kind, Result};
use crate::models::User;
use crate::time::Date;

/// A status, `offline` when unset.
fn or_offline(status: &str) -> String {
    if status.is_empty() { "offline" } else { status }.to_string()
}

/// `users.getStatus`: `{_id, message, status}`, plus `connectionStatus` for oneself.
#[derive(Debug, Clone, Serialize)]
pub struct StatusView {
    #[serde(rename = "_id")]
    pub id: String,
    pub message: String,
    pub status: String,
    #[serde(rename = "connectionStatus", skip_serializing_if = "Option::is_none")]
    pub connection_status: Option<String>,
}

/// `users.getPresence`: `{presence}`, plus `connectionStatus` and `lastLogin` for oneself.
#[derive(Debug, Clone, Serialize)]
pub struct PresenceView {
    pub presence: String,
    #[serde(rename = "connectionStatus", skip_serializing_if = "Option::is_none")]
    pub connection_status: Option<String>,
    #[serde(rename = "lastLogin", skip_serializing_if = "Option::is_none")]
    pub last_login: Option<Date>,
}

/// A user's presence as `users.presence` lists it.
#[derive(Debug, Clone, Serialize)]
pub struct UserPresence {
    #[serde(rename = "_id")]
    pub id: String,
    pub username: String,
    pub name: Option<String>,
    pub status: String,
    #[serde(rename = "utcOffset")]
    pub utc_offset: f64,
    #[serde(rename = "statusText", skip_serializing_if = "Option::is_none")]
    pub status_text: Option<String>,
    #[serde(rename = "avatarETag", skip_serializing_if = "Option::is_none")]
    pub avatar_etag: Option<String>,
}

impl UserPresence {
    fn of(u: &User) -> Self {
        UserPresence {
            id: u.id.clone(),
            username: u.username.clone(),
            name: u.name.clone(),
            status: u.status.clone(),
            utc_offset: u.utc_offset,
            status_text: u.status_text.clone(),
            avatar_etag: u.avatar_etag.clone(),
        }
    }
}

/// Presence operations.
pub struct Presence<'a>(pub &'a Services);

impl Services {
    /// Presence operations.
    pub fn presence(&self) -> Presence<'_> {
        Presence(self)
    }
}

/// The statuses a user may choose.
pub const STATUSES: [&str; 4] = ["online", "away", "busy", "offline"];

/// The longest status message, as Rocket.Chat's `USER_STATUS_TEXT_MAX_LENGTH`.
pub const STATUS_TEXT_MAX_LENGTH: usize = 120;

/// The numeric code streams use: 0 offline, 1 online, 2 away, 3 busy.
pub fn status_code(status: &str) -> u8 {
    match status {
        "online" => 1,
        "away" => 2,
        "busy" => 3,
        _ => 0,
    }
}

/// The status shown to others, from the connection aggregate and the chosen default.
pub fn effective_status(connection: &str, default: Option<&str>) -> String {
    if connection == "offline" {
        return "offline".into();
    }
    match default {
        None | Some("online") => connection.to_string(),
        Some(chosen) => chosen.to_string(),
    }
}

/// The best status among connections: any `online` makes it online, else any `away`, else offline.
pub fn aggregate<'s>(statuses: impl IntoIterator<Item = &'s str>) -> &'static str {
    let mut best = "offline";
    for s in statuses {
        match s {
            "online" => return "online",
            "away" => best = "away",
            _ => {}
        }
    }
    best
}

impl Presence<'_> {
    /// Records the aggregate status of a user's realtime connections (`online`, `away` or
    /// `offline`) and recomputes `status`. Unknown users are ignored (they may have been deleted
    /// while connected).
    pub fn set_connection_status(&self, user_id: &str, connection: &str) -> Result<Option<User>> {
        let mut changed = false;
        let user = self.0.store.modify_user(user_id, &mut |u| {
            let status = effective_status(connection, u.status_default.as_deref());
            changed = u.status != status;
            if changed || u.status_connection != connection {
                u.status_connection = connection.to_string();
                u.status = status;
                u.updated_at = crate::time::Date::now();
            }
        })?;
        Ok(user.map(|u| self.announce(u, changed)))
    }

    /// `UserPresence:setDefaultStatus` and `users.setStatus`: the user chooses a status, shown
    /// while they are connected. Fails with `error-invalid-status` for anything but the four
    /// statuses.
    pub fn set_default_status(&self, user: &User, status: &str) -> Result<User> {
        if !STATUSES.contains(&status) {
            return Err(Kind::InvalidStatus.with_message("Invalid status").with_details(serde_json::json!({
                "method": "UserPresence:setDefaultStatus"
            })));
        }
        let mut changed = false;
        let user = self
            .0
            .store
            .modify_user(&user.id, &mut |u| {
                u.status_default = Some(status.to_string());
                let effective = effective_status(&u.status_connection, Some(status));
                changed = u.status != effective;
                u.status = effective;
                u.updated_at = crate::time::Date::now();
            })?
            .ok_or(Kind::InvalidUser)?;
        Ok(self.announce(user, changed))
    }

    /// Sets the status message shown next to the user's status (`statusText`): trimmed and cut
    /// to [`STATUS_TEXT_MAX_LENGTH`] characters, as upstream's `setStatusText`; an empty text
    /// clears it. Publishes the status only when the message changed.
    pub fn set_status_text(&self, user: &User, text: &str) -> Result<User> {
        let text: String = text.trim().chars().take(STATUS_TEXT_MAX_LENGTH).collect();
        let mut changed = false;
        let user = self
            .0
            .store
            .modify_user(&user.id, &mut |u| {
                let new = (!text.is_empty()).then(|| text.clone());
                changed = u.status_text != new;
                if changed {
                    u.status_text = new;
                    u.updated_at = crate::time::Date::now();
                }
            })?
            .ok_or(Kind::InvalidUser)?;
        Ok(self.announce(user, changed))
    }

    /// `users.setStatus`: `actor` sets the chosen status (`online`, `away`, `busy`, `offline`)
    /// and/or the status message of `target`. Needs `Accounts_AllowUserStatusMessageChange`;
    /// another user's status needs `edit-other-user-info`; `offline` (invisible) needs
    /// `Accounts_AllowInvisibleStatusOption`. The message is saved first, as upstream.
    pub fn set_status(&self, actor: &User, target: &User, status: Option<&str>, message: Option<&str>) -> Result<User> {
        let s = self.0;
        if !s.settings.bool("Accounts_AllowUserStatusMessageChange") {
            return Err(Kind::NotAllowed
                .with_message("Change status is not allowed")
                .with_details(json!({"method": "users.setStatus"})));
        }
        if actor.id != target.id && !s.authz().can(actor, "edit-other-user-info", None)? {
            return Err(super::authz::unauthorized());
        }
        if let Some(status) = status
            && !STATUSES.contains(&status)
        {
            return Err(Kind::InvalidStatus
                .with_message("Valid status types include online, away, offline, and busy.")
                .with_details(json!({"method": "users.setStatus"})));
        }
        if status == Some("offline") && !s.settings.bool("Accounts_AllowInvisibleStatusOption") {
            return Err(Kind::StatusNotAllowed.with_details(json!({"method": "users.setStatus"})));
        }
        let mut user = target.clone();
        if let Some(message) = message {
            user = self.set_status_text(&user, message)?;
        }
        if let Some(status) = status {
            user = self.set_default_status(&user, status)?;
        }
        Ok(user)
    }

    /// `users.getStatus`: `{_id, message, status}`, plus `connectionStatus` for oneself.
    pub fn status_view(&self, viewer: &User, user: &User) -> StatusView {
        StatusView {
            id: user.id.clone(),
            message: user.status_text.clone().unwrap_or_default(),
            status: or_offline(&user.status),
            connection_status: (viewer.id == user.id).then(|| or_offline(&user.status_connection)),
        }
    }

    /// `users.getPresence`: `{presence}`, plus `connectionStatus` and `lastLogin` (when the user
    /// has logged in) for oneself.
    pub fn presence_view(&self, viewer: &User, user: &User) -> PresenceView {
        let own = viewer.id == user.id;
        PresenceView {
            presence: or_offline(&user.status),
            connection_status: own.then(|| or_offline(&user.status_connection)),
            last_login: user.last_login.filter(|_| own),
        }
    }

    /// `users.presence`: with `ids`, those users who are not offline; with `from` less than ten
    /// minutes ago, every other user changed since then (offline ones too, so clients see them
    /// leave); otherwise every user who is not offline, with `full: true`. Nothing when
    /// `Presence_broadcast_disabled` is on. Returns the users and whether the list is full.
    pub fn presence_of(
        &self,
        viewer: &User,
        ids: Option<&[String]>,
        from: Option<Date>,
    ) -> Result<(Vec<UserPresence>, bool)> {
        let s = self.0;
        if s.settings.bool("Presence_broadcast_disabled") {
            return Ok((Vec::new(), true));
        }
        let not_offline = |u: &&User| matches!(u.status.as_str(), "online" | "away" | "busy");
        if let Some(ids) = ids {
            let users = s.store.users_by_ids(ids)?;
            return Ok((users.iter().filter(not_offline).map(UserPresence::of).collect(), false));
        }
        let all = s.store.all_users()?;
        if let Some(from) = from
            && Date::now().0 - from.0 < 10 * 60_000
        {
            let changed =
                all.iter().filter(|u| u.id != viewer.id && u.updated_at > from).map(UserPresence::of).collect();
            return Ok((changed, false));
        }
        Ok((all.iter().filter(not_offline).map(UserPresence::of).collect(), true))
    }

    /// At start no connection is open: every user whose stored status says otherwise goes offline
    /// (except `rocket.cat`, the built-in bot, which is always online). Returns how many changed.
    pub fn reset_all(&self) -> Result<usize> {
        let mut changed = 0;
        for user in self.0.store.all_users()? {
            if user.id == "rocket.cat" {
                continue;
            }
            if user.status_connection != "offline" || user.status != "offline" {
                self.set_connection_status(&user.id, "offline")?;
                changed += 1;
            }
        }
        Ok(changed)
    }

    /// Publishes the user's status when it changed; returns the user.
    fn announce(&self, user: User, changed: bool) -> User {
        if changed {
            self.0.bus.publish(Event::UserStatus { user: user.clone().into() });
        }
        user
    }

    /// A user starts or stops an activity in a room (`user-typing`, `user-recording`,
    /// `user-uploading`; an empty list means stopped). `username` must be the caller's username
    /// (or display name when `UI_Use_Real_Name` is on), and the caller must be able to read the
    /// room. Publishes [`Event::UserActivity`].
    pub fn notify_activity(
        &self,
        user: &User,
        rid: &str,
        username: &str,
        activities: Vec<String>,
        extra: Value,
    ) -> Result<()> {
        let expected =
            if self.0.settings.bool("UI_Use_Real_Name") { user.display_name() } else { user.username.as_str() };
        if username != expected {
            return Err(Kind::Forbidden.into());
        }
        const KNOWN: [&str; 3] = ["user-typing", "user-recording", "user-uploading"];
        if activities.iter().any(|a| !KNOWN.contains(&a.as_str())) {
            return Err(Kind::invalid_param("activities"));
        }
        self.0.rooms().readable(user, rid)?;
        self.0.bus.publish(Event::UserActivity {
            rid: rid.to_string(),
            username: username.to_string(),
            activities,
            extra,
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_rules() {
        assert_eq!(effective_status("offline", Some("busy")), "offline");
        assert_eq!(effective_status("online", Some("busy")), "busy");
        assert_eq!(effective_status("away", Some("online")), "away");
        assert_eq!(effective_status("online", None), "online");
        assert_eq!(effective_status("online", Some("offline")), "offline");
        assert_eq!(aggregate(["away", "online"]), "online");
        assert_eq!(aggregate(["away", "away"]), "away");
        assert_eq!(aggregate([]), "offline");
        assert_eq!(status_code("busy"), 3);
        assert_eq!(status_code("whatever"), 0);
    }
}
