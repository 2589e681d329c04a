//! Realtime streams: subscription permission checks, every stream family, presence, and the
//! REST → stream and DDP → REST round trips.

use serde_json::{Value, json};

use crate::common::ddp::Ddp;
use crate::common::*;

/// Waits for `user-status` of `uid` with status `code` on a connection subscribed to it.
#[track_caller]
fn status_event(d: &mut Ddp, uid: &str, code: u64) -> Value {
    d.event("stream-notify-logged", "user-status", |a| a[0][0] == uid && a[0][2] == code)
}

#[test]
fn presence_follows_connections_and_chosen_status() {
    let s = Server::start();
    let bob = s.user("bob");
    let bob_id = bob.user_id().to_string();
    let mut watcher = Ddp::login(&s, ADMIN_USER, ADMIN_PASS);
    watcher.sub_ok("stream-notify-logged", "user-status");
    let (_, f) = watcher.sub("stream-user-presence", json!(["", {"added": [bob_id]}]));
    assert_eq!(f["msg"], "ready", "{f}");

    // First connection: online.
    let mut b1 = Ddp::resume(&bob);
    let args = status_event(&mut watcher, &bob_id, 1);
    assert_eq!(args[0][1], "bob");
    let p = watcher.wait(|f| f["collection"] == "stream-user-presence" && f["fields"]["args"][1] == 1);
    assert_eq!(p["id"], bob_id.as_str());
    assert_eq!(p["fields"]["uid"], bob_id.as_str());
    assert_eq!(p["fields"]["eventName"], bob_id.as_str());
    assert_eq!(p["fields"]["args"][0], "bob");
    assert_eq!(bob.get(&format!("/api/v1/users.info?userId={bob_id}")).body["user"]["status"], "online");

    // A second connection, then away on one: still online (the other is active).
    let mut b2 = Ddp::resume(&bob);
    b1.call_ok("UserPresence:away", json!([]));
    // Both away: away.
    b2.call_ok("UserPresence:away", json!([]));
    status_event(&mut watcher, &bob_id, 2);
    b2.call_ok("UserPresence:online", json!([]));
    status_event(&mut watcher, &bob_id, 1);

    // A chosen status wins while connected.
    b1.call_ok("UserPresence:setDefaultStatus", json!(["busy"]));
    status_event(&mut watcher, &bob_id, 3);
    b1.call_err("UserPresence:setDefaultStatus", json!(["sleepy"]), json!("error-invalid-status"));
    b1.call_ok("setUserStatus", json!(["online", "Lunch"]));
    watcher.event("stream-notify-logged", "user-status", |a| a[0][0] == bob_id.as_str() && a[0][3] == "Lunch");

    // Closing the last connection makes the user offline.
    b1.close();
    b2.close();
    status_event(&mut watcher, &bob_id, 0);
    watcher.wait(|f| f["collection"] == "stream-user-presence" && f["fields"]["args"][1] == 0);
    assert_eq!(bob.get(&format!("/api/v1/users.info?userId={bob_id}")).body["user"]["status"], "offline");

    // A later presence subscription on the same connection adjusts the set and stops at once.
    let (_, f) = watcher.sub("stream-user-presence", json!(["", {"removed": [bob_id]}]));
    assert_eq!(f, json!({"msg": "nosub", "id": f["id"]}));
}

#[test]
fn user_and_global_stream_permissions() {
    let s = Server::start();
    let bob = s.user("bob");
    let alice = s.user("alice");
    let mut anon = Ddp::connect(&s);
    anon.sub_denied("stream-notify-logged", "user-status", "not-allowed");
    anon.sub_denied("stream-notify-user", &format!("{}/message", bob.user_id()), "not-allowed");
    anon.sub_denied("stream-room-messages", "GENERAL", "not-allowed");
    anon.sub_ok("stream-notify-all", "public-settings-changed");
    anon.sub_denied("stream-notify-all", "private-settings-changed", "not-allowed");
    let (_, f) = anon.sub("stream-notify-all", json!([]));
    assert_eq!(f["error"]["error"], "invalid-event-name");

    let mut b = Ddp::resume(&bob);
    for event in ["rooms-changed", "subscriptions-changed", "message", "notification", "uiInteraction"] {
        b.sub_ok("stream-notify-user", &format!("{}/{event}", bob.user_id()));
        b.sub_denied("stream-notify-user", &format!("{}/{event}", alice.user_id()), "not-allowed");
    }
    b.sub_denied("stream-notify-user", "no-slash", "not-allowed");
    for event in
        ["user-status", "Users:NameChanged", "Users:Deleted", "updateAvatar", "roles-change", "permissions-changed"]
    {
        b.sub_ok("stream-notify-logged", event);
    }
    b.sub_denied("stream-notify-logged", "private-settings-changed", "not-allowed");
    b.sub_ok("stream-notify-all", "permissions-changed");
    b.sub_ok("stream-room-messages", "GENERAL");
    b.sub_ok("stream-room-messages", "__my_messages__");
    b.sub_ok("stream-notify-room", "GENERAL/typing");
    b.sub_denied("stream-room-messages", "no-such-room", "not-allowed");
    b.sub_denied("stream-notify-room", "no-such-room/typing", "not-allowed");
    b.sub_denied("stream-notify-room", "GENERAL", "not-allowed");

    // Collection compatibility: `added` with the event name, then `ready`.
    let (id, f) = b.sub("stream-notify-logged", json!(["updateAvatar", {"useCollection": true, "args": []}]));
    assert_eq!(f["msg"], "ready");
    let added = b.wait(|f| f["msg"] == "added");
    assert_eq!(
        added,
        json!({"msg": "added", "collection": "stream-notify-logged", "id": "id", "fields": {"eventName": "updateAvatar"}})
    );
    // unsub answers nosub.
    b.send(json!({"msg": "unsub", "id": id}));
    assert_eq!(b.wait(|f| f["msg"] == "nosub" && f["id"] == id.as_str()), json!({"msg": "nosub", "id": id}));

    let mut admin = Ddp::login(&s, ADMIN_USER, ADMIN_PASS);
    admin.sub_ok("stream-notify-logged", "private-settings-changed");
}

#[test]
fn logging_out_stops_user_streams() {
    let s = Server::start();
    let bob = s.user("bob");
    let mut b = Ddp::resume(&bob);
    let logged = b.sub_ok("stream-notify-logged", "user-status");
    let mine = b.sub_ok("stream-notify-user", &format!("{}/message", bob.user_id()));
    let all = b.sub_ok("stream-notify-all", "public-settings-changed");
    b.call_ok("logout", json!([]));
    for id in [&logged, &mine] {
        let f = b.wait(|f| f["msg"] == "nosub" && f["id"] == id.as_str());
        assert_eq!(f["error"]["error"], "not-allowed");
    }
    assert!(!b.received(|f| f["msg"] == "nosub" && f["id"] == all.as_str()));
}

#[test]
fn typing_through_the_stream_method() {
    let s = Server::start();
    let bob = s.user("bob");
    let alice = s.user("alice");
    let mut a = Ddp::resume(&alice);
    a.sub_ok("stream-notify-room", "GENERAL/typing");
    a.sub_ok("stream-notify-room", "GENERAL/user-activity");
    let mut b = Ddp::resume(&bob);

    // The newer form.
    b.call_ok("stream-notify-room", json!(["GENERAL/user-activity", "bob", ["user-typing"], {}]));
    let args = a.event("stream-notify-room", "GENERAL/user-activity", |_| true);
    assert_eq!(args, json!(["bob", ["user-typing"], {}]));
    let args = a.event("stream-notify-room", "GENERAL/typing", |_| true);
    assert_eq!(args, json!(["bob", true]));
    // The older form, stopping.
    b.call_ok("stream-notify-room", json!(["GENERAL/typing", "bob", false]));
    assert_eq!(a.event("stream-notify-room", "GENERAL/typing", |_| true), json!(["bob", false]));
    assert_eq!(a.event("stream-notify-room", "GENERAL/user-activity", |_| true), json!(["bob", [], {}]));

    // Someone else's name, unknown rooms, bad shapes.
    b.call_err("stream-notify-room", json!(["GENERAL/typing", "alice", true]), json!("error-not-allowed"));
    b.call_err("stream-notify-room", json!(["nowhere/typing", "bob", true]), json!("error-room-not-found"));
    b.call_err("stream-notify-room", json!(["GENERAL/webrtc", "bob", true]), json!("not-allowed"));
    b.call_err("stream-notify-room", json!(["GENERAL/user-activity", "bob", "typing"]), json!(400));
    b.call_err(
        "stream-notify-room",
        json!(["GENERAL/user-activity", "bob", ["dancing"]]),
        json!("error-invalid-params"),
    );
    // Over REST, the same method.
    let res = bob.post(
        "/api/v1/method.call/stream-notify-room",
        json!({"message": json!({"msg": "method", "id": "1", "method": "stream-notify-room",
            "params": ["GENERAL/typing", "bob", true]}).to_string()}),
    );
    assert_ok(&res);
    assert_eq!(a.event("stream-notify-room", "GENERAL/typing", |a| a[1] == true), json!(["bob", true]));
}

#[test]
fn settings_permissions_and_roles_reach_the_streams() {
    let s = Server::start();
    let admin = s.admin();
    let bob = s.user("bob");
    let mut anon = Ddp::connect(&s);
    anon.sub_ok("stream-notify-all", "public-settings-changed");
    anon.sub_ok("stream-notify-all", "permissions-changed");
    let mut b = Ddp::resume(&bob);
    b.sub_ok("stream-notify-logged", "permissions-changed");
    b.sub_ok("stream-notify-logged", "roles-change");
    let mut a = Ddp::resume(&admin);
    a.sub_ok("stream-notify-logged", "private-settings-changed");

    // REST → stream: a public setting.
    assert_ok(&admin.post("/api/v1/settings/Site_Name", json!({"value": "Renamed"})));
    let args = anon.event("stream-notify-all", "public-settings-changed", |a| a[1]["_id"] == "Site_Name");
    assert_eq!(args, json!(["updated", {"_id": "Site_Name", "value": "Renamed"}]));
    let args = a.event("stream-notify-logged", "private-settings-changed", |a| a[1]["_id"] == "Site_Name");
    assert_eq!(args[1]["value"], "Renamed");
    // A private setting reaches only the privileged.
    assert_ok(&admin.post("/api/v1/settings/SMTP_Host", json!({"value": "smtp.example.com"})));
    a.event("stream-notify-logged", "private-settings-changed", |a| a[1]["_id"] == "SMTP_Host");

    // DDP → REST: saveSetting, then REST reads the new value.
    a.call_ok("saveSetting", json!(["Site_Name", "From DDP"]));
    assert_eq!(assert_ok(&admin.get("/api/v1/settings/Site_Name"))["value"], "From DDP");
    anon.event("stream-notify-all", "public-settings-changed", |a| a[1]["value"] == "From DDP");
    b.call_err("saveSetting", json!(["Site_Name", "Nope"]), json!("error-unauthorized"));
    // The anonymous connection never got the private setting (it arrived after the public one,
    // which it did get).
    assert!(!anon.received(|f| f["fields"]["args"][1]["_id"] == "SMTP_Host"));

    // Permissions.
    assert_ok(
        &admin.post("/api/v1/permissions.update", json!({"permissions": [{"_id": "create-c", "roles": ["admin"]}]})),
    );
    let args = b.event("stream-notify-logged", "permissions-changed", |a| a[1]["_id"] == "create-c");
    assert_eq!(args[0], "updated");
    assert_eq!(args[1]["roles"], json!(["admin"]));
    assert!(args[1]["_updatedAt"]["$date"].is_i64(), "{args}");
    anon.event("stream-notify-all", "permissions-changed", |a| a[1]["_id"] == "create-c");
    let perms = b.call_ok("permissions/get", json!([{"$date": 0}]));
    assert!(
        perms["update"].as_array().unwrap().iter().any(|p| p["_id"] == "create-c" && p["roles"] == json!(["admin"]))
    );

    // Roles.
    assert_ok(&admin.post("/api/v1/roles.addUserToRole", json!({"roleName": "livechat-agent", "username": "bob"})));
    let args = b.event("stream-notify-logged", "roles-change", |a| a[0]["_id"] == "livechat-agent");
    assert_eq!(args[0]["type"], "added");
    assert_eq!(args[0]["u"], json!({"_id": bob.user_id(), "username": "bob"}));
    let roles = b.call_ok("roles/get", json!([]));
    assert!(roles.as_array().unwrap().iter().any(|r| r["_id"] == "admin"));
    let users = b.call_ok("getUserRoles", json!([]));
    let entry = users.as_array().unwrap().iter().find(|u| u["username"] == "bob").expect("bob has a tagged role");
    assert_eq!(entry["roles"], json!(["livechat-agent"]));

    // Spotlight through DDP.
    let found = b.call_ok("spotlight", json!(["adm", [], {"users": true, "rooms": true}]));
    assert!(found["users"].as_array().unwrap().iter().any(|u| u["username"] == ADMIN_USER), "{found}");
    let found = b.call_ok("spotlight", json!(["adm", [ADMIN_USER], {"users": true, "rooms": false}]));
    assert_eq!(found["rooms"], json!([]));
    assert!(!found["users"].as_array().unwrap().iter().any(|u| u["username"] == ADMIN_USER));
}

#[test]
fn app_changes_reach_stream_apps() {
    let s = crate::apps::server_with(&["hello"]);
    let admin = s.admin();
    let mut anon = Ddp::connect(&s);
    anon.sub_ok("stream-apps", "app/statusUpdate");
    anon.sub_ok("stream-apps", "apps");
    let hello = crate::apps::HELLO_ID;
    assert_ok(&admin.post(&format!("/api/apps/{hello}/status"), json!({"status": "manually_disabled"})));
    let args = anon.event("stream-apps", "app/statusUpdate", |a| a[0]["appId"] == hello);
    assert_eq!(args[0]["status"], "manually_disabled");
    let args = anon.event("stream-apps", "apps", |a| a[0] == "app/statusUpdate");
    assert_eq!(args[1][0]["appId"], hello);
}
