//! DDP room and subscription methods over a raw socket, with their REST and stream effects.

use serde_json::{Value, json};

use crate::common::ddp::Ddp;
use crate::common::*;

#[test]
fn create_join_leave_and_lookups() {
    let s = Server::start();
    let admin = s.admin();
    let bob = s.user("bob");
    let mut d = Ddp::resume(&admin);
    d.sub_ok("stream-notify-user", &format!("{}/rooms-changed", admin.user_id()));
    let created = d.call_ok("createChannel", json!(["ddp-room", ["bob"], false]));
    let rid = created["rid"].as_str().unwrap().to_string();
    assert_eq!(created["_id"], rid.as_str());
    assert_eq!(created["inserted"], true);
    assert_eq!(created["t"], "c");
    assert!(created["ts"]["$date"].is_i64(), "{created}");
    d.event("stream-notify-user", &format!("{}/rooms-changed", admin.user_id()), |a| a[1]["_id"] == rid.as_str());
    let members = assert_ok(&admin.get(&format!("/api/v1/channels.members?roomId={rid}")))["members"].clone();
    assert_eq!(members.as_array().unwrap().len(), 2);

    let group = d.call_ok("createPrivateGroup", json!(["ddp-group", []]));
    assert_eq!(group["t"], "p");

    assert_eq!(d.call_ok("getRoomIdByNameOrId", json!(["ddp-room"])), json!(rid));
    assert_eq!(d.call_ok("getRoomNameById", json!([rid])), json!("ddp-room"));
    assert_eq!(d.call_ok("getRoomById", json!([rid]))["name"], "ddp-room");
    assert_eq!(d.call_ok("getRoomByTypeAndName", json!(["c", "ddp-room"]))["_id"], rid.as_str());
    let users = d.call_ok("getUsersOfRoom", json!([rid, true]));
    assert_eq!(users["total"], 2);

    // bob leaves and joins again; carol can't see the private group.
    let mut b = Ddp::resume(&bob);
    assert_eq!(b.call_ok("leaveRoom", json!([rid])), Value::Null);
    assert!(assert_ok(&bob.get(&format!("/api/v1/subscriptions.getOne?roomId={rid}")))["subscription"].is_null());
    assert_eq!(b.call_ok("joinRoom", json!([rid])), json!(true));
    assert!(assert_ok(&bob.get(&format!("/api/v1/subscriptions.getOne?roomId={rid}")))["subscription"].is_object());
    let gid = group["rid"].as_str().unwrap();
    b.call_err("getRoomById", json!([gid]), json!("error-not-allowed"));
    b.call_err("getRoomIdByNameOrId", json!(["ddp-group"]), json!("error-not-allowed"));
    b.call_err("joinRoom", json!([gid]), json!("error-not-allowed"));

    // Direct messages.
    let dm = b.call_ok("createDirectMessage", json!(["admin"]));
    let mut ids = [admin.user_id().to_string(), bob.user_id().to_string()];
    ids.sort();
    assert_eq!(dm["rid"], ids.concat());
    assert_eq!(dm["t"], "d");

    // Bad parameters and anonymous calls.
    d.call_err("createChannel", json!([5]), json!(400));
    d.call_err("joinRoom", json!([]), json!(400));
    let mut anon = Ddp::connect(&s);
    anon.call_err("getRoomById", json!(["GENERAL"]), json!("error-invalid-user"));
    assert_eq!(anon.call_ok("rooms/get", json!([])), json!([]));
}

#[test]
fn rooms_and_subscriptions_get_with_and_without_a_date() {
    let s = Server::start();
    let admin = s.admin();
    let mut d = Ddp::resume(&admin);
    let rooms = d.call_ok("rooms/get", json!([]));
    assert!(rooms.as_array().unwrap().iter().any(|r| r["_id"] == "GENERAL"));
    let subs = d.call_ok("subscriptions/get", json!([]));
    assert!(subs.as_array().unwrap().iter().any(|s| s["rid"] == "GENERAL" && s["ts"]["$date"].is_i64()));
    let since = json!({"$date": 0});
    let changed = d.call_ok("rooms/get", json!([since]));
    assert!(changed["update"].is_array() && changed["remove"].is_array(), "{changed}");
    // A room deleted later shows up under `remove`.
    let created = d.call_ok("createChannel", json!(["short-lived", []]));
    let rid = created["rid"].as_str().unwrap().to_string();
    let mark = json!({"$date": chrono_now_ms() - 1});
    assert_eq!(d.call_ok("eraseRoom", json!([rid])), json!(true));
    let changed = d.call_ok("rooms/get", json!([mark]));
    assert!(changed["remove"].as_array().unwrap().iter().any(|r| r["_id"] == rid.as_str()), "{changed}");
    let changed = d.call_ok("subscriptions/get", json!([mark]));
    assert!(!changed["remove"].as_array().unwrap().is_empty(), "{changed}");
}

fn chrono_now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64
}

#[test]
fn administration_methods_check_permissions() {
    let s = Server::start();
    let admin = s.admin();
    let bob = s.user("bob");
    s.user("carol");
    let mut d = Ddp::resume(&admin);
    let mut b = Ddp::resume(&bob);
    let rid = d.call_ok("createChannel", json!(["admin-room", ["bob"]]))["rid"].as_str().unwrap().to_string();
    let info = |api: &Api| assert_ok(&api.get(&format!("/api/v1/channels.info?roomId={rid}")))["channel"].clone();

    // Settings.
    let r = d.call_ok("saveRoomSettings", json!([rid, "roomTopic", "from ddp"]));
    assert_eq!(r, json!({"result": true, "rid": rid}));
    assert_eq!(info(&admin)["topic"], "from ddp");
    d.call_ok("saveRoomSettings", json!([rid, {"roomDescription": "desc", "readOnly": true}]));
    let i = info(&admin);
    assert_eq!((i["description"].as_str(), i["ro"].as_bool()), (Some("desc"), Some(true)));
    b.call_err("saveRoomSettings", json!([rid, "roomTopic", "nope"]), json!("error-action-not-allowed"));

    // Roles.
    assert_eq!(d.call_ok("addRoomModerator", json!([rid, bob.user_id()])), json!(true));
    let roles = d.call_ok("getRoomRoles", json!([rid]));
    assert!(
        roles.as_array().unwrap().iter().any(|r| r["u"]["username"] == "bob" && r["roles"] == json!(["moderator"]))
    );
    d.call_ok("removeRoomModerator", json!([rid, bob.user_id()]));
    b.call_err("addRoomOwner", json!([rid, bob.user_id()]), json!("error-not-allowed"));

    // Members: add, mute, remove.
    assert_eq!(d.call_ok("addUsersToRoom", json!([{"rid": rid, "users": ["carol"]}])), json!(true));
    assert_eq!(d.call_ok("muteUserInRoom", json!([{"rid": rid, "username": "carol"}])), json!(true));
    assert_eq!(info(&admin)["muted"], json!(["carol"]));
    d.call_ok("unmuteUserInRoom", json!([{"rid": rid, "username": "carol"}]));
    d.call_ok("removeUserFromRoom", json!([{"rid": rid, "username": "carol"}]));
    let members = assert_ok(&admin.get(&format!("/api/v1/channels.members?roomId={rid}")))["members"].clone();
    assert!(members.as_array().unwrap().iter().all(|m| m["username"] != "carol"));
    b.call_err("removeUserFromRoom", json!([{"rid": rid, "username": "admin"}]), json!("error-not-allowed"));

    // The caller's own subscription: favorite, hide, open, read, notifications.
    b.call_ok("toggleFavorite", json!([rid, true]));
    let sub =
        |api: &Api| assert_ok(&api.get(&format!("/api/v1/subscriptions.getOne?roomId={rid}")))["subscription"].clone();
    assert_eq!(sub(&bob)["f"], true);
    b.call_ok("hideRoom", json!([rid]));
    assert_eq!(sub(&bob)["open"], false);
    b.call_ok("openRoom", json!([rid]));
    assert_eq!(sub(&bob)["open"], true);
    b.call_ok("saveNotificationSettings", json!([rid, "desktopNotifications", "nothing"]));
    assert_eq!(sub(&bob)["desktopNotifications"], "nothing");
    b.call_ok("readMessages", json!([rid]));
    assert_eq!(sub(&bob)["unread"], 0);

    // Archive, unarchive, erase.
    b.call_err("archiveRoom", json!([rid]), json!("error-not-authorized"));
    d.call_ok("archiveRoom", json!([rid]));
    assert_eq!(info(&admin)["archived"], true);
    d.call_ok("unarchiveRoom", json!([rid]));
    b.call_err("eraseRoom", json!([rid]), json!("error-not-allowed"));
    d.call_ok("eraseRoom", json!([rid]));
    assert_eq!(admin.get(&format!("/api/v1/channels.info?roomId={rid}")).status, 400);
    let v: Value = d.call("canAccessRoom", json!(["GENERAL", admin.user_id()]));
    assert_eq!(v["result"]["_id"], "GENERAL");
}
