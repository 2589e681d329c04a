//! User administration: `users.update`, `updateOwnBasicInfo`, `setActiveStatus`, `delete`,
//! `deleteOwnAccount`, `createToken`, username suggestions, password resets and sessions.

use serde_json::{Value, json};

use crate::channels::set_setting;
use crate::chat::send;
use crate::common::ddp::Ddp;
use crate::common::*;

fn info(api: &Api, user_id: &str) -> Value {
    assert_ok(&api.get(&format!("/api/v1/users.info?userId={user_id}")))["user"].clone()
}

fn try_login(s: &Server, user: &str, pass: &str) -> u16 {
    s.anon().post("/api/v1/login", json!({"user": user, "password": pass})).status
}

#[test]
fn admins_update_users_and_users_update_themselves() {
    let s = Server::start();
    let admin = s.admin();
    let bob = s.user("bob");
    let carol = s.user("carol");
    let bid = bob.user_id().to_string();
    send(&bob, "GENERAL", "before the rename");
    let res = admin.post(
        "/api/v1/users.update",
        json!({"userId": bid, "data": {"name": "Robert", "username": "robert", "email": "robert@example.com",
               "password": "N3w-Passw0rd!", "roles": ["user", "bot"], "verified": true}}),
    );
    let user = assert_ok(&res)["user"].clone();
    assert_eq!((user["username"].as_str(), user["name"].as_str()), (Some("robert"), Some("Robert")));
    assert_eq!(user["emails"][0], json!({"address": "robert@example.com", "verified": true}));
    assert_eq!(user["roles"], json!(["user", "bot"]));
    // The new username and password work; the old ones don't.
    assert_eq!(try_login(&s, "robert", "N3w-Passw0rd!"), 200);
    assert_eq!(try_login(&s, "bob", "Passw0rd!x"), 401);
    // The rename reached his subscriptions and messages.
    let sub = admin.get("/api/v1/subscriptions.getOne?roomId=GENERAL");
    assert_ok(&sub);
    let robert = s.login("robert", "N3w-Passw0rd!");
    let mine = assert_ok(&robert.get("/api/v1/subscriptions.getOne?roomId=GENERAL"))["subscription"].clone();
    assert_eq!(mine["u"]["username"], "robert");
    let hist = admin.get("/api/v1/channels.history?roomId=GENERAL&count=20");
    let m = assert_ok(&hist)["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["msg"] == "before the rename")
        .cloned()
        .unwrap();
    assert_eq!(m["u"]["username"], "robert");

    // Plain users edit only themselves, and can't give themselves roles.
    let res = carol.post("/api/v1/users.update", json!({"userId": bid, "data": {"name": "Hacked"}}));
    assert_error(&res, 400, "error-action-not-allowed");
    let res = carol.post("/api/v1/users.update", json!({"userId": carol.user_id(), "data": {"name": "Caroline"}}));
    assert_eq!(assert_ok(&res)["user"]["name"], "Caroline");
    let res = carol.post("/api/v1/users.update", json!({"userId": carol.user_id(), "data": {"roles": ["admin"]}}));
    assert_error(&res, 400, "error-action-not-allowed");
    // Taken usernames and emails, unknown users, bad bodies.
    let res = admin.post("/api/v1/users.update", json!({"userId": carol.user_id(), "data": {"username": "robert"}}));
    assert_error(&res, 400, "error-field-unavailable");
    let res = admin.post("/api/v1/users.update", json!({"userId": carol.user_id(), "data": {"email": "not-an-email"}}));
    assert_error(&res, 400, "error-invalid-email");
    let res = admin.post("/api/v1/users.update", json!({"userId": "nope", "data": {"name": "x"}}));
    assert_error(&res, 400, "error-invalid-user");
    assert_eq!(admin.post("/api/v1/users.update", json!({"userId": bid})).status, 400);
    assert_eq!(admin.post("/api/v1/users.update", json!({"userId": bid, "data": {"name": 5}})).status, 400);
    // Removing the only admin's admin role is refused.
    let res = admin.post("/api/v1/users.update", json!({"userId": admin.user_id(), "data": {"roles": ["user"]}}));
    assert_error(&res, 400, "error-action-not-allowed");
}

#[test]
fn own_basic_info_needs_the_current_password_for_secrets() {
    let s = Server::start();
    let bob = s.user("bob");
    let res = bob.post("/api/v1/users.updateOwnBasicInfo", json!({"data": {"name": "Bobby", "statusText": "busy"}}));
    let user = assert_ok(&res)["user"].clone();
    assert_eq!((user["name"].as_str(), user["statusText"].as_str()), (Some("Bobby"), Some("busy")));
    let res = bob.post("/api/v1/users.updateOwnBasicInfo", json!({"data": {"newPassword": "An0ther-pass!"}}));
    assert_error(&res, 400, "error-invalid-password");
    let res = bob.post(
        "/api/v1/users.updateOwnBasicInfo",
        json!({"data": {"newPassword": "An0ther-pass!", "currentPassword": "wrong"}}),
    );
    assert_error(&res, 400, "error-invalid-password");
    let digest = sha256_hex("Passw0rd!x");
    let body = json!({"data": {"newPassword": "An0ther-pass!", "currentPassword": digest}});
    // Without a second factor the password itself is asked for (the enforced fallback).
    let res = bob.post("/api/v1/users.updateOwnBasicInfo", body.clone());
    assert_error(&res, 400, "totp-required");
    assert_eq!(res.body["details"]["method"], "password");
    let rb = s
        .http
        .post(s.url("/api/v1/users.updateOwnBasicInfo"))
        .header("X-User-Id", bob.user_id())
        .header("X-Auth-Token", bob.token())
        .header("X-2fa-code", digest.as_str())
        .header("X-2fa-method", "password")
        .json(&body);
    assert_ok(&bob.send(rb));
    assert_eq!(try_login(&s, "bob", "An0ther-pass!"), 200);
    set_setting(&s, "Accounts_AllowUsernameChange", json!(false));
    let res = bob.post("/api/v1/users.updateOwnBasicInfo", json!({"data": {"username": "bobby"}}));
    assert_error(&res, 400, "error-action-not-allowed");
    assert_eq!(s.anon().post("/api/v1/users.updateOwnBasicInfo", json!({"data": {}})).status, 401);
}

fn sha256_hex(s: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(s.as_bytes()))
}

#[test]
fn deactivation_ends_sessions_and_blocks_login() {
    let s = Server::start();
    let admin = s.admin();
    let bob = s.user("bob");
    let bid = bob.user_id().to_string();
    let res = admin.post("/api/v1/users.setActiveStatus", json!({"userId": bid, "activeStatus": false}));
    assert_eq!(assert_ok(&res)["user"], json!({"_id": bid, "active": false}));
    assert_eq!(bob.get("/api/v1/me").status, 401);
    assert_eq!(try_login(&s, "bob", "Passw0rd!x"), 401);
    assert_eq!(info(&admin, &bid)["active"], false);
    assert_ok(&admin.post("/api/v1/users.setActiveStatus", json!({"userId": bid, "activeStatus": true})));
    assert_eq!(try_login(&s, "bob", "Passw0rd!x"), 200);
    // Denials and bad input.
    let bob = s.login("bob", "Passw0rd!x");
    let res = bob.post("/api/v1/users.setActiveStatus", json!({"userId": admin.user_id(), "activeStatus": false}));
    assert_eq!(res.status, 403);
    let res = admin.post("/api/v1/users.setActiveStatus", json!({"userId": admin.user_id(), "activeStatus": false}));
    assert_error(&res, 400, "error-action-not-allowed");
    assert_eq!(admin.post("/api/v1/users.setActiveStatus", json!({"userId": bid, "activeStatus": "no"})).status, 400);
    let res = admin.post("/api/v1/users.setActiveStatus", json!({"userId": "nope", "activeStatus": false}));
    assert_error(&res, 400, "error-invalid-user");
}

#[test]
fn deleting_accounts() {
    let s = Server::start();
    let admin = s.admin();
    let bob = s.user("bob");
    let carol = s.user("carol");
    let bid = bob.user_id().to_string();
    let m = send(&bob, "GENERAL", "soon gone");
    let dm = assert_ok(&admin.post("/api/v1/im.create", json!({"username": "bob"})))["room"]["_id"]
        .as_str()
        .unwrap()
        .to_string();
    // Only with `delete-user`.
    assert_eq!(carol.post("/api/v1/users.delete", json!({"userId": bid})).status, 403);
    assert_ok(&admin.post("/api/v1/users.delete", json!({"userId": bid})));
    assert_error(&admin.get(&format!("/api/v1/users.info?userId={bid}")), 400, "error-invalid-user");
    assert_eq!(try_login(&s, "bob", "Passw0rd!x"), 401);
    assert_eq!(bob.get("/api/v1/me").status, 401);
    // Their messages went (Message_ErasureType = Delete), and so did the direct message.
    assert_error(
        &admin.get(&format!("/api/v1/chat.getMessage?msgId={}", m["_id"].as_str().unwrap())),
        400,
        "error-message-not-found",
    );
    assert_eq!(admin.get(&format!("/api/v1/rooms.info?roomId={dm}")).status, 400);
    let members = assert_ok(&admin.get("/api/v1/channels.members?roomId=GENERAL"))["members"].clone();
    assert!(members.as_array().unwrap().iter().all(|u| u["username"] != "bob"));
    // The last admin stays; unknown users are reported.
    assert_error(
        &admin.post("/api/v1/users.delete", json!({"userId": admin.user_id()})),
        400,
        "error-action-not-allowed",
    );
    assert_error(&admin.post("/api/v1/users.delete", json!({"userId": "nope"})), 400, "error-invalid-user");
    // Deleting one's own account is off by default, then needs the password.
    let res = carol.post("/api/v1/users.deleteOwnAccount", json!({"password": sha256_hex("Passw0rd!x")}));
    assert_error(&res, 400, "error-not-allowed");
    set_setting(&s, "Accounts_AllowDeleteOwnAccount", json!(true));
    let res = carol.post("/api/v1/users.deleteOwnAccount", json!({"password": sha256_hex("wrong")}));
    assert_error(&res, 400, "error-invalid-password");
    assert_ok(&carol.post("/api/v1/users.deleteOwnAccount", json!({"password": sha256_hex("Passw0rd!x")})));
    assert_eq!(try_login(&s, "carol", "Passw0rd!x"), 401);
}

#[test]
fn tokens_for_other_users_need_the_server_option() {
    let s = Server::start();
    let admin = s.admin();
    let bob = s.user("bob");
    let res = admin.post("/api/v1/users.createToken", json!({"userId": bob.user_id()}));
    assert_eq!(res.status, 403);
    drop(s);
    let s = Server::start_with(Options::default().env("CREATE_TOKENS_FOR_USERS", "true"));
    let admin = s.admin();
    let bob = s.user("bob");
    let res = admin.post("/api/v1/users.createToken", json!({"username": "bob"}));
    let data = assert_ok(&res)["data"].clone();
    assert_eq!(data["userId"], bob.user_id());
    let rb = s
        .http
        .get(s.url("/api/v1/me"))
        .header("X-User-Id", data["userId"].as_str().unwrap())
        .header("X-Auth-Token", data["authToken"].as_str().unwrap());
    let me = s.anon().send(rb);
    assert_eq!(me.body["username"], "bob");
    assert_eq!(bob.post("/api/v1/users.createToken", json!({"userId": admin.user_id()})).status, 403);
}

#[test]
fn usernames_suggestions_and_availability() {
    let s = Server::start();
    let admin = s.admin();
    let res = admin.post(
        "/api/v1/users.create",
        json!({"username": "jd", "email": "jane.doe@example.com", "name": "Jane Doe", "password": "Passw0rd!x"}),
    );
    assert_ok(&res);
    let jane = s.login("jd", "Passw0rd!x");
    assert_eq!(assert_ok(&jane.get("/api/v1/users.getUsernameSuggestion"))["result"], "jane.doe");
    assert_eq!(assert_ok(&jane.get("/api/v1/users.checkUsernameAvailability?username=jd"))["result"], false);
    assert_eq!(assert_ok(&jane.get("/api/v1/users.checkUsernameAvailability?username=free-name"))["result"], true);
    assert_eq!(assert_ok(&jane.get("/api/v1/users.checkUsernameAvailability?username=bad%20name"))["result"], false);
    assert_eq!(jane.get("/api/v1/users.checkUsernameAvailability").status, 400);
}

#[test]
fn password_reset_by_mail_and_other_sessions() {
    let s = Server::start();
    let bob = s.user("bob");
    // Known or unknown address: the same answer.
    assert_ok(&s.anon().post("/api/v1/users.forgotPassword", json!({"email": "nobody@example.com"})));
    assert_ok(&s.anon().post("/api/v1/users.forgotPassword", json!({"email": "bob@example.com"})));
    assert_eq!(s.anon().post("/api/v1/users.forgotPassword", json!({})).status, 400);
    // The mail sits in the outbox with the reset link.
    let db = rusqlite::Connection::open(s.data_dir.join("orbit.db")).unwrap();
    let text: String = db
        .query_row(
            "SELECT json_extract(doc, '$.text') FROM docs WHERE collection = 'outbox' AND json_extract(doc, '$.to') = 'bob@example.com'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let token = text.split("/reset-password/").nth(1).unwrap().split_whitespace().next().unwrap().to_string();
    let mut d = Ddp::connect(&s);
    d.call_err("resetPassword", json!(["wrong-token", "Brand-new-1!"]), json!("error-invalid-token"));
    let r = d.call_ok("resetPassword", json!([token, "Brand-new-1!"]));
    assert!(r["token"].is_string() && r["tokenExpires"]["$date"].is_i64(), "{r}");
    assert_eq!(try_login(&s, "bob", "Brand-new-1!"), 200);
    // The old session ended with the reset; the token can't be used twice.
    assert_eq!(bob.get("/api/v1/me").status, 401);
    d.call_err("resetPassword", json!([token, "Again-and-1!"]), json!("error-invalid-token"));
    // removeOtherTokens keeps only the current session.
    let first = s.login("bob", "Brand-new-1!");
    let second = s.login("bob", "Brand-new-1!");
    assert_ok(&second.post("/api/v1/users.removeOtherTokens", json!({})));
    assert_eq!(first.get("/api/v1/me").status, 401);
    assert_eq!(second.get("/api/v1/me").status, 200);
}

#[test]
fn register_user_over_ddp() {
    let s = Server::start();
    let mut d = Ddp::connect(&s);
    let id =
        d.call_ok("registerUser", json!([{"email": "newbie@example.com", "pass": "Passw0rd!x", "name": "New Bie"}]));
    assert!(id.is_string());
    let admin = s.admin();
    let user = info(&admin, id.as_str().unwrap());
    assert_eq!(user["username"], "new.bie");
    assert_eq!(try_login(&s, "new.bie", "Passw0rd!x"), 200);
    d.call_err(
        "registerUser",
        json!([{"email": "newbie@example.com", "pass": "Passw0rd!x", "name": "Again"}]),
        json!("error-field-unavailable"),
    );
    d.call_err("registerUser", json!([{"pass": "x"}]), json!(400));
    set_setting(&s, "Accounts_RegistrationForm", json!("Disabled"));
    d.call_err(
        "registerUser",
        json!([{"email": "late@example.com", "pass": "Passw0rd!x", "name": "Late"}]),
        json!("error-user-registration-disabled"),
    );
}

#[test]
fn listing_and_creating_users() {
    let s = Server::start();
    let admin = s.admin();
    let bob = s.user("bob");
    s.user("carol");
    let res = admin.get("/api/v1/users.list?sort=%7B%22username%22%3A1%7D&count=2&offset=1");
    let body = assert_ok(&res);
    let names: Vec<&str> = body["users"].as_array().unwrap().iter().map(|u| u["username"].as_str().unwrap()).collect();
    assert_eq!(names, vec!["bob", "carol"]);
    assert_eq!((body["count"].as_i64(), body["offset"].as_i64()), (Some(2), Some(1)));
    assert!(body["total"].as_i64().unwrap() >= 4);
    let q = crate::channels::urlencode(r#"{"username": "carol"}"#);
    let f = crate::channels::urlencode(r#"{"username": 1}"#);
    let res = admin.get(&format!("/api/v1/users.list?query={q}&fields={f}"));
    let body = assert_ok(&res);
    assert_eq!(body["total"], 1);
    assert_eq!(body["users"][0]["username"], "carol");
    assert!(body["users"][0].get("name").is_none(), "{}", body["users"][0]);
    // Emails of others only for those who may see full user info.
    let res = bob.get("/api/v1/users.list");
    assert!(
        assert_ok(&res)["users"]
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u.get("emails").is_none() || u["_id"] == bob.user_id())
    );
    assert_eq!(admin.get("/api/v1/users.list?query=notjson").status, 400);
    assert_eq!(s.anon().get("/api/v1/users.list").status, 401);
    crate::channels::set_permission(&s, "view-d-room", json!(["admin"]));
    assert_eq!(bob.get("/api/v1/users.list").status, 403);
    // users.create: permission and bad input.
    let new = json!({"username": "dave", "email": "dave@example.com", "name": "Dave", "password": "Passw0rd!x"});
    assert_eq!(bob.post("/api/v1/users.create", new.clone()).status, 403);
    assert_ok(&admin.post("/api/v1/users.create", new.clone()));
    assert_error(&admin.post("/api/v1/users.create", new), 400, "error-field-unavailable");
    assert_eq!(admin.post("/api/v1/users.create", json!({"username": "eve", "password": "Passw0rd!x"})).status, 400);
    let res = admin.post(
        "/api/v1/users.create",
        json!({"username": "bad name", "email": "e@example.com", "name": "E", "password": "Passw0rd!x"}),
    );
    assert_error(&res, 400, "error-invalid-username");
}
