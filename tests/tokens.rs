//! Personal access tokens (`users.*PersonalAccessToken*`, the `personalAccessTokens:*` methods)
//! and the caller's other sessions (`users.removeOtherTokens`, `users.logoutOtherClients`,
//! the `removeOtherTokens` method).

use serde_json::{Value, json};

use crate::common::ddp::Ddp;
use crate::common::*;

pub fn sha256_hex(s: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(s.as_bytes()))
}

/// A server where "remember me" is off, so every protected action asks for the second factor
/// (by default an account younger than `RememberFor` is trusted, as upstream does).
pub fn strict_server() -> Server {
    Server::start_with(
        Options::default().mail().env("OVERWRITE_SETTING_Accounts_TwoFactorAuthentication_RememberFor", "0"),
    )
}

/// POSTs with the second-factor headers.
pub fn post_2fa(api: &Api, path: &str, body: Value, code: &str, method: &str) -> Res {
    let s = api.server;
    let (uid, token) = api.auth.clone().expect("a logged-in client");
    let rb = s
        .http
        .post(s.url(path))
        .header("X-User-Id", uid)
        .header("X-Auth-Token", token)
        .header("X-2fa-code", code)
        .header("X-2fa-method", method)
        .json(&body);
    api.send(rb)
}

/// A client using `token` for `user_id`.
fn with_token<'a>(s: &'a Server, user_id: &str, token: &str) -> Api<'a> {
    Api { server: s, auth: Some((user_id.to_string(), token.to_string())) }
}

#[test]
fn tokens_are_created_listed_regenerated_and_removed() {
    let s = Server::start();
    let bob = s.user("bob");
    // A fresh account is trusted for RememberFor (30 minutes): no code needed.
    let res = bob.post("/api/v1/users.generatePersonalAccessToken", json!({"tokenName": "ci"}));
    let token = assert_ok(&res)["token"].as_str().unwrap().to_string();
    assert_eq!(token.len(), 43);
    assert_ne!(token, bob.token());

    // The token authenticates like a login token: REST headers, and DDP resume.
    let pat = with_token(&s, bob.user_id(), &token);
    assert_eq!(assert_ok(&pat.get("/api/v1/me"))["username"], "bob");
    assert_ok(&pat.get("/api/v1/channels.list.joined"));
    assert_ok(&pat.post("/api/v1/chat.postMessage", json!({"channel": "#general", "text": "from a script"})));
    let mut d = Ddp::connect(&s);
    let r = d.call_ok("login", json!([{"resume": token}]));
    assert_eq!(r["id"], bob.user_id());
    // Only with the owner's id.
    assert_eq!(with_token(&s, s.admin().user_id(), &token).get("/api/v1/me").status, 401);

    // Listed without the secret.
    let list = assert_ok(&bob.get("/api/v1/users.getPersonalAccessTokens"))["tokens"].clone();
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["name"], "ci");
    assert_eq!(list[0]["lastTokenPart"], &token[token.len() - 6..]);
    assert_eq!(list[0]["bypassTwoFactor"], false);
    assert!(list[0]["createdAt"].as_str().unwrap().ends_with('Z'));
    assert!(!list.to_string().contains(&token));

    // Same name again: refused as upstream (400, naming the method).
    let res = bob.post("/api/v1/users.generatePersonalAccessToken", json!({"tokenName": "ci"}));
    assert_error(&res, 400, "error-token-already-exists");
    assert_eq!(res.body["details"]["method"], "personalAccessTokens:generateToken");
    // Bad input.
    assert_eq!(bob.post("/api/v1/users.generatePersonalAccessToken", json!({})).status, 400);
    assert_eq!(bob.post("/api/v1/users.generatePersonalAccessToken", json!({"tokenName": ""})).status, 400);
    let res =
        bob.post("/api/v1/users.generatePersonalAccessToken", json!({"tokenName": "x", "bypassTwoFactor": "yes"}));
    assert_eq!(res.status, 400);
    assert_eq!(bob.post("/api/v1/users.regeneratePersonalAccessToken", json!({})).status, 400);
    assert_eq!(bob.post("/api/v1/users.removePersonalAccessToken", json!({})).status, 400);

    // A second token, bypassing the second factor, shows in the list.
    let res =
        bob.post("/api/v1/users.generatePersonalAccessToken", json!({"tokenName": "bot", "bypassTwoFactor": true}));
    let bot = assert_ok(&res)["token"].as_str().unwrap().to_string();
    let list = assert_ok(&bob.get("/api/v1/users.getPersonalAccessTokens"))["tokens"].clone();
    let names: Vec<_> =
        list.as_array().unwrap().iter().map(|t| (t["name"].clone(), t["bypassTwoFactor"].clone())).collect();
    assert_eq!(names, vec![(json!("ci"), json!(false)), (json!("bot"), json!(true))]);

    // Regenerating replaces the secret and keeps the name and bypass.
    let res = bob.post("/api/v1/users.regeneratePersonalAccessToken", json!({"tokenName": "bot"}));
    let fresh = assert_ok(&res)["token"].as_str().unwrap().to_string();
    assert_ne!(fresh, bot);
    assert_eq!(with_token(&s, bob.user_id(), &bot).get("/api/v1/me").status, 401);
    assert_eq!(with_token(&s, bob.user_id(), &fresh).get("/api/v1/me").status, 200);
    let list = assert_ok(&bob.get("/api/v1/users.getPersonalAccessTokens"))["tokens"].clone();
    assert_eq!(list[1]["bypassTwoFactor"], true);
    assert_eq!(list[1]["lastTokenPart"], &fresh[fresh.len() - 6..]);
    let res = bob.post("/api/v1/users.regeneratePersonalAccessToken", json!({"tokenName": "nope"}));
    assert_error(&res, 400, "error-token-does-not-exists");

    // Removing.
    assert_ok(&bob.post("/api/v1/users.removePersonalAccessToken", json!({"tokenName": "ci"})));
    assert_eq!(pat.get("/api/v1/me").status, 401);
    let res = bob.post("/api/v1/users.removePersonalAccessToken", json!({"tokenName": "ci"}));
    assert_error(&res, 400, "error-token-does-not-exists");
    let list = assert_ok(&bob.get("/api/v1/users.getPersonalAccessTokens"))["tokens"].clone();
    assert_eq!(list.as_array().unwrap().len(), 1);

    // Tokens are per user: alice neither sees nor removes bob's.
    let alice = s.user("alice");
    let list = assert_ok(&alice.get("/api/v1/users.getPersonalAccessTokens"))["tokens"].clone();
    assert_eq!(list, json!([]));
    let res = alice.post("/api/v1/users.removePersonalAccessToken", json!({"tokenName": "bot"}));
    assert_error(&res, 400, "error-token-does-not-exists");
    assert_eq!(with_token(&s, bob.user_id(), &fresh).get("/api/v1/me").status, 200);
}

#[test]
fn tokens_need_the_permission_and_a_login() {
    let s = Server::start();
    let bob = s.user("bob");
    let res = bob.post("/api/v1/users.generatePersonalAccessToken", json!({"tokenName": "ci"}));
    let token = assert_ok(&res)["token"].as_str().unwrap().to_string();
    crate::channels::set_permission(&s, "create-personal-access-tokens", json!(["admin"]));
    let res = bob.post("/api/v1/users.generatePersonalAccessToken", json!({"tokenName": "other"}));
    assert_error(&res, 400, "not-authorized");
    assert_error(
        &bob.post("/api/v1/users.regeneratePersonalAccessToken", json!({"tokenName": "ci"})),
        400,
        "not-authorized",
    );
    assert_error(
        &bob.post("/api/v1/users.removePersonalAccessToken", json!({"tokenName": "ci"})),
        400,
        "not-authorized",
    );
    assert_error(&bob.get("/api/v1/users.getPersonalAccessTokens"), 403, "error-unauthorized");
    // The existing token was not touched.
    assert_eq!(with_token(&s, bob.user_id(), &token).get("/api/v1/me").status, 200);
    // The admin still may.
    let admin = s.admin();
    assert_ok(&admin.post("/api/v1/users.generatePersonalAccessToken", json!({"tokenName": "ops"})));
    // Logged out.
    let anon = s.anon();
    assert_eq!(anon.get("/api/v1/users.getPersonalAccessTokens").status, 401);
    assert_eq!(anon.post("/api/v1/users.generatePersonalAccessToken", json!({"tokenName": "x"})).status, 401);
    assert_eq!(anon.post("/api/v1/users.regeneratePersonalAccessToken", json!({"tokenName": "x"})).status, 401);
    assert_eq!(anon.post("/api/v1/users.removePersonalAccessToken", json!({"tokenName": "x"})).status, 401);
    assert_eq!(anon.post("/api/v1/users.logoutOtherClients", json!({})).status, 401);
    assert_eq!(anon.post("/api/v1/users.removeOtherTokens", json!({})).status, 401);
}

#[test]
fn protected_token_endpoints_ask_for_the_password_without_a_second_factor() {
    let s = strict_server();
    let bob = s.user("bob");
    let pass = sha256_hex("Passw0rd!x");
    let res = bob.post("/api/v1/users.generatePersonalAccessToken", json!({"tokenName": "ci"}));
    assert_error(&res, 400, "totp-required");
    assert_eq!(res.body["error"], "TOTP Required [totp-required]");
    assert_eq!(res.body["details"], json!({"method": "password", "codeGenerated": false, "availableMethods": []}));
    // The second factor is checked before the parameters, as upstream.
    assert_error(&bob.post("/api/v1/users.generatePersonalAccessToken", json!({})), 400, "totp-required");
    let res =
        post_2fa(&bob, "/api/v1/users.generatePersonalAccessToken", json!({"tokenName": "ci"}), "wrong", "password");
    assert_error(&res, 400, "totp-invalid");
    assert_eq!(res.body["details"]["method"], "password");
    // The password's SHA-256 digest is the code (upper case works too).
    let res = post_2fa(
        &bob,
        "/api/v1/users.generatePersonalAccessToken",
        json!({"tokenName": "ci"}),
        &pass.to_uppercase(),
        "password",
    );
    let token = assert_ok(&res)["token"].as_str().unwrap().to_string();
    // The method header may be absent: the password is the fallback.
    let rb = s
        .http
        .post(s.url("/api/v1/users.regeneratePersonalAccessToken"))
        .header("X-User-Id", bob.user_id())
        .header("X-Auth-Token", bob.token())
        .header("X-2fa-code", pass.as_str())
        .json(&json!({"tokenName": "ci"}));
    let token2 = assert_ok(&bob.send(rb))["token"].as_str().unwrap().to_string();
    assert_ne!(token, token2);
    // Listing is not protected; removing is.
    assert_ok(&bob.get("/api/v1/users.getPersonalAccessTokens"));
    assert_error(
        &bob.post("/api/v1/users.removePersonalAccessToken", json!({"tokenName": "ci"})),
        400,
        "totp-required",
    );
    let res = post_2fa(&bob, "/api/v1/users.removePersonalAccessToken", json!({"tokenName": "ci"}), &pass, "password");
    assert_ok(&res);
    assert_eq!(with_token(&s, bob.user_id(), &token2).get("/api/v1/me").status, 401);

    // Without the enforced password fallback, accounts without a second factor pass.
    crate::channels::set_setting(&s, "Accounts_TwoFactorAuthentication_Enforce_Password_Fallback", json!(false));
    assert_ok(&bob.post("/api/v1/users.generatePersonalAccessToken", json!({"tokenName": "free"})));
    crate::channels::set_setting(&s, "Accounts_TwoFactorAuthentication_Enforce_Password_Fallback", json!(true));
    // With two-factor authentication off server-wide, nothing is asked.
    crate::channels::set_setting(&s, "Accounts_TwoFactorAuthentication_Enabled", json!(false));
    assert_ok(&bob.post("/api/v1/users.removePersonalAccessToken", json!({"tokenName": "free"})));
}

#[test]
fn remove_other_tokens_and_logout_other_clients_keep_the_current_session() {
    let s = Server::start();
    let bob = s.user("bob");
    let second = s.login("bob", "Passw0rd!x");
    let third = s.login("bob", "Passw0rd!x");
    let res = bob.post("/api/v1/users.generatePersonalAccessToken", json!({"tokenName": "ci"}));
    let pat = with_token(&s, bob.user_id(), assert_ok(&res)["token"].as_str().unwrap());
    let other = s.user("carol");

    // users.removeOtherTokens: every other login ends; tokens and other users' sessions stay.
    assert_eq!(assert_ok(&second.post("/api/v1/users.removeOtherTokens", json!({}))), &json!({"success": true}));
    assert_eq!(second.get("/api/v1/me").status, 200);
    assert_eq!(bob.get("/api/v1/me").status, 401);
    assert_eq!(third.get("/api/v1/me").status, 401);
    assert_eq!(pat.get("/api/v1/me").status, 200);
    assert_eq!(other.get("/api/v1/me").status, 200);

    // users.logoutOtherClients answers the current token and its expiry.
    let fourth = s.login("bob", "Passw0rd!x");
    let res = second.post("/api/v1/users.logoutOtherClients", json!({}));
    let body = assert_ok(&res);
    assert_eq!(body["token"], second.token());
    let expires = body["tokenExpires"].as_str().unwrap();
    assert!(expires.ends_with('Z') && expires > "2020", "{expires}");
    assert_eq!(fourth.get("/api/v1/me").status, 401);
    assert_eq!(second.get("/api/v1/me").status, 200);
    assert_eq!(pat.get("/api/v1/me").status, 200);
    // From a personal access token: the expiry is empty and login sessions end.
    let fifth = s.login("bob", "Passw0rd!x");
    let body = assert_ok(&pat.post("/api/v1/users.logoutOtherClients", json!({}))).clone();
    assert_eq!(body["tokenExpires"], "");
    assert_eq!(second.get("/api/v1/me").status, 401);
    assert_eq!(fifth.get("/api/v1/me").status, 401);
    assert_eq!(pat.get("/api/v1/me").status, 200);
}

#[test]
fn token_and_session_methods_over_ddp_and_method_call() {
    let s = strict_server();
    let bob = s.user("bob");
    let pass = sha256_hex("Passw0rd!x");
    let mut d = Ddp::resume(&bob);
    // Protected: the second factor is asked for, then taken from the last parameter.
    let e = d.call_err("personalAccessTokens:generateToken", json!([{"tokenName": "ci"}]), json!("totp-required"));
    assert_eq!(e["details"]["method"], "password");
    let f = json!({"twoFactorCode": "nope", "twoFactorMethod": "password"});
    d.call_err("personalAccessTokens:generateToken", json!([{"tokenName": "ci"}, f]), json!("totp-invalid"));
    let f = json!({"twoFactorCode": pass, "twoFactorMethod": "password"});
    let token =
        d.call_ok("personalAccessTokens:generateToken", json!([{"tokenName": "ci", "bypassTwoFactor": true}, f]));
    let token = token.as_str().unwrap().to_string();
    assert_eq!(with_token(&s, bob.user_id(), &token).get("/api/v1/me").status, 200);
    let list = assert_ok(&bob.get("/api/v1/users.getPersonalAccessTokens"))["tokens"].clone();
    assert_eq!(list[0]["bypassTwoFactor"], true);
    // Through callWithTwoFactorRequired.
    let wrapped = json!([{"code": pass, "method": "password", "ddpMethod": "personalAccessTokens:regenerateToken",
                           "params": [{"tokenName": "ci"}]}]);
    let fresh = d.call_ok("callWithTwoFactorRequired", wrapped);
    assert_eq!(with_token(&s, bob.user_id(), &token).get("/api/v1/me").status, 401);
    let fresh = fresh.as_str().unwrap().to_string();
    // A connection logged in with a bypassing token needs no code.
    let pat_api = with_token(&s, bob.user_id(), &fresh);
    let mut p = Ddp::resume(&pat_api);
    p.call_ok("personalAccessTokens:generateToken", json!([{"tokenName": "more"}]));
    let r = p.call("personalAccessTokens:removeToken", json!([{"tokenName": "more"}]));
    assert!(r.get("error").is_none() && r.get("result").is_none(), "{r}");
    p.call_err(
        "personalAccessTokens:removeToken",
        json!([{"tokenName": "more"}]),
        json!("error-token-does-not-exists"),
    );
    // Bad input.
    p.call_err("personalAccessTokens:generateToken", json!([{"tokenName": 5}]), json!(400));
    p.call_err("personalAccessTokens:generateToken", json!(["ci"]), json!(400));

    // removeOtherTokens over DDP and over method.call.
    let other = s.login("bob", "Passw0rd!x");
    let r = p.call("removeOtherTokens", json!([]));
    assert!(r.get("error").is_none(), "{r}");
    assert_eq!(other.get("/api/v1/me").status, 401);
    assert_eq!(bob.get("/api/v1/me").status, 401);
    assert_eq!(pat_api.get("/api/v1/me").status, 200);
    let again = s.login("bob", "Passw0rd!x");
    let later = s.login("bob", "Passw0rd!x");
    let frame = json!({"msg": "method", "id": "1", "method": "removeOtherTokens", "params": []}).to_string();
    let res = again.post("/api/v1/method.call/removeOtherTokens", json!({"message": frame}));
    let answer: Value = serde_json::from_str(assert_ok(&res)["message"].as_str().unwrap()).unwrap();
    assert!(answer.get("error").is_none(), "{answer}");
    assert_eq!(later.get("/api/v1/me").status, 401);
    assert_eq!(again.get("/api/v1/me").status, 200);

    // Logged out: refused.
    let mut anon = Ddp::connect(&s);
    anon.call_err("personalAccessTokens:generateToken", json!([{"tokenName": "x"}]), json!("error-invalid-user"));
    anon.call_err("removeOtherTokens", json!([]), json!("error-invalid-user"));
}
