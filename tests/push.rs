//! `push.token`: devices register and remove their push tokens.

use serde_json::json;

use crate::common::*;

#[test]
fn devices_register_and_remove_push_tokens() {
    let s = Server::start();
    let bob = s.user("bob");
    let carol = s.user("carol");
    let register = |api: &Api, body| api.post("/api/v1/push.token", body);
    let res =
        register(&bob, json!({"type": "gcm", "value": "tok-1", "appName": "chat.rocket.android", "id": "device-1"}));
    let result = assert_ok(&res)["result"].clone();
    assert_eq!(result["_id"], "device-1");
    assert_eq!(result["token"], json!({"gcm": "tok-1"}));
    assert_eq!((result["userId"].as_str(), result["enabled"].as_bool()), (Some(bob.user_id()), Some(true)));
    assert!(
        result["createdAt"].is_string() && result["updatedAt"].is_string() && result.get("authToken").is_none(),
        "{result}"
    );
    // The same device again updates its record; without an id a new one is made.
    let res = register(&bob, json!({"type": "apn", "value": "tok-2", "appName": "chat.rocket.ios", "id": "device-1"}));
    assert_eq!(assert_ok(&res)["result"]["token"], json!({"apn": "tok-2"}));
    let res = register(&bob, json!({"type": "gcm", "value": "tok-3", "appName": "chat.rocket.android"}));
    assert_ne!(assert_ok(&res)["result"]["_id"], "device-1");

    // Bad registrations, in upstream's order of checks.
    for (body, error) in [
        (json!({"value": "t", "appName": "a"}), "error-type-param-not-valid"),
        (json!({"type": "unknownPlatform"}), "error-type-param-not-valid"),
        (json!({"type": "gcm", "appName": "a"}), "error-token-param-not-valid"),
        (json!({"type": "gcm", "value": "", "appName": "a"}), "error-token-param-not-valid"),
        (json!({"type": "gcm", "value": "t"}), "error-appName-param-not-valid"),
        (json!({"id": 5, "type": "gcm", "value": "t", "appName": "a"}), "error-id-param-not-valid"),
    ] {
        assert_error(&register(&bob, body), 400, error);
    }
    assert_eq!(s.anon().post("/api/v1/push.token", json!({"type": "gcm", "value": "t", "appName": "a"})).status, 401);

    // Removal: only one's own tokens.
    let delete = |api: &Api, body| api.send(s.http.delete(s.url("/api/v1/push.token")).json(&body));
    assert_error(&delete(&bob, json!({})), 400, "error-token-param-not-valid");
    let res = delete(&carol, json!({"token": "tok-2"}));
    assert_eq!((res.status, res.body.clone()), (404, json!({"success": false, "error": "Resource not found"})));
    assert_ok(&delete(&bob, json!({"token": "tok-2"})));
    assert_eq!(delete(&bob, json!({"token": "tok-2"})).status, 404);
    // Logging out forgets the devices that login registered.
    assert_eq!(bob.post("/api/v1/logout", json!({})).body["status"], "success");
    let bob = s.login("bob", "Passw0rd!x");
    assert_eq!(delete(&bob, json!({"token": "tok-3"})).status, 404);
}
