//! `stream-notify-user`: `<uid>/<event>` for the logged-in user only. `rooms-changed` follows the
//! user's memberships; `subscriptions-changed`, `message` (ephemeral), `notification` and
//! `uiInteraction` come from the bus as they are.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::{Plan, SubKind, Topic, blocking, not_allowed};
use crate::bus::{ChangeAction, Event};
use crate::ddp::Hub;
use crate::ddp::frames::{self, Frame, ejson};
use crate::models::{Message, Room, RoomType, Subscription, User};
use crate::services::Services;

/// `stream-notify-user`.
pub const STREAM: &str = "stream-notify-user";

/// `<uid>/<event>`: only the user's own events.
pub fn plan(svc: &Services, user: Option<&User>, key: &str) -> Result<Plan, Value> {
    let user = user.ok_or_else(not_allowed)?;
    let Some((uid, event)) = key.split_once('/') else { return Err(not_allowed()) };
    if !svc.users().can_follow_events_of(user, uid) || event.is_empty() {
        return Err(not_allowed());
    }
    if event == "rooms-changed" {
        let topics = super::member_rooms(svc, user)?.into_iter().map(Topic::RoomsChanged).collect();
        let mut plan = Plan::plain(STREAM, key, topics);
        plan.kind = SubKind::RoomsChanged;
        return Ok(plan);
    }
    Ok(Plan::plain(STREAM, key, vec![Topic::NotifyUser(key.to_string())]))
}

fn notify(hub: &Hub, uid: &str, event: &str, args: impl FnOnce() -> Value) {
    let key = format!("{uid}/{event}");
    let topic = Topic::NotifyUser(key.clone());
    if hub.streams.has(&topic) {
        hub.streams.deliver(&topic, &frames::changed(STREAM, &key, &args()));
    }
}

/// `subscriptions-changed`, and membership tracking for `rooms-changed` and `__my_messages__`.
pub fn on_subscription(hub: &Hub, action: ChangeAction, sub: &Subscription) {
    let uid = sub.u.id.as_str();
    notify(hub, uid, "subscriptions-changed", || json!([action.as_str(), ejson(sub)]));
    match action {
        ChangeAction::Inserted => {
            let conns = hub.streams.add_membership(uid, &sub.rid);
            if conns.is_empty() {
                return;
            }
            let room = blocking(|| hub.svc.rooms().by_id(&sub.rid).ok().flatten());
            if let Some(room) = room {
                let args = serde_json::to_string(&json!(["inserted", ejson(&room.public_view())])).unwrap_or_default();
                let frame = frames::changed_raw(STREAM, &format!("{uid}/rooms-changed"), &args);
                for c in conns {
                    c.send(frame.clone());
                }
            }
        }
        ChangeAction::Removed => hub.streams.remove_membership(uid, &sub.rid),
        ChangeAction::Updated => {}
    }
}

/// `rooms-changed` to every member following it; a deleted room stops its streams; a room that
/// stops being public has its readers checked again.
pub fn on_room(hub: &Hub, action: ChangeAction, room: &Room) {
    let topic = Topic::RoomsChanged(room.id.clone());
    if hub.streams.has(&topic) {
        let args = serde_json::to_string(&json!([action.as_str(), ejson(&room.public_view())])).unwrap_or_default();
        let mut per_user: HashMap<String, Frame> = HashMap::new();
        hub.streams.each(&topic, |e| {
            let Some(uid) = e.conn.user_id() else { return };
            let frame = per_user
                .entry(uid.clone())
                .or_insert_with(|| frames::changed_raw(STREAM, &format!("{uid}/rooms-changed"), &args));
            e.conn.send(frame.clone());
        });
    }
    match action {
        ChangeAction::Removed => hub.streams.remove_room(&room.id),
        _ => {
            let previous = hub.room_types.lock().insert(room.id.clone(), room.t);
            if previous.is_some_and(|t| t != room.t) && room.t != RoomType::Channel {
                super::room::recheck_room(hub, &room.id);
            }
        }
    }
}

/// `<uid>/message`: an ephemeral message only this user sees.
pub fn on_ephemeral(hub: &Hub, uid: &str, message: &Message) {
    notify(hub, uid, "message", || json!([ejson(message)]));
}

/// Events without a room: notifications and UIKit interactions for one user.
pub fn on_other(hub: &Hub, event: &Event) {
    match event {
        Event::UserNotification { user_id, notification } => {
            notify(hub, user_id, "notification", || json!([ejson(&**notification)]))
        }
        Event::UiInteraction { user_id, interaction } => {
            notify(hub, user_id, "uiInteraction", || json!([ejson(&**interaction)]))
        }
        _ => {}
    }
}
