//! DDP message methods over a raw socket, and their round trips with REST and the streams.

use serde_json::{Value, json};

use crate::channels::create_channel;
use crate::chat::send;
use crate::common::ddp::Ddp;
use crate::common::*;

#[test]
fn send_update_react_delete_over_ddp_reach_rest_and_streams() {
    let s = Server::start();
    let admin = s.admin();
    let bob = s.user("bob");
    let ch = create_channel(&admin, "ddpmsgs", json!({"members": ["bob"]}));
    let rid = ch["_id"].as_str().unwrap();
    let mut watcher = Ddp::resume(&bob);
    watcher.sub_ok("stream-room-messages", rid);
    let mut d = Ddp::resume(&admin);

    let m = d.call_ok("sendMessage", json!([{"_id": "ddp-1", "rid": rid, "msg": "hello @bob"}]));
    assert_eq!(m["_id"], "ddp-1");
    assert!(m["ts"]["$date"].is_i64(), "EJSON date: {m}");
    assert_eq!(m["mentions"][0]["username"], "bob");
    let args = watcher.event("stream-room-messages", rid, |a| a[0]["_id"] == "ddp-1");
    assert_eq!(args[0]["msg"], "hello @bob");
    // REST sees it, and bob's mention counter moved.
    assert_eq!(assert_ok(&bob.get("/api/v1/chat.getMessage?msgId=ddp-1"))["message"]["msg"], "hello @bob");
    let sub = bob.get(&format!("/api/v1/subscriptions.getOne?roomId={rid}"));
    assert_eq!(assert_ok(&sub)["subscription"]["userMentions"], 1);

    d.call_ok("updateMessage", json!([{"_id": "ddp-1", "rid": rid, "msg": "edited"}]));
    watcher.event("stream-room-messages", rid, |a| a[0]["_id"] == "ddp-1" && a[0]["msg"] == "edited");
    d.call_ok("setReaction", json!([":tada:", "ddp-1"]));
    let args = watcher.event("stream-room-messages", rid, |a| a[0]["_id"] == "ddp-1" && a[0]["reactions"].is_object());
    assert_eq!(args[0]["reactions"][":tada:"]["usernames"], json!(["admin"]));

    let pinned = d.call_ok("pinMessage", json!([{"_id": "ddp-1"}]));
    assert_eq!(pinned["t"], "message_pinned");
    assert_eq!(d.call_ok("starMessage", json!([{"_id": "ddp-1", "rid": rid, "starred": true}])), json!(true));
    let single = d.call_ok("getSingleMessage", json!(["ddp-1"]));
    assert_eq!((single["pinned"].as_bool(), single["starred"][0]["_id"].as_str()), (Some(true), Some(admin.user_id())));

    let mut notify = Ddp::resume(&bob);
    notify.sub_ok("stream-notify-room", &format!("{rid}/deleteMessage"));
    d.call_ok("deleteMessage", json!([{"_id": "ddp-1"}]));
    notify.event("stream-notify-room", &format!("{rid}/deleteMessage"), |a| a[0]["_id"] == "ddp-1");
    assert_error(&bob.get("/api/v1/chat.getMessage?msgId=ddp-1"), 400, "error-message-not-found");

    // Bad parameters and anonymous calls.
    d.call_err("sendMessage", json!([{"rid": 5}]), json!(400));
    d.call_err("setReaction", json!([1, 2]), json!(400));
    let mut anon = Ddp::connect(&s);
    anon.call_err("sendMessage", json!([{"rid": rid, "msg": "x"}]), json!("error-invalid-user"));
}

#[test]
fn refused_messages_come_back_as_ephemeral_notices() {
    let s = Server::start();
    let admin = s.admin();
    let bob = s.user("bob");
    let group =
        assert_ok(&admin.post("/api/v1/groups.create", json!({"name": "locked", "members": ["bob"]})))["group"].clone();
    let gid = group["_id"].as_str().unwrap();
    assert_ok(&admin.post("/api/v1/rooms.muteUser", json!({"roomId": gid, "userId": bob.user_id()})));
    let mut d = Ddp::resume(&bob);
    d.sub_ok("stream-notify-user", &format!("{}/message", bob.user_id()));
    // Muted: no error, no message, an ephemeral notice instead (as upstream).
    let r = d.call("sendMessage", json!([{"rid": gid, "msg": "let me speak"}]));
    assert!(r.get("error").is_none() && r.get("result").is_none_or(Value::is_null), "{r}");
    let args = d.event("stream-notify-user", &format!("{}/message", bob.user_id()), |a| a[0]["rid"] == gid);
    assert!(args[0]["msg"].as_str().unwrap().contains("muted"), "{args}");
    let hist = admin.get(&format!("/api/v1/groups.history?roomId={gid}"));
    assert!(assert_ok(&hist)["messages"].as_array().unwrap().iter().all(|m| m["msg"] != "let me speak"));
    // Not a member of a private group: the call fails with error-not-allowed.
    let carol = s.user("carol");
    let mut c = Ddp::resume(&carol);
    c.call_err("sendMessage", json!([{"rid": gid, "msg": "let me in"}]), json!("error-not-allowed"));
}

#[test]
fn history_methods_page_around_messages() {
    let s = Server::start();
    let admin = s.admin();
    let ch = create_channel(&admin, "paging", json!({}));
    let rid = ch["_id"].as_str().unwrap();
    let ids: Vec<String> =
        (0..7).map(|i| send(&admin, rid, &format!("m{i}"))["_id"].as_str().unwrap().to_string()).collect();
    let mut d = Ddp::resume(&admin);
    let texts = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .filter_map(|m| m["msg"].as_str())
            .filter(|t| t.starts_with('m'))
            .map(String::from)
            .collect()
    };
    let h = d.call_ok("loadHistory", json!([rid, null, 3, null]));
    assert_eq!(texts(&h["messages"]), vec!["m6", "m5", "m4"]);
    let m2 = assert_ok(&admin.get(&format!("/api/v1/chat.getMessage?msgId={}", ids[2])))["message"].clone();
    let ts = chrono_ms(&m2["ts"]);
    let h = d.call_ok("loadHistory", json!([rid, {"$date": ts}, 20, {"$date": ts - 1}]));
    assert_eq!(texts(&h["messages"]), vec!["m1", "m0"]);
    let next = d.call_ok("loadNextMessages", json!([rid, {"$date": ts}, 2]));
    assert_eq!(texts(&next["messages"]), vec!["m3", "m4"]);
    let around = d.call_ok("loadSurroundingMessages", json!([{"_id": ids[3]}, 4]));
    assert_eq!(texts(&around["messages"]), vec!["m2", "m1", "m3", "m4", "m5"]);
    assert_eq!((around["moreBefore"].as_bool(), around["moreAfter"].as_bool()), (Some(true), Some(true)));
    let missed = d.call_ok("loadMissedMessages", json!([rid, {"$date": ts}]));
    assert_eq!(texts(&missed).len(), 4);
    let found = d.call_ok("messageSearch", json!(["m5", rid, 10]));
    assert_eq!(texts(&found["message"]["docs"]), vec!["m5"]);
    // A room the caller can't read answers false.
    let bob = s.user("bob");
    let g = assert_ok(&admin.post("/api/v1/groups.create", json!({"name": "nope"})))["group"]["_id"]
        .as_str()
        .unwrap()
        .to_string();
    let mut b = Ddp::resume(&bob);
    assert_eq!(b.call_ok("loadHistory", json!([g, null, 10, null])), json!(false));
    assert_eq!(b.call_ok("messageSearch", json!(["x", g])), json!(false));
}

#[test]
fn thread_methods() {
    let s = Server::start();
    let admin = s.admin();
    let bob = s.user("bob");
    let ch = create_channel(&admin, "dthreads", json!({"members": ["bob"]}));
    let rid = ch["_id"].as_str().unwrap();
    let parent = send(&bob, rid, "parent");
    let tmid = parent["_id"].as_str().unwrap();
    let mut d = Ddp::resume(&admin);
    d.call_ok("sendMessage", json!([{"rid": rid, "msg": "reply 1", "tmid": tmid}]));
    d.call_ok("sendMessage", json!([{"rid": rid, "msg": "reply 2", "tmid": tmid}]));
    let list = d.call_ok("getThreadMessages", json!([{"tmid": tmid}]));
    let texts: Vec<&str> = list.as_array().unwrap().iter().map(|m| m["msg"].as_str().unwrap()).collect();
    assert_eq!(texts, vec!["parent", "reply 2", "reply 1"]);
    let threads = d.call_ok("getThreadsList", json!([{"rid": rid}]));
    assert_eq!(threads[0]["_id"], tmid);
    assert_eq!(threads[0]["tcount"], 2);
    // Bob follows his thread; reading it clears his unread thread.
    let mut b = Ddp::resume(&bob);
    let sub =
        |api: &Api| assert_ok(&api.get(&format!("/api/v1/subscriptions.getOne?roomId={rid}")))["subscription"].clone();
    assert_eq!(sub(&bob)["tunread"], json!([tmid]));
    b.call_ok("readThreads", json!([tmid]));
    assert!(sub(&bob).get("tunread").is_none_or(|t| t == &json!([])));
    assert_eq!(b.call_ok("unfollowMessage", json!([{"mid": tmid}])), json!(true));
    d.call_err("getThreadMessages", json!([{"tmid": "nope"}]), json!("error-invalid-message"));
}

/// Milliseconds of a REST (ISO) date.
fn chrono_ms(v: &Value) -> i64 {
    chrono::DateTime::parse_from_rfc3339(v.as_str().unwrap()).unwrap().timestamp_millis()
}

#[test]
fn direct_messages_and_mentions_notify_the_recipient() {
    let s = Server::start();
    let admin = s.admin();
    let bob = s.user("bob");
    let mut b = Ddp::resume(&bob);
    let key = format!("{}/notification", bob.user_id());
    b.sub_ok("stream-notify-user", &key);
    let dm = assert_ok(&admin.post("/api/v1/im.create", json!({"username": "bob"})))["room"]["_id"]
        .as_str()
        .unwrap()
        .to_string();
    send(&admin, &dm, "are you there?");
    let args = b.event("stream-notify-user", &key, |a| a[0]["payload"]["rid"] == dm.as_str());
    assert_eq!(args[0]["text"], "are you there?");
    assert_eq!(args[0]["payload"]["sender"]["username"], "admin");
    assert_eq!(args[0]["payload"]["type"], "d");
    // In a channel only a mention notifies.
    let ch = create_channel(&admin, "notify", json!({"members": ["bob"]}));
    let rid = ch["_id"].as_str().unwrap();
    send(&admin, rid, "nothing for bob");
    send(&admin, rid, "@bob look");
    let args = b.event("stream-notify-user", &key, |a| a[0]["payload"]["rid"] == rid);
    assert_eq!(args[0]["text"], "admin: @bob look");
    assert_eq!(args[0]["title"], "#notify");
    // Muting notifications for the room silences them.
    assert_ok(&bob.post(
        "/api/v1/rooms.saveNotification",
        json!({"roomId": rid, "notifications": {"desktopNotifications": "nothing"}}),
    ));
    b.clear();
    send(&admin, rid, "@bob again");
    send(&admin, &dm, "ping");
    let args = b.event("stream-notify-user", &key, |a| a[0]["payload"]["rid"] == dm.as_str());
    assert_eq!(args[0]["text"], "ping");
    assert!(!b.received(|f| f["fields"]["args"][0]["text"] == "admin: @bob again"));
}

#[test]
fn here_notifies_only_members_who_are_around() {
    let s = Server::start();
    let admin = s.admin();
    let bob = s.user("bob");
    let carol = s.user("carol");
    let ch = create_channel(&admin, "here-room", json!({"members": ["bob", "carol"]}));
    let rid = ch["_id"].as_str().unwrap();
    // bob connects (and is seen online); carol never does.
    let mut watcher = Ddp::resume(&admin);
    watcher.sub_ok("stream-notify-logged", "user-status");
    let mut b = Ddp::resume(&bob);
    b.sub_ok("stream-notify-user", &format!("{}/notification", bob.user_id()));
    watcher.event("stream-notify-logged", "user-status", |a| a[0][0] == bob.user_id() && a[0][2] == 1);
    send(&admin, rid, "@here standup");
    let args =
        b.event("stream-notify-user", &format!("{}/notification", bob.user_id()), |a| a[0]["payload"]["rid"] == rid);
    assert_eq!(args[0]["text"], "admin: @here standup");
    // carol had no connection: she gets nothing, but her group-mention counter moved.
    let sub = assert_ok(&carol.get(&format!("/api/v1/subscriptions.getOne?roomId={rid}")))["subscription"].clone();
    assert_eq!(sub["groupMentions"], 1);
}

#[test]
fn cleaning_history_announces_one_bulk_deletion() {
    let s = Server::start();
    let admin = s.admin();
    let ch = create_channel(&admin, "bulk", json!({}));
    let rid = ch["_id"].as_str().unwrap();
    let ids: Vec<String> =
        (0..3).map(|i| send(&admin, rid, &format!("old {i}"))["_id"].as_str().unwrap().to_string()).collect();
    let mut d = Ddp::resume(&admin);
    let key = format!("{rid}/deleteMessageBulk");
    d.sub_ok("stream-notify-room", &key);
    let res = admin.post(
        "/api/v1/rooms.cleanHistory",
        json!({"roomId": rid, "oldest": "2000-01-01T00:00:00.000Z", "latest": "2100-01-01T00:00:00.000Z"}),
    );
    assert_ok(&res);
    let args = d.event("stream-notify-room", &key, |a| a[0]["rid"] == rid);
    let mut got: Vec<String> =
        args[0]["ids"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect();
    got.sort();
    let mut want = ids.clone();
    want.sort();
    // Every deleted message is listed (the room's join message too, when there is one).
    assert!(want.iter().all(|id| got.contains(id)), "{got:?}");
    assert!(args[0]["ts"]["$gt"]["$date"].is_i64() || args[0]["ts"]["$gte"]["$date"].is_i64(), "{args}");
    assert_eq!(args[0]["excludePinned"], false);
}
