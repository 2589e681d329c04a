//! Two-factor authentication: TOTP enrolment (the `2fa:*` methods, over DDP and `method.call`),
//! backup codes, email codes (`users.2fa.*`, codes read from a real SMTP server), login with a second
//! factor, and the `X-2fa-code` / `X-2fa-method` flow on protected REST endpoints.

use serde_json::{Value, json};

use crate::common::ddp::Ddp;
use crate::common::*;
use crate::tokens::{post_2fa, sha256_hex, strict_server};

fn mail_server() -> Server {
    Server::start_with(Options::default().mail())
}

pub fn totp_now(secret: &str) -> String {
    let bytes = totp_rs::Secret::Encoded(secret.to_string()).to_bytes().unwrap();
    totp_rs::TOTP::new_unchecked(totp_rs::Algorithm::SHA1, 6, 1, 30, bytes, None, String::new())
        .generate_current()
        .unwrap()
}

fn login(s: &Server, user: &str, code: Option<&str>) -> Res {
    let mut body = json!({"user": user, "password": "Passw0rd!x"});
    if let Some(code) = code {
        body["code"] = json!(code);
    }
    s.anon().post("/api/v1/login", body)
}

/// Waits for the `n`th mail to `to` and returns the code it carries, as shown (`123-456`).
/// Mail goes out in order: once it is here, every earlier mail is too, and exactly `n` came.
fn code_in_mail(s: &Server, to: &str, n: usize) -> String {
    let mails = s.mails().wait(to, n);
    assert_eq!(mails.len(), n, "{mails:?}");
    let mail = &mails[n - 1];
    assert_eq!(mail["subject"], "Authentication code");
    let text = mail["text"].as_str().unwrap();
    let code = text.split_whitespace().find(|w| w.len() == 7 && w.as_bytes()[3] == b'-').expect("a code");
    code.to_string()
}

/// Starts TOTP for `api` over DDP; returns the secret and the backup codes.
pub fn enrol_totp(api: &Api) -> (String, Vec<String>) {
    let mut d = Ddp::resume(api);
    let started = d.call_ok("2fa:enable", json!([]));
    let secret = started["secret"].as_str().unwrap().to_string();
    let codes = d.call_ok("2fa:validateTempToken", json!([totp_now(&secret)]))["codes"].clone();
    (secret, codes.as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_string()).collect())
}

fn verify_email(s: &Server, user_id: &str) {
    let res = s.admin().post("/api/v1/users.update", json!({"userId": user_id, "data": {"verified": true}}));
    assert_ok(&res);
}

#[test]
fn totp_enrolment_backup_codes_and_login() {
    let s = Server::start();
    let bob = s.user("bob");
    let other_session = s.login("bob", "Passw0rd!x");
    let mut d = Ddp::resume(&bob);
    d.call_err("2fa:checkCodesRemaining", json!([]), json!("invalid-totp"));
    d.call_err("2fa:validateTempToken", json!(["123456"]), json!("invalid-totp"));
    let started = d.call_ok("2fa:enable", json!([]));
    let secret = started["secret"].as_str().unwrap().to_string();
    let url = started["url"].as_str().unwrap();
    assert!(url.starts_with("otpauth://totp/Orbit%3Abob?secret="), "{url}");
    assert!(url.ends_with(&secret));
    // Not active until confirmed: login still works without a code.
    assert_eq!(login(&s, "bob", None).status, 200);
    d.call_err("2fa:validateTempToken", json!(["000000"]), json!("invalid-totp"));
    d.call_err("2fa:validateTempToken", json!([5]), json!(400));
    let codes = d.call_ok("2fa:validateTempToken", json!([totp_now(&secret)]))["codes"].clone();
    let codes: Vec<String> = codes.as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_string()).collect();
    assert_eq!(codes.len(), 12);
    assert!(codes.iter().all(|c| c.len() == 8));
    // Enabling ends the other sessions, not this one.
    assert_eq!(other_session.get("/api/v1/me").status, 401);
    assert_eq!(bob.get("/api/v1/me").status, 200);
    d.call_err("2fa:enable", json!([]), json!("error-2fa-already-enabled"));
    d.call_err("2fa:validateTempToken", json!([totp_now(&secret)]), json!("invalid-totp"));
    assert_eq!(d.call_ok("2fa:checkCodesRemaining", json!([])), json!({"remaining": 12}));

    // Logging in now needs a code.
    let res = login(&s, "bob", None);
    assert_eq!(res.status, 401);
    assert_eq!(res.body["error"], "totp-required");
    assert_eq!(res.body["details"]["method"], "totp");
    assert_eq!(res.body["details"]["availableMethods"], json!(["totp"]));
    let res = login(&s, "bob", Some("000000"));
    assert_eq!((res.status, res.body["error"].as_str()), (401, Some("totp-invalid")));
    // The code may also come in the X-2fa-code header, as clients of protected endpoints send it.
    let rb = s
        .http
        .post(s.url("/api/v1/login"))
        .header("X-2fa-code", totp_now(&secret))
        .json(&json!({"user": "bob", "password": "Passw0rd!x"}));
    assert_eq!(s.anon().send(rb).status, 200);
    let res = login(&s, "bob", Some(&totp_now(&secret)));
    assert_eq!(res.status, 200, "{}", res.body);
    // Over DDP too.
    let mut c = Ddp::connect(&s);
    let creds =
        json!({"user": {"username": "bob"}, "password": {"digest": sha256_hex("Passw0rd!x"), "algorithm": "sha-256"}});
    c.call_err("login", json!([creds]), json!("totp-required"));
    let r = c.call_ok("login", json!([{"totp": {"login": creds, "code": totp_now(&secret)}}]));
    assert_eq!(r["id"], bob.user_id());
    // A backup code works once.
    assert_eq!(login(&s, "bob", Some(&codes[0])).status, 200);
    assert_eq!(login(&s, "bob", Some(&codes[0])).status, 401);
    assert_eq!(d.call_ok("2fa:checkCodesRemaining", json!([])), json!({"remaining": 11}));

    // New backup codes replace the old ones; a wrong code gives no result.
    let r = d.call("2fa:regenerateCodes", json!(["000000"]));
    assert!(r.get("error").is_none() && r.get("result").is_none(), "{r}");
    let fresh = d.call_ok("2fa:regenerateCodes", json!([totp_now(&secret)]))["codes"].clone();
    assert_eq!(fresh.as_array().unwrap().len(), 12);
    assert_eq!(login(&s, "bob", Some(&codes[1])).status, 401);
    assert_eq!(login(&s, "bob", Some(fresh[0].as_str().unwrap())).status, 200);

    // Switching two-factor authentication off server-wide lets the password alone in.
    crate::channels::set_setting(&s, "Accounts_TwoFactorAuthentication_Enabled", json!(false));
    assert_eq!(login(&s, "bob", None).status, 200);
    crate::channels::set_setting(&s, "Accounts_TwoFactorAuthentication_Enabled", json!(true));
    crate::channels::set_setting(&s, "Accounts_TwoFactorAuthentication_By_TOTP_Enabled", json!(false));
    assert_eq!(login(&s, "bob", None).status, 200);
    crate::channels::set_setting(&s, "Accounts_TwoFactorAuthentication_By_TOTP_Enabled", json!(true));

    // Disabling needs a valid code (a backup code works); a wrong one answers false.
    assert_eq!(d.call_ok("2fa:disable", json!(["123456"])), json!(false));
    assert_eq!(login(&s, "bob", None).status, 401);
    assert_eq!(d.call_ok("2fa:disable", json!([fresh[1].as_str().unwrap()])), json!(true));
    assert_eq!(login(&s, "bob", None).status, 200);
    assert_eq!(d.call_ok("2fa:disable", json!([totp_now(&secret)])), json!(false));
    d.call_err("2fa:checkCodesRemaining", json!([]), json!("invalid-totp"));
    d.call_err("2fa:regenerateCodes", json!(["123456"]), json!("invalid-totp"));

    // Logged out: refused.
    let mut anon = Ddp::connect(&s);
    for m in ["2fa:enable", "2fa:checkCodesRemaining"] {
        anon.call_err(m, json!([]), json!("error-invalid-user"));
    }
    anon.call_err("2fa:validateTempToken", json!(["123456"]), json!("error-invalid-user"));
}

#[test]
fn totp_methods_over_method_call() {
    let s = Server::start();
    let bob = s.user("bob");
    let call = |name: &str, params: Value| -> Value {
        let frame = json!({"msg": "method", "id": "7", "method": name, "params": params}).to_string();
        let res = bob.post(&format!("/api/v1/method.call/{name}"), json!({"message": frame}));
        serde_json::from_str(assert_ok(&res)["message"].as_str().unwrap()).unwrap()
    };
    let started = call("2fa:enable", json!([]));
    let secret = started["result"]["secret"].as_str().unwrap().to_string();
    let wrong = call("2fa:validateTempToken", json!(["000000"]));
    assert_eq!(wrong["error"]["error"], "invalid-totp");
    let done = call("2fa:validateTempToken", json!([totp_now(&secret)]));
    assert_eq!(done["result"]["codes"].as_array().unwrap().len(), 12);
    assert_eq!(call("2fa:checkCodesRemaining", json!([]))["result"], json!({"remaining": 12}));
    assert_eq!(login(&s, "bob", None).status, 401);
    // Anonymous method.callAnon is refused.
    let frame = json!({"msg": "method", "id": "8", "method": "2fa:enable", "params": []}).to_string();
    let res = s.anon().post("/api/v1/method.callAnon/2fa:enable", json!({"message": frame}));
    let answer: Value = serde_json::from_str(assert_ok(&res)["message"].as_str().unwrap()).unwrap();
    assert_eq!(answer["error"]["error"], "error-invalid-user");
}

#[test]
fn protected_rest_endpoints_take_the_totp_code() {
    let s = strict_server();
    let bob = s.user("bob");
    let (secret, backup) = enrol_totp(&bob);
    let path = "/api/v1/users.generatePersonalAccessToken";
    let res = bob.post(path, json!({"tokenName": "x"}));
    assert_error(&res, 400, "totp-required");
    assert_eq!(res.body["details"], json!({"method": "totp", "codeGenerated": false, "availableMethods": ["totp"]}));
    // The password is no longer accepted: the method falls back to TOTP.
    let res = post_2fa(&bob, path, json!({"tokenName": "x"}), &sha256_hex("Passw0rd!x"), "password");
    assert_error(&res, 400, "totp-invalid");
    assert_eq!(res.body["details"]["method"], "totp");
    let res = post_2fa(&bob, path, json!({"tokenName": "x"}), "123456", "totp");
    assert_error(&res, 400, "totp-invalid");
    // Asking for email, which bob has not set up, is invalid too.
    let res = post_2fa(&bob, path, json!({"tokenName": "x"}), "123456", "email");
    assert_error(&res, 400, "totp-invalid");
    assert_eq!(res.body["details"]["method"], "email");
    assert_ok(&post_2fa(&bob, path, json!({"tokenName": "x"}), &totp_now(&secret), "totp"));
    // A backup code, once.
    assert_ok(&post_2fa(&bob, path, json!({"tokenName": "y", "bypassTwoFactor": true}), &backup[0], "totp"));
    assert_error(&post_2fa(&bob, path, json!({"tokenName": "z"}), &backup[0], "totp"), 400, "totp-invalid");
    // A token made with bypassTwoFactor skips the check; one without does not.
    let res = post_2fa(
        &bob,
        "/api/v1/users.regeneratePersonalAccessToken",
        json!({"tokenName": "y"}),
        &totp_now(&secret),
        "totp",
    );
    let bypass =
        Api { server: &s, auth: Some((bob.user_id().to_string(), assert_ok(&res)["token"].as_str().unwrap().into())) };
    assert_ok(&bypass.post(path, json!({"tokenName": "from-bypass"})));
    assert_ok(&bypass.post("/api/v1/users.removePersonalAccessToken", json!({"tokenName": "from-bypass"})));
    let res = post_2fa(
        &bob,
        "/api/v1/users.regeneratePersonalAccessToken",
        json!({"tokenName": "x"}),
        &totp_now(&secret),
        "totp",
    );
    let plain =
        Api { server: &s, auth: Some((bob.user_id().to_string(), assert_ok(&res)["token"].as_str().unwrap().into())) };
    assert_error(&plain.post(path, json!({"tokenName": "from-plain"})), 400, "totp-required");
}

#[test]
fn email_codes_as_a_second_factor() {
    let s = mail_server();
    let bob_mail = "bob@example.com";
    let bob = s.user("bob");
    // Only verified addresses may receive codes.
    let res = bob.post("/api/v1/users.2fa.enableEmail", json!({}));
    assert_error(&res, 400, "error-invalid-user");
    verify_email(&s, bob.user_id());
    let other_session = s.login("bob", "Passw0rd!x");
    // The endpoint index of the reference documents spells it with a hyphen.
    assert_ok(&bob.post("/api/v1/users.2fa.enable-email", json!({})));
    assert_eq!(other_session.get("/api/v1/me").status, 401);

    // Login asks for the code and mails it.
    let res = login(&s, "bob", None);
    assert_eq!((res.status, res.body["error"].as_str()), (401, Some("totp-required")));
    let details = &res.body["details"];
    assert_eq!(details["method"], "email");
    assert_eq!(details["codeGenerated"], true);
    assert_eq!(details["emailOrUsername"], "bob");
    assert_eq!(details["availableMethods"], json!(["email"]));
    // The first mail (enabling sent none).
    let code = code_in_mail(&s, bob_mail, 1);
    // Asking again while that code is pending sends nothing new.
    let res = login(&s, "bob", None);
    assert_eq!(res.body["details"]["codeGenerated"], false);
    assert!(res.body["details"]["codeExpires"].as_str().unwrap().ends_with('Z'));
    let res = login(&s, "bob", Some("000000"));
    assert_eq!((res.status, res.body["error"].as_str()), (401, Some("totp-invalid")));
    // The code as mailed (with its dash) works, once.
    assert_eq!(login(&s, "bob", Some(&code)).status, 200);
    // Used up; as upstream, a request without a pending code mails a new one.
    assert_eq!(login(&s, "bob", Some(&code)).status, 401);
    // Mail 2: asking again while the first was pending sent nothing.
    code_in_mail(&s, bob_mail, 2);

    // users.2fa.sendEmailCode mails a new code, by username or address; the same answer for
    // unknown users; the parameter is required.
    assert_ok(&s.anon().post("/api/v1/users.2fa.sendEmailCode", json!({"emailOrUsername": "bob@example.com"})));
    let second = code_in_mail(&s, bob_mail, 3);
    assert_ok(&s.anon().post("/api/v1/users.2fa.sendEmailCode", json!({"emailOrUsername": "bob"})));
    let third = code_in_mail(&s, bob_mail, 4);
    let mut sent = 4;
    // Only the latest code is valid.
    if second != third {
        assert_eq!(login(&s, "bob", Some(&second)).status, 401);
        assert_ok(&s.anon().post("/api/v1/users.2fa.sendEmailCode", json!({"emailOrUsername": "bob"})));
        sent += 1;
    }
    let current = code_in_mail(&s, bob_mail, sent);
    assert_ok(&s.anon().post("/api/v1/users.2fa.sendEmailCode", json!({"emailOrUsername": "nobody"})));
    assert_ok(&s.anon().post("/api/v1/users.2fa.sendEmailCode", json!({"emailOrUsername": "no@where.com"})));
    let res = s.anon().post("/api/v1/users.2fa.sendEmailCode", json!({}));
    assert_error(&res, 400, "error-parameter-required");
    assert_eq!(res.body["error"], "emailOrUsername is required [error-parameter-required]");
    assert_eq!(login(&s, "bob", Some(&current.replace('-', ""))).status, 200);

    // Too many wrong codes: totp-max-attempts, and the next request mails a fresh code.
    assert_ok(&s.anon().post("/api/v1/users.2fa.sendEmailCode", json!({"emailOrUsername": "bob"})));
    sent += 1;
    let burned = code_in_mail(&s, bob_mail, sent);
    for _ in 0..4 {
        assert_eq!(login(&s, "bob", Some("999999")).body["error"], "totp-invalid");
    }
    assert_eq!(login(&s, "bob", Some("999999")).body["error"], "totp-max-attempts");
    let res = login(&s, "bob", None);
    assert_eq!(res.body["details"]["codeGenerated"], true);
    sent += 1;
    let fresh = code_in_mail(&s, bob_mail, sent);
    if fresh != burned {
        assert_eq!(login(&s, "bob", Some(&burned)).status, 401);
        let res = login(&s, "bob", None);
        assert_eq!(res.body["details"]["codeGenerated"], false);
    }
    assert_eq!(login(&s, "bob", Some(&fresh)).status, 200);

    // Email codes switched off server-wide: the password alone logs in.
    crate::channels::set_setting(&s, "Accounts_TwoFactorAuthentication_By_Email_Enabled", json!(false));
    assert_eq!(login(&s, "bob", None).status, 200);
    crate::channels::set_setting(&s, "Accounts_TwoFactorAuthentication_By_Email_Enabled", json!(true));

    // Disabling needs a code even for a fresh account (never remembered).
    let res = bob.post("/api/v1/users.2fa.disableEmail", json!({}));
    assert_error(&res, 400, "totp-required");
    assert_eq!(res.body["details"]["method"], "email");
    sent += 1;
    let code = code_in_mail(&s, bob_mail, sent);
    assert_error(&post_2fa(&bob, "/api/v1/users.2fa.disableEmail", json!({}), "111111", "email"), 400, "totp-invalid");
    assert_ok(&post_2fa(&bob, "/api/v1/users.2fa.disableEmail", json!({}), &code, "email"));
    assert_eq!(login(&s, "bob", None).status, 200);
    // Logged out: refused.
    assert_eq!(s.anon().post("/api/v1/users.2fa.enableEmail", json!({})).status, 401);
    assert_eq!(s.anon().post("/api/v1/users.2fa.disableEmail", json!({})).status, 401);
}

#[test]
fn email_and_totp_together() {
    let s = strict_server();
    let bob = s.user("bob");
    verify_email(&s, bob.user_id());
    let (secret, _) = enrol_totp(&bob);
    assert_ok(&bob.post("/api/v1/users.2fa.enableEmail", json!({})));
    let path = "/api/v1/users.generatePersonalAccessToken";
    // TOTP comes first; email is there on request.
    let res = bob.post(path, json!({"tokenName": "a"}));
    assert_eq!(res.body["details"]["method"], "totp");
    assert_eq!(res.body["details"]["availableMethods"], json!(["totp", "email"]));
    let res = post_2fa(&bob, path, json!({"tokenName": "a"}), "", "email");
    assert_error(&res, 400, "totp-required");
    assert_eq!(res.body["details"]["method"], "email");
    assert_eq!(res.body["details"]["codeGenerated"], true);
    // The first mail: the TOTP prompt before sent none.
    let code = code_in_mail(&s, "bob@example.com", 1);
    assert_ok(&post_2fa(&bob, path, json!({"tokenName": "a"}), &code, "email"));
    assert_ok(&post_2fa(&bob, path, json!({"tokenName": "b"}), &totp_now(&secret), "totp"));
    // Login takes the first method's code.
    assert_eq!(login(&s, "bob", Some(&totp_now(&secret))).status, 200);
}

#[test]
fn reset_totp_of_oneself_and_of_others() {
    let s = mail_server();
    let admin = s.admin();
    let admin_pass = sha256_hex(ADMIN_PASS);
    let bob = s.user("bob");
    verify_email(&s, bob.user_id());
    enrol_totp(&bob);
    // (A fresh account is trusted for ordinary protected actions.)
    let res = bob.post("/api/v1/users.generatePersonalAccessToken", json!({"tokenName": "ci"}));
    let pat =
        Api { server: &s, auth: Some((bob.user_id().to_string(), assert_ok(&res)["token"].as_str().unwrap().into())) };

    // Never remembered: the admin's password is asked for even on a fresh server.
    let path = "/api/v1/users.resetTOTP";
    let res = admin.post(path, json!({"userId": bob.user_id()}));
    assert_error(&res, 400, "totp-required");
    assert_eq!(res.body["details"]["method"], "password");
    // Others may not reset it.
    let alice = s.user("alice");
    let res = post_2fa(&alice, path, json!({"username": "bob"}), &sha256_hex("Passw0rd!x"), "password");
    assert_error(&res, 400, "error-not-allowed");
    let res = post_2fa(&admin, path, json!({"userId": "nobody"}), &admin_pass, "password");
    assert_error(&res, 400, "error-invalid-user-id");
    assert_eq!(login(&s, "bob", None).status, 401);

    assert_ok(&post_2fa(&admin, path, json!({"username": "bob"}), &admin_pass, "password"));
    // Bob is told, logged out everywhere (tokens too), and logs in with the password alone.
    let mail = s.mails().wait("bob@example.com", 1).pop().expect("a notice");
    assert_eq!(mail["subject"], "TOTP reset");
    assert_eq!(bob.get("/api/v1/me").status, 401);
    assert_eq!(pat.get("/api/v1/me").status, 401);
    assert_eq!(login(&s, "bob", None).status, 200);

    // Resetting one's own needs the current second factor.
    let bob = s.login("bob", "Passw0rd!x");
    let (secret, _) = enrol_totp(&bob);
    assert_error(&bob.post(path, json!({})), 400, "totp-required");
    assert_error(&post_2fa(&bob, path, json!({}), "000000", "totp"), 400, "totp-invalid");
    assert_ok(&post_2fa(&bob, path, json!({}), &totp_now(&secret), "totp"));
    assert_eq!(bob.get("/api/v1/me").status, 401);
    assert_eq!(login(&s, "bob", None).status, 200);
    assert_eq!(s.anon().post(path, json!({})).status, 401);
}
