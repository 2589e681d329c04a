//! Preferences, status and presence, and avatars.

use serde_json::json;

use crate::channels::set_setting;
use crate::common::ddp::Ddp;
use crate::common::*;

/// A 1×1 PNG.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4, 0x89, 0x00, 0x00, 0x00, 0x0D, 0x49,
    0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0xF8, 0xCF, 0xC0, 0xF0, 0x1F, 0x00, 0x05, 0x00, 0x01, 0xFF, 0x89, 0x99, 0x3D,
    0x1D, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
];

fn upload_avatar(s: &Server, api: &Api, bytes: &[u8], mime: &str, extra: &[(&str, &str)]) -> Res {
    let part = reqwest::blocking::multipart::Part::bytes(bytes.to_vec()).file_name("a.png").mime_str(mime).unwrap();
    let mut form = reqwest::blocking::multipart::Form::new().part("image", part);
    for (k, v) in extra {
        form = form.text(k.to_string(), v.to_string());
    }
    let rb = s
        .http
        .post(s.url("/api/v1/users.setAvatar"))
        .header("X-User-Id", api.user_id())
        .header("X-Auth-Token", api.token())
        .multipart(form);
    api.send(rb)
}

fn fetch(s: &Server, path: &str, etag: Option<&str>) -> reqwest::blocking::Response {
    let mut rb = s.http.get(s.url(path));
    if let Some(e) = etag {
        rb = rb.header("If-None-Match", e);
    }
    rb.send().unwrap()
}

#[test]
fn preferences_round_trip_with_defaults() {
    let s = Server::start();
    let admin = s.admin();
    let bob = s.user("bob");
    let prefs = assert_ok(&bob.get("/api/v1/users.getPreferences"))["preferences"].clone();
    assert_eq!(prefs["sidebarViewMode"], "medium");
    assert_eq!(prefs["useEmojis"], true);
    let res = bob.post(
        "/api/v1/users.setPreferences",
        json!({"data": {"sidebarViewMode": "condensed", "highlights": ["deploy"], "language": "de"}}),
    );
    let body = assert_ok(&res);
    assert_eq!(body["user"]["_id"], bob.user_id());
    assert_eq!(body["user"]["settings"]["preferences"]["sidebarViewMode"], "condensed");
    let prefs = assert_ok(&bob.get("/api/v1/users.getPreferences"))["preferences"].clone();
    assert_eq!(
        (prefs["sidebarViewMode"].as_str(), prefs["highlights"][0].as_str()),
        (Some("condensed"), Some("deploy"))
    );
    assert_eq!(prefs["useEmojis"], true);
    assert_eq!(assert_ok(&bob.get("/api/v1/me"))["settings"]["preferences"]["sidebarViewMode"], "condensed");
    // Unknown keys, wrong shapes, and other users' preferences.
    let res = bob.post("/api/v1/users.setPreferences", json!({"data": {"notAPreference": 1}}));
    assert_error(&res, 400, "error-invalid-params");
    assert_eq!(bob.post("/api/v1/users.setPreferences", json!({"data": {"highlights": "x"}})).status, 400);
    assert_eq!(bob.post("/api/v1/users.setPreferences", json!({})).status, 400);
    let res =
        bob.post("/api/v1/users.setPreferences", json!({"userId": admin.user_id(), "data": {"useEmojis": false}}));
    assert_error(&res, 400, "error-action-not-allowed");
    assert_ok(
        &admin.post("/api/v1/users.setPreferences", json!({"userId": bob.user_id(), "data": {"useEmojis": false}})),
    );
}

#[test]
fn status_and_presence() {
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
    watcher.event("stream-notify-logged", "user-status", |a| a[0][0] == bid.as_str() && a[0][2] == 3);
    let st = assert_ok(&admin.get(&format!("/api/v1/users.getStatus?userId={bid}"))).clone();
    assert_eq!((st["status"].as_str(), st["message"].as_str()), (Some("busy"), Some("in a meeting")));
    assert!(st.get("connectionStatus").is_none());
    let own = assert_ok(&bob.get("/api/v1/users.getStatus")).clone();
    assert_eq!(own["connectionStatus"], "online");
    let p = assert_ok(&admin.get("/api/v1/users.getPresence?username=bob")).clone();
    assert_eq!(p["presence"], "busy");
    let list = assert_ok(&admin.get(&format!("/api/v1/users.presence?ids[]={bid}"))).clone();
    assert_eq!((list["full"].as_bool(), list["users"][0]["status"].as_str()), (Some(false), Some("busy")));
    let all = assert_ok(&admin.get("/api/v1/users.presence")).clone();
    assert_eq!(all["full"], true);
    assert!(all["users"].as_array().unwrap().iter().any(|u| u["_id"] == bid.as_str()));
    // Bad statuses, other users, disabled messages.
    assert_error(&bob.post("/api/v1/users.setStatus", json!({"status": "sleepy"})), 400, "error-invalid-status");
    assert_eq!(bob.post("/api/v1/users.setStatus", json!({})).status, 400);
    let res = bob.post("/api/v1/users.setStatus", json!({"userId": admin.user_id(), "message": "hacked"}));
    assert_error(&res, 400, "error-not-allowed");
    set_setting(&s, "Accounts_AllowUserStatusMessageChange", json!(false));
    assert_error(&bob.post("/api/v1/users.setStatus", json!({"message": "x"})), 400, "error-not-allowed");
    assert_error(&admin.get("/api/v1/users.getStatus?userId=nope"), 400, "error-invalid-user");
}

#[test]
fn avatars_upload_serve_and_reset() {
    let s = Server::start();
    let admin = s.admin();
    let bob = s.user("bob");
    // Without an upload: an SVG of the initials, cacheable by ETag.
    let res = fetch(&s, "/avatar/bob", None);
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/svg+xml");
    let etag = res.headers()["etag"].to_str().unwrap().to_string();
    assert!(res.text().unwrap().contains(">BO<"));
    assert_eq!(fetch(&s, "/avatar/bob", Some(&etag)).status(), 304);
    assert!(fetch(&s, "/avatar/nobody.here", None).text().unwrap().contains(">NH<"));
    // Upload a PNG: served as is, with a new ETag that the user carries.
    assert_ok(&upload_avatar(&s, &bob, PNG, "image/png", &[]));
    let res = fetch(&s, "/avatar/bob", None);
    assert_eq!(res.headers()["content-type"], "image/png");
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert_eq!(res.bytes().unwrap().as_ref(), PNG);
    let info = assert_ok(&admin.get(&format!("/api/v1/users.info?userId={}", bob.user_id())))["user"].clone();
    assert!(info["avatarETag"].is_string());
    // users.getAvatar redirects there.
    let client = reqwest::blocking::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let res = client
        .get(s.url("/api/v1/users.getAvatar?username=bob"))
        .header("X-User-Id", bob.user_id())
        .header("X-Auth-Token", bob.token())
        .send()
        .unwrap();
    assert_eq!(res.status(), 307);
    assert!(res.headers()["location"].to_str().unwrap().ends_with("/avatar/bob"));
    // Not an image; too big; someone else's without permission.
    assert_error(&upload_avatar(&s, &bob, b"plain text", "image/png", &[]), 400, "error-invalid-image");
    set_setting(&s, "FileUpload_MaxFileSize", json!(10));
    assert_error(&upload_avatar(&s, &bob, PNG, "image/png", &[]), 400, "error-file-too-large");
    set_setting(&s, "FileUpload_MaxFileSize", json!(104857600));
    let res = upload_avatar(&s, &bob, PNG, "image/png", &[("username", "admin")]);
    assert_eq!(res.status, 403);
    assert_ok(&upload_avatar(&s, &admin, PNG, "image/png", &[("username", "bob")]));
    // A data: URL works too; a remote URL is refused.
    let data = format!("data:image/png;base64,{}", base64_encode(PNG));
    assert_ok(&admin.post("/api/v1/users.setAvatar", json!({"avatarUrl": data})));
    let res = admin.post("/api/v1/users.setAvatar", json!({"avatarUrl": "https://example.com/a.png"}));
    assert_error(&res, 400, "error-avatar-url-handling");
    // Reset: back to initials.
    assert_ok(&bob.post("/api/v1/users.resetAvatar", json!({})));
    assert_eq!(fetch(&s, "/avatar/bob", None).headers()["content-type"], "image/svg+xml");
    assert_eq!(s.anon().post("/api/v1/users.resetAvatar", json!({})).status, 401);
    // Room avatars: a channel's initials.
    assert!(fetch(&s, "/avatar/room/GENERAL", None).text().unwrap().contains(">GE<"));
    // Blocking unauthenticated access.
    set_setting(&s, "Accounts_AvatarBlockUnauthenticatedAccess", json!(true));
    assert_eq!(fetch(&s, "/avatar/bob", None).status(), 401);
    let res = s
        .http
        .get(s.url("/avatar/bob"))
        .header("Cookie", format!("rc_uid={}; rc_token={}", bob.user_id(), bob.token()))
        .send()
        .unwrap();
    assert_eq!(res.status(), 200);
}

fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
