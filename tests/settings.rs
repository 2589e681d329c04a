use serde_json::{Value, json};

use crate::common::ddp::Ddp;
use crate::common::*;

fn ids(body: &Value) -> Vec<String> {
    body["settings"].as_array().unwrap().iter().map(|s| s["_id"].as_str().unwrap().to_string()).collect()
}

fn enc(s: &str) -> String {
    urlencoding::encode(s).into_owned()
}

#[test]
fn public_settings_without_login() {
    let s = Server::start();
    let res = s.anon().get("/api/v1/settings.public?count=0");
    let body = assert_ok(&res).clone();
    assert_eq!(res.header("content-type"), Some("application/json"));
    let all = ids(&body);
    assert!(all.contains(&"Site_Name".to_string()));
    assert!(!all.contains(&"API_Enable_Rate_Limiter".to_string()), "private settings must not leak");
    assert!(!all.contains(&"SMTP_Host".to_string()));
    assert_eq!(body["count"], all.len());
    assert_eq!(body["offset"], 0);
    assert!(body["total"].as_u64().unwrap() >= all.len() as u64);
    // Only `_id` and `value` by default, sorted by id.
    for setting in body["settings"].as_array().unwrap() {
        let keys: Vec<&String> = setting.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["_id", "value"], "{setting}");
    }
    let mut sorted = all.clone();
    sorted.sort();
    assert_eq!(all, sorted);

    // A Mongo query, as clients send it.
    let q = enc(r#"{"_id":{"$in":["Site_Name","Language","SMTP_Host"]}}"#);
    let body = assert_ok(&s.anon().get(&format!("/api/v1/settings.public?query={q}"))).clone();
    assert_eq!(ids(&body), ["Language", "Site_Name"]);
    assert_eq!(body["total"], 2);
    assert_eq!(body["settings"][1]["value"], "Orbit");

    // `_id` as a comma-separated list, `fields`, `sort`, paging.
    let body = assert_ok(&s.anon().get("/api/v1/settings.public?_id=Site_Name,%20Language")).clone();
    assert_eq!(ids(&body), ["Language", "Site_Name"]);
    let f = enc(r#"{"type":1,"public":1}"#);
    let body = assert_ok(&s.anon().get(&format!("/api/v1/settings.public?_id=Site_Name&fields={f}"))).clone();
    assert_eq!(body["settings"][0], json!({"_id": "Site_Name", "value": "Orbit", "type": "string", "public": true}));
    let sort = enc(r#"{"_id":-1}"#);
    let body = assert_ok(&s.anon().get(&format!("/api/v1/settings.public?_id=Site_Name,Language&sort={sort}"))).clone();
    assert_eq!(ids(&body), ["Site_Name", "Language"]);
    // Without a count, API_Default_Count (50) applies.
    assert_eq!(assert_ok(&s.anon().get("/api/v1/settings.public"))["count"], 50);
    let body = assert_ok(&s.anon().get("/api/v1/settings.public?count=5&offset=3")).clone();
    assert_eq!(body["count"], 5);
    assert_eq!(body["offset"], 3);
    assert_eq!(ids(&body), all[3..8]);

    // Bad input.
    assert_error(&s.anon().get("/api/v1/settings.public?query=%7Bnot-json"), 400, "error-invalid-params");
    assert_error(
        &s.anon().get(&format!("/api/v1/settings.public?query={}", enc(r#"{"$where":"1"}"#))),
        400,
        "error-invalid-query",
    );
    assert_error(&s.anon().get("/api/v1/settings.public?count=abc"), 400, "error-invalid-params");
}

#[test]
fn private_settings_list_needs_permission() {
    let s = Server::start();
    let admin = s.admin();
    let bob = s.user("bob");
    assert_eq!(s.anon().get("/api/v1/settings").status, 401);

    let body = assert_ok(&admin.get("/api/v1/settings?count=0")).clone();
    let all = ids(&body);
    assert!(all.contains(&"API_Enable_Rate_Limiter".to_string()));
    assert!(all.contains(&"Site_Name".to_string()));

    // Without view-privileged-setting only the public ones show.
    let body = assert_ok(&bob.get("/api/v1/settings?count=0")).clone();
    let mine = ids(&body);
    assert!(mine.contains(&"Site_Name".to_string()));
    assert!(!mine.contains(&"API_Enable_Rate_Limiter".to_string()));
    assert!(mine.len() < all.len());

    // includeDefaults adds each packageValue.
    let q = enc(r#"{"_id":"Site_Name"}"#);
    let body = assert_ok(&admin.get(&format!("/api/v1/settings?includeDefaults=true&query={q}"))).clone();
    assert_eq!(body["settings"][0]["packageValue"], "Orbit");
    let body = assert_ok(&admin.get(&format!("/api/v1/settings?query={q}"))).clone();
    assert!(body["settings"][0].get("packageValue").is_none());
}

#[test]
fn get_and_change_one_setting() {
    let s = Server::start();
    let admin = s.admin();
    let bob = s.user("bob");

    let body = assert_ok(&admin.get("/api/v1/settings/Site_Name")).clone();
    assert_eq!(body, json!({"_id": "Site_Name", "value": "Orbit", "success": true}));
    assert_error(&bob.get("/api/v1/settings/Site_Name"), 403, "error-unauthorized");
    assert_error(&admin.get("/api/v1/settings/No_Such_Setting"), 400, "error-invalid-setting");
    assert_eq!(s.anon().get("/api/v1/settings/Site_Name").status, 401);

    // A realtime client sees the change.
    let mut ddp = Ddp::connect(&s);
    ddp.sub_ok("stream-notify-all", "public-settings-changed");

    assert_ok(&admin.post("/api/v1/settings/Site_Name", json!({"value": "Chat HQ"})));
    assert_eq!(admin.get("/api/v1/settings/Site_Name").body["value"], "Chat HQ");
    let body = assert_ok(&s.anon().get("/api/v1/settings.public?_id=Site_Name")).clone();
    assert_eq!(body["settings"][0]["value"], "Chat HQ");
    let args = ddp.event("stream-notify-all", "public-settings-changed", |a| a[1]["_id"] == "Site_Name");
    assert_eq!(args[0], "updated");
    assert_eq!(args[1]["value"], "Chat HQ");

    // Types are checked; numbers given as text are accepted for integers.
    assert_ok(&admin.post("/api/v1/settings/Message_MaxAllowedSize", json!({"value": "6000"})));
    assert_eq!(admin.get("/api/v1/settings/Message_MaxAllowedSize").body["value"], 6000);
    assert_error(
        &admin.post("/api/v1/settings/Message_MaxAllowedSize", json!({"value": "lots"})),
        400,
        "error-invalid-params",
    );
    assert_error(
        &admin.post("/api/v1/settings/Accounts_AllowAnonymousRead", json!({"value": "maybe"})),
        400,
        "error-invalid-setting-value",
    );
    assert_error(&admin.post("/api/v1/settings/Site_Name", json!({"value": null})), 400, "error-invalid-setting-value");
    assert_error(
        &admin.post("/api/v1/settings/Site_Name", json!({"value": {"a": 1}})),
        400,
        "error-invalid-setting-value",
    );
    assert_error(&admin.post("/api/v1/settings/Site_Name", json!({})), 400, "error-param-required");
    assert_error(&admin.post("/api/v1/settings/No_Such_Setting", json!({"value": 1})), 400, "error-invalid-setting");
    assert_error(&bob.post("/api/v1/settings/Site_Name", json!({"value": "mine"})), 403, "error-unauthorized");
    assert_eq!(admin.get("/api/v1/settings/Site_Name").body["value"], "Chat HQ");

    // Changes survive a restart.
    let dir = s.kill();
    let s = Server::start_with(Options { data_dir: Some(dir), ..Default::default() });
    assert_eq!(s.admin().get("/api/v1/settings/Site_Name").body["value"], "Chat HQ");
    assert_eq!(s.admin().get("/api/v1/settings/Message_MaxAllowedSize").body["value"], 6000);
}

#[test]
fn overwritten_settings_are_blocked() {
    let s = Server::start_with(Options::default().env("OVERWRITE_SETTING_Site_Name", "Forced Name"));
    let admin = s.admin();
    assert_eq!(admin.get("/api/v1/settings/Site_Name").body["value"], "Forced Name");
    assert_error(&admin.post("/api/v1/settings/Site_Name", json!({"value": "Other"})), 400, "error-setting-blocked");
    assert_eq!(admin.get("/api/v1/settings/Site_Name").body["value"], "Forced Name");
}

#[test]
fn oauth_services_and_service_configurations() {
    let s = Server::start();
    let body = assert_ok(&s.anon().get("/api/v1/settings.oauth")).clone();
    assert_eq!(body, json!({"services": [], "success": true}));
    let body = assert_ok(&s.anon().get("/api/v1/service.configurations")).clone();
    assert_eq!(body, json!({"configurations": [], "success": true}));
}
