//! `chat.*`: sending, editing, deleting, reactions, pins, stars, threads, search and lists.

use serde_json::{Value, json};

use crate::channels::{create_channel, set_permission, set_setting};
use crate::common::*;

/// Sends `text` to `rid` through `chat.sendMessage` and returns the message.
pub fn send(api: &Api, rid: &str, text: &str) -> Value {
    let res = api.post("/api/v1/chat.sendMessage", json!({"message": {"rid": rid, "msg": text}}));
    assert_ok(&res)["message"].clone()
}

fn sub(api: &Api, rid: &str) -> Value {
    let res = api.get(&format!("/api/v1/subscriptions.getOne?roomId={rid}"));
    assert_ok(&res)["subscription"].clone()
}

fn get(api: &Api, id: &str) -> Value {
    let res = api.get(&format!("/api/v1/chat.getMessage?msgId={id}"));
    assert_ok(&res)["message"].clone()
}

#[test]
fn post_message_to_rooms_channels_and_users() {
    let s = Server::start();
    let admin = s.admin();
    let bob = s.user("bob");
    let ch = create_channel(&admin, "posting", json!({}));
    let rid = ch["_id"].as_str().unwrap();
    let res = admin.post("/api/v1/chat.postMessage", json!({"roomId": rid, "text": "hello", "emoji": ":smile:"}));
    let body = assert_ok(&res);
    assert_eq!(body["channel"], rid);
    assert!(body["ts"].is_i64());
    let m = &body["message"];
    assert_eq!(
        (m["msg"].as_str(), m["rid"].as_str(), m["emoji"].as_str()),
        (Some("hello"), Some(rid), Some(":smile:"))
    );
    assert_eq!(m["u"]["username"], "admin");
    assert!(m["ts"].is_string() && m["_updatedAt"].is_string());
    // `#name` joins a public channel; the history shows the message.
    let res = bob.post("/api/v1/chat.postMessage", json!({"channel": "#posting", "text": "from bob"}));
    assert_ok(&res);
    assert_eq!(sub(&bob, rid)["rid"], rid);
    let hist = bob.get(&format!("/api/v1/channels.history?roomId={rid}"));
    let texts: Vec<&str> =
        assert_ok(&hist)["messages"].as_array().unwrap().iter().filter_map(|m| m["msg"].as_str()).collect();
    assert!(texts.contains(&"from bob") && texts.contains(&"hello"));
    // The room's last message is the newest one, with REST (ISO) dates.
    let info = admin.get(&format!("/api/v1/channels.info?roomId={rid}"));
    let last = &assert_ok(&info)["channel"]["lastMessage"];
    assert_eq!(last["msg"], "from bob");
    assert!(last["ts"].is_string() && last["_updatedAt"].is_string(), "{last}");
    // `@user` opens the direct message.
    let res = admin.post("/api/v1/chat.postMessage", json!({"channel": "@bob", "text": "psst"}));
    let dm = assert_ok(&res)["message"]["rid"].as_str().unwrap().to_string();
    let mut ids = [admin.user_id().to_string(), bob.user_id().to_string()];
    ids.sort();
    assert_eq!(dm, ids.concat());
    // Alias and avatar need `message-impersonate`.
    let res = admin.post("/api/v1/chat.postMessage", json!({"roomId": rid, "text": "x", "alias": "Someone"}));
    assert_error(&res, 400, "error-action-not-allowed");
    set_permission(&s, "message-impersonate", json!(["admin", "bot"]));
    let res = admin.post("/api/v1/chat.postMessage", json!({"roomId": rid, "text": "x", "alias": "Someone"}));
    assert_eq!(assert_ok(&res)["message"]["alias"], "Someone");
    // Bad targets and bodies.
    assert_error(&admin.post("/api/v1/chat.postMessage", json!({"text": "x"})), 400, "error-invalid-channel");
    assert_error(
        &admin.post("/api/v1/chat.postMessage", json!({"channel": "#nope", "text": "x"})),
        400,
        "invalid-channel",
    );
    let long = "a".repeat(5001);
    let res = admin.post("/api/v1/chat.postMessage", json!({"roomId": rid, "text": long}));
    assert_eq!((res.status, res.body["error"].as_str()), (400, Some("error-message-size-exceeded")));
    let res = admin.post(
        "/api/v1/chat.postMessage",
        json!({"roomId": rid, "text": "x", "attachments": [{"title": "t", "title_link": "javascript:alert(1)"}]}),
    );
    assert_eq!(res.status, 400);
    assert_eq!(s.anon().post("/api/v1/chat.postMessage", json!({"roomId": rid, "text": "x"})).status, 401);
}

#[test]
fn send_message_parses_mentions_and_keeps_client_ids() {
    let s = Server::start();
    let admin = s.admin();
    let bob = s.user("bob");
    let ch = create_channel(&admin, "mentions", json!({"members": ["bob"]}));
    let rid = ch["_id"].as_str().unwrap();
    let res = admin.post(
        "/api/v1/chat.sendMessage",
        json!({"message": {"_id": "client-id-1", "rid": rid, "msg": "hey @bob and @nobody see #mentions https://example.com/x."}}),
    );
    let m = assert_ok(&res)["message"].clone();
    assert_eq!(m["_id"], "client-id-1");
    let mentions: Vec<&str> =
        m["mentions"].as_array().unwrap().iter().map(|x| x["username"].as_str().unwrap()).collect();
    assert_eq!(mentions, vec!["bob"]);
    assert_eq!(m["mentions"][0]["_id"], bob.user_id());
    assert_eq!(m["channels"], json!([{"_id": rid, "name": "mentions"}]));
    assert_eq!(m["urls"], json!([{"url": "https://example.com/x"}]));
    // The same id again is refused; the stored message is untouched.
    let res =
        admin.post("/api/v1/chat.sendMessage", json!({"message": {"_id": "client-id-1", "rid": rid, "msg": "dup"}}));
    assert_error(&res, 400, "error-message-already-exists");
    assert!(get(&admin, "client-id-1")["msg"].as_str().unwrap().starts_with("hey"));
    // Mentions drive bob's counters; a plain channel message only alerts (Unread_Count default).
    let bs = sub(&bob, rid);
    assert_eq!(
        (bs["unread"].as_i64(), bs["userMentions"].as_i64(), bs["alert"].as_bool()),
        (Some(1), Some(1), Some(true))
    );
    bob.post("/api/v1/subscriptions.read", json!({"rid": rid}));
    send(&admin, rid, "no mention");
    let bs = sub(&bob, rid);
    assert_eq!((bs["unread"].as_i64(), bs["alert"].as_bool()), (Some(0), Some(true)));
    send(&admin, rid, "@all wake up");
    let bs = sub(&bob, rid);
    assert_eq!((bs["unread"].as_i64(), bs["groupMentions"].as_i64()), (Some(1), Some(1)));
    // In a direct message every message counts.
    let dm = assert_ok(&admin.post("/api/v1/im.create", json!({"username": "bob"})))["room"]["_id"]
        .as_str()
        .unwrap()
        .to_string();
    send(&admin, &dm, "one");
    send(&admin, &dm, "two");
    assert_eq!(sub(&bob, &dm)["unread"], 2);
    // Wrong types and missing fields.
    assert_eq!(admin.post("/api/v1/chat.sendMessage", json!({"message": {"rid": 5, "msg": "x"}})).status, 400);
    assert_eq!(admin.post("/api/v1/chat.sendMessage", json!({"message": {"msg": "x"}})).status, 400);
    assert_eq!(admin.post("/api/v1/chat.sendMessage", json!({})).status, 400);
    let res = admin.post("/api/v1/chat.sendMessage", json!({"message": {"rid": "nope", "msg": "x"}}));
    assert_error(&res, 400, "error-invalid-room");
}

#[test]
fn posting_is_refused_where_the_user_may_not_speak() {
    let s = Server::start();
    let admin = s.admin();
    let bob = s.user("bob");
    let carol = s.user("carol");
    let group =
        assert_ok(&admin.post("/api/v1/groups.create", json!({"name": "secret", "members": ["bob"]})))["group"].clone();
    let gid = group["_id"].as_str().unwrap();
    let hidden = send(&admin, gid, "classified");
    // Not a member of the private group: can't post, read or react.
    let res = carol.post("/api/v1/chat.sendMessage", json!({"message": {"rid": gid, "msg": "let me in"}}));
    assert_eq!(res.status, 400);
    let id = hidden["_id"].as_str().unwrap();
    assert_error(&carol.get(&format!("/api/v1/chat.getMessage?msgId={id}")), 400, "error-action-not-allowed");
    assert_eq!(carol.post("/api/v1/chat.react", json!({"messageId": id, "emoji": "smile"})).status, 403);
    assert_eq!(carol.get(&format!("/api/v1/chat.search?roomId={gid}&searchText=classified")).status, 400);
    assert_eq!(carol.get(&format!("/api/v1/chat.getPinnedMessages?roomId={gid}")).status, 400);
    // Muted, read-only and archived rooms.
    assert_ok(&admin.post("/api/v1/rooms.muteUser", json!({"roomId": gid, "userId": bob.user_id()})));
    let res = bob.post("/api/v1/chat.sendMessage", json!({"message": {"rid": gid, "msg": "muted?"}}));
    assert_error(&res, 400, "error-user-muted");
    assert_ok(&admin.post("/api/v1/rooms.unmuteUser", json!({"roomId": gid, "userId": bob.user_id()})));
    assert_ok(&admin.post("/api/v1/groups.setReadOnly", json!({"roomId": gid, "readOnly": true})));
    let res = bob.post("/api/v1/chat.sendMessage", json!({"message": {"rid": gid, "msg": "ro?"}}));
    assert_error(&res, 400, "error-room-read-only");
    send(&admin, gid, "owners may post in read-only rooms");
    assert_ok(&admin.post("/api/v1/groups.setReadOnly", json!({"roomId": gid, "readOnly": false})));
    assert_ok(&admin.post("/api/v1/groups.archive", json!({"roomId": gid})));
    let res = bob.post("/api/v1/chat.sendMessage", json!({"message": {"rid": gid, "msg": "archived?"}}));
    assert_error(&res, 400, "error-room-archived");
}

#[test]
fn update_follows_permissions_and_settings() {
    let s = Server::start();
    let admin = s.admin();
    let bob = s.user("bob");
    let carol = s.user("carol");
    let ch = create_channel(&admin, "edits", json!({"members": ["bob", "carol"]}));
    let rid = ch["_id"].as_str().unwrap();
    let m = send(&bob, rid, "typo");
    let id = m["_id"].as_str().unwrap();
    let res = bob.post("/api/v1/chat.update", json!({"roomId": rid, "msgId": id, "text": "fixed @carol"}));
    let updated = assert_ok(&res)["message"].clone();
    assert_eq!(updated["msg"], "fixed @carol");
    assert_eq!(updated["editedBy"]["username"], "bob");
    assert!(updated["editedAt"].is_string());
    assert_eq!(updated["mentions"][0]["username"], "carol");
    // Someone else's message: only with `edit-message` (owners have it).
    let res = carol.post("/api/v1/chat.update", json!({"roomId": rid, "msgId": id, "text": "hijack"}));
    assert_error(&res, 400, "error-action-not-allowed");
    assert_ok(&admin.post("/api/v1/chat.update", json!({"roomId": rid, "msgId": id, "text": "moderated"})));
    assert_eq!(get(&bob, id)["msg"], "moderated");
    // Editing turned off.
    set_setting(&s, "Message_AllowEditing", json!(false));
    let res = bob.post("/api/v1/chat.update", json!({"roomId": rid, "msgId": id, "text": "again"}));
    assert_error(&res, 400, "error-action-not-allowed");
    set_setting(&s, "Message_AllowEditing", json!(true));
    // Bad input.
    let res = bob.post("/api/v1/chat.update", json!({"roomId": "GENERAL", "msgId": id, "text": "x"}));
    assert_eq!((res.status, res.body["success"].as_bool()), (400, Some(false)));
    let res = bob.post("/api/v1/chat.update", json!({"roomId": rid, "msgId": "nope", "text": "x"}));
    assert_eq!(res.status, 400);
    assert_eq!(bob.post("/api/v1/chat.update", json!({"roomId": rid, "msgId": id})).status, 400);
}

#[test]
fn delete_follows_permissions_and_records_the_deletion() {
    let s = Server::start();
    let admin = s.admin();
    let bob = s.user("bob");
    let carol = s.user("carol");
    let ch = create_channel(&admin, "deletes", json!({"members": ["bob", "carol"]}));
    let rid = ch["_id"].as_str().unwrap();
    let before = chrono_now_iso(&admin);
    let m = send(&bob, rid, "oops");
    let id = m["_id"].as_str().unwrap();
    let res = carol.post("/api/v1/chat.delete", json!({"roomId": rid, "msgId": id}));
    assert_error(&res, 400, "error-action-not-allowed");
    let res = carol.post("/api/v1/chat.delete", json!({"roomId": rid, "msgId": id, "asUser": true}));
    assert_eq!((res.status, res.body["success"].as_bool()), (400, Some(false)));
    let res = bob.post("/api/v1/chat.delete", json!({"roomId": rid, "msgId": id}));
    let body = assert_ok(&res);
    assert_eq!(body["_id"], id);
    assert_eq!(body["message"]["rid"], rid);
    assert_error(&bob.get(&format!("/api/v1/chat.getMessage?msgId={id}")), 400, "error-message-not-found");
    let res = bob.get(&format!("/api/v1/chat.getDeletedMessages?roomId={rid}&since={before}"));
    let body = assert_ok(&res);
    assert_eq!(body["messages"], json!([{"_id": id}]));
    assert_eq!(body["total"], 1);
    let res = bob.get(&format!("/api/v1/chat.syncMessages?roomId={rid}&lastUpdate={before}"));
    let result = &assert_ok(&res)["result"];
    assert_eq!(result["deleted"][0]["_id"], id);
    assert!(result["updated"].as_array().unwrap().iter().all(|m| m["_id"] != id));
    // Owners delete anyone's message; a second delete finds nothing.
    let other = send(&carol, rid, "spam");
    let oid = other["_id"].as_str().unwrap();
    assert_ok(&admin.post("/api/v1/chat.delete", json!({"roomId": rid, "msgId": oid})));
    let res = admin.post("/api/v1/chat.delete", json!({"roomId": rid, "msgId": oid}));
    assert_eq!((res.status, res.body["success"].as_bool()), (400, Some(false)));
    // Deleting turned off for plain users.
    set_setting(&s, "Message_AllowDeleting", json!(false));
    let m = send(&bob, rid, "stays");
    let res = bob.post("/api/v1/chat.delete", json!({"roomId": rid, "msgId": m["_id"]}));
    assert_error(&res, 400, "error-action-not-allowed");
    assert_eq!(bob.get("/api/v1/chat.getDeletedMessages?roomId=x").status, 400);
}

#[test]
fn messages_of_one_millisecond_get_their_own_dates() {
    // Clients page with "before the oldest loaded date": messages sharing a millisecond would
    // hide each other, so each one moves to the next free millisecond of its room.
    let s = Server::start();
    let admin = s.admin();
    let ts = chrono_now_iso(&admin);
    let rid = create_channel(&admin, "same-ms", json!({}))["_id"].as_str().unwrap().to_string();
    let dates: Vec<String> = (0..3)
        .map(|i| {
            let msg = json!({"message": {"rid": rid, "msg": format!("same {i}"), "ts": ts}});
            assert_ok(&admin.post("/api/v1/chat.sendMessage", msg))["message"]["ts"].as_str().unwrap().to_string()
        })
        .collect();
    assert!(dates[0] < dates[1] && dates[1] < dates[2], "{dates:?}");
    let texts = |query: &str| -> Vec<String> {
        let res = admin.get(&format!("/api/v1/channels.history?roomId={rid}&{query}"));
        assert_ok(&res)["messages"].as_array().unwrap().iter().map(|m| m["msg"].as_str().unwrap().to_string()).collect()
    };
    assert_eq!(texts(&format!("latest={}", dates[1])), ["same 0"]);
    assert_eq!(texts(&format!("oldest={}", dates[1])), ["same 2"]);
}

/// The server's idea of "now", as an ISO date (from a fresh message's timestamp).
fn chrono_now_iso(api: &Api) -> String {
    let m = send(api, "GENERAL", "clock");
    m["ts"].as_str().unwrap().to_string()
}

#[test]
fn reactions_toggle_and_respect_should_react() {
    let s = Server::start();
    let admin = s.admin();
    let bob = s.user("bob");
    let m = send(&admin, "GENERAL", "react to me");
    let id = m["_id"].as_str().unwrap();
    assert_ok(&bob.post("/api/v1/chat.react", json!({"messageId": id, "emoji": ":thumbsup:"})));
    assert_eq!(get(&bob, id)["reactions"], json!({":thumbsup:": {"usernames": ["bob"]}}));
    assert_ok(&admin.post("/api/v1/chat.react", json!({"messageId": id, "reaction": "thumbsup", "shouldReact": true})));
    assert_ok(&admin.post("/api/v1/chat.react", json!({"messageId": id, "reaction": "thumbsup", "shouldReact": true})));
    assert_eq!(get(&bob, id)["reactions"][":thumbsup:"]["usernames"], json!(["bob", "admin"]));
    assert_ok(&bob.post("/api/v1/chat.react", json!({"messageId": id, "emoji": "thumbsup"})));
    assert_ok(&admin.post("/api/v1/chat.react", json!({"messageId": id, "emoji": "thumbsup", "shouldReact": false})));
    assert!(get(&bob, id).get("reactions").is_none());
    assert_error(
        &bob.post("/api/v1/chat.react", json!({"messageId": id, "emoji": "not an emoji"})),
        400,
        "error-not-allowed",
    );
    assert_error(&bob.post("/api/v1/chat.react", json!({"messageId": id})), 400, "error-emoji-param-not-provided");
    assert_error(
        &bob.post("/api/v1/chat.react", json!({"messageId": "nope", "emoji": "x"})),
        400,
        "error-message-not-found",
    );
}

#[test]
fn pins_and_stars() {
    let s = Server::start();
    let admin = s.admin();
    let bob = s.user("bob");
    let ch = create_channel(&admin, "pins", json!({"members": ["bob"]}));
    let rid = ch["_id"].as_str().unwrap();
    let m = send(&bob, rid, "pin me");
    let id = m["_id"].as_str().unwrap();
    // Plain members may not pin (owners, moderators and admins may).
    assert_error(&bob.post("/api/v1/chat.pinMessage", json!({"messageId": id})), 403, "not-authorized");
    let res = admin.post("/api/v1/chat.pinMessage", json!({"messageId": id}));
    let sys = assert_ok(&res)["message"].clone();
    assert_eq!(sys["t"], "message_pinned");
    assert_eq!(sys["attachments"][0]["text"], "pin me");
    let pinned = get(&bob, id);
    assert_eq!((pinned["pinned"].as_bool(), pinned["pinnedBy"]["username"].as_str()), (Some(true), Some("admin")));
    let res = bob.get(&format!("/api/v1/chat.getPinnedMessages?roomId={rid}"));
    let body = assert_ok(&res);
    assert_eq!((body["total"].as_i64(), body["messages"][0]["_id"].as_str()), (Some(1), Some(id)));
    assert_ok(&admin.post("/api/v1/chat.unPinMessage", json!({"messageId": id})));
    assert_eq!(assert_ok(&bob.get(&format!("/api/v1/chat.getPinnedMessages?roomId={rid}")))["total"], 0);
    assert_error(&admin.post("/api/v1/chat.pinMessage", json!({"messageId": "nope"})), 400, "error-message-not-found");
    // Stars are per user.
    assert_ok(&bob.post("/api/v1/chat.starMessage", json!({"messageId": id})));
    let res = bob.get(&format!("/api/v1/chat.getStarredMessages?roomId={rid}"));
    assert_eq!(assert_ok(&res)["messages"][0]["_id"], id);
    let res = admin.get(&format!("/api/v1/chat.getStarredMessages?roomId={rid}"));
    assert_eq!(assert_ok(&res)["total"], 0);
    assert_ok(&bob.post("/api/v1/chat.unStarMessage", json!({"messageId": id})));
    assert_eq!(assert_ok(&bob.get(&format!("/api/v1/chat.getStarredMessages?roomId={rid}")))["total"], 0);
    let carol = s.user("carol");
    assert_eq!(carol.post("/api/v1/chat.starMessage", json!({"messageId": id})).status, 400);
    set_setting(&s, "Message_AllowStarring", json!(false));
    assert_error(&bob.post("/api/v1/chat.starMessage", json!({"messageId": id})), 400, "error-action-not-allowed");
}

#[test]
fn threads_count_replies_and_track_followers() {
    let s = Server::start();
    let admin = s.admin();
    let bob = s.user("bob");
    let carol = s.user("carol");
    let ch = create_channel(&admin, "threads", json!({"members": ["bob", "carol"]}));
    let rid = ch["_id"].as_str().unwrap();
    let parent = send(&bob, rid, "thread start");
    let tmid = parent["_id"].as_str().unwrap();
    let reply = |api: &Api, text: &str| {
        let res = api.post("/api/v1/chat.sendMessage", json!({"message": {"rid": rid, "msg": text, "tmid": tmid}}));
        assert_ok(&res)["message"].clone()
    };
    let r1 = reply(&carol, "first reply");
    assert_eq!(r1["tmid"], tmid);
    reply(&admin, "second reply");
    let p = get(&bob, tmid);
    assert_eq!(p["tcount"], 2);
    assert!(p["tlm"].is_string());
    let mut replies: Vec<&str> = p["replies"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    replies.sort();
    let mut expected = vec![bob.user_id(), carol.user_id(), admin.user_id()];
    expected.sort();
    assert_eq!(replies, expected);
    // Bob follows the thread: it's in his unread threads.
    assert_eq!(sub(&bob, rid)["tunread"], json!([tmid]));
    let res = bob.get(&format!("/api/v1/chat.getThreadsList?rid={rid}&type=unread"));
    assert_eq!(assert_ok(&res)["threads"][0]["_id"], tmid);
    let res = bob.get(&format!("/api/v1/chat.getThreadMessages?tmid={tmid}"));
    let body = assert_ok(&res);
    let texts: Vec<&str> = body["messages"].as_array().unwrap().iter().map(|m| m["msg"].as_str().unwrap()).collect();
    assert_eq!(texts, vec!["first reply", "second reply"]);
    // Unfollowing removes him from the followers and the unread list.
    assert_ok(&bob.post("/api/v1/chat.unfollowMessage", json!({"mid": tmid})));
    assert_eq!(sub(&bob, rid).get("tunread").cloned().unwrap_or(json!([])), json!([]));
    let res = bob.get(&format!("/api/v1/chat.getThreadsList?rid={rid}&type=following"));
    assert_eq!(assert_ok(&res)["total"], 0);
    assert_ok(&bob.post("/api/v1/chat.followMessage", json!({"mid": tmid})));
    let res = bob.get(&format!("/api/v1/chat.getThreadsList?rid={rid}&type=following"));
    assert_eq!(assert_ok(&res)["total"], 1);
    // A reply to a reply goes to the first thread.
    let nested =
        admin.post("/api/v1/chat.sendMessage", json!({"message": {"rid": rid, "msg": "nested", "tmid": r1["_id"]}}));
    assert_eq!(assert_ok(&nested)["message"]["tmid"], tmid);
    let since = "2000-01-01T00:00:00.000Z";
    let res = bob.get(&format!("/api/v1/chat.syncThreadMessages?tmid={tmid}&updatedSince={since}"));
    assert_eq!(assert_ok(&res)["messages"]["update"].as_array().unwrap().len(), 3);
    let res = bob.get(&format!("/api/v1/chat.syncThreadsList?rid={rid}&updatedSince={since}"));
    assert_eq!(assert_ok(&res)["threads"]["update"][0]["_id"], tmid);
    assert_error(
        &bob.get(&format!("/api/v1/chat.syncThreadsList?rid={rid}&updatedSince=bad")),
        400,
        "error-updatedSince-param-invalid",
    );
    // Outsiders see nothing of a private thread.
    let g = assert_ok(&admin.post("/api/v1/groups.create", json!({"name": "gthreads"})))["group"]["_id"]
        .as_str()
        .unwrap()
        .to_string();
    let gp = send(&admin, &g, "private thread");
    let res = carol.get(&format!("/api/v1/chat.getThreadMessages?tmid={}", gp["_id"].as_str().unwrap()));
    assert_error(&res, 400, "error-not-allowed");
    let res = carol.post("/api/v1/chat.sendMessage", json!({"message": {"rid": g, "msg": "x", "tmid": gp["_id"]}}));
    assert_eq!(res.status, 400);
    let res = admin.post("/api/v1/chat.sendMessage", json!({"message": {"rid": rid, "msg": "x", "tshow": true}}));
    assert_error(&res, 400, "invalid-params");
}

#[test]
fn search_uses_words_and_operators() {
    let s = Server::start();
    let admin = s.admin();
    let bob = s.user("bob");
    let ch = create_channel(&admin, "searching", json!({"members": ["bob"]}));
    let rid = ch["_id"].as_str().unwrap();
    send(&admin, rid, "Deploying the release now");
    send(&bob, rid, "the release is broken");
    send(&bob, rid, "lunch?");
    let search = |q: &str| -> Vec<String> {
        let res = bob.get(&format!("/api/v1/chat.search?roomId={rid}&searchText={}", crate::channels::urlencode(q)));
        assert_ok(&res)["messages"].as_array().unwrap().iter().map(|m| m["msg"].as_str().unwrap().to_string()).collect()
    };
    assert_eq!(search("release"), vec!["the release is broken", "Deploying the release now"]);
    assert_eq!(search("deploy"), vec!["Deploying the release now"]);
    assert_eq!(search("release from:bob"), vec!["the release is broken"]);
    assert_eq!(search("release order:asc"), vec!["Deploying the release now", "the release is broken"]);
    assert!(search("nothing-matches").is_empty());
    let res = bob.get(&format!("/api/v1/chat.search?roomId={rid}&searchText=release"));
    assert!(assert_ok(&res)["messages"][0]["score"].as_f64().is_some_and(|s| s > 0.0), "{}", res.body);
    let res = bob.get(&format!("/api/v1/chat.search?roomId={rid}&searchText=release&count=1"));
    assert_eq!(assert_ok(&res)["messages"].as_array().unwrap().len(), 1);
    assert_error(&bob.get(&format!("/api/v1/chat.search?roomId={rid}")), 400, "error-searchText-param-not-provided");
    assert_error(&bob.get("/api/v1/chat.search?searchText=x"), 400, "error-roomId-param-not-provided");
    // Edits are searchable, deleted messages are not.
    let m = send(&bob, rid, "temporary words");
    assert_ok(&bob.post("/api/v1/chat.update", json!({"roomId": rid, "msgId": m["_id"], "text": "permanent words"})));
    assert_eq!(search("temporary"), Vec::<String>::new());
    assert_eq!(search("permanent"), vec!["permanent words"]);
    assert_ok(&bob.post("/api/v1/chat.delete", json!({"roomId": rid, "msgId": m["_id"]})));
    assert!(search("permanent").is_empty());
}

#[test]
fn mentions_reports_ignores_and_receipts() {
    let s = Server::start();
    let admin = s.admin();
    let bob = s.user("bob");
    let ch = create_channel(&admin, "misc", json!({"members": ["bob"]}));
    let rid = ch["_id"].as_str().unwrap();
    let m = send(&admin, rid, "hi @bob");
    let id = m["_id"].as_str().unwrap();
    let res = bob.get(&format!("/api/v1/chat.getMentionedMessages?roomId={rid}"));
    let body = assert_ok(&res);
    assert_eq!((body["total"].as_i64(), body["messages"][0]["_id"].as_str()), (Some(1), Some(id)));
    assert_ok(&bob.post("/api/v1/chat.reportMessage", json!({"messageId": id, "description": "rude"})));
    let res = bob.post("/api/v1/chat.reportMessage", json!({"messageId": id, "description": " "}));
    assert_eq!(res.status, 400);
    assert_error(
        &bob.post("/api/v1/chat.reportMessage", json!({"messageId": "nope", "description": "x"})),
        400,
        "error-invalid-message_id",
    );
    let res = bob.get(&format!("/api/v1/chat.ignoreUser?rid={rid}&userId={}&ignore=true", admin.user_id()));
    assert_ok(&res);
    assert_eq!(sub(&bob, rid)["ignored"], json!([admin.user_id()]));
    assert_ok(&bob.get(&format!("/api/v1/chat.ignoreUser?rid={rid}&userId={}&ignore=false", admin.user_id())));
    assert!(sub(&bob, rid).get("ignored").is_none());
    let res = bob.get(&format!("/api/v1/chat.ignoreUser?rid={rid}&userId=nobody"));
    assert_error(&res, 400, "error-invalid-subscription");
    // Bob read the room: he shows up in the receipts.
    assert_ok(&bob.post("/api/v1/subscriptions.read", json!({"rid": rid})));
    let res = admin.get(&format!("/api/v1/chat.getMessageReadReceipts?messageId={id}"));
    let receipts = assert_ok(&res)["receipts"].clone();
    assert_eq!(receipts.as_array().unwrap().len(), 1);
    assert_eq!(receipts[0]["user"]["username"], "bob");
}

#[test]
fn slash_commands_typed_as_messages_are_not_posted() {
    let s = Server::start();
    let admin = s.admin();
    let res =
        admin.post("/api/v1/chat.sendMessage", json!({"message": {"rid": "GENERAL", "msg": "/nosuchcommand hi"}}));
    assert_error(&res, 400, "error-invalid-command");
    let hist = admin.get("/api/v1/channels.history?roomId=GENERAL");
    let texts: Vec<&str> =
        assert_ok(&hist)["messages"].as_array().unwrap().iter().filter_map(|m| m["msg"].as_str()).collect();
    assert!(!texts.contains(&"/nosuchcommand hi"));
    set_setting(&s, "Message_AllowUnrecognizedSlashCommand", json!(true));
    let m = send(&admin, "GENERAL", "/nosuchcommand hi");
    assert_eq!(m["msg"], "/nosuchcommand hi");
}

#[test]
fn outsiders_get_nothing_from_a_private_room() {
    let s = Server::start();
    let admin = s.admin();
    let eve = s.user("eve");
    let g = assert_ok(&admin.post("/api/v1/groups.create", json!({"name": "vault"})))["group"]["_id"]
        .as_str()
        .unwrap()
        .to_string();
    let m = send(&admin, &g, "secret @admin https://example.com");
    let id = m["_id"].as_str().unwrap();
    let reply = admin.post("/api/v1/chat.sendMessage", json!({"message": {"rid": g, "msg": "in thread", "tmid": id}}));
    assert_ok(&reply);
    assert_ok(&admin.post("/api/v1/chat.pinMessage", json!({"messageId": id})));
    let since = "2000-01-01T00:00:00.000Z";
    let reads = [
        format!("/api/v1/chat.getMessage?msgId={id}"),
        format!("/api/v1/chat.getDeletedMessages?roomId={g}&since={since}"),
        format!("/api/v1/chat.syncMessages?roomId={g}&lastUpdate={since}"),
        format!("/api/v1/chat.search?roomId={g}&searchText=secret"),
        format!("/api/v1/chat.getPinnedMessages?roomId={g}"),
        format!("/api/v1/chat.getStarredMessages?roomId={g}"),
        format!("/api/v1/chat.getMentionedMessages?roomId={g}"),
        format!("/api/v1/chat.getDiscussions?roomId={g}"),
        format!("/api/v1/chat.getThreadsList?rid={g}"),
        format!("/api/v1/chat.getThreadMessages?tmid={id}"),
        format!("/api/v1/chat.syncThreadsList?rid={g}&updatedSince={since}"),
        format!("/api/v1/chat.syncThreadMessages?tmid={id}&updatedSince={since}"),
        format!("/api/v1/chat.getMessageReadReceipts?messageId={id}"),
        format!("/api/v1/chat.ignoreUser?rid={g}&userId={}", admin.user_id()),
    ];
    for path in &reads {
        let res = eve.get(path);
        assert!(res.status == 400 || res.status == 403, "{path}: {} {}", res.status, res.body);
        assert!(!res.body.to_string().contains("secret"), "{path} leaked: {}", res.body);
    }
    let writes = [
        ("/api/v1/chat.update", json!({"roomId": g, "msgId": id, "text": "mine now"})),
        ("/api/v1/chat.delete", json!({"roomId": g, "msgId": id})),
        ("/api/v1/chat.react", json!({"messageId": id, "emoji": "smile"})),
        ("/api/v1/chat.pinMessage", json!({"messageId": id})),
        ("/api/v1/chat.unPinMessage", json!({"messageId": id})),
        ("/api/v1/chat.starMessage", json!({"messageId": id})),
        ("/api/v1/chat.followMessage", json!({"mid": id})),
        ("/api/v1/chat.unfollowMessage", json!({"mid": id})),
        ("/api/v1/chat.reportMessage", json!({"messageId": id, "description": "x"})),
        ("/api/v1/chat.postMessage", json!({"roomId": g, "text": "x"})),
    ];
    for (path, body) in &writes {
        let res = eve.post(path, body.clone());
        assert!(res.status == 400 || res.status == 403, "{path}: {} {}", res.status, res.body);
    }
    // Nothing changed.
    let m = assert_ok(&admin.get(&format!("/api/v1/chat.getMessage?msgId={id}")))["message"].clone();
    assert_eq!(m["msg"], "secret @admin https://example.com");
    assert!(m.get("reactions").is_none() && m.get("starred").is_none());
    assert_eq!(m["pinned"], true);
    assert_eq!(m["replies"].as_array().unwrap().len(), 1);
}

#[test]
fn thread_mentions_are_tracked_per_user() {
    let s = Server::start();
    let admin = s.admin();
    let bob = s.user("bob");
    let carol = s.user("carol");
    let ch = create_channel(&admin, "tmentions", json!({"members": ["bob", "carol"]}));
    let rid = ch["_id"].as_str().unwrap();
    let tmid = send(&bob, rid, "question")["_id"].as_str().unwrap().to_string();
    let res = admin.post(
        "/api/v1/chat.sendMessage",
        json!({"message": {"rid": rid, "msg": "@carol can you answer?", "tmid": tmid}}),
    );
    assert_ok(&res);
    let c = sub(&carol, rid);
    assert_eq!((c["tunread"].clone(), c["tunreadUser"].clone()), (json!([tmid]), json!([tmid])));
    assert!(sub(&bob, rid).get("tunreadUser").is_none());
    let res =
        admin.post("/api/v1/chat.sendMessage", json!({"message": {"rid": rid, "msg": "@all ping", "tmid": tmid}}));
    assert_ok(&res);
    assert_eq!(sub(&bob, rid)["tunreadGroup"], json!([tmid]));
    // Reading the room with its threads clears all three.
    assert_ok(&carol.post("/api/v1/subscriptions.read", json!({"rid": rid, "readThreads": true})));
    let c = sub(&carol, rid);
    assert!(c.get("tunreadUser").is_none() && c.get("tunread").is_none_or(|t| t == &json!([])), "{c}");
}

#[test]
fn message_parts_are_bounded_and_custom_fields_need_the_setting() {
    let server = Server::start();
    let admin = server.admin();
    let send = |message: Value| admin.post("/api/v1/chat.sendMessage", json!({"message": message}));
    let fields = json!({"rid": "GENERAL", "msg": "hi", "customFields": {"ticket": "T-1"}});
    let res = send(fields.clone());
    assert_error(&res, 400, "error-invalid-params");
    assert!(res.body["error"].as_str().unwrap().starts_with("Custom fields not enabled"), "{}", res.body);
    set_setting(&server, "Message_CustomFields_Enabled", json!(true));
    assert_eq!(assert_ok(&send(fields))["message"]["customFields"], json!({"ticket": "T-1"}));
    // 64 KiB of attachments and fields at most; the refusal does not echo them back.
    let big = "x".repeat(70_000);
    let res = send(json!({"rid": "GENERAL", "msg": "hi", "attachments": [{"text": big}]}));
    assert_error(&res, 400, "error-message-size-exceeded");
    assert!(res.text.len() < 1_000, "{}", res.text.len());
    let res = send(json!({"rid": "GENERAL", "msg": "hi", "customFields": {"big": big}}));
    assert_error(&res, 400, "error-message-size-exceeded");
    let fits = "x".repeat(60_000);
    assert_ok(&send(json!({"rid": "GENERAL", "msg": "hi", "attachments": [{"text": fits}]})));
}

#[test]
fn a_text_of_the_wrong_type_is_refused() {
    let server = Server::start();
    let admin = server.admin();
    for text in [json!({}), json!([]), json!(123), json!(true)] {
        let res = admin.post("/api/v1/chat.postMessage", json!({"channel": "#general", "text": text}));
        assert_error(&res, 400, "error-invalid-params");
    }
    let res = admin.post("/api/v1/chat.postMessage", json!({"channel": "#general", "text": "fine", "alias": 5}));
    assert_error(&res, 400, "error-invalid-params");
}
