//! `subscriptions.*`: the caller's subscriptions and their read state.

use serde_json::{Value, json};

use crate::channels::create_channel;
use crate::common::ddp::Ddp;
use crate::common::*;

fn sub(api: &Api, rid: &str) -> Value {
    let res = api.get(&format!("/api/v1/subscriptions.getOne?roomId={rid}"));
    assert_ok(&res)["subscription"].clone()
}

#[test]
fn get_and_get_one() {
    let s = Server::start();
    let admin = s.admin();
    let bob = s.user("bob");
    let ch = create_channel(&admin, "subs", json!({"members": ["bob"]}));
    let rid = ch["_id"].as_str().unwrap();
    let all = bob.get("/api/v1/subscriptions.get");
    let all = assert_ok(&all);
    let rids: Vec<&str> = all["update"].as_array().unwrap().iter().map(|s| s["rid"].as_str().unwrap()).collect();
    assert!(rids.contains(&rid) && rids.contains(&"GENERAL"));
    assert_eq!(all["remove"], json!([]));
    let one = sub(&bob, rid);
    assert_eq!(one["rid"], rid);
    assert_eq!(one["u"]["username"], "bob");
    assert_eq!(one["name"], "subs");
    assert_eq!(one["t"], "c");
    assert_eq!(one["open"], true);
    assert_eq!(one["unread"], 0);
    assert!(one["_updatedAt"].is_string());
    // The creator's subscription carries the owner role.
    assert_eq!(sub(&admin, rid)["roles"], json!(["owner"]));
    let carol = s.user("carol");
    assert_eq!(sub(&carol, rid), Value::Null);
    assert_eq!(carol.get("/api/v1/subscriptions.getOne").status, 400);
    assert_error(&bob.get("/api/v1/subscriptions.get?updatedSince=notadate"), 400, "error-roomId-param-invalid");
}

#[test]
fn read_and_unread() {
    let s = Server::start();
    let admin = s.admin();
    let bob = s.user("bob");
    let ch = create_channel(&admin, "reads", json!({}));
    let rid = ch["_id"].as_str().unwrap().to_string();
    // An invitation leaves the invited user an unread alert.
    assert_ok(&admin.post("/api/v1/channels.invite", json!({"roomId": rid, "username": "bob"})));
    let before = sub(&bob, &rid);
    assert_eq!(before["alert"], true);
    assert_eq!(before["unread"], 1);
    assert_ok(&bob.post("/api/v1/subscriptions.read", json!({"rid": rid})));
    let after = sub(&bob, &rid);
    assert_eq!(after["alert"], false);
    assert_eq!(after["unread"], 0);
    assert_eq!(after["userMentions"], 0);
    assert!(after["ls"].is_string());
    // roomId is accepted too.
    assert_ok(&bob.post("/api/v1/subscriptions.read", json!({"roomId": rid})));

    // Unread from the room's last message.
    assert_ok(&bob.post("/api/v1/subscriptions.unread", json!({"roomId": rid})));
    let unread = sub(&bob, &rid);
    assert_eq!(unread["alert"], true);
    assert_eq!(unread["unread"], 1);
    assert!(unread["ls"].as_str().unwrap() < after["ls"].as_str().unwrap());
    // From a given message: the inviter's `au` message.
    let h = bob.get(&format!("/api/v1/channels.history?roomId={rid}"));
    let mid = assert_ok(&h)["messages"][0]["_id"].as_str().unwrap().to_string();
    assert_ok(&bob.post("/api/v1/subscriptions.read", json!({"rid": rid})));
    assert_ok(&bob.post("/api/v1/subscriptions.unread", json!({"firstUnreadMessage": {"_id": mid}})));
    assert_eq!(sub(&bob, &rid)["alert"], true);

    // Denials and bad input.
    let carol = s.user("carol");
    assert_error(&carol.post("/api/v1/subscriptions.read", json!({"rid": rid})), 400, "error-invalid-subscription");
    assert_eq!(carol.post("/api/v1/subscriptions.read", json!({})).status, 400);
    assert_error(&carol.post("/api/v1/subscriptions.unread", json!({})), 400, "error-invalid-params");
    assert_error(
        &carol.post("/api/v1/subscriptions.unread", json!({"roomId": rid})),
        400,
        "error-subscription-not-found",
    );
    assert_error(
        &bob.post("/api/v1/subscriptions.unread", json!({"firstUnreadMessage": {"_id": "nope"}})),
        400,
        "error-action-not-allowed",
    );
}

#[test]
fn changes_reach_the_user_streams() {
    let s = Server::start();
    let admin = s.admin();
    let bob = s.user("bob");
    let bob_id = bob.user_id().to_string();
    let mut b = Ddp::resume(&bob);
    b.sub_ok("stream-notify-user", &format!("{bob_id}/subscriptions-changed"));
    b.sub_ok("stream-notify-user", &format!("{bob_id}/rooms-changed"));
    let ch = create_channel(&admin, "live", json!({}));
    let rid = ch["_id"].as_str().unwrap().to_string();
    assert_ok(&admin.post("/api/v1/channels.invite", json!({"roomId": rid, "username": "bob"})));
    let args = b.event("stream-notify-user", &format!("{bob_id}/subscriptions-changed"), |a| a[0] == "inserted");
    assert_eq!(args[1]["rid"], rid.as_str());
    // The room reaches the new member's room list.
    let args = b.event("stream-notify-user", &format!("{bob_id}/rooms-changed"), |a| a[1]["_id"] == rid.as_str());
    assert_eq!(args[1]["name"], "live");
    assert_ok(&bob.post("/api/v1/rooms.favorite", json!({"roomId": rid, "favorite": true})));
    let args = b.event("stream-notify-user", &format!("{bob_id}/subscriptions-changed"), |a| a[1]["f"] == true);
    assert_eq!(args[0], "updated");
    assert_ok(&admin.post("/api/v1/channels.kick", json!({"roomId": rid, "username": "bob"})));
    let args = b.event("stream-notify-user", &format!("{bob_id}/subscriptions-changed"), |a| a[0] == "removed");
    assert_eq!(args[1]["rid"], rid.as_str());
}
