//! The built-in commands' room actions, checked by their effects over REST: each one runs as the
//! invoking user, with that user's permissions.

use serde_json::{Value, json};

use crate::apps::server_with;
use crate::channels::create_channel;
use crate::commands::{ephemeral, ephemeral_listener};
use crate::common::{Api, assert_error, assert_ok};

fn run(api: &Api<'_>, rid: &str, command: &str, params: &str) {
    let res = api.post("/api/v1/commands.run", json!({"command": command, "roomId": rid, "params": params}));
    assert_ok(&res);
}

/// Runs a command the user lacks the permission for: refused with 403, nothing runs.
fn refused(api: &Api<'_>, rid: &str, command: &str, params: &str) {
    let res = api.post("/api/v1/commands.run", json!({"command": command, "roomId": rid, "params": params}));
    assert_error(&res, 403, "error-unauthorized");
}

fn members(api: &Api<'_>, name: &str) -> Vec<String> {
    let res = api.get(&format!("/api/v1/channels.members?roomName={name}"));
    assert_ok(&res)["members"].as_array().unwrap().iter().map(|m| m["username"].as_str().unwrap().to_string()).collect()
}

fn info(api: &Api<'_>, name: &str) -> Value {
    assert_ok(&api.get(&format!("/api/v1/channels.info?roomName={name}")))["channel"].clone()
}

#[test]
fn membership_commands_change_rooms() {
    let s = server_with(&["builtin-commands"]);
    let admin = s.admin();
    let bob = s.user("bob");
    s.user("carol");
    let ch = create_channel(&admin, "lounge", json!({}));
    let rid = ch["_id"].as_str().unwrap().to_string();
    // /join and /leave as bob.
    run(&bob, "GENERAL", "join", "#lounge");
    assert!(members(&admin, "lounge").contains(&"bob".to_string()));
    run(&bob, &rid, "leave", "");
    assert!(!members(&admin, "lounge").contains(&"bob".to_string()));
    run(&bob, "GENERAL", "join", "lounge");
    run(&bob, &rid, "part", "");
    assert!(!members(&admin, "lounge").contains(&"bob".to_string()));
    // /invite and /kick as the owner.
    run(&admin, &rid, "invite", "@bob @carol");
    let m = members(&admin, "lounge");
    assert!(m.contains(&"bob".to_string()) && m.contains(&"carol".to_string()), "{m:?}");
    run(&admin, &rid, "kick", "@carol");
    assert!(!members(&admin, "lounge").contains(&"carol".to_string()));
    // A plain member can't kick.
    refused(&bob, &rid, "kick", "@admin");
    assert!(members(&admin, "lounge").contains(&"admin".to_string()));
    // Inviting someone who doesn't exist: bob is told, nothing changes.
    let mut notices = ephemeral_listener(&admin);
    run(&admin, &rid, "invite", "@nobody");
    ephemeral(&mut notices, admin.user_id(), |t| t.contains("nobody"));
    // /invite-all-from copies members of another room.
    let other = create_channel(&admin, "crowd", json!({"members": ["carol"]}));
    run(&admin, &rid, "invite-all-from", "#crowd");
    assert!(members(&admin, "lounge").contains(&"carol".to_string()));
    assert!(other["_id"].is_string());
}

#[test]
fn room_admin_commands() {
    let s = server_with(&["builtin-commands"]);
    let admin = s.admin();
    let bob = s.user("bob");
    let ch = create_channel(&admin, "ops", json!({"members": ["bob"]}));
    let rid = ch["_id"].as_str().unwrap().to_string();
    run(&admin, &rid, "topic", "Deploys only");
    assert_eq!(info(&admin, "ops")["topic"], "Deploys only");
    // bob may not change the topic.
    refused(&bob, &rid, "topic", "hijacked");
    assert_eq!(info(&admin, "ops")["topic"], "Deploys only");
    // /mute and /unmute.
    run(&admin, &rid, "mute", "@bob");
    assert_eq!(info(&admin, "ops")["muted"], json!(["bob"]));
    let res = bob.post("/api/v1/chat.sendMessage", json!({"message": {"rid": rid, "msg": "hello?"}}));
    assert_eq!(res.status, 400);
    run(&admin, &rid, "unmute", "@bob");
    assert!(info(&admin, "ops").get("muted").is_none_or(|m| m == &json!([])));
    // /create makes a channel (or a private group) owned by the caller.
    run(&bob, "GENERAL", "create", "#bobs-place");
    let created = info(&bob, "bobs-place");
    assert_eq!(created["t"], "c");
    assert_eq!(created["u"]["username"], "bob");
    run(&bob, "GENERAL", "create", "#bobs-secret --private");
    let g = bob.get("/api/v1/groups.info?roomName=bobs-secret");
    assert_eq!(assert_ok(&g)["group"]["t"], "p");
    // /archive and /unarchive.
    run(&admin, &rid, "archive", "");
    assert_eq!(info(&admin, "ops")["archived"], true);
    run(&admin, "GENERAL", "unarchive", "#ops");
    assert!(info(&admin, "ops").get("archived").is_none_or(|a| a == false));
    // bob can't archive a room he doesn't own.
    refused(&bob, &rid, "archive", "");
    assert!(info(&admin, "ops").get("archived").is_none_or(|a| a == false));
}

#[test]
fn message_commands_post_through_the_pipeline() {
    let s = server_with(&["builtin-commands"]);
    let admin = s.admin();
    let bob = s.user("bob");
    // /msg opens the direct message and posts in it; the recipient's unread counter moves.
    run(&admin, "GENERAL", "msg", "@bob hi there");
    let dm = assert_ok(&bob.get("/api/v1/im.list"))["ims"].as_array().unwrap()[0]["_id"].as_str().unwrap().to_string();
    let hist = bob.get(&format!("/api/v1/im.history?roomId={dm}"));
    assert_eq!(assert_ok(&hist)["messages"][0]["msg"], "hi there");
    let sub = bob.get(&format!("/api/v1/subscriptions.getOne?roomId={dm}"));
    assert_eq!(assert_ok(&sub)["subscription"]["unread"], 1);
    // Typed as a message, /me posts the action instead of the text.
    let res =
        admin.post("/api/v1/chat.sendMessage", json!({"message": {"rid": "GENERAL", "msg": "/me pings @bob now"}}));
    assert_ok(&res);
    let hist = admin.get("/api/v1/channels.history?roomId=GENERAL&count=1");
    let last = assert_ok(&hist)["messages"][0].clone();
    assert_eq!(last["msg"], "_pings @bob now_");
    assert_eq!(last["mentions"][0]["username"], "bob");
}

#[test]
fn commands_over_ddp_and_typed_as_messages() {
    let s = server_with(&["builtin-commands", "hello"]);
    let admin = s.admin();
    let bob = s.user("bob");
    create_channel(&admin, "ddp-lounge", json!({}));
    let mut d = crate::common::ddp::Ddp::resume(&bob);
    // slashCommand, as older clients call it.
    d.call_ok("slashCommand", json!([{"cmd": "join", "params": "#ddp-lounge", "msg": {"rid": "GENERAL"}}]));
    assert!(members(&admin, "ddp-lounge").contains(&"bob".to_string()));
    // Typed into the composer over DDP: the command runs, nothing is posted as text.
    d.call_ok("sendMessage", json!([{"rid": "GENERAL", "msg": "/me stretches"}]));
    d.call_ok("sendMessage", json!([{"rid": "GENERAL", "msg": "/hello ddp"}]));
    let hist = admin.get("/api/v1/channels.history?roomId=GENERAL&count=5");
    let texts: Vec<String> = assert_ok(&hist)["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["msg"].as_str().map(String::from))
        .collect();
    assert!(texts.contains(&"_stretches_".to_string()), "{texts:?}");
    assert!(!texts.iter().any(|t| t.starts_with('/')), "{texts:?}");
    assert!(texts.iter().any(|t| t.contains("ddp")), "{texts:?}");
}
