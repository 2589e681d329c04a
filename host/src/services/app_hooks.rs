//! App event hooks in the services' pipelines (the `hooks` WIT export): the pre-phases
//! (prevent, extend, modify) that a service runs before it saves a change, and the post
//! phase that the app-hooks worker ([`crate::workers::app_hooks`]) runs after.
//!
//! The rules, for every hook:
//! - apps run in the order they were installed; in the modify phase each sees the result of
//!   the ones before;
//! - a hook never sees a change made by its own app's bot user (no loops);
//! - a hook needs the permission of its subject: `message.read` for message events,
//!   `room.read` for room events, `user.read` for user events; others are not called;
//! - each pre-hook call has `Apps_Orbit_Hook_Timeout_Ms` (default 500 ms, at most the apps'
//!   call timeout); a hook that fails or times out is logged in the app's log, counts towards
//!   its failure threshold, and is skipped (fail open), unless the app's id is listed in
//!   `Apps_Orbit_Hooks_Fail_Closed`: then the change is refused.
//!
//! This module reads the apps' runtime state, not the apps service, so that every service may
//! run hooks (the apps service sits above them).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use orbit_apps::Permission;
use orbit_apps::bindings::{HookEvent, HookPhase};
use serde_json::{Map, Value, json};

use super::Services;
use crate::error::{Kind, Result};
use crate::models::{Message, User};

/// The phases that run before a change, in order.
const PRE_PHASES: [HookPhase; 3] = [HookPhase::Prevent, HookPhase::Extend, HookPhase::Modify];

/// Which enabled apps hook what, each list in install order.
#[derive(Debug, Default)]
pub struct HookRegistry {
    by_point: HashMap<(u8, u8), Vec<HookedApp>>,
}

/// An app hooking one point.
#[derive(Debug, Clone)]
pub struct HookedApp {
    pub app_id: String,
    /// Its bot user, whose own changes it never sees.
    pub bot_user_id: Option<String>,
}

impl HookRegistry {
    /// Adds an app (call in install order) for the points it declared and may see.
    pub fn add(&mut self, app: HookedApp, points: &[(HookEvent, HookPhase)], granted: impl Fn(Permission) -> bool) {
        for (event, phase) in points {
            if !granted(needed_permission(*event)) {
                continue;
            }
            let list = self.by_point.entry((*event as u8, *phase as u8)).or_default();
            if !list.iter().any(|a| a.app_id == app.app_id) {
                list.push(app.clone());
            }
        }
    }

    /// The apps hooking `event` in `phase`, in install order, except the one whose bot is `actor`.
    pub fn apps(&self, event: HookEvent, phase: HookPhase, actor: Option<&str>) -> Vec<HookedApp> {
        let Some(list) = self.by_point.get(&(event as u8, phase as u8)) else { return Vec::new() };
        list.iter().filter(|a| actor.is_none() || a.bot_user_id.as_deref() != actor).cloned().collect()
    }

    /// Whether any app hooks `event` in `phase`.
    pub fn any(&self, event: HookEvent, phase: HookPhase) -> bool {
        self.by_point.get(&(event as u8, phase as u8)).is_some_and(|l| !l.is_empty())
    }
}

/// The permission an app needs to see `event`'s subject.
pub fn needed_permission(event: HookEvent) -> Permission {
    use HookEvent as E;
    match event {
        E::MessageSent
        | E::MessageUpdated
        | E::MessageDeleted
        | E::MessageReacted
        | E::MessagePinned
        | E::MessageStarred
        | E::MessageFollowed
        | E::MessageReported
        | E::FileUploaded => Permission::MessageRead,
        E::RoomCreated | E::RoomDeleted | E::RoomUserJoined | E::RoomUserLeft | E::RoomSettingsChanged => {
            Permission::RoomRead
        }
        E::UserCreated | E::UserUpdated | E::UserDeleted | E::UserLoggedIn | E::UserStatusChanged => {
            Permission::UserRead
        }
    }
}

/// App hook operations.
pub struct AppHooks<'a>(pub &'a Services);

impl Services {
    /// App hook operations.
    pub fn app_hooks(&self) -> AppHooks<'_> {
        AppHooks(self)
    }
}

impl AppHooks<'_> {
    /// The current registry.
    pub fn registry(&self) -> Arc<HookRegistry> {
        self.0.apps.hook_registry()
    }

    /// The loaded app with this id, to run its post-hooks.
    pub fn app(&self, app_id: &str) -> Option<orbit_apps::LoadedApp> {
        self.0.apps.runtime()?.app(app_id)
    }

    /// The deadline of one pre-hook call.
    fn deadline(&self) -> Duration {
        let call = self.0.settings.int("Apps_Orbit_Call_Timeout_Ms", 2000).max(10);
        Duration::from_millis(self.0.settings.int("Apps_Orbit_Hook_Timeout_Ms", 500).clamp(10, call) as u64)
    }

    /// Whether a failing hook of `app_id` stops the change.
    fn fails_closed(&self, app_id: &str) -> bool {
        self.0.settings.string("Apps_Orbit_Hooks_Fail_Closed").split(',').any(|id| id.trim() == app_id)
    }

    /// Whether any app hooks `event` before it happens (in a prevent, extend or modify phase).
    pub fn hooked(&self, event: HookEvent) -> bool {
        let registry = self.registry();
        PRE_PHASES.iter().any(|p| registry.any(event, *p))
    }

    /// Runs the pre-phases of `event` on a message about to be saved by `author`: prevent (an
    /// error with the app's reason), then extend (attachments and custom fields added), then
    /// modify (text and custom fields replaced). Returns whether the text changed.
    pub fn before_message(&self, event: HookEvent, author: &User, message: &mut Message) -> Result<bool> {
        let registry = self.registry();
        let actor = Some(author.id.as_str());
        if !PRE_PHASES.iter().any(|p| registry.any(event, *p)) {
            return Ok(false);
        }
        let Some(runtime) = self.0.apps.runtime() else { return Ok(false) };
        let limit = self.deadline();
        let before = message.msg.clone();
        for phase in PRE_PHASES {
            for hooked in registry.apps(event, phase, actor) {
                let Some(app) = runtime.app(&hooked.app_id) else { continue };
                let subject = serde_json::to_string(&*message)?;
                let outcome = self.0.apps.block_on(async {
                    match phase {
                        HookPhase::Prevent => app.hook_prevent(event, &subject, limit).await,
                        HookPhase::Extend => app.hook_extend(event, &subject, limit).await,
                        _ => app.hook_modify(event, &subject, limit).await,
                    }
                })?;
                let answer = match outcome {
                    Ok(answer) => answer,
                    Err(error) => {
                        if self.fails_closed(&hooked.app_id) {
                            return Err(Kind::AppPrevented.with_message(format!(
                                "An app could not check the message: {}",
                                error_reason(&error)
                            )));
                        }
                        continue;
                    }
                };
                let Some(answer) = answer else { continue };
                match phase {
                    HookPhase::Prevent => {
                        let reason = orbit_apps::clip(&answer, orbit_apps::MAX_REASON_CHARS);
                        let reason = if reason.trim().is_empty() {
                            "A Rocket.Chat App prevented the message sending.".to_string()
                        } else {
                            reason
                        };
                        return Err(Kind::AppPrevented.with_message(reason));
                    }
                    HookPhase::Extend => apply_extension(message, &hooked.app_id, &answer),
                    _ => apply_modification(message, &hooked.app_id, &answer),
                }
            }
        }
        Ok(message.msg != before)
    }
}

/// The short reason of an app failure.
fn error_reason(error: &orbit_apps::AppError) -> String {
    orbit_apps::clip(&error.to_string(), orbit_apps::MAX_REASON_CHARS)
}

/// Parses a hook's JSON answer into an object; a malformed one is logged and ignored.
fn answer_object(app_id: &str, answer: &str) -> Option<Map<String, Value>> {
    match serde_json::from_str::<Value>(answer) {
        Ok(Value::Object(object)) => Some(object),
        _ => {
            tracing::warn!(app = app_id, "a hook answered something other than a JSON object; ignored");
            None
        }
    }
}

/// Adds an extend-phase answer: `attachments` appended, `customFields` merged.
fn apply_extension(message: &mut Message, app_id: &str, answer: &str) {
    let Some(mut answer) = answer_object(app_id, answer) else { return };
    if let Some(Value::Array(added)) = answer.remove("attachments") {
        message.attachments.get_or_insert_with(Vec::new).extend(added.into_iter().filter(Value::is_object));
    }
    if let Some(Value::Object(fields)) = answer.remove("customFields") {
        merge_custom_fields(message, fields);
    }
}

/// Applies a modify-phase answer: `msg` replaced, `customFields` merged.
fn apply_modification(message: &mut Message, app_id: &str, answer: &str) {
    let Some(mut answer) = answer_object(app_id, answer) else { return };
    if let Some(Value::String(text)) = answer.remove("msg") {
        message.msg = text;
    }
    if let Some(Value::Object(fields)) = answer.remove("customFields") {
        merge_custom_fields(message, fields);
    }
}

fn merge_custom_fields(message: &mut Message, fields: Map<String, Value>) {
    let entry = message.extra.entry("customFields").or_insert_with(|| json!({}));
    if !entry.is_object() {
        *entry = json!({});
    }
    if let Some(object) = entry.as_object_mut() {
        object.extend(fields);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_extend_and_modify_messages() {
        let mut m = Message { msg: "hello darn world".into(), ..Default::default() };
        apply_extension(&mut m, "a", r#"{"attachments":[{"text":"note"}, 5],"customFields":{"score":1}}"#);
        apply_modification(&mut m, "a", r#"{"msg":"hello **** world","customFields":{"clean":true}}"#);
        apply_modification(&mut m, "a", "not json");
        assert_eq!(m.msg, "hello **** world");
        assert_eq!(m.attachments, Some(vec![json!({"text": "note"})]));
        assert_eq!(m.extra["customFields"], json!({"score": 1, "clean": true}));
    }

    #[test]
    fn registry_orders_by_install_and_skips_own_bot_and_ungranted() {
        let mut r = HookRegistry::default();
        let points = [(HookEvent::MessageSent, HookPhase::Prevent), (HookEvent::UserCreated, HookPhase::Post)];
        let a = HookedApp { app_id: "a".into(), bot_user_id: Some("bot-a".into()) };
        let b = HookedApp { app_id: "b".into(), bot_user_id: Some("bot-b".into()) };
        r.add(a, &points, |p| p == Permission::MessageRead);
        r.add(b, &points, |_| true);
        let ids = |list: Vec<HookedApp>| list.into_iter().map(|a| a.app_id).collect::<Vec<_>>();
        assert_eq!(ids(r.apps(HookEvent::MessageSent, HookPhase::Prevent, None)), ["a", "b"]);
        assert_eq!(ids(r.apps(HookEvent::MessageSent, HookPhase::Prevent, Some("bot-a"))), ["b"]);
        assert_eq!(ids(r.apps(HookEvent::UserCreated, HookPhase::Post, None)), ["b"]);
        assert!(!r.any(HookEvent::MessageSent, HookPhase::Modify));
    }
}
