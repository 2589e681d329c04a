//! `im.*` (direct messages) and their `dm.*` aliases: the same handlers under both prefixes.

use std::sync::Arc;

use axum::Router;
use serde_json::{Value, json};

use super::channels::{history_options, member_query, message_options, message_page};
use super::paging::ListOptions;
use super::params::Params;
use super::rooms::{failure, get_with, post_with, room_page, text};
use crate::error::{Error, Result};
use crate::models::{Room, User};
use crate::services::Services;
use crate::services::authz::unauthorized;

/// Routes of both prefixes.
pub fn routes() -> Router<Arc<Services>> {
    let mut r = Router::new();
    for prefix in ["im", "dm"] {
        let path = |action: &str| format!("/api/v1/{prefix}.{action}");
        r = r
            .route(&path("create"), post_with(create))
            .route(&path("open"), post_with(open))
            .route(&path("close"), post_with(close))
            .route(&path("delete"), post_with(delete))
            .route(&path("history"), get_with(history))
            .route(&path("messages"), get_with(messages))
            .route(&path("messages.others"), get_with(messages_others))
            .route(&path("members"), get_with(members))
            .route(&path("files"), get_with(files))
            .route(&path("counters"), get_with(counters))
            .route(&path("list"), get_with(list))
            .route(&path("list.everyone"), get_with(list_everyone))
            .route(&path("setTopic"), post_with(set_topic));
    }
    r
}

/// The DM of the request (`roomId` or `username`), readable by `user`.
fn find(s: &Services, user: &User, p: &Params) -> Result<Room> {
    s.rooms().find_direct(user, text(p, "roomId").as_deref(), text(p, "username").as_deref())
}

/// `POST im.create {username}` or `{usernames: "a,b"}` (and `excludeSelf`) → `{room}`.
fn create(s: &Services, user: &User, p: &Params) -> Result<Value> {
    let usernames: Vec<String> = match (text(p, "username"), p.get("usernames")) {
        (Some(u), _) => vec![u],
        (None, Some(_)) => p.list("usernames"),
        (None, None) => {
            return Err(Error::bad("error-invalid-params", "The parameter \"username\" or \"usernames\" is required"));
        }
    };
    let room = s.rooms().create_direct(user, &usernames, p.bool("excludeSelf", false)?)?;
    let mut view = s.rooms().view(&room);
    view["rid"] = json!(room.id);
    Ok(json!({"room": view}))
}

/// `POST im.open {roomId}`.
fn open(s: &Services, user: &User, p: &Params) -> Result<Value> {
    let room = find(s, user, p)?;
    if s.store.subscription(&room.id, &user.id)?.is_some_and(|sub| !sub.open) {
        s.subscriptions().open(user, &room.id)?;
    }
    Ok(json!({}))
}

/// `POST im.close {roomId}`.
fn close(s: &Services, user: &User, p: &Params) -> Result<Value> {
    let rid = text(p, "roomId")
        .ok_or_else(|| Error::bad("error-room-param-not-provided", "Body param \"roomId\" is required"))?;
    if s.store.room_by_id(&rid)?.is_some() {
        find(s, user, p)?;
    }
    let sub = s.store.subscription(&rid, &user.id)?.ok_or_else(|| failure("The user is not subscribed to the room"))?;
    if !sub.open {
        return Err(failure("The direct message room, is already closed to the sender"));
    }
    s.subscriptions().hide(user, &rid)?;
    Ok(json!({}))
}

/// `POST im.delete {roomId|username}` (`delete-d`).
fn delete(s: &Services, user: &User, p: &Params) -> Result<Value> {
    let room = match find(s, user, p) {
        Ok(r) => r,
        Err(e) => match text(p, "roomId").map(|id| s.store.room_by_id(&id)).transpose()?.flatten() {
            Some(r) if r.is_direct() && s.authz().can(user, "view-room-administration", None)? => r,
            _ => return Err(e),
        },
    };
    s.rooms().erase(user, &room)?;
    Ok(json!({}))
}

/// `GET im.history?roomId=&latest=&oldest=&inclusive=&count=&offset=&unreads=`.
fn history(s: &Services, user: &User, p: &Params) -> Result<Value> {
    if text(p, "roomId").is_none() {
        return Err(Error::bad("error-room-param-not-provided", "Query param \"roomId\" is required"));
    }
    let room = find(s, user, p)?;
    s.rooms().history(user, &room, &history_options(s, p)?)
}

/// `GET im.messages?roomId=|username=` with `query`, `sort`, `fields` and paging.
fn messages(s: &Services, user: &User, p: &Params) -> Result<Value> {
    let room = find(s, user, p)?;
    let (opts, list) = message_options(s, p)?;
    let (page, total) = s.rooms().messages(user, &room, &list)?;
    Ok(message_page(&opts, page, total))
}

/// `GET im.messages.others?roomId=`: any DM's messages, for holders of
/// `view-room-administration` when `API_Enable_Direct_Message_History_EndPoint` is on.
fn messages_others(s: &Services, user: &User, p: &Params) -> Result<Value> {
    s.authz().require(user, "view-room-administration", None)?;
    if !s.settings.bool("API_Enable_Direct_Message_History_EndPoint") {
        return Err(Error::bad("error-endpoint-disabled", "This endpoint is disabled"));
    }
    let rid = text(p, "roomId")
        .ok_or_else(|| Error::bad("error-roomid-param-not-provided", "The parameter \"roomId\" is required"))?;
    let room = s.store.room_by_id(&rid)?.filter(Room::is_direct).ok_or_else(|| {
        Error::bad("error-room-not-found", format!("No direct message room found by the id of: {rid}"))
    })?;
    let (opts, list) = message_options(s, p)?;
    let (page, total) = s.rooms().list_messages(&room, &list)?;
    Ok(message_page(&opts, page, total))
}

/// `GET im.members?roomId=|username=` → `{members, count, offset, total}`.
fn members(s: &Services, user: &User, p: &Params) -> Result<Value> {
    let room = find(s, user, p)?;
    let (opts, q) = member_query(s, p)?;
    let (members, total) = s.rooms().members(user, &room, &q)?;
    Ok(opts.envelope("members", members, total))
}

/// `GET im.files?roomId=|username=` → `{files, count, offset, total}`.
fn files(s: &Services, user: &User, p: &Params) -> Result<Value> {
    let room = find(s, user, p)?;
    let opts = ListOptions::from_params(s, p)?;
    let files = s.rooms().files(user, &room, text(p, "name").as_deref())?;
    let (page, total) = opts.apply(files, Some(json!({"name": 1})))?;
    Ok(opts.envelope("files", page, total))
}

/// `GET im.counters?roomId=&userId=`.
fn counters(s: &Services, user: &User, p: &Params) -> Result<Value> {
    if text(p, "roomId").is_none() {
        return Err(Error::bad("error-room-param-not-provided", "Query param \"roomId\" is required"));
    }
    let target = match text(p, "userId").filter(|u| u != &user.id) {
        Some(uid) => {
            if !s.authz().can(user, "view-room-administration", None)? {
                return Err(unauthorized());
            }
            s.store.user_by_id(&uid)?.ok_or_else(|| Error::bad("error-invalid-user", "Invalid user"))?
        }
        None => user.clone(),
    };
    let room = find(s, &target, p)?;
    s.rooms().counters(user, &room, Some(&target.id))
}

/// `GET im.list`: the caller's DMs → `{ims, count, offset, total}`.
fn list(s: &Services, user: &User, p: &Params) -> Result<Value> {
    let opts = ListOptions::from_params(s, p)?;
    let rooms = s.store.rooms_of_user(&user.id, &["d"])?;
    room_page(s, &opts, &rooms, "ims", json!({"name": 1}))
}

/// `GET im.list.everyone` (`view-room-administration`): every DM.
fn list_everyone(s: &Services, user: &User, p: &Params) -> Result<Value> {
    s.authz().require(user, "view-room-administration", None)?;
    let opts = ListOptions::from_params(s, p)?;
    let rooms = s.store.rooms_by_types(&["d"])?;
    room_page(s, &opts, &rooms, "ims", json!({"name": 1}))
}

/// `POST im.setTopic {roomId, topic}` → `{topic}`.
fn set_topic(s: &Services, user: &User, p: &Params) -> Result<Value> {
    if text(p, "roomId").is_none() {
        return Err(Error::bad("error-room-param-not-provided", "Body param \"roomId\" is required"));
    }
    let room = find(s, user, p)?;
    let topic = p.opt_str("topic").unwrap_or_default();
    s.rooms().save_setting(user, &room, "roomTopic", json!(topic))?;
    Ok(json!({"topic": topic}))
}
