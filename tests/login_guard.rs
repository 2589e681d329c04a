//! Brute-force protection of password logins (`Block_Multiple_Failed_Logins_*`): one count per
//! account and per address, shared by REST `login`, `method.callAnon/login` and DDP `login`.

use serde_json::{Value, json};

use crate::common::ddp::Ddp;
use crate::common::*;

const PASSWORD: &str = "Passw0rd!x";

/// A REST login attempt: the status and the body.
fn rest_login(server: &Server, user: &str, password: &str) -> (u16, Value) {
    let res = server.anon().post("/api/v1/login", json!({"user": user, "password": password}));
    (res.status, res.body)
}

/// A `method.callAnon/login` attempt: the DDP result frame.
fn method_call_login(server: &Server, user: &str, password: &str) -> Value {
    let frame = json!({"msg": "method", "id": "1", "method": "login",
        "params": [{"user": {"username": user}, "password": password}]});
    let res = server.anon().post("/api/v1/method.callAnon/login", json!({"message": frame.to_string()}));
    assert_eq!(res.status, 200, "{}", res.body);
    serde_json::from_str(res.body["message"].as_str().unwrap()).unwrap()
}

/// A DDP `login` attempt on a fresh socket: the result frame.
fn ddp_login(server: &Server, user: &str, password: &str) -> Value {
    let mut ddp = Ddp::connect(server);
    ddp.call("login", json!([{"user": {"username": user}, "password": password}]))
}

#[test]
fn failed_logins_block_the_account_on_every_path() {
    let server = Server::start_with(
        Options::default()
            .env("OVERWRITE_SETTING_Block_Multiple_Failed_Logins_Attempts_Until_Block_by_User", "3")
            .env("OVERWRITE_SETTING_Block_Multiple_Failed_Logins_Attempts_Until_Block_By_Ip", "1000"),
    );
    server.user("victim");
    server.user("bystander");
    // Two failures, then a success: the count starts again.
    for _ in 0..2 {
        assert_eq!(rest_login(&server, "victim", "wrong").0, 401);
    }
    assert_eq!(rest_login(&server, "victim", PASSWORD).0, 200);
    // Three failures on three paths block the account.
    assert_eq!(rest_login(&server, "victim", "wrong").0, 401);
    assert!(method_call_login(&server, "victim", "wrong").get("error").is_some());
    assert!(ddp_login(&server, "victim", "wrong").get("error").is_some());
    // Now even the right password is refused, on every path, with upstream's error.
    let (status, body) = rest_login(&server, "victim", PASSWORD);
    assert_eq!(status, 401);
    assert_eq!(body["status"], "error");
    assert_eq!(body["error"], "error-login-blocked-for-user");
    assert_eq!(body["message"], "Login has been temporarily blocked For User");
    assert_eq!(method_call_login(&server, "victim", PASSWORD)["error"]["error"], "error-login-blocked-for-user");
    assert_eq!(ddp_login(&server, "victim", PASSWORD)["error"]["error"], "error-login-blocked-for-user");
    // Other accounts are not affected.
    assert_eq!(rest_login(&server, "bystander", PASSWORD).0, 200);
}

#[test]
fn failed_logins_block_the_address_unless_it_is_trusted() {
    let server = Server::start_with(
        Options::default()
            .env("OVERWRITE_SETTING_Block_Multiple_Failed_Logins_Attempts_Until_Block_By_Ip", "3")
            .env("OVERWRITE_SETTING_Block_Multiple_Failed_Logins_Attempts_Until_Block_by_User", "1000"),
    );
    let admin = server.admin();
    // Guesses at three accounts, two of which do not exist.
    for user in ["ghost-1", "ghost-2", ADMIN_USER] {
        assert_eq!(rest_login(&server, user, "wrong").0, 401);
    }
    let (status, body) = rest_login(&server, ADMIN_USER, ADMIN_PASS);
    assert_eq!((status, body["error"].as_str()), (401, Some("error-login-blocked-for-ip")));
    assert_eq!(ddp_login(&server, ADMIN_USER, ADMIN_PASS)["error"]["error"], "error-login-blocked-for-ip");
    // A session that already exists keeps working; trusting the address lifts the block.
    let res = admin
        .post("/api/v1/settings/Block_Multiple_Failed_Logins_Ip_Whitelist", json!({"value": "10.0.0.1, 127.0.0.1"}));
    assert_ok(&res);
    assert_eq!(rest_login(&server, ADMIN_USER, ADMIN_PASS).0, 200);
}
