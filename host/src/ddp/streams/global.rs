//! `stream-notify-logged` (any logged-in user) and `stream-notify-all` (anyone): user status,
//! names, deletions, avatars, roles, permissions and settings.

use serde_json::{Value, json};

use super::{Plan, Topic, not_allowed};
use crate::ddp::Hub;
use crate::ddp::frames::{self, ejson};
use crate::models::{CustomStatus, Emoji, Permission, User};
use crate::services::Services;
use crate::services::presence::status_code;

/// `stream-notify-logged`.
pub const LOGGED_STREAM: &str = "stream-notify-logged";
/// `stream-notify-all`.
pub const ALL_STREAM: &str = "stream-notify-all";
/// `stream-apps`.
pub const APPS_STREAM: &str = "stream-apps";

const PRIVATE_SETTINGS: &str = "private-settings-changed";

fn may_see_private_settings(svc: &Services, user: &User) -> bool {
    svc.settings().can_watch_private(user)
}

/// `stream-notify-logged` `<event>`: logged-in users; private settings need a settings permission.
pub fn plan_logged(svc: &Services, user: Option<&User>, key: &str) -> Result<Plan, Value> {
    let user = user.ok_or_else(not_allowed)?;
    if key == PRIVATE_SETTINGS && !may_see_private_settings(svc, user) {
        return Err(not_allowed());
    }
    Ok(Plan::plain(LOGGED_STREAM, key, vec![Topic::Logged(key.to_string())]))
}

/// `stream-notify-all` `<event>`: anyone, even logged out.
pub fn plan_all(svc: &Services, user: Option<&User>, key: &str) -> Result<Plan, Value> {
    if key == PRIVATE_SETTINGS && !user.is_some_and(|u| may_see_private_settings(svc, u)) {
        return Err(not_allowed());
    }
    let mut plan = Plan::plain(ALL_STREAM, key, vec![Topic::All(key.to_string())]);
    plan.needs_user = key == PRIVATE_SETTINGS;
    Ok(plan)
}

/// `stream-apps` `<event>`: anyone, as in Rocket.Chat (the payloads are app ids and statuses).
pub fn plan_apps(key: &str) -> Plan {
    let mut plan = Plan::plain(APPS_STREAM, key, vec![Topic::Apps(key.to_string())]);
    plan.needs_user = false;
    plan
}

/// An app or command change: `<event>` with `[payload]`, and `apps` with `[event, [payload]]`.
pub fn on_app(hub: &Hub, event: &str, payload: &Value) {
    let topic = Topic::Apps(event.to_string());
    if hub.streams.has(&topic) {
        hub.streams.deliver(&topic, &frames::changed(APPS_STREAM, event, &json!([payload])));
    }
    let all = Topic::Apps("apps".into());
    if hub.streams.has(&all) {
        hub.streams.deliver(&all, &frames::changed(APPS_STREAM, "apps", &json!([event, [payload]])));
    }
}

fn logged(hub: &Hub, event: &str, args: impl FnOnce() -> Value) {
    let topic = Topic::Logged(event.to_string());
    if hub.streams.has(&topic) {
        hub.streams.deliver(&topic, &frames::changed(LOGGED_STREAM, event, &args()));
    }
}

fn all(hub: &Hub, event: &str, args: impl FnOnce() -> Value) {
    let topic = Topic::All(event.to_string());
    if hub.streams.has(&topic) {
        hub.streams.deliver(&topic, &frames::changed(ALL_STREAM, event, &args()));
    }
}

/// `user-status`: `[[uid, username, status (0-3), statusText, name, roles]]`, unless
/// `Presence_broadcast_disabled`.
pub fn on_user_status(hub: &Hub, user: &User) {
    if hub.svc.settings.bool("Presence_broadcast_disabled") {
        return;
    }
    logged(hub, "user-status", || {
        json!([[user.id, user.username, status_code(&user.status), user.status_text, user.name, user.roles]])
    });
}

/// A changed user: connections keep the fresh document; a deactivated user is disconnected; new
/// roles re-check the room streams the user follows.
pub fn on_user_updated(hub: &Hub, user: &std::sync::Arc<User>) {
    let conns = hub.streams.user_conns(&user.id);
    if conns.is_empty() {
        return;
    }
    let mut roles_changed = false;
    for c in &conns {
        if let Some(old) = c.user() {
            roles_changed |= old.user.roles != user.roles;
        }
        c.refresh_user(user.clone());
        if !user.active {
            c.close(1000, "user deactivated");
        }
    }
    if roles_changed && user.active {
        recheck_user(hub, &user.id);
    }
}

/// Re-checks the room streams of a user's connections.
pub fn recheck_user(hub: &Hub, uid: &str) {
    let conns: Vec<u64> = hub.streams.user_conns(uid).iter().map(|c| c.id).collect();
    let mut rooms: Vec<String> = hub
        .streams
        .subscribed_rooms()
        .into_iter()
        .filter(|(conn, _)| conns.contains(conn))
        .map(|(_, rid)| rid)
        .collect();
    rooms.sort();
    rooms.dedup();
    for rid in rooms {
        super::room::recheck_room(hub, &rid);
    }
}

/// `Users:NameChanged`: `[{_id, name, username}]`.
pub fn on_name_changed(hub: &Hub, user: &User) {
    logged(hub, "Users:NameChanged", || json!([{"_id": user.id, "name": user.name, "username": user.username}]));
}

/// `Users:Deleted`: `[{userId, username}]`; the user's connections close.
pub fn on_user_deleted(hub: &Hub, uid: &str, username: &str) {
    logged(hub, "Users:Deleted", || json!([{"userId": uid, "username": username}]));
    for c in hub.streams.user_conns(uid) {
        c.close(1000, "user deleted");
    }
}

/// `updateAvatar`: `[{username, etag}]`.
pub fn on_avatar(hub: &Hub, username: &str, etag: Option<&str>) {
    logged(hub, "updateAvatar", || json!([{"username": username, "etag": etag}]));
}

/// `updateEmojiCustom` / `deleteEmojiCustom`: `[{emojiData: emoji}]`, to everyone and to
/// logged-in users (clients listen on either stream).
pub fn on_custom_emoji(hub: &Hub, emoji: &Emoji, deleted: bool) {
    let event = if deleted { "deleteEmojiCustom" } else { "updateEmojiCustom" };
    let args = || json!([{"emojiData": ejson(emoji)}]);
    all(hub, event, args);
    logged(hub, event, args);
}

/// `updateCustomUserStatus` / `deleteCustomUserStatus`: `[{userStatusData: status}]`.
pub fn on_custom_status(hub: &Hub, status: &CustomStatus, deleted: bool) {
    let event = if deleted { "deleteCustomUserStatus" } else { "updateCustomUserStatus" };
    logged(hub, event, || json!([{"userStatusData": ejson(status)}]));
}

/// `roles-change`: `[{type: "added"|"removed", _id: role, u: {_id, username}, scope}]`.
pub fn on_user_role(hub: &Hub, action: &str, role: &str, uid: &str, username: &str, scope: Option<&str>) {
    logged(hub, "roles-change", || {
        let mut v = json!({"type": action, "_id": role, "u": {"_id": uid, "username": username}});
        if let Some(s) = scope {
            v["scope"] = json!(s);
        }
        json!([v])
    });
}

/// `permissions-changed`: `["updated", permission]` on both streams. A change to the permissions
/// that open public rooms re-checks every room stream.
pub fn on_permission(hub: &Hub, permission: &Permission) {
    let doc = ejson(permission);
    logged(hub, "permissions-changed", || json!(["updated", doc]));
    all(hub, "permissions-changed", || json!(["updated", doc]));
    if matches!(permission.id.as_str(), "view-c-room" | "preview-c-room") {
        let mut rooms: Vec<String> = hub.streams.subscribed_rooms().into_iter().map(|(_, r)| r).collect();
        rooms.sort();
        rooms.dedup();
        for rid in rooms {
            super::room::recheck_room(hub, &rid);
        }
    }
}

/// `public-settings-changed` on `stream-notify-all` for public settings, and
/// `private-settings-changed` on `stream-notify-logged` for users who may see settings.
pub fn on_setting(hub: &Hub, setting: &Value, public: bool) {
    if setting["hidden"].as_bool() == Some(true) {
        return;
    }
    let mut view = json!({"_id": setting["_id"], "value": setting["value"]});
    for key in ["editor", "properties", "enterprise", "requiredOnWizard"] {
        if let Some(v) = setting.get(key) {
            view[key] = v.clone();
        }
    }
    let view = ejson(&view);
    if public {
        all(hub, "public-settings-changed", || json!(["updated", view]));
    }
    let frame = frames::changed(LOGGED_STREAM, PRIVATE_SETTINGS, &json!(["updated", view]));
    for topic in [Topic::Logged(PRIVATE_SETTINGS.into()), Topic::All(PRIVATE_SETTINGS.into())] {
        let frame = if matches!(topic, Topic::All(_)) {
            frames::changed(ALL_STREAM, PRIVATE_SETTINGS, &json!(["updated", view]))
        } else {
            frame.clone()
        };
        hub.streams.each(&topic, |e| {
            let allowed = e.conn.user().is_some_and(|u| may_see_private_settings(&hub.svc, &u.user));
            if allowed {
                e.conn.send(frame.clone());
            }
        });
    }
}
