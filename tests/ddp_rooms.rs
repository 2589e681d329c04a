//! DDP room and subscription methods over a raw socket: each method's answer, its permission
//! denial and bad input, the `stream-notify-user` events it causes, what REST sees afterwards,
//! and the same methods through `POST /api/v1/method.call/<name>`.

use serde_json::{Value, json};

use crate::common::ddp::Ddp;
use crate::common::*;

/// A server whose per-method DDP rate limits (10 calls per 10 s per connection) don't get in
/// the way of tests that call one method many times.
fn start() -> Server {
    Server::start_with(
        Options::default()
            .env("OVERWRITE_SETTING_DDP_Rate_Limit_Connection_By_Method_Enabled", "false")
            .env("OVERWRITE_SETTING_DDP_Rate_Limit_User_By_Method_Enabled", "false"),
    )
}

/// Runs a method through the REST bridge and returns the DDP result frame.
#[track_caller]
fn bridge(api: &Api<'_>, method: &str, params: Value) -> Value {
    let message = json!({"msg": "method", "id": "1", "method": method, "params": params}).to_string();
    // Names like `subscriptions/get` travel percent-encoded, as clients send them.
    let res = api.post(&format!("/api/v1/method.call/{}", method.replace('/', "%2F")), json!({"message": message}));
    serde_json::from_str(assert_ok(&res)["message"].as_str().unwrap()).unwrap()
}

/// The caller's subscription to `rid` as REST shows it (`null` when none).
fn sub_of(api: &Api<'_>, rid: &str) -> Value {
    assert_ok(&api.get(&format!("/api/v1/subscriptions.getOne?roomId={rid}")))["subscription"].clone()
}

fn channel_info(api: &Api<'_>, rid: &str) -> Value {
    assert_ok(&api.get(&format!("/api/v1/channels.info?roomId={rid}")))["channel"].clone()
}

fn group_info(api: &Api<'_>, rid: &str) -> Value {
    assert_ok(&api.get(&format!("/api/v1/groups.info?roomId={rid}")))["group"].clone()
}

fn set_permission(admin: &Api<'_>, id: &str, roles: Value) {
    assert_ok(&admin.post("/api/v1/permissions.update", json!({"permissions": [{"_id": id, "roles": roles}]})));
}

fn send(api: &Api<'_>, rid: &str, text: &str) -> String {
    let res = api.post("/api/v1/chat.sendMessage", json!({"message": {"rid": rid, "msg": text}}));
    assert_ok(&res)["message"]["_id"].as_str().unwrap().to_string()
}

fn rid_of(v: &Value) -> String {
    v["rid"].as_str().unwrap_or_else(|| panic!("no rid in {v}")).to_string()
}

#[test]
fn creating_channels_groups_and_direct_messages() {
    let s = start();
    let admin = s.admin();
    let bob = s.user("bob");
    let mut d = Ddp::resume(&admin);
    let mut b = Ddp::resume(&bob);
    let (aid, bid) = (admin.user_id().to_string(), bob.user_id().to_string());
    d.sub_ok("stream-notify-user", &format!("{aid}/rooms-changed"));
    d.sub_ok("stream-notify-user", &format!("{aid}/subscriptions-changed"));
    b.sub_ok("stream-notify-user", &format!("{bid}/subscriptions-changed"));

    // createChannel(name, members, readOnly, customFields, extraData).
    let created =
        d.call_ok("createChannel", json!(["ddp-room", ["bob"], false, {"color": "blue"}, {"description": "hello"}]));
    let rid = rid_of(&created);
    assert_eq!(created["_id"], rid.as_str());
    assert_eq!(created["inserted"], true);
    assert_eq!((created["t"].as_str(), created["name"].as_str()), (Some("c"), Some("ddp-room")));
    assert_eq!(created["customFields"]["color"], "blue");
    assert_eq!(created["description"], "hello");
    assert_eq!(created["usersCount"], 2);
    assert!(created["ts"]["$date"].is_i64(), "{created}");
    let args = d.event("stream-notify-user", &format!("{aid}/rooms-changed"), |a| a[1]["_id"] == rid.as_str());
    assert_eq!(args[0], "inserted");
    assert!(args[1]["_updatedAt"]["$date"].is_i64(), "{args}");
    let args = d.event("stream-notify-user", &format!("{aid}/subscriptions-changed"), |a| a[1]["rid"] == rid.as_str());
    assert_eq!(args[0], "inserted");
    assert_eq!(args[1]["roles"], json!(["owner"]));
    let args = b.event("stream-notify-user", &format!("{bid}/subscriptions-changed"), |a| a[1]["rid"] == rid.as_str());
    assert_eq!(args[0], "inserted");
    let info = channel_info(&admin, &rid);
    assert_eq!((info["usersCount"].as_i64(), info["ro"].as_bool()), (Some(2), Some(false)));
    assert!(sub_of(&bob, &rid).is_object());

    // createPrivateGroup, read-only, members optional.
    let group = d.call_ok("createPrivateGroup", json!(["ddp-group", [], true]));
    assert_eq!((group["t"].as_str(), group["ro"].as_bool()), (Some("p"), Some(true)));
    assert_eq!(group_info(&admin, &rid_of(&group))["usersCount"], 1);
    let group2 = d.call_ok("createPrivateGroup", json!(["ddp-group-2"]));
    assert_eq!(group2["usersCount"], 1);

    // Name rules and duplicates come from the same service as channels.create.
    d.call_err("createChannel", json!(["ddp-room", []]), json!("error-duplicate-channel-name"));
    d.call_err("createChannel", json!(["bad name!", []]), json!("error-invalid-room-name"));
    // Bad parameter types.
    d.call_err("createChannel", json!([5]), json!(400));
    d.call_err("createChannel", json!(["x1", "bob"]), json!(400));
    d.call_err("createChannel", json!(["x2", [7]]), json!(400));
    d.call_err("createChannel", json!(["x3", [], "yes"]), json!(400));
    d.call_err("createPrivateGroup", json!(["x4", [], false, "fields"]), json!(400));

    // Without create-c / create-p: upstream's methods answer error-not-allowed.
    set_permission(&admin, "create-c", json!(["admin"]));
    set_permission(&admin, "create-p", json!(["admin"]));
    let e = b.call_err("createChannel", json!(["bobs-room", []]), json!("error-not-allowed"));
    assert_eq!(e["details"]["method"], "createChannel");
    b.call_err("createPrivateGroup", json!(["bobs-group", []]), json!("error-not-allowed"));
    assert_eq!(admin.get("/api/v1/channels.info?roomName=bobs-room").status, 400);

    // createDirectMessage(...usernames): the id is the two user ids, sorted; no `_id` key.
    let dm = b.call_ok("createDirectMessage", json!(["admin"]));
    let mut ids = [aid.clone(), bid.clone()];
    ids.sort();
    assert_eq!(dm["rid"], ids.concat());
    assert_eq!(dm["t"], "d");
    assert!(dm.get("_id").is_none(), "{dm}");
    let mut usernames: Vec<&str> = dm["usernames"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    usernames.sort_unstable();
    assert_eq!(usernames, ["admin", "bob"]);
    let args = d.event("stream-notify-user", &format!("{aid}/subscriptions-changed"), |a| a[1]["rid"] == dm["rid"]);
    assert_eq!(args[0], "inserted");
    // Asking again is idempotent.
    assert_eq!(b.call_ok("createDirectMessage", json!(["admin"]))["rid"], dm["rid"]);
    b.call_err("createDirectMessage", json!(["nobody-here"]), json!("error-invalid-user"));
    b.call_err("createDirectMessage", json!([]), json!("error-invalid-user"));
    b.call_err("createDirectMessage", json!([5]), json!(400));
    set_permission(&admin, "create-d", json!(["admin"]));
    s.user("carol");
    b.call_err("createDirectMessage", json!(["carol"]), json!("error-not-allowed"));
    // The DM that exists stays reachable with view-d-room.
    assert_eq!(b.call_ok("createDirectMessage", json!(["admin"]))["rid"], dm["rid"]);

    // Logged out.
    let mut anon = Ddp::connect(&s);
    let e = anon.call_err("createChannel", json!(["anon-room", []]), json!("error-invalid-user"));
    assert_eq!(e["details"]["method"], "createChannel");
    anon.call_err("createDirectMessage", json!(["bob"]), json!("error-invalid-user"));

    // The REST bridge runs the same method.
    let frame = bridge(&admin, "createChannel", json!(["bridged-room", ["bob"]]));
    let bridged = rid_of(&frame["result"]);
    assert!(frame["result"]["ts"]["$date"].is_i64(), "{frame}");
    assert_eq!(channel_info(&admin, &bridged)["usersCount"], 2);
    let frame = bridge(&bob, "createChannel", json!(["bridged-denied", []]));
    assert_eq!(frame["error"]["error"], "error-not-allowed");
}

#[test]
fn sync_and_lookups() {
    let s = start();
    let admin = s.admin();
    let bob = s.user("bob");
    s.user("carol");
    let mut d = Ddp::resume(&admin);
    let mut b = Ddp::resume(&bob);
    let rid = rid_of(&d.call_ok("createChannel", json!(["lookup-room", ["bob", "carol"]])));
    let gid = rid_of(&d.call_ok("createPrivateGroup", json!(["lookup-group", []])));

    // rooms/get and subscriptions/get: plain lists, or {update, remove} since a date.
    let rooms = d.call_ok("rooms/get", json!([]));
    let ids: Vec<&str> = rooms.as_array().unwrap().iter().filter_map(|r| r["_id"].as_str()).collect();
    assert!(ids.contains(&"GENERAL") && ids.contains(&rid.as_str()) && ids.contains(&gid.as_str()), "{rooms}");
    assert!(rooms[0]["_updatedAt"]["$date"].is_i64());
    assert!(rooms.as_array().unwrap().iter().all(|r| r.get("joinCode").is_none()));
    let bob_rooms = b.call_ok("rooms/get", json!([]));
    assert!(!bob_rooms.as_array().unwrap().iter().any(|r| r["_id"] == gid.as_str()), "{bob_rooms}");
    let subs = d.call_ok("subscriptions/get", json!([]));
    let sub = subs.as_array().unwrap().iter().find(|s| s["rid"] == rid.as_str()).expect("subscription");
    assert!(sub["ts"]["$date"].is_i64() && sub["_updatedAt"]["$date"].is_i64(), "{sub}");
    let all = d.call_ok("rooms/get", json!([{"$date": 0}]));
    assert!(all["update"].as_array().unwrap().len() >= 3 && all["remove"].is_array(), "{all}");

    // After a mark, only what changed: a topic change and an erased room.
    let mark = {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64;
        json!({"$date": now - 1})
    };
    d.call_ok("saveRoomSettings", json!([rid, "roomTopic", "changed"]));
    d.call_ok("eraseRoom", json!([gid]));
    let changed = d.call_ok("rooms/get", json!([mark]));
    let update: Vec<&str> = changed["update"].as_array().unwrap().iter().filter_map(|r| r["_id"].as_str()).collect();
    assert!(update.contains(&rid.as_str()) && !update.contains(&"GENERAL"), "{changed}");
    let removed = &changed["remove"].as_array().unwrap();
    assert!(removed.iter().any(|r| r["_id"] == gid.as_str() && r["_deletedAt"]["$date"].is_i64()), "{changed}");
    let changed = d.call_ok("subscriptions/get", json!([mark]));
    assert_eq!(changed["remove"].as_array().unwrap().len(), 1, "{changed}");
    d.call_err("rooms/get", json!(["yesterday"]), json!(400));

    // Logged out: nothing, or the default channels with Accounts_AllowAnonymousRead.
    let mut anon = Ddp::connect(&s);
    assert_eq!(anon.call_ok("rooms/get", json!([])), json!([]));
    assert_eq!(anon.call_ok("subscriptions/get", json!([])), json!([]));
    anon.call_err("getRoomByTypeAndName", json!(["c", "general"]), json!("error-invalid-user"));
    assert_ok(&admin.post("/api/v1/settings/Accounts_AllowAnonymousRead", json!({"value": true})));
    let public = anon.call_ok("rooms/get", json!([]));
    assert_eq!(public.as_array().unwrap().iter().map(|r| r["_id"].clone()).collect::<Vec<_>>(), vec![json!("GENERAL")]);
    assert_eq!(anon.call_ok("getRoomByTypeAndName", json!(["c", "general"]))["_id"], "GENERAL");
    anon.call_err("getRoomByTypeAndName", json!(["p", "lookup-group"]), json!("error-invalid-user"));

    // getRoomById / getRoomIdByNameOrId / getRoomNameById.
    let gid = rid_of(&d.call_ok("createPrivateGroup", json!(["secret-group", []])));
    assert_eq!(b.call_ok("getRoomById", json!([rid]))["name"], "lookup-room");
    assert!(b.call_ok("getRoomById", json!(["GENERAL"]))["ts"]["$date"].is_i64());
    b.call_err("getRoomById", json!([gid]), json!("error-not-allowed"));
    b.call_err("getRoomById", json!(["missing"]), json!("error-not-allowed"));
    b.call_err("getRoomById", json!([5]), json!(400));
    assert_eq!(b.call_ok("getRoomIdByNameOrId", json!(["lookup-room"])), json!(rid));
    assert_eq!(b.call_ok("getRoomIdByNameOrId", json!([rid])), json!(rid));
    assert_eq!(d.call_ok("getRoomIdByNameOrId", json!(["secret-group"])), json!(gid));
    b.call_err("getRoomIdByNameOrId", json!(["secret-group"]), json!("error-not-allowed"));
    b.call_err("getRoomIdByNameOrId", json!(["no-such-room"]), json!("error-not-allowed"));
    b.call_err("getRoomIdByNameOrId", json!([]), json!(400));
    assert_eq!(b.call_ok("getRoomNameById", json!([rid])), json!("lookup-room"));
    b.call_err("getRoomNameById", json!([gid]), json!("error-not-allowed"));
    b.call_err("getRoomNameById", json!(["missing"]), json!("error-not-allowed"));

    // getRoomByTypeAndName(type, nameOrId).
    assert_eq!(b.call_ok("getRoomByTypeAndName", json!(["c", "lookup-room"]))["_id"], rid.as_str());
    assert_eq!(b.call_ok("getRoomByTypeAndName", json!(["c", rid]))["name"], "lookup-room");
    assert_eq!(d.call_ok("getRoomByTypeAndName", json!(["p", "secret-group"]))["_id"], gid.as_str());
    b.call_err("getRoomByTypeAndName", json!(["p", "secret-group"]), json!("error-no-permission"));
    b.call_err("getRoomByTypeAndName", json!(["p", "lookup-room"]), json!("error-invalid-room"));
    b.call_err("getRoomByTypeAndName", json!(["c", "nope"]), json!("error-invalid-room"));
    b.call_err("getRoomByTypeAndName", json!(["c"]), json!("error-invalid-room"));
    let dm = rid_of(&b.call_ok("createDirectMessage", json!(["admin"])));
    assert_eq!(b.call_ok("getRoomByTypeAndName", json!(["d", "admin"]))["_id"], dm.as_str());

    // The bridge answers the same.
    let frame = bridge(&bob, "getRoomIdByNameOrId", json!(["lookup-room"]));
    assert_eq!(frame["result"], json!(rid));
    let frame = bridge(&bob, "getRoomById", json!([gid]));
    assert_eq!(frame["error"]["error"], "error-not-allowed");
}

#[test]
fn users_of_room_and_access() {
    let s = start();
    let (admin, bob, carol) = (s.admin(), s.user("bob"), s.user("carol"));
    s.user("dave");
    let (mut d, mut b, mut c) = (Ddp::resume(&admin), Ddp::resume(&bob), Ddp::resume(&carol));
    let rid = rid_of(&d.call_ok("createChannel", json!(["people", ["bob", "carol", "dave"]])));
    let gid = rid_of(&d.call_ok("createPrivateGroup", json!(["people-private", ["bob"]])));

    // Everyone, sorted by username; dave never connected, so he is offline.
    let all = b.call_ok("getUsersOfRoom", json!([rid, true]));
    assert_eq!(all["total"], 4);
    let names: Vec<&str> = all["records"].as_array().unwrap().iter().filter_map(|u| u["username"].as_str()).collect();
    assert_eq!(names, ["admin", "bob", "carol", "dave"]);
    assert!(all["records"][0]["_id"].is_string() && all["records"][0]["status"].is_string(), "{all}");
    // Presence follows the connections asynchronously: poll (bounded) until bob shows online.
    let mut online = Value::Null;
    for _ in 0..300 {
        online = b.call_ok("getUsersOfRoom", json!([rid, false]));
        if online["records"].as_array().unwrap().iter().any(|u| u["username"] == "bob") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let names: Vec<&str> =
        online["records"].as_array().unwrap().iter().filter_map(|u| u["username"].as_str()).collect();
    assert!(!names.contains(&"dave") && names.contains(&"bob"), "{online}");
    assert_eq!(online["total"], 4, "total counts every active member");
    // Paging and filter.
    let page = b.call_ok("getUsersOfRoom", json!([rid, true, {"limit": 2, "skip": 1}]));
    let names: Vec<&str> = page["records"].as_array().unwrap().iter().filter_map(|u| u["username"].as_str()).collect();
    assert_eq!(names, ["bob", "carol"]);
    let filtered = b.call_ok("getUsersOfRoom", json!([rid, true, {}, "car"]));
    assert_eq!(filtered["records"].as_array().unwrap().len(), 1);
    assert_eq!(filtered["records"][0]["username"], "carol");
    // A public channel the caller isn't in is readable too.
    assert!(b.call_ok("getUsersOfRoom", json!(["GENERAL", true]))["total"].as_i64().unwrap() >= 1);
    // Denials and bad input.
    c.call_err("getUsersOfRoom", json!([gid, true]), json!("not-authorized"));
    c.call_err("getUsersOfRoom", json!(["missing", true]), json!("error-not-allowed"));
    c.call_err("getUsersOfRoom", json!(["", true]), json!("error-invalid-room"));
    c.call_err("getUsersOfRoom", json!([rid, "yes"]), json!(400));
    c.call_err("getUsersOfRoom", json!([rid, true, {"limit": "ten"}]), json!(400));
    // Broadcast rooms hide their members without view-broadcast-member-list.
    let bcast = rid_of(&d.call_ok("createChannel", json!(["broadcast", ["bob"], false, {}, {"broadcast": true}])));
    b.call_err("getUsersOfRoom", json!([bcast, true]), json!("error-not-allowed"));
    assert_eq!(d.call_ok("getUsersOfRoom", json!([bcast, true]))["total"], 2);
    let frame = bridge(&carol, "getUsersOfRoom", json!([rid, true]));
    assert_eq!(frame["result"]["total"], 4);

    // canAccessRoom(rid, userId): about oneself, or anyone for an administrator.
    let me = c.call_ok("canAccessRoom", json!([rid, carol.user_id()]));
    assert_eq!((me["_id"].as_str(), me["username"].as_str()), (Some(rid.as_str()), Some("carol")));
    assert_eq!(c.call_ok("canAccessRoom", json!([gid, carol.user_id()])), json!(false));
    assert_eq!(d.call_ok("canAccessRoom", json!([gid, bob.user_id()]))["username"], "bob");
    assert_eq!(d.call_ok("canAccessRoom", json!([gid, carol.user_id()])), json!(false));
    c.call_err("canAccessRoom", json!([gid, bob.user_id()]), json!("error-not-allowed"));
    c.call_err("canAccessRoom", json!(["missing", carol.user_id()]), json!("error-invalid-room"));
    c.call_err("canAccessRoom", json!([rid, "nobody"]), json!("error-invalid-user"));
    c.call_err("canAccessRoom", json!([rid]), json!(400));
}

#[test]
fn joining_leaving_adding_and_removing_members() {
    let s = start();
    let (admin, bob, carol) = (s.admin(), s.user("bob"), s.user("carol"));
    s.user("dave");
    let (mut d, mut b, mut c) = (Ddp::resume(&admin), Ddp::resume(&bob), Ddp::resume(&carol));
    let (bid, cid) = (bob.user_id().to_string(), carol.user_id().to_string());
    b.sub_ok("stream-notify-user", &format!("{bid}/subscriptions-changed"));
    b.sub_ok("stream-notify-user", &format!("{bid}/rooms-changed"));
    c.sub_ok("stream-notify-user", &format!("{cid}/subscriptions-changed"));
    let rid = rid_of(&d.call_ok("createChannel", json!(["members", []])));
    let gid = rid_of(&d.call_ok("createPrivateGroup", json!(["members-private", []])));
    d.sub_ok("stream-room-messages", &rid);

    // joinRoom: public channels only; the uj message and bob's new subscription follow.
    assert_eq!(b.call_ok("joinRoom", json!([rid])), json!(true));
    let args = b.event("stream-notify-user", &format!("{bid}/subscriptions-changed"), |a| a[1]["rid"] == rid.as_str());
    assert_eq!(args[0], "inserted");
    let args = b.event("stream-notify-user", &format!("{bid}/rooms-changed"), |a| a[1]["_id"] == rid.as_str());
    assert_eq!(args[0], "inserted");
    let msg = d.event("stream-room-messages", &rid, |a| a[0]["t"] == "uj");
    assert_eq!(msg[0]["u"]["username"], "bob");
    assert!(sub_of(&bob, &rid).is_object());
    assert_eq!(b.call_ok("joinRoom", json!([rid])), json!(true), "joining twice is harmless");
    b.call_err("joinRoom", json!([gid]), json!("error-not-allowed"));
    b.call_err("joinRoom", json!(["missing"]), json!("error-invalid-room"));
    b.call_err("joinRoom", json!([]), json!(400));
    // A join code guards the room unless the user holds join-without-join-code.
    d.call_ok("saveRoomSettings", json!([rid, "joinCode", "s3cret"]));
    c.call_err("joinRoom", json!([rid, "wrong"]), json!("error-code-invalid"));
    let e = c.call_err("joinRoom", json!([rid]), json!("error-code-invalid"));
    assert_eq!(e["reason"], "Invalid Room Password");
    assert!(sub_of(&carol, &rid).is_null());
    assert_eq!(c.call_ok("joinRoom", json!([rid, "s3cret"])), json!(true));
    assert!(sub_of(&carol, &rid).is_object());

    // leaveRoom answers nothing; bob's subscription goes away with a `removed` event.
    b.clear();
    let r = b.call("leaveRoom", json!([rid]));
    assert!(r.get("error").is_none() && r.get("result").is_none(), "{r}");
    let args = b.event("stream-notify-user", &format!("{bid}/subscriptions-changed"), |a| a[1]["rid"] == rid.as_str());
    assert_eq!(args[0], "removed");
    d.event("stream-room-messages", &rid, |a| a[0]["t"] == "ul" && a[0]["msg"] == "bob");
    assert!(sub_of(&bob, &rid).is_null());
    b.call_err("leaveRoom", json!([rid]), json!("error-user-not-in-room"));
    b.call_err("leaveRoom", json!([gid]), json!("error-user-not-in-room"));
    b.call_err("leaveRoom", json!(["missing"]), json!("error-invalid-room"));
    // The last owner has to name another owner first.
    d.call_err("leaveRoom", json!([gid]), json!("error-you-are-last-owner"));
    let dm = rid_of(&b.call_ok("createDirectMessage", json!(["admin"])));
    b.call_err("leaveRoom", json!([dm]), json!("error-not-allowed"));

    // addUsersToRoom({rid, users}): the invited user gets a subscription and an `au` message.
    assert_eq!(d.call_ok("addUsersToRoom", json!([{"rid": rid, "users": ["bob", "@dave"]}])), json!(true));
    let args = b.event("stream-notify-user", &format!("{bid}/subscriptions-changed"), |a| {
        a[0] == "inserted" && a[1]["rid"] == rid.as_str()
    });
    assert_eq!(args[1]["alert"], true);
    d.event("stream-room-messages", &rid, |a| a[0]["t"] == "au" && a[0]["msg"] == "dave");
    // With add-user-to-any-p-room (no role holds it by default) one may add to a private group
    // one is not in.
    d.call_err("addUsersToRoom", json!([{"rid": gid_of_bob(&mut b), "users": ["carol"]}]), json!("error-not-allowed"));
    set_permission(&admin, "add-user-to-any-p-room", json!(["admin"]));
    let other = rid_of(&b.call_ok("createPrivateGroup", json!(["bobs-private", []])));
    assert_eq!(d.call_ok("addUsersToRoom", json!([{"rid": other, "users": ["carol"]}])), json!(true));
    assert!(sub_of(&carol, &other).is_object());
    // Owners and moderators may add to their rooms (add-user-to-joined-room); plain members may not.
    assert_eq!(b.call_ok("addUsersToRoom", json!([{"rid": other, "users": ["dave"]}])), json!(true));
    c.call_err("addUsersToRoom", json!([{"rid": rid, "users": ["bob"]}]), json!("error-not-allowed"));
    b.call_err("addUsersToRoom", json!([{"rid": gid, "users": ["bob"]}]), json!("error-not-allowed"));
    d.call_err("addUsersToRoom", json!([{"rid": rid, "users": ["nobody"]}]), json!("error-user-not-found"));
    d.call_err("addUsersToRoom", json!([{"rid": "missing", "users": ["bob"]}]), json!("error-invalid-room"));
    d.call_err("addUsersToRoom", json!([{"rid": dm, "users": ["carol"]}]), json!("error-cant-invite-for-direct-room"));
    d.call_err("addUsersToRoom", json!([{"rid": rid}]), json!("error-invalid-arguments"));
    d.call_err("addUsersToRoom", json!([{"rid": rid, "users": [1]}]), json!(400));
    d.call_err("addUsersToRoom", json!(["rid"]), json!(400));
    // The older single-user form.
    assert_eq!(d.call_ok("addUserToRoom", json!([{"rid": gid, "username": "carol"}])), json!(true));
    assert!(sub_of(&carol, &gid).is_object());

    // removeUserFromRoom({rid, username}) needs remove-user in the room.
    b.call_err("removeUserFromRoom", json!([{"rid": rid, "username": "carol"}]), json!("error-not-allowed"));
    c.clear();
    assert_eq!(d.call_ok("removeUserFromRoom", json!([{"rid": rid, "username": "carol"}])), json!(true));
    let args = c.event("stream-notify-user", &format!("{cid}/subscriptions-changed"), |a| a[1]["rid"] == rid.as_str());
    assert_eq!(args[0], "removed");
    d.event("stream-room-messages", &rid, |a| a[0]["t"] == "ru" && a[0]["msg"] == "carol");
    assert!(sub_of(&carol, &rid).is_null());
    d.call_err("removeUserFromRoom", json!([{"rid": rid, "username": "carol"}]), json!("error-user-not-in-room"));
    d.call_err("removeUserFromRoom", json!([{"rid": rid, "username": "nobody"}]), json!("error-invalid-user"));
    d.call_err("removeUserFromRoom", json!([{"rid": "missing", "username": "bob"}]), json!("error-not-allowed"));
    d.call_err("removeUserFromRoom", json!([{"rid": rid, "username": "admin"}]), json!("error-you-are-last-owner"));
    d.call_err("removeUserFromRoom", json!([{"rid": rid}]), json!(400));

    // Through the bridge.
    let frame = bridge(&carol, "joinRoom", json!([rid, "s3cret"]));
    assert_eq!(frame["result"], true);
    let frame = bridge(&carol, "leaveRoom", json!([rid]));
    assert!(frame.get("error").is_none() && frame.get("result").is_none(), "{frame}");
    assert!(sub_of(&carol, &rid).is_null());
}

#[test]
fn room_settings_archiving_and_erasing() {
    let s = start();
    let admin = s.admin();
    let bob = s.user("bob");
    let mut d = Ddp::resume(&admin);
    let mut b = Ddp::resume(&bob);
    let bid = bob.user_id().to_string();
    let (rooms_key, subs_key) = (format!("{bid}/rooms-changed"), format!("{bid}/subscriptions-changed"));
    b.sub_ok("stream-notify-user", &rooms_key);
    b.sub_ok("stream-notify-user", &subs_key);
    let rid = rid_of(&d.call_ok("createChannel", json!(["settings-room", ["bob"]])));
    d.sub_ok("stream-room-messages", &rid);

    // saveRoomSettings(rid, setting, value) → {result: true, rid}.
    let r = d.call_ok("saveRoomSettings", json!([rid, "roomTopic", "from ddp"]));
    assert_eq!(r, json!({"result": true, "rid": rid}));
    let args = b.event("stream-notify-user", &rooms_key, |a| a[1]["topic"] == "from ddp");
    assert_eq!(args[0], "updated");
    d.event("stream-room-messages", &rid, |a| a[0]["t"] == "room_changed_topic" && a[0]["msg"] == "from ddp");
    assert_eq!(channel_info(&bob, &rid)["topic"], "from ddp");
    // saveRoomSettings(rid, {settings}): several at once.
    let many = json!({
        "roomDescription": "desc", "roomAnnouncement": "news", "readOnly": true, "reactWhenReadOnly": true,
        "systemMessages": false, "default": true, "joinCode": "1234",
    });
    d.call_ok("saveRoomSettings", json!([rid, many]));
    let i = channel_info(&admin, &rid);
    assert_eq!((i["description"].as_str(), i["announcement"].as_str()), (Some("desc"), Some("news")));
    assert_eq!((i["ro"].as_bool(), i["reactWhenReadOnly"].as_bool()), (Some(true), Some(true)));
    assert_eq!((i["sysMes"].as_bool(), i["default"].as_bool()), (Some(false), Some(true)));
    assert_eq!(i["joinCodeRequired"], true);
    assert!(i.get("joinCode").is_none(), "the code itself stays secret: {i}");
    d.call_ok("saveRoomSettings", json!([rid, {"favorite": {"favorite": true, "defaultValue": true}}]));
    // Renaming carries the name to the members' subscriptions.
    d.call_ok("saveRoomSettings", json!([rid, "roomName", "renamed-room"]));
    let args = b.event("stream-notify-user", &subs_key, |a| a[1]["name"] == "renamed-room");
    assert_eq!(args[0], "updated");
    assert_eq!(sub_of(&bob, &rid)["name"], "renamed-room");
    assert_eq!(channel_info(&admin, &rid)["name"], "renamed-room");
    // Public to private and back; encryption is for private rooms.
    d.call_err("saveRoomSettings", json!([rid, "encrypted", true]), json!("error-action-not-allowed"));
    d.call_ok("saveRoomSettings", json!([rid, "roomType", "p"]));
    assert_eq!(group_info(&bob, &rid)["t"], "p");
    assert_eq!(sub_of(&bob, &rid)["t"], "p");
    d.call_ok("saveRoomSettings", json!([rid, "encrypted", true]));
    assert_eq!(group_info(&admin, &rid)["encrypted"], true);
    d.call_ok("saveRoomSettings", json!([rid, {"encrypted": false, "roomType": "c"}]));
    assert_eq!(channel_info(&admin, &rid)["t"], "c");
    // Denials and bad input.
    let e = b.call_err("saveRoomSettings", json!([rid, "roomTopic", "nope"]), json!("error-action-not-allowed"));
    assert_eq!(e["details"]["method"], "saveRoomSettings");
    d.call_err("saveRoomSettings", json!([rid, "bogus", 1]), json!("error-invalid-settings"));
    d.call_err("saveRoomSettings", json!([rid]), json!("error-invalid-settings"));
    d.call_err("saveRoomSettings", json!([rid, "readOnly", "yes"]), json!("error-invalid-settings"));
    d.call_err("saveRoomSettings", json!([rid, "roomType", "x"]), json!("error-invalid-room-type"));
    d.call_err("saveRoomSettings", json!([rid, "roomName", "bad name!"]), json!("error-invalid-room-name"));
    d.call_err("saveRoomSettings", json!([5, "roomTopic", "x"]), json!("error-invalid-room"));
    d.call_err("saveRoomSettings", json!(["missing", "roomTopic", "x"]), json!("error-invalid-room"));
    assert_eq!(channel_info(&admin, &rid)["topic"], "from ddp");
    // Members of a direct message may set its topic, nothing else.
    let dm = rid_of(&b.call_ok("createDirectMessage", json!(["admin"])));
    b.call_ok("saveRoomSettings", json!([dm, "roomTopic", "dm topic"]));
    b.call_err("saveRoomSettings", json!([dm, "roomName", "x"]), json!("error-action-not-allowed"));

    // archiveRoom / unarchiveRoom answer nothing; members' subscriptions follow.
    b.call_err("archiveRoom", json!([rid]), json!("error-not-authorized"));
    let r = d.call("archiveRoom", json!([rid]));
    assert!(r.get("error").is_none() && r.get("result").is_none(), "{r}");
    let args = b.event("stream-notify-user", &subs_key, |a| a[1]["rid"] == rid.as_str() && a[1]["archived"] == true);
    assert_eq!(args[0], "updated");
    assert_eq!(channel_info(&admin, &rid)["archived"], true);
    d.call_err("archiveRoom", json!([rid]), json!("error-room-archived"));
    let r = d.call("unarchiveRoom", json!([rid]));
    assert!(r.get("error").is_none() && r.get("result").is_none(), "{r}");
    assert!(channel_info(&admin, &rid).get("archived").is_none_or(|a| a == false));
    d.call_err("unarchiveRoom", json!([rid]), json!("error-room-not-archived"));
    b.call_err("unarchiveRoom", json!([rid]), json!("error-not-authorized"));
    d.call_err("archiveRoom", json!(["missing"]), json!("error-invalid-room"));
    d.call_err("archiveRoom", json!([dm]), json!("error-direct-message-room"));
    d.call_err("archiveRoom", json!([]), json!(400));
    let frame = bridge(&bob, "archiveRoom", json!([rid]));
    assert_eq!(frame["error"]["error"], "error-not-authorized");

    // eraseRoom → true; the members' rooms and subscriptions are removed.
    b.call_err("eraseRoom", json!([rid]), json!("error-not-allowed"));
    d.call_err("eraseRoom", json!(["missing"]), json!("error-invalid-room"));
    assert_eq!(d.call_ok("eraseRoom", json!([rid])), json!(true));
    let args = b.event("stream-notify-user", &subs_key, |a| a[0] == "removed" && a[1]["rid"] == rid.as_str());
    assert!(args[1]["_id"].is_string());
    assert_eq!(admin.get(&format!("/api/v1/channels.info?roomId={rid}")).status, 400);
    assert!(sub_of(&bob, &rid).is_null());
    let other = rid_of(&d.call_ok("createChannel", json!(["bridged-erase", []])));
    assert_eq!(bridge(&admin, "eraseRoom", json!([other]))["result"], true);
    assert_eq!(admin.get(&format!("/api/v1/channels.info?roomId={other}")).status, 400);
}

#[test]
fn room_roles_and_muting() {
    let s = start();
    let admin = s.admin();
    let bob = s.user("bob");
    let carol = s.user("carol");
    let dave = s.user("dave");
    let mut d = Ddp::resume(&admin);
    let mut b = Ddp::resume(&bob);
    let mut c = Ddp::resume(&carol);
    let (aid, bid, cid) = (admin.user_id().to_string(), bob.user_id().to_string(), carol.user_id().to_string());
    let subs_key = format!("{bid}/subscriptions-changed");
    b.sub_ok("stream-notify-user", &subs_key);
    d.sub_ok("stream-notify-logged", "roles-change");
    let rid = rid_of(&d.call_ok("createChannel", json!(["roles-room", ["bob", "carol"]])));
    let gid = rid_of(&d.call_ok("createPrivateGroup", json!(["roles-private", ["bob"]])));
    d.sub_ok("stream-room-messages", &rid);

    let roles = [
        ("addRoomOwner", "removeRoomOwner", "owner"),
        ("addRoomModerator", "removeRoomModerator", "moderator"),
        ("addRoomLeader", "removeRoomLeader", "leader"),
    ];
    for (add, _, role) in roles {
        c.call_err(add, json!([rid, bid]), json!("error-not-allowed"));
        assert_eq!(d.call_ok(add, json!([rid, bid])), json!(true), "{add}");
        let args = b.event("stream-notify-user", &subs_key, |a| {
            a[1]["rid"] == rid.as_str() && a[1]["roles"].as_array().is_some_and(|r| r.contains(&json!(role)))
        });
        assert_eq!(args[0], "updated");
        let args = d.event("stream-notify-logged", "roles-change", |a| a[0]["_id"] == role && a[0]["type"] == "added");
        assert_eq!((args[0]["scope"].as_str(), args[0]["u"]["username"].as_str()), (Some(rid.as_str()), Some("bob")));
        d.event("stream-room-messages", &rid, |a| a[0]["t"] == "subscription-role-added" && a[0]["role"] == role);
        d.call_err(add, json!([rid, bid]), json!(format!("error-user-already-{role}")));
    }
    let list = b.call_ok("getRoomRoles", json!([rid]));
    let entry = |name: &str| list.as_array().unwrap().iter().find(|r| r["u"]["username"] == name).cloned().unwrap();
    let mut bob_roles: Vec<String> =
        entry("bob")["roles"].as_array().unwrap().iter().map(|r| r.as_str().unwrap().to_string()).collect();
    bob_roles.sort();
    assert_eq!(bob_roles, ["leader", "moderator", "owner"]);
    assert_eq!(entry("admin")["roles"], json!(["owner"]));
    assert_eq!(
        (entry("bob")["rid"].as_str(), entry("bob")["u"]["_id"].as_str()),
        (Some(rid.as_str()), Some(bid.as_str()))
    );
    // bob, now an owner, may hand out roles himself; carol, a moderator, may not make owners.
    assert_eq!(b.call_ok("addRoomModerator", json!([rid, cid])), json!(true));
    c.call_err("addRoomOwner", json!([rid, cid]), json!("error-not-allowed"));
    for (_, remove, role) in roles {
        assert_eq!(d.call_ok(remove, json!([rid, bid])), json!(true), "{remove}");
        d.event("stream-notify-logged", "roles-change", |a| a[0]["_id"] == role && a[0]["type"] == "removed");
        d.call_err(remove, json!([rid, bid]), json!(format!("error-user-not-{role}")));
    }
    d.call_err("removeRoomOwner", json!([rid, aid]), json!("error-remove-last-owner"));
    d.call_err("addRoomOwner", json!([rid, "nobody"]), json!("error-invalid-user"));
    d.call_err("addRoomOwner", json!(["missing", bid]), json!("error-invalid-room"));
    d.call_err("addRoomModerator", json!([rid, dave.user_id()]), json!("error-user-not-in-room"));
    d.call_err("addRoomLeader", json!([rid]), json!(400));
    let frame = bridge(&carol, "addRoomLeader", json!([rid, cid]));
    assert_eq!(frame["error"]["error"], "error-not-allowed");
    // getRoomRoles of a room one can't read.
    c.call_err("getRoomRoles", json!([gid]), json!("error-invalid-user"));
    c.call_err("getRoomRoles", json!(["missing"]), json!("error-invalid-room"));
    assert_eq!(bridge(&bob, "getRoomRoles", json!([gid]))["result"][0]["u"]["username"], "admin");

    // muteUserInRoom / unmuteUserInRoom({rid, username}).
    assert_eq!(d.call_ok("muteUserInRoom", json!([{"rid": rid, "username": "carol"}])), json!(true));
    assert_eq!(channel_info(&admin, &rid)["muted"], json!(["carol"]));
    d.event("stream-room-messages", &rid, |a| a[0]["t"] == "user-muted" && a[0]["msg"] == "carol");
    let res = carol.post("/api/v1/chat.sendMessage", json!({"message": {"rid": rid, "msg": "can I speak?"}}));
    assert_error(&res, 400, "error-user-muted");
    b.call_err("muteUserInRoom", json!([{"rid": rid, "username": "admin"}]), json!("error-not-allowed"));
    d.call_err("muteUserInRoom", json!([{"rid": rid, "username": "dave"}]), json!("error-user-not-in-room"));
    d.call_err("muteUserInRoom", json!([{"rid": rid, "username": "nobody"}]), json!("error-invalid-user"));
    d.call_err("muteUserInRoom", json!([{"rid": "missing", "username": "carol"}]), json!("error-invalid-room"));
    d.call_err("muteUserInRoom", json!([{"rid": rid}]), json!(400));
    assert_eq!(d.call_ok("unmuteUserInRoom", json!([{"rid": rid, "username": "carol"}])), json!(true));
    assert!(channel_info(&admin, &rid).get("muted").is_none_or(|m| m == &json!([])));
    send(&carol, &rid, "thanks");
    b.call_err("unmuteUserInRoom", json!([{"rid": rid, "username": "carol"}]), json!("error-not-allowed"));
    let frame = bridge(&admin, "muteUserInRoom", json!([{"rid": rid, "username": "bob"}]));
    assert_eq!(frame["result"], true);
    assert_eq!(channel_info(&admin, &rid)["muted"], json!(["bob"]));
}

#[test]
fn the_callers_own_subscription() {
    let s = start();
    let admin = s.admin();
    let bob = s.user("bob");
    let carol = s.user("carol");
    let mut d = Ddp::resume(&admin);
    let mut b = Ddp::resume(&bob);
    let mut c = Ddp::resume(&carol);
    let bid = bob.user_id().to_string();
    let subs_key = format!("{bid}/subscriptions-changed");
    b.sub_ok("stream-notify-user", &subs_key);
    let rid = rid_of(&d.call_ok("createChannel", json!(["own-room", ["bob"]])));
    let gid = rid_of(&d.call_ok("createPrivateGroup", json!(["own-private", []])));

    // hideRoom / openRoom answer how many subscriptions changed.
    assert_eq!(b.call_ok("hideRoom", json!([rid])), json!(1));
    let args = b.event("stream-notify-user", &subs_key, |a| a[1]["rid"] == rid.as_str() && a[1]["open"] == false);
    assert_eq!(args[0], "updated");
    assert_eq!(sub_of(&bob, &rid)["open"], false);
    assert_eq!(b.call_ok("hideRoom", json!([rid])), json!(0));
    assert_eq!(b.call_ok("openRoom", json!([rid])), json!(1));
    b.event("stream-notify-user", &subs_key, |a| a[1]["rid"] == rid.as_str() && a[1]["open"] == true);
    assert_eq!(sub_of(&bob, &rid)["open"], true);
    assert_eq!(b.call_ok("openRoom", json!([rid])), json!(0));
    assert_eq!(c.call_ok("hideRoom", json!([rid])), json!(0), "not a member: nothing changes");
    assert_eq!(c.call_ok("openRoom", json!([gid])), json!(0));
    b.call_err("hideRoom", json!([5]), json!(400));
    b.call_err("openRoom", json!([]), json!(400));

    // toggleFavorite(rid, f?).
    assert_eq!(b.call_ok("toggleFavorite", json!([rid, true])), json!(1));
    b.event("stream-notify-user", &subs_key, |a| a[1]["rid"] == rid.as_str() && a[1]["f"] == true);
    assert_eq!(sub_of(&bob, &rid)["f"], true);
    assert_eq!(b.call_ok("toggleFavorite", json!([rid, true])), json!(0));
    assert_eq!(b.call_ok("toggleFavorite", json!([rid, false])), json!(1));
    assert!(!sub_of(&bob, &rid)["f"].as_bool().unwrap_or(false));
    assert_eq!(b.call_ok("toggleFavorite", json!([rid])), json!(1), "f defaults to true");
    assert_eq!(sub_of(&bob, &rid)["f"], true);
    let e = c.call_err("toggleFavorite", json!([rid, true]), json!("error-invalid-subscription"));
    assert_eq!(e["reason"], "You must be part of a room to favorite it");
    b.call_err("toggleFavorite", json!([rid, "yes"]), json!(400));
    assert_ok(&admin.post("/api/v1/settings/Favorite_Rooms", json!({"value": false})));
    b.call_err("toggleFavorite", json!([rid, false]), json!("error-action-not-allowed"));
    assert_eq!(sub_of(&bob, &rid)["f"], true);
    assert_ok(&admin.post("/api/v1/settings/Favorite_Rooms", json!({"value": true})));

    // readMessages(rid, readThreads?) → nothing; counters go to zero.
    let mid = send(&admin, &rid, "hello @bob");
    let mut unread = Value::Null;
    for _ in 0..300 {
        unread = sub_of(&bob, &rid);
        if unread["unread"].as_i64().unwrap_or(0) > 0 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(unread["unread"].as_i64().unwrap() > 0 && unread["alert"] == true, "{unread}");
    b.clear();
    let r = b.call("readMessages", json!([rid, true]));
    assert!(r.get("error").is_none() && r.get("result").is_none(), "{r}");
    b.event("stream-notify-user", &subs_key, |a| a[1]["rid"] == rid.as_str() && a[1]["unread"] == 0);
    let read = sub_of(&bob, &rid);
    assert_eq!(
        (read["unread"].as_i64(), read["alert"].as_bool(), read["userMentions"].as_i64()),
        (Some(0), Some(false), Some(0))
    );
    // A public room one isn't in: nothing to do; a private one: refused.
    assert_eq!(c.call("readMessages", json!(["GENERAL"])).get("error"), None);
    assert_eq!(c.call("readMessages", json!([rid])).get("error"), None);
    c.call_err("readMessages", json!([gid]), json!("error-not-allowed"));
    c.call_err("readMessages", json!(["missing"]), json!("error-room-does-not-exist"));
    b.call_err("readMessages", json!([rid, "yes"]), json!(400));

    // unreadMessages(firstUnreadMessage?, room?) → nothing.
    let r = b.call("unreadMessages", json!([null, rid]));
    assert!(r.get("error").is_none() && r.get("result").is_none(), "{r}");
    let sub = sub_of(&bob, &rid);
    assert_eq!(sub["alert"], true);
    assert!(sub["unread"].as_i64().unwrap() >= 1 && sub["ls"].as_str().unwrap() < read["ls"].as_str().unwrap());
    b.call_ok("readMessages", json!([rid]));
    b.call_ok("unreadMessages", json!([{"_id": mid}]));
    assert_eq!(sub_of(&bob, &rid)["alert"], true);
    let own = send(&bob, &rid, "mine");
    b.call_err("unreadMessages", json!([{"_id": own}]), json!("error-action-not-allowed"));
    b.call_err("unreadMessages", json!([{"_id": "nope"}]), json!("error-action-not-allowed"));
    b.call_err("unreadMessages", json!([]), json!("error-action-not-allowed"));
    b.call_err("unreadMessages", json!(["text"]), json!("error-action-not-allowed"));
    let empty = rid_of(&d.call_ok("createChannel", json!(["empty-room", ["bob"]])));
    b.call_err("unreadMessages", json!([null, empty]), json!("error-no-message-for-unread"));
    c.call_err("unreadMessages", json!([null, rid]), json!("error-subscription-not-found"));

    // saveNotificationSettings(rid, field, value) → true.
    assert_eq!(b.call_ok("saveNotificationSettings", json!([rid, "desktopNotifications", "nothing"])), json!(true));
    b.event("stream-notify-user", &subs_key, |a| a[1]["desktopNotifications"] == "nothing");
    assert_eq!(sub_of(&bob, &rid)["desktopNotifications"], "nothing");
    b.call_ok("saveNotificationSettings", json!([rid, "disableNotifications", "1"]));
    b.call_ok("saveNotificationSettings", json!([rid, "audioNotificationValue", "beep"]));
    let sub = sub_of(&bob, &rid);
    assert_eq!(
        (sub["disableNotifications"].as_bool(), sub["audioNotificationValue"].as_str()),
        (Some(true), Some("beep"))
    );
    b.call_ok("saveNotificationSettings", json!([rid, "desktopNotifications", "default"]));
    assert!(sub_of(&bob, &rid).get("desktopNotifications").is_none());
    b.call_err(
        "saveNotificationSettings",
        json!([rid, "desktopNotifications", "loud"]),
        json!("error-invalid-settings"),
    );
    b.call_err("saveNotificationSettings", json!([rid, "bogus", "1"]), json!("error-invalid-settings"));
    b.call_err("saveNotificationSettings", json!([rid, "desktopNotifications", 1]), json!(400));
    b.call_err("saveNotificationSettings", json!([rid, "desktopNotifications"]), json!(400));
    c.call_err(
        "saveNotificationSettings",
        json!([rid, "desktopNotifications", "all"]),
        json!("error-invalid-subscription"),
    );

    // Through the bridge.
    assert_eq!(bridge(&bob, "hideRoom", json!([rid]))["result"], 1);
    assert_eq!(sub_of(&bob, &rid)["open"], false);
    let frame = bridge(&bob, "saveNotificationSettings", json!([rid, "emailNotifications", "mentions"]));
    assert_eq!(frame["result"], true);
    assert_eq!(sub_of(&bob, &rid)["emailNotifications"], "mentions");
    let frame = bridge(&bob, "subscriptions/get", json!([]));
    assert!(frame["result"].as_array().unwrap().iter().any(|s| s["rid"] == rid.as_str() && s["ts"]["$date"].is_i64()));
}

/// Every method of the family, with a first parameter of the wrong type where it takes one.
const STRING_FIRST: &[&str] = &[
    "getRoomById",
    "getRoomIdByNameOrId",
    "getRoomNameById",
    "getUsersOfRoom",
    "canAccessRoom",
    "createChannel",
    "createPrivateGroup",
    "createDirectMessage",
    "joinRoom",
    "leaveRoom",
    "eraseRoom",
    "archiveRoom",
    "unarchiveRoom",
    "getRoomRoles",
    "addRoomOwner",
    "removeRoomOwner",
    "addRoomModerator",
    "removeRoomModerator",
    "addRoomLeader",
    "removeRoomLeader",
    "hideRoom",
    "openRoom",
    "toggleFavorite",
    "readMessages",
    "saveNotificationSettings",
];
const OBJECT_FIRST: &[&str] =
    &["addUsersToRoom", "addUserToRoom", "removeUserFromRoom", "muteUserInRoom", "unmuteUserInRoom"];

#[test]
fn logged_out_callers_and_bad_parameters() {
    let s = start();
    let admin = s.admin();
    let mut anon = Ddp::connect(&s);
    let others = ["saveRoomSettings", "unreadMessages"];
    for m in STRING_FIRST.iter().chain(OBJECT_FIRST).chain(&others) {
        let e = anon.call_err(m, json!(["GENERAL", admin.user_id()]), json!("error-invalid-user"));
        assert_eq!(e["details"]["method"], *m, "{e}");
    }
    let message = json!({"msg": "method", "id": "9", "method": "joinRoom", "params": ["GENERAL"]}).to_string();
    let res = s.anon().post("/api/v1/method.callAnon/joinRoom", json!({"message": message}));
    let frame: Value = serde_json::from_str(assert_ok(&res)["message"].as_str().unwrap()).unwrap();
    assert_eq!(frame["error"]["error"], "error-invalid-user");

    // Wrong types answer Meteor's `Match failed` and change nothing.
    let mut d = Ddp::resume(&admin);
    let before = d.call_ok("rooms/get", json!([]));
    for m in STRING_FIRST {
        let e = d.call_err(m, json!([{"rid": "GENERAL"}]), json!(400));
        assert_eq!(e["reason"], "Match failed", "{m}: {e}");
    }
    for m in OBJECT_FIRST {
        let e = d.call_err(m, json!(["GENERAL"]), json!(400));
        assert_eq!(e["reason"], "Match failed", "{m}: {e}");
    }
    d.call_err("rooms/get", json!([{"when": "now"}]), json!(400));
    d.call_err("subscriptions/get", json!(["later"]), json!(400));
    d.call_err("getRoomByTypeAndName", json!([1, 2]), json!(400));
    assert_eq!(d.call_ok("rooms/get", json!([])), before);
    assert!(sub_of(&admin, "GENERAL").is_object());
}

/// A private group bob creates (and alone is in).
fn gid_of_bob(b: &mut Ddp) -> String {
    rid_of(&b.call_ok("createPrivateGroup", json!(["bobs-first-private", []])))
}
