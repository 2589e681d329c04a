use serde_json::{Value, json};

use crate::common::ddp::Ddp;
use crate::common::*;

fn find<'a>(list: &'a Value, id: &str) -> Option<&'a Value> {
    list.as_array().unwrap().iter().find(|p| p["_id"] == id)
}

#[test]
fn list_all_and_updated_since() {
    let s = Server::start();
    let bob = s.user("bob");
    assert_eq!(s.anon().get("/api/v1/permissions.listAll").status, 401);

    let body = assert_ok(&bob.get("/api/v1/permissions.listAll")).clone();
    assert_eq!(body["remove"], json!([]));
    let perm = find(&body["update"], "access-permissions").expect("default permission");
    assert_eq!(perm["roles"], json!(["admin"]));
    assert!(perm["_updatedAt"].as_str().unwrap().ends_with('Z'));
    assert_eq!(find(&body["update"], "view-c-room").unwrap()["roles"].as_array().unwrap().len(), 5);
    assert!(find(&body["update"], "mark-message-as-important").is_some(), "the full upstream list is seeded");
    assert!(body["update"].as_array().unwrap().len() >= 170);

    let body = assert_ok(&bob.get("/api/v1/permissions.listAll?updatedSince=2100-01-01T00:00:00.000Z")).clone();
    assert_eq!(body["update"], json!([]));
    let body = assert_ok(&bob.get("/api/v1/permissions.listAll?updatedSince=2000-01-01T00:00:00.000Z")).clone();
    assert!(find(&body["update"], "access-permissions").is_some());
    assert_error(&bob.get("/api/v1/permissions.listAll?updatedSince=yesterday"), 400, "error-roomId-param-invalid");
}

#[test]
fn update_changes_who_may_do_what() {
    let s = Server::start();
    let admin = s.admin();
    let bob = s.user("bob");
    let all = admin.get("/api/v1/permissions.listAll").body["update"].clone();
    let since = all.as_array().unwrap().iter().map(|p| p["_updatedAt"].as_str().unwrap().to_string()).max().unwrap();

    assert_error(&bob.get("/api/v1/statistics"), 400, "error-not-allowed");

    let mut ddp = Ddp::login(&s, "bob", "Passw0rd!x");
    ddp.sub_ok("stream-notify-logged", "permissions-changed");

    let res = admin.post(
        "/api/v1/permissions.update",
        json!({"permissions": [{"_id": "view-statistics", "roles": ["admin", "user"]}]}),
    );
    let body = assert_ok(&res).clone();
    assert_eq!(find(&body["permissions"], "view-statistics").unwrap()["roles"], json!(["admin", "user"]));
    // The change applies at once.
    assert_ok(&bob.get("/api/v1/statistics"));
    let args = ddp.event("stream-notify-logged", "permissions-changed", |a| a[1]["_id"] == "view-statistics");
    assert_eq!(args[0], "updated");
    assert_eq!(args[1]["roles"], json!(["admin", "user"]));

    let body = assert_ok(&bob.get(&format!("/api/v1/permissions.listAll?updatedSince={since}"))).clone();
    let changed: Vec<&str> = body["update"].as_array().unwrap().iter().map(|p| p["_id"].as_str().unwrap()).collect();
    assert_eq!(changed, ["view-statistics"]);

    // Taking it back works the same way.
    assert_ok(
        &admin.post(
            "/api/v1/permissions.update",
            json!({"permissions": [{"_id": "view-statistics", "roles": ["admin"]}]}),
        ),
    );
    assert_error(&bob.get("/api/v1/statistics"), 400, "error-not-allowed");
}

#[test]
fn update_rejects_bad_input_and_non_admins() {
    let s = Server::start();
    let admin = s.admin();
    let bob = s.user("bob");
    let set = |body: Value| admin.post("/api/v1/permissions.update", body);

    assert_error(
        &bob.post(
            "/api/v1/permissions.update",
            json!({"permissions": [{"_id": "view-statistics", "roles": ["user"]}]}),
        ),
        403,
        "error-unauthorized",
    );
    assert_error(
        &set(json!({"permissions": [{"_id": "no-such-permission", "roles": ["admin"]}]})),
        400,
        "error-invalid-permission",
    );
    assert_error(
        &set(json!({"permissions": [{"_id": "view-statistics", "roles": ["no-such-role"]}]})),
        400,
        "error-invalid-role",
    );
    for bad in [
        json!({}),
        json!({"permissions": "view-statistics"}),
        json!({"permissions": [{"_id": "view-statistics"}]}),
        json!({"permissions": [{"_id": "view-statistics", "roles": "admin"}]}),
        json!({"permissions": [{"_id": "view-statistics", "roles": [1]}]}),
        json!({"permissions": [{"_id": "view-statistics", "roles": ["admin", "admin"]}]}),
        json!({"permissions": [{"_id": "view-statistics", "roles": ["admin"], "extra": 1}]}),
        json!({"permissions": [], "extra": true}),
    ] {
        assert_error(&set(bad.clone()), 400, "error-invalid-body-params");
    }
    // A failed batch changes nothing.
    assert_error(
        &set(json!({"permissions": [
            {"_id": "view-statistics", "roles": ["admin", "user"]},
            {"_id": "no-such-permission", "roles": ["admin"]}
        ]})),
        400,
        "error-invalid-permission",
    );
    let list = admin.get("/api/v1/permissions.listAll").body["update"].clone();
    assert_eq!(find(&list, "view-statistics").unwrap()["roles"], json!(["admin"]));
}
