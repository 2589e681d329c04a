//! User administration: `users.update`, `updateOwnBasicInfo`, `setActiveStatus`, `delete`,
//! `deleteOwnAccount`, `createToken`, username suggestions and availability, password resets,
//! sessions, and what leaving users do to their rooms (ownership, direct messages, renames).

use std::time::Duration;

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
    let mut watcher = Ddp::resume(&carol);
    watcher.sub_ok("stream-notify-logged", "roles-change");
    let res = admin.post(
        "/api/v1/users.update",
        json!({"userId": bid, "data": {"name": "Robert", "username": "robert", "email": "robert@example.com",
               "password": "N3w-Passw0rd!", "roles": ["user", "bot"], "verified": true}}),
    );
    let user = assert_ok(&res)["user"].clone();
    assert_eq!((user["username"].as_str(), user["name"].as_str()), (Some("robert"), Some("Robert")));
    assert_eq!(user["emails"][0], json!({"address": "robert@example.com", "verified": true}));
    assert_eq!(user["roles"], json!(["user", "bot"]));
    let args = watcher.event("stream-notify-logged", "roles-change", |a| a[0]["_id"] == "bot");
    assert_eq!((args[0]["type"].as_str(), args[0]["u"]["_id"].as_str()), (Some("added"), Some(bid.as_str())));
    // The new username and password work; the old ones don't.
    assert_eq!(try_login(&s, "robert", "N3w-Passw0rd!"), 200);
    assert_eq!(try_login(&s, "bob", "Passw0rd!x"), 401);
    // The rename reached his subscriptions and messages.
    let sub = admin.get("/api/v1/subscriptions.getOne?roomId=GENERAL");
    assert_ok(&sub);
    let robert = s.login("robert", "N3w-Passw0rd!");
    let mine = assert_ok(&robert.get("/api/v1/subscriptions.getOne?roomId=GENERAL"))["subscription"].clone();
    assert_eq!(mine["u"]["username"], "robert");
    // Messages are renamed in batches after the answer.
    poll(Duration::from_secs(30), || {
        let hist = admin.get("/api/v1/channels.history?roomId=GENERAL&count=20");
        let m =
            assert_ok(&hist)["messages"].as_array().unwrap().iter().find(|m| m["msg"] == "before the rename").cloned();
        (m.unwrap()["u"]["username"] == "robert").then_some(())
    });

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
    let s = Server::start_with(Options::default().mail());
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
    let res = bob.post(
        "/api/v1/users.updateOwnBasicInfo",
        json!({"data": {"newPassword": "Passw0rd!x", "currentPassword": digest}}),
    );
    assert_error(&res, 400, "error-password-same-as-current");
    // Without a second factor, the current password is enough.
    let body = json!({"data": {"newPassword": "An0ther-pass!", "currentPassword": digest}});
    assert_ok(&bob.post("/api/v1/users.updateOwnBasicInfo", body));
    assert_eq!(try_login(&s, "bob", "An0ther-pass!"), 200);
    assert_eq!(try_login(&s, "bob", "Passw0rd!x"), 401);
    // With email codes on, the code is asked for as well.
    let admin = s.admin();
    assert_ok(&admin.post("/api/v1/users.update", json!({"userId": bob.user_id(), "data": {"verified": true}})));
    assert_ok(&bob.post("/api/v1/users.2fa.enableEmail", json!({})));
    let body = json!({"data": {"email": "bobby@example.com", "currentPassword": sha256_hex("An0ther-pass!")}});
    let res = bob.post("/api/v1/users.updateOwnBasicInfo", body.clone());
    assert_error(&res, 400, "totp-required");
    assert_eq!(res.body["details"]["method"], "email");
    let mails = s.mails().wait("bob@example.com", 1);
    let text = mails[0]["text"].as_str().unwrap();
    // The code: six digits, maybe shown as `123-456`.
    let code = text
        .split_whitespace()
        .map(|w| w.replace('-', ""))
        .find(|w| w.len() == 6 && w.bytes().all(|b| b.is_ascii_digit()))
        .unwrap_or_else(|| panic!("no code in {text}"));
    let with_code = |code: &str| {
        s.http
            .post(s.url("/api/v1/users.updateOwnBasicInfo"))
            .header("X-User-Id", bob.user_id())
            .header("X-Auth-Token", bob.token())
            .header("X-2fa-code", code)
            .header("X-2fa-method", "email")
            .json(&body)
    };
    let user = assert_ok(&bob.send(with_code(&code)))["user"].clone();
    assert_eq!(user["emails"][0]["address"], "bobby@example.com");
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
    let s = Server::start_with(Options::default().mail());
    let admin = s.admin();
    let bob = s.user("bob");
    let bid = bob.user_id().to_string();
    let mut realtime = Ddp::resume(&bob);
    let res = admin.post("/api/v1/users.setActiveStatus", json!({"userId": bid, "activeStatus": false}));
    assert_eq!(assert_ok(&res)["user"], json!({"_id": bid, "active": false}));
    // His realtime connection is closed too.
    realtime.expect_closed();
    assert_eq!(bob.get("/api/v1/me").status, 401);
    assert_eq!(try_login(&s, "bob", "Passw0rd!x"), 401);
    assert_eq!(info(&admin, &bid)["active"], false);
    // bob was told by mail.
    let subject = s.mails().wait("bob@example.com", 1)[0]["subject"].as_str().unwrap().to_string();
    assert!(subject.ends_with("Account deactivated"), "{subject}");
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
    // A token for oneself needs no permission.
    let own = bob.post("/api/v1/users.createToken", json!({"userId": bob.user_id()}));
    assert_eq!(assert_ok(&own)["data"]["userId"], bob.user_id());
    assert_error(&admin.post("/api/v1/users.createToken", json!({"userId": "nope"})), 400, "error-invalid-user");
    assert_eq!(admin.post("/api/v1/users.createToken", json!({})).status, 400);
    drop(s);
    // With a server secret, only callers who give it get tokens.
    let s = Server::start_with(Options::default().env("CREATE_TOKENS_FOR_USERS_SECRET", "s3cret"));
    let admin = s.admin();
    let bob = s.user("bob");
    let res = admin.post("/api/v1/users.createToken", json!({"userId": bob.user_id()}));
    assert_error(&res, 403, "error-not-authorized");
    let res = admin.post("/api/v1/users.createToken", json!({"userId": bob.user_id(), "secret": "wrong"}));
    assert_error(&res, 403, "error-not-authorized");
    let res = admin.post("/api/v1/users.createToken", json!({"userId": bob.user_id(), "secret": "s3cret"}));
    assert_eq!(assert_ok(&res)["data"]["userId"], bob.user_id());
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
    assert_eq!(assert_ok(&jane.get("/api/v1/users.checkUsernameAvailability?username=free-name"))["result"], true);
    // One's own name is available to oneself; malformed or blocked names are errors.
    assert_eq!(assert_ok(&jane.get("/api/v1/users.checkUsernameAvailability?username=jd"))["result"], true);
    let admin_name = jane.get("/api/v1/users.checkUsernameAvailability?username=admin");
    assert_eq!(assert_ok(&admin_name)["result"], false);
    let res = jane.get("/api/v1/users.checkUsernameAvailability?username=bad%20name");
    assert_error(&res, 400, "error-blocked-username");
    assert_error(&jane.get("/api/v1/users.checkUsernameAvailability?username=here"), 400, "error-blocked-username");
    set_setting(&s, "Accounts_BlockedUsernameList", json!("boss, root"));
    assert_error(&jane.get("/api/v1/users.checkUsernameAvailability?username=Root"), 400, "error-blocked-username");
    let res = admin.post("/api/v1/users.update", json!({"userId": jane.user_id(), "data": {"username": "boss"}}));
    assert_error(&res, 400, "error-blocked-username");
    // A team's name is taken.
    assert_ok(&admin.post("/api/v1/teams.create", json!({"name": "crew", "type": 0})));
    assert_eq!(assert_ok(&jane.get("/api/v1/users.checkUsernameAvailability?username=crew"))["result"], false);
    assert_eq!(jane.get("/api/v1/users.checkUsernameAvailability").status, 400);
    assert_eq!(s.anon().get("/api/v1/users.checkUsernameAvailability?username=x").status, 401);
    set_setting(&s, "Accounts_AllowUsernameChange", json!(false));
    assert_error(&jane.get("/api/v1/users.checkUsernameAvailability?username=free-name"), 400, "error-not-allowed");
}

#[test]
fn password_reset_by_mail_and_other_sessions() {
    let s = Server::start_with(Options::default().mail());
    let bob = s.user("bob");
    // Known or unknown address: the same answer.
    assert_ok(&s.anon().post("/api/v1/users.forgotPassword", json!({"email": "nobody@example.com"})));
    assert_ok(&s.anon().post("/api/v1/users.forgotPassword", json!({"email": "bob@example.com"})));
    assert_eq!(s.anon().post("/api/v1/users.forgotPassword", json!({})).status, 400);
    // The mail with the reset link reaches the SMTP server, and only bob's address.
    let mails = s.mails().wait("bob@example.com", 1);
    let text = mails[0]["text"].as_str().unwrap();
    assert_eq!(s.mails().all().len(), 1);
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

fn subscription(api: &Api, rid: &str) -> Value {
    assert_ok(&api.get(&format!("/api/v1/subscriptions.getOne?roomId={rid}")))["subscription"].clone()
}

fn room_info(api: &Api, rid: &str) -> Res {
    api.get(&format!("/api/v1/rooms.info?roomId={rid}"))
}

fn id_of(v: &Value) -> String {
    v["_id"].as_str().unwrap().to_string()
}

#[test]
fn deleting_the_last_owner_hands_rooms_over_or_removes_them() {
    let s = Server::start();
    let admin = s.admin();
    let bob = s.user("bob");
    let carol = s.user("carol");
    let dave = s.user("dave");
    // bob owns a group with carol then dave, a channel of his own, and a channel he shares with
    // another owner.
    let shared =
        id_of(&assert_ok(&bob.post("/api/v1/groups.create", json!({"name": "shared", "members": ["carol"]})))["group"]);
    assert_ok(&bob.post("/api/v1/groups.invite", json!({"roomId": shared, "username": "dave"})));
    let solo = id_of(&crate::channels::create_channel(&bob, "solo", json!({})));
    let duo = id_of(&crate::channels::create_channel(&bob, "duo", json!({"members": ["dave"]})));
    assert_ok(&bob.post("/api/v1/channels.addOwner", json!({"roomId": duo, "userId": dave.user_id()})));
    // Without confirmation: refused, with the rooms named, and nothing changed.
    let res = admin.post("/api/v1/users.delete", json!({"userId": bob.user_id()}));
    assert_error(&res, 400, "user-last-owner");
    assert_eq!(res.body["details"], json!({"shouldBeRemoved": ["solo"], "shouldChangeOwner": ["shared"]}));
    assert_eq!(bob.get("/api/v1/me").status, 200);
    // Confirmed: the oldest other member owns the group, the empty channel is gone, the
    // co-owned channel keeps its other owner.
    assert_ok(&admin.post("/api/v1/users.delete", json!({"userId": bob.user_id(), "confirmRelinquish": true})));
    assert!(subscription(&carol, &shared)["roles"].as_array().unwrap().iter().any(|r| r == "owner"));
    assert!(!subscription(&dave, &shared)["roles"].as_array().is_some_and(|r| r.iter().any(|r| r == "owner")));
    assert_eq!(room_info(&admin, &solo).status, 400);
    assert_ok(&room_info(&dave, &duo));
    let roles = assert_ok(&dave.get(&format!("/api/v1/channels.roles?roomId={duo}")))["roles"].clone();
    assert!(roles.as_array().unwrap().iter().all(|r| r["u"]["username"] != "bob"), "{roles}");
    assert_eq!(bob.get("/api/v1/me").status, 401);
}

#[test]
fn deleting_by_username_and_the_accounts_that_stay() {
    let s = Server::start();
    let admin = s.admin();
    let bob = s.user("bob");
    assert_ok(&admin.post("/api/v1/users.delete", json!({"username": "bob"})));
    assert_eq!(try_login(&s, "bob", "Passw0rd!x"), 401);
    assert_eq!(bob.get("/api/v1/me").status, 401);
    assert_error(&admin.post("/api/v1/users.delete", json!({"username": "bob"})), 400, "error-invalid-user");
    assert_error(&admin.post("/api/v1/users.delete", json!({})), 400, "error-user-param-not-provided");
    let res = admin.post("/api/v1/users.delete", json!({"userId": "rocket.cat"}));
    assert_error(&res, 400, "error-action-not-allowed");
    assert_ok(&admin.get("/api/v1/users.info?username=rocket.cat"));
    // A second admin can go; the last one can't, even deleting their own account.
    let second = assert_ok(&admin.post(
        "/api/v1/users.create",
        json!({"username": "root2", "email": "root2@example.com", "name": "Root", "password": "Passw0rd!x", "roles": ["admin"]}),
    ))["user"]
        .clone();
    assert_ok(&admin.post("/api/v1/users.delete", json!({"userId": second["_id"]})));
    set_setting(&s, "Accounts_AllowDeleteOwnAccount", json!(true));
    let res = admin.post("/api/v1/users.deleteOwnAccount", json!({"password": sha256_hex("admin-Pass1!")}));
    assert_error(&res, 400, "error-action-not-allowed");
    assert_eq!(admin.post("/api/v1/users.deleteOwnAccount", json!({})).status, 400);
    assert_eq!(s.anon().post("/api/v1/users.delete", json!({"username": "admin"})).status, 401);
}

#[test]
fn deleted_users_leave_direct_messages_and_reactions() {
    let s = Server::start();
    let admin = s.admin();
    let bob = s.user("bob");
    let carol = s.user("carol");
    let group = id_of(&assert_ok(&carol.post("/api/v1/im.create", json!({"usernames": "admin,bob"})))["room"]);
    assert_eq!(subscription(&carol, &group)["name"], "admin, bob");
    let one = id_of(&assert_ok(&carol.post("/api/v1/im.create", json!({"username": "bob"})))["room"]);
    let m = send(&carol, "GENERAL", "react to me");
    let mid = m["_id"].as_str().unwrap();
    for (who, emoji) in [(&bob, ":+1:"), (&bob, ":smile:"), (&admin, ":smile:")] {
        assert_ok(&who.post("/api/v1/chat.react", json!({"messageId": mid, "emoji": emoji})));
    }
    assert_ok(&admin.post("/api/v1/users.delete", json!({"userId": bob.user_id()})));
    // The one-to-one conversation is gone; the group one stays without him.
    assert_eq!(room_info(&carol, &one).status, 400);
    let room = assert_ok(&room_info(&carol, &group))["room"].clone();
    assert_eq!(room["usernames"], json!(["admin", "carol"]));
    assert!(!room["uids"].as_array().unwrap().iter().any(|u| u == bob.user_id()));
    assert_eq!(subscription(&carol, &group)["name"], "admin");
    assert_eq!(subscription(&admin, &group)["name"], "carol");
    // His reactions went; reactions left without anyone went too.
    let msg = assert_ok(&carol.get(&format!("/api/v1/chat.getMessage?msgId={mid}")))["message"].clone();
    assert_eq!(msg["reactions"], json!({":smile:": {"usernames": ["admin"]}}));
}

#[test]
fn renaming_reaches_mentions_reactions_and_direct_messages() {
    let s = Server::start();
    let admin = s.admin();
    let bob = s.user("bob");
    let carol = s.user("carol");
    let dm = id_of(&assert_ok(&carol.post("/api/v1/im.create", json!({"username": "bob"})))["room"]);
    let group = id_of(&assert_ok(&carol.post("/api/v1/im.create", json!({"usernames": "admin,bob"})))["room"]);
    let m = send(&carol, "GENERAL", "hey @bob, and @bobby stays");
    let mid = m["_id"].as_str().unwrap();
    assert_ok(&bob.post("/api/v1/chat.react", json!({"messageId": mid, "emoji": ":wave:"})));
    let mut carol_rt = Ddp::resume(&carol);
    let event = format!("{}/subscriptions-changed", carol.user_id());
    carol_rt.sub_ok("stream-notify-user", &event);
    let res = admin.post("/api/v1/users.update", json!({"userId": bob.user_id(), "data": {"username": "robert"}}));
    assert_eq!(assert_ok(&res)["user"]["username"], "robert");
    // carol's client hears of her renamed conversation.
    let args = carol_rt.event("stream-notify-user", &event, |a| a[1]["rid"] == dm.as_str());
    assert_eq!((args[0].as_str(), args[1]["name"].as_str()), (Some("updated"), Some("robert")));
    let message = |id: &str| assert_ok(&carol.get(&format!("/api/v1/chat.getMessage?msgId={id}")))["message"].clone();
    let msg = poll(Duration::from_secs(30), || Some(message(mid)).filter(|m| m["mentions"][0]["username"] == "robert"));
    assert_eq!(msg["msg"], "hey @robert, and @bobby stays");
    assert_eq!(msg["mentions"][0]["username"], "robert");
    assert_eq!(msg["reactions"][":wave:"]["usernames"], json!(["robert"]));
    assert_eq!(subscription(&carol, &dm)["name"], "robert");
    assert_eq!(subscription(&carol, &group)["name"], "admin, robert");
    let room = assert_ok(&room_info(&carol, &dm))["room"].clone();
    assert!(room["usernames"].as_array().unwrap().iter().any(|u| u == "robert"), "{room}");
    // The renamed user reaches the conversation under the new name.
    let found = assert_ok(&carol.post("/api/v1/im.create", json!({"username": "robert"})))["room"].clone();
    assert_eq!(id_of(&found), dm);
    // A display-name change reaches the conversation titles and his messages.
    let his = send(&bob, "GENERAL", "signed");
    let res = bob.post("/api/v1/users.updateOwnBasicInfo", json!({"data": {"name": "Robert Tables"}}));
    assert_ok(&res);
    assert_eq!(subscription(&carol, &dm)["fname"], "Robert Tables");
    assert_eq!(subscription(&carol, &group)["fname"], "admin, Robert Tables");
    let his = his["_id"].as_str().unwrap();
    let msg = poll(Duration::from_secs(30), || Some(message(his)).filter(|m| m["u"]["name"] == "Robert Tables"));
    assert_eq!(msg["u"]["username"], "robert");
    // A refused update changes nothing, not even the parts that were fine.
    let res = admin.post(
        "/api/v1/users.update",
        json!({"userId": bob.user_id(), "data": {"username": "bert", "email": "carol@example.com"}}),
    );
    assert_error(&res, 400, "error-field-unavailable");
    assert_eq!(info(&admin, bob.user_id())["username"], "robert");
    assert_eq!(subscription(&carol, &dm)["name"], "robert");
}

/// The authors' usernames and names of the room's newest `count` messages whose text starts with `prefix`.
fn authors(api: &Api, rid: &str, prefix: &str) -> Vec<(String, String)> {
    let hist = api.get(&format!("/api/v1/channels.history?roomId={rid}&count=200"));
    assert_ok(&hist)["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["msg"].as_str().is_some_and(|t| t.starts_with(prefix)))
        .map(|m| (m["u"]["username"].as_str().unwrap().into(), m["u"]["name"].as_str().unwrap_or("").into()))
        .collect()
}

#[test]
fn renames_reach_every_message_in_batches_and_resume_after_a_crash() {
    // Three messages per batch: 40 messages take many batches, interleaved with other writes.
    let opts = Options::default().env("ORBIT_RENAME_BATCH_ROWS", "3");
    let s = Server::start_with(opts.clone());
    let admin = s.admin();
    let bob = s.user("bob");
    for i in 0..40 {
        send(&bob, "GENERAL", &format!("note {i} from @bob"));
    }
    let res = bob.post("/api/v1/users.updateOwnBasicInfo", json!({"data": {"username": "robert", "name": "Rob"}}));
    assert_ok(&res);
    send(&admin, "GENERAL", "written while renaming");
    let renamed = poll(Duration::from_secs(30), || {
        let all = authors(&admin, "GENERAL", "note ");
        all.iter().all(|a| *a == ("robert".to_string(), "Rob".to_string())).then_some(all)
    });
    assert_eq!(renamed.len(), 40);
    let hist = admin.get("/api/v1/channels.history?roomId=GENERAL&count=200");
    let texts: Vec<&str> =
        assert_ok(&hist)["messages"].as_array().unwrap().iter().filter_map(|m| m["msg"].as_str()).collect();
    assert!(texts.contains(&"note 7 from @robert"), "{texts:?}");

    // A stop between the profile change and the messages: the queued rename resumes at start.
    let bob_id = bob.user_id().to_string();
    let dir = s.kill();
    {
        let db = rusqlite::Connection::open(dir.join("orbit.db")).unwrap();
        db.execute(
            "UPDATE users SET username = 'bert', doc = json_set(doc, '$.username', 'bert') WHERE id = ?1",
            [&bob_id],
        )
        .unwrap();
        db.execute(
            "INSERT INTO message_renames (user_id, kind, old, new) VALUES (?1, 'username', 'robert', 'bert')",
            [&bob_id],
        )
        .unwrap();
    }
    let s = Server::start_with(Options { data_dir: Some(dir), ..opts });
    let admin = s.admin();
    poll(Duration::from_secs(30), || {
        authors(&admin, "GENERAL", "note ").iter().all(|(u, _)| u == "bert").then_some(())
    });
}

#[test]
fn deactivating_the_last_owner_and_read_only_direct_messages() {
    let s = Server::start();
    let admin = s.admin();
    let bob = s.user("bob");
    let carol = s.user("carol");
    let group =
        id_of(&assert_ok(&bob.post("/api/v1/groups.create", json!({"name": "bobs", "members": ["carol"]})))["group"]);
    let dm = id_of(&assert_ok(&carol.post("/api/v1/im.create", json!({"username": "bob"})))["room"]);
    let res = admin.post("/api/v1/users.setActiveStatus", json!({"userId": bob.user_id(), "activeStatus": false}));
    assert_error(&res, 400, "user-last-owner");
    assert_eq!(res.body["details"]["shouldChangeOwner"], json!(["bobs"]));
    assert_eq!(bob.get("/api/v1/me").status, 200);
    // users.update refuses the same way, before changing anything.
    let res =
        admin.post("/api/v1/users.update", json!({"userId": bob.user_id(), "data": {"name": "Gone", "active": false}}));
    assert_error(&res, 400, "user-last-owner");
    assert_eq!(info(&admin, bob.user_id())["name"], "bob");
    let res = admin.post(
        "/api/v1/users.update",
        json!({"userId": bob.user_id(), "data": {"name": "Gone", "active": false}, "confirmRelinquish": true}),
    );
    let user = assert_ok(&res)["user"].clone();
    assert_eq!((user["name"].as_str(), user["active"].as_bool()), (Some("Gone"), Some(false)));
    assert_eq!(bob.get("/api/v1/me").status, 401);
    assert!(subscription(&carol, &group)["roles"].as_array().unwrap().iter().any(|r| r == "owner"));
    // The direct message with him is read-only and archived on carol's side.
    assert_eq!(assert_ok(&room_info(&carol, &dm))["room"]["ro"], true);
    assert_eq!(subscription(&carol, &dm)["archived"], true);
    let res = carol.post("/api/v1/chat.sendMessage", json!({"message": {"rid": dm, "msg": "hello?"}}));
    assert_error(&res, 400, "error-room-read-only");
    // Reactivated: the conversation opens again.
    assert_ok(&admin.post("/api/v1/users.setActiveStatus", json!({"userId": bob.user_id(), "activeStatus": true})));
    assert_eq!(assert_ok(&room_info(&carol, &dm))["room"]["ro"], false);
    assert_ne!(subscription(&carol, &dm)["archived"], true);
    send(&carol, &dm, "welcome back");
    // Moderators may (de)activate too; plain users may not.
    crate::channels::set_permission(&s, "manage-moderation-actions", json!(["admin", "user"]));
    // bob kept his owner role, so the group has two owners now.
    let res = carol.post("/api/v1/users.setActiveStatus", json!({"userId": bob.user_id(), "activeStatus": false}));
    assert_eq!(assert_ok(&res)["user"]["active"], false);
    crate::channels::set_permission(&s, "manage-moderation-actions", json!(["admin"]));
    let res = carol.post("/api/v1/users.setActiveStatus", json!({"userId": bob.user_id(), "activeStatus": false}));
    assert_eq!(res.status, 403);
    assert_eq!(admin.post("/api/v1/users.setActiveStatus", json!({"userId": bob.user_id()})).status, 400);
}

#[test]
fn user_administration_over_ddp() {
    let s = Server::start();
    let _bob = s.user("bob");
    let mut admin = Ddp::login(&s, "admin", "admin-Pass1!");
    let mut bob = Ddp::login(&s, "bob", "Passw0rd!x");
    // insertOrUpdateUser creates (→ id) and edits (→ true), with create-user / edit-other-user-info.
    let new = json!({"username": "dave", "email": "dave@example.com", "name": "Dave", "password": "Passw0rd!x"});
    let dave = admin.call_ok("insertOrUpdateUser", json!([new]));
    let dave = dave.as_str().unwrap().to_string();
    bob.call_err(
        "insertOrUpdateUser",
        json!([{"username": "eve", "email": "eve@example.com", "name": "Eve", "password": "Passw0rd!x"}]),
        json!("error-unauthorized"),
    );
    assert_eq!(admin.call_ok("insertOrUpdateUser", json!([{"_id": dave, "name": "David"}])), json!(true));
    bob.call_err("insertOrUpdateUser", json!([{"_id": dave, "name": "Hacked"}]), json!("error-action-not-allowed"));
    admin.call_err("insertOrUpdateUser", json!(["nope"]), json!(400));
    let api = s.admin();
    assert_eq!(info(&api, &dave)["name"], "David");
    // The caller's own profile and username.
    assert_eq!(bob.call_ok("saveUserProfile", json!([{"realname": "Bobby", "statusText": "here"}])), json!(true));
    bob.call_err(
        "saveUserProfile",
        json!([{"newPassword": "N3w-Passw0rd!", "typedPassword": sha256_hex("wrong")}]),
        json!("error-invalid-password"),
    );
    let r = json!([{"newPassword": "N3w-Passw0rd!", "typedPassword": sha256_hex("Passw0rd!x")}]);
    assert_eq!(bob.call_ok("saveUserProfile", r), json!(true));
    assert_eq!(try_login(&s, "bob", "N3w-Passw0rd!"), 200);
    assert_eq!(bob.call_ok("checkUsernameAvailability", json!(["robert"])), json!(true));
    assert_eq!(bob.call_ok("checkUsernameAvailability", json!(["dave"])), json!(false));
    assert_eq!(bob.call_ok("setUsername", json!(["robert"])), json!("robert"));
    bob.call_err("setUsername", json!(["dave"]), json!("error-field-unavailable"));
    assert_eq!(bob.call_ok("getUsernameSuggestion", json!([])), json!("bobby"));
    let bob_id = assert_ok(&api.get("/api/v1/users.info?username=robert"))["user"]["_id"].as_str().unwrap().to_string();
    // Activation and deletion, with their permissions.
    bob.call_err("setUserActiveStatus", json!([dave, false]), json!("error-unauthorized"));
    assert_eq!(admin.call_ok("setUserActiveStatus", json!([dave, false])), json!(true));
    assert_eq!(info(&api, &dave)["active"], false);
    admin.call_err("setUserActiveStatus", json!([dave, "no"]), json!(400));
    bob.call_err("deleteUser", json!([dave]), json!("error-unauthorized"));
    assert_eq!(admin.call_ok("deleteUser", json!([dave])), json!(true));
    assert_error(&api.get(&format!("/api/v1/users.info?userId={dave}")), 400, "error-invalid-user");
    admin.call_err("deleteUser", json!([dave]), json!("error-invalid-user"));
    bob.call_err("deleteUserOwnAccount", json!([sha256_hex("N3w-Passw0rd!")]), json!("error-not-allowed"));
    set_setting(&s, "Accounts_AllowDeleteOwnAccount", json!(true));
    // Over REST's method.call, so the answer isn't raced by the socket closing on deletion.
    let robert = s.login("robert", "N3w-Passw0rd!");
    let frame =
        json!({"msg": "method", "id": "1", "method": "deleteUserOwnAccount", "params": [sha256_hex("N3w-Passw0rd!")]});
    let res = robert.post("/api/v1/method.call/deleteUserOwnAccount", json!({"message": frame.to_string()}));
    let answer: Value = serde_json::from_str(assert_ok(&res)["message"].as_str().unwrap()).unwrap();
    assert_eq!(answer["result"], true, "{answer}");
    assert_error(&api.get(&format!("/api/v1/users.info?userId={bob_id}")), 400, "error-invalid-user");
    // Anonymous callers get nothing.
    let mut anon = Ddp::connect(&s);
    anon.call_err("deleteUser", json!(["rocket.cat"]), json!("error-invalid-user"));
}

#[test]
fn idle_users_are_deactivated_by_role() {
    let s = Server::start();
    let admin = s.admin();
    let bob = s.user("bob");
    let res = admin.post(
        "/api/v1/users.create",
        json!({"username": "carol", "email": "carol@example.com", "name": "carol", "password": "Passw0rd!x"}),
    );
    let carol = assert_ok(&res)["user"]["_id"].as_str().unwrap().to_string();
    let idle = |api: &Api, body: Value| api.post("/api/v1/users.deactivateIdle", body);
    assert_error(&idle(&bob, json!({"daysIdle": 0})), 403, "error-unauthorized");
    assert_eq!(idle(&admin, json!({})).status, 400);
    assert_eq!(idle(&admin, json!({"daysIdle": -1})).status, 400);
    assert_eq!(idle(&admin, json!({"daysIdle": "many"})).status, 400);
    // Nobody has been away for a day; bots are not users.
    assert_eq!(assert_ok(&idle(&admin, json!({"daysIdle": 1})))["count"], 0);
    assert_eq!(assert_ok(&idle(&admin, json!({"daysIdle": 0, "role": "bot"})))["count"], 0);
    // Everyone who logged in is idle for zero days, except the caller; carol never logged in.
    assert_eq!(assert_ok(&idle(&admin, json!({"daysIdle": 0})))["count"], 1);
    assert_eq!(bob.get("/api/v1/me").status, 401);
    let info = |id: &str| assert_ok(&admin.get(&format!("/api/v1/users.info?userId={id}")))["user"]["active"].clone();
    assert_eq!((info(bob.user_id()), info(&carol), info(admin.user_id())), (json!(false), json!(true), json!(true)));
    assert_eq!(s.anon().post("/api/v1/login", json!({"user": "bob", "password": "Passw0rd!x"})).status, 401);
}
