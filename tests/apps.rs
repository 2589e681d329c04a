//! App management: `/api/apps` install, update, enable, disable, uninstall, settings, logs,
//! refusals of bad packages, the hot-reload folder, preloading and restart persistence.
//!
//! The packages come from `dist/` (built by `scripts/build-plugins`, which `scripts/test` runs).

use std::io::{Cursor, Read, Write};
use std::path::PathBuf;
use std::time::Duration;

use serde_json::{Value, json};

use crate::common::{Api, Options, Res, Server, TempDir, assert_error, assert_ok, poll};

pub const HELLO_ID: &str = "6f1d0c3e-8a0b-4c55-9a57-2f3b7c1e9d01";
pub const BUILTIN_ID: &str = "0b7e3a52-5d61-4f0e-9b8a-1c2d3e4f5a60";
pub const DICE_ID: &str = "a3c9e2b4-7f10-4d8e-8c21-5b6a9d0e4f12";

/// `dist/<kind>/<name>.zip`, built by `scripts/build-plugins`.
pub fn dist_path(kind: &str, name: &str) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../dist").join(kind).join(format!("{name}.zip"));
    assert!(path.exists(), "{} is missing: run scripts/build-plugins (scripts/test does)", path.display());
    path
}

/// The bytes of a built package.
pub fn package(kind: &str, name: &str) -> Vec<u8> {
    std::fs::read(dist_path(kind, name)).unwrap()
}

/// A folder holding copies of the named `dist/apps` packages, for `ORBIT_PRELOAD_APPS`.
pub fn preload_dir(names: &[&str]) -> TempDir {
    let dir = TempDir::new();
    for name in names {
        std::fs::copy(dist_path("apps", name), dir.0.join(format!("{name}.zip"))).unwrap();
    }
    dir
}

/// Options that preload the given `dist/apps` packages. Keep the `TempDir` until the server
/// started.
pub fn with_apps(names: &[&str]) -> (Options, TempDir) {
    let dir = preload_dir(names);
    let opts = Options::default().env("ORBIT_PRELOAD_APPS", &dir.0.display().to_string());
    (opts, dir)
}

/// Starts a server with the given apps preloaded.
pub fn server_with(names: &[&str]) -> Server {
    let (opts, _dir) = with_apps(names);
    Server::start_with(opts)
}

/// Uploads a package as a multipart form (`field`: `app` upstream, or `file`) to `path`.
pub fn upload(api: &Api<'_>, path: &str, field: &str, zip: Vec<u8>) -> Res {
    let part = reqwest::blocking::multipart::Part::bytes(zip).file_name("app.zip").mime_str("application/zip").unwrap();
    let form = reqwest::blocking::multipart::Form::new().part(field.to_string(), part);
    api.send(api.server.http.post(api.server.url(path)).multipart(form))
}

/// Installs a package and returns the `app` of the answer.
pub fn install(api: &Api<'_>, zip: Vec<u8>) -> Value {
    let res = upload(api, "/api/apps", "app", zip);
    assert_ok(&res)["app"].clone()
}

/// Rewrites a package: `edit` changes the manifest, `extra` files are added or replaced.
pub fn repackage(zip: &[u8], mut edit: impl FnMut(&mut Value), extra: &[(&str, &[u8])]) -> Vec<u8> {
    let mut archive = zip::ZipArchive::new(Cursor::new(zip)).unwrap();
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).unwrap();
        let name = file.name().to_string();
        let mut data = Vec::new();
        file.read_to_end(&mut data).unwrap();
        if extra.iter().any(|(n, _)| *n == name) {
            continue;
        }
        if name == "app.json" {
            let mut manifest: Value = serde_json::from_slice(&data).unwrap();
            edit(&mut manifest);
            data = serde_json::to_vec(&manifest).unwrap();
        }
        out.start_file(name, options).unwrap();
        out.write_all(&data).unwrap();
    }
    for (name, data) in extra {
        out.start_file(*name, options).unwrap();
        out.write_all(data).unwrap();
    }
    out.finish().unwrap().into_inner()
}

/// A zip of the given files.
pub fn zip_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in files {
        out.start_file(*name, zip::write::SimpleFileOptions::default()).unwrap();
        out.write_all(data).unwrap();
    }
    out.finish().unwrap().into_inner()
}

/// The installed app with this id in `GET /api/apps`, if any.
pub fn listed(api: &Api<'_>, id: &str) -> Option<Value> {
    let res = api.get("/api/apps");
    assert_ok(&res)["apps"].as_array().unwrap().iter().find(|a| a["id"] == id).cloned()
}

/// Command names in `commands.list`.
pub fn command_names(api: &Api<'_>) -> Vec<String> {
    let res = api.get("/api/v1/commands.list?count=0");
    assert_ok(&res)["commands"].as_array().unwrap().iter().map(|c| c["command"].as_str().unwrap().to_string()).collect()
}

/// Writes a file into a folder the way a copy tool finishes: a hidden temporary, then a rename.
pub fn drop_file(dir: &std::path::Path, name: &str, data: &[u8]) {
    std::fs::create_dir_all(dir).unwrap();
    let tmp = dir.join(format!(".{name}.part"));
    std::fs::write(&tmp, data).unwrap();
    std::fs::rename(tmp, dir.join(name)).unwrap();
}

#[test]
fn install_list_get_and_uninstall() {
    let s = Server::start();
    let admin = s.admin();
    assert_eq!(assert_ok(&admin.get("/api/apps"))["apps"], json!([]));

    let app = install(&admin, package("apps", "hello"));
    assert_eq!(app["id"], HELLO_ID);
    assert_eq!(app["name"], "Hello");
    assert_eq!(app["nameSlug"], "hello");
    assert_eq!(app["version"], "0.1.0");
    assert_eq!(app["status"], "manually_enabled");
    assert_eq!(app["failureReason"], Value::Null);
    assert_eq!(app["commands"], json!(["hello"]));
    assert!(app["iconFileContent"].as_str().unwrap().starts_with("data:image/png;base64,"));
    assert!(app["permissions"].as_array().unwrap().iter().any(|p| p["name"] == "slashcommand"));

    let entry = listed(&admin, HELLO_ID).unwrap();
    assert_eq!(entry["status"], "manually_enabled");
    assert_eq!(assert_ok(&admin.get("/api/apps/installed"))["apps"][0]["id"], HELLO_ID);
    let one = admin.get(&format!("/api/apps/{HELLO_ID}"));
    assert_eq!(assert_ok(&one)["app"]["author"]["name"], "Orbit");
    assert!(command_names(&admin).contains(&"hello".to_string()));

    // The app's bot user exists, typed `app`.
    let bot = admin.get("/api/v1/users.info?username=hello.bot");
    let bot = assert_ok(&bot)["user"].clone();
    assert_eq!(bot["type"], "app");
    assert_eq!(bot["roles"], json!(["app"]));

    let icon = s.anon().get(&format!("/api/apps/{HELLO_ID}/icon"));
    assert_eq!(icon.status, 200);
    assert_eq!(icon.header("content-type"), Some("image/png"));

    let gone = admin.delete(&format!("/api/apps/{HELLO_ID}"));
    assert_eq!(assert_ok(&gone)["app"]["status"], "disabled");
    assert_error(&admin.get(&format!("/api/apps/{HELLO_ID}")), 404, "error-app-not-found");
    assert_error(&admin.delete(&format!("/api/apps/{HELLO_ID}")), 404, "error-app-not-found");
    assert!(listed(&admin, HELLO_ID).is_none());
    assert!(!command_names(&admin).contains(&"hello".to_string()));
    assert_eq!(admin.get("/api/v1/users.info?username=hello.bot").status, 400);
}

#[test]
fn the_upload_field_may_be_called_file() {
    let s = Server::start();
    let admin = s.admin();
    let res = upload(&admin, "/api/apps", "file", package("apps", "dice"));
    assert_eq!(assert_ok(&res)["app"]["id"], DICE_ID);
    let res = upload(&admin, "/api/apps", "other", package("apps", "hello"));
    assert_error(&res, 400, "error-app-file-missing");
}

#[test]
fn bad_packages_are_refused_with_a_reason_and_change_nothing() {
    let s = Server::start();
    let admin = s.admin();
    install(&admin, package("apps", "hello"));
    let hello = package("apps", "hello");

    let res = upload(&admin, "/api/apps", "app", b"this is not a zip".to_vec());
    assert_error(&res, 400, "error-app-package-invalid");
    assert!(res.body["error"].as_str().unwrap().contains("not a readable zip"), "{}", res.body);

    let res = upload(&admin, "/api/apps", "app", zip_of(&[("hello.wasm", b"\0asm")]));
    assert_error(&res, 400, "error-app-package-invalid");
    assert!(res.body["error"].as_str().unwrap().contains("`app.json` is missing"));

    let res = upload(&admin, "/api/apps", "app", zip_of(&[("app.json", b"{not json")]));
    assert_error(&res, 400, "error-app-manifest-invalid");

    let bad_id = repackage(&hello, |m| m["id"] = json!("not-a-uuid"), &[]);
    let res = upload(&admin, "/api/apps", "app", bad_id);
    assert_error(&res, 400, "error-app-manifest-invalid");
    assert!(res.body["error"].as_str().unwrap().contains("`id` must be a UUID"));

    let future = repackage(
        &hello,
        |m| {
            m["id"] = json!("00000000-0000-4000-8000-0000000000aa");
            m["requiredApiVersion"] = json!("^2.0.0");
        },
        &[],
    );
    let res = upload(&admin, "/api/apps", "app", future);
    assert_error(&res, 400, "error-app-incompatible-api");
    assert!(res.body["error"].as_str().unwrap().contains("^2.0.0"));

    // A file that is not a component.
    let not_wasm = repackage(
        &hello,
        |m| m["id"] = json!("00000000-0000-4000-8000-0000000000ab"),
        &[("hello.wasm", b"\0asm\x01\0\0\0garbage")],
    );
    let res = upload(&admin, "/api/apps", "app", not_wasm);
    assert_error(&res, 400, "error-app-component-invalid");

    // A component importing an interface its permissions don't cover.
    let res = upload(&admin, "/api/apps", "app", package("fixtures", "undeclared"));
    assert_error(&res, 400, "error-app-component-invalid");
    assert!(res.body["error"].as_str().unwrap().contains("`room.read`"), "{}", res.body);

    // Dropping a permission the component needs.
    let fewer = repackage(
        &hello,
        |m| {
            m["id"] = json!("00000000-0000-4000-8000-0000000000ac");
            m["permissions"] = json!([{"name": "slashcommand"}]);
        },
        &[],
    );
    let res = upload(&admin, "/api/apps", "app", fewer);
    assert_error(&res, 400, "error-app-component-invalid");
    assert!(res.body["error"].as_str().unwrap().contains("`message.write`"), "{}", res.body);

    // The same id again: install refuses, update is the way.
    let res = upload(&admin, "/api/apps", "app", hello.clone());
    assert_error(&res, 400, "error-app-already-installed");
    assert!(res.body["error"].as_str().unwrap().contains(&format!("/api/apps/{HELLO_ID}")));

    // Remote URLs are refused: the server does not download.
    let res = admin.post("/api/apps", json!({"url": "https://example.org/app.zip"}));
    assert_error(&res, 400, "error-app-url-not-supported");
    assert_error(&admin.post("/api/apps", json!({})), 400, "error-app-file-missing");

    let apps = assert_ok(&admin.get("/api/apps"))["apps"].clone();
    assert_eq!(apps.as_array().unwrap().len(), 1, "{apps}");
    assert_eq!(apps[0]["status"], "manually_enabled");
}

#[test]
fn management_needs_manage_apps() {
    let s = Server::start();
    let admin = s.admin();
    install(&admin, package("apps", "hello"));
    let bob = s.user("bob");
    let anon = s.anon();
    let id = HELLO_ID;
    for path in [
        "/api/apps".to_string(),
        format!("/api/apps/{id}"),
        format!("/api/apps/{id}/settings"),
        format!("/api/apps/{id}/logs"),
    ] {
        assert_eq!(anon.get(&path).status, 401, "{path}");
        assert_error(&bob.get(&path), 403, "error-unauthorized");
    }
    assert_error(&upload(&bob, "/api/apps", "app", package("apps", "dice")), 403, "error-unauthorized");
    assert_eq!(upload(&anon, "/api/apps", "app", package("apps", "dice")).status, 401);
    assert_error(&upload(&bob, &format!("/api/apps/{id}"), "app", package("apps", "hello")), 403, "error-unauthorized");
    assert_error(
        &bob.post(&format!("/api/apps/{id}/status"), json!({"status": "manually_disabled"})),
        403,
        "error-unauthorized",
    );
    assert_error(
        &bob.post(&format!("/api/apps/{id}/settings"), json!({"settings": [{"id": "punctuation", "value": "?"}]})),
        403,
        "error-unauthorized",
    );
    assert_error(&bob.delete(&format!("/api/apps/{id}")), 403, "error-unauthorized");
    assert_eq!(anon.delete(&format!("/api/apps/{id}")).status, 401);
    // Nothing changed.
    assert_eq!(listed(&admin, id).unwrap()["status"], "manually_enabled");

    // The permission, not the admin role, is what counts.
    assert_ok(&admin.post(
        "/api/v1/permissions.update",
        json!({"permissions": [{"_id": "manage-apps", "roles": ["admin", "user"]}]}),
    ));
    assert_ok(&bob.get("/api/apps"));
}

#[test]
fn update_replaces_the_version_and_keeps_state() {
    let s = Server::start();
    let admin = s.admin();
    install(&admin, package("apps", "hello"));
    assert_ok(
        &admin.post(
            &format!("/api/apps/{HELLO_ID}/settings"),
            json!({"settings": [{"id": "punctuation", "value": "?!"}]}),
        ),
    );
    let v2 = repackage(&package("apps", "hello"), |m| m["version"] = json!("0.2.0"), &[]);
    let res = upload(&admin, &format!("/api/apps/{HELLO_ID}"), "app", v2);
    let app = assert_ok(&res)["app"].clone();
    assert_eq!(app["version"], "0.2.0");
    assert_eq!(app["status"], "manually_enabled");
    assert_eq!(listed(&admin, HELLO_ID).unwrap()["version"], "0.2.0");
    // Settings survive the update.
    let settings = admin.get(&format!("/api/apps/{HELLO_ID}/settings"));
    assert_eq!(assert_ok(&settings)["settings"]["punctuation"]["value"], "?!");

    // A package of another app, an unknown app and a broken package are refused.
    let res = upload(&admin, &format!("/api/apps/{HELLO_ID}"), "app", package("apps", "dice"));
    assert_error(&res, 400, "error-app-id-mismatch");
    let res = upload(&admin, &format!("/api/apps/{DICE_ID}"), "app", package("apps", "dice"));
    assert_error(&res, 404, "error-app-not-found");
    let res = upload(&admin, &format!("/api/apps/{HELLO_ID}"), "app", b"junk".to_vec());
    assert_error(&res, 400, "error-app-package-invalid");
    assert_eq!(listed(&admin, HELLO_ID).unwrap()["version"], "0.2.0");

    // A disabled app stays disabled through an update.
    assert_ok(&admin.post(&format!("/api/apps/{HELLO_ID}/status"), json!({"status": "manually_disabled"})));
    let v3 = repackage(&package("apps", "hello"), |m| m["version"] = json!("0.3.0"), &[]);
    let app = assert_ok(&upload(&admin, &format!("/api/apps/{HELLO_ID}"), "app", v3))["app"].clone();
    assert_eq!(app["version"], "0.3.0");
    assert_eq!(app["status"], "manually_disabled");
}

#[test]
fn disable_and_enable_remove_and_restore_commands() {
    let s = Server::start();
    let admin = s.admin();
    install(&admin, package("apps", "hello"));
    let status = format!("/api/apps/{HELLO_ID}/status");
    assert_eq!(assert_ok(&admin.get(&status))["status"], "manually_enabled");

    let res = admin.post(&status, json!({"status": "manually_disabled"}));
    assert_eq!(assert_ok(&res)["status"], "manually_disabled");
    assert!(!command_names(&admin).contains(&"hello".to_string()));
    let run = admin.post("/api/v1/commands.run", json!({"command": "hello", "roomId": "GENERAL"}));
    assert_error(&run, 400, "error-invalid-command");
    let preview = admin.get("/api/v1/commands.preview?command=hello&roomId=GENERAL&params=x");
    assert_error(&preview, 400, "error-invalid-command");
    assert_eq!(listed(&admin, HELLO_ID).unwrap()["enabled"], false);

    let res = admin.post(&status, json!({"status": "manually_enabled"}));
    assert_eq!(assert_ok(&res)["status"], "manually_enabled");
    assert!(command_names(&admin).contains(&"hello".to_string()));
    let preview = admin.get("/api/v1/commands.preview?command=hello&roomId=GENERAL&params=x");
    assert_eq!(assert_ok(&preview)["preview"]["items"][0]["value"], "Hello, x!");

    assert_error(&admin.post(&status, json!({"status": "sideways"})), 400, "error-invalid-status");
    assert_error(&admin.post(&status, json!({})), 400, "error-invalid-status");
    let unknown = format!("/api/apps/{DICE_ID}/status");
    assert_error(&admin.post(&unknown, json!({"status": "manually_enabled"})), 404, "error-app-not-found");
}

#[test]
fn settings_are_typed_stored_and_seen_by_the_app() {
    let s = Server::start();
    let admin = s.admin();
    install(&admin, package("apps", "hello"));
    let path = format!("/api/apps/{HELLO_ID}/settings");
    let settings = assert_ok(&admin.get(&path))["settings"].clone();
    let punctuation = &settings["punctuation"];
    assert_eq!(punctuation["id"], "punctuation");
    assert_eq!(punctuation["type"], "string");
    assert_eq!(punctuation["packageValue"], "!");
    assert_eq!(punctuation["value"], "!");

    let res =
        admin.post(&path, json!({"settings": [{"id": "punctuation", "value": "?!"}, {"id": "nope", "value": 1}]}));
    assert_eq!(assert_ok(&res)["updated"], json!([{"id": "punctuation", "value": "?!"}]));
    // Unchanged values are not reported.
    let res = admin.post(&path, json!({"settings": [{"id": "punctuation", "value": "?!"}]}));
    assert_eq!(assert_ok(&res)["updated"], json!([]));
    // The app reads the new value.
    let preview = admin.get("/api/v1/commands.preview?command=hello&roomId=GENERAL&params=Ada");
    assert_eq!(assert_ok(&preview)["preview"]["items"][1]["value"], "Bonjour, Ada?!");

    assert_error(
        &admin.post(&path, json!({"settings": [{"id": "punctuation", "value": 5}]})),
        400,
        "error-invalid-setting-value",
    );
    assert_error(&admin.post(&path, json!({})), 400, "error-invalid-params");
    let one = admin.get(&format!("{path}/punctuation"));
    assert_eq!(assert_ok(&one)["setting"]["value"], "?!");
    assert_error(&admin.get(&format!("{path}/nope")), 404, "error-app-setting-not-found");
    let res = admin.post(&format!("{path}/punctuation"), json!({"setting": {"id": "punctuation", "value": "."}}));
    assert_ok(&res);
    assert_eq!(assert_ok(&admin.get(&format!("{path}/punctuation")))["setting"]["value"], ".");
    assert_error(&admin.get(&format!("/api/apps/{DICE_ID}/settings")), 404, "error-app-not-found");
}

#[test]
fn logs_show_lifecycle_and_runtime_entries() {
    let s = Server::start();
    let admin = s.admin();
    install(&admin, package("apps", "hello"));
    assert_ok(&admin.post(&format!("/api/apps/{HELLO_ID}/status"), json!({"status": "manually_disabled"})));
    let res = admin.get(&format!("/api/apps/{HELLO_ID}/logs"));
    let body = assert_ok(&res);
    let messages: Vec<&str> = body["logs"].as_array().unwrap().iter().map(|l| l["message"].as_str().unwrap()).collect();
    assert!(messages.iter().any(|m| m.starts_with("loaded version 0.1.0")), "{messages:?}");
    assert!(messages.iter().any(|m| m.starts_with("installed version 0.1.0 by admin")), "{messages:?}");
    assert!(messages[0].starts_with("status set to manually_disabled"), "newest first: {messages:?}");
    assert_eq!(body["total"].as_u64().unwrap() as usize, messages.len());
    let page = admin.get(&format!("/api/apps/{HELLO_ID}/logs?count=1"));
    assert_eq!(assert_ok(&page)["logs"].as_array().unwrap().len(), 1);
    assert_error(&admin.get(&format!("/api/apps/{DICE_ID}/logs")), 404, "error-app-not-found");
}

#[test]
fn hot_reload_installs_updates_and_uninstalls() {
    let s = Server::start();
    let admin = s.admin();
    let dir = s.data_dir.join("apps");
    drop_file(&dir, "hello.zip", &package("apps", "hello"));
    let app = poll(Duration::from_secs(30), || listed(&admin, HELLO_ID));
    assert_eq!(app["status"], "auto_enabled");
    assert_eq!(app["source"]["kind"], "folder");
    assert!(command_names(&admin).contains(&"hello".to_string()));

    // Replacing the file updates the app in place.
    let v2 = repackage(&package("apps", "hello"), |m| m["version"] = json!("0.2.0"), &[]);
    drop_file(&dir, "hello.zip", &v2);
    poll(Duration::from_secs(30), || listed(&admin, HELLO_ID).filter(|a| a["version"] == "0.2.0"));

    // A broken file is refused and leaves the running version alone.
    drop_file(&dir, "broken.zip", b"not a zip");
    drop_file(&dir, "dice.zip", &package("apps", "dice"));
    poll(Duration::from_secs(30), || listed(&admin, DICE_ID));
    assert_eq!(listed(&admin, HELLO_ID).unwrap()["version"], "0.2.0");

    // Removing the file uninstalls the app.
    std::fs::remove_file(dir.join("hello.zip")).unwrap();
    poll(Duration::from_secs(30), || listed(&admin, HELLO_ID).is_none().then_some(()));
    assert!(!command_names(&admin).contains(&"hello".to_string()));
    assert!(listed(&admin, DICE_ID).is_some());

    // The folder mirrors changes made over REST: an update rewrites the file, an uninstall
    // removes it, so a restart brings back neither the old version nor the removed app.
    let dice_v2 = repackage(&package("apps", "dice"), |m| m["version"] = json!("0.9.0"), &[]);
    assert_ok(&upload(&admin, &format!("/api/apps/{DICE_ID}"), "app", dice_v2.clone()));
    assert_eq!(std::fs::read(dir.join("dice.zip")).unwrap(), dice_v2);
    assert_ok(&admin.delete(&format!("/api/apps/{DICE_ID}")));
    assert!(!dir.join("dice.zip").exists());
}

#[test]
fn installed_apps_and_their_state_survive_a_restart() {
    let s = Server::start();
    let admin = s.admin();
    install(&admin, package("apps", "hello"));
    install(&admin, package("apps", "dice"));
    assert_ok(&admin.post(&format!("/api/apps/{DICE_ID}/status"), json!({"status": "manually_disabled"})));
    assert_ok(
        &admin.post(
            &format!("/api/apps/{HELLO_ID}/settings"),
            json!({"settings": [{"id": "punctuation", "value": "…"}]}),
        ),
    );
    let dir = s.kill();

    let s = Server::start_with(Options { data_dir: Some(dir.clone()), ..Default::default() });
    let admin = s.admin();
    let hello = listed(&admin, HELLO_ID).unwrap();
    assert_eq!(hello["status"], "manually_enabled");
    // The compiled component came from the disk cache.
    assert_eq!(hello["health"]["compiled"]["source"], "cached");
    assert_eq!(listed(&admin, DICE_ID).unwrap()["status"], "manually_disabled");
    let names = command_names(&admin);
    assert!(names.contains(&"hello".to_string()) && !names.contains(&"roll".to_string()), "{names:?}");
    let preview = admin.get("/api/v1/commands.preview?command=hello&roomId=GENERAL&params=Ada");
    assert_eq!(assert_ok(&preview)["preview"]["items"][0]["value"], "Hello, Ada…");
    drop(s);
    let _ = std::fs::remove_dir_all(dir.parent().unwrap());
}

#[test]
fn preloaded_apps_are_enabled_and_updated_to_newer_versions() {
    let preload = preload_dir(&["hello", "builtin-commands"]);
    let opts = Options::default().env("ORBIT_PRELOAD_APPS", &preload.0.display().to_string());
    let s = Server::start_with(opts.clone());
    let admin = s.admin();
    let hello = listed(&admin, HELLO_ID).unwrap();
    assert_eq!(hello["status"], "auto_enabled");
    assert_eq!(hello["source"]["kind"], "preload");
    assert_eq!(listed(&admin, BUILTIN_ID).unwrap()["status"], "auto_enabled");
    // An admin's choice is kept across restarts with the same preload folder.
    assert_ok(&admin.post(&format!("/api/apps/{BUILTIN_ID}/status"), json!({"status": "manually_disabled"})));
    let dir = s.kill();

    let v2 = repackage(&package("apps", "hello"), |m| m["version"] = json!("0.2.0"), &[]);
    std::fs::write(preload.0.join("hello.zip"), v2).unwrap();
    let s = Server::start_with(Options { data_dir: Some(dir.clone()), ..opts.clone() });
    let admin = s.admin();
    assert_eq!(listed(&admin, HELLO_ID).unwrap()["version"], "0.2.0");
    assert_eq!(listed(&admin, BUILTIN_ID).unwrap()["status"], "manually_disabled");
    // A preloaded app an admin uninstalled stays uninstalled.
    assert_ok(&admin.delete(&format!("/api/apps/{HELLO_ID}")));
    let dir = s.kill();
    let s = Server::start_with(Options { data_dir: Some(dir.clone()), ..opts });
    let admin = s.admin();
    assert!(listed(&admin, HELLO_ID).is_none());
    assert!(listed(&admin, BUILTIN_ID).is_some());
    // Installing it by hand again is fine.
    install(&admin, package("apps", "hello"));
    drop(s);
    let _ = std::fs::remove_dir_all(dir.parent().unwrap());
}
