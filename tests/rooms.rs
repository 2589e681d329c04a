//! `rooms.*`: sync, info, favorites, admin listing, history cleaning, discussions,
//! notification preferences and muting.

use serde_json::json;

use crate::channels::{create_channel, message_types, set_permission, set_setting};
use crate::common::*;

#[test]
fn rooms_get_syncs_updates_and_removals() {
    let s = Server::start();
    let admin = s.admin();
    let bob = s.user("bob");
    let all = bob.get("/api/v1/rooms.get");
    let all = assert_ok(&all);
    assert_eq!(all["update"].as_array().unwrap().len(), 1, "bob is in #general");
    assert_eq!(all["remove"], json!([]));
    // A point in the server's time before the changes below.
    let marker = create_channel(&admin, "marker", json!({}));
    let since = marker["_updatedAt"].as_str().unwrap().to_string();
    let a = create_channel(&admin, "a", json!({"members": ["bob"]}));
    let b = create_channel(&admin, "b", json!({"members": ["bob"]}));
    let rid_b = b["_id"].as_str().unwrap().to_string();
    assert_ok(&admin.post("/api/v1/channels.delete", json!({"roomId": rid_b})));
    let changed = bob.get(&format!("/api/v1/rooms.get?updatedSince={since}"));
    let changed = assert_ok(&changed);
    let ids: Vec<&str> = changed["update"].as_array().unwrap().iter().map(|r| r["_id"].as_str().unwrap()).collect();
    assert_eq!(ids, vec![a["_id"].as_str().unwrap()]);
    assert_eq!(changed["remove"][0]["_id"], rid_b.as_str());
    assert!(changed["remove"][0]["_deletedAt"].is_string());
    // A user who never was in the deleted room is not told about it.
    let carol = s.user("carol");
    let c = carol.get(&format!("/api/v1/rooms.get?updatedSince={since}"));
    assert_eq!(assert_ok(&c)["remove"], json!([]));
    assert_error(&bob.get("/api/v1/rooms.get?updatedSince=yesterday"), 400, "error-updatedSince-param-invalid");

    // subscriptions.get mirrors it.
    let subs = bob.get(&format!("/api/v1/subscriptions.get?updatedSince={since}"));
    let subs = assert_ok(&subs);
    assert_eq!(subs["update"].as_array().unwrap().len(), 1);
    assert_eq!(subs["update"][0]["rid"], a["_id"]);
    assert_eq!(subs["remove"].as_array().unwrap().len(), 1);
}

#[test]
fn info_leave_favorite_and_notifications() {
    let s = Server::start();
    let admin = s.admin();
    let bob = s.user("bob");
    let eve = s.user("eve");
    let g = admin.post("/api/v1/groups.create", json!({"name": "g", "members": ["bob"]}));
    let rid = assert_ok(&g)["group"]["_id"].as_str().unwrap().to_string();

    let info = bob.get(&format!("/api/v1/rooms.info?roomId={rid}"));
    assert_eq!(assert_ok(&info)["room"]["name"], "g");
    let info = bob.get("/api/v1/rooms.info?roomName=g&fields={\"name\":1}");
    assert_eq!(assert_ok(&info)["room"], json!({"_id": rid, "name": "g"}));
    assert_error(&eve.get(&format!("/api/v1/rooms.info?roomId={rid}")), 400, "error-room-not-found");
    assert_error(&eve.get("/api/v1/rooms.info"), 400, "error-roomid-param-not-provided");

    // Favorite.
    assert_ok(&bob.post("/api/v1/rooms.favorite", json!({"roomId": rid, "favorite": true})));
    let sub = bob.get(&format!("/api/v1/subscriptions.getOne?roomId={rid}"));
    assert_eq!(assert_ok(&sub)["subscription"]["f"], true);
    assert_eq!(bob.post("/api/v1/rooms.favorite", json!({"roomId": rid})).status, 400);
    assert_error(
        &eve.post("/api/v1/rooms.favorite", json!({"roomId": rid, "favorite": true})),
        400,
        "error-room-not-found",
    );
    set_setting(&s, "Favorite_Rooms", json!(false));
    assert_error(
        &bob.post("/api/v1/rooms.favorite", json!({"roomId": rid, "favorite": false})),
        400,
        "error-action-not-allowed",
    );

    // Notification preferences.
    let res = bob.post(
        "/api/v1/rooms.saveNotification",
        json!({"roomId": rid, "notifications": {"desktopNotifications": "mentions", "disableNotifications": "1"}}),
    );
    assert_ok(&res);
    let sub = bob.get(&format!("/api/v1/subscriptions.getOne?roomId={rid}"));
    let sub = assert_ok(&sub)["subscription"].clone();
    assert_eq!(sub["desktopNotifications"], "mentions");
    assert_eq!(sub["disableNotifications"], true);
    let res = bob.post(
        "/api/v1/rooms.saveNotification",
        json!({"roomId": rid, "notifications": {"desktopNotifications": "default"}}),
    );
    assert_ok(&res);
    let sub = bob.get(&format!("/api/v1/subscriptions.getOne?roomId={rid}"));
    assert!(assert_ok(&sub)["subscription"].get("desktopNotifications").is_none());
    let res = bob.post("/api/v1/rooms.saveNotification", json!({"roomId": rid, "notifications": {"bogus": "1"}}));
    assert_error(&res, 400, "error-invalid-settings");
    let res =
        eve.post("/api/v1/rooms.saveNotification", json!({"roomId": rid, "notifications": {"unreadAlert": "all"}}));
    assert_error(&res, 400, "error-invalid-subscription");
    assert_eq!(bob.post("/api/v1/rooms.saveNotification", json!({"roomId": rid})).status, 400);

    // Leave.
    assert_ok(&bob.post("/api/v1/rooms.leave", json!({"roomId": rid})));
    assert_error(&bob.get(&format!("/api/v1/rooms.info?roomId={rid}")), 400, "error-room-not-found");
    let res = admin.post("/api/v1/rooms.leave", json!({"roomId": rid}));
    assert_error(&res, 400, "error-you-are-last-owner");
}

#[test]
fn admin_rooms_lists_by_type_and_name() {
    let s = Server::start();
    let admin = s.admin();
    let bob = s.user("bob");
    create_channel(&admin, "alpha", json!({}));
    assert_ok(&admin.post("/api/v1/groups.create", json!({"name": "beta"})));
    assert_ok(&admin.post("/api/v1/im.create", json!({"username": "bob"})));
    assert_error(&bob.get("/api/v1/rooms.adminRooms"), 403, "error-unauthorized");
    let all = admin.get("/api/v1/rooms.adminRooms");
    assert_eq!(assert_ok(&all)["total"], 4, "general, alpha, beta and the DM");
    let ps = admin.get("/api/v1/rooms.adminRooms?types[]=p");
    assert_eq!(assert_ok(&ps)["rooms"][0]["name"], "beta");
    assert_eq!(ps.body["total"], 1);
    let cd = admin.get("/api/v1/rooms.adminRooms?types[]=c&types[]=d&filter=ALP");
    assert_eq!(assert_ok(&cd)["total"], 1);
    assert_eq!(cd.body["rooms"][0]["name"], "alpha");
    let page = admin.get("/api/v1/rooms.adminRooms?count=1&offset=1");
    assert_eq!(assert_ok(&page)["count"], 1);
}

#[test]
fn clean_history_needs_permission_and_deletes_a_range() {
    let s = Server::start();
    let admin = s.admin();
    let bob = s.user("bob");
    let ch = create_channel(&admin, "noisy", json!({"members": ["bob"]}));
    let rid = ch["_id"].as_str().unwrap().to_string();
    for i in 0..4 {
        assert_ok(&admin.post("/api/v1/channels.setTopic", json!({"roomId": rid, "topic": format!("t{i}")})));
    }
    let res = bob.post(
        "/api/v1/rooms.cleanHistory",
        json!({"roomId": rid, "latest": "9999-12-31T23:59:59.000Z", "oldest": "0001-01-01T00:00:00.000Z"}),
    );
    assert_error(&res, 400, "error-not-allowed");
    let res = admin.post("/api/v1/rooms.cleanHistory", json!({"roomId": rid, "oldest": "2000-01-01T00:00:00.000Z"}));
    assert_eq!(res.status, 400);
    let h = admin.get(&format!("/api/v1/channels.history?roomId={rid}"));
    let msgs = assert_ok(&h)["messages"].as_array().unwrap().clone();
    // Delete the two middle ones (inclusive range), then everything else with a limit of one.
    let res = admin.post(
        "/api/v1/rooms.cleanHistory",
        json!({"roomId": rid, "latest": msgs[1]["ts"], "oldest": msgs[2]["ts"], "inclusive": true}),
    );
    assert_eq!(assert_ok(&res)["count"], 2);
    assert_eq!(res.body["_id"], rid.as_str());
    let res = admin.post(
        "/api/v1/rooms.cleanHistory",
        json!({"roomId": rid, "latest": "9999-12-31T23:59:59.000Z", "oldest": "2000-01-01T00:00:00.000Z", "limit": 1}),
    );
    assert_eq!(assert_ok(&res)["count"], 1);
    let left = message_types(&admin, "channels", &rid);
    assert_eq!(left.len(), 1);
    let h = admin.get(&format!("/api/v1/channels.history?roomId={rid}"));
    assert_eq!(assert_ok(&h)["messages"][0]["msg"], "t3");
    // Cleaning a group the caller can't see is refused.
    let other = s.user("eve").post("/api/v1/groups.create", json!({"name": "eves"}));
    let gid = assert_ok(&other)["group"]["_id"].as_str().unwrap().to_string();
    let res = admin.post(
        "/api/v1/rooms.cleanHistory",
        json!({"roomId": gid, "latest": "9999-12-31T23:59:59.000Z", "oldest": "2000-01-01T00:00:00.000Z"}),
    );
    assert_error(&res, 400, "error-not-allowed");
}

#[test]
fn discussions() {
    let s = Server::start();
    let admin = s.admin();
    let bob = s.user("bob");
    let eve = s.user("eve");
    let ch = create_channel(&admin, "parent", json!({"members": ["bob"]}));
    let rid = ch["_id"].as_str().unwrap().to_string();
    let res =
        bob.post("/api/v1/rooms.createDiscussion", json!({"prid": rid, "t_name": "Side talk", "users": ["admin"]}));
    let d = assert_ok(&res)["discussion"].clone();
    assert_eq!(d["t"], "p");
    assert_eq!(d["prid"], rid.as_str());
    assert_eq!(d["fname"], "Side talk");
    assert_eq!(d["usersCount"], 2);
    assert_eq!(d["rid"], d["_id"]);
    let did = d["_id"].as_str().unwrap().to_string();
    // The parent announces it.
    let h = admin.get(&format!("/api/v1/channels.history?roomId={rid}&count=1"));
    let m = assert_ok(&h)["messages"][0].clone();
    assert_eq!(m["t"], "discussion-created");
    assert_eq!(m["drid"], did.as_str());
    assert_eq!(m["msg"], "Side talk");
    // Listed under the parent; readable to who can read the parent.
    let list = bob.get(&format!("/api/v1/rooms.getDiscussions?roomId={rid}"));
    assert_eq!(assert_ok(&list)["discussions"][0]["_id"], did.as_str());
    assert_eq!(list.body["total"], 1);
    let info = eve.get(&format!("/api/v1/rooms.info?roomId={did}"));
    assert_eq!(assert_ok(&info)["parent"]["_id"], rid.as_str());
    // A reply becomes the discussion's first message; the parent lists it in chat.getDiscussions.
    let res = bob
        .post("/api/v1/rooms.createDiscussion", json!({"prid": rid, "t_name": "With reply", "reply": "first words"}));
    let d2 = assert_ok(&res)["discussion"]["_id"].as_str().unwrap().to_string();
    let h = bob.get(&format!("/api/v1/groups.history?roomId={d2}"));
    let texts: Vec<&str> =
        assert_ok(&h)["messages"].as_array().unwrap().iter().filter_map(|m| m["msg"].as_str()).collect();
    assert!(texts.contains(&"first words"), "{texts:?}");
    let list = bob.get(&format!("/api/v1/chat.getDiscussions?roomId={rid}"));
    assert_eq!(assert_ok(&list)["total"], 2);

    // Bad input and denials.
    let res = bob.post("/api/v1/rooms.createDiscussion", json!({"prid": rid}));
    assert_eq!(res.status, 400);
    let res = bob.post("/api/v1/rooms.createDiscussion", json!({"prid": did, "t_name": "nested"}));
    assert_error(&res, 400, "error-nested-discussion");
    let g = admin.post("/api/v1/groups.create", json!({"name": "closed"}));
    let gid = assert_ok(&g)["group"]["_id"].as_str().unwrap().to_string();
    let res = eve.post("/api/v1/rooms.createDiscussion", json!({"prid": gid, "t_name": "sneaky"}));
    assert_error(&res, 400, "error-invalid-room");
    assert_error(&eve.get(&format!("/api/v1/rooms.getDiscussions?roomId={gid}")), 400, "error-room-not-found");
    set_permission(&s, "start-discussion", json!(["admin"]));
    set_permission(&s, "start-discussion-other-user", json!(["admin"]));
    let res = bob.post("/api/v1/rooms.createDiscussion", json!({"prid": rid, "t_name": "x"}));
    assert_error(&res, 400, "error-action-not-allowed");
    set_setting(&s, "Discussion_enabled", json!(false));
    let res = admin.post("/api/v1/rooms.createDiscussion", json!({"prid": rid, "t_name": "x"}));
    assert_error(&res, 400, "error-action-not-allowed");
}

#[test]
fn mute_and_unmute() {
    let s = Server::start();
    let admin = s.admin();
    let bob = s.user("bob");
    let carol = s.user("carol");
    let ch = create_channel(&admin, "quiet", json!({"members": ["bob"]}));
    let rid = ch["_id"].as_str().unwrap().to_string();
    let res = carol.post("/api/v1/rooms.muteUser", json!({"roomId": rid, "username": "bob"}));
    assert_error(&res, 400, "error-not-allowed");
    let res = admin.post("/api/v1/rooms.muteUser", json!({"roomId": rid, "username": "carol"}));
    assert_error(&res, 400, "error-user-not-in-room");
    let res = admin.post("/api/v1/rooms.muteUser", json!({"roomId": rid, "userId": bob.user_id()}));
    assert_ok(&res);
    let info = admin.get(&format!("/api/v1/rooms.info?roomId={rid}"));
    assert_eq!(assert_ok(&info)["room"]["muted"], json!(["bob"]));
    assert_ok(&admin.post("/api/v1/rooms.unmuteUser", json!({"roomId": rid, "username": "bob"})));
    let info = admin.get(&format!("/api/v1/rooms.info?roomId={rid}"));
    assert!(assert_ok(&info)["room"].get("muted").is_none());
    assert_eq!(message_types(&admin, "channels", &rid)[0..2], ["user-unmuted".to_string(), "user-muted".to_string()]);
    let res = admin.post("/api/v1/rooms.muteUser", json!({"roomId": rid, "username": "ghost"}));
    assert_error(&res, 400, "error-invalid-user");
    let dm = admin.post("/api/v1/im.create", json!({"username": "bob"}));
    let dmid = assert_ok(&dm)["room"]["_id"].as_str().unwrap().to_string();
    let res = admin.post("/api/v1/rooms.muteUser", json!({"roomId": dmid, "username": "bob"}));
    assert_error(&res, 400, "error-invalid-room-type");
}

#[test]
fn small_room_endpoints() {
    let s = Server::start();
    let admin = s.admin();
    let bob = s.user("bob");
    let eve = s.user("eve");
    let ch = create_channel(&admin, "misc", json!({"members": ["bob"]}));
    let rid = ch["_id"].as_str().unwrap().to_string();
    assert_eq!(assert_ok(&bob.get("/api/v1/rooms.nameExists?roomName=misc"))["exists"], true);
    assert_eq!(assert_ok(&bob.get("/api/v1/rooms.nameExists?roomName=nope"))["exists"], false);
    let res = bob.get(&format!("/api/v1/rooms.isMember?roomId={rid}&username=eve"));
    assert_eq!(assert_ok(&res)["isMember"], false);
    let res = bob.get(&format!("/api/v1/rooms.isMember?roomId={rid}&userId={}", bob.user_id()));
    assert_eq!(assert_ok(&res)["isMember"], true);
    assert_ok(&bob.post("/api/v1/rooms.close", json!({"roomId": rid})));
    assert_ok(&bob.post("/api/v1/rooms.open", json!({"roomId": rid})));
    assert_error(&eve.post("/api/v1/rooms.open", json!({"roomId": rid})), 400, "error-room-not-found");
    let res = bob.post("/api/v1/rooms.saveRoomSettings", json!({"rid": rid, "roomTopic": "x"}));
    assert_error(&res, 400, "error-action-not-allowed");
    let res =
        admin.post("/api/v1/rooms.saveRoomSettings", json!({"rid": rid, "roomTopic": "x", "roomDescription": "y"}));
    assert_eq!(assert_ok(&res)["rid"], rid.as_str());
    let res = admin.post("/api/v1/rooms.saveRoomSettings", json!({"rid": rid, "nonsense": 1}));
    assert_error(&res, 400, "error-invalid-settings");
    let res = admin.post("/api/v1/rooms.changeArchivationState", json!({"rid": rid, "action": "archive"}));
    assert_ok(&res);
    let res = admin.post("/api/v1/rooms.changeArchivationState", json!({"rid": rid, "action": "unarchive"}));
    assert_ok(&res);
    let res = bob.get("/api/v1/rooms.autocomplete.channelAndPrivate?selector={\"name\":\"mi\"}");
    assert_eq!(assert_ok(&res)["items"][0]["_id"], rid.as_str());
    assert_error(&bob.post("/api/v1/rooms.delete", json!({"roomId": rid})), 400, "error-not-allowed");
    assert_error(&eve.get(&format!("/api/v1/rooms.adminRooms.getRoom?rid={rid}")), 403, "error-unauthorized");
    assert_ok(&admin.post("/api/v1/rooms.delete", json!({"roomId": rid})));
    assert_eq!(assert_ok(&bob.get("/api/v1/rooms.nameExists?roomName=misc"))["exists"], false);
}
