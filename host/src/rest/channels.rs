//! `channels.*` and `groups.*`: one set of handlers, registered once per room type. A [`Kind`]
//! carries what differs — the room type (`c`/`p`), the response key (`channel`/`group`) and the
//! wording of a few messages.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::routing::{MethodRouter, get};
use serde_json::{Map, Value, json};

use super::paging::{ListOptions, docs};
use super::params::{Params, Query};
use super::reply::{Reply, ok};
use super::rooms::{
    date_param, failure, get_with, page_of, post_with, room_page, text, user_from_params, users_from_params,
};
use crate::error::{Error, Kind as ErrorKind, Result};
use crate::models::{Room, RoomType, User};
use crate::query;
use crate::services::Services;
use crate::services::rooms::{HistoryOptions, MessageListOptions, NewRoom, RoomRole};
use crate::services::subscriptions::OpenChange;
use crate::store::MemberQuery;

/// What differs between `channels.*` and `groups.*`.
#[derive(Debug, Clone, Copy)]
pub struct Kind {
    /// A channel or a private group.
    pub t: RoomType,
    /// Response key of one room: `channel` or `group`.
    pub key: &'static str,
    /// Response key of a list: `channels` or `groups`.
    pub list_key: &'static str,
    /// How messages name the room: `channel` or `private group`.
    pub noun: &'static str,
}

/// Public channels.
pub const CHANNELS: Kind = Kind { t: RoomType::Channel, key: "channel", list_key: "channels", noun: "channel" };
/// Private groups.
pub const GROUPS: Kind = Kind { t: RoomType::Private, key: "group", list_key: "groups", noun: "private group" };

/// A handler of both families, told which one was asked.
type Handler = fn(&Services, Kind, &User, &Params) -> Result<Value>;

/// The HTTP method of a route.
#[derive(Clone, Copy)]
enum Verb {
    Get,
    Post,
}
use Verb::{Get, Post};

/// The endpoints of both families: the `channels.*` route, the `groups.*` route, the handler.
const SHARED: &[(Verb, &str, &str, Handler)] = &[
    (Post, "/api/v1/channels.create", "/api/v1/groups.create", create),
    (Get, "/api/v1/channels.info", "/api/v1/groups.info", info),
    (Get, "/api/v1/channels.list", "/api/v1/groups.list", list),
    (Get, "/api/v1/channels.members", "/api/v1/groups.members", members),
    (Get, "/api/v1/channels.messages", "/api/v1/groups.messages", messages),
    (Get, "/api/v1/channels.history", "/api/v1/groups.history", history),
    (Get, "/api/v1/channels.counters", "/api/v1/groups.counters", counters),
    (Get, "/api/v1/channels.files", "/api/v1/groups.files", files),
    (Get, "/api/v1/channels.online", "/api/v1/groups.online", online),
    (Get, "/api/v1/channels.moderators", "/api/v1/groups.moderators", moderators),
    (Get, "/api/v1/channels.roles", "/api/v1/groups.roles", roles),
    (Post, "/api/v1/channels.invite", "/api/v1/groups.invite", invite),
    (Post, "/api/v1/channels.kick", "/api/v1/groups.kick", kick),
    (Post, "/api/v1/channels.leave", "/api/v1/groups.leave", leave),
    (Post, "/api/v1/channels.open", "/api/v1/groups.open", open),
    (Post, "/api/v1/channels.close", "/api/v1/groups.close", close),
    (Post, "/api/v1/channels.rename", "/api/v1/groups.rename", rename),
    (Post, "/api/v1/channels.archive", "/api/v1/groups.archive", archive),
    (Post, "/api/v1/channels.unarchive", "/api/v1/groups.unarchive", unarchive),
    (Post, "/api/v1/channels.delete", "/api/v1/groups.delete", delete),
    (Post, "/api/v1/channels.addAll", "/api/v1/groups.addAll", add_all),
    (Post, "/api/v1/channels.setReadOnly", "/api/v1/groups.setReadOnly", set_read_only),
    (Post, "/api/v1/channels.setType", "/api/v1/groups.setType", set_type),
    (Post, "/api/v1/channels.setCustomFields", "/api/v1/groups.setCustomFields", set_custom_fields),
    (Post, "/api/v1/channels.setEncrypted", "/api/v1/groups.setEncrypted", set_encrypted),
    (Get, "/api/v1/channels.getIntegrations", "/api/v1/groups.getIntegrations", get_integrations),
    (Post, "/api/v1/channels.convertToTeam", "/api/v1/groups.convertToTeam", convert_to_team),
];

/// Room role changes of both families: the two routes, the role, and whether it is given or taken.
const ROLE_CHANGES: &[(&str, &str, RoomRole, bool)] = &[
    ("/api/v1/channels.addOwner", "/api/v1/groups.addOwner", RoomRole::Owner, true),
    ("/api/v1/channels.removeOwner", "/api/v1/groups.removeOwner", RoomRole::Owner, false),
    ("/api/v1/channels.addModerator", "/api/v1/groups.addModerator", RoomRole::Moderator, true),
    ("/api/v1/channels.removeModerator", "/api/v1/groups.removeModerator", RoomRole::Moderator, false),
    ("/api/v1/channels.addLeader", "/api/v1/groups.addLeader", RoomRole::Leader, true),
    ("/api/v1/channels.removeLeader", "/api/v1/groups.removeLeader", RoomRole::Leader, false),
];

/// Text settings of both families: the two routes, the body field, and the room setting.
const TEXT_SETTINGS: &[(&str, &str, &str, &str)] = &[
    ("/api/v1/channels.setTopic", "/api/v1/groups.setTopic", "topic", "roomTopic"),
    ("/api/v1/channels.setAnnouncement", "/api/v1/groups.setAnnouncement", "announcement", "roomAnnouncement"),
    ("/api/v1/channels.setDescription", "/api/v1/groups.setDescription", "description", "roomDescription"),
    ("/api/v1/channels.setPurpose", "/api/v1/groups.setPurpose", "purpose", "roomDescription"),
];

/// The endpoints only `channels.*` has (besides `channels.anonymousread`, which needs no login).
const CHANNELS_ONLY: &[(Verb, &str, Handler)] = &[
    (Get, "/api/v1/channels.list.joined", list_joined),
    (Post, "/api/v1/channels.join", join),
    (Post, "/api/v1/channels.setDefault", set_default),
    (Post, "/api/v1/channels.setJoinCode", set_join_code),
    (Get, "/api/v1/channels.getAllUserMentionsByChannel", mentions),
];

/// The endpoints only `groups.*` has.
const GROUPS_ONLY: &[(Verb, &str, Handler)] = &[(Get, "/api/v1/groups.listAll", list_all)];

/// Routes of both families.
pub fn routes() -> Router<Arc<Services>> {
    let mut r = Router::new().route("/api/v1/channels.anonymousread", get(anonymous_read));
    for &(verb, channels, groups, h) in SHARED {
        r = r.route(channels, method(verb, CHANNELS, h)).route(groups, method(verb, GROUPS, h));
    }
    for &(channels, groups, role, add) in ROLE_CHANGES {
        let h = move |s: &Services, k, u: &User, p: &Params| set_role(s, k, u, p, role, add);
        r = r.route(channels, method(Post, CHANNELS, h)).route(groups, method(Post, GROUPS, h));
    }
    for &(channels, groups, field, setting) in TEXT_SETTINGS {
        let h = move |s: &Services, k, u: &User, p: &Params| set_text(s, k, u, p, field, setting);
        r = r.route(channels, method(Post, CHANNELS, h)).route(groups, method(Post, GROUPS, h));
    }
    for &(verb, path, h) in CHANNELS_ONLY {
        r = r.route(path, method(verb, CHANNELS, h));
    }
    for &(verb, path, h) in GROUPS_ONLY {
        r = r.route(path, method(verb, GROUPS, h));
    }
    r
}

/// The route calling `h` for the family `k`.
fn method<H>(verb: Verb, k: Kind, h: H) -> MethodRouter<Arc<Services>>
where
    H: Fn(&Services, Kind, &User, &Params) -> Result<Value> + Copy + Send + Sync + 'static,
{
    match verb {
        Get => get_with(move |s, u, p| h(s, k, u, p)),
        Post => post_with(move |s, u, p| h(s, k, u, p)),
    }
}

/// The room of the request (`roomId` or `roomName`) of this kind, readable by `user`.
fn find(s: &Services, k: Kind, user: &User, p: &Params, check_archived: bool) -> Result<Room> {
    s.rooms().find_typed(user, k.t, text(p, "roomId").as_deref(), text(p, "roomName").as_deref(), check_archived)
}

/// `{<channel|group>: room}`, re-read after a change.
fn room_answer(s: &Services, k: Kind, rid: &str) -> Result<Value> {
    let room = s.rooms().get_worded(rid, k.t)?;
    let mut o = Map::new();
    o.insert(k.key.into(), room.public_view());
    Ok(Value::Object(o))
}

/// `POST <family>.create {name, members, readOnly, customFields, extraData, excludeSelf}`;
/// channels also take `teams` (names of teams whose members join).
fn create(s: &Services, k: Kind, user: &User, p: &Params) -> Result<Value> {
    let in_team = p.get("extraData").and_then(|e| e.get("teamId")).is_some();
    s.rooms().check_create(user, k.t, in_team)?;
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
    if k.t == RoomType::Channel {
        members.extend(s.teams().member_usernames(&p.list("teams"))?);
    }
    let room = s.rooms().create(
        user,
        NewRoom {
            t: k.t,
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
    let rooms = if k.t == RoomType::Private {
        s.rooms().of_user(user, &[RoomType::Private])?
    } else {
        s.rooms().visible_channels(user, text(p, "_id").as_deref())?
    };
    room_page(&opts, &rooms, k.list_key, json!({"name": 1}))
}

/// `GET channels.list.joined`.
fn list_joined(s: &Services, k: Kind, user: &User, p: &Params) -> Result<Value> {
    let opts = ListOptions::from_params(s, p)?;
    let rooms = s.rooms().of_user(user, &[k.t])?;
    room_page(&opts, &rooms, k.list_key, json!({"name": 1}))
}

/// `GET groups.listAll` (`view-room-administration`).
fn list_all(s: &Services, k: Kind, user: &User, p: &Params) -> Result<Value> {
    let rooms = s.rooms().list_all(user, &[k.t])?;
    let opts = ListOptions::from_params(s, p)?;
    room_page(&opts, &rooms, k.list_key, json!({"name": 1}))
}

/// The members query of a request: `filter`, `status[]`, `sort={"username": ±1}` and paging.
fn member_query(s: &Services, p: &Params) -> Result<(ListOptions, MemberQuery)> {
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
    members_of(s, user, &find(s, k, user, p, false)?, p)
}

/// The page of a room's members a request asks for → `{members, count, offset, total}`
/// (`channels.members`, `groups.members`, `im.members`).
pub(super) fn members_of(s: &Services, user: &User, room: &Room, p: &Params) -> Result<Value> {
    let (opts, q) = member_query(s, p)?;
    let (members, total) = s.rooms().members(user, room, &q)?;
    Ok(opts.envelope("members", docs(members)?, total))
}

/// The message list options of a request, with `mentionIds`, `starredIds` and `pinned`
/// folded into the query.
fn message_options(s: &Services, p: &Params) -> Result<(ListOptions, MessageListOptions)> {
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
fn message_page(opts: &ListOptions, page: Vec<Value>, total: usize) -> Value {
    let mut page = page;
    if let Some(f) = &opts.fields {
        page.iter_mut().for_each(|d| query::project(d, f));
    }
    opts.envelope("messages", page, total)
}

/// `GET <family>.messages?roomId=` with `query`, `sort`, `fields`, `mentionIds`,
/// `starredIds`, `pinned` and paging.
fn messages(s: &Services, k: Kind, user: &User, p: &Params) -> Result<Value> {
    messages_of(s, user, &find(s, k, user, p, false)?, p)
}

/// The page of a room's messages a request asks for, as `user` may read them
/// (`channels.messages`, `groups.messages`, `im.messages`).
pub(super) fn messages_of(s: &Services, user: &User, room: &Room, p: &Params) -> Result<Value> {
    let (opts, list) = message_options(s, p)?;
    let (page, total) = s.rooms().messages(user, room, &list)?;
    Ok(message_page(&opts, docs(page)?, total))
}

/// The page of a room's messages a request asks for, the caller's access already settled
/// (`channels.anonymousread`, `im.messages.others`).
pub(super) fn any_messages_of(s: &Services, room: &Room, p: &Params) -> Result<Value> {
    let (opts, list) = message_options(s, p)?;
    let (page, total) = s.rooms().list_messages(room, &list)?;
    Ok(message_page(&opts, docs(page)?, total))
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
    history_of(s, user, &find(s, k, user, p, false)?, p)
}

/// The history page a request asks for → `{messages}`, plus `firstUnread` and
/// `unreadNotLoaded` when it asks for `unreads` (`channels.history`, `groups.history`,
/// `im.history`).
pub(super) fn history_of(s: &Services, user: &User, room: &Room, p: &Params) -> Result<Value> {
    let o = history_options(s, p)?;
    let page = s.rooms().history(user, room, &o)?;
    let mut out = json!({"messages": page.messages});
    if o.unreads {
        out["firstUnread"] = serde_json::to_value(page.first_unread)?;
        out["unreadNotLoaded"] = json!(page.unread_not_loaded);
    }
    Ok(out)
}

/// `GET <family>.counters?roomId=|roomName=&userId=`.
fn counters(s: &Services, k: Kind, user: &User, p: &Params) -> Result<Value> {
    let room = find(s, k, user, p, false)?;
    Ok(serde_json::to_value(s.rooms().counters(user, &room, text(p, "userId").as_deref())?)?)
}

/// `GET <family>.files?roomId=|roomName=&name=` → `{files, count, offset, total}`.
fn files(s: &Services, k: Kind, user: &User, p: &Params) -> Result<Value> {
    files_of(s, user, &find(s, k, user, p, false)?, p)
}

/// The page of a room's files a request asks for (`name=` filters) → `{files, count, offset,
/// total}` (`channels.files`, `groups.files`, `im.files`).
pub(super) fn files_of(s: &Services, user: &User, room: &Room, p: &Params) -> Result<Value> {
    let opts = ListOptions::from_params(s, p)?;
    let files = s.rooms().files(user, room, text(p, "name").as_deref())?;
    let (page, total) = opts.apply(docs(files)?, Some(json!({"name": 1})))?;
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
    let room = s.rooms().first_matching(k.t, &q)?.ok_or_else(|| {
        failure(if k.t == RoomType::Channel { "Channel does not exists" } else { "Group does not exists" })
    })?;
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
    let room = find(s, k, user, p, k.t == RoomType::Channel)?;
    let users = users_from_params(s, p)?;
    if users.is_empty() {
        return Err(ErrorKind::EmptyInviteList.into());
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
    if k.t == RoomType::Channel { room_answer(s, k, &room.id) } else { Ok(json!({})) }
}

/// `POST <family>.open {roomId}`: shows the room in the caller's list.
fn open(s: &Services, k: Kind, user: &User, p: &Params) -> Result<Value> {
    set_open(s, k, user, p, true)
}

/// `POST <family>.close {roomId}`: hides the room from the caller's list.
fn close(s: &Services, k: Kind, user: &User, p: &Params) -> Result<Value> {
    set_open(s, k, user, p, false)
}

fn set_open(s: &Services, k: Kind, user: &User, p: &Params, open: bool) -> Result<Value> {
    let room = find(s, k, user, p, false)?;
    let name = s.rooms().display_name(&room);
    match s.subscriptions().set_open(user, &room.id, open)? {
        OpenChange::Changed => Ok(json!({})),
        OpenChange::NotSubscribed => Err(failure(format!("The user/callee is not in the {} \"{name}\".", k.noun))),
        OpenChange::Unchanged => Err(failure(match (k.t, open) {
            (RoomType::Channel, true) => format!("The channel, {name}, is already open to the sender"),
            (RoomType::Channel, false) => format!("The channel, {name}, is already closed to the sender"),
            (_, true) => format!("The private group, {name}, is already open for the sender"),
            (_, false) => format!("The private group, {name}, is already closed to the sender"),
        })),
    }
}

fn same_as(k: Kind, what: &str) -> Error {
    let subject = if k.t == RoomType::Channel { "channel" } else { "private group" };
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
    if k.t == RoomType::Channel && setting != "roomAnnouncement" && current.as_deref() == Some(value.as_str()) {
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
    if room.t.code() == t {
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
        return Err(ErrorKind::ChannelsSetdefaultIsSame.into());
    }
    let value = p.bool("default", false)?;
    let room = find(s, k, user, p, true)?;
    if room.is_default == value {
        return Err(ErrorKind::ChannelsSetdefaultMissingDefaultParam.into());
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
    let integrations =
        s.rooms().integrations(user, k.t, text(p, "roomId").as_deref(), text(p, "roomName").as_deref())?;
    let opts = ListOptions::from_params(s, p)?;
    Ok(page_of(&opts, integrations, "integrations"))
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
    let (id, name) = if k.t == RoomType::Channel {
        (text(p, "channelId"), text(p, "channelName"))
    } else {
        (text(p, "roomId"), text(p, "roomName"))
    };
    if id.is_none() && name.is_none() {
        let which =
            if k.t == RoomType::Channel { "\"channelId\" or \"channelName\"" } else { "\"roomId\" or \"roomName\"" };
        return Err(failure(format!("The parameter {which} is required")));
    }
    let team = s.teams().create_from_room(user, k.t, id.as_deref(), name.as_deref())?;
    Ok(json!({"team": team}))
}

/// `GET channels.anonymousread?roomId=|roomName=` (no login; `Accounts_AllowAnonymousRead`).
async fn anonymous_read(State(svc): State<Arc<Services>>, Query(p): Query) -> Reply {
    let body = svc
        .blocking(move |s| {
            let room =
                s.rooms().readable_anonymously(text(&p, "roomId").as_deref(), text(&p, "roomName").as_deref())?;
            any_messages_of(s, &room, &p)
        })
        .await?;
    Ok(ok(body))
}
