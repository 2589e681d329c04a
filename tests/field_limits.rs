//! Every stored text has a limit: upstream's where it has one (bio, nickname), documented ones
//! of Orbit's elsewhere. Refusals are 400s that do not echo the oversized value back.

use serde_json::json;

use crate::common::*;

#[test]
fn profile_texts_are_bounded() {
    let server = Server::start();
    let bob = server.user("bob");
    let update = |data| bob.post("/api/v1/users.updateOwnBasicInfo", json!({"data": data}));
    assert_error(&update(json!({"bio": "b".repeat(261)})), 400, "error-bio-size-exceeded");
    assert_error(&update(json!({"nickname": "n".repeat(121)})), 400, "error-nickname-size-exceeded");
    assert_error(&update(json!({"name": "x".repeat(121)})), 400, "error-name-size-exceeded");
    assert_ok(&update(json!({"bio": "b".repeat(260), "nickname": "n".repeat(120), "name": "x".repeat(120)})));
    let me = bob.get("/api/v1/me");
    assert_eq!(me.body["bio"].as_str().map(str::len), Some(260));
    assert_eq!(me.body["name"].as_str().map(str::len), Some(120));
}

#[test]
fn oversized_names_are_refused_without_being_echoed() {
    let server = Server::start();
    let admin = server.admin();
    let huge = "a".repeat(100_000);
    let res = server.anon().post(
        "/api/v1/users.register",
        json!({"username": huge, "email": "big@example.com", "pass": "Passw0rd!x", "name": "Big"}),
    );
    assert_eq!(res.status, 400, "{}", res.text);
    assert!(res.text.len() < 1_000, "{} bytes", res.text.len());
    let res = admin.post("/api/v1/channels.create", json!({"name": huge}));
    assert_error(&res, 400, "error-invalid-room-name");
    assert!(res.text.len() < 1_000, "{} bytes", res.text.len());
    let res = server.anon().post(
        "/api/v1/users.register",
        json!({"username": "big", "email": "big@example.com", "pass": "Passw0rd!x", "name": huge}),
    );
    assert_error(&res, 400, "error-name-size-exceeded");
}

#[test]
fn room_texts_are_bounded() {
    let server = Server::start();
    let admin = server.admin();
    let set = |topic: String| admin.post("/api/v1/channels.setTopic", json!({"roomId": "GENERAL", "topic": topic}));
    assert_error(&set("t".repeat(4097)), 400, "error-room-text-size-exceeded");
    assert_ok(&set("t".repeat(4096)));
}

#[test]
fn custom_fields_are_bounded() {
    let server = Server::start();
    let admin = server.admin();
    let bob = server.user("bob");
    let big = json!({"notes": "n".repeat(17_000)});
    let res = admin.post("/api/v1/users.update", json!({"userId": bob.user_id(), "data": {"customFields": big}}));
    assert_error(&res, 400, "error-custom-fields-size-exceeded");
    let res = admin.post("/api/v1/channels.setCustomFields", json!({"roomId": "GENERAL", "customFields": big}));
    assert_error(&res, 400, "error-custom-fields-size-exceeded");
    let fits = json!({"notes": "n".repeat(16_000)});
    assert_ok(&admin.post("/api/v1/channels.setCustomFields", json!({"roomId": "GENERAL", "customFields": fits})));
}

#[test]
fn a_history_page_holds_a_bounded_number_of_bytes() {
    let s = Server::start();
    let admin = s.admin();
    let rid = assert_ok(&admin.post("/api/v1/channels.create", json!({"name": "big"})))["channel"]["_id"]
        .as_str()
        .unwrap()
        .to_string();
    // 180 messages with 60 KB of attachments each: about 10.5 MB, more than one page holds.
    let attachments: Vec<_> = (0..12).map(|_| json!({"text": "x".repeat(5000)})).collect();
    for i in 0..180 {
        let body = json!({"roomId": rid, "text": format!("m{i}"), "attachments": attachments});
        assert_ok(&admin.post("/api/v1/chat.postMessage", body));
    }
    let page = |latest: Option<&str>| {
        let mut path = format!("/api/v1/channels.history?roomId={rid}&count=0");
        if let Some(latest) = latest {
            path.push_str(&format!("&latest={latest}"));
        }
        assert_ok(&admin.get(&path))["messages"].as_array().unwrap().clone()
    };
    let first = page(None);
    assert!(first.len() > 100 && first.len() < 180, "{} messages in the first page", first.len());
    assert_eq!(first[0]["msg"], "m179");
    // The next page, from the oldest one shown, holds the rest.
    let oldest = first.last().unwrap()["ts"].as_str().unwrap().to_string();
    let rest = page(Some(&oldest));
    assert_eq!(first.len() + rest.len(), 180);
    assert_eq!(rest.last().unwrap()["msg"], "m0");
}
