//! `im.*` and its `dm.*` aliases: one-to-one, self and multi-user direct messages.

use serde_json::json;

use crate::channels::{set_permission, set_setting};
use crate::common::*;

#[test]
fn one_to_one_dm_ids_subscriptions_and_aliases() {
    let s = Server::start();
    let bob = s.user("bob");
    let carol = s.user("carol");
    let eve = s.user("eve");
    let res = bob.post("/api/v1/im.create", json!({"username": "carol"}));
    let room = assert_ok(&res)["room"].clone();
    let mut ids = [bob.user_id().to_string(), carol.user_id().to_string()];
    ids.sort();
    let rid = ids.concat();
    assert_eq!(room["_id"], rid.as_str());
    assert_eq!(room["rid"], rid.as_str());
    assert_eq!(room["t"], "d");
    assert_eq!(room["usernames"], json!(["bob", "carol"]));
    assert_eq!(room["usersCount"], 2);

    // Idempotent, from either side, under both prefixes.
    let again = carol.post("/api/v1/dm.create", json!({"username": "bob"}));
    assert_eq!(assert_ok(&again)["room"]["_id"], rid.as_str());

    // Each side's subscription names the other member; the receiver's is closed until used.
    let sub = bob.get(&format!("/api/v1/subscriptions.getOne?roomId={rid}"));
    let sub = assert_ok(&sub)["subscription"].clone();
    assert_eq!(sub["name"], "carol");
    assert_eq!(sub["t"], "d");
    assert_eq!(sub["open"], true);
    let sub = carol.get(&format!("/api/v1/subscriptions.getOne?roomId={rid}"));
    assert_eq!(assert_ok(&sub)["subscription"]["name"], "bob");

    // Lists, members, counters, history, messages, files, by roomId or username.
    for prefix in ["im", "dm"] {
        let list = bob.get(&format!("/api/v1/{prefix}.list"));
        assert_eq!(assert_ok(&list)["ims"][0]["_id"], rid.as_str());
        let m = bob.get(&format!("/api/v1/{prefix}.members?username=carol"));
        let names: Vec<_> =
            assert_ok(&m)["members"].as_array().unwrap().iter().map(|u| u["username"].clone()).collect();
        assert_eq!(names, vec![json!("bob"), json!("carol")]);
        let c = bob.get(&format!("/api/v1/{prefix}.counters?roomId={rid}"));
        assert_eq!(assert_ok(&c)["joined"], true);
        assert_eq!(c.body["members"], 2);
        assert_ok(&bob.get(&format!("/api/v1/{prefix}.history?roomId={rid}")));
        let msgs = bob.get(&format!("/api/v1/{prefix}.messages?roomId={rid}"));
        assert_eq!(assert_ok(&msgs)["total"], 0);
        let f = bob.get(&format!("/api/v1/{prefix}.files?roomId={rid}"));
        assert_eq!(assert_ok(&f)["files"], json!([]));
    }

    // An outsider sees nothing.
    for ep in ["members", "counters", "history", "messages", "files"] {
        let res = eve.get(&format!("/api/v1/im.{ep}?roomId={rid}"));
        assert_error(&res, 400, "error-room-not-found");
    }
    assert_error(&eve.post("/api/v1/im.setTopic", json!({"roomId": rid, "topic": "x"})), 400, "error-room-not-found");
    assert_error(&eve.post("/api/v1/im.open", json!({"roomId": rid})), 400, "error-room-not-found");
    let c = eve.get(&format!("/api/v1/im.counters?roomId={rid}&userId={}", bob.user_id()));
    assert_error(&c, 403, "error-unauthorized");

    // Topic, close and open.
    let res = bob.post("/api/v1/im.setTopic", json!({"roomId": rid, "topic": "plans"}));
    assert_eq!(assert_ok(&res)["topic"], "plans");
    let h = carol.get(&format!("/api/v1/im.history?roomId={rid}"));
    assert_eq!(assert_ok(&h)["messages"][0]["t"], "room_changed_topic");
    assert_ok(&bob.post("/api/v1/im.close", json!({"roomId": rid})));
    let res = bob.post("/api/v1/im.close", json!({"roomId": rid}));
    assert_eq!(res.status, 400);
    assert_eq!(res.body["error"], "The direct message room, is already closed to the sender");
    assert_ok(&bob.post("/api/v1/dm.open", json!({"roomId": rid})));
    let sub = bob.get(&format!("/api/v1/subscriptions.getOne?roomId={rid}"));
    assert_eq!(assert_ok(&sub)["subscription"]["open"], true);

    // Bad input.
    assert_error(&bob.post("/api/v1/im.create", json!({"username": "ghost"})), 400, "error-invalid-user");
    assert_error(&bob.post("/api/v1/im.create", json!({})), 400, "error-invalid-params");
    assert_error(&bob.get("/api/v1/im.history"), 400, "error-room-param-not-provided");
    assert_error(&bob.get("/api/v1/im.messages?username=eve"), 400, "error-room-not-found");

    // Deleting needs delete-d.
    assert_error(&bob.post("/api/v1/im.delete", json!({"roomId": rid})), 400, "error-not-allowed");
    assert_ok(&s.admin().post("/api/v1/im.delete", json!({"roomId": rid})));
    assert_error(&bob.get(&format!("/api/v1/im.history?roomId={rid}")), 400, "error-room-not-found");
}

#[test]
fn self_and_multi_user_dms() {
    let s = Server::start();
    let bob = s.user("bob");
    let carol = s.user("carol");
    let dave = s.user("dave");
    let res = bob.post("/api/v1/im.create", json!({"username": "bob"}));
    let me = assert_ok(&res)["room"].clone();
    assert_eq!(me["_id"], format!("{0}{0}", bob.user_id()));
    assert_eq!(me["usersCount"], 1);
    set_setting(&s, "Message_AllowDirectMessagesToYourself", json!(false));
    assert_error(&bob.post("/api/v1/im.create", json!({"username": "bob"})), 400, "error-invalid-user");

    let res = bob.post("/api/v1/im.create", json!({"usernames": "carol, dave"}));
    let group = assert_ok(&res)["room"].clone();
    let rid = group["_id"].as_str().unwrap().to_string();
    assert_eq!(rid.len(), 17);
    assert_eq!(group["usersCount"], 3);
    assert_eq!(group["uids"].as_array().unwrap().len(), 3);
    // The same set of people finds the same room, in any order.
    let again = dave.post("/api/v1/im.create", json!({"usernames": "bob,carol"}));
    assert_eq!(assert_ok(&again)["room"]["_id"], rid.as_str());
    let sub = carol.get(&format!("/api/v1/subscriptions.getOne?roomId={rid}"));
    let sub = assert_ok(&sub)["subscription"].clone();
    assert_eq!(sub["name"], "bob, dave");
    assert_eq!(sub["open"], true);
    let m = dave.get(&format!("/api/v1/im.members?roomId={rid}"));
    assert_eq!(assert_ok(&m)["total"], 3);

    set_permission(&s, "create-d", json!(["admin"]));
    let eve = s.user("eve");
    assert_error(&eve.post("/api/v1/im.create", json!({"username": "bob"})), 400, "error-not-allowed");
}

#[test]
fn admin_views_of_dms() {
    let s = Server::start();
    let admin = s.admin();
    let bob = s.user("bob");
    s.user("carol");
    let res = bob.post("/api/v1/im.create", json!({"username": "carol"}));
    let rid = assert_ok(&res)["room"]["_id"].as_str().unwrap().to_string();

    assert_error(&bob.get("/api/v1/im.list.everyone"), 403, "error-unauthorized");
    let all = admin.get("/api/v1/im.list.everyone");
    assert_eq!(assert_ok(&all)["total"], 1);

    let res = admin.get(&format!("/api/v1/im.messages.others?roomId={rid}"));
    assert_error(&res, 400, "error-endpoint-disabled");
    set_setting(&s, "API_Enable_Direct_Message_History_EndPoint", json!(true));
    let res = admin.get(&format!("/api/v1/im.messages.others?roomId={rid}"));
    assert_eq!(assert_ok(&res)["total"], 0);
    assert_error(&bob.get(&format!("/api/v1/im.messages.others?roomId={rid}")), 403, "error-unauthorized");
    assert_error(&admin.get("/api/v1/im.messages.others?roomId=nope"), 400, "error-room-not-found");
    let c = admin.get(&format!("/api/v1/im.counters?roomId={rid}&userId={}", bob.user_id()));
    assert_eq!(assert_ok(&c)["joined"], true);
}

#[test]
fn outsiders_cannot_close_or_delete_a_dm() {
    let s = Server::start();
    let bob = s.user("bob");
    s.user("carol");
    let eve = s.user("eve");
    let res = bob.post("/api/v1/im.create", json!({"username": "carol"}));
    let rid = assert_ok(&res)["room"]["_id"].as_str().unwrap().to_string();
    assert_error(&eve.post("/api/v1/im.close", json!({"roomId": rid})), 400, "error-room-not-found");
    assert_error(&eve.post("/api/v1/im.delete", json!({"roomId": rid})), 400, "error-room-not-found");
    assert_error(&eve.post("/api/v1/im.close", json!({})), 400, "error-room-param-not-provided");
}
