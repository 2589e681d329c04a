//! Custom emoji over REST (`emoji-custom.*`, `/emoji-custom/<file>`) and DDP, with their stream
//! events.

use serde_json::{Value, json};

use crate::common::ddp::Ddp;
use crate::common::*;

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";
const GIF: &[u8] = b"GIF89a\x01\0\x01\0\0\0\0;";

/// Posts a multipart emoji form: the image under `emoji` (when given) and the text fields.
fn form(s: &Server, api: &Api, endpoint: &str, image: Option<&[u8]>, fields: &[(&str, &str)]) -> Res {
    let mut form = reqwest::blocking::multipart::Form::new();
    if let Some(bytes) = image {
        let part = reqwest::blocking::multipart::Part::bytes(bytes.to_vec()).file_name("emoji.png");
        form = form.part("emoji", part);
    }
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    api.send(s.http.post(s.url(&format!("/api/v1/{endpoint}"))).multipart(form))
}

fn listed(api: &Api) -> Vec<Value> {
    assert_ok(&api.get("/api/v1/emoji-custom.list"))["emojis"]["update"].as_array().unwrap().clone()
}

#[test]
fn admins_add_rename_and_delete_emoji() {
    let s = Server::start();
    let admin = s.admin();
    let bob = s.user("bob");
    let mut watcher = Ddp::resume(&bob);
    watcher.sub_ok("stream-notify-all", "updateEmojiCustom");
    watcher.sub_ok("stream-notify-logged", "deleteEmojiCustom");
    let before = assert_ok(&bob.get("/api/v1/emoji-custom.list"))["emojis"].clone();
    assert_eq!(before, json!({"update": [], "remove": []}));

    assert_ok(&form(
        &s,
        &admin,
        "emoji-custom.create",
        Some(PNG),
        &[("name", "Party Parrot"), ("aliases", "pp, parrot")],
    ));
    let ev = watcher.event("stream-notify-all", "updateEmojiCustom", |a| a[0]["emojiData"]["name"] == "party_parrot");
    assert_eq!(ev[0]["emojiData"]["aliases"], json!(["pp", "parrot"]));
    let emoji = listed(&bob)[0].clone();
    assert_eq!((emoji["name"].as_str(), emoji["extension"].as_str()), (Some("party_parrot"), Some("png")));
    let id = emoji["_id"].as_str().unwrap().to_string();

    // The image is served by name and by alias; unknown names get a question mark.
    let res = s.http.get(s.url("/emoji-custom/party_parrot.png")).send().unwrap();
    assert_eq!(res.headers()["content-type"], "image/png");
    let etag = res.headers()["etag"].to_str().unwrap().to_string();
    assert_eq!(res.bytes().unwrap().as_ref(), PNG);
    let again = s.http.get(s.url("/emoji-custom/pp.png")).header("if-none-match", &etag).send().unwrap();
    assert_eq!(again.status(), 304);
    let unknown = s.http.get(s.url("/emoji-custom/nope.png")).send().unwrap();
    assert_eq!(unknown.headers()["content-type"], "image/svg+xml");
    assert!(unknown.text().unwrap().contains(">?</text>"));

    // Paged listing, and changes since a date.
    assert_ok(&form(&s, &admin, "emoji-custom.create", Some(GIF), &[("name", "blob")]));
    let all = bob.get("/api/v1/emoji-custom.all?count=1");
    assert_eq!(
        (assert_ok(&all)["total"].as_u64(), assert_ok(&all)["emojis"][0]["name"].as_str()),
        (Some(2), Some("blob"))
    );
    let since = emoji["_updatedAt"].as_str().unwrap().to_string();

    // Renaming keeps the image; a new image replaces it.
    let res = form(&s, &admin, "emoji-custom.update", None, &[("_id", &id), ("name", "parrot_party"), ("aliases", "")]);
    assert_ok(&res);
    let res = s.http.get(s.url("/emoji-custom/parrot_party.png")).send().unwrap();
    assert_eq!(res.bytes().unwrap().as_ref(), PNG);
    assert_ok(&form(&s, &admin, "emoji-custom.update", Some(GIF), &[("_id", &id), ("name", "parrot_party")]));
    let res = s.http.get(s.url("/emoji-custom/parrot_party.gif")).send().unwrap();
    assert_eq!(res.headers()["content-type"], "image/gif");
    assert_eq!(res.bytes().unwrap().as_ref(), GIF);

    // Deleting announces it and lists it as removed since the earlier date.
    assert_ok(&admin.post("/api/v1/emoji-custom.delete", json!({"emojiId": id})));
    watcher.event("stream-notify-logged", "deleteEmojiCustom", |a| a[0]["emojiData"]["_id"] == id.as_str());
    let changed = bob.get(&format!("/api/v1/emoji-custom.list?updatedSince={since}"));
    let changed = &assert_ok(&changed)["emojis"];
    assert_eq!(changed["remove"][0]["_id"], id.as_str());
    assert_eq!(
        changed["update"].as_array().unwrap().iter().map(|e| e["name"].clone()).collect::<Vec<_>>(),
        [json!("blob")]
    );
    assert_eq!(listed(&bob).len(), 1);
    let gone = s.http.get(s.url("/emoji-custom/parrot_party.gif")).send().unwrap();
    assert_eq!(gone.headers()["content-type"], "image/svg+xml");
}

#[test]
fn bad_emoji_and_outsiders_are_refused() {
    let s = Server::start();
    let admin = s.admin();
    let bob = s.user("bob");
    let res = form(&s, &bob, "emoji-custom.create", Some(PNG), &[("name", "mine")]);
    assert_eq!((res.status, res.body["errorType"].as_str()), (400, Some("not_authorized")));
    let res = form(&s, &admin, "emoji-custom.create", Some(b"<svg onload=alert(1)></svg>"), &[("name", "svg")]);
    assert_error(&res, 400, "emoji-is-not-image");
    assert_error(
        &form(&s, &admin, "emoji-custom.create", Some(b"plain text"), &[("name", "txt")]),
        400,
        "emoji-is-not-image",
    );
    assert_error(
        &form(&s, &admin, "emoji-custom.create", None, &[("name", "nofile")]),
        400,
        "error-the-field-is-required",
    );
    assert_error(
        &form(&s, &admin, "emoji-custom.create", Some(PNG), &[("name", " ")]),
        400,
        "error-the-field-is-required",
    );
    assert_ok(&form(&s, &admin, "emoji-custom.create", Some(PNG), &[("name", "cat"), ("aliases", "kitty")]));
    for (name, aliases) in [("cat", ""), ("kitty", ""), ("dog", "kitty")] {
        let res = form(&s, &admin, "emoji-custom.create", Some(PNG), &[("name", name), ("aliases", aliases)]);
        assert_error(&res, 400, "Custom_Emoji_Error_Name_Or_Alias_Already_In_Use");
    }
    let id = listed(&admin)[0]["_id"].as_str().unwrap().to_string();
    let res = form(&s, &admin, "emoji-custom.update", None, &[("name", "x")]);
    assert_eq!(res.body["error"], "The required \"_id\" query param is missing.");
    let res = form(&s, &admin, "emoji-custom.update", None, &[("_id", "nope"), ("name", "x")]);
    assert_eq!(res.body, json!({"success": false, "error": "Emoji not found."}));
    let res = form(&s, &bob, "emoji-custom.update", None, &[("_id", &id), ("name", "mine")]);
    assert_eq!(res.body["errorType"], "not_authorized");
    let res = admin.post("/api/v1/emoji-custom.delete", json!({}));
    assert_eq!(res.body, json!({"success": false, "error": "The \"emojiId\" params is required!"}));
    assert_eq!(bob.post("/api/v1/emoji-custom.delete", json!({"emojiId": id})).body["errorType"], "not_authorized");
    assert_error(
        &admin.post("/api/v1/emoji-custom.delete", json!({"emojiId": "nope"})),
        400,
        "Custom_Emoji_Error_Invalid_Emoji",
    );
    assert_eq!(s.anon().get("/api/v1/emoji-custom.list").status, 401);
    // Over DDP too.
    let mut b = Ddp::resume(&bob);
    let list = b.call_ok("listEmojiCustom", json!([]));
    assert_eq!(list[0]["name"], "cat");
    assert!(list[0]["_updatedAt"]["$date"].is_i64(), "{list}");
    b.call_err("deleteEmojiCustom", json!([id]), json!("not_authorized"));
    let mut a = Ddp::resume(&admin);
    assert_eq!(a.call_ok("deleteEmojiCustom", json!([id])), json!(true));
    assert!(listed(&admin).is_empty());
}
