//! Uploads: `rooms.upload`, `rooms.media` + `rooms.mediaConfirm`, `rooms.images`, the room file
//! lists, downloads and their limits.

use serde_json::{Value, json};

use crate::channels::{create_channel, set_setting};
use crate::common::*;

fn post_file(s: &Server, api: &Api, path: &str, name: &str, mime: &str, bytes: &[u8], fields: &[(&str, &str)]) -> Res {
    let part =
        reqwest::blocking::multipart::Part::bytes(bytes.to_vec()).file_name(name.to_string()).mime_str(mime).unwrap();
    let mut form = reqwest::blocking::multipart::Form::new().part("file", part);
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    api.send(s.http.post(s.url(path)).multipart(form))
}

fn get_file(s: &Server, api: Option<&Api>, url: &str, headers: &[(&str, &str)]) -> reqwest::blocking::Response {
    let mut rb = s.http.get(s.url(url));
    if let Some(a) = api {
        rb = rb.header("X-User-Id", a.user_id()).header("X-Auth-Token", a.token());
    }
    for (k, v) in headers {
        rb = rb.header(*k, *v);
    }
    rb.send().unwrap()
}

fn header(res: &reqwest::blocking::Response, name: &str) -> String {
    res.headers().get(name).map(|v| v.to_str().unwrap().to_string()).unwrap_or_default()
}

/// A PNG header of the given size (enough for the server to read its dimensions).
fn png(width: u32, height: u32) -> Vec<u8> {
    let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    b.extend_from_slice(&width.to_be_bytes());
    b.extend_from_slice(&height.to_be_bytes());
    b.extend_from_slice(b"\x08\x06\0\0\0 rest of the image");
    b
}

fn group(admin: &Api, name: &str, members: &[&str]) -> String {
    let res = admin.post("/api/v1/groups.create", json!({"name": name, "members": members}));
    assert_ok(&res)["group"]["_id"].as_str().unwrap().to_string()
}

fn title_link(res: &Res) -> String {
    assert_ok(res)["message"]["attachments"][0]["title_link"].as_str().unwrap().to_string()
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
        "Report.PDF",
        "application/pdf",
        &bytes,
        &[("msg", "the report"), ("description", "Q3 numbers")],
    );
    let m = assert_ok(&res)["message"].clone();
    assert_eq!(m["msg"], "the report");
    assert_eq!(m["u"]["username"], "bob");
    let id = m["file"]["_id"].as_str().unwrap();
    assert_eq!(
        m["file"],
        json!({"_id": id, "name": "Report.PDF", "type": "application/pdf", "size": 5000, "format": "", "typeGroup": "application"})
    );
    assert_eq!(m["files"], json!([m["file"]]));
    let url = format!("/file-upload/{id}/Report.PDF");
    assert_eq!(
        m["attachments"][0],
        json!({
            "title": "Report.PDF", "type": "file", "description": "Q3 numbers", "title_link": url,
            "title_link_download": true, "format": "PDF", "size": 5000, "fileId": id,
        })
    );
    // The bytes come back identical, as a download that is never rendered.
    let res = get_file(&s, Some(&admin), &url, &[]);
    assert_eq!(res.status(), 200);
    assert_eq!(header(&res, "content-type"), "application/pdf");
    assert_eq!(header(&res, "content-disposition"), "attachment; filename*=UTF-8''Report.PDF");
    assert_eq!(header(&res, "x-content-type-options"), "nosniff");
    assert_eq!(header(&res, "content-length"), "5000");
    let (etag, modified) = (header(&res, "etag"), header(&res, "last-modified"));
    assert_eq!(res.bytes().unwrap().to_vec(), bytes);
    // Revalidation and ranges.
    assert_eq!(get_file(&s, Some(&admin), &url, &[("If-None-Match", &etag)]).status(), 304);
    assert_eq!(get_file(&s, Some(&admin), &url, &[("If-Modified-Since", &modified)]).status(), 304);
    let res = get_file(&s, Some(&admin), &url, &[("Range", "bytes=100-199")]);
    assert_eq!((res.status().as_u16(), header(&res, "content-range")), (206, "bytes 100-199/5000".into()));
    assert_eq!(res.bytes().unwrap().to_vec(), bytes[100..200].to_vec());
    let res = get_file(&s, Some(&admin), &url, &[("Range", "bytes=6000-")]);
    assert_eq!((res.status().as_u16(), header(&res, "content-range")), (416, "bytes */5000".into()));
    // The older /ufs path serves the same file.
    let res = get_file(&s, Some(&admin), &format!("/ufs/FileSystem:Uploads/{id}/Report.PDF"), &[]);
    assert_eq!(res.bytes().unwrap().to_vec(), bytes);

    // Images: a sanitised name, their dimensions, shown inline unless downloaded.
    let res =
        post_file(&s, &bob, &format!("/api/v1/rooms.upload/{rid}"), "../../pic.png", "image/png", &png(640, 480), &[]);
    let m = assert_ok(&res)["message"].clone();
    assert_eq!((m["file"]["name"].as_str(), m["file"]["format"].as_str()), (Some("pic.png"), Some("png")));
    let a = &m["attachments"][0];
    assert_eq!((a["image_type"].as_str(), a["image_size"].as_u64()), (Some("image/png"), Some(png(1, 1).len() as u64)));
    assert_eq!(a["image_dimensions"], json!({"width": 640, "height": 480}));
    assert!(a.get("description").is_none() && a.get("format").is_none());
    let img = a["image_url"].as_str().unwrap().to_string();
    assert_eq!(img, a["title_link"].as_str().unwrap());
    let res = get_file(&s, Some(&bob), &img, &[]);
    assert!(header(&res, "content-disposition").starts_with("inline"));
    let res = get_file(&s, Some(&bob), &format!("{img}?download"), &[]);
    assert!(header(&res, "content-disposition").starts_with("attachment"));

    // Audio and video carry their own fields; an HTML file is never served as a page.
    let res = post_file(&s, &bob, &format!("/api/v1/rooms.upload/{rid}"), "a.ogg", "audio/ogg", b"OggS", &[]);
    let a = assert_ok(&res)["message"]["attachments"][0].clone();
    assert_eq!((a["audio_type"].as_str(), a["audio_size"].as_u64()), (Some("audio/ogg"), Some(4)));
    let res = post_file(&s, &bob, &format!("/api/v1/rooms.upload/{rid}"), "page.html", "text/html", b"<script>", &[]);
    let res = get_file(&s, Some(&bob), &title_link(&res), &[]);
    assert_eq!(header(&res, "content-type"), "application/octet-stream");
    assert!(header(&res, "content-disposition").starts_with("attachment"));
    assert_eq!(header(&res, "content-security-policy"), "default-src 'none'");

    // Deleting the message deletes the file.
    assert_ok(&bob.post("/api/v1/chat.delete", json!({"roomId": rid, "msgId": m["_id"]})));
    assert_eq!(get_file(&s, Some(&bob), &img, &[]).status(), 404);
}

#[test]
fn threads_and_large_files() {
    // Uploads are limited by FileUpload_MaxFileSize, not by the server's body limit.
    let s = Server::start_with(Options::default().env("ORBIT_MAX_BODY_BYTES", "1000000"));
    let admin = s.admin();
    let parent =
        assert_ok(&admin.post("/api/v1/chat.postMessage", json!({"channel": "#general", "text": "thread"})))["message"]
            ["_id"]
            .as_str()
            .unwrap()
            .to_string();
    // Three times the body limit.
    let bytes: Vec<u8> = (0..3_000_000u32).map(|i| (i * 7 % 256) as u8).collect();
    let res = post_file(
        &s,
        &admin,
        "/api/v1/rooms.upload/GENERAL",
        "big.bin",
        "application/octet-stream",
        &bytes,
        &[("tmid", &parent), ("msg", "in the thread")],
    );
    let m = assert_ok(&res)["message"].clone();
    assert_eq!((m["tmid"].as_str(), m["file"]["size"].as_u64()), (Some(parent.as_str()), Some(3_000_000)));
    let res = get_file(&s, Some(&admin), &title_link(&res), &[]);
    assert_eq!(res.bytes().unwrap().to_vec(), bytes);
    let thread = admin.get(&format!("/api/v1/chat.getThreadMessages?tmid={parent}"));
    assert_eq!(assert_ok(&thread)["messages"][0]["file"]["name"], "big.bin");
    // Other requests keep the body limit.
    let big = json!({"channel": "#general", "text": "x".repeat(2_000_000)});
    assert_eq!(admin.post("/api/v1/chat.postMessage", big).status, 413);
    // And the setting stops an upload while it is read.
    set_setting(&s, "FileUpload_MaxFileSize", json!(1_000_000));
    let res = post_file(&s, &admin, "/api/v1/rooms.upload/GENERAL", "big.bin", "application/octet-stream", &bytes, &[]);
    assert_error(&res, 400, "error-file-too-large");
    assert_eq!(res.body["error"], "File exceeds allowed size of 976.56 KB. [error-file-too-large]");
    assert_eq!(std::fs::read_dir(s.data_dir.join("uploads")).unwrap().count(), 1);
}

#[test]
fn media_then_confirm() {
    let s = Server::start();
    let admin = s.admin();
    let bob = s.user("bob");
    let res = post_file(&s, &admin, "/api/v1/rooms.media/GENERAL", "notes.txt", "text/plain", b"hello", &[]);
    let file = assert_ok(&res)["file"].clone();
    let id = file["_id"].as_str().unwrap().to_string();
    assert_eq!(file["url"], format!("/file-upload/{id}/notes.txt"));
    // Not a message yet: not listed.
    let files = admin.get("/api/v1/channels.files?roomId=GENERAL");
    assert_eq!(assert_ok(&files)["total"], 0);
    // Only the uploader confirms, in the room it was uploaded to.
    let confirm = |api: &Api, rid: &str, body: Value| api.post(&format!("/api/v1/rooms.mediaConfirm/{rid}/{id}"), body);
    assert_error(&confirm(&bob, "GENERAL", json!({"msg": "mine?"})), 400, "invalid-file");
    let other = create_channel(&admin, "other", json!({}));
    assert_error(&confirm(&admin, other["_id"].as_str().unwrap(), json!({})), 400, "invalid-file");
    let long = "x".repeat(5001);
    assert_error(&confirm(&admin, "GENERAL", json!({"description": long})), 400, "error-message-size-exceeded");
    let res = confirm(&admin, "GENERAL", json!({"msg": "see notes", "description": "d", "fileName": "../renamed.txt"}));
    let m = assert_ok(&res)["message"].clone();
    assert_eq!((m["msg"].as_str(), m["file"]["_id"].as_str()), (Some("see notes"), Some(id.as_str())));
    assert_eq!(m["file"]["name"], "renamed.txt");
    assert_eq!(m["attachments"][0]["title_link"], format!("/file-upload/{id}/renamed.txt"));
    assert_eq!(m["attachments"][0]["description"], "d");
    assert_error(&confirm(&admin, "GENERAL", json!({"msg": "twice"})), 400, "invalid-file");
    let files = admin.get("/api/v1/channels.files?roomId=GENERAL");
    let f = &assert_ok(&files)["files"][0];
    assert_eq!(
        (f["name"].as_str(), f["description"].as_str(), f["complete"].as_bool()),
        (Some("renamed.txt"), Some("d"), Some(true))
    );
    // No file, or not multipart.
    let empty = reqwest::blocking::multipart::Form::new().text("msg", "no file");
    let res = admin.send(s.http.post(s.url("/api/v1/rooms.media/GENERAL")).multipart(empty));
    assert_error(&res, 400, "error-no-file-uploaded");
    assert_error(&admin.post("/api/v1/rooms.media/GENERAL", json!({})), 400, "error-no-file-uploaded");
    // Logged-out clients can't upload.
    let res = post_file(&s, &s.anon(), "/api/v1/rooms.media/GENERAL", "a.txt", "text/plain", b"x", &[]);
    assert_eq!(res.status, 401);
    // Outsiders of a group can neither upload to it nor confirm into it.
    let g = group(&admin, "secret", &[]);
    assert_error(
        &post_file(&s, &bob, &format!("/api/v1/rooms.media/{g}"), "a.txt", "text/plain", b"x", &[]),
        403,
        "error-unauthorized",
    );
    assert_error(&bob.post(&format!("/api/v1/rooms.mediaConfirm/{g}/{id}"), json!({})), 403, "error-unauthorized");
    assert_error(
        &post_file(&s, &bob, "/api/v1/rooms.media/nope", "a.txt", "text/plain", b"x", &[]),
        403,
        "error-unauthorized",
    );
}

#[test]
fn limits() {
    let s = Server::start();
    let admin = s.admin();
    let bob = s.user("bob");
    let carol = s.user("carol");
    let g = group(&admin, "private-files", &["bob"]);
    let path = format!("/api/v1/rooms.upload/{g}");
    // Not a member: refused before anything is read.
    assert_error(&post_file(&s, &carol, &path, "a.txt", "text/plain", b"x", &[]), 403, "error-unauthorized");
    // Size (while reading and after), type and empty files.
    set_setting(&s, "FileUpload_MaxFileSize", json!(10));
    let res = post_file(&s, &bob, &path, "a.txt", "text/plain", b"more than ten bytes", &[]);
    assert_error(&res, 400, "error-file-too-large");
    assert_eq!(res.body["error"], "File exceeds allowed size of 10 B. [error-file-too-large]");
    assert_ok(&post_file(&s, &bob, &path, "a.txt", "text/plain", b"ten bytes!", &[]));
    set_setting(&s, "FileUpload_MaxFileSize", json!(-1));
    // The default blacklist has SVG.
    assert_error(&post_file(&s, &bob, &path, "a.svg", "image/svg+xml", b"<svg/>", &[]), 400, "error-invalid-file-type");
    set_setting(&s, "FileUpload_MediaTypeBlackList", json!("application/*, text/x-sh"));
    assert_error(&post_file(&s, &bob, &path, "a.zip", "application/zip", b"PK", &[]), 400, "error-invalid-file-type");
    assert_error(&post_file(&s, &bob, &path, "a.sh", "text/x-sh", b"ls", &[]), 400, "error-invalid-file-type");
    set_setting(&s, "FileUpload_MediaTypeBlackList", json!(""));
    set_setting(&s, "FileUpload_MediaTypeWhiteList", json!("image/*"));
    let res = post_file(&s, &bob, &path, "a.txt", "text/plain", b"x", &[]);
    assert_error(&res, 400, "error-invalid-file-type");
    assert_eq!(res.body["error"], "File type is not accepted. [error-invalid-file-type]");
    assert_ok(&post_file(&s, &bob, &path, "a.gif", "image/gif", b"GIF89a\x01\x00\x01\x00", &[]));
    set_setting(&s, "FileUpload_MediaTypeWhiteList", json!(""));
    assert_error(&post_file(&s, &bob, &path, "a.txt", "text/plain", b"", &[]), 400, "error-file-empty");
    assert_error(&bob.post(&path, json!({"msg": "x"})), 400, "invalid-field");
    // Posting rules apply: a read-only room refuses its members' files.
    assert_ok(&admin.post("/api/v1/groups.setReadOnly", json!({"roomId": g, "readOnly": true})));
    assert_error(&post_file(&s, &bob, &path, "a.txt", "text/plain", b"x", &[]), 400, "error-room-read-only");
    assert_ok(&admin.post("/api/v1/groups.setReadOnly", json!({"roomId": g, "readOnly": false})));
    // Direct messages can be closed to files; uploads can be turned off entirely.
    let dm = assert_ok(&bob.post("/api/v1/im.create", json!({"username": "carol"})))["room"]["_id"]
        .as_str()
        .unwrap()
        .to_string();
    let dm_path = format!("/api/v1/rooms.upload/{dm}");
    assert_ok(&post_file(&s, &bob, &dm_path, "a.txt", "text/plain", b"x", &[]));
    set_setting(&s, "FileUpload_Enabled_Direct", json!(false));
    assert_error(
        &post_file(&s, &bob, &dm_path, "a.txt", "text/plain", b"x", &[]),
        400,
        "error-direct-message-file-upload-not-allowed",
    );
    assert_ok(&post_file(&s, &bob, &path, "a.txt", "text/plain", b"x", &[]));
    set_setting(&s, "FileUpload_Enabled", json!(false));
    assert_error(&post_file(&s, &bob, &path, "a.txt", "text/plain", b"x", &[]), 400, "error-file-upload-disabled");
    // Refused uploads leave nothing behind.
    let stored = std::fs::read_dir(s.data_dir.join("uploads")).unwrap().count();
    assert_eq!(stored, 4);
}

#[test]
fn download_access() {
    let s = Server::start();
    let admin = s.admin();
    let bob = s.user("bob");
    let carol = s.user("carol");
    let g = group(&admin, "private-files", &["bob"]);
    let url = title_link(&post_file(
        &s,
        &bob,
        &format!("/api/v1/rooms.upload/{g}"),
        "s.txt",
        "text/plain",
        b"top secret",
        &[],
    ));
    let ch = create_channel(&admin, "public-files", json!({}));
    let public_url = title_link(&post_file(
        &s,
        &admin,
        &format!("/api/v1/rooms.upload/{}", ch["_id"].as_str().unwrap()),
        "p.txt",
        "text/plain",
        b"public",
        &[],
    ));
    // Protected (the default): logged in and a member of the room.
    assert_eq!(get_file(&s, Some(&bob), &url, &[]).status(), 200);
    assert_eq!(get_file(&s, Some(&carol), &url, &[]).status(), 403);
    assert_eq!(get_file(&s, None, &url, &[]).status(), 403);
    assert_eq!(get_file(&s, Some(&carol), &public_url, &[]).status(), 403);
    // Browsers authenticate with cookies or query parameters.
    let cookie = format!("rc_uid={}; rc_token={}", bob.user_id(), bob.token());
    let res = get_file(&s, None, &url, &[("Cookie", &cookie)]);
    assert_eq!(res.text().unwrap(), "top secret");
    let res = get_file(&s, None, &format!("{url}?rc_uid={}&rc_token={}", bob.user_id(), bob.token()), &[]);
    assert_eq!(res.status(), 200);
    let bad = format!("rc_uid={}; rc_token=wrong", bob.user_id());
    assert_eq!(get_file(&s, None, &url, &[("Cookie", &bad)]).status(), 403);
    // Restricted to those who can read the room: a public channel's files are open to everyone
    // logged in, a group's only to its members.
    set_setting(&s, "FileUpload_Restrict_to_room_members", json!(false));
    set_setting(&s, "FileUpload_Restrict_to_users_who_can_access_room", json!(true));
    assert_eq!(get_file(&s, Some(&carol), &public_url, &[]).status(), 200);
    assert_eq!(get_file(&s, Some(&carol), &url, &[]).status(), 403);
    // No restriction: any logged-in user.
    set_setting(&s, "FileUpload_Restrict_to_users_who_can_access_room", json!(false));
    assert_eq!(get_file(&s, Some(&carol), &url, &[]).status(), 200);
    assert_eq!(get_file(&s, None, &url, &[]).status(), 403);
    // Unprotected: anyone with the link.
    set_setting(&s, "FileUpload_ProtectFiles", json!(false));
    assert_eq!(get_file(&s, None, &url, &[]).text().unwrap(), "top secret");
    assert_eq!(get_file(&s, None, "/file-upload/nope/x.txt", &[]).status(), 404);
}

#[test]
fn files_lists_and_images() {
    let s = Server::start();
    let admin = s.admin();
    let bob = s.user("bob");
    let carol = s.user("carol");
    let g = group(&admin, "team-files", &["bob"]);
    let up = |api: &Api, rid: &str, name: &str, mime: &str, bytes: &[u8]| {
        let res = post_file(&s, api, &format!("/api/v1/rooms.upload/{rid}"), name, mime, bytes, &[]);
        assert_ok(&res)["message"]["file"]["_id"].as_str().unwrap().to_string()
    };
    let first = up(&bob, &g, "first.png", "image/png", &png(10, 20));
    up(&bob, &g, "Notes.txt", "text/plain", b"notes");
    let third = up(&admin, &g, "third.gif", "image/gif", b"GIF89a\x03\x00\x04\x00");
    // groups.files: every file, with its uploader; name filters.
    let res = bob.get(&format!("/api/v1/groups.files?roomId={g}"));
    let body = assert_ok(&res);
    assert_eq!(body["total"], 3);
    let names: Vec<_> = body["files"].as_array().unwrap().iter().map(|f| f["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["first.png", "Notes.txt", "third.gif"]);
    let f = &body["files"][0];
    assert_eq!((f["user"]["username"].as_str(), f["rid"].as_str()), (Some("bob"), Some(g.as_str())));
    assert_eq!((f["typeGroup"].as_str(), f["extension"].as_str()), (Some("image"), Some("png")));
    assert_eq!(f["identify"], json!({"format": "png", "size": {"width": 10, "height": 20}}));
    assert_eq!(f["url"], format!("/file-upload/{first}/first.png"));
    let res = bob.get(&format!("/api/v1/groups.files?roomId={g}&name=notes"));
    assert_eq!(assert_ok(&res)["files"][0]["name"], "Notes.txt");
    assert_error(&carol.get(&format!("/api/v1/groups.files?roomId={g}")), 400, "error-room-not-found");
    // im.files lists a direct message's files.
    let dm = assert_ok(&bob.post("/api/v1/im.create", json!({"username": "carol"})))["room"]["_id"]
        .as_str()
        .unwrap()
        .to_string();
    up(&carol, &dm, "for-bob.txt", "text/plain", b"hi");
    let res = bob.get(&format!("/api/v1/im.files?roomId={dm}"));
    assert_eq!(assert_ok(&res)["files"][0]["name"], "for-bob.txt");
    // rooms.images: images only, newest first, or from a given one on.
    let res = bob.get(&format!("/api/v1/rooms.images?roomId={g}"));
    let body = assert_ok(&res);
    let ids: Vec<_> = body["files"].as_array().unwrap().iter().map(|f| f["_id"].as_str().unwrap()).collect();
    assert_eq!((ids, body["total"].as_u64()), (vec![third.as_str(), first.as_str()], Some(2)));
    let res = bob.get(&format!("/api/v1/rooms.images?roomId={g}&startingFromId={first}"));
    let body = assert_ok(&res);
    assert_eq!((body["files"][0]["_id"].as_str(), body["total"].as_u64()), (Some(first.as_str()), Some(1)));
    assert_error(&carol.get(&format!("/api/v1/rooms.images?roomId={g}")), 403, "error-unauthorized");
    assert_error(&bob.get("/api/v1/rooms.images"), 400, "error-param-required");
}

#[test]
fn files_go_with_cleaned_history_and_deleted_rooms() {
    let s = Server::start();
    let admin = s.admin();
    let ch = create_channel(&admin, "temp-files", json!({}));
    let rid = ch["_id"].as_str().unwrap().to_string();
    let first =
        title_link(&post_file(&s, &admin, &format!("/api/v1/rooms.upload/{rid}"), "a.txt", "text/plain", b"one", &[]));
    assert_eq!(get_file(&s, Some(&admin), &first, &[]).status(), 200);
    let res = admin.post(
        "/api/v1/rooms.cleanHistory",
        json!({"roomId": rid, "latest": "2100-01-01T00:00:00.000Z", "oldest": "2000-01-01T00:00:00.000Z"}),
    );
    assert_ok(&res);
    assert_eq!(get_file(&s, Some(&admin), &first, &[]).status(), 404);
    let second =
        title_link(&post_file(&s, &admin, &format!("/api/v1/rooms.upload/{rid}"), "b.txt", "text/plain", b"two", &[]));
    let res = post_file(&s, &admin, &format!("/api/v1/rooms.media/{rid}"), "c.txt", "text/plain", b"three", &[]);
    assert_ok(&res);
    assert_ok(&admin.post("/api/v1/channels.delete", json!({"roomId": rid})));
    assert_eq!(get_file(&s, Some(&admin), &second, &[]).status(), 404);
    // The bytes are gone from the data directory too, unconfirmed ones included.
    let left = std::fs::read_dir(s.data_dir.join("uploads")).unwrap().count();
    assert_eq!(left, 0);
}
