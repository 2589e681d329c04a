//! `rooms.*` endpoints, and the helpers the room families (`channels.*`, `groups.*`, `im.*`,
//! `subscriptions.*`, `teams.*`) share: handler wrappers and parameter readers.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::routing::{MethodRouter, get, post};
use serde_json::{Value, json};

use super::auth::Auth;
use super::paging::ListOptions;
use super::params::{Body, Params, Query};
use super::reply::{Reply, ok};
use crate::error::{Error, Kind, Result};
use crate::models::{Room, User};
use crate::query;
use crate::services::Services;
use crate::services::rooms::NewDiscussion;
use crate::store::CleanHistory;
use crate::time::Date;

/// A plain REST failure (400 `{success: false, error: message}`), as Rocket.Chat's
/// `API.v1.failure("…")` answers.
pub(super) fn failure(message: impl Into<String>) -> Error {
    Kind::PlainFailure.with_message(message)
}

/// Turns a service result into a response: the value with `success: true`, or the error in the
/// shape its catalog kind says.
pub(super) fn respond(result: Result<Value>) -> Reply {
    result.map(ok)
}

/// A `GET` route running `f` on the blocking pool with the caller and the query parameters.
pub(super) fn get_with<F>(f: F) -> MethodRouter<Arc<Services>>
where
    F: Fn(&Services, &User, &Params) -> Result<Value> + Clone + Send + Sync + 'static,
{
    get(move |State(svc): State<Arc<Services>>, Auth(caller): Auth, Query(p): Query| {
        let f = f.clone();
        async move { respond(svc.blocking(move |s| f(s, &caller.user, &p)).await) }
    })
}

/// A `POST` route running `f` on the blocking pool with the caller and the body parameters.
pub(super) fn post_with<F>(f: F) -> MethodRouter<Arc<Services>>
where
    F: Fn(&Services, &User, &Params) -> Result<Value> + Clone + Send + Sync + 'static,
{
    post(move |State(svc): State<Arc<Services>>, Auth(caller): Auth, Body(p): Body| {
        let f = f.clone();
        async move { respond(svc.blocking(move |s| f(s, &caller.user, &p)).await) }
    })
}

/// A non-empty string parameter.
pub(super) fn text(p: &Params, name: &str) -> Option<String> {
    p.opt_str(name).filter(|s| !s.trim().is_empty())
}

/// The user named by `userId`, `username` or `user` (`getUserFromParams`).
pub(super) fn user_from_params(s: &Services, p: &Params) -> Result<User> {
    let username = text(p, "username").or_else(|| text(p, "user"));
    s.users().find_by_id_or_username(text(p, "userId").as_deref(), username.as_deref())
}

/// The users named by `userId`, `userIds`, `username` or `usernames` (`getUserListFromParams`).
pub(super) fn users_from_params(s: &Services, p: &Params) -> Result<Vec<User>> {
    let mut ids: Vec<String> = p.list("userIds");
    ids.extend(text(p, "userId"));
    let mut names: Vec<String> = p.list("usernames");
    names.extend(text(p, "username"));
    s.users().find_all(&ids, &names)
}

/// A date parameter: ISO-8601 or milliseconds.
pub(super) fn date_param(p: &Params, name: &str) -> Result<Option<Date>> {
    match p.get(name) {
        None => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(v) => Date::from_json(v)
            .or_else(|| v.as_str().and_then(|s| s.trim().parse::<i64>().ok()).map(Date))
            .map(Some)
            .ok_or_else(|| Kind::InvalidParams.with_message(format!("The parameter \"{name}\" must be a valid date"))),
    }
}

/// Filters, sorts, pages and projects room documents with the request's list options.
pub(super) fn room_page(opts: &ListOptions, rooms: &[Room], key: &str, default_sort: Value) -> Result<Value> {
    let docs: Vec<Value> = rooms.iter().map(|r| r.public_view()).collect();
    let (page, total) = opts.apply(docs, Some(default_sort))?;
    Ok(opts.envelope(key, page, total))
}

/// A page of already-sorted documents with the request's paging and projection.
pub(super) fn page_of(opts: &ListOptions, docs: Vec<Value>, key: &str) -> Value {
    let total = docs.len();
    let mut page: Vec<Value> = docs.into_iter().skip(opts.offset).take(opts.count.unwrap_or(usize::MAX)).collect();
    if let Some(f) = &opts.fields {
        page.iter_mut().for_each(|d| query::project(d, f));
    }
    opts.envelope(key, page, total)
}

/// Any readable room by `roomId` or `roomName` (`findRoomByIdOrName`).
pub(super) fn any_room(s: &Services, user: &User, p: &Params) -> Result<Room> {
    s.rooms().find_readable(user, text(p, "roomId").as_deref(), text(p, "roomName").as_deref())
}

/// Routes of this family.
pub fn routes() -> Router<Arc<Services>> {
    Router::new()
        .route("/api/v1/rooms.get", get_with(rooms_get))
        .route("/api/v1/rooms.info", get_with(info))
        .route("/api/v1/rooms.leave", post_with(leave))
        .route("/api/v1/rooms.favorite", post_with(favorite))
        .route("/api/v1/rooms.adminRooms", get_with(admin_rooms))
        .route("/api/v1/rooms.adminRooms.getRoom", get_with(admin_room))
        .route("/api/v1/rooms.cleanHistory", post_with(clean_history))
        .route("/api/v1/rooms.createDiscussion", post_with(create_discussion))
        .route("/api/v1/rooms.getDiscussions", get_with(discussions))
        .route("/api/v1/rooms.saveNotification", post_with(save_notification))
        .route("/api/v1/rooms.muteUser", post_with(|s, u, p| mute(s, u, p, true)))
        .route("/api/v1/rooms.unmuteUser", post_with(|s, u, p| mute(s, u, p, false)))
        .route("/api/v1/rooms.nameExists", get_with(name_exists))
        .route("/api/v1/rooms.delete", post_with(delete))
        .route("/api/v1/rooms.isMember", get_with(is_member))
        .route("/api/v1/rooms.open", post_with(open))
        .route("/api/v1/rooms.close", post_with(close))
        .route("/api/v1/rooms.saveRoomSettings", post_with(save_room_settings))
        .route("/api/v1/rooms.changeArchivationState", post_with(change_archivation_state))
        .route("/api/v1/rooms.autocomplete.channelAndPrivate", get_with(autocomplete_channel_and_private))
}

/// `GET rooms.get?updatedSince=`: `{update, remove}` of the caller's rooms.
fn rooms_get(s: &Services, user: &User, p: &Params) -> Result<Value> {
    let since = match text(p, "updatedSince") {
        None => None,
        Some(t) => Some(Date::parse_iso(&t).ok_or(Kind::UpdatedSinceParamInvalid)?),
    };
    let changes = s.subscriptions().rooms(user, since)?;
    Ok(json!({
        "update": changes.update.iter().map(|r| r.public_view()).collect::<Vec<_>>(),
        "remove": changes.remove,
    }))
}

/// `GET rooms.info?roomId=|roomName=`: `{room}` plus its `team` and discussion `parent`.
fn info(s: &Services, user: &User, p: &Params) -> Result<Value> {
    let room = any_room(s, user, p)?;
    let mut view = room.public_view();
    if let Some(f) = p.json_object("fields")? {
        query::project(&mut view, &f);
    }
    let mut out = json!({"room": view});
    let relatives = s.rooms().relatives(&room)?;
    if let Some(team) = &relatives.team {
        out["team"] = json!(team);
    }
    if let Some(main) = relatives.team_main {
        out["parent"] = json!({"_id": main.id, "name": main.name, "fname": main.fname, "t": main.t});
    }
    if let Some(parent) = relatives.discussion_parent {
        out["parent"] =
            json!({"_id": parent.id, "name": parent.name, "fname": parent.fname, "t": parent.t, "prid": parent.prid});
    }
    Ok(out)
}

/// `POST rooms.leave {roomId|roomName}`.
fn leave(s: &Services, user: &User, p: &Params) -> Result<Value> {
    let room = any_room(s, user, p)?;
    s.rooms().leave(user, &room)?;
    Ok(json!({}))
}

/// `POST rooms.favorite {roomId|roomName, favorite}`.
fn favorite(s: &Services, user: &User, p: &Params) -> Result<Value> {
    if p.get("favorite").is_none() {
        return Err(failure("The 'favorite' param is required"));
    }
    let favorite = p.bool("favorite", false)?;
    let room = any_room(s, user, p)?;
    s.subscriptions().favorite(user, &room.id, favorite)?;
    Ok(json!({}))
}

/// `GET rooms.adminRooms?types[]=&filter=` (`view-room-administration`).
fn admin_rooms(s: &Services, user: &User, p: &Params) -> Result<Value> {
    let rooms = s.rooms().admin_rooms(user, &p.list("types"), text(p, "filter").as_deref())?;
    let opts = ListOptions::from_params(s, p)?;
    room_page(&opts, &rooms, "rooms", json!({"default": -1, "name": 1}))
}

/// `GET rooms.adminRooms.getRoom?rid=` (`view-room-administration`).
fn admin_room(s: &Services, user: &User, p: &Params) -> Result<Value> {
    let rid = p.opt_str("rid").filter(|r| !r.is_empty());
    Ok(s.rooms().admin_room(user, rid.as_deref())?.public_view())
}

fn flag(p: &Params, name: &str) -> bool {
    p.bool(name, false).unwrap_or(false)
}

/// `POST rooms.cleanHistory {roomId, latest, oldest, inclusive, excludePinned, filesOnly,
/// users, limit, ignoreDiscussion, ignoreThreads}` (`clean-channel-history`) → `{_id, count}`.
fn clean_history(s: &Services, user: &User, p: &Params) -> Result<Value> {
    let room = any_room(s, user, p).map_err(|e| match e.kind() {
        Some(Kind::RoomNotFound) => Kind::NotAllowed.with_message("User does not have access to the room"),
        _ => e,
    })?;
    let latest = date_param(p, "latest")?.ok_or_else(|| failure("Body parameter \"latest\" is required."))?;
    let oldest = date_param(p, "oldest")?.ok_or_else(|| failure("Body parameter \"oldest\" is required."))?;
    let limit = p.int("limit")?.filter(|l| *l > 0).map(|l| l as usize);
    let q = CleanHistory {
        rid: room.id.clone(),
        oldest,
        latest,
        inclusive: flag(p, "inclusive"),
        exclude_pinned: flag(p, "excludePinned"),
        files_only: flag(p, "filesOnly"),
        ignore_threads: flag(p, "ignoreThreads"),
        ignore_discussion: flag(p, "ignoreDiscussion"),
        from_usernames: p.list("users"),
        limit,
    };
    let count = s.rooms().clean_history(user, &room, q)?;
    Ok(json!({"_id": room.id, "count": count}))
}

/// `POST rooms.createDiscussion {prid, t_name, users, pmid, reply, encrypted, topic}` →
/// `{discussion}`.
fn create_discussion(s: &Services, user: &User, p: &Params) -> Result<Value> {
    let prid = text(p, "prid").ok_or_else(|| failure("Body parameter \"prid\" is required."))?;
    let name = text(p, "t_name").ok_or_else(|| failure("Body parameter \"t_name\" is required."))?;
    if p.get("users").is_some_and(|u| !u.is_array()) {
        return Err(failure("Body parameter \"users\" must be an array."));
    }
    let encrypted = match p.get("encrypted") {
        None => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(_) => return Err(failure("Body parameter \"encrypted\" must be a boolean when included.")),
    };
    let discussion = s.discussions().create(
        user,
        NewDiscussion {
            prid,
            pmid: text(p, "pmid"),
            name,
            users: p.list("users"),
            encrypted,
            topic: text(p, "topic"),
            reply: text(p, "reply"),
        },
    )?;
    let mut view = discussion.public_view();
    view["rid"] = json!(discussion.id);
    Ok(json!({"discussion": view}))
}

/// `GET rooms.getDiscussions?roomId=|roomName=` → `{discussions, count, offset, total}`.
fn discussions(s: &Services, user: &User, p: &Params) -> Result<Value> {
    let room = any_room(s, user, p)?;
    let opts = ListOptions::from_params(s, p)?;
    let rooms = s.rooms().discussions(user, &room)?;
    room_page(&opts, &rooms, "discussions", json!({"fname": 1}))
}

/// `POST rooms.saveNotification {roomId, notifications: {…}}`.
fn save_notification(s: &Services, user: &User, p: &Params) -> Result<Value> {
    let rid = text(p, "roomId").ok_or_else(|| failure("The 'roomId' param is required"))?;
    let prefs = match p.get("notifications") {
        Some(Value::Object(o)) if !o.is_empty() => o.clone(),
        _ => return Err(failure("The 'notifications' param is required")),
    };
    s.subscriptions().save_notifications(user, &rid, &prefs)?;
    Ok(json!({}))
}

/// `POST rooms.muteUser` / `rooms.unmuteUser {roomId, userId|username}` (`mute-user`).
fn mute(s: &Services, user: &User, p: &Params, mute: bool) -> Result<Value> {
    let target = user_from_params(s, p)?;
    let rid = p.str("roomId")?;
    let room = s.rooms().readable(user, &rid)?;
    s.rooms().set_muted(user, &room, &target.username, mute)?;
    Ok(json!({}))
}

/// `GET rooms.nameExists?roomName=` → `{exists}`.
fn name_exists(s: &Services, _user: &User, p: &Params) -> Result<Value> {
    let name = p.str("roomName")?;
    Ok(json!({"exists": s.rooms().name_exists(&name)?}))
}

/// `POST rooms.delete {roomId}`.
fn delete(s: &Services, user: &User, p: &Params) -> Result<Value> {
    let rid = text(p, "roomId").ok_or_else(|| failure("The 'roomId' param is required"))?;
    // Administrators may delete rooms they are not in.
    let room = s.rooms().readable(user, &rid).or_else(|e| s.rooms().administered(user, &rid)?.ok_or(e))?;
    s.rooms().erase(user, &room)?;
    Ok(json!({}))
}

/// `GET rooms.isMember?roomId=&userId=|username=` → `{isMember}`.
fn is_member(s: &Services, user: &User, p: &Params) -> Result<Value> {
    let room = any_room(s, user, p)?;
    let target = user_from_params(s, p).map_err(|_| failure("error-user-not-found"))?;
    Ok(json!({"isMember": s.rooms().is_member(&room.id, &target.id)?}))
}

/// `POST rooms.open {roomId}`.
fn open(s: &Services, user: &User, p: &Params) -> Result<Value> {
    let rid = p.str("roomId")?;
    s.subscriptions().open(user, &rid)?;
    Ok(json!({}))
}

/// `POST rooms.close {roomId}`.
fn close(s: &Services, user: &User, p: &Params) -> Result<Value> {
    let rid = p.str("roomId")?;
    s.subscriptions().hide(user, &rid)?;
    Ok(json!({}))
}

/// `POST rooms.saveRoomSettings {rid, …settings}` → `{rid}`.
fn save_room_settings(s: &Services, user: &User, p: &Params) -> Result<Value> {
    let rid = p.str("rid")?;
    let room = s.rooms().readable(user, &rid)?;
    let mut settings = p.0.clone();
    settings.remove("rid");
    s.rooms().save_settings(user, &room, &settings)?;
    Ok(json!({"rid": rid}))
}

/// `POST rooms.changeArchivationState {rid, action: "archive"|"unarchive"}`.
fn change_archivation_state(s: &Services, user: &User, p: &Params) -> Result<Value> {
    let rid = p.str("rid")?;
    let room = s.rooms().readable(user, &rid)?;
    if p.opt_str("action").as_deref() == Some("archive") {
        s.rooms().archive(user, &room)?;
    } else {
        s.rooms().unarchive(user, &room)?;
    }
    Ok(json!({"result": true}))
}

/// `GET rooms.autocomplete.channelAndPrivate?selector={"name": …}` → `{items}`: up to 10 of
/// the caller's channels and groups whose name contains the text.
fn autocomplete_channel_and_private(s: &Services, user: &User, p: &Params) -> Result<Value> {
    let selector = p.json_object("selector")?.ok_or_else(|| failure("The 'selector' param is required"))?;
    let name = selector.get("name").and_then(Value::as_str).unwrap_or("");
    let items: Vec<Value> = s
        .rooms()
        .autocomplete_joined(user, name)?
        .into_iter()
        .map(|r| json!({"_id": r.id, "name": r.name, "fname": r.fname, "t": r.t}))
        .collect();
    Ok(json!({"items": items}))
}
