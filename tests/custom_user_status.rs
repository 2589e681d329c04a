//! Custom user statuses over REST (`custom-user-status.*`) and DDP, with their stream events.

use serde_json::{Value, json};

use crate::common::ddp::Ddp;
use crate::common::*;

fn create(api: &Api, name: &str, status_type: &str) -> Res {
    api.post("/api/v1/custom-user-status.create", json!({"name": name, "statusType": status_type}))
}

fn names(res: &Res) -> Vec<String> {
    assert_ok(res)["statuses"].as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap().to_string()).collect()
}

#[test]
fn admins_manage_statuses_that_everyone_lists() {
    let s = Server::start();
    let admin = s.admin();
    let bob = s.user("bob");
    let mut watcher = Ddp::resume(&bob);
    watcher.sub_ok("stream-notify-logged", "updateCustomUserStatus");
    watcher.sub_ok("stream-notify-logged", "deleteCustomUserStatus");

    let res = create(&admin, "In a meeting", "busy");
    let meeting = assert_ok(&res)["customUserStatus"].clone();
    assert_eq!((meeting["name"].as_str(), meeting["statusType"].as_str()), (Some("In a meeting"), Some("busy")));
    assert!(meeting["_id"].is_string() && meeting["_updatedAt"].is_string(), "{meeting}");
    let ev = watcher
        .event("stream-notify-logged", "updateCustomUserStatus", |a| a[0]["userStatusData"]["name"] == "In a meeting");
    assert!(ev[0]["userStatusData"]["_updatedAt"]["$date"].is_i64(), "{ev}");
    assert_ok(&create(&admin, "Lunch", "away"));
    assert_ok(&admin.post("/api/v1/custom-user-status.create", json!({"name": "Vacation"})));

    // Everyone lists them, sorted by name, filtered and paged.
    let all = bob.get("/api/v1/custom-user-status.list");
    assert_eq!(names(&all), ["In a meeting", "Lunch", "Vacation"]);
    assert_eq!(assert_ok(&all)["total"], 3);
    assert_eq!(names(&bob.get("/api/v1/custom-user-status.list?name=LUN")), ["Lunch"]);
    let id = meeting["_id"].as_str().unwrap();
    assert_eq!(names(&bob.get(&format!("/api/v1/custom-user-status.list?_id={id}"))), ["In a meeting"]);
    let page = bob.get("/api/v1/custom-user-status.list?count=1&offset=1&sort={\"name\":-1}");
    assert_eq!(names(&page), ["Lunch"]);
    assert_eq!((assert_ok(&page)["count"].as_u64(), assert_ok(&page)["total"].as_u64()), (Some(1), Some(3)));
    assert_eq!(s.anon().get("/api/v1/custom-user-status.list").status, 401);

    // Updates keep the type unless given one.
    let res = admin.post("/api/v1/custom-user-status.update", json!({"_id": id, "name": "Meeting"}));
    assert_eq!(assert_ok(&res)["customUserStatus"]["statusType"], "busy");
    let res =
        admin.post("/api/v1/custom-user-status.update", json!({"_id": id, "name": "Meeting", "statusType": "away"}));
    assert_eq!(assert_ok(&res)["customUserStatus"]["statusType"], "away");
    watcher.event("stream-notify-logged", "updateCustomUserStatus", |a| a[0]["userStatusData"]["statusType"] == "away");

    // Deleting announces the deleted status.
    assert_ok(&admin.post("/api/v1/custom-user-status.delete", json!({"customUserStatusId": id})));
    watcher.event("stream-notify-logged", "deleteCustomUserStatus", |a| a[0]["userStatusData"]["_id"] == id);
    assert_eq!(names(&bob.get("/api/v1/custom-user-status.list")), ["Lunch", "Vacation"]);
}

#[test]
fn bad_statuses_and_outsiders_are_refused() {
    let s = Server::start();
    let admin = s.admin();
    let bob = s.user("bob");
    let res = create(&bob, "Mine", "online");
    assert_eq!((res.status, res.body["errorType"].as_str()), (400, Some("not_authorized")));
    assert_error(&create(&admin, "  ", "online"), 400, "error-the-field-is-required");
    assert_error(&create(&admin, "<b>bold</b>", "online"), 400, "error-input-is-not-a-valid-field");
    assert_error(&create(&admin, "Sleeping", "asleep"), 400, "error-input-is-not-a-valid-field");
    assert_eq!(admin.post("/api/v1/custom-user-status.create", json!({"statusType": "away"})).status, 400);
    let id = assert_ok(&create(&admin, "Focus", "busy"))["customUserStatus"]["_id"].as_str().unwrap().to_string();
    assert_error(&create(&admin, "Focus", "away"), 400, "Custom_User_Status_Error_Name_Already_In_Use");
    assert_ok(&create(&admin, "Other", "away"));
    let res = admin.post("/api/v1/custom-user-status.update", json!({"_id": id, "name": "Other"}));
    assert_error(&res, 400, "Custom_User_Status_Error_Name_Already_In_Use");
    let res = admin.post("/api/v1/custom-user-status.update", json!({"_id": "nope", "name": "Ghost"}));
    assert_eq!(res.body, json!({"success": false, "error": "No custom user status found with the id of \"nope\"."}));
    let res = bob.post("/api/v1/custom-user-status.update", json!({"_id": id, "name": "Taken over"}));
    assert_eq!(res.body["errorType"], "not_authorized");
    let res = admin.post("/api/v1/custom-user-status.delete", json!({}));
    assert_eq!(res.body, json!({"success": false, "error": "The \"customUserStatusId\" params is required!"}));
    let res = admin.post("/api/v1/custom-user-status.delete", json!({"customUserStatusId": "nope"}));
    assert_error(&res, 400, "Custom_User_Status_Error_Invalid_User_Status");
    assert_eq!(
        bob.post("/api/v1/custom-user-status.delete", json!({"customUserStatusId": id})).body["errorType"],
        "not_authorized"
    );
    // Nothing changed.
    let all = admin.get("/api/v1/custom-user-status.list");
    assert_eq!(names(&all), ["Focus", "Other"]);
}

#[test]
fn statuses_over_ddp() {
    let s = Server::start();
    let admin = s.admin();
    let bob = s.user("bob");
    let mut a = Ddp::resume(&admin);
    let mut b = Ddp::resume(&bob);
    let id = a.call_ok("insertOrUpdateUserStatus", json!([{"name": "Commuting", "statusType": "away"}]));
    let id = id.as_str().expect("the new id").to_string();
    let list = b.call_ok("listCustomUserStatus", json!([]));
    assert_eq!(list[0]["name"], "Commuting");
    assert!(list[0]["_updatedAt"]["$date"].is_i64(), "{list}");
    let updated =
        a.call_ok("insertOrUpdateUserStatus", json!([{"_id": id, "name": "On the train", "statusType": "away"}]));
    assert_eq!(updated, json!(true));
    b.call_err("insertOrUpdateUserStatus", json!([{"name": "Bob's"}]), json!("not_authorized"));
    b.call_err("deleteCustomUserStatus", json!([id]), json!("not_authorized"));
    a.call_err("insertOrUpdateUserStatus", json!([{"name": ""}]), json!("error-the-field-is-required"));
    let r = a.call("insertOrUpdateUserStatus", json!(["not an object"]));
    assert!(r.get("error").is_some(), "{r}");
    assert_eq!(a.call_ok("deleteCustomUserStatus", json!([id])), json!(true));
    a.call_err("deleteCustomUserStatus", json!([id]), json!("Custom_User_Status_Error_Invalid_User_Status"));
    let list: Value = b.call_ok("listCustomUserStatus", json!([]));
    assert_eq!(list, json!([]));
}
