//! Preferences (`users.getPreferences`, `users.setPreferences`), status (`users.setStatus`,
//! `users.getStatus`) and presence (`users.getPresence`, `users.presence`).

use serde_json::json;

use crate::channels::set_setting;
use crate::common::ddp::Ddp;
use crate::common::*;

#[test]
fn preferences_defaults_and_round_trip() {
    let s = Server::start();
    let bob = s.user("bob");
    let prefs = assert_ok(&bob.get("/api/v1/users.getPreferences"))["preferences"].clone();
    assert_eq!(prefs["sidebarViewMode"], "medium");
    assert_eq!(prefs["useEmojis"], true);
    assert_eq!(prefs["emailNotificationMode"], "mentions");
    // A changed default shows for users who did not choose.
    set_setting(&s, "Accounts_Default_User_Preferences_sidebarSortby", json!("alphabetical"));
    assert_eq!(assert_ok(&bob.get("/api/v1/users.getPreferences"))["preferences"]["sidebarSortby"], "alphabetical");

    let res = bob.post(
        "/api/v1/users.setPreferences",
        json!({"data": {"sidebarViewMode": "condensed", "highlights": ["deploy"], "language": "de",
                        "useEmojis": "false", "clockMode": "2", "emailNotificationMode": "all",
                        "dontAskAgainList": [{"action": "a", "label": "b"}]}}),
    );
    let body = assert_ok(&res);
    assert_eq!(body["user"]["_id"], bob.user_id());
    let saved = &body["user"]["settings"]["preferences"];
    assert_eq!(saved["sidebarViewMode"], "condensed");
    assert_eq!(saved["language"], "de");
    // Form-style values are coerced; old values are mapped.
    assert_eq!((saved["useEmojis"].as_bool(), saved["clockMode"].as_i64()), (Some(false), Some(2)));
    assert_eq!(saved["emailNotificationMode"], "mentions");

    let prefs = assert_ok(&bob.get("/api/v1/users.getPreferences"))["preferences"].clone();
    assert_eq!(prefs["highlights"], json!(["deploy"]));
    assert_eq!(prefs["language"], "de");
    assert_eq!(prefs["dontAskAgainList"][0]["action"], "a");
    assert_eq!(prefs["convertAsciiEmoji"], true, "untouched keys keep their defaults");
    let me = assert_ok(&bob.get("/api/v1/me")).clone();
    assert_eq!(me["settings"]["preferences"]["sidebarViewMode"], "condensed");
    assert_eq!(me["language"], "de");

    // null clears a preference back to its default.
    assert_ok(&bob.post("/api/v1/users.setPreferences", json!({"data": {"sidebarViewMode": null}})));
    assert_eq!(assert_ok(&bob.get("/api/v1/users.getPreferences"))["preferences"]["sidebarViewMode"], "medium");
    assert_eq!(s.anon().get("/api/v1/users.getPreferences").status, 401);
}

#[test]
fn preferences_refuse_bad_input_and_other_users() {
    let s = Server::start();
    let admin = s.admin();
    let bob = s.user("bob");
    for data in [
        json!({"notAPreference": 1}),
        json!({"highlights": "x"}),
        json!({"useEmojis": "perhaps"}),
        json!({"clockMode": "soon"}),
        json!({"alsoSendThreadToChannel": "sometimes"}),
        json!({"featuresPreview": ["x"]}),
    ] {
        let res = bob.post("/api/v1/users.setPreferences", json!({"data": data}));
        assert_error(&res, 400, "error-invalid-params");
    }
    assert_error(&bob.post("/api/v1/users.setPreferences", json!({})), 400, "error-invalid-params");
    assert_error(&bob.post("/api/v1/users.setPreferences", json!({"data": "x"})), 400, "error-invalid-params");
    let res = bob.post("/api/v1/users.setPreferences", json!({"data": {"idleTimeLimit": 30, "idleTimeLimitS": 30}}));
    assert_error(&res, 400, "invalid-idle-time-limit-value");
    // Nothing was saved by the refused calls.
    let prefs = assert_ok(&bob.get("/api/v1/users.getPreferences"))["preferences"].clone();
    assert_eq!((prefs["useEmojis"].as_bool(), prefs.get("notAPreference")), (Some(true), None));

    // Another user's preferences need edit-other-user-info.
    let res =
        bob.post("/api/v1/users.setPreferences", json!({"userId": admin.user_id(), "data": {"useEmojis": false}}));
    assert_error(&res, 400, "error-action-not-allowed");
    assert_eq!(assert_ok(&admin.get("/api/v1/users.getPreferences"))["preferences"]["useEmojis"], true);
    let res =
        admin.post("/api/v1/users.setPreferences", json!({"userId": bob.user_id(), "data": {"useEmojis": false}}));
    assert_eq!(assert_ok(&res)["user"]["_id"], bob.user_id());
    assert_eq!(assert_ok(&bob.get("/api/v1/users.getPreferences"))["preferences"]["useEmojis"], false);
    let res = admin.post("/api/v1/users.setPreferences", json!({"userId": "nobody", "data": {"useEmojis": false}}));
    assert_error(&res, 400, "error-invalid-user");
}

#[test]
fn set_status_publishes_and_reads_back() {
    let s = Server::start();
    let admin = s.admin();
    let bob = s.user("bob");
    let bid = bob.user_id().to_string();
    let mut watcher = Ddp::resume(&admin);
    watcher.sub_ok("stream-notify-logged", "user-status");
    let _online = Ddp::resume(&bob);
    // Bob's connection is registered (online) before he picks a status.
    watcher.event("stream-notify-logged", "user-status", |a| a[0][0] == bid.as_str() && a[0][2] == 1);

    assert_ok(&bob.post("/api/v1/users.setStatus", json!({"status": "busy", "message": "in a meeting"})));
    watcher.event("stream-notify-logged", "user-status", |a| {
        a[0][0] == bid.as_str() && a[0][1] == "bob" && a[0][2] == 3 && a[0][3] == "in a meeting"
    });
    let st = assert_ok(&admin.get(&format!("/api/v1/users.getStatus?userId={bid}"))).clone();
    assert_eq!((st["_id"].as_str(), st["status"].as_str()), (Some(bid.as_str()), Some("busy")));
    assert_eq!(st["message"], "in a meeting");
    assert!(st.get("connectionStatus").is_none(), "only oneself sees the connection status");
    let own = assert_ok(&bob.get("/api/v1/users.getStatus")).clone();
    assert_eq!((own["status"].as_str(), own["connectionStatus"].as_str()), (Some("busy"), Some("online")));
    let own = assert_ok(&bob.get("/api/v1/users.getStatus?username=bob")).clone();
    assert_eq!(own["connectionStatus"], "online");

    // A message alone, trimmed and cut to 120 characters; an empty one clears it.
    let long = format!("  {}  ", "x".repeat(150));
    assert_ok(&bob.post("/api/v1/users.setStatus", json!({"message": long})));
    let st = assert_ok(&bob.get("/api/v1/users.getStatus")).clone();
    assert_eq!(st["message"].as_str().map(str::len), Some(120));
    assert_eq!(st["status"], "busy");
    assert_ok(&bob.post("/api/v1/users.setStatus", json!({"message": ""})));
    assert_eq!(assert_ok(&bob.get("/api/v1/users.getStatus"))["message"], "");

    // Admins may set others' status.
    assert_ok(&admin.post("/api/v1/users.setStatus", json!({"userId": bid, "status": "away"})));
    watcher.event("stream-notify-logged", "user-status", |a| a[0][0] == bid.as_str() && a[0][2] == 2);
    assert_eq!(assert_ok(&bob.get("/api/v1/users.getStatus"))["status"], "away");
    // Invisible: offline to others while connected.
    assert_ok(&bob.post("/api/v1/users.setStatus", json!({"status": "offline"})));
    assert_eq!(assert_ok(&admin.get("/api/v1/users.getStatus?username=bob"))["status"], "offline");
}

#[test]
fn set_status_refusals() {
    let s = Server::start();
    let admin = s.admin();
    let bob = s.user("bob");
    let res = bob.post("/api/v1/users.setStatus", json!({"status": "sleepy"}));
    assert_error(&res, 400, "error-invalid-status");
    assert_error(&bob.post("/api/v1/users.setStatus", json!({})), 400, "error-invalid-params");
    assert_error(&bob.post("/api/v1/users.setStatus", json!({"status": 3})), 400, "error-invalid-params");
    // Someone else's status needs edit-other-user-info.
    let res = bob.post("/api/v1/users.setStatus", json!({"userId": admin.user_id(), "message": "hacked"}));
    assert_error(&res, 403, "error-unauthorized");
    assert_eq!(assert_ok(&admin.get("/api/v1/users.getStatus"))["message"], "");
    let res = admin.post("/api/v1/users.setStatus", json!({"username": "nobody", "status": "away"}));
    assert_error(&res, 400, "error-invalid-user");
    // Invisible status can be disabled.
    set_setting(&s, "Accounts_AllowInvisibleStatusOption", json!(false));
    let res = bob.post("/api/v1/users.setStatus", json!({"status": "offline"}));
    assert_error(&res, 400, "error-status-not-allowed");
    // And status changes altogether.
    set_setting(&s, "Accounts_AllowUserStatusMessageChange", json!(false));
    let res = bob.post("/api/v1/users.setStatus", json!({"message": "x"}));
    assert_error(&res, 400, "error-not-allowed");
    assert_eq!(assert_ok(&bob.get("/api/v1/users.getStatus"))["message"], "");
    assert_eq!(s.anon().post("/api/v1/users.setStatus", json!({"status": "away"})).status, 401);
    assert_error(&admin.get("/api/v1/users.getStatus?userId=nope"), 400, "error-invalid-user");
}

#[test]
fn presence_lookups() {
    let s = Server::start();
    let admin = s.admin();
    let bob = s.user("bob");
    let carol = s.user("carol");
    let bid = bob.user_id().to_string();
    let mut watcher = Ddp::resume(&admin);
    watcher.sub_ok("stream-notify-logged", "user-status");
    let _online = Ddp::resume(&bob);
    watcher.event("stream-notify-logged", "user-status", |a| a[0][0] == bid.as_str() && a[0][2] == 1);

    // getPresence: others see the presence only; oneself also the connection and last login.
    let p = assert_ok(&admin.get("/api/v1/users.getPresence?username=bob")).clone();
    assert_eq!(p["presence"], "online");
    assert!(p.get("connectionStatus").is_none() && p.get("lastLogin").is_none());
    let own = assert_ok(&bob.get("/api/v1/users.getPresence")).clone();
    assert_eq!((own["presence"].as_str(), own["connectionStatus"].as_str()), (Some("online"), Some("online")));
    assert!(own["lastLogin"].as_str().is_some_and(|d| d.ends_with('Z')), "{own}");
    assert_eq!(
        assert_ok(&admin.get(&format!("/api/v1/users.getPresence?userId={}", carol.user_id())))["presence"],
        "offline"
    );
    assert_error(&admin.get("/api/v1/users.getPresence?username=nobody"), 400, "error-invalid-user");

    // users.presence by ids: only those not offline.
    assert_ok(&bob.post("/api/v1/users.setStatus", json!({"status": "busy", "message": "deep work"})));
    let list = assert_ok(&admin.get(&format!("/api/v1/users.presence?ids[]={bid}&ids[]={}", carol.user_id()))).clone();
    assert_eq!(list["full"], false);
    let users = list["users"].as_array().unwrap();
    assert_eq!(users.len(), 1, "{list}");
    let u = &users[0];
    assert_eq!(
        (u["_id"].as_str(), u["username"].as_str(), u["name"].as_str()),
        (Some(bid.as_str()), Some("bob"), Some("bob"))
    );
    assert_eq!((u["status"].as_str(), u["statusText"].as_str()), (Some("busy"), Some("deep work")));
    assert!(u["utcOffset"].is_number());
    let list = assert_ok(&admin.get(&format!("/api/v1/users.presence?ids={bid},{}", carol.user_id()))).clone();
    assert_eq!(list["users"].as_array().unwrap().len(), 1);

    // Everyone not offline, full.
    let all = assert_ok(&admin.get("/api/v1/users.presence")).clone();
    assert_eq!(all["full"], true);
    let ids: Vec<&str> = all["users"].as_array().unwrap().iter().filter_map(|u| u["_id"].as_str()).collect();
    assert!(ids.contains(&bid.as_str()) && !ids.contains(&carol.user_id()), "{all}");

    // Changed since a recent date: others changed since, not oneself; an old or bad date → full.
    let recent = assert_ok(&admin.get("/api/v1/users.presence?from=2000-01-01T00:00:00.000Z"))["full"].clone();
    assert_eq!(recent, true);
    let before = chrono_now_minus_seconds(60);
    let changed = assert_ok(&bob.get(&format!("/api/v1/users.presence?from={before}"))).clone();
    assert_eq!(changed["full"], false);
    let ids: Vec<&str> = changed["users"].as_array().unwrap().iter().filter_map(|u| u["_id"].as_str()).collect();
    assert!(!ids.contains(&bid.as_str()), "the caller is left out: {changed}");
    assert!(ids.contains(&carol.user_id()), "users created a moment ago count as changed: {changed}");
    assert_eq!(assert_ok(&admin.get("/api/v1/users.presence?from=yesterday"))["full"], true);

    // Presence broadcast disabled: nobody.
    set_setting(&s, "Presence_broadcast_disabled", json!(true));
    let none = assert_ok(&admin.get("/api/v1/users.presence")).clone();
    assert_eq!((none["users"].as_array().map(Vec::len), none["full"].as_bool()), (Some(0), Some(true)));
    assert_eq!(s.anon().get("/api/v1/users.presence").status, 401);
}

/// An ISO date `secs` seconds ago.
fn chrono_now_minus_seconds(secs: i64) -> String {
    (chrono::Utc::now() - chrono::Duration::seconds(secs)).to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}
