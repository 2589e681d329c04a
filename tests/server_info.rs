use crate::common::*;

#[test]
fn info_health_and_content_type() {
    let s = Server::start();
    let res = s.anon().get("/api/info");
    assert_eq!(res.status, 200);
    assert_eq!(res.header("content-type"), Some("application/json"));
    assert!(res.body["version"].as_str().unwrap().starts_with("8."));
    assert!(res.body.get("info").is_none());
    let res = s.admin().get("/api/info");
    assert!(res.body["info"]["version"].is_string());
    assert_eq!(s.anon().get("/health").status, 200);
    assert_ok(&s.admin().get("/api/v1/licenses.info"));
    assert_eq!(s.admin().get("/api/v1/licenses.info").body["license"], serde_json::json!({}));
    assert_eq!(s.anon().get("/api/v1/licenses.info").status, 401);
}

#[test]
fn unknown_route_is_a_json_404() {
    let s = Server::start();
    let res = s.anon().get("/api/v1/no.such.endpoint");
    assert_error(&res, 404, "error-not-found");
}

#[test]
fn rest_conventions_hold_for_errors() {
    let s = Server::start_with(Options::default().env("ORBIT_MAX_BODY_BYTES", "2048"));
    let admin = s.admin();

    // 401: the legacy envelope, as JSON.
    let res = s.anon().get("/api/v1/me");
    assert_eq!(res.status, 401);
    assert_eq!(res.header("content-type"), Some("application/json"));
    assert_eq!(res.body, serde_json::json!({"status": "error", "message": "You must be logged in to do this."}));
    let mut forged = admin.clone();
    forged.auth = Some((admin.user_id().to_string(), "not-a-token".into()));
    assert_eq!(forged.get("/api/v1/me").status, 401);

    // 404 for unknown API routes, whatever the method.
    for res in [
        s.anon().get("/api/v1/nope"),
        s.anon().post("/api/v1/nope", serde_json::json!({})),
        s.anon().delete("/api/nope"),
    ] {
        assert_error(&res, 404, "error-not-found");
        assert_eq!(res.header("content-type"), Some("application/json"));
    }

    // 405 for a known route with the wrong method, in the same envelope.
    let res = admin.post("/api/v1/roles.list", serde_json::json!({}));
    assert_error(&res, 405, "error-method-not-allowed");
    assert_eq!(res.header("content-type"), Some("application/json"));
    assert!(res.header("allow").unwrap().contains("GET"));
    let res = admin.delete("/api/v1/settings/Site_Name");
    assert_error(&res, 405, "error-method-not-allowed");

    // Malformed JSON and non-object bodies: 400.
    let res = admin.post_raw("/api/v1/settings/Site_Name", "application/json", "{\"value\": ");
    assert_error(&res, 400, "error-invalid-json");
    assert_eq!(res.header("content-type"), Some("application/json"));
    let res = admin.post_raw("/api/v1/roles.create", "application/json", "[1, 2]");
    assert_error(&res, 400, "error-invalid-body");
    // Form bodies work like JSON ones.
    let res = admin.post_raw("/api/v1/settings/Site_Name", "application/x-www-form-urlencoded", "value=Formed");
    assert_ok(&res);
    assert_eq!(admin.get("/api/v1/settings/Site_Name").body["value"], "Formed");

    // Bodies over ORBIT_MAX_BODY_BYTES: 413, and nothing changes.
    let big = format!("{{\"value\": \"{}\"}}", "x".repeat(4096));
    let res = admin.post_raw("/api/v1/settings/Site_Name", "application/json", big);
    assert_error(&res, 413, "error-request-too-large");
    assert_eq!(res.header("content-type"), Some("application/json"));
    assert_eq!(admin.get("/api/v1/settings/Site_Name").body["value"], "Formed");

    // Extractor rejections are JSON too (a path parameter that is not UTF-8).
    let res = admin.get("/api/v1/settings/%FF%FE");
    assert_error(&res, 400, "error-invalid-params");
    assert_eq!(res.header("content-type"), Some("application/json"));

    // Injection-shaped input is just text.
    let res = admin.get("/api/v1/settings/Site_Name';DROP%20TABLE%20settings;--");
    assert_error(&res, 400, "error-invalid-setting");
    assert_ok(&admin.get("/api/v1/settings/Site_Name"));
}
