//! Uploads: `rooms.upload`, `rooms.media` + `rooms.mediaConfirm`, downloads and their limits.

use serde_json::json;

use crate::channels::{create_channel, set_setting};
use crate::common::*;

fn post_file(s: &Server, api: &Api, path: &str, name: &str, mime: &str, bytes: &[u8], fields: &[(&str, &str)]) -> Res {
    let part =
        reqwest::blocking::multipart::Part::bytes(bytes.to_vec()).file_name(name.to_string()).mime_str(mime).unwrap();
    let mut form = reqwest::blocking::multipart::Form::new().part("file", part);
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    let rb =
        s.http.post(s.url(path)).header("X-User-Id", api.user_id()).header("X-Auth-Token", api.token()).multipart(form);
    api.send(rb)
}

fn get_file(s: &Server, api: Option<&Api>, url: &str) -> reqwest::blocking::Response {
    let mut rb = s.http.get(s.url(url));
    if let Some(a) = api {
        rb = rb.header("X-User-Id", a.user_id()).header("X-Auth-Token", a.token());
    }
    rb.send().unwrap()
}

#[test]
fn upload_download_round_trip() {
    let s = Server::start();
    let admin = s.admin();
    let bob = s.user("bob");
    let ch = create_channel(&admin, "files", json!({"members": ["bob"]}));
    let rid = ch["_id"].as_str().unwrap();
    let bytes: Vec<u8> = (0..5000u32).map(|i| (i % 251) as u8).collect();
    let res = post_file(
        &s,
        &bob,
        &format!("/api/v1/rooms.upload/{rid}"),
        "report.pdf",
        "application/pdf",
        &bytes,
        &[("msg", "the report"), ("description", "Q3 numbers")],
    );
    let m = assert_ok(&res)["message"].clone();
    assert_eq!(m["msg"], "the report");
    assert_eq!(m["file"]["name"], "report.pdf");
    assert_eq!(m["file"]["type"], "application/pdf");
    assert_eq!(m["file"]["size"], 5000);
    let a = &m["attachments"][0];
    assert_eq!(
        (a["title"].as_str(), a["type"].as_str(), a["description"].as_str()),
        (Some("report.pdf"), Some("file"), Some("Q3 numbers"))
    );
    let url = a["title_link"].as_str().unwrap().to_string();
    assert!(url.starts_with("/file-upload/"));
    let res = get_file(&s, Some(&admin), &url);
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    assert!(res.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"));
    assert_eq!(res.bytes().unwrap().to_vec(), bytes);
    // Listed among the room's files.
    let files = assert_ok(&admin.get(&format!("/api/v1/channels.files?roomId={rid}")))["files"].clone();
    assert_eq!(files[0]["name"], "report.pdf");
    // Images show inline and carry image fields.
    let res =
        post_file(&s, &bob, &format!("/api/v1/rooms.upload/{rid}"), "../../pic.png", "image/png", b"\x89PNG fake", &[]);
    let m = assert_ok(&res)["message"].clone();
    assert_eq!(m["file"]["name"], "pic.png");
    assert_eq!(m["attachments"][0]["image_type"], "image/png");
    let img = m["attachments"][0]["image_url"].as_str().unwrap().to_string();
    let res = get_file(&s, Some(&bob), &img);
    assert!(res.headers()["content-disposition"].to_str().unwrap().starts_with("inline"));
    // Deleting the message deletes the file.
    assert_ok(&bob.post("/api/v1/chat.delete", json!({"roomId": rid, "msgId": m["_id"]})));
    assert_eq!(get_file(&s, Some(&bob), &img).status(), 404);
}

#[test]
fn media_then_confirm() {
    let s = Server::start();
    let admin = s.admin();
    let bob = s.user("bob");
    let res = post_file(&s, &admin, "/api/v1/rooms.media/GENERAL", "notes.txt", "text/plain", b"hello", &[]);
    let file = assert_ok(&res)["file"].clone();
    let id = file["_id"].as_str().unwrap();
    assert!(file["url"].as_str().unwrap().ends_with("/notes.txt"));
    // Only the uploader confirms.
    let res = bob.post(&format!("/api/v1/rooms.mediaConfirm/GENERAL/{id}"), json!({"msg": "mine?"}));
    assert_error(&res, 400, "error-file-not-found");
    let res = admin
        .post(&format!("/api/v1/rooms.mediaConfirm/GENERAL/{id}"), json!({"msg": "see notes", "description": "d"}));
    let m = assert_ok(&res)["message"].clone();
    assert_eq!((m["msg"].as_str(), m["file"]["_id"].as_str()), (Some("see notes"), Some(id)));
    let res = admin.post(&format!("/api/v1/rooms.mediaConfirm/GENERAL/{id}"), json!({"msg": "twice"}));
    assert_error(&res, 400, "error-file-not-found");
}

#[test]
fn limits_and_access() {
    let s = Server::start();
    let admin = s.admin();
    let bob = s.user("bob");
    let carol = s.user("carol");
    let g =
        assert_ok(&admin.post("/api/v1/groups.create", json!({"name": "private-files", "members": ["bob"]})))["group"]
            ["_id"]
            .as_str()
            .unwrap()
            .to_string();
    let path = format!("/api/v1/rooms.upload/{g}");
    // Not a member: refused.
    assert_eq!(post_file(&s, &carol, &path, "a.txt", "text/plain", b"x", &[]).status, 400);
    // Size, type and empty files.
    set_setting(&s, "FileUpload_MaxFileSize", json!(10));
    assert_error(
        &post_file(&s, &bob, &path, "a.txt", "text/plain", b"more than ten bytes", &[]),
        400,
        "error-file-too-large",
    );
    set_setting(&s, "FileUpload_MaxFileSize", json!(-1));
    assert_error(&post_file(&s, &bob, &path, "a.svg", "image/svg+xml", b"<svg/>", &[]), 400, "error-invalid-file-type");
    set_setting(&s, "FileUpload_MediaTypeWhiteList", json!("image/*"));
    assert_error(&post_file(&s, &bob, &path, "a.txt", "text/plain", b"x", &[]), 400, "error-invalid-file-type");
    set_setting(&s, "FileUpload_MediaTypeWhiteList", json!(""));
    assert_error(&post_file(&s, &bob, &path, "a.txt", "text/plain", b"", &[]), 400, "error-file-empty");
    let no_file = bob.post(&path, json!({"msg": "x"}));
    assert_eq!(no_file.status, 400);
    // Downloads follow room access; anonymous downloads need ProtectFiles off.
    let res = post_file(&s, &bob, &path, "secret.txt", "text/plain", b"top secret", &[]);
    let url = assert_ok(&res)["message"]["attachments"][0]["title_link"].as_str().unwrap().to_string();
    assert_eq!(get_file(&s, Some(&bob), &url).status(), 200);
    assert_eq!(get_file(&s, Some(&carol), &url).status(), 403);
    assert_eq!(get_file(&s, None, &url).status(), 401);
    let res = s
        .http
        .get(s.url(&url))
        .header("Cookie", format!("rc_uid={}; rc_token={}", bob.user_id(), bob.token()))
        .send()
        .unwrap();
    assert_eq!(res.status(), 200);
    set_setting(&s, "FileUpload_ProtectFiles", json!(false));
    assert_eq!(get_file(&s, None, &url).status(), 200);
    assert_eq!(get_file(&s, None, "/file-upload/nope/x.txt").status(), 404);
    set_setting(&s, "FileUpload_Enabled", json!(false));
    assert_error(&post_file(&s, &bob, &path, "a.txt", "text/plain", b"x", &[]), 400, "error-file-upload-disabled");
}

#[test]
fn files_go_with_cleaned_history_and_deleted_rooms() {
    let s = Server::start();
    let admin = s.admin();
    let ch = create_channel(&admin, "temp-files", json!({}));
    let rid = ch["_id"].as_str().unwrap().to_string();
    let url = |res: &Res| assert_ok(res)["message"]["attachments"][0]["title_link"].as_str().unwrap().to_string();
    let first = url(&post_file(&s, &admin, &format!("/api/v1/rooms.upload/{rid}"), "a.txt", "text/plain", b"one", &[]));
    assert_eq!(get_file(&s, Some(&admin), &first).status(), 200);
    let res = admin.post(
        "/api/v1/rooms.cleanHistory",
        json!({"roomId": rid, "latest": "2100-01-01T00:00:00.000Z", "oldest": "2000-01-01T00:00:00.000Z"}),
    );
    assert_ok(&res);
    assert_eq!(get_file(&s, Some(&admin), &first).status(), 404);
    let second =
        url(&post_file(&s, &admin, &format!("/api/v1/rooms.upload/{rid}"), "b.txt", "text/plain", b"two", &[]));
    assert_ok(&admin.post("/api/v1/channels.delete", json!({"roomId": rid})));
    assert_eq!(get_file(&s, Some(&admin), &second).status(), 404);
    // The bytes are gone from the data directory too.
    let left = std::fs::read_dir(s.data_dir.join("uploads")).unwrap().count();
    assert_eq!(left, 0);
}
