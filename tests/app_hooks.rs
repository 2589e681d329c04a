//! App event hooks: prevent and modify on sent and edited messages (the word-filter example),
//! the post phase through the worker (the welcome example), deadlines with fail-open and
//! fail-closed apps, and an app's own changes passing its hooks.

use std::time::Duration;

use serde_json::{Value, json};

use crate::apps::{install, package};
use crate::common::*;

const FILTER_ID: &str = "5e0f4c2a-6b1d-4e8f-9a3c-2d7b8e1f0a64";
const PROBE_ID: &str = "11111111-0000-4000-8000-000000000008";

fn send(api: &Api<'_>, room: &str, text: &str) -> Res {
    api.post("/api/v1/chat.postMessage", json!({"roomId": room, "text": text}))
}

fn text_of(api: &Api<'_>, id: &str) -> String {
    let res = api.get(&format!("/api/v1/chat.getMessage?msgId={id}"));
    assert_ok(&res)["message"]["msg"].as_str().unwrap().to_string()
}

#[test]
fn a_filter_app_masks_and_blocks_words_in_new_and_edited_messages() {
    let s = Server::start();
    let admin = s.admin();
    install(&admin, package("apps", "word-filter"));
    let bob = s.user("bob");
    // Modify: the listed words are masked, in new messages and in edits; mentions stay right.
    let sent = send(&bob, "GENERAL", "well darn it @admin");
    let message = assert_ok(&sent)["message"].clone();
    assert_eq!(message["msg"], "well **** it @admin");
    assert_eq!(message["mentions"][0]["username"], "admin");
    let id = message["_id"].as_str().unwrap().to_string();
    assert_eq!(text_of(&admin, &id), "well **** it @admin");
    let res = bob.post("/api/v1/chat.update", json!({"roomId": "GENERAL", "msgId": id, "text": "HECK yes, heckle"}));
    assert_ok(&res);
    assert_eq!(text_of(&admin, &id), "**** yes, heckle");
    assert_eq!(assert_ok(&send(&bob, "GENERAL", "all clean"))["message"]["msg"], "all clean");

    // Prevent: in block mode such a message is refused with the app's reason, and not stored.
    let res =
        admin.post(&format!("/api/apps/{FILTER_ID}/settings"), json!({"settings": [{"id": "mode", "value": "block"}]}));
    assert_ok(&res);
    let res = send(&bob, "GENERAL", "oh darn");
    assert_error(&res, 400, "error-app-prevented");
    assert!(res.body["error"].as_str().unwrap().contains("not allowed here"), "{}", res.body);
    let history = assert_ok(&admin.get("/api/v1/channels.history?roomId=GENERAL&count=10"))["messages"].clone();
    assert!(!history.as_array().unwrap().iter().any(|m| m["msg"].as_str().unwrap().contains("darn")));
    // Over DDP the sender is told the reason in an ephemeral message, as for other refusals.
    let mut ddp = crate::commands::ephemeral_listener(&bob);
    assert_eq!(ddp.call_ok("sendMessage", json!([{"rid": "GENERAL", "msg": "darn again"}])), Value::Null);
    crate::commands::ephemeral(&mut ddp, bob.user_id(), |t| t.contains("not allowed here"));
}

#[test]
fn a_post_hook_greets_people_who_join() {
    let s = Server::start();
    let admin = s.admin();
    install(&admin, package("apps", "welcome"));
    let bob = s.user("bob");
    let room = assert_ok(&admin.post("/api/v1/channels.create", json!({"name": "lobby"})))["channel"]["_id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ok(&bob.post("/api/v1/channels.join", json!({"roomId": room})));
    let greeting = poll(Duration::from_secs(30), || {
        let history = admin.get(&format!("/api/v1/channels.history?roomId={room}&count=20"));
        assert_ok(&history)["messages"].as_array().unwrap().iter().find(|m| m["msg"] == "Welcome, @bob!").cloned()
    });
    assert_eq!(greeting["u"]["username"], "welcome.bot");
    assert_eq!(greeting["mentions"][0]["username"], "bob");
}

#[test]
fn slow_hooks_fail_open_or_closed_and_an_app_passes_its_own_hooks() {
    let s = Server::start_with(
        Options::default()
            .env("OVERWRITE_SETTING_Apps_Orbit_Hook_Timeout_Ms", "200")
            .env("OVERWRITE_SETTING_Apps_Orbit_Failure_Threshold", "10"),
    );
    let admin = s.admin();
    install(&admin, package("fixtures", "probe"));
    let bob = s.user("bob");
    let res = send(&bob, "GENERAL", "please probe-block this");
    assert_error(&res, 400, "error-app-prevented");
    assert!(res.body["error"].as_str().unwrap().contains("blocked by probe"), "{}", res.body);
    // The app's own bot is not held by its own hook.
    let res =
        admin.post("/api/v1/commands.run", json!({"command": "probe-post", "roomId": "GENERAL", "params": "GENERAL"}));
    assert_ok(&res);
    poll(Duration::from_secs(30), || {
        let history = admin.get("/api/v1/channels.history?roomId=GENERAL&count=10");
        let found =
            assert_ok(&history)["messages"].as_array().unwrap().iter().any(|m| m["msg"] == "probe post probe-block");
        found.then_some(())
    });
    // A hook past its deadline: the message goes through (fail open), the app's log says why.
    let res = send(&bob, "GENERAL", "probe-spin once");
    assert_eq!(assert_ok(&res)["message"]["msg"], "probe-spin once");
    let logs = assert_ok(&admin.get(&format!("/api/apps/{PROBE_ID}/logs")))["logs"].clone();
    assert!(
        logs.as_array().unwrap().iter().any(|l| l["message"].as_str().unwrap().contains("timed out after 200 ms")),
        "{logs}"
    );
    // Listed as fail-closed: the same message is refused.
    crate::channels::set_setting(&s, "Apps_Orbit_Hooks_Fail_Closed", Value::String(PROBE_ID.into()));
    let res = send(&bob, "GENERAL", "probe-spin twice");
    assert_error(&res, 400, "error-app-prevented");
    assert!(res.body["error"].as_str().unwrap().contains("could not check"), "{}", res.body);
}
