use serde_json::json;

use crate::common::*;

#[test]
fn login_me_logout_round_trip() {
    let s = Server::start();
    let admin = s.admin();
    let me = admin.get("/api/v1/me");
    assert_ok(&me);
    assert_eq!(me.body["username"], ADMIN_USER);
    assert!(me.body["roles"].as_array().unwrap().contains(&json!("admin")));
    assert!(me.body["settings"]["preferences"].is_object());
    // The sign-in factors, without any secret.
    assert_eq!(
        me.body["services"],
        json!({"password": {"exists": true}, "totp": {"enabled": false}, "email2fa": {"enabled": false}})
    );
    let out = admin.post("/api/v1/logout", json!({}));
    assert_eq!(out.body["status"], "success");
    let again = admin.get("/api/v1/me");
    assert_eq!(again.status, 401);
    assert_eq!(again.body["status"], "error");
    assert_eq!(again.body["message"], "You must be logged in to do this.");
}

#[test]
fn login_by_email_digest_and_resume() {
    let s = Server::start();
    let digest = orbit::ids::sha256_hex(ADMIN_PASS);
    let res = s.anon().post(
        "/api/v1/login",
        json!({"user": "admin@example.com", "password": {"digest": digest, "algorithm": "sha-256"}}),
    );
    assert_eq!(res.status, 200, "{}", res.body);
    let token = res.body["data"]["authToken"].as_str().unwrap().to_string();
    let res = s.anon().post("/api/v1/login", json!({"resume": token}));
    assert_eq!(res.status, 200);
    assert_eq!(res.body["data"]["authToken"], token.as_str());
}

#[test]
fn bad_logins_are_401() {
    let s = Server::start();
    let res = s.anon().post("/api/v1/login", json!({"user": ADMIN_USER, "password": "wrong"}));
    assert_eq!(res.status, 401);
    assert_eq!(res.body["status"], "error");
    assert_eq!(res.body["error"], "Unauthorized");
    let res = s.anon().post("/api/v1/login", json!({"user": "nobody", "password": "x"}));
    assert_eq!(res.status, 401);
    let res = s.anon().post("/api/v1/login", json!({"resume": "not-a-token"}));
    assert_eq!(res.status, 401);
    let res = s.anon().post_raw("/api/v1/login", "application/json", "{not json");
    assert_error(&res, 400, "error-invalid-json");
    let res = s.anon().get("/api/v1/me");
    assert_eq!(res.status, 401);
    let res = s.anon().send(s.http.get(s.url("/api/v1/me")).header("X-User-Id", "x").header("X-Auth-Token", "y"));
    assert_eq!(res.status, 401);
}

#[test]
fn first_registered_user_becomes_admin_only_without_admin() {
    let s = Server::start_with(Options::default().env("ADMIN_USERNAME", "").env("ADMIN_PASS", ""));
    let res = s.anon().post(
        "/api/v1/users.register",
        json!({"username": "first", "email": "first@example.com", "pass": "Passw0rd!x", "name": "First"}),
    );
    assert_ok(&res);
    assert!(res.body["user"]["roles"].as_array().unwrap().contains(&json!("admin")));
    let res = s.anon().post(
        "/api/v1/users.register",
        json!({"username": "second", "email": "second@example.com", "pass": "Passw0rd!x", "name": "Second"}),
    );
    assert_ok(&res);
    assert!(!res.body["user"]["roles"].as_array().unwrap().contains(&json!("admin")));
    let dup = s.anon().post(
        "/api/v1/users.register",
        json!({"username": "second", "email": "x@example.com", "pass": "Passw0rd!x", "name": "Dup"}),
    );
    assert_error(&dup, 400, "error-field-unavailable");
    let missing = s.anon().post("/api/v1/users.register", json!({"username": "third"}));
    assert_error(&missing, 400, "error-param-required");
}
