//! Room methods: thin adapters over `services::rooms` and `services::subscriptions`, with
//! upstream's parameters and answers.

use serde_json::{Map, Value, json};

use super::{Args, Failure, Invocation, MethodDef, Outcome, field_opt_str, field_str, logged, match_failed};
use crate::error::Error;
use crate::models::{Room, User};
use crate::services::rooms::{NewRoom, RoomRole};
use crate::services::subscriptions::tombstone_view;
use crate::time;

/// The methods of this family.
pub const METHODS: &[MethodDef] = &[
    logged("rooms/get", rooms_get),
    logged("subscriptions/get", subscriptions_get),
    logged("getRoomById", get_room_by_id),
    logged("getRoomIdByNameOrId", get_room_id_by_name_or_id),
    logged("getRoomNameById", get_room_name_by_id),
    logged("getRoomByTypeAndName", get_room_by_type_and_name),
    logged("getUsersOfRoom", get_users_of_room),
    logged("canAccessRoom", can_access_room),
    logged("createChannel", |inv, args| create(inv, args, "c")),
    logged("createPrivateGroup", |inv, args| create(inv, args, "p")),
    logged("createDirectMessage", create_direct_message),
    logged("joinRoom", join_room),
    logged("leaveRoom", leave_room),
    logged("addUsersToRoom", add_users_to_room),
    logged("addUserToRoom", add_user_to_room),
    logged("removeUserFromRoom", remove_user_from_room),
    logged("eraseRoom", erase_room),
    logged("archiveRoom", |inv, args| archive(inv, args, true)),
    logged("unarchiveRoom", |inv, args| archive(inv, args, false)),
    logged("hideRoom", hide_room),
    logged("openRoom", open_room),
    logged("toggleFavorite", toggle_favorite),
    logged("saveRoomSettings", save_room_settings),
    logged("getRoomRoles", get_room_roles),
    logged("addRoomOwner", |inv, args| set_role(inv, args, RoomRole::Owner, true)),
    logged("removeRoomOwner", |inv, args| set_role(inv, args, RoomRole::Owner, false)),
    logged("addRoomModerator", |inv, args| set_role(inv, args, RoomRole::Moderator, true)),
    logged("removeRoomModerator", |inv, args| set_role(inv, args, RoomRole::Moderator, false)),
    logged("addRoomLeader", |inv, args| set_role(inv, args, RoomRole::Leader, true)),
    logged("removeRoomLeader", |inv, args| set_role(inv, args, RoomRole::Leader, false)),
    logged("muteUserInRoom", |inv, args| mute(inv, args, true)),
    logged("unmuteUserInRoom", |inv, args| mute(inv, args, false)),
    logged("readMessages", read_messages),
    logged("unreadMessages", unread_messages),
    logged("saveNotificationSettings", save_notification_settings),
];

/// `{update, remove}`, or the plain list when no date was given. Call inside `time::ejson`.
fn changes(update: Value, remove: &[crate::store::Tombstone], since_given: bool) -> Value {
    if since_given {
        json!({"update": update, "remove": remove.iter().map(tombstone_view).collect::<Vec<_>>()})
    } else {
        update
    }
}

fn room_json(room: &Room) -> Value {
    time::ejson(|| room.public_view())
}

/// `rooms/get([{$date}])` → rooms, or `{update, remove}` since the date.
fn rooms_get(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let since = args.date(0)?;
    let user = inv.user()?.clone();
    let c = inv.svc.subscriptions().rooms(&user, since)?;
    Ok(Some(time::ejson(|| {
        let update = Value::Array(c.update.iter().map(Room::public_view).collect());
        changes(update, &c.remove, since.is_some())
    })))
}

/// `subscriptions/get([{$date}])` → subscriptions, or `{update, remove}` since the date.
fn subscriptions_get(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let since = args.date(0)?;
    let user = inv.user()?.clone();
    let c = inv.svc.subscriptions().get(&user, since)?;
    Ok(Some(time::ejson(|| changes(serde_json::to_value(&c.update).unwrap_or_default(), &c.remove, since.is_some()))))
}

/// A room the caller can read, or `error-not-allowed` as upstream's getters answer.
fn readable(inv: &Invocation<'_>, rid: &str) -> Result<(User, Room), Failure> {
    let user = inv.user()?.clone();
    let room = inv.svc.store.room_by_id(rid)?.ok_or_else(|| Error::bad("error-invalid-room", "Invalid room"))?;
    if !inv.svc.rooms().can_read(&user, &room)? {
        return Err(Error::bad("error-not-allowed", "Not allowed").into());
    }
    Ok((user, room))
}

/// `getRoomById(rid)` → the room.
fn get_room_by_id(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let (_, room) = readable(inv, &args.str(0)?)?;
    Ok(Some(room_json(&room)))
}

/// `getRoomIdByNameOrId(nameOrId)` → the room id.
fn get_room_id_by_name_or_id(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let key = args.str(0)?;
    let user = inv.user()?.clone();
    let room = inv.svc.rooms().by_id_or_name(&key)?.ok_or_else(|| Error::bad("error-not-allowed", "Not allowed"))?;
    if !inv.svc.rooms().can_read(&user, &room)? {
        return Err(Error::bad("error-not-allowed", "Not allowed").into());
    }
    Ok(Some(json!(room.id)))
}

/// `getRoomNameById(rid)` → the room name.
fn get_room_name_by_id(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let rid = args.str(0)?;
    let user = inv.user()?.clone();
    Ok(Some(json!(inv.svc.rooms().name_of(&user, &rid)?)))
}

/// `getRoomByTypeAndName(type, name)` → the room.
fn get_room_by_type_and_name(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let (t, name) = (args.str(0)?, args.str(1)?);
    let user = inv.user()?.clone();
    Ok(Some(room_json(&inv.svc.rooms().by_type_and_name(&user, &t, &name)?)))
}

/// `getUsersOfRoom(rid, showAll, {limit, skip}, filter)` → `{total, records}`.
fn get_users_of_room(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let rid = args.str(0)?;
    let show_all = args.bool(1, false)?;
    let paging = args.get(2).and_then(Value::as_object);
    let limit = paging.and_then(|p| p.get("limit")).and_then(Value::as_u64).map(|l| l as usize);
    let skip = paging.and_then(|p| p.get("skip")).and_then(Value::as_u64).unwrap_or(0) as usize;
    let filter = args.opt_str(3)?;
    let user = inv.user()?.clone();
    let (records, total) = inv.svc.rooms().users_of_room(&user, &rid, show_all, filter.as_deref(), skip, limit)?;
    Ok(Some(time::ejson(|| json!({"total": total, "records": records}))))
}

/// `canAccessRoom(rid, userId)` → the room with `username`, or `false`.
fn can_access_room(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let (rid, uid) = (args.str(0)?, args.str(1)?);
    let svc = inv.svc;
    let Some(other) = svc.store.user_by_id(&uid)? else {
        return Err(Error::bad("error-invalid-user", "Invalid user").into());
    };
    let Some(room) = svc.store.room_by_id(&rid)? else {
        return Err(Error::bad("error-invalid-room", "Invalid room").into());
    };
    // Only about oneself, unless the caller may see the other user's rooms.
    let caller = inv.user()?;
    if caller.id != other.id && !svc.authz().can(caller, "view-room-administration", None)? {
        return Err(Error::bad("error-not-allowed", "Not allowed").into());
    }
    if !svc.rooms().can_read(&other, &room)? {
        return Ok(Some(json!(false)));
    }
    let mut view = room_json(&room);
    view["username"] = json!(other.username);
    Ok(Some(view))
}

/// `createChannel(name, members, readOnly, customFields, extraData)` /
/// `createPrivateGroup(...)` → `{rid, inserted, ...room}`.
fn create(inv: &mut Invocation<'_>, args: &Args<'_>, t: &str) -> Outcome {
    let name = args.str(0)?;
    let members = args.strings(1)?;
    let read_only = args.bool(2, false)?;
    let custom_fields = match args.get(3) {
        None => None,
        Some(Value::Object(o)) => Some(o.clone()),
        Some(_) => return Err(match_failed()),
    };
    let extra = match args.get(4) {
        None => Map::new(),
        Some(Value::Object(o)) => o.clone(),
        Some(_) => return Err(match_failed()),
    };
    let user = inv.user()?.clone();
    let new = NewRoom { t: t.into(), name, members, read_only, extra, custom_fields, ..Default::default() };
    let room = inv.svc.rooms().create(&user, new)?;
    let mut out = room_json(&room);
    out["rid"] = json!(room.id);
    out["inserted"] = json!(true);
    Ok(Some(out))
}

/// `createDirectMessage(...usernames)` → `{rid, ...room}`.
fn create_direct_message(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let usernames: Vec<String> = (0..args.0.len()).map(|i| args.str(i)).collect::<Result<_, _>>()?;
    let user = inv.user()?.clone();
    let room = inv.svc.rooms().create_direct(&user, &usernames, false)?;
    let mut out = room_json(&room);
    out["rid"] = json!(room.id);
    Ok(Some(out))
}

/// `joinRoom(rid, joinCode?)` → `true`.
fn join_room(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let rid = args.str(0)?;
    let code = args.opt_str(1)?;
    let user = inv.user()?.clone();
    let room = inv.svc.rooms().get(&rid)?;
    inv.svc.rooms().join(&user, &room, code.as_deref())?;
    Ok(Some(json!(true)))
}

/// `leaveRoom(rid)` → `true`.
fn leave_room(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let rid = args.str(0)?;
    let user = inv.user()?.clone();
    let room = inv.svc.rooms().readable(&user, &rid)?;
    inv.svc.rooms().leave(&user, &room)?;
    Ok(Some(json!(true)))
}

/// `addUsersToRoom({rid, users})` → `true`.
fn add_users_to_room(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let o = args.object(0)?;
    let rid = field_str(o, "rid")?;
    let users: Vec<String> = match o.get("users") {
        Some(Value::Array(a)) => {
            a.iter().map(|v| v.as_str().map(String::from).ok_or_else(match_failed)).collect::<Result<_, _>>()?
        }
        _ => return Err(match_failed()),
    };
    let user = inv.user()?.clone();
    let room = inv.svc.rooms().readable(&user, &rid)?;
    inv.svc.rooms().add_users(&user, &room, &users)?;
    Ok(Some(json!(true)))
}

/// `addUserToRoom({rid, username})` → `true` (the older single-user form).
fn add_user_to_room(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let o = args.object(0)?;
    let rid = field_str(o, "rid")?;
    let username = field_str(o, "username")?;
    let user = inv.user()?.clone();
    let room = inv.svc.rooms().readable(&user, &rid)?;
    inv.svc.rooms().add_users(&user, &room, &[username])?;
    Ok(Some(json!(true)))
}

/// The user named by `username` in an object parameter.
fn named(inv: &Invocation<'_>, o: &Map<String, Value>) -> Result<User, Failure> {
    let username = field_str(o, "username")?;
    Ok(inv.svc.store.user_by_username(&username)?.ok_or_else(|| Error::bad("error-invalid-user", "Invalid user"))?)
}

/// `removeUserFromRoom({rid, username})` → `true`.
fn remove_user_from_room(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let o = args.object(0)?;
    let rid = field_str(o, "rid")?;
    let target = named(inv, o)?;
    let user = inv.user()?.clone();
    let room = inv.svc.rooms().readable(&user, &rid)?;
    inv.svc.rooms().kick(&user, &room, &target)?;
    Ok(Some(json!(true)))
}

/// `eraseRoom(rid)` → `true`.
fn erase_room(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let rid = args.str(0)?;
    let user = inv.user()?.clone();
    let room = inv.svc.rooms().readable(&user, &rid)?;
    inv.svc.rooms().erase(&user, &room)?;
    Ok(Some(json!(true)))
}

/// `archiveRoom(rid)` / `unarchiveRoom(rid)`.
fn archive(inv: &mut Invocation<'_>, args: &Args<'_>, on: bool) -> Outcome {
    let rid = args.str(0)?;
    let user = inv.user()?.clone();
    let room = inv.svc.rooms().readable(&user, &rid)?;
    if on {
        inv.svc.rooms().archive(&user, &room)?;
    } else {
        inv.svc.rooms().unarchive(&user, &room)?;
    }
    Ok(None)
}

/// `hideRoom(rid)` → 1 (the subscriptions changed).
fn hide_room(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let rid = args.str(0)?;
    let user = inv.user()?.clone();
    inv.svc.subscriptions().hide(&user, &rid)?;
    Ok(Some(json!(1)))
}

/// `openRoom(rid)` → 1.
fn open_room(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let rid = args.str(0)?;
    let user = inv.user()?.clone();
    inv.svc.subscriptions().open(&user, &rid)?;
    Ok(Some(json!(1)))
}

/// `toggleFavorite(rid, favorite)` → 1.
fn toggle_favorite(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let rid = args.str(0)?;
    let favorite = args.bool(1, true)?;
    let user = inv.user()?.clone();
    inv.svc.subscriptions().favorite(&user, &rid, favorite)?;
    Ok(Some(json!(1)))
}

/// `saveRoomSettings(rid, setting, value)` or `saveRoomSettings(rid, {settings})` →
/// `{result: true, rid}`.
fn save_room_settings(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let rid = args.str(0)?;
    let settings = match args.get(1) {
        Some(Value::Object(o)) => o.clone(),
        Some(Value::String(key)) => {
            let mut m = Map::new();
            m.insert(key.clone(), args.0.get(2).cloned().unwrap_or(Value::Null));
            m
        }
        _ => return Err(match_failed()),
    };
    let user = inv.user()?.clone();
    let room = inv.svc.store.room_by_id(&rid)?.ok_or_else(|| Error::bad("error-invalid-room", "Invalid room"))?;
    inv.svc.rooms().save_settings(&user, &room, &settings)?;
    Ok(Some(json!({"result": true, "rid": rid})))
}

/// `getRoomRoles(rid)` → the members holding room roles.
fn get_room_roles(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let (_, room) = readable(inv, &args.str(0)?)?;
    let roles = inv.svc.rooms().roles(&room)?;
    Ok(Some(time::ejson(|| json!(roles))))
}

/// `addRoomOwner(rid, userId)` and friends → `true`.
fn set_role(inv: &mut Invocation<'_>, args: &Args<'_>, role: RoomRole, add: bool) -> Outcome {
    let (rid, uid) = (args.str(0)?, args.str(1)?);
    let user = inv.user()?.clone();
    let room = inv.svc.rooms().readable(&user, &rid)?;
    inv.svc.rooms().set_role(&user, &room, &uid, role, add)?;
    Ok(Some(json!(true)))
}

/// `muteUserInRoom({rid, username})` / `unmuteUserInRoom(...)` → `true`.
fn mute(inv: &mut Invocation<'_>, args: &Args<'_>, on: bool) -> Outcome {
    let o = args.object(0)?;
    let rid = field_str(o, "rid")?;
    let target = named(inv, o)?;
    let user = inv.user()?.clone();
    let room = inv.svc.rooms().readable(&user, &rid)?;
    inv.svc.rooms().set_muted(&user, &room, &target.username, on)?;
    Ok(Some(json!(true)))
}

/// `readMessages(rid, readThreads?)`.
fn read_messages(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let rid = args.str(0)?;
    let read_threads = args.bool(1, false)?;
    let user = inv.user()?.clone();
    inv.svc.subscriptions().read(&user, &rid, read_threads)?;
    Ok(None)
}

/// `unreadMessages(firstUnreadMessage?, room?)`.
fn unread_messages(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let first = match args.get(0) {
        None => None,
        Some(Value::Object(o)) => field_opt_str(o, "_id")?,
        Some(_) => return Err(match_failed()),
    };
    let rid = args.opt_str(1)?;
    if first.is_none() && rid.is_none() {
        return Err(match_failed());
    }
    let user = inv.user()?.clone();
    inv.svc.subscriptions().unread(&user, first.as_deref(), rid.as_deref())?;
    Ok(None)
}

/// `saveNotificationSettings(rid, field, value)` → `true`.
fn save_notification_settings(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let rid = args.str(0)?;
    let field = args.str(1)?;
    let value = args.0.get(2).cloned().ok_or_else(match_failed)?;
    let user = inv.user()?.clone();
    inv.svc.subscriptions().save_notification(&user, &rid, &field, &value)?;
    Ok(Some(json!(true)))
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
