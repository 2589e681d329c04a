//! `stream-user-presence`: the statuses of chosen users. A connection has one such subscription;
//! later subscriptions add (`added`) or drop (`removed`) users from it and stop at once, as in
//! Rocket.Chat.

use serde_json::{Value, json};

use super::{Plan, SubKind, Topic, not_allowed};
use crate::ddp::Hub;
use crate::ddp::frames;
use crate::models::User;
use crate::services::presence::status_code;

/// `stream-user-presence`.
pub const STREAM: &str = "stream-user-presence";

fn ids(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|x| x.as_str().map(String::from)).collect())
        .unwrap_or_default()
}

/// `["", {added: [uid], removed: [uid]}]`, logged-in users only.
pub fn plan(user: Option<&User>, params: &[Value]) -> Result<Plan, Value> {
    user.ok_or_else(not_allowed)?;
    let options = params.get(1).and_then(Value::as_object);
    let added = ids(options.and_then(|o| o.get("added")));
    let removed = ids(options.and_then(|o| o.get("removed")));
    let mut plan = Plan::plain(STREAM, "", added.into_iter().map(Topic::Presence).collect());
    plan.kind = SubKind::Presence;
    plan.remove = removed;
    Ok(plan)
}

/// `{"msg":"changed","collection":"stream-user-presence","id":<uid>,
/// "fields":{"uid","args":[username, status, statusText],"eventName":<uid>}}`.
pub fn on_user_status(hub: &Hub, user: &User) {
    if hub.svc.settings.bool("Presence_broadcast_disabled") {
        return;
    }
    let topic = Topic::Presence(user.id.clone());
    if !hub.streams.has(&topic) {
        return;
    }
    let frame = frames::frame(&json!({
        "msg": "changed",
        "collection": STREAM,
        "id": user.id,
        "fields": {
            "uid": user.id,
            "args": [user.username, status_code(&user.status), user.status_text],
            "eventName": user.id,
        },
    }));
    hub.streams.deliver(&topic, &frame);
}
