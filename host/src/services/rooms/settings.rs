//! Room settings (`saveRoomSettings` and the `set*` endpoints) and the system messages they record.

use serde_json::{Map, Value, json};

use super::*;
use crate::bus::ChangeAction;
use crate::error::{Kind, Result};
use crate::models::{Room, RoomType, User};
use crate::services::field_limits;
use crate::time::Date;

/// The settings [`Rooms::save_settings`] accepts (`saveRoomSettings`).
pub(super) const ROOM_SETTINGS: &[&str] = &[
    "roomName",
    "roomTopic",
    "roomAnnouncement",
    "roomCustomFields",
    "roomDescription",
    "roomType",
    "readOnly",
    "reactWhenReadOnly",
    "systemMessages",
    "default",
    "featured",
    "joinCode",
    "encrypted",
    "favorite",
];

impl Rooms<'_> {
    /// `saveRoomSettings`: applies one or more settings (`roomName`, `roomTopic`,
    /// `roomAnnouncement`, `roomDescription`, `roomCustomFields`, `roomType`, `readOnly`,
    /// `reactWhenReadOnly`, `systemMessages`, `default`, `featured`, `joinCode`, `encrypted`,
    /// `favorite`) with their permission checks and system messages. Returns the room.
    pub fn save_settings(&self, actor: &User, room: &Room, settings: &Map<String, Value>) -> Result<Room> {
        if settings.is_empty() || settings.keys().any(|k| !ROOM_SETTINGS.contains(&k.as_str())) {
            return Err(Kind::InvalidSettings.into());
        }
        let member = self.0.store.subscription(&room.id, &actor.id)?.is_some();
        let dm_topic = room.is_direct()
            && member
            && settings.keys().all(|k| matches!(k.as_str(), "roomTopic" | "roomAnnouncement" | "favorite"));
        if !dm_topic && !self.0.authz().can(actor, "edit-room", Some(&room.id))? {
            return Err(Kind::ActionNotAllowed.with_message("Editing room is not allowed"));
        }
        // Validation first, so a refused setting changes nothing.
        for (key, value) in settings {
            self.validate_setting(actor, room, key, value)?;
        }
        let now = Date::now();
        let mut messages: Vec<(&'static str, String)> = Vec::new();
        let mut renamed: Option<String> = None;
        let mut retyped: Option<RoomType> = None;
        let after = self
            .0
            .store
            .modify_room(&room.id, &mut |r| {
                messages.clear();
                for (key, value) in settings {
                    apply_setting(r, key, value, actor, &mut messages, &mut renamed, &mut retyped)?;
                }
                r.updated_at = now;
                Ok(())
            })?
            .ok_or_else(room_not_found)?;
        if renamed.is_some() || retyped.is_some() {
            let (name, fname, t) = (after.name.clone(), after.fname.clone(), after.t);
            let is_discussion = after.prid.is_some();
            let (_, subs) = self
                .0
                .store
                .modify_room_and_subscriptions(&room.id, &mut |_| Ok(()), &mut |s| {
                    if !is_discussion {
                        s.name = name.clone().unwrap_or_default();
                    }
                    s.fname = fname.clone();
                    s.t = t;
                    s.updated_at = now;
                    true
                })?
                .ok_or_else(room_not_found)?;
            for s in &subs {
                self.0.emit_subscription(ChangeAction::Updated, s);
            }
            if after.team_main
                && let Some(team_id) = &after.team_id
                && let Some(mut team) = self.0.store.team_by_id(team_id)?
            {
                if renamed.is_some() {
                    team.name = after.name.clone().unwrap_or_default();
                }
                team.kind = if after.t == RoomType::Private { 1 } else { 0 };
                team.updated_at = now;
                self.0.store.update_team(&team)?;
            }
        }
        self.0.emit_room(ChangeAction::Updated, &after);
        for (t, msg) in messages {
            self.0.system_messages().record(&after, t, &msg, actor, Map::new())?;
        }
        Ok(after)
    }

    /// One setting (`saveRoomSettings(rid, setting, value)`).
    pub fn save_setting(&self, actor: &User, room: &Room, key: &str, value: Value) -> Result<Room> {
        let mut m = Map::new();
        m.insert(key.to_string(), value);
        self.save_settings(actor, room, &m)
    }

    pub(super) fn validate_setting(&self, actor: &User, room: &Room, key: &str, value: &Value) -> Result<()> {
        let bad = || Kind::InvalidSettings.with_message(format!("Invalid value for setting {key}"));
        let dm_forbidden = room.is_direct()
            && matches!(
                key,
                "roomName"
                    | "roomType"
                    | "systemMessages"
                    | "roomDescription"
                    | "readOnly"
                    | "reactWhenReadOnly"
                    | "joinCode"
            );
        if dm_forbidden {
            return Err(Kind::ActionNotAllowed.with_message("Editing room is not allowed"));
        }
        match key {
            "roomName" => {
                let name = value.as_str().ok_or_else(bad)?;
                if room.prid.is_none() && room.name.as_deref() != Some(name.trim()) {
                    self.valid_name(name, Some(&room.id))?;
                }
                if name.trim().is_empty() {
                    return Err(bad());
                }
            }
            "roomTopic" | "roomAnnouncement" | "roomDescription" | "joinCode" => {
                if !value.is_string() && !value.is_null() {
                    return Err(bad());
                }
                if value.as_str().is_some_and(|t| t.chars().count() > field_limits::MAX_ROOM_TEXT_CHARS) {
                    return Err(Kind::RoomTextSizeExceeded.into());
                }
            }
            "roomCustomFields" => {
                let fields = value.as_object().ok_or_else(bad)?;
                field_limits::check_custom_fields(fields)?;
            }
            "roomType" => {
                let code = value.as_str().ok_or_else(bad)?;
                let Some(t) = RoomType::from_code(code).filter(|t| t.is_group_chat()) else {
                    return Err(Kind::InvalidRoomType.with_message(format!("{code} is not a valid room type")));
                };
                if t != room.t {
                    let team_room = match &room.team_id {
                        Some(team_id) => self.0.store.team_by_id(team_id)?.map(|t| t.room_id),
                        None => None,
                    };
                    match (&team_room, t) {
                        (None, RoomType::Channel) if !self.0.authz().can(actor, "create-c", None)? => {
                            return Err(Kind::ActionNotAllowed
                                .with_message("Changing a private group to a public channel is not allowed"));
                        }
                        (None, RoomType::Private) if !self.0.authz().can(actor, "create-p", None)? => {
                            return Err(Kind::ActionNotAllowed
                                .with_message("Changing a public channel to a private room is not allowed"));
                        }
                        (Some(tr), RoomType::Channel)
                            if !self.0.authz().can(actor, "create-team-channel", Some(tr))? =>
                        {
                            return Err(Kind::ActionNotAllowed
                                .with_message("Changing a team's private group to a public channel is not allowed"));
                        }
                        (Some(tr), RoomType::Private)
                            if !self.0.authz().can(actor, "create-team-group", Some(tr))? =>
                        {
                            return Err(Kind::ActionNotAllowed
                                .with_message("Changing a team's public channel to a private room is not allowed"));
                        }
                        _ => {}
                    }
                }
            }
            "readOnly" | "reactWhenReadOnly" => {
                let v = value.as_bool().ok_or_else(bad)?;
                let current = if key == "readOnly" {
                    room.ro
                } else {
                    room.extra.get("reactWhenReadOnly").and_then(Value::as_bool).unwrap_or(false)
                };
                let perm = if key == "readOnly" { "set-readonly" } else { "set-react-when-readonly" };
                if v != current && !self.0.authz().can(actor, perm, Some(&room.id))? {
                    return Err(Kind::ActionNotAllowed.with_message("Editing readOnly room is not allowed"));
                }
            }
            "systemMessages" => {
                value.as_bool().ok_or_else(bad)?;
            }
            "default" | "featured" => {
                if value.as_bool().is_none() && !value.is_string() {
                    return Err(bad());
                }
                if !self.0.authz().can(actor, "view-room-administration", None)? {
                    return Err(Kind::ActionNotAllowed.with_message("Viewing room administration is not allowed"));
                }
            }
            "encrypted" => {
                let v = value.as_bool().ok_or_else(bad)?;
                if v != room.encrypted {
                    if room.t != RoomType::Private && room.t != RoomType::Direct {
                        return Err(
                            Kind::ActionNotAllowed.with_message("Only groups or direct channels can enable encryption")
                        );
                    }
                    if room.t != RoomType::Direct
                        && !self.0.authz().can(actor, "toggle-room-e2e-encryption", Some(&room.id))?
                    {
                        return Err(
                            Kind::ActionNotAllowed.with_message("You do not have permission to toggle E2E encryption")
                        );
                    }
                }
            }
            "favorite" => {
                if !value.is_object() && !value.is_boolean() {
                    return Err(bad());
                }
            }
            _ => return Err(Kind::InvalidSettings.into()),
        }
        Ok(())
    }

    // ---------------------------------------------------------------- archive, delete, mute
}

/// Applies one validated setting to a room, recording the system messages to write.
#[allow(clippy::too_many_arguments)]
pub(super) fn apply_setting(
    r: &mut Room,
    key: &str,
    value: &Value,
    actor: &User,
    messages: &mut Vec<(&'static str, String)>,
    renamed: &mut Option<String>,
    retyped: &mut Option<RoomType>,
) -> Result<()> {
    let text = || value.as_str().unwrap_or("").to_string();
    match key {
        "roomName" => {
            let name = text().trim().to_string();
            let current = if r.prid.is_some() { r.fname.clone() } else { r.name.clone() };
            if current.as_deref() != Some(name.as_str()) {
                if r.prid.is_none() {
                    r.name = Some(name.clone());
                }
                r.fname = Some(name.clone());
                *renamed = Some(name.clone());
                messages.push(("r", name));
            }
        }
        "roomTopic" => {
            r.topic = Some(text());
            messages.push(("room_changed_topic", text()));
        }
        "roomAnnouncement" => {
            r.announcement = Some(text());
            messages.push(("room_changed_announcement", text()));
        }
        "roomDescription" => {
            r.description = Some(text());
            messages.push(("room_changed_description", text()));
        }
        "roomCustomFields" => {
            r.custom_fields = value.as_object().cloned();
        }
        "roomType" => {
            let t = RoomType::from_code(&text()).ok_or(Kind::InvalidRoomType)?;
            if t != r.t {
                r.t = t;
                messages.push((
                    "room_changed_privacy",
                    if t == RoomType::Channel { "public".into() } else { "private".into() },
                ));
                *retyped = Some(t);
            }
        }
        "readOnly" => {
            let v = value.as_bool().unwrap_or(false);
            if v != r.ro {
                r.ro = v;
                messages
                    .push((if v { "room-set-read-only" } else { "room-removed-read-only" }, actor.username.clone()));
            }
        }
        "reactWhenReadOnly" => {
            let v = value.as_bool().unwrap_or(false);
            if r.extra.get("reactWhenReadOnly").and_then(Value::as_bool).unwrap_or(false) != v {
                r.extra.insert("reactWhenReadOnly".into(), json!(v));
                messages.push((
                    if v { "room-allowed-reacting" } else { "room-disallowed-reacting" },
                    actor.username.clone(),
                ));
            }
        }
        "systemMessages" => {
            r.sys_mes = value.as_bool().unwrap_or(true);
        }
        "default" => {
            r.is_default = value.as_bool().unwrap_or_else(|| matches!(value.as_str(), Some("true" | "1")));
        }
        "featured" => {
            let v = value.as_bool().unwrap_or_else(|| matches!(value.as_str(), Some("true" | "1")));
            r.extra.insert("featured".into(), json!(v));
        }
        "joinCode" => {
            let code = text().trim().to_string();
            r.join_code_required = !code.is_empty();
            r.join_code = if code.is_empty() { None } else { Some(code) };
        }
        "encrypted" => {
            let v = value.as_bool().unwrap_or(false);
            if v != r.encrypted {
                r.encrypted = v;
                messages.push((if v { "room-e2e-enabled" } else { "room-e2e-disabled" }, actor.username.clone()));
            }
        }
        "favorite" => {
            let (fav, default_value) = match value {
                Value::Object(o) => (
                    o.get("favorite").and_then(Value::as_bool).unwrap_or(false),
                    o.get("defaultValue").and_then(Value::as_bool).unwrap_or(false),
                ),
                other => (other.as_bool().unwrap_or(false), false),
            };
            if fav {
                r.extra.insert("favorite".into(), json!(default_value));
            } else {
                r.extra.remove("favorite");
            }
        }
        _ => {}
    }
    Ok(())
}
