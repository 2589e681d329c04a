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
