//! Room streams: `stream-room-messages` (`<rid>` and `__my_messages__`) and `stream-notify-room`
//! (`<rid>/typing`, `<rid>/user-activity`, `<rid>/deleteMessage`, …).

use serde_json::{Value, json};

use super::{Plan, SubKind, Topic, blocking, not_allowed};
use crate::ddp::Hub;
use crate::ddp::frames::{self, ejson};
use crate::models::{Message, Room, RoomType, User};
use crate::services::Services;

/// `stream-room-messages`.
pub const MESSAGES_STREAM: &str = "stream-room-messages";
/// `stream-notify-room`.
pub const NOTIFY_STREAM: &str = "stream-notify-room";
/// The key of the stream of every room the user is in.
pub const MY_MESSAGES: &str = "__my_messages__";

/// Whether `user` may read the room `rid` (any failure counts as no).
pub fn readable(svc: &Services, user: &User, rid: &str) -> bool {
    svc.rooms().can_read_id(user, rid).unwrap_or_else(|e| {
        tracing::warn!(error = %e, rid, "room access check failed");
        false
    })
}

/// `stream-room-messages`: a readable room, or `__my_messages__` (the user's rooms, plus public
/// rooms they may view, flagged `roomParticipant: false`).
pub fn plan_messages(svc: &Services, user: Option<&User>, key: &str) -> Result<Plan, Value> {
    let user = user.ok_or_else(not_allowed)?;
    if key == MY_MESSAGES {
        let mut topics: Vec<Topic> = super::member_rooms(svc, user)?.into_iter().map(Topic::MyMessages).collect();
        topics.push(Topic::MyMessagesAll);
        let mut plan = Plan::plain(MESSAGES_STREAM, key, topics);
        plan.kind = SubKind::MyMessages;
        return Ok(plan);
    }
    if !readable(svc, user, key) {
        return Err(not_allowed());
    }
    Ok(Plan::plain(MESSAGES_STREAM, key, vec![Topic::RoomMessages(key.to_string())]))
}

/// `stream-notify-room` `<rid>/<event>`: the room must be readable.
pub fn plan_notify(svc: &Services, user: Option<&User>, key: &str) -> Result<Plan, Value> {
    let user = user.ok_or_else(not_allowed)?;
    let Some((rid, event)) = key.split_once('/') else { return Err(not_allowed()) };
    if event.is_empty() || !readable(svc, user, rid) {
        return Err(not_allowed());
    }
    Ok(Plan::plain(NOTIFY_STREAM, key, vec![Topic::NotifyRoom(key.to_string())]))
}

/// A saved message goes to the room's stream and to `__my_messages__`.
pub fn on_message(hub: &Hub, message: &Message, room: &Room) {
    let reg = &hub.streams;
    let room_topic = Topic::RoomMessages(room.id.clone());
    let mine = Topic::MyMessages(room.id.clone());
    let public = room.t == RoomType::Channel;
    let all_has = public && reg.has(&Topic::MyMessagesAll);
    if !reg.has(&room_topic) && !reg.has(&mine) && !all_has {
        return;
    }
    let msg = ejson(message);
    if reg.has(&room_topic) {
        reg.deliver(&room_topic, &frames::changed(MESSAGES_STREAM, &room.id, &json!([msg])));
    }
    let details =
        |participant: bool| json!({"roomParticipant": participant, "roomType": room.t, "roomName": room.name});
    let mut members = std::collections::HashSet::new();
    if reg.has(&mine) {
        let frame = frames::changed(MESSAGES_STREAM, MY_MESSAGES, &json!([msg, details(true)]));
        reg.each(&mine, |e| {
            members.insert(e.conn.id);
            e.conn.send(frame.clone());
        });
    }
    if all_has {
        let frame = frames::changed(MESSAGES_STREAM, MY_MESSAGES, &json!([msg, details(false)]));
        reg.each(&Topic::MyMessagesAll, |e| {
            if members.contains(&e.conn.id) {
                return;
            }
            let may_view = e.conn.user().is_some_and(|u| hub.svc.rooms().can_view_public(&u.user));
            if may_view {
                e.conn.send(frame.clone());
            }
        });
    }
}

/// `<rid>/deleteMessage` with `[{_id}]`.
pub fn on_message_deleted(hub: &Hub, rid: &str, message_id: &str) {
    let topic = Topic::NotifyRoom(format!("{rid}/deleteMessage"));
    if hub.streams.has(&topic) {
        let frame = frames::changed(NOTIFY_STREAM, &format!("{rid}/deleteMessage"), &json!([{"_id": message_id}]));
        hub.streams.deliver(&topic, &frame);
    }
}

/// `<rid>/deleteMessageBulk` with `[{rid, excludePinned, ignoreDiscussion, ts, users, ids}]`, where
/// `ts` is the range as a query (`$gt`/`$gte`, `$lt`/`$lte`).
pub fn on_messages_bulk_deleted(hub: &Hub, q: &crate::store::CleanHistory, ids: &[String]) {
    let key = format!("{}/deleteMessageBulk", q.rid);
    let topic = Topic::NotifyRoom(key.clone());
    if !hub.streams.has(&topic) {
        return;
    }
    let (gt, lt) = if q.inclusive { ("$gte", "$lte") } else { ("$gt", "$lt") };
    let mut ts = serde_json::Map::new();
    ts.insert(gt.into(), q.oldest.to_ejson());
    ts.insert(lt.into(), q.latest.to_ejson());
    let payload = json!({
        "rid": q.rid,
        "excludePinned": q.exclude_pinned,
        "ignoreDiscussion": q.ignore_discussion,
        "ts": ts,
        "users": q.from_usernames,
        "ids": ids,
    });
    hub.streams.deliver(&topic, &frames::changed(NOTIFY_STREAM, &key, &json!([payload])));
}

/// `<rid>/user-activity` with `[username, activities, extra]`, and the older `<rid>/typing` with
/// `[username, typing]` when the activity is typing (or nothing).
pub fn on_activity(hub: &Hub, rid: &str, username: &str, activities: &[String], extra: &Value) {
    let activity_key = format!("{rid}/user-activity");
    let topic = Topic::NotifyRoom(activity_key.clone());
    if hub.streams.has(&topic) {
        let extra = if extra.is_null() { json!({}) } else { extra.clone() };
        hub.streams
            .deliver(&topic, &frames::changed(NOTIFY_STREAM, &activity_key, &json!([username, activities, extra])));
    }
    let typing = activities.iter().any(|a| a == "user-typing");
    if typing || activities.is_empty() {
        let typing_key = format!("{rid}/typing");
        let topic = Topic::NotifyRoom(typing_key.clone());
        if hub.streams.has(&topic) {
            hub.streams.deliver(&topic, &frames::changed(NOTIFY_STREAM, &typing_key, &json!([username, typing])));
        }
    }
}

/// Re-checks every plain subscription to a room's streams (after its type changed, or a reader's
/// roles or the permissions changed) and stops those no longer allowed.
pub fn recheck_room(hub: &Hub, rid: &str) {
    hub.streams.bump();
    let subs = hub.streams.room_subscribers(rid);
    if subs.is_empty() {
        return;
    }
    let denied: Vec<u64> = blocking(|| {
        let mut denied = Vec::new();
        for (conn, _, _) in &subs {
            let ok = conn.user().is_some_and(|u| {
                let fresh = hub.svc.users().by_id(&u.user.id).ok().flatten();
                fresh.is_some_and(|f| readable(&hub.svc, &f, rid))
            });
            if !ok {
                denied.push(conn.id);
            }
        }
        denied
    });
    if denied.is_empty() {
        return;
    }
    let error = not_allowed();
    hub.streams.stop_where(
        |conn, stream, key| denied.contains(&conn.id) && super::room_of(stream, key) == Some(rid),
        Some(&error),
    );
}
