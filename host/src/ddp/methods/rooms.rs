//! Room methods: thin adapters over `services::rooms` (the same functions the `channels.*`,
//! `groups.*`, `im.*` and `rooms.*` endpoints call), with upstream's positional parameters,
//! answers and error ids. The caller's own subscription state (`hideRoom`, `readMessages`, …)
//! lives in `subscriptions.rs`.
//!
//! Upstream's methods answer a room id that matches nothing with `error-invalid-room` (the
//! getters with `error-not-allowed`), and attach `{method}` as the error's `details`.

use serde_json::{Map, Value, json};

use super::{Args, Failure, Invocation, MethodDef, Outcome, anon, field_str, logged, match_failed};
use crate::error::{Error, Kind};
use crate::models::{Room, RoomType, User};
use crate::services::rooms::{NewRoom, RoomRole, Rooms};
use crate::time;

/// The methods of this family.
pub const METHODS: &[MethodDef] = &[
    method!(anon "rooms/get", rooms_get),
    method!("getRoomById", get_room_by_id),
    method!("getRoomIdByNameOrId", get_room_id_by_name_or_id),
    method!("getRoomNameById", get_room_name_by_id),
    method!(anon "getRoomByTypeAndName", get_room_by_type_and_name),
    method!("getUsersOfRoom", get_users_of_room),
    method!("canAccessRoom", can_access_room),
    method!("createChannel", create_channel),
    method!("createPrivateGroup", create_private_group),
    method!("createDirectMessage", create_direct_message),
    method!("joinRoom", join_room),
    method!("leaveRoom", leave_room),
    method!("addUsersToRoom", add_users_to_room),
    method!("addUserToRoom", add_user_to_room),
    method!("removeUserFromRoom", remove_user_from_room),
    method!("eraseRoom", erase_room),
    method!("archiveRoom", archive_room),
    method!("unarchiveRoom", unarchive_room),
    method!("saveRoomSettings", save_room_settings),
    method!("getRoomRoles", get_room_roles),
    method!("addRoomOwner", add_room_owner),
    method!("removeRoomOwner", remove_room_owner),
    method!("addRoomModerator", add_room_moderator),
    method!("removeRoomModerator", remove_room_moderator),
    method!("addRoomLeader", add_room_leader),
    method!("removeRoomLeader", remove_room_leader),
    method!("muteUserInRoom", mute_user_in_room),
    method!("unmuteUserInRoom", unmute_user_in_room),
];

/// Adds `{method}` details to a service error that has none.
pub(super) fn with_method(out: Outcome, inv: &Invocation<'_>) -> Outcome {
    out.map_err(|f| match f {
        Failure::Service(e) => match *e {
            Error::Api { kind, message, details: None } => {
                Error::Api { kind, message, details: Some(json!({"method": inv.method})) }.into()
            }
            other => Failure::Service(Box::new(other)),
        },
        other => other,
    })
}

fn invalid_room() -> Error {
    Error::from(Kind::InvalidRoom)
}

/// The room with id `rid`, or `missing()`.
fn room(inv: &Invocation<'_>, rid: &str, missing: fn() -> Error) -> Result<Room, Failure> {
    Ok(inv.svc.rooms().by_id(rid)?.ok_or_else(missing)?)
}

/// `{update, remove}` since a date, or the plain list without one. Call inside `time::ejson`.
pub(super) fn changes(update: Value, remove: &[crate::store::Tombstone], since_given: bool) -> Value {
    if since_given { json!({"update": update, "remove": remove}) } else { update }
}

fn room_json(room: &Room) -> Value {
    time::ejson(|| room.public_view())
}

/// `rooms/get([{$date}])` → the caller's rooms, or `{update, remove}` since the date. Logged
/// out: the default channels with `Accounts_AllowAnonymousRead`, else `[]`.
fn rooms_get(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let since = args.date(0)?;
    let Some(caller) = inv.caller.as_ref() else {
        let rooms = inv.svc.subscriptions().anonymous_rooms()?;
        return Ok(Some(time::ejson(|| Value::Array(rooms.iter().map(Room::public_view).collect()))));
    };
    let c = inv.svc.subscriptions().rooms(&caller.user, since)?;
    Ok(Some(time::ejson(|| {
        let update = Value::Array(c.update.iter().map(Room::public_view).collect());
        changes(update, &c.remove, since.is_some())
    })))
}

/// `getRoomById(rid)` → the room (`error-not-allowed` when missing or unreadable).
fn get_room_by_id(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let rid = args.str(0)?;
    let user = inv.user()?.clone();
    let room = room(inv, &rid, || Error::from(Kind::NotAllowed))?;
    if !inv.svc.rooms().can_read(&user, &room)? {
        return Err(Kind::NotAllowed.into());
    }
    Ok(Some(room_json(&room)))
}

/// `getRoomIdByNameOrId(nameOrId)` → the room id.
fn get_room_id_by_name_or_id(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let key = args.str(0)?;
    let user = inv.user()?.clone();
    let room = inv.svc.rooms().by_id_or_name(&key)?.ok_or(Kind::NotAllowed)?;
    if !inv.svc.rooms().can_read(&user, &room)? {
        return Err(Kind::NotAllowed.into());
    }
    Ok(Some(json!(room.id)))
}

/// `getRoomNameById(rid)` → the room name.
fn get_room_name_by_id(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let rid = args.str(0)?;
    let user = inv.user()?.clone();
    Ok(Some(json!(inv.svc.rooms().name_of(&user, &rid)?)))
}

/// `getRoomByTypeAndName(type, name)` → the room (`name` may also be the room id).
fn get_room_by_type_and_name(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let t = args.opt_str(0)?.unwrap_or_default();
    let name = args.opt_str(1)?.unwrap_or_default();
    let user = inv.caller.as_ref().map(|c| c.user.clone());
    Ok(Some(room_json(&inv.svc.rooms().by_type_and_name(user.as_ref(), &t, &name)?)))
}

/// `getUsersOfRoom(rid, showAll, {limit, skip}, filter)` → `{total, records}`.
fn get_users_of_room(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let rid = args.opt_str(0)?.unwrap_or_default();
    let show_all = args.bool(1, false)?;
    let (limit, skip) = match args.get(2) {
        None => (None, 0),
        Some(Value::Object(o)) => {
            let paging =
                [o.get("limit").cloned().unwrap_or(Value::Null), o.get("skip").cloned().unwrap_or(Value::Null)];
            let paging = Args(&paging);
            (paging.count(0)?, paging.count(1)?.unwrap_or(0))
        }
        Some(_) => return Err(match_failed()),
    };
    let filter = args.opt_str(3)?;
    let user = inv.user()?.clone();
    let (records, total) = inv.svc.rooms().users_of_room(&user, &rid, show_all, filter.as_deref(), skip, limit)?;
    Ok(Some(time::ejson(|| json!({"total": total, "records": records}))))
}

/// `canAccessRoom(rid, userId)` → the room with `username`, or `false`. Asking about another
/// user needs `view-room-administration` (upstream answers anyone, which is why it retired the
/// method).
fn can_access_room(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let (rid, uid) = (args.str(0)?, args.str(1)?);
    let caller = inv.user()?;
    let Some((room, other)) = inv.svc.rooms().access_of(caller, &rid, &uid)? else {
        return Ok(Some(json!(false)));
    };
    let mut view = room_json(&room);
    view["username"] = json!(other.username);
    Ok(Some(view))
}

fn create_channel(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    create(inv, args, RoomType::Channel)
}

fn create_private_group(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    create(inv, args, RoomType::Private)
}

/// An optional object parameter.
fn opt_object(args: &Args<'_>, i: usize) -> Result<Option<Map<String, Value>>, Failure> {
    match args.get(i) {
        None => Ok(None),
        Some(Value::Object(o)) => Ok(Some(o.clone())),
        Some(_) => Err(match_failed()),
    }
}

/// `createChannel(name, members, readOnly, customFields, extraData)` /
/// `createPrivateGroup(...)` → `{rid, inserted, ...room}`. A missing `create-c` / `create-p`
/// answers `error-not-allowed`, as upstream's methods do.
fn create(inv: &mut Invocation<'_>, args: &Args<'_>, t: RoomType) -> Outcome {
    let name = args.str(0)?;
    let members = args.strings(1)?;
    let read_only = args.bool(2, false)?;
    let custom_fields = opt_object(args, 3)?;
    let extra = opt_object(args, 4)?.unwrap_or_default();
    let user = inv.user()?.clone();
    let new = NewRoom { t, name, members, read_only, extra, custom_fields, ..Default::default() };
    let room = inv.svc.rooms().create(&user, new).map_err(|e| match e.kind() {
        Some(Kind::Unauthorized) => Error::from(Kind::NotAllowed),
        _ => e,
    })?;
    let mut out = room_json(&room);
    out["rid"] = json!(room.id);
    out["inserted"] = json!(true);
    Ok(Some(out))
}

/// `createDirectMessage(...usernames)` → `{t: "d", rid, ...room}` (without `_id`, as upstream).
fn create_direct_message(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let usernames: Vec<String> = (0..args.0.len()).map(|i| args.str(i)).collect::<Result<_, _>>()?;
    let user = inv.user()?.clone();
    let room = inv.svc.rooms().create_direct(&user, &usernames, false)?;
    let mut out = room_json(&room);
    if let Some(o) = out.as_object_mut() {
        o.remove("_id");
    }
    out["rid"] = json!(room.id);
    Ok(Some(out))
}

/// `joinRoom(rid, joinCode?)` → `true`. A missing or wrong join code is upstream's
/// `error-code-invalid` ("Invalid Room Password") either way.
fn join_room(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let rid = args.str(0)?;
    let code = match args.get(1) {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    let user = inv.user()?.clone();
    let room = room(inv, &rid, invalid_room)?;
    inv.svc.rooms().join(&user, &room, code.as_deref()).map_err(|e| match e.kind() {
        Some(Kind::CodeRequired | Kind::CodeInvalid) => Kind::CodeInvalid.with_message("Invalid Room Password"),
        _ => e,
    })?;
    Ok(Some(json!(true)))
}

/// Runs `act` as the caller on the room whose id is the first parameter
/// (`error-invalid-room` when there is none).
fn on_room<T>(
    inv: &Invocation<'_>,
    args: &Args<'_>,
    act: impl FnOnce(Rooms<'_>, &User, &Room) -> crate::error::Result<T>,
) -> Result<T, Failure> {
    let rid = args.str(0)?;
    let user = inv.user()?;
    let room = room(inv, &rid, invalid_room)?;
    Ok(act(inv.svc.rooms(), user, &room)?)
}

/// `leaveRoom(rid)` → nothing.
fn leave_room(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    on_room(inv, args, |rooms, user, room| rooms.leave(user, room))?;
    Ok(None)
}

/// `addUsersToRoom({rid, users})` → `true`.
fn add_users_to_room(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let o = args.object(0)?;
    let rid = o.get("rid").and_then(Value::as_str).map(String::from).ok_or_else(invalid_room)?;
    let users: Vec<String> = match o.get("users") {
        Some(Value::Array(a)) => {
            a.iter().map(|v| v.as_str().map(String::from).ok_or_else(match_failed)).collect::<Result<_, _>>()?
        }
        _ => return Err(Kind::InvalidArguments.into()),
    };
    let user = inv.user()?.clone();
    let room = room(inv, &rid, invalid_room)?;
    inv.svc.rooms().add_users(&user, &room, &users)?;
    Ok(Some(json!(true)))
}

/// `addUserToRoom({rid, username})` → `true` (the older single-user form).
fn add_user_to_room(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let o = args.object(0)?;
    let rid = field_str(o, "rid")?;
    let username = field_str(o, "username")?;
    let user = inv.user()?.clone();
    let room = room(inv, &rid, invalid_room)?;
    inv.svc.rooms().add_users(&user, &room, &[username])?;
    Ok(Some(json!(true)))
}

/// `{rid, username}`, both strings.
fn rid_and_username(args: &Args<'_>) -> Result<(String, String), Failure> {
    let o = args.object(0)?;
    Ok((field_str(o, "rid")?, field_str(o, "username")?))
}

/// `removeUserFromRoom({rid, username})` → `true`.
fn remove_user_from_room(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let (rid, username) = rid_and_username(args)?;
    let user = inv.user()?.clone();
    let room = room(inv, &rid, || Error::from(Kind::NotAllowed))?;
    let target = inv.svc.users().by_username(&username)?.ok_or(Kind::InvalidUser)?;
    inv.svc.rooms().kick(&user, &room, &target)?;
    Ok(Some(json!(true)))
}

/// `eraseRoom(rid)` → `true`.
fn erase_room(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    on_room(inv, args, |rooms, user, room| rooms.erase(user, room))?;
    Ok(Some(json!(true)))
}

/// `archiveRoom(rid)` → nothing.
fn archive_room(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    on_room(inv, args, |rooms, user, room| rooms.archive(user, room))?;
    Ok(None)
}

/// `unarchiveRoom(rid)` → nothing.
fn unarchive_room(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    on_room(inv, args, |rooms, user, room| rooms.unarchive(user, room))?;
    Ok(None)
}

/// `saveRoomSettings(rid, setting, value)` or `saveRoomSettings(rid, {settings})` →
/// `{result: true, rid}`.
fn save_room_settings(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let rid = match args.get(0) {
        Some(Value::String(s)) => s.clone(),
        _ => return Err(invalid_room().into()),
    };
    let settings = match args.get(1) {
        Some(Value::Object(o)) => o.clone(),
        Some(Value::String(key)) => {
            let mut m = Map::new();
            m.insert(key.clone(), args.0.get(2).cloned().unwrap_or(Value::Null));
            m
        }
        _ => return Err(Kind::InvalidSettings.into()),
    };
    let user = inv.user()?.clone();
    let room = room(inv, &rid, invalid_room)?;
    inv.svc.rooms().save_settings(&user, &room, &settings)?;
    Ok(Some(json!({"result": true, "rid": rid})))
}

/// `getRoomRoles(rid)` → `[{_id, rid, u: {_id, username, name}, roles}]` of the members
/// holding room roles. Someone who can't read the room needs `manage-room-members-remotely`.
fn get_room_roles(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let roles = on_room(inv, args, |rooms, user, room| rooms.roles_for(user, room))?;
    Ok(Some(time::ejson(|| json!(roles))))
}

/// `addRoomOwner(rid, userId)` and friends → `true`.
fn set_role(inv: &mut Invocation<'_>, args: &Args<'_>, role: RoomRole, add: bool) -> Outcome {
    let (rid, uid) = (args.str(0)?, args.str(1)?);
    let user = inv.user()?.clone();
    let room = room(inv, &rid, invalid_room)?;
    inv.svc.rooms().set_role(&user, &room, &uid, role, add)?;
    Ok(Some(json!(true)))
}

fn add_room_owner(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    set_role(inv, args, RoomRole::Owner, true)
}

fn remove_room_owner(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    set_role(inv, args, RoomRole::Owner, false)
}

fn add_room_moderator(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    set_role(inv, args, RoomRole::Moderator, true)
}

fn remove_room_moderator(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    set_role(inv, args, RoomRole::Moderator, false)
}

fn add_room_leader(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    set_role(inv, args, RoomRole::Leader, true)
}

fn remove_room_leader(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    set_role(inv, args, RoomRole::Leader, false)
}

/// `muteUserInRoom({rid, username})` / `unmuteUserInRoom(...)` → `true`.
fn mute(inv: &mut Invocation<'_>, args: &Args<'_>, on: bool) -> Outcome {
    let (rid, username) = rid_and_username(args)?;
    let user: User = inv.user()?.clone();
    let room = room(inv, &rid, invalid_room)?;
    inv.svc.rooms().set_muted(&user, &room, &username, on)?;
    Ok(Some(json!(true)))
}

fn mute_user_in_room(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    mute(inv, args, true)
}

fn unmute_user_in_room(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    mute(inv, args, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_are_a_list_without_a_date_and_update_remove_with_one() {
        assert_eq!(changes(json!([{"a": 1}]), &[], false), json!([{"a": 1}]));
        assert_eq!(changes(json!([{"a": 1}]), &[], true), json!({"update": [{"a": 1}], "remove": []}));
    }
}
