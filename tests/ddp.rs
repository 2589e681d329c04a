//! The DDP transport: handshake, ping/pong, frame errors, limits, login forms, 2FA, methods and
//! the REST `method.call` bridge.

use serde_json::{Value, json};

use crate::common::ddp::Ddp;
use crate::common::*;

fn digest(pass: &str) -> Value {
    json!({"digest": orbit::ids::sha256_hex(pass), "algorithm": "sha-256"})
}

#[test]
fn handshake_versions_and_failed() {
    let s = Server::start();
    for version in ["1", "pre2", "pre1"] {
        let mut d = Ddp::open(&s);
        d.send(json!({"msg": "connect", "version": version, "support": [version]}));
        let c = d.wait(|f| f["msg"] == "connected");
        assert_eq!(c["session"].as_str().unwrap().len(), 17, "{c}");
    }
    // No `support` list: the proposed version alone.
    let mut d = Ddp::open(&s);
    d.send(json!({"msg": "connect", "version": "1"}));
    d.wait(|f| f["msg"] == "connected");
    // Connecting twice is an error, the connection stays usable.
    d.send(json!({"msg": "connect", "version": "1"}));
    let e = d.wait(|f| f["msg"] == "error");
    assert_eq!(e["reason"], "Already connected");
    d.call_ok("public-settings/get", json!([]));

    let mut d = Ddp::open(&s);
    d.send(json!({"msg": "connect", "version": "2", "support": ["2"]}));
    let f = d.wait(|f| f["msg"] == "failed");
    assert_eq!(f["version"], "1");
    d.expect_closed();

    // The client prefers a version the server speaks over the one it proposed: failed with it.
    let mut d = Ddp::open(&s);
    d.send(json!({"msg": "connect", "version": "pre1", "support": ["1", "pre1"]}));
    assert_eq!(d.wait(|f| f["msg"] == "failed")["version"], "1");

    // The SockJS raw WebSocket path speaks the same protocol.
    let mut d = Ddp::open_path(&s, "/sockjs/123/abcdefgh/websocket");
    d.send(json!({"msg": "connect", "version": "1", "support": ["1"]}));
    d.wait(|f| f["msg"] == "connected");
}

#[test]
fn ping_pong_both_ways_and_silent_clients_are_closed() {
    let s = Server::start_with(
        Options::default()
            .env("OVERWRITE_SETTING_Orbit_DDP_Heartbeat_Interval_Ms", "500")
            .env("OVERWRITE_SETTING_Orbit_DDP_Heartbeat_Timeout_Ms", "500"),
    );
    let mut d = Ddp::connect(&s);
    d.send(json!({"msg": "ping", "id": "p1"}));
    assert_eq!(d.wait(|f| f["msg"] == "pong"), json!({"msg": "pong", "id": "p1"}));
    d.send(json!({"msg": "ping"}));
    assert_eq!(d.wait(|f| f["msg"] == "pong"), json!({"msg": "pong"}));

    // A silent client gets pinged, then closed; one that answers pings stays connected across
    // several heartbeat periods.
    let mut silent = Ddp::connect(&s);
    silent.auto_pong = false;
    let mut live = Ddp::connect(&s);
    let nothing = live.wait_for(|f| f["msg"] == "never", std::time::Duration::from_millis(2500));
    assert!(nothing.is_none());
    let r = live.call_ok("public-settings/get", json!([]));
    assert!(r.is_array());
    assert!(!live.is_closed());
    // The silent one's frames are already buffered: a ping, then the close.
    let ping = silent.wait(|f| f["msg"] == "ping");
    assert_eq!(ping, json!({"msg": "ping"}));
    silent.expect_closed();
}

#[test]
fn malformed_frames_get_top_level_errors() {
    let s = Server::start();
    let mut d = Ddp::open(&s);
    // Before connect.
    d.send(json!({"msg": "method", "id": "1", "method": "public-settings/get", "params": []}));
    let e = d.wait(|f| f["msg"] == "error");
    assert_eq!(e["reason"], "Must connect first");
    assert_eq!(e["offendingMessage"]["id"], "1");
    d.send(json!({"msg": "connect", "version": "1", "support": ["1"]}));
    d.wait(|f| f["msg"] == "connected");

    d.send_raw("{this is not json");
    let e = d.wait(|f| f["msg"] == "error");
    assert_eq!(e["reason"], "Parse error");
    assert!(e["offendingMessage"].is_string());

    d.send(json!({"msg": "bogus", "id": "x"}));
    let e = d.wait(|f| f["msg"] == "error");
    assert_eq!(e["reason"], "Bad request");
    assert_eq!(e["offendingMessage"], json!({"msg": "bogus", "id": "x"}));

    d.send(json!({"id": "no-msg"}));
    assert_eq!(d.wait(|f| f["msg"] == "error")["reason"], "Bad request");
    d.send(json!([1, 2]));
    assert_eq!(d.wait(|f| f["msg"] == "error")["reason"], "Bad request");

    d.send(json!({"msg": "method", "id": 5, "method": "login"}));
    assert_eq!(d.wait(|f| f["msg"] == "error")["reason"], "Malformed method invocation");
    d.send(json!({"msg": "method", "id": "5", "method": "login", "params": {"a": 1}}));
    assert_eq!(d.wait(|f| f["msg"] == "error")["reason"], "Malformed method invocation");
    d.send(json!({"msg": "sub", "id": "s", "params": []}));
    assert_eq!(d.wait(|f| f["msg"] == "error")["reason"], "Malformed subscription");
    d.send_binary(vec![0, 1, 2]);
    assert_eq!(d.wait(|f| f["msg"] == "error")["reason"], "Bad request");

    // Unknown method: a result with a 404 Meteor.Error, followed by `updated`.
    let id = d.id();
    d.send(json!({"msg": "method", "id": id, "method": "noSuchMethod", "params": []}));
    let r = d.wait(|f| f["msg"] == "result");
    assert_eq!(r["id"], id.as_str());
    assert_eq!(r["error"]["error"], 404);
    assert_eq!(r["error"]["reason"], "Method 'noSuchMethod' not found");
    assert_eq!(r["error"]["message"], "Method 'noSuchMethod' not found [404]");
    let u = d.wait(|f| f["msg"] == "updated");
    assert_eq!(u["methods"], json!([id]));

    // Wrong parameter types: Match failed.
    d.call_err("login", json!(["not-an-object"]), json!(400));

    // Unknown subscription, unsub of an unknown id.
    let (_, f) = d.sub("no-such-stream", json!(["x", false]));
    assert_eq!(f["msg"], "nosub");
    assert_eq!(f["error"]["error"], 404);
    d.send(json!({"msg": "unsub", "id": "never"}));
    assert_eq!(d.wait(|f| f["msg"] == "nosub"), json!({"msg": "nosub", "id": "never"}));
    // Still alive after all that.
    d.call_ok("public-settings/get", json!([]));
}

#[test]
fn login_forms_pipelined_resume_and_logout() {
    let s = Server::start();
    let bob = s.user("bob");
    // Pipelined: connect and login without waiting for `connected`.
    let mut d = Ddp::open(&s);
    d.send(json!({"msg": "connect", "version": "1", "support": ["1"]}));
    d.send(json!({"msg": "method", "id": "l1", "method": "login",
        "params": [{"user": {"username": "bob"}, "password": digest("Passw0rd!x")}]}));
    d.send(json!({"msg": "method", "id": "l2", "method": "getUserRoles", "params": []}));
    let first = d.wait(|_| true);
    assert_eq!(first["msg"], "connected", "frames must come in order");
    let r = d.wait(|f| f["msg"] == "result" && f["id"] == "l1");
    let res = &r["result"];
    assert_eq!(res["id"], bob.user_id());
    assert_eq!(res["type"], "password");
    assert_eq!(res["token"].as_str().unwrap().len(), 43);
    assert!(res["tokenExpires"]["$date"].as_i64().unwrap() > 1_600_000_000_000);
    // The method after login runs logged in.
    let r2 = d.wait(|f| f["msg"] == "result" && f["id"] == "l2");
    assert!(r2.get("error").is_none(), "{r2}");
    let token = res["token"].as_str().unwrap().to_string();

    // Plain password by email.
    let mut e = Ddp::connect(&s);
    let r = e.call_ok("login", json!([{"user": {"email": "bob@example.com"}, "password": "Passw0rd!x"}]));
    assert_eq!(r["id"], bob.user_id());

    // Resume with the token from the first login, and the token works over REST too.
    let mut f = Ddp::connect(&s);
    let r = f.call_ok("login", json!([{"resume": token}]));
    assert_eq!(r["type"], "resume");
    assert_eq!(r["token"], token.as_str());
    let rest = Api { server: &s, auth: Some((bob.user_id().to_string(), token.clone())) };
    assert_ok(&rest.get("/api/v1/me"));

    // Bad credentials: 403 Meteor.Error.
    let mut g = Ddp::connect(&s);
    let err = g.call_err("login", json!([{"user": {"username": "bob"}, "password": digest("wrong")}]), json!(403));
    assert!(err["message"].as_str().unwrap().ends_with("[403]"));
    g.call_err("login", json!([{"user": {"username": "nobody"}, "password": "x"}]), json!(403));
    g.call_err("login", json!([{"resume": "not-a-token"}]), json!(403));
    g.call_err("login", json!([{"oauth": {}}]), json!("error-invalid-login"));
    // Not logged in: methods that need a user refuse.
    g.call_err("getUserRoles", json!([]), json!("error-invalid-user"));

    // Logout ends the session: the token no longer works anywhere.
    d.call_ok("logout", json!([]));
    d.call_err("getUserRoles", json!([]), json!("error-invalid-user"));
    let res = rest.get("/api/v1/me");
    assert_eq!(res.status, 401);
    let mut h = Ddp::connect(&s);
    h.call_err("login", json!([{"resume": token}]), json!(403));
}

#[test]
fn revoked_token_logs_the_connection_out() {
    let s = Server::start();
    let bob = s.user("bob");
    let mut d = Ddp::resume(&bob);
    d.call_ok("getUserRoles", json!([]));
    // Logging out over REST deletes the token the socket resumed.
    assert_eq!(bob.post("/api/v1/logout", json!({})).body["status"], "success");
    d.call_err("getUserRoles", json!([]), json!("error-invalid-user"));
}

/// The digits of the `n`th mail to `to` (waiting for it).
fn code_in_mail(s: &Server, to: &str, n: usize) -> String {
    let mails = s.mails().wait(to, n);
    mails[n - 1]["text"].as_str().unwrap().chars().filter(char::is_ascii_digit).collect()
}

#[test]
fn two_factor_login_and_call_with_two_factor_required() {
    let s = Server::start_with(Options::default().mail());
    let mut admin = Ddp::login(&s, ADMIN_USER, ADMIN_PASS);
    assert_eq!(admin.call_ok("2fa:enable-email", json!([])), json!(true));

    let mut d = Ddp::connect(&s);
    let login = json!({"user": {"username": ADMIN_USER}, "password": digest(ADMIN_PASS)});
    let e = d.call_err("login", json!([login]), json!("totp-required"));
    assert_eq!(e["reason"], "TOTP Required");
    assert_eq!(e["details"]["method"], "email");
    assert_eq!(e["details"]["codeGenerated"], true);
    assert_eq!(e["message"], "TOTP Required [totp-required]");
    let code = code_in_mail(&s, "admin@example.com", 1);
    assert_eq!(code.len(), 6);
    d.call_err("login", json!([{"totp": {"login": login, "code": "000000x"}}]), json!("totp-invalid"));
    let r = d.call_ok("login", json!([{"totp": {"login": login, "code": code}}]));
    assert_eq!(r["type"], "password");

    // A method that needs a second factor: refused without, accepted through the wrapper.
    d.call_err("2fa:disable-email", json!([]), json!("totp-required"));
    let wrapped = json!([{"code": "999999", "ddpMethod": "2fa:disable-email", "method": "email", "params": []}]);
    d.call_err("callWithTwoFactorRequired", wrapped, json!("totp-invalid"));
    d.call_err("2fa:disable-email", json!([]), json!("totp-required"));
    let code2 = code_in_mail(&s, "admin@example.com", 2);
    assert_eq!(code2.len(), 6);
    let wrapped = json!([{"code": code2, "ddpMethod": "2fa:disable-email", "method": "email", "params": []}]);
    assert_eq!(d.call_ok("callWithTwoFactorRequired", wrapped), json!(true));
    // 2FA is off again: a plain login works.
    let mut e = Ddp::connect(&s);
    e.call_ok("login", json!([login]));

    // sendEmailCode works logged out and answers the user's addresses.
    let mut anon = Ddp::connect(&s);
    let r = anon.call_ok("sendEmailCode", json!([ADMIN_USER]));
    assert_eq!(r, json!(["admin@example.com"]));
    anon.call_err("sendEmailCode", json!(["nobody-here"]), json!("error-invalid-user"));
}

#[test]
fn settings_permissions_and_roles_methods() {
    let s = Server::start();
    let mut anon = Ddp::connect(&s);
    let settings = anon.call_ok("public-settings/get", json!([]));
    let list = settings.as_array().unwrap();
    let site = list.iter().find(|x| x["_id"] == "Site_Name").expect("Site_Name is public");
    assert_eq!(site["value"], "Orbit");
    assert!(site["_updatedAt"]["$date"].is_i64(), "{site}");
    assert!(!list.iter().any(|x| x["_id"] == "SMTP_Host"), "private settings are not listed");
    let since = anon.call_ok("public-settings/get", json!([{"$date": 0}]));
    assert!(since["update"].as_array().unwrap().len() == list.len());
    assert_eq!(since["remove"], json!([]));
    let later = anon.call_ok("public-settings/get", json!([{"$date": 4_102_444_800_000i64}]));
    assert_eq!(later["update"], json!([]));
    anon.call_err("permissions/get", json!([]), json!("error-invalid-user"));

    let mut bob = Ddp::resume(&s.user("bob"));
    let perms = bob.call_ok("permissions/get", json!([]));
    let create_c = perms.as_array().unwrap().iter().find(|p| p["_id"] == "create-c").expect("create-c");
    assert!(create_c["roles"].as_array().unwrap().contains(&json!("user")));
    assert!(create_c["_updatedAt"]["$date"].is_i64());
    let roles = bob.call_ok("getUserRoles", json!([]));
    let admin = roles.as_array().unwrap().iter().find(|u| u["username"] == ADMIN_USER).expect("admin listed");
    assert_eq!(admin["roles"], json!(["admin"]));
    assert!(!roles.as_array().unwrap().iter().any(|u| u["username"] == "bob"));
    // Private settings: only with a settings permission (others see the public ones).
    let visible = bob.call_ok("private-settings/get", json!([]));
    assert!(!visible.as_array().unwrap().iter().any(|x| x["_id"] == "SMTP_Host"));
    assert!(visible.as_array().unwrap().iter().any(|x| x["_id"] == "Site_Name"));
    let mut admin = Ddp::login(&s, ADMIN_USER, ADMIN_PASS);
    let all = admin.call_ok("private-settings/get", json!([]));
    assert!(all.as_array().unwrap().iter().any(|x| x["_id"] == "SMTP_Host"));
}

#[test]
fn rate_limits_oversized_frames_and_floods() {
    let s = Server::start_with(
        Options::default()
            .env("OVERWRITE_SETTING_Orbit_DDP_Max_Frames_Per_Second", "20")
            .env("OVERWRITE_SETTING_Orbit_DDP_Max_Frame_Bytes", "16384"),
    );
    let mut bystander = Ddp::connect(&s);

    // Per connection and method: 10 calls per 10 s, then too-many-requests.
    let mut d = Ddp::connect(&s);
    for _ in 0..10 {
        d.call_ok("public-settings/get", json!([{"$date": 4_102_444_800_000i64}]));
    }
    let e = d.call_err("public-settings/get", json!([]), json!("too-many-requests"));
    assert!(e["reason"].as_str().unwrap().starts_with("Error, too many requests"), "{e}");
    assert!(e["details"]["timeToReset"].as_u64().unwrap() > 0);
    // Other methods still answer.
    d.call_err("getUserRoles", json!([]), json!("error-invalid-user"));

    // A frame over the size limit closes that socket only.
    let mut big = Ddp::connect(&s);
    let huge = "x".repeat(40 * 1024);
    big.try_send_raw(&format!(r#"{{"msg":"method","id":"1","method":"login","params":["{huge}"]}}"#));
    big.expect_closed();

    // A flood of frames: an error, then the socket closes.
    let mut flood = Ddp::connect(&s);
    for i in 0..400 {
        if !flood.try_send_raw(&json!({"msg": "ping", "id": i}).to_string()) {
            break;
        }
    }
    let e = flood.wait(|f| f["msg"] == "error");
    assert_eq!(e["reason"], "Too many requests");
    flood.expect_closed();

    // Nobody else noticed.
    bystander.send(json!({"msg": "ping", "id": "still-here"}));
    assert_eq!(bystander.wait(|f| f["msg"] == "pong")["id"], "still-here");
}

#[test]
fn method_call_over_rest() {
    let s = Server::start();
    let bob = s.user("bob");
    let msg = |method: &str, params: Value| json!({"message": json!({"msg": "method", "id": "7", "method": method, "params": params}).to_string()});
    // Anonymous login through method.callAnon.
    let res = s.anon().post(
        "/api/v1/method.callAnon/login",
        msg("login", json!([{"user": {"username": "bob"}, "password": digest("Passw0rd!x")}])),
    );
    let body = assert_ok(&res);
    let frame: Value = serde_json::from_str(body["message"].as_str().unwrap()).unwrap();
    assert_eq!(frame["msg"], "result");
    assert_eq!(frame["id"], "7");
    assert_eq!(frame["result"]["id"], bob.user_id());
    assert!(frame["result"]["tokenExpires"]["$date"].is_i64());

    // Authenticated call; an error travels inside a successful envelope.
    let res = bob.post("/api/v1/method.call/getUserRoles", msg("getUserRoles", json!([])));
    let frame: Value = serde_json::from_str(assert_ok(&res)["message"].as_str().unwrap()).unwrap();
    assert!(frame["result"].is_array(), "{frame}");
    let res = s.anon().post("/api/v1/method.callAnon/getUserRoles", msg("getUserRoles", json!([])));
    let frame: Value = serde_json::from_str(assert_ok(&res)["message"].as_str().unwrap()).unwrap();
    assert_eq!(frame["error"]["error"], "error-invalid-user");
    let res = bob.post("/api/v1/method.call/nope", msg("nope", json!([])));
    let frame: Value = serde_json::from_str(assert_ok(&res)["message"].as_str().unwrap()).unwrap();
    assert_eq!(frame["error"]["error"], 404);
    // Connection-only methods say so over REST.
    let res = bob.post("/api/v1/method.call/UserPresence:away", msg("UserPresence:away", json!([])));
    let frame: Value = serde_json::from_str(assert_ok(&res)["message"].as_str().unwrap()).unwrap();
    assert_eq!(frame["error"]["error"], "error-connection-required");

    // Bad requests.
    assert_eq!(s.anon().post("/api/v1/method.call/getUserRoles", msg("getUserRoles", json!([]))).status, 401);
    assert_error(&bob.post("/api/v1/method.call/x", json!({})), 400, "error-param-required");
    assert_error(&bob.post("/api/v1/method.call/x", json!({"message": "{nope"})), 400, "error-invalid-method-call");
    assert_error(
        &bob.post("/api/v1/method.call/x", json!({"message": "{\"msg\":\"method\",\"id\":\"1\"}"})),
        400,
        "error-invalid-method-call",
    );
    assert_error(
        &bob.post("/api/v1/method.call/other", msg("getUserRoles", json!([]))),
        400,
        "error-invalid-method-call",
    );
}
