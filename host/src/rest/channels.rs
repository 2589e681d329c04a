//! `channels.*` and `groups.*`: one set of handlers, registered once per room type. A [`Kind`]
//! carries what differs — the room type (`c`/`p`), the route prefix, the response key
//! (`channel`/`group`) and the wording of a few messages.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use serde_json::{Map, Value, json};

use super::paging::ListOptions;
use super::params::{Params, Query};
use super::reply::{Reply, ok};
use super::rooms::{
    date_param, failure, get_with, page_of, post_with, room_page, text, user_from_params, users_from_params,
};
use crate::error::{Error, Result};
use crate::models::{Room, User};
use crate::query;
use crate::services::Services;
use crate::services::authz::unauthorized;
use crate::services::rooms::{HistoryOptions, MessageListOptions, NewRoom, RoomRole, room_not_found_for};
use crate::services::teams::{NewTeam, TEAM_PRIVATE, TEAM_PUBLIC};
use crate::store::MemberQuery;

/// What differs between `channels.*` and `groups.*`.
#[derive(Debug, Clone, Copy)]
pub struct Kind {
    /// Room type: `c` or `p`.
    pub t: &'static str,
    /// Route prefix: `channels` or `groups`.
    pub family: &'static str,
    /// Response key of one room: `channel` or `group`.
    pub key: &'static str,
    /// Response key of a list: `channels` or `groups`.
    pub list_key: &'static str,
    /// How messages name the room: `channel` or `private group`.
    pub noun: &'static str,
}

/// Public channels.
pub const CHANNELS: Kind = Kind { t: "c", family: "channels", key: "channel", list_key: "channels", noun: "channel" };
/// Private groups.
pub const GROUPS: Kind = Kind { t: "p", family: "groups", key: "group", list_key: "groups", noun: "private group" };

/// Routes of both families.
pub fn routes() -> Router<Arc<Services>> {
    family(CHANNELS).merge(family(GROUPS))
}

fn family(k: Kind) -> Router<Arc<Services>> {
    let path = |action: &str| format!("/api/v1/{}.{action}", k.family);
    let role = |role: RoomRole, add: bool| post_with(move |s, u, p| set_role(s, k, u, p, role, add));
    let mut r = Router::new()
        .route(&path("create"), post_with(move |s, u, p| create(s, k, u, p)))
        .route(&path("info"), get_with(move |s, u, p| info(s, k, u, p)))
        .route(&path("list"), get_with(move |s, u, p| list(s, k, u, p)))
        .route(&path("members"), get_with(move |s, u, p| members(s, k, u, p)))
        .route(&path("messages"), get_with(move |s, u, p| messages(s, k, u, p)))
        .route(&path("history"), get_with(move |s, u, p| history(s, k, u, p)))
        .route(&path("counters"), get_with(move |s, u, p| counters(s, k, u, p)))
        .route(&path("files"), get_with(move |s, u, p| files(s, k, u, p)))
        .route(&path("online"), get_with(move |s, u, p| online(s, k, u, p)))
        .route(&path("moderators"), get_with(move |s, u, p| moderators(s, k, u, p)))
        .route(&path("roles"), get_with(move |s, u, p| roles(s, k, u, p)))
        .route(&path("invite"), post_with(move |s, u, p| invite(s, k, u, p)))
        .route(&path("kick"), post_with(move |s, u, p| kick(s, k, u, p)))
        .route(&path("leave"), post_with(move |s, u, p| leave(s, k, u, p)))
        .route(&path("open"), post_with(move |s, u, p| open(s, k, u, p)))
        .route(&path("close"), post_with(move |s, u, p| close(s, k, u, p)))
        .route(&path("rename"), post_with(move |s, u, p| rename(s, k, u, p)))
        .route(&path("archive"), post_with(move |s, u, p| archive(s, k, u, p)))
        .route(&path("unarchive"), post_with(move |s, u, p| unarchive(s, k, u, p)))
        .route(&path("delete"), post_with(move |s, u, p| delete(s, k, u, p)))
        .route(&path("addAll"), post_with(move |s, u, p| add_all(s, k, u, p)))
        .route(&path("addOwner"), role(RoomRole::Owner, true))
        .route(&path("removeOwner"), role(RoomRole::Owner, false))
        .route(&path("addModerator"), role(RoomRole::Moderator, true))
        .route(&path("removeModerator"), role(RoomRole::Moderator, false))
        .route(&path("addLeader"), role(RoomRole::Leader, true))
        .route(&path("removeLeader"), role(RoomRole::Leader, false))
        .route(&path("setTopic"), post_with(move |s, u, p| set_text(s, k, u, p, "topic", "roomTopic")))
        .route(
            &path("setAnnouncement"),
            post_with(move |s, u, p| set_text(s, k, u, p, "announcement", "roomAnnouncement")),
        )
        .route(
            &path("setDescription"),
            post_with(move |s, u, p| set_text(s, k, u, p, "description", "roomDescription")),
        )
        .route(&path("setPurpose"), post_with(move |s, u, p| set_text(s, k, u, p, "purpose", "roomDescription")))
        .route(&path("setReadOnly"), post_with(move |s, u, p| set_read_only(s, k, u, p)))
        .route(&path("setType"), post_with(move |s, u, p| set_type(s, k, u, p)))
        .route(&path("setCustomFields"), post_with(move |s, u, p| set_custom_fields(s, k, u, p)))
        .route(&path("setEncrypted"), post_with(move |s, u, p| set_encrypted(s, k, u, p)))
        .route(&path("getIntegrations"), get_with(move |s, u, p| get_integrations(s, k, u, p)))
        .route(&path("convertToTeam"), post_with(move |s, u, p| convert_to_team(s, k, u, p)));
    if k.t == "c" {
        r = r
            .route(&path("list.joined"), get_with(move |s, u, p| list_joined(s, k, u, p)))
            .route(&path("join"), post_with(move |s, u, p| join(s, k, u, p)))
            .route(&path("setDefault"), post_with(move |s, u, p| set_default(s, k, u, p)))
            .route(&path("setJoinCode"), post_with(move |s, u, p| set_join_code(s, k, u, p)))
            .route(&path("getAllUserMentionsByChannel"), get_with(move |s, u, p| mentions(s, k, u, p)))
            .route(&path("anonymousread"), get(anonymous_read));
    } else {
        r = r.route(&path("listAll"), get_with(move |s, u, p| list_all(s, k, u, p)));
    }
    r
}

/// The room of the request (`roomId` or `roomName`) of this kind, readable by `user`.
fn find(s: &Services, k: Kind, user: &User, p: &Params, check_archived: bool) -> Result<Room> {
    s.rooms().find_typed(user, k.t, text(p, "roomId").as_deref(), text(p, "roomName").as_deref(), check_archived)
}

/// `{<channel|group>: room}`, re-read after a change.
fn room_answer(s: &Services, k: Kind, rid: &str) -> Result<Value> {
    let room = s.store.room_by_id(rid)?.ok_or_else(|| room_not_found_for(k.t))?;
    let mut o = Map::new();
    o.insert(k.key.into(), s.rooms().view(&room));
    Ok(Value::Object(o))
}

/// `POST <family>.create {name, members, readOnly, customFields, extraData, excludeSelf}`;
/// channels also take `teams` (names of teams whose members join).
fn create(s: &Services, k: Kind, user: &User, p: &Params) -> Result<Value> {
    let perm = if k.t == "c" { "create-c" } else { "create-p" };
    let in_team = p.get("extraData").and_then(|e| e.get("teamId")).is_some();
    if !in_team && !s.authz().can(user, perm, None)? {
        return Err(unauthorized());
    }
    let name = text(p, "name").ok_or_else(|| failure("Body param \"name\" is required"))?;
    if p.get("members").is_some_and(|m| !m.is_array()) {
        return Err(failure("Body param \"members\" must be an array if provided"));
    }
    let custom_fields = match p.get("customFields") {
        None => None,
        Some(Value::Object(o)) => Some(o.clone()),
        Some(_) => return Err(failure("Body param \"customFields\" must be an object if provided")),
    };
    let extra = match p.get("extraData") {
        None => Map::new(),
        Some(Value::Object(o)) => o.clone(),
        Some(_) => return Err(failure("Body param \"extraData\" must be an object if provided")),
    };
    let mut members = p.list("members");
    if k.t == "c" {
        for team_name in p.list("teams") {
            if let Some(team) = s.store.team_by_name(&team_name)? {
                let ids: Vec<String> = s.store.team_members(&team.id)?.into_iter().map(|m| m.user_id).collect();
                members.extend(s.store.users_by_ids(&ids)?.into_iter().map(|u| u.username));
            }
        }
    }
    let room = s.rooms().create(
        user,
        NewRoom {
            t: k.t.into(),
            name,
            members,
            read_only: p.bool("readOnly", false)?,
            extra,
            custom_fields,
            exclude_self: p.bool("excludeSelf", false)?,
        },
    )?;
    room_answer(s, k, &room.id)
}

/// `GET <family>.info?roomId=|roomName=`.
fn info(s: &Services, k: Kind, user: &User, p: &Params) -> Result<Value> {
    let room = find(s, k, user, p, false)?;
    room_answer(s, k, &room.id)
}

/// `GET channels.list`: every public channel the caller may see (`view-c-room`, or only
/// joined ones with `view-joined-room`); team rooms only when joined. `GET groups.list`: the
/// caller's groups.
fn list(s: &Services, k: Kind, user: &User, p: &Params) -> Result<Value> {
    let opts = ListOptions::from_params(s, p)?;
    if k.t == "p" {
        let rooms = s.store.rooms_of_user(&user.id, &["p"])?;
        return room_page(s, &opts, &rooms, k.list_key, json!({"name": 1}));
    }
    let see_all = s.authz().can(user, "view-c-room", None)?;
    if !see_all && !s.authz().can(user, "view-joined-room", None)? {
        return Err(unauthorized());
    }
    let joined: std::collections::HashSet<String> =
        s.store.subscriptions_of_user(&user.id)?.into_iter().map(|sub| sub.rid).collect();
    let only_id = text(p, "_id");
    let rooms: Vec<Room> = s
        .store
        .rooms_by_types(&["c"])?
        .into_iter()
        .filter(|r| see_all || joined.contains(&r.id))
        .filter(|r| r.team_id.is_none() || joined.contains(&r.id))
        .filter(|r| only_id.as_deref().is_none_or(|id| r.id == id))
        .collect();
    room_page(s, &opts, &rooms, k.list_key, json!({"name": 1}))
}

/// `GET channels.list.joined`.
fn list_joined(s: &Services, k: Kind, user: &User, p: &Params) -> Result<Value> {
    let opts = ListOptions::from_params(s, p)?;
    let rooms = s.store.rooms_of_user(&user.id, &[k.t])?;
    room_page(s, &opts, &rooms, k.list_key, json!({"name": 1}))
}

/// `GET groups.listAll` (`view-room-administration`).
fn list_all(s: &Services, k: Kind, user: &User, p: &Params) -> Result<Value> {
    s.authz().require(user, "view-room-administration", None)?;
    let opts = ListOptions::from_params(s, p)?;
    let rooms = s.store.rooms_by_types(&[k.t])?;
    room_page(s, &opts, &rooms, k.list_key, json!({"name": 1}))
}

/// The members query of a request: `filter`, `status[]`, `sort={"username": ±1}` and paging.
pub(super) fn member_query(s: &Services, p: &Params) -> Result<(ListOptions, MemberQuery)> {
    let opts = ListOptions::from_params(s, p)?;
    let descending = opts.sort.as_ref().and_then(|o| o.get("username")).and_then(Value::as_i64) == Some(-1);
    let q = MemberQuery {
        filter: text(p, "filter"),
        status: p.list("status"),
        descending,
        offset: opts.offset,
        limit: opts.count,
    };
    Ok((opts, q))
}

/// `GET <family>.members?roomId=&filter=&status[]=` → `{members, count, offset, total}`.
fn members(s: &Services, k: Kind, user: &User, p: &Params) -> Result<Value> {
    let room = find(s, k, user, p, false)?;
    let (opts, q) = member_query(s, p)?;
    let (members, total) = s.rooms().members(user, &room, &q)?;
    Ok(opts.envelope("members", members, total))
}

/// The message list options of a request, with `mentionIds`, `starredIds` and `pinned`
/// folded into the query.
pub(super) fn message_options(s: &Services, p: &Params) -> Result<(ListOptions, MessageListOptions)> {
    let opts = ListOptions::from_params(s, p)?;
    let mut q = opts.query.clone().unwrap_or_default();
    let ids = |name: &str| -> Option<Value> {
        let v: Vec<String> = p.list(name);
        (!v.is_empty()).then(|| json!({"$in": v}))
    };
    if let Some(v) = ids("mentionIds") {
        q.insert("mentions._id".into(), v);
    }
    if let Some(v) = ids("starredIds") {
        q.insert("starred._id".into(), v);
    }
    if p.opt_str("pinned").is_some_and(|v| v.eq_ignore_ascii_case("true")) {
        q.insert("pinned".into(), json!(true));
    }
    let list = MessageListOptions {
        offset: opts.offset,
        count: opts.count,
        query: (!q.is_empty()).then_some(q),
        sort: opts.sort.clone(),
    };
    Ok((opts, list))
}

/// A page of messages with the request's projection.
pub(super) fn message_page(opts: &ListOptions, page: Vec<Value>, total: usize) -> Value {
    let mut page = page;
    if let Some(f) = &opts.fields {
        page.iter_mut().for_each(|d| query::project(d, f));
    }
    opts.envelope("messages", page, total)
}

/// `GET <family>.messages?roomId=` with `query`, `sort`, `fields`, `mentionIds`,
/// `starredIds`, `pinned` and paging.
fn messages(s: &Services, k: Kind, user: &User, p: &Params) -> Result<Value> {
    let room = find(s, k, user, p, false)?;
    let (opts, list) = message_options(s, p)?;
    let (page, total) = s.rooms().messages(user, &room, &list)?;
    Ok(message_page(&opts, page, total))
}

/// The history options of a request (`latest`, `oldest`, `inclusive`, `count`, `offset`,
/// `unreads`, `showThreadMessages`).
pub(super) fn history_options(s: &Services, p: &Params) -> Result<HistoryOptions> {
    let opts = ListOptions::from_params(s, p)?;
    let count = match p.int("count")? {
        None => 20,
        Some(_) => opts.count.unwrap_or(usize::MAX),
    };
    Ok(HistoryOptions {
        latest: date_param(p, "latest")?,
        oldest: date_param(p, "oldest")?,
        inclusive: p.bool("inclusive", false)?,
        offset: opts.offset,
        count,
        unreads: p.bool("unreads", false)? || p.bool("unread", false)?,
        show_thread_messages: p.bool("showThreadMessages", false)?,
    })
}

/// `GET <family>.history?roomId=&latest=&oldest=&inclusive=&count=&offset=&unreads=`.
fn history(s: &Services, k: Kind, user: &User, p: &Params) -> Result<Value> {
    let room = find(s, k, user, p, false)?;
    s.rooms().history(user, &room, &history_options(s, p)?)
}

/// `GET <family>.counters?roomId=|roomName=&userId=`.
fn counters(s: &Services, k: Kind, user: &User, p: &Params) -> Result<Value> {
    let room = find(s, k, user, p, false)?;
    s.rooms().counters(user, &room, text(p, "userId").as_deref())
}

/// `GET <family>.files?roomId=|roomName=&name=` → `{files, count, offset, total}`.
fn files(s: &Services, k: Kind, user: &User, p: &Params) -> Result<Value> {
    let room = find(s, k, user, p, false)?;
    let opts = ListOptions::from_params(s, p)?;
    let files = s.rooms().files(user, &room, text(p, "name").as_deref())?;
    let (page, total) = opts.apply(files, Some(json!({"name": 1})))?;
    Ok(opts.envelope("files", page, total))
}

/// `GET <family>.online?query={"_id": rid}` (or `_id=`) → `{online: [{_id, username}]}`.
fn online(s: &Services, k: Kind, user: &User, p: &Params) -> Result<Value> {
    let mut q = p.json_object("query")?.unwrap_or_default();
    if let Some(id) = text(p, "_id") {
        q.insert("_id".into(), json!(id));
    }
    if q.is_empty() {
        return Err(failure("Invalid query"));
    }
    let mut found = None;
    for room in s.store.rooms_by_types(&[k.t])? {
        if query::matches(&s.rooms().view(&room), &q)? {
            found = Some(room);
            break;
        }
    }
    let room =
        found.ok_or_else(|| failure(if k.t == "c" { "Channel does not exists" } else { "Group does not exists" }))?;
    Ok(json!({"online": s.rooms().online(user, &room)?}))
}

/// `GET <family>.moderators` → `{moderators: [{_id, username, name}]}`.
fn moderators(s: &Services, k: Kind, user: &User, p: &Params) -> Result<Value> {
    let room = find(s, k, user, p, true)?;
    Ok(json!({"moderators": s.rooms().moderators(&room)?}))
}

/// `GET <family>.roles` → `{roles: [{_id, rid, u, roles}]}`.
fn roles(s: &Services, k: Kind, user: &User, p: &Params) -> Result<Value> {
    let room = find(s, k, user, p, true)?;
    Ok(json!({"roles": s.rooms().roles(&room)?}))
}

/// `POST <family>.invite {roomId, userId|userIds|username|usernames}`.
fn invite(s: &Services, k: Kind, user: &User, p: &Params) -> Result<Value> {
    // Upstream refuses archived channels here but not archived groups.
    let room = find(s, k, user, p, k.t == "c")?;
    let users = users_from_params(s, p)?;
    if users.is_empty() {
        return Err(Error::bad("error-empty-invite-list", "Cannot invite if no valid users are provided"));
    }
    let names: Vec<String> = users.into_iter().map(|u| u.username).collect();
    s.rooms().add_users(user, &room, &names)?;
    room_answer(s, k, &room.id)
}

/// `POST channels.join {roomId|roomName, joinCode}`.
fn join(s: &Services, k: Kind, user: &User, p: &Params) -> Result<Value> {
    let room = find(s, k, user, p, true)?;
    s.rooms().join(user, &room, text(p, "joinCode").as_deref())?;
    room_answer(s, k, &room.id)
}

/// `POST <family>.kick {roomId, userId|username}`.
fn kick(s: &Services, k: Kind, user: &User, p: &Params) -> Result<Value> {
    let room = find(s, k, user, p, true)?;
    let target = user_from_params(s, p)?;
    s.rooms().kick(user, &room, &target)?;
    room_answer(s, k, &room.id)
}

/// `POST <family>.leave {roomId|roomName}`.
fn leave(s: &Services, k: Kind, user: &User, p: &Params) -> Result<Value> {
    let room = find(s, k, user, p, true)?;
    s.rooms().leave(user, &room)?;
    if k.t == "c" { room_answer(s, k, &room.id) } else { Ok(json!({})) }
}

/// `POST <family>.open {roomId}`: shows the room in the caller's list.
fn open(s: &Services, k: Kind, user: &User, p: &Params) -> Result<Value> {
    let room = find(s, k, user, p, false)?;
    let name = s.rooms().display_name(&room);
    let sub = s
        .store
        .subscription(&room.id, &user.id)?
        .ok_or_else(|| failure(format!("The user/callee is not in the {} \"{name}\".", k.noun)))?;
    if sub.open {
        return Err(failure(if k.t == "c" {
            format!("The channel, {name}, is already open to the sender")
        } else {
            format!("The private group, {name}, is already open for the sender")
        }));
    }
    s.subscriptions().open(user, &room.id)?;
    Ok(json!({}))
}

/// `POST <family>.close {roomId}`: hides the room from the caller's list.
fn close(s: &Services, k: Kind, user: &User, p: &Params) -> Result<Value> {
    let room = find(s, k, user, p, false)?;
    let name = s.rooms().display_name(&room);
    let sub = s
        .store
        .subscription(&room.id, &user.id)?
        .ok_or_else(|| failure(format!("The user/callee is not in the {} \"{name}\".", k.noun)))?;
    if !sub.open {
        return Err(failure(if k.t == "c" {
            format!("The channel, {name}, is already closed to the sender")
        } else {
            format!("The private group, {name}, is already closed to the sender")
        }));
    }
    s.subscriptions().hide(user, &room.id)?;
    Ok(json!({}))
}

fn same_as(k: Kind, what: &str) -> Error {
    let subject = if k.t == "c" { "channel" } else { "private group" };
    failure(format!("The {subject} {what} is the same as what it would be changed to."))
}

/// `POST <family>.rename {roomId, name}`.
fn rename(s: &Services, k: Kind, user: &User, p: &Params) -> Result<Value> {
    let name = text(p, "name").ok_or_else(|| failure("The bodyParam \"name\" is required"))?;
    let room = find(s, k, user, p, true)?;
    if room.name.as_deref() == Some(name.as_str()) {
        return Err(failure(format!("The {} name is the same as what it would be renamed to.", k.noun)));
    }
    s.rooms().save_setting(user, &room, "roomName", json!(name))?;
    room_answer(s, k, &room.id)
}

/// `POST <family>.archive {roomId}`.
fn archive(s: &Services, k: Kind, user: &User, p: &Params) -> Result<Value> {
    let room = find(s, k, user, p, true)?;
    s.rooms().archive(user, &room)?;
    Ok(json!({}))
}

/// `POST <family>.unarchive {roomId}`.
fn unarchive(s: &Services, k: Kind, user: &User, p: &Params) -> Result<Value> {
    let room = find(s, k, user, p, false)?;
    if !room.archived {
        let name = s.rooms().display_name(&room);
        return Err(failure(format!("The {}, {name}, is not archived", k.noun)));
    }
    s.rooms().unarchive(user, &room)?;
    Ok(json!({}))
}

/// `POST <family>.delete {roomId|roomName}`.
fn delete(s: &Services, k: Kind, user: &User, p: &Params) -> Result<Value> {
    let room = find(s, k, user, p, false)?;
    s.rooms().erase(user, &room)?;
    Ok(json!({}))
}

/// `POST <family>.addAll {roomId, activeUsersOnly}`.
fn add_all(s: &Services, k: Kind, user: &User, p: &Params) -> Result<Value> {
    let room = find(s, k, user, p, true)?;
    s.rooms().add_all(user, &room, p.bool("activeUsersOnly", false)?)?;
    room_answer(s, k, &room.id)
}

/// `POST <family>.addOwner|removeOwner|addModerator|removeModerator|addLeader|removeLeader
/// {roomId, userId}`.
fn set_role(s: &Services, k: Kind, user: &User, p: &Params, role: RoomRole, add: bool) -> Result<Value> {
    let room = find(s, k, user, p, true)?;
    let target = user_from_params(s, p)?;
    s.rooms().set_role(user, &room, &target.id, role, add)?;
    Ok(json!({}))
}

/// `POST <family>.setTopic|setAnnouncement|setDescription|setPurpose {roomId, <field>}` →
/// `{<field>}`.
fn set_text(s: &Services, k: Kind, user: &User, p: &Params, field: &str, setting: &str) -> Result<Value> {
    if !p.0.contains_key(field) {
        return Err(failure(format!("The bodyParam \"{field}\" is required")));
    }
    let value = p.opt_str(field).unwrap_or_default();
    let room = find(s, k, user, p, true)?;
    let current = match setting {
        "roomTopic" => room.topic.clone(),
        "roomAnnouncement" => room.announcement.clone(),
        _ => room.description.clone(),
    };
    if k.t == "c" && setting != "roomAnnouncement" && current.as_deref() == Some(value.as_str()) {
        let what = if field == "purpose" { "purpose (description)" } else { field };
        return Err(same_as(k, what));
    }
    s.rooms().save_setting(user, &room, setting, json!(value))?;
    let mut o = Map::new();
    o.insert(field.into(), json!(value));
    Ok(Value::Object(o))
}

/// `POST <family>.setReadOnly {roomId, readOnly}`.
fn set_read_only(s: &Services, k: Kind, user: &User, p: &Params) -> Result<Value> {
    if p.get("readOnly").is_none() {
        return Err(failure("The bodyParam \"readOnly\" is required"));
    }
    let ro = p.bool("readOnly", false)?;
    let room = find(s, k, user, p, true)?;
    if room.ro == ro {
        return Err(same_as(k, "read only setting"));
    }
    s.rooms().save_setting(user, &room, "readOnly", json!(ro))?;
    room_answer(s, k, &room.id)
}

/// `POST <family>.setType {roomId|roomName, type}`: turns a channel into a group or back.
fn set_type(s: &Services, k: Kind, user: &User, p: &Params) -> Result<Value> {
    let t = text(p, "type").ok_or_else(|| failure("The bodyParam \"type\" is required"))?;
    let room = find(s, k, user, p, true)?;
    if room.t == t {
        return Err(same_as(k, "type"));
    }
    s.rooms().save_setting(user, &room, "roomType", json!(t))?;
    room_answer(s, k, &room.id)
}

/// `POST <family>.setCustomFields {roomId|roomName, customFields}`.
fn set_custom_fields(s: &Services, k: Kind, user: &User, p: &Params) -> Result<Value> {
    let Some(Value::Object(fields)) = p.get("customFields") else {
        return Err(failure("The bodyParam \"customFields\" is required with a type like object."));
    };
    let room = find(s, k, user, p, true)?;
    s.rooms().save_setting(user, &room, "roomCustomFields", Value::Object(fields.clone()))?;
    room_answer(s, k, &room.id)
}

/// `POST <family>.setEncrypted {roomId, encrypted}`.
fn set_encrypted(s: &Services, k: Kind, user: &User, p: &Params) -> Result<Value> {
    let Some(Value::Bool(encrypted)) = p.get("encrypted") else {
        return Err(failure("The bodyParam \"encrypted\" is required"));
    };
    let room = find(s, k, user, p, true)?;
    s.rooms().save_setting(user, &room, "encrypted", json!(encrypted))?;
    room_answer(s, k, &room.id)
}

/// `POST channels.setDefault {roomId, default}`.
fn set_default(s: &Services, k: Kind, user: &User, p: &Params) -> Result<Value> {
    if p.get("default").is_none() {
        return Err(Error::bad("error-channels-setdefault-is-same", "The bodyParam \"default\" is required"));
    }
    let value = p.bool("default", false)?;
    let room = find(s, k, user, p, true)?;
    if room.is_default == value {
        return Err(Error::bad(
            "error-channels-setdefault-missing-default-param",
            "The channel default setting is the same as what it would be changed to.",
        ));
    }
    s.rooms().save_setting(user, &room, "default", json!(value))?;
    room_answer(s, k, &room.id)
}

/// `POST channels.setJoinCode {roomId, joinCode}`.
fn set_join_code(s: &Services, k: Kind, user: &User, p: &Params) -> Result<Value> {
    let code = text(p, "joinCode").ok_or_else(|| failure("The bodyParam \"joinCode\" is required"))?;
    let room = find(s, k, user, p, true)?;
    s.rooms().save_setting(user, &room, "joinCode", json!(code))?;
    room_answer(s, k, &room.id)
}

/// `GET <family>.getIntegrations?roomId=`: the integrations posting to the room, for holders
/// of one of the integration permissions. Orbit has no integrations yet, so the list is empty.
fn get_integrations(s: &Services, k: Kind, user: &User, p: &Params) -> Result<Value> {
    let perms = [
        "manage-outgoing-integrations",
        "manage-own-outgoing-integrations",
        "manage-incoming-integrations",
        "manage-own-incoming-integrations",
    ];
    if !s.authz().can_any(user, &perms, None)? {
        return Err(unauthorized());
    }
    find(s, k, user, p, false)?;
    let opts = ListOptions::from_params(s, p)?;
    Ok(page_of(&opts, vec![], "integrations"))
}

/// `GET channels.getAllUserMentionsByChannel?roomId=` → `{mentions, count, offset, total}`.
fn mentions(s: &Services, k: Kind, user: &User, p: &Params) -> Result<Value> {
    let room = find(s, k, user, p, false)?;
    let opts = ListOptions::from_params(s, p)?;
    let newest_first = opts.sort.as_ref().and_then(|o| o.get("ts")).and_then(Value::as_i64) == Some(-1);
    let (page, total) = s.rooms().mentions_of(user, &room, opts.offset, opts.count, newest_first)?;
    let page: Vec<Value> = page.iter().map(|m| serde_json::to_value(m).unwrap_or_default()).collect();
    Ok(opts.envelope("mentions", page, total))
}

/// `POST channels.convertToTeam {channelId|channelName}` / `groups.convertToTeam
/// {roomId|roomName}` (`create-team` and `edit-room`) → `{team}`.
fn convert_to_team(s: &Services, k: Kind, user: &User, p: &Params) -> Result<Value> {
    let (id, name) = if k.t == "c" {
        (text(p, "channelId"), text(p, "channelName"))
    } else {
        (text(p, "roomId"), text(p, "roomName"))
    };
    if id.is_none() && name.is_none() {
        let which = if k.t == "c" { "\"channelId\" or \"channelName\"" } else { "\"roomId\" or \"roomName\"" };
        return Err(failure(format!("The parameter {which} is required")));
    }
    s.authz().require(user, "create-team", None)?;
    let room = s.rooms().find_typed(user, k.t, id.as_deref(), name.as_deref(), true)?;
    s.authz().require(user, "edit-room", Some(&room.id))?;
    let team = s.teams().create(
        user,
        NewTeam {
            name: room.name.clone().unwrap_or_default(),
            kind: if k.t == "c" { TEAM_PUBLIC } else { TEAM_PRIVATE },
            room_id: Some(room.id.clone()),
            ..Default::default()
        },
    )?;
    Ok(json!({"team": s.teams().view(&team)}))
}

/// `GET channels.anonymousread?roomId=|roomName=` (no login; `Accounts_AllowAnonymousRead`).
async fn anonymous_read(State(svc): State<Arc<Services>>, Query(p): Query) -> Reply {
    let body = svc
        .blocking(move |s| {
            let room = match (text(&p, "roomId"), text(&p, "roomName")) {
                (Some(id), _) => s.store.room_by_id(&id)?,
                (None, Some(n)) => s.store.room_by_name(&n)?,
                (None, None) => None,
            }
            .filter(|r| r.t == "c")
            .ok_or_else(|| room_not_found_for("c"))?;
            if !s.settings.bool("Accounts_AllowAnonymousRead") {
                return Err(Error::bad("error-not-allowed", "Enable \"Allow Anonymous Read\""));
            }
            let (opts, list) = message_options(s, &p)?;
            let (page, total) = s.rooms().list_messages(&room, &list)?;
            Ok(message_page(&opts, page, total))
        })
        .await?;
    Ok(ok(body))
}
