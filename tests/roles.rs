use serde_json::{Value, json};

use crate::common::ddp::Ddp;
use crate::common::*;

fn usernames(body: &Value) -> Vec<String> {
    body["users"].as_array().unwrap().iter().map(|u| u["username"].as_str().unwrap().to_string()).collect()
}

#[test]
fn default_roles_are_listed() {
    let s = Server::start();
    let bob = s.user("bob");
    assert_eq!(s.anon().get("/api/v1/roles.list").status, 401);
    let body = assert_ok(&bob.get("/api/v1/roles.list")).clone();
    let roles = body["roles"].as_array().unwrap();
    for id in [
        "admin",
        "user",
        "bot",
        "guest",
        "anonymous",
        "app",
        "livechat-agent",
        "livechat-manager",
        "livechat-monitor",
        "owner",
        "moderator",
        "leader",
    ] {
        let role = roles.iter().find(|r| r["_id"] == id).unwrap_or_else(|| panic!("role {id} missing"));
        assert_eq!(role["name"], id);
        assert_eq!(role["protected"], true);
        assert_eq!(role["mandatory2fa"], false);
        assert!(role["description"].is_string());
        let scope = if ["owner", "moderator", "leader"].contains(&id) { "Subscriptions" } else { "Users" };
        assert_eq!(role["scope"], scope, "{id}");
    }
}

#[test]
fn create_update_sync_and_delete_custom_roles() {
    let s = Server::start();
    let admin = s.admin();
    let bob = s.user("bob");
    let since = "2000-01-01T00:00:00.000Z";

    let role =
        assert_ok(&admin.post(
            "/api/v1/roles.create",
            json!({"name": "support", "description": "Support team", "mandatory2fa": true}),
        ))["role"]
            .clone();
    let id = role["_id"].as_str().unwrap().to_string();
    assert_eq!(id.len(), 17, "custom roles get a random id");
    assert_eq!(role["name"], "support");
    assert_eq!(role["scope"], "Users");
    assert_eq!(role["protected"], false);
    assert_eq!(role["mandatory2fa"], true);
    assert!(assert_ok(&bob.get("/api/v1/roles.list"))["roles"].as_array().unwrap().iter().any(|r| r["_id"] == id));

    let room_role = assert_ok(&admin.post("/api/v1/roles.create", json!({"name": "helper", "scope": "Subscriptions"})))
        ["role"]
        .clone();
    assert_eq!(room_role["scope"], "Subscriptions");
    assert_eq!(room_role["description"], "");

    // Refusals.
    assert_error(
        &admin.post("/api/v1/roles.create", json!({"name": "support"})),
        400,
        "error-duplicate-role-names-not-allowed",
    );
    assert_error(
        &admin.post("/api/v1/roles.create", json!({"name": "admin"})),
        400,
        "error-duplicate-role-names-not-allowed",
    );
    assert_error(
        &admin.post("/api/v1/roles.create", json!({"name": "x", "scope": "Rooms"})),
        400,
        "error-invalid-role-properties",
    );
    assert_error(
        &admin.post("/api/v1/roles.create", json!({"name": "x", "color": "red"})),
        400,
        "error-invalid-role-properties",
    );
    assert_error(
        &admin.post("/api/v1/roles.create", json!({"description": "no name"})),
        400,
        "error-invalid-role-properties",
    );
    assert_error(&admin.post("/api/v1/roles.create", json!({"name": 5})), 400, "error-invalid-role-properties");
    assert_error(&bob.post("/api/v1/roles.create", json!({"name": "mine"})), 400, "error-action-not-allowed");

    // Update: rename a custom role; protected roles keep their name but take a description.
    let updated = assert_ok(&admin.post(
        "/api/v1/roles.update",
        json!({"roleId": id, "name": "customer-support", "description": "Helps customers"}),
    ))["role"]
        .clone();
    assert_eq!(updated["name"], "customer-support");
    assert_eq!(updated["description"], "Helps customers");
    assert_eq!(updated["mandatory2fa"], true);
    assert_error(
        &admin.post("/api/v1/roles.update", json!({"roleId": "admin", "name": "boss"})),
        400,
        "error-role-protected",
    );
    let admin_role = assert_ok(
        &admin
            .post("/api/v1/roles.update", json!({"roleId": "admin", "name": "admin", "description": "Administrators"})),
    )["role"]
        .clone();
    assert_eq!(admin_role["description"], "Administrators");
    assert_error(
        &admin.post("/api/v1/roles.update", json!({"roleId": id, "name": "helper"})),
        400,
        "error-duplicate-role-names-not-allowed",
    );
    assert_error(
        &admin.post("/api/v1/roles.update", json!({"roleId": "nope", "name": "x"})),
        400,
        "error-invalid-roleId",
    );
    assert_error(&admin.post("/api/v1/roles.update", json!({"roleId": id})), 400, "error-invalid-role-properties");
    assert_error(
        &bob.post("/api/v1/roles.update", json!({"roleId": id, "name": "x"})),
        400,
        "error-action-not-allowed",
    );

    // Sync reports changes and deletions.
    let body = assert_ok(&bob.get(&format!("/api/v1/roles.sync?updatedSince={since}"))).clone();
    assert!(body["roles"]["update"].as_array().unwrap().iter().any(|r| r["_id"] == id));
    assert_eq!(body["roles"]["remove"], json!([]));
    assert_error(&bob.get("/api/v1/roles.sync"), 400, "error-param-required");
    assert_error(&bob.get("/api/v1/roles.sync?updatedSince=soon"), 400, "error-invalid-params");

    // Delete: protected and used roles stay.
    assert_error(&admin.post("/api/v1/roles.delete", json!({"roleId": "user"})), 400, "error-role-protected");
    assert_error(&admin.post("/api/v1/roles.delete", json!({"roleId": "nope"})), 400, "error-invalid-roleId");
    assert_error(&admin.post("/api/v1/roles.delete", json!({})), 400, "error-invalid-role-properties");
    assert_error(&bob.post("/api/v1/roles.delete", json!({"roleId": id})), 400, "error-action-not-allowed");
    assert_ok(&admin.post("/api/v1/roles.addUserToRole", json!({"roleId": id, "username": "bob"})));
    assert_error(&admin.post("/api/v1/roles.delete", json!({"roleId": id})), 400, "error-role-in-use");
    assert_ok(&admin.post("/api/v1/roles.removeUserFromRole", json!({"roleId": id, "username": "bob"})));

    // A deleted role leaves the permissions that named it.
    assert_ok(&admin.post(
        "/api/v1/permissions.update",
        json!({"permissions": [{"_id": "view-statistics", "roles": ["admin", id]}]}),
    ));
    assert_ok(&admin.post("/api/v1/roles.delete", json!({"roleId": id})));
    let roles = assert_ok(&bob.get("/api/v1/roles.list"))["roles"].clone();
    assert!(!roles.as_array().unwrap().iter().any(|r| r["_id"] == id));
    let body = assert_ok(&bob.get(&format!("/api/v1/roles.sync?updatedSince={since}"))).clone();
    assert_eq!(body["roles"]["remove"][0]["_id"], id.as_str());
    assert!(body["roles"]["remove"][0]["_deletedAt"].is_string());
    let perms = admin.get("/api/v1/permissions.listAll").body["update"].clone();
    let stats = perms.as_array().unwrap().iter().find(|p| p["_id"] == "view-statistics").unwrap();
    assert_eq!(stats["roles"], json!(["admin"]));
}

#[test]
fn assigning_global_roles() {
    let s = Server::start();
    let admin = s.admin();
    let bob = s.user("bob");
    let carol = s.user("carol");

    let mut watcher = Ddp::login(&s, "carol", "Passw0rd!x");
    watcher.sub_ok("stream-notify-logged", "roles-change");

    assert_error(&bob.get("/api/v1/statistics"), 400, "error-not-allowed");
    let body =
        assert_ok(&admin.post("/api/v1/roles.addUserToRole", json!({"roleName": "admin", "username": "bob"}))).clone();
    assert_eq!(body["role"]["_id"], "admin");
    // Bob is an admin now, right away.
    assert_ok(&bob.get("/api/v1/statistics"));
    let args = watcher.event("stream-notify-logged", "roles-change", |a| a[0]["u"]["username"] == "bob");
    assert_eq!(args[0]["type"], "added");
    assert_eq!(args[0]["_id"], "admin");

    let body = assert_ok(&admin.get("/api/v1/roles.getUsersInRole?role=admin")).clone();
    assert_eq!(usernames(&body), ["admin", "bob"]);
    assert_eq!(body["total"], 2);
    assert!(body["users"][0]["emails"].is_array());
    assert!(body["users"][0]["createdAt"].is_string());
    let body = assert_ok(&admin.get("/api/v1/roles.getUsersInRole?role=admin&count=1&offset=1")).clone();
    assert_eq!(usernames(&body), ["bob"]);
    assert_eq!(body["total"], 2);

    assert_error(
        &admin.post("/api/v1/roles.addUserToRole", json!({"roleId": "admin", "username": "bob"})),
        400,
        "error-user-already-in-role",
    );
    assert_error(
        &admin.post("/api/v1/roles.addUserToRole", json!({"roleId": "nope", "username": "bob"})),
        400,
        "error-role-not-found",
    );
    assert_error(
        &admin.post("/api/v1/roles.addUserToRole", json!({"roleId": "bot", "username": "nobody"})),
        400,
        "error-invalid-user",
    );
    assert_error(
        &admin.post("/api/v1/roles.addUserToRole", json!({"username": "bob"})),
        400,
        "error-invalid-role-properties",
    );
    assert_error(
        &admin.post("/api/v1/roles.addUserToRole", json!({"roleId": "bot", "username": "bob", "x": 1})),
        400,
        "error-invalid-role-properties",
    );
    assert_error(
        &carol.post("/api/v1/roles.addUserToRole", json!({"roleId": "admin", "username": "carol"})),
        400,
        "error-action-not-allowed",
    );
    assert_error(&carol.get("/api/v1/roles.getUsersInRole?role=admin"), 400, "error-not-allowed");
    assert_error(&admin.get("/api/v1/roles.getUsersInRole"), 400, "error-param-not-provided");
    assert_error(&admin.get("/api/v1/roles.getUsersInRole?role=nope"), 400, "error-invalid-roleId");

    // Removing.
    assert_ok(&admin.post("/api/v1/roles.removeUserFromRole", json!({"roleId": "admin", "username": "bob"})));
    assert_error(&bob.get("/api/v1/statistics"), 400, "error-not-allowed");
    let args = watcher.event("stream-notify-logged", "roles-change", |a| a[0]["type"] == "removed");
    assert_eq!(args[0]["u"]["username"], "bob");
    assert_error(
        &admin.post("/api/v1/roles.removeUserFromRole", json!({"roleId": "admin", "username": "bob"})),
        400,
        "error-user-not-in-role",
    );
    assert_error(
        &admin.post("/api/v1/roles.removeUserFromRole", json!({"roleId": "nope", "username": "bob"})),
        400,
        "error-invalid-roleId",
    );
    assert_error(
        &admin.post("/api/v1/roles.removeUserFromRole", json!({"roleId": "admin", "username": "nobody"})),
        400,
        "error-invalid-user",
    );
    assert_error(
        &carol.post("/api/v1/roles.removeUserFromRole", json!({"roleId": "user", "username": "bob"})),
        400,
        "error-not-allowed",
    );
    // The last admin stays.
    assert_error(
        &admin.post("/api/v1/roles.removeUserFromRole", json!({"roleId": "admin", "username": "admin"})),
        400,
        "error-admin-required",
    );
    assert_eq!(usernames(&assert_ok(&admin.get("/api/v1/roles.getUsersInRole?role=admin")).clone()), ["admin"]);
}

#[test]
fn assigning_room_roles() {
    let s = Server::start();
    let admin = s.admin();
    let _bob = s.user("bob");

    let add = json!({"roleId": "moderator", "username": "bob", "roomId": "GENERAL"});
    assert_ok(&admin.post("/api/v1/roles.addUserToRole", add.clone()));
    assert_error(&admin.post("/api/v1/roles.addUserToRole", add), 400, "error-user-already-in-role");

    let body = assert_ok(&admin.get("/api/v1/roles.getUsersInRole?role=moderator&roomId=GENERAL")).clone();
    assert_eq!(usernames(&body), ["bob"]);
    // Without a room, holders in any room are listed.
    assert_eq!(usernames(&assert_ok(&admin.get("/api/v1/roles.getUsersInRole?role=moderator")).clone()), ["bob"]);
    // A room role is not a global role.
    assert!(
        !assert_ok(&admin.get("/api/v1/users.info?username=bob"))["user"]["roles"]
            .as_array()
            .unwrap()
            .contains(&json!("moderator"))
    );

    // Only members of the room can get its roles.
    let _carol = s.user("carol");
    assert_error(
        &admin.post("/api/v1/roles.addUserToRole", json!({"roleId": "owner", "username": "carol", "roomId": "NOPE"})),
        400,
        "error-invalid-user",
    );

    assert_ok(&admin.post(
        "/api/v1/roles.removeUserFromRole",
        json!({"roleId": "moderator", "username": "bob", "scope": "GENERAL"}),
    ));
    let body = assert_ok(&admin.get("/api/v1/roles.getUsersInRole?role=moderator&roomId=GENERAL")).clone();
    assert_eq!(body["users"], json!([]));
    assert_eq!(body["total"], 0);
}
