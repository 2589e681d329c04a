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
