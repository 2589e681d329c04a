//! Avatars: `users.setAvatar`, `users.getAvatar`, `users.resetAvatar`, and the images at
//! `/avatar/<username>`, `/avatar/uid/<id>` and `/avatar/room/<rid>`.

use base64::Engine;
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

/// The start of a JPEG (the signature is what counts).
const JPEG: &[u8] = &[0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0x00, 0x01];

const SVG: &str =
    "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 1 1\"><rect width=\"1\" height=\"1\"/></svg>";

/// `users.setAvatar` as multipart with the image under `field`, plus text fields.
fn upload(api: &Api, field: &str, bytes: &[u8], mime: &str, extra: &[(&str, &str)]) -> Res {
    let s = api.server;
    let part = reqwest::blocking::multipart::Part::bytes(bytes.to_vec()).file_name("avatar").mime_str(mime).unwrap();
    let mut form = reqwest::blocking::multipart::Form::new();
    for (k, v) in extra {
        form = form.text(k.to_string(), v.to_string());
    }
    form = form.part(field.to_string(), part);
    api.send(s.http.post(s.url("/api/v1/users.setAvatar")).multipart(form))
}

/// A plain GET of an avatar path, with extra request headers.
fn fetch(s: &Server, path: &str, headers: &[(&str, &str)]) -> reqwest::blocking::Response {
    let mut rb = s.http.get(s.url(path));
    for (k, v) in headers {
        rb = rb.header(*k, *v);
    }
    rb.send().unwrap()
}

fn header(res: &reqwest::blocking::Response, name: &str) -> String {
    res.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string()
}

fn no_redirects() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

fn data_url(mime: &str, bytes: &[u8]) -> String {
    format!("data:{mime};base64,{}", base64::engine::general_purpose::STANDARD.encode(bytes))
}

#[test]
fn initials_avatars() {
    let s = Server::start();
    let _bob = s.user("bob");
    // No upload: an SVG of the first letter on a colour chosen by the name, cacheable.
    let res = fetch(&s, "/avatar/bob", &[]);
    assert_eq!(res.status(), 200);
    assert_eq!(header(&res, "content-type"), "image/svg+xml");
    assert_eq!(header(&res, "cache-control"), "public, max-age=3600");
    assert_eq!(header(&res, "content-disposition"), "inline");
    assert_eq!(header(&res, "last-modified"), "Thu, 01 Jan 2015 00:00:00 GMT");
    let etag = header(&res, "etag");
    let svg = res.text().unwrap();
    assert!(svg.contains("viewBox=\"0 0 200 200\"") && svg.contains("\nB\n") && svg.contains("#E26D0E"), "{svg}");
    // Revalidation by ETag or by the fixed Last-Modified.
    assert_eq!(fetch(&s, "/avatar/bob", &[("If-None-Match", &etag)]).status(), 304);
    let res = fetch(&s, "/avatar/bob", &[("If-Modified-Since", "Thu, 01 Jan 2015 00:00:00 GMT")]);
    assert_eq!(res.status(), 304);
    assert_eq!(fetch(&s, "/avatar/bob", &[("If-None-Match", "\"other\"")]).status(), 200);
    // size (clamped), format (initials stay SVG), cacheTime, and an image extension are tolerated.
    let res = fetch(&s, "/avatar/bob?size=64&format=png&cacheTime=60", &[]);
    assert_eq!(header(&res, "cache-control"), "public, max-age=60");
    assert_eq!(header(&res, "content-type"), "image/svg+xml");
    assert!(res.text().unwrap().contains("viewBox=\"0 0 64 64\""));
    assert!(fetch(&s, "/avatar/bob?size=5", &[]).text().unwrap().contains("viewBox=\"0 0 16 16\""));
    assert!(fetch(&s, "/avatar/bob?size=big", &[]).text().unwrap().contains("viewBox=\"0 0 200 200\""));
    assert!(fetch(&s, "/avatar/bob.png", &[]).text().unwrap().contains("\nB\n"));
    // Unknown names and @names: the initials of what was asked for.
    let res = fetch(&s, "/avatar/nobody.here", &[]);
    assert_eq!(res.status(), 200);
    assert!(res.text().unwrap().contains("\nN\n"));
    assert!(fetch(&s, "/avatar/@general", &[]).text().unwrap().contains("\nG\n"));
    // UI_Use_Name_Avatar: the initials of the real name.
    let admin = s.admin();
    let res = admin.post(
        "/api/v1/users.create",
        json!({"username": "jd", "email": "jd@example.com", "name": "Jane Mary Doe", "password": "Passw0rd!x"}),
    );
    assert_ok(&res);
    assert!(fetch(&s, "/avatar/jd", &[]).text().unwrap().contains("\nJ\n"));
    set_setting(&s, "UI_Use_Name_Avatar", json!(true));
    assert!(fetch(&s, "/avatar/jd", &[]).text().unwrap().contains("\nJMD\n"));
    set_setting(&s, "Accounts_AvatarCacheTime", json!(10));
    assert_eq!(header(&fetch(&s, "/avatar/jd", &[]), "cache-control"), "public, max-age=10");
}

#[test]
fn upload_serve_and_reset() {
    let s = Server::start();
    let admin = s.admin();
    let bob = s.user("bob");
    let mut watcher = Ddp::resume(&admin);
    watcher.sub_ok("stream-notify-logged", "updateAvatar");

    assert_ok(&upload(&bob, "image", PNG, "image/png", &[]));
    let info = assert_ok(&admin.get(&format!("/api/v1/users.info?userId={}", bob.user_id())))["user"].clone();
    let etag = info["avatarETag"].as_str().expect("avatarETag").to_string();
    let ev = watcher.event("stream-notify-logged", "updateAvatar", |a| a[0]["username"] == "bob");
    assert_eq!(ev[0]["etag"], etag.as_str());
    let res = fetch(&s, "/avatar/bob", &[]);
    assert_eq!(res.status(), 200);
    assert_eq!(header(&res, "content-type"), "image/png");
    assert_eq!(header(&res, "etag"), format!("\"{etag}\""));
    assert_eq!(header(&res, "content-security-policy"), "default-src 'none'");
    assert_eq!(header(&res, "x-content-type-options"), "nosniff");
    let last_modified = header(&res, "last-modified");
    assert!(last_modified.ends_with(" GMT") && last_modified != "Thu, 01 Jan 2015 00:00:00 GMT");
    assert_eq!(res.bytes().unwrap().as_ref(), PNG);
    assert_eq!(fetch(&s, "/avatar/bob", &[("If-Modified-Since", &last_modified)]).status(), 304);
    assert_eq!(fetch(&s, "/avatar/bob", &[("If-None-Match", &format!("\"{etag}\""))]).status(), 304);
    // ?size and ?format do not change an uploaded image.
    assert_eq!(fetch(&s, "/avatar/bob?size=32&format=jpg", &[]).bytes().unwrap().as_ref(), PNG);
    // By user id too.
    let res = fetch(&s, &format!("/avatar/uid/{}", bob.user_id()), &[]);
    assert_eq!(res.bytes().unwrap().as_ref(), PNG);
    assert_eq!(fetch(&s, "/avatar/uid/nobody", &[]).status(), 404);

    // A new upload (field `file`, as the compatibility notes say) gets a new ETag.
    assert_ok(&upload(&bob, "file", JPEG, "image/jpeg", &[]));
    let info = assert_ok(&bob.get("/api/v1/me")).clone();
    assert_ne!(info["avatarETag"], etag.as_str());
    assert_eq!(header(&fetch(&s, "/avatar/bob", &[]), "content-type"), "image/jpeg");
    // The declared type does not matter, the bytes do: an SVG sent as PNG is served as SVG.
    assert_ok(&upload(&bob, "image", SVG.as_bytes(), "image/png", &[]));
    let res = fetch(&s, "/avatar/bob", &[]);
    assert_eq!(header(&res, "content-type"), "image/svg+xml");
    assert_eq!(res.text().unwrap(), SVG);
    // A data: URL in JSON.
    assert_ok(
        &bob.post("/api/v1/users.setAvatar", json!({"avatarUrl": data_url("image/gif", b"GIF89a\x01\x00\x01\x00")})),
    );
    assert_eq!(header(&fetch(&s, "/avatar/bob", &[]), "content-type"), "image/gif");

    // Reset: back to the initials, and announced without an ETag.
    assert_ok(&bob.post("/api/v1/users.resetAvatar", json!({})));
    watcher.event("stream-notify-logged", "updateAvatar", |a| a[0]["username"] == "bob" && a[0]["etag"].is_null());
    let res = fetch(&s, "/avatar/bob", &[]);
    assert_eq!(header(&res, "content-type"), "image/svg+xml");
    assert!(res.text().unwrap().contains("\nB\n"));
    assert!(assert_ok(&bob.get("/api/v1/me")).get("avatarETag").is_none_or(|e| e.is_null()));
    assert_eq!(s.anon().post("/api/v1/users.resetAvatar", json!({})).status, 401);
}

#[test]
fn upload_bad_input() {
    let s = Server::start();
    let bob = s.user("bob");
    // Not an image, whatever the declared type.
    assert_error(&upload(&bob, "image", b"plain text", "image/png", &[]), 400, "error-invalid-image");
    assert_error(&upload(&bob, "image", b"<html><svg/></html>", "image/svg+xml", &[]), 400, "error-invalid-image");
    assert_error(&upload(&bob, "image", b"", "image/png", &[]), 400, "error-invalid-image");
    // A form without an image.
    let form = reqwest::blocking::multipart::Form::new().text("userId", bob.user_id().to_string());
    let res = bob.send(s.http.post(s.url("/api/v1/users.setAvatar")).multipart(form));
    assert_error(&res, 400, "error-invalid-image");
    // JSON without an avatarUrl; a remote URL (the server does not download); a broken data URL.
    assert_error(&bob.post("/api/v1/users.setAvatar", json!({})), 400, "error-invalid-image");
    let res = bob.post("/api/v1/users.setAvatar", json!({"avatarUrl": "https://example.com/a.png"}));
    assert_error(&res, 400, "error-avatar-invalid-url");
    assert!(res.body["error"].as_str().unwrap().contains("does not download"));
    let res = bob.post("/api/v1/users.setAvatar", json!({"avatarUrl": "data:text/plain;base64,aGVsbG8="}));
    assert_error(&res, 400, "error-avatar-invalid-url");
    let res = bob.post("/api/v1/users.setAvatar", json!({"avatarUrl": "data:image/png;base64,%%%"}));
    assert_error(&res, 400, "error-invalid-image");
    let res = bob.post("/api/v1/users.setAvatar", json!({"avatarUrl": data_url("image/png", b"not a png")}));
    assert_error(&res, 400, "error-invalid-image");
    // Too big for FileUpload_MaxFileSize.
    set_setting(&s, "FileUpload_MaxFileSize", json!(10));
    assert_error(&upload(&bob, "image", PNG, "image/png", &[]), 400, "error-file-too-large");
    let res = bob.post("/api/v1/users.setAvatar", json!({"avatarUrl": data_url("image/png", PNG)}));
    assert_error(&res, 400, "error-file-too-large");
    // Nothing was stored by any of these.
    assert_eq!(header(&fetch(&s, "/avatar/bob", &[]), "content-type"), "image/svg+xml");
    assert!(assert_ok(&bob.get("/api/v1/me")).get("avatarETag").is_none_or(|e| e.is_null()));
    assert_eq!(s.anon().post("/api/v1/users.setAvatar", json!({"avatarUrl": data_url("image/png", PNG)})).status, 401);
}

#[test]
fn other_users_avatars_need_permission() {
    let s = Server::start();
    let admin = s.admin();
    let bob = s.user("bob");
    let _carol = s.user("carol");
    // Bob may not change or reset someone else's.
    let res = upload(&bob, "image", PNG, "image/png", &[("username", "carol")]);
    assert_error(&res, 400, "error-not-allowed");
    let res =
        bob.post("/api/v1/users.setAvatar", json!({"username": "carol", "avatarUrl": data_url("image/png", PNG)}));
    assert_error(&res, 403, "error-unauthorized");
    assert_eq!(header(&fetch(&s, "/avatar/carol", &[]), "content-type"), "image/svg+xml");
    // Admins (edit-other-user-avatar) may.
    assert_ok(&upload(&admin, "image", PNG, "image/png", &[("username", "carol")]));
    assert_eq!(header(&fetch(&s, "/avatar/carol", &[]), "content-type"), "image/png");
    assert_eq!(header(&fetch(&s, "/avatar/admin", &[]), "content-type"), "image/svg+xml", "not the admin's own");
    let res = bob.post("/api/v1/users.resetAvatar", json!({"username": "carol"}));
    assert_error(&res, 400, "error-not-allowed");
    assert_eq!(header(&fetch(&s, "/avatar/carol", &[]), "content-type"), "image/png");
    assert_ok(&admin.post("/api/v1/users.resetAvatar", json!({"userId": _carol.user_id()})));
    assert_eq!(header(&fetch(&s, "/avatar/carol", &[]), "content-type"), "image/svg+xml");
    // Unknown users.
    let res = upload(&admin, "image", PNG, "image/png", &[("username", "nobody")]);
    assert_error(&res, 400, "error-invalid-user");
    assert_error(&admin.post("/api/v1/users.resetAvatar", json!({"userId": "nobody"})), 400, "error-invalid-user");
    // With avatar changes turned off, users cannot change their own; admins still can.
    set_setting(&s, "Accounts_AllowUserAvatarChange", json!(false));
    assert_error(&upload(&bob, "image", PNG, "image/png", &[]), 400, "error-not-allowed");
    assert_error(&bob.post("/api/v1/users.resetAvatar", json!({})), 400, "error-not-allowed");
    assert_ok(&upload(&admin, "image", PNG, "image/png", &[("userId", bob.user_id())]));
    assert_eq!(header(&fetch(&s, "/avatar/bob", &[]), "content-type"), "image/png");
}

#[test]
fn get_avatar_redirects() {
    let s = Server::start();
    let bob = s.user("bob");
    let client = no_redirects();
    // No login needed.
    let res = client.get(s.url("/api/v1/users.getAvatar?username=bob")).send().unwrap();
    assert_eq!(res.status(), 307);
    let location = header(&res, "location");
    assert!(location.ends_with("/avatar/bob"), "{location}");
    assert_eq!(res.json::<serde_json::Value>().unwrap(), json!(location));
    let res = client.get(s.url(&format!("/api/v1/users.getAvatar?userId={}", bob.user_id()))).send().unwrap();
    assert!(header(&res, "location").ends_with("/avatar/bob"));
    // A logged-in caller without parameters gets their own.
    let res = client
        .get(s.url("/api/v1/users.getAvatar"))
        .header("X-User-Id", bob.user_id())
        .header("X-Auth-Token", bob.token())
        .send()
        .unwrap();
    assert!(header(&res, "location").ends_with("/avatar/bob"));
    assert_error(&s.anon().get("/api/v1/users.getAvatar"), 400, "error-user-param-not-provided");
    assert_error(&s.anon().get("/api/v1/users.getAvatar?username=nobody"), 400, "error-invalid-user");
}

#[test]
fn room_avatars() {
    let s = Server::start();
    let admin = s.admin();
    let _bob = s.user("bob");
    let res = fetch(&s, "/avatar/room/GENERAL", &[]);
    assert_eq!(res.status(), 200);
    assert_eq!(header(&res, "content-type"), "image/svg+xml");
    assert!(res.text().unwrap().contains("\nG\n"));
    assert_eq!(fetch(&s, "/avatar/room/nope", &[]).status(), 404);
    // A direct message shows the other member's initials to each side.
    let dm = assert_ok(&admin.post("/api/v1/im.create", json!({"username": "bob"})))["room"]["_id"]
        .as_str()
        .unwrap()
        .to_string();
    let seen_by_admin =
        fetch(&s, &format!("/avatar/room/{dm}"), &[("X-User-Id", admin.user_id()), ("X-Auth-Token", admin.token())]);
    assert!(seen_by_admin.text().unwrap().contains("\nB\n"));
    let cookie = format!("rc_uid={}; rc_token={}", _bob.user_id(), _bob.token());
    let seen_by_bob = fetch(&s, &format!("/avatar/room/{dm}"), &[("Cookie", &cookie)]);
    assert!(seen_by_bob.text().unwrap().contains("\nA\n"));
}

#[test]
fn blocked_unauthenticated_access() {
    let s = Server::start();
    let bob = s.user("bob");
    assert_ok(&upload(&bob, "image", PNG, "image/png", &[]));
    set_setting(&s, "Accounts_AvatarBlockUnauthenticatedAccess", json!(true));
    // Anonymous callers get the initials of what they asked for, never the image.
    let res = fetch(&s, "/avatar/bob", &[]);
    assert_eq!(res.status(), 200);
    assert_eq!(header(&res, "content-type"), "image/svg+xml");
    assert!(res.text().unwrap().contains("\nB\n"));
    let res = fetch(&s, &format!("/avatar/bob?rc_uid={}&rc_token=wrong", bob.user_id()), &[]);
    assert_eq!(header(&res, "content-type"), "image/svg+xml");
    let res = fetch(&s, "/avatar/bob", &[("Cookie", &format!("rc_uid={}; rc_token=wrong", bob.user_id()))]);
    assert_eq!(header(&res, "content-type"), "image/svg+xml");
    // Credentials in the query, in cookies or in the API headers unlock it.
    let res = fetch(&s, &format!("/avatar/bob?rc_uid={}&rc_token={}", bob.user_id(), bob.token()), &[]);
    assert_eq!(res.bytes().unwrap().as_ref(), PNG);
    let cookie = format!("rc_uid={}; rc_token={}", bob.user_id(), bob.token());
    assert_eq!(fetch(&s, "/avatar/bob", &[("Cookie", &cookie)]).bytes().unwrap().as_ref(), PNG);
    let res = fetch(&s, "/avatar/bob", &[("X-User-Id", bob.user_id()), ("X-Auth-Token", bob.token())]);
    assert_eq!(res.bytes().unwrap().as_ref(), PNG);
    let res = fetch(&s, &format!("/avatar/uid/{}", bob.user_id()), &[]);
    assert_eq!(header(&res, "content-type"), "image/svg+xml");
    assert_eq!(fetch(&s, "/avatar/room/GENERAL", &[]).status(), 200);
}
