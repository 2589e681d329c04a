//! What an app may reach, whatever it asks for: rooms and messages the invoker or its bot can
//! read, ephemeral messages to the invoker only, public settings only, threads in the room
//! named, commands nobody else provides, and error texts of bounded size.

use serde_json::{Value, json};

use crate::apps::{install, listed, package, repackage};
use crate::commands::{ephemeral, ephemeral_listener};
use crate::common::*;

const PROBE_ID: &str = "11111111-0000-4000-8000-000000000008";

fn run(api: &Api<'_>, room: &str, command: &str, params: &str) -> Res {
    api.post("/api/v1/commands.run", json!({"command": command, "roomId": room, "params": params}))
}

/// Runs a probe command as `api` in `#general` and returns what the app reported to them.
fn probe(api: &Api<'_>, command: &str, params: &str) -> String {
    let mut ddp = ephemeral_listener(api);
    assert_ok(&run(api, "GENERAL", command, params));
    let told = ephemeral(&mut ddp, api.user_id(), |t| t.starts_with("ok: ") || t == "none" || t.starts_with("err: "));
    told["msg"].as_str().unwrap().to_string()
}

fn id_of(v: &Value) -> String {
    v["_id"].as_str().unwrap().to_string()
}

#[test]
fn apps_reach_only_what_the_invoker_or_their_bot_can_read() {
    let s = Server::start();
    let admin = s.admin();
    install(&admin, package("fixtures", "probe"));
    let (bob, carol, dave) = (s.user("bob"), s.user("carol"), s.user("dave"));
    let dm = id_of(&assert_ok(&bob.post("/api/v1/im.create", json!({"username": "carol"})))["room"]);
    let secret =
        assert_ok(&bob.post("/api/v1/chat.postMessage", json!({"roomId": dm, "text": "our secret"})))["message"]
            .clone();
    let secret = id_of(&secret);

    // A direct message between two others: absent for dave's commands, there for bob's.
    assert_eq!(probe(&dave, "probe-room", &dm), "none");
    assert_eq!(probe(&bob, "probe-room", &dm), format!("ok: {dm:?}"));
    assert_eq!(probe(&dave, "probe-message", &secret), "none");
    assert_eq!(probe(&carol, "probe-message", &secret), "ok: \"our secret\"");
    let told = probe(&dave, "probe-post", &dm);
    assert!(told.starts_with("err: ") && told.contains("may not access this room"), "{told}");
    // Public channels are readable by anyone.
    assert_eq!(probe(&dave, "probe-room", "GENERAL"), "ok: \"GENERAL\"");

    // Ephemeral messages reach the invoker only.
    let told = probe(&dave, "probe-notify", carol.user_id());
    assert!(told.starts_with("err: ") && told.contains("only the user who invoked"), "{told}");
    assert_eq!(probe(&dave, "probe-notify", dave.user_id()), "ok: \"sent\"");

    // A reply names its thread's room: a thread elsewhere is refused.
    let other = id_of(&assert_ok(&admin.post("/api/v1/channels.create", json!({"name": "elsewhere"})))["channel"]);
    let root =
        assert_ok(&admin.post("/api/v1/chat.postMessage", json!({"roomId": other, "text": "root"})))["message"].clone();
    let told = probe(&admin, "probe-post", &format!("GENERAL {}", id_of(&root)));
    assert!(told.starts_with("err: ") && told.contains("another room"), "{told}");
    assert!(probe(&admin, "probe-post", &format!("{other} {}", id_of(&root))).starts_with("ok: "));

    // Only public settings.
    assert_eq!(probe(&dave, "probe-setting", "SMTP_Host"), "none");
    assert_eq!(probe(&dave, "probe-setting", "Accounts_RegistrationForm_SecretURL"), "none");
    assert_eq!(probe(&dave, "probe-setting", "Site_Name"), r#"ok: "\"Orbit\"""#);
}

#[test]
fn an_app_granted_wider_reach_gets_it() {
    let s = Server::start();
    let admin = s.admin();
    let wide = repackage(
        &package("fixtures", "probe"),
        |m| {
            let perms = m["permissions"].as_array_mut().unwrap();
            perms.push(json!({"name": "orbit.access-any-room"}));
            perms.push(json!({"name": "orbit.notify-any-user"}));
        },
        &[],
    );
    install(&admin, wide);
    let (bob, carol, dave) = (s.user("bob"), s.user("carol"), s.user("dave"));
    let dm = id_of(&assert_ok(&bob.post("/api/v1/im.create", json!({"username": "carol"})))["room"]);
    assert_eq!(probe(&dave, "probe-room", &dm), format!("ok: {dm:?}"));
    let mut carols = ephemeral_listener(&carol);
    assert_eq!(probe(&dave, "probe-notify", carol.user_id()), "ok: \"sent\"");
    ephemeral(&mut carols, carol.user_id(), |t| t == "psst");
}

#[test]
fn error_texts_are_bounded() {
    let s = Server::start();
    let admin = s.admin();
    install(&admin, package("fixtures", "probe"));
    let mut ddp = ephemeral_listener(&admin);
    assert_ok(&run(&admin, "GENERAL", "probe-fail", "1000000"));
    let told = ephemeral(&mut ddp, admin.user_id(), |t| t.starts_with("xxx"));
    let shown = told["msg"].as_str().unwrap().chars().count();
    assert!((5000..=5001).contains(&shown), "{shown} characters shown");
}

#[test]
fn a_command_has_one_owner() {
    let s = Server::start();
    let admin = s.admin();
    install(&admin, package("fixtures", "probe"));
    // Another app providing the same commands installs, but is not enabled.
    let twin = repackage(
        &package("fixtures", "probe"),
        |m| {
            m["id"] = json!("11111111-0000-4000-8000-000000000009");
            m["name"] = json!("Fixture twin");
            m["nameSlug"] = json!("fixture-twin");
        },
        &[],
    );
    let app = install(&admin, twin);
    assert_eq!(app["status"], "error-disabled", "{app}");
    let twin = listed(&admin, "11111111-0000-4000-8000-000000000009").unwrap();
    assert!(twin["failureReason"].as_str().unwrap().contains("already provided by the app"), "{twin}");
    // Enabling it again is refused the same way; the first app keeps the command.
    let res =
        admin.post("/api/apps/11111111-0000-4000-8000-000000000009/status", json!({"status": "manually_enabled"}));
    assert_eq!(assert_ok(&res)["status"], "error-disabled");
    let commands = assert_ok(&admin.get("/api/v1/commands.get?command=probe-room"))["command"].clone();
    assert_eq!(commands["appId"], PROBE_ID, "{commands}");
    // Disabling the first does not hand the command over.
    let res = admin.post(&format!("/api/apps/{PROBE_ID}/status"), json!({"status": "manually_disabled"}));
    assert_ok(&res);
    assert_eq!(listed(&admin, "11111111-0000-4000-8000-000000000009").unwrap()["status"], "error-disabled");
}
