//! `im.*` (direct messages) and their `dm.*` aliases: the same handlers under both prefixes.

use std::sync::Arc;

use axum::Router;
use serde_json::{Value, json};

use super::channels::{any_messages_of, files_of, history_of, members_of, messages_of};
use super::paging::ListOptions;
use super::params::Params;
use super::rooms::{failure, get_with, post_with, room_page, text};
use crate::error::{Kind, Result};
use crate::models::{Room, RoomType, User};
use crate::services::Services;
use crate::services::subscriptions::OpenChange;

type Handler = fn(&Services, &User, &Params) -> Result<Value>;

/// `POST` endpoints: the `im.*` route, its `dm.*` alias, the handler.
const POSTS: &[(&str, &str, Handler)] = &[
    ("/api/v1/im.create", "/api/v1/dm.create", create),
    ("/api/v1/im.open", "/api/v1/dm.open", open),
    ("/api/v1/im.close", "/api/v1/dm.close", close),
    ("/api/v1/im.delete", "/api/v1/dm.delete", delete),
    ("/api/v1/im.setTopic", "/api/v1/dm.setTopic", set_topic),
];

/// `GET` endpoints: the `im.*` route, its `dm.*` alias, the handler.
const GETS: &[(&str, &str, Handler)] = &[
    ("/api/v1/im.history", "/api/v1/dm.history", history),
    ("/api/v1/im.messages", "/api/v1/dm.messages", messages),
    ("/api/v1/im.messages.others", "/api/v1/dm.messages.others", messages_others),
    ("/api/v1/im.members", "/api/v1/dm.members", members),
    ("/api/v1/im.files", "/api/v1/dm.files", files),
    ("/api/v1/im.counters", "/api/v1/dm.counters", counters),
    ("/api/v1/im.list", "/api/v1/dm.list", list),
    ("/api/v1/im.list.everyone", "/api/v1/dm.list.everyone", list_everyone),
];

/// Routes of both prefixes.
pub fn routes() -> Router<Arc<Services>> {
    let mut r = Router::new();
    for &(im, dm, h) in POSTS {
        r = r.route(im, post_with(h)).route(dm, post_with(h));
    }
    for &(im, dm, h) in GETS {
        r = r.route(im, get_with(h)).route(dm, get_with(h));
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
            return Err(Kind::InvalidParams.with_message("The parameter \"username\" or \"usernames\" is required"));
        }
    };
    let room = s.rooms().create_direct(user, &usernames, p.bool("excludeSelf", false)?)?;
    let mut view = room.public_view();
    view["rid"] = json!(room.id);
    Ok(json!({"room": view}))
}

/// `POST im.open {roomId}`.
fn open(s: &Services, user: &User, p: &Params) -> Result<Value> {
    let room = find(s, user, p)?;
    s.subscriptions().set_open(user, &room.id, true)?;
    Ok(json!({}))
}

/// `POST im.close {roomId}`.
fn close(s: &Services, user: &User, p: &Params) -> Result<Value> {
    let rid = text(p, "roomId").ok_or(Kind::RoomParamNotProvided)?;
    if s.rooms().exists(&rid)? {
        find(s, user, p)?;
    }
    match s.subscriptions().set_open(user, &rid, false)? {
        OpenChange::Changed => Ok(json!({})),
        OpenChange::NotSubscribed => Err(failure("The user is not subscribed to the room")),
        OpenChange::Unchanged => Err(failure("The direct message room, is already closed to the sender")),
    }
}

/// `POST im.delete {roomId|username}` (`delete-d`).
fn delete(s: &Services, user: &User, p: &Params) -> Result<Value> {
    let room = match find(s, user, p) {
        Ok(r) => r,
        // Administrators may delete conversations they are not in.
        Err(e) => match text(p, "roomId").map(|id| s.rooms().administered(user, &id)).transpose()?.flatten() {
            Some(r) if r.is_direct() => r,
            _ => return Err(e),
        },
    };
    s.rooms().erase(user, &room)?;
    Ok(json!({}))
}

/// `GET im.history?roomId=&latest=&oldest=&inclusive=&count=&offset=&unreads=`.
fn history(s: &Services, user: &User, p: &Params) -> Result<Value> {
    if text(p, "roomId").is_none() {
        return Err(Kind::RoomParamNotProvided.with_message("Query param \"roomId\" is required"));
    }
    history_of(s, user, &find(s, user, p)?, p)
}

/// `GET im.messages?roomId=|username=` with `query`, `sort`, `fields` and paging.
fn messages(s: &Services, user: &User, p: &Params) -> Result<Value> {
    messages_of(s, user, &find(s, user, p)?, p)
}

/// `GET im.messages.others?roomId=`: any DM's messages, for holders of
/// `view-room-administration` when `API_Enable_Direct_Message_History_EndPoint` is on.
fn messages_others(s: &Services, user: &User, p: &Params) -> Result<Value> {
    let room = s.rooms().direct_for_admin(user, text(p, "roomId").as_deref())?;
    any_messages_of(s, &room, p)
}

/// `GET im.members?roomId=|username=` → `{members, count, offset, total}`.
fn members(s: &Services, user: &User, p: &Params) -> Result<Value> {
    members_of(s, user, &find(s, user, p)?, p)
}

/// `GET im.files?roomId=|username=` → `{files, count, offset, total}`.
fn files(s: &Services, user: &User, p: &Params) -> Result<Value> {
    files_of(s, user, &find(s, user, p)?, p)
}

/// `GET im.counters?roomId=&userId=`.
fn counters(s: &Services, user: &User, p: &Params) -> Result<Value> {
    if text(p, "roomId").is_none() {
        return Err(Kind::RoomParamNotProvided.with_message("Query param \"roomId\" is required"));
    }
    let target = s.rooms().counters_subject(user, text(p, "userId").as_deref())?;
    let room = find(s, &target, p)?;
    Ok(serde_json::to_value(s.rooms().counters(user, &room, Some(&target.id))?)?)
}

/// `GET im.list`: the caller's DMs → `{ims, count, offset, total}`.
fn list(s: &Services, user: &User, p: &Params) -> Result<Value> {
    let opts = ListOptions::from_params(s, p)?;
    let rooms = s.rooms().of_user(user, &[RoomType::Direct])?;
    room_page(&opts, &rooms, "ims", json!({"name": 1}))
}

/// `GET im.list.everyone` (`view-room-administration`): every DM.
fn list_everyone(s: &Services, user: &User, p: &Params) -> Result<Value> {
    let rooms = s.rooms().list_all(user, &[RoomType::Direct])?;
    let opts = ListOptions::from_params(s, p)?;
    room_page(&opts, &rooms, "ims", json!({"name": 1}))
}

/// `POST im.setTopic {roomId, topic}` → `{topic}`.
fn set_topic(s: &Services, user: &User, p: &Params) -> Result<Value> {
    if text(p, "roomId").is_none() {
        return Err(Kind::RoomParamNotProvided.into());
    }
    let room = find(s, user, p)?;
    let topic = p.opt_str("topic").unwrap_or_default();
    s.rooms().save_setting(user, &room, "roomTopic", json!(topic))?;
    Ok(json!({"topic": topic}))
}
