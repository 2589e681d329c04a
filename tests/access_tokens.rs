//! Personal access tokens and two-factor authentication: TOTP enrolment over DDP, email codes,
//! and the `X-2fa-code` flow on protected REST endpoints.

use serde_json::{Value, json};

use crate::common::ddp::Ddp;
use crate::common::*;

fn sha256_hex(s: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(s.as_bytes()))
}

/// POSTs with the second-factor headers.
fn post_2fa(s: &Server, api: &Api, path: &str, body: Value, code: &str, method: &str) -> Res {
    let rb = s
        .http
        .post(s.url(path))
        .header("X-User-Id", api.user_id())
        .header("X-Auth-Token", api.token())
        .header("X-2fa-code", code)
        .header("X-2fa-method", method)
        .json(&body);
    api.send(rb)
}

/// GET `/me` with a personal access token.
fn me_with(s: &Server, user_id: &str, token: &str) -> Res {
    s.anon().send(s.http.get(s.url("/api/v1/me")).header("X-User-Id", user_id).header("X-Auth-Token", token))
}

fn totp_now(secret: &str) -> String {
    let bytes = totp_rs::Secret::Encoded(secret.to_string()).to_bytes().unwrap();
    totp_rs::TOTP::new_unchecked(totp_rs::Algorithm::SHA1, 6, 1, 30, bytes, None, String::new())
        .generate_current()
        .unwrap()
}

#[test]
fn personal_access_tokens_lifecycle() {
    let s = Server::start();
    let bob = s.user("bob");
    let pass = sha256_hex("Passw0rd!x");
    // Protected by the second factor: without 2FA set up, the password is asked for.
    let res = bob.post("/api/v1/users.generatePersonalAccessToken", json!({"tokenName": "ci"}));
    assert_error(&res, 400, "totp-required");
    let res = post_2fa(
        &s,
        &bob,
        "/api/v1/users.generatePersonalAccessToken",
        json!({"tokenName": "ci"}),
        "wrong",
        "password",
    );
    assert_error(&res, 400, "totp-invalid");
    let res =
        post_2fa(&s, &bob, "/api/v1/users.generatePersonalAccessToken", json!({"tokenName": "ci"}), &pass, "password");
    let token = assert_ok(&res)["token"].as_str().unwrap().to_string();
    assert_eq!(me_with(&s, bob.user_id(), &token).body["username"], "bob");
    let list = assert_ok(&bob.get("/api/v1/users.getPersonalAccessTokens"))["tokens"].clone();
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["name"], "ci");
    assert_eq!(list[0]["lastTokenPart"], &token[token.len() - 6..]);
    assert_eq!(list[0]["bypassTwoFactor"], false);
    assert!(list[0].get("hashedToken").is_none() && !list.to_string().contains(&token));
    // Same name again: refused.
    let res =
        post_2fa(&s, &bob, "/api/v1/users.generatePersonalAccessToken", json!({"tokenName": "ci"}), &pass, "password");
    assert_error(&res, 400, "error-token-already-exists");
    // Regenerating replaces the token.
    let res = post_2fa(
        &s,
        &bob,
        "/api/v1/users.regeneratePersonalAccessToken",
        json!({"tokenName": "ci"}),
        &pass,
        "password",
    );
    let fresh = assert_ok(&res)["token"].as_str().unwrap().to_string();
    assert_eq!(me_with(&s, bob.user_id(), &token).status, 401);
    assert_eq!(me_with(&s, bob.user_id(), &fresh).status, 200);
    // Logging out other sessions keeps personal access tokens.
    assert_ok(&bob.post("/api/v1/users.removeOtherTokens", json!({})));
    assert_eq!(me_with(&s, bob.user_id(), &fresh).status, 200);
    assert_ok(&bob.post("/api/v1/users.removePersonalAccessToken", json!({"tokenName": "ci"})));
    assert_eq!(me_with(&s, bob.user_id(), &fresh).status, 401);
    let res = bob.post("/api/v1/users.removePersonalAccessToken", json!({"tokenName": "ci"}));
    assert_error(&res, 400, "error-token-does-not-exists");
    // Without the permission.
    crate::channels::set_permission(&s, "create-personal-access-tokens", json!(["admin"]));
    assert_error(&bob.get("/api/v1/users.getPersonalAccessTokens"), 403, "not-authorized");
    assert_eq!(s.anon().get("/api/v1/users.getPersonalAccessTokens").status, 401);
}

#[test]
fn totp_enrolment_login_and_protected_actions() {
    let s = Server::start();
    let bob = s.user("bob");
    let mut d = Ddp::resume(&bob);
    let started = d.call_ok("2fa:enable", json!([]));
    let secret = started["secret"].as_str().unwrap().to_string();
    assert!(started["url"].as_str().unwrap().starts_with("otpauth://totp/"));
    d.call_err("2fa:validateTempToken", json!(["000000"]), json!("totp-invalid"));
    let codes = d.call_ok("2fa:validateTempToken", json!([totp_now(&secret)]))["codes"].clone();
    assert_eq!(codes.as_array().unwrap().len(), 12);
    assert_eq!(d.call_ok("2fa:checkCodesRemaining", json!([]))["remaining"], 12);
    // Logging in now needs a code.
    let res = s.anon().post("/api/v1/login", json!({"user": "bob", "password": "Passw0rd!x"}));
    assert_eq!(res.status, 401);
    assert_eq!(res.body["error"], "totp-required");
    let res =
        s.anon().post("/api/v1/login", json!({"user": "bob", "password": "Passw0rd!x", "code": totp_now(&secret)}));
    assert_eq!(res.status, 200, "{}", res.body);
    // A backup code works once.
    let backup = codes[0].as_str().unwrap();
    let res = s.anon().post("/api/v1/login", json!({"user": "bob", "password": "Passw0rd!x", "code": backup}));
    assert_eq!(res.status, 200);
    let res = s.anon().post("/api/v1/login", json!({"user": "bob", "password": "Passw0rd!x", "code": backup}));
    assert_eq!(res.status, 401);
    assert_eq!(d.call_ok("2fa:checkCodesRemaining", json!([]))["remaining"], 11);
    // Protected REST actions now want the TOTP code, not the password.
    let res = post_2fa(
        &s,
        &bob,
        "/api/v1/users.generatePersonalAccessToken",
        json!({"tokenName": "x"}),
        &sha256_hex("Passw0rd!x"),
        "password",
    );
    assert_eq!(res.status, 400);
    let res = bob.post("/api/v1/users.generatePersonalAccessToken", json!({"tokenName": "x", "bypassTwoFactor": true}));
    assert_error(&res, 400, "totp-required");
    assert_eq!(res.body["details"]["method"], "totp");
    let res = post_2fa(
        &s,
        &bob,
        "/api/v1/users.generatePersonalAccessToken",
        json!({"tokenName": "x", "bypassTwoFactor": true}),
        &totp_now(&secret),
        "totp",
    );
    let token = assert_ok(&res)["token"].as_str().unwrap().to_string();
    // A token made with bypassTwoFactor skips the check.
    let pat = Api { server: &s, auth: Some((bob.user_id().to_string(), token.clone())) };
    let res = pat.post("/api/v1/users.removePersonalAccessToken", json!({"tokenName": "x"}));
    assert_ok(&res);
    let codes = d.call_ok("2fa:regenerateCodes", json!([totp_now(&secret)]))["codes"].clone();
    assert_eq!(codes.as_array().unwrap().len(), 12);
    d.call_err("2fa:disable", json!(["123456"]), json!("totp-invalid"));
    assert_eq!(d.call_ok("2fa:disable", json!([totp_now(&secret)])), json!(true));
    let res = s.anon().post("/api/v1/login", json!({"user": "bob", "password": "Passw0rd!x"}));
    assert_eq!(res.status, 200);
}

#[test]
fn email_codes_as_a_second_factor() {
    let s = Server::start();
    let bob = s.user("bob");
    // Email codes need a verified address.
    let admin = s.admin();
    assert_ok(&admin.post("/api/v1/users.update", json!({"userId": bob.user_id(), "data": {"verified": true}})));
    assert_ok(&bob.post("/api/v1/users.2fa.enableEmail", json!({})));
    let res = s.anon().post("/api/v1/login", json!({"user": "bob", "password": "Passw0rd!x"}));
    assert_eq!(res.status, 401);
    assert_eq!(res.body["details"]["method"], "email");
    assert_eq!(res.body["details"]["codeGenerated"], true);
    // The code was mailed; ask for another explicitly too (same answer for unknown users).
    assert_ok(&s.anon().post("/api/v1/users.2fa.sendEmailCode", json!({"emailOrUsername": "nobody"})));
    assert_ok(&s.anon().post("/api/v1/users.2fa.sendEmailCode", json!({"emailOrUsername": "bob"})));
    let db = rusqlite::Connection::open(s.data_dir.join("orbit.db")).unwrap();
    let text: String = db
        .query_row(
            "SELECT json_extract(doc, '$.text') FROM docs WHERE collection = 'outbox' ORDER BY rowid DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let code = text.rsplit(' ').next().unwrap().trim().to_string();
    let res = s.anon().post("/api/v1/login", json!({"user": "bob", "password": "Passw0rd!x", "code": code}));
    assert_eq!(res.status, 200, "{}", res.body);
    // Disabling needs a code.
    let res = bob.post("/api/v1/users.2fa.disableEmail", json!({}));
    assert_error(&res, 400, "totp-required");
    assert_eq!(s.anon().post("/api/v1/users.2fa.sendEmailCode", json!({})).status, 400);
}
