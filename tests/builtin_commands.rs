//! The 22 built-in slash commands, each run through `POST /api/v1/commands.run` against a server
//! with the built-in commands app preloaded, checked by its effect over REST. Every command acts
//! as the user who ran it: a command the user may not use at all is refused (403), and an action
//! the rooms service refuses (another room, a missing permission, bad input) reaches the user as
//! an ephemeral message while nothing changes.

use serde_json::{Value, json};

use crate::apps::server_with;
use crate::channels::{create_channel, set_permission, set_setting};
use crate::commands::{ephemeral, ephemeral_listener};
use crate::common::ddp::Ddp;
use crate::common::{Api, BUILTIN_COMMANDS, Res, Server, assert_error, assert_ok};

fn server() -> Server {
    server_with(&["builtin-commands"])
}

fn command(api: &Api<'_>, rid: &str, command: &str, params: &str) -> Res {
    api.post("/api/v1/commands.run", json!({"command": command, "roomId": rid, "params": params}))
}

/// Runs a command that must be accepted.
#[track_caller]
fn run(api: &Api<'_>, rid: &str, name: &str, params: &str) {
    assert_ok(&command(api, rid, name, params));
}

/// Runs a command the user lacks the command's permission for: refused, nothing runs.
#[track_caller]
fn refused(api: &Api<'_>, rid: &str, name: &str, params: &str) {
    assert_error(&command(api, rid, name, params), 403, "error-unauthorized");
}

/// Runs a command and waits for the ephemeral message it shows its user; returns the text.
#[track_caller]
fn told(api: &Api<'_>, notices: &mut Ddp, rid: &str, name: &str, params: &str, pred: impl Fn(&str) -> bool) -> String {
    run(api, rid, name, params);
    let message = ephemeral(notices, api.user_id(), pred);
    assert_eq!(message["rid"], rid, "{message}");
    message["msg"].as_str().unwrap().to_string()
}

fn id(room: &Value) -> String {
    room["_id"].as_str().unwrap().to_string()
}

fn members(api: &Api<'_>, name: &str) -> Vec<String> {
    let res = api.get(&format!("/api/v1/channels.members?roomName={name}"));
    assert_ok(&res)["members"].as_array().unwrap().iter().map(|m| m["username"].as_str().unwrap().to_string()).collect()
}

fn is_member(api: &Api<'_>, name: &str, username: &str) -> bool {
    members(api, name).iter().any(|m| m == username)
}

fn info(api: &Api<'_>, name: &str) -> Value {
    assert_ok(&api.get(&format!("/api/v1/channels.info?roomName={name}")))["channel"].clone()
}

fn archived(api: &Api<'_>, name: &str) -> bool {
    info(api, name)["archived"] == true
}

/// The texts of the last `count` messages of a channel, newest first.
fn texts(api: &Api<'_>, rid: &str, count: usize) -> Vec<String> {
    let res = api.get(&format!("/api/v1/channels.history?roomId={rid}&count={count}"));
    assert_ok(&res)["messages"].as_array().unwrap().iter().filter_map(|m| m["msg"].as_str().map(String::from)).collect()
}

fn last_message(api: &Api<'_>, rid: &str) -> Value {
    let res = api.get(&format!("/api/v1/channels.history?roomId={rid}&count=1"));
    assert_ok(&res)["messages"][0].clone()
}

#[test]
fn every_builtin_is_listed() {
    let s = server();
    let bob = s.user("bob");
    let res = bob.get("/api/v1/commands.list?count=100");
    let names: Vec<String> = assert_ok(&res)["commands"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["command"].as_str().unwrap().to_string())
        .collect();
    for name in BUILTIN_COMMANDS {
        assert!(names.iter().any(|n| n == *name), "/{name} missing from {names:?}");
    }
    let kick = assert_ok(&bob.get("/api/v1/commands.get?command=kick"))["command"].clone();
    assert_eq!(kick["params"], "@username");
    assert_eq!(kick["description"], "Remove_someone_from_room");
}

#[test]
fn join_leave_and_part() {
    let s = server();
    let admin = s.admin();
    let bob = s.user("bob");
    let mut notices = ephemeral_listener(&bob);
    let lounge = id(&create_channel(&admin, "lounge", json!({})));
    assert_ok(&admin.post("/api/v1/groups.create", json!({"name": "secret"})));

    run(&bob, "GENERAL", "join", "#lounge");
    assert!(is_member(&admin, "lounge", "bob"));
    let text = told(&bob, &mut notices, "GENERAL", "join", "#lounge", |t| t.contains("already"));
    assert_eq!(text, "You are already in the channel");
    // Unknown channels, and private groups (which /join never finds), are reported.
    let text = told(&bob, &mut notices, "GENERAL", "join", "#nowhere", |t| t.contains("nowhere"));
    assert_eq!(text, "The channel `#nowhere` does not exist");
    told(&bob, &mut notices, "GENERAL", "join", "#secret", |t| t == "The channel `#secret` does not exist");
    let res = admin.get("/api/v1/groups.members?roomName=secret");
    assert_eq!(assert_ok(&res)["total"], 1);
    // No channel named: nothing happens.
    run(&bob, "GENERAL", "join", "  ");

    run(&bob, &lounge, "leave", "");
    assert!(!is_member(&admin, "lounge", "bob"));
    run(&bob, "GENERAL", "join", "lounge");
    assert!(is_member(&admin, "lounge", "bob"));
    run(&bob, &lounge, "part", "");
    assert!(!is_member(&admin, "lounge", "bob"));

    // Leaving a room one is not in, and leaving as its last owner, are refused by the service.
    told(&bob, &mut notices, &lounge, "leave", "", |t| t == "You are not in this room");
    let own = id(&create_channel(&bob, "bobs-own", json!({})));
    told(&bob, &mut notices, &own, "leave", "", |t| t.starts_with("You are the last owner."));
    assert!(is_member(&admin, "bobs-own", "bob"));

    // Without leave-c the command is refused outright.
    run(&bob, "GENERAL", "join", "#lounge");
    set_permission(&s, "leave-c", json!(["admin"]));
    set_permission(&s, "leave-p", json!(["admin"]));
    refused(&bob, &lounge, "part", "");
    assert!(is_member(&admin, "lounge", "bob"));
}

#[test]
fn invite_and_kick() {
    let s = server();
    let (admin, bob) = (s.admin(), s.user("bob"));
    s.user("carol");
    s.user("dave");
    let mut notices = ephemeral_listener(&admin);
    let lounge = id(&create_channel(&admin, "lounge", json!({})));

    run(&admin, &lounge, "invite", "@bob, @carol");
    assert!(is_member(&admin, "lounge", "bob") && is_member(&admin, "lounge", "carol"));
    let text = told(&admin, &mut notices, &lounge, "invite", "@bob", |t| t.contains("bob"));
    assert_eq!(text, "`@bob` is already in here.");
    let text = told(&admin, &mut notices, &lounge, "invite", "@nobody @ghost", |t| t.contains("nobody"));
    assert_eq!(text, "The user `@nobody @ghost` does not exist");

    run(&admin, &lounge, "kick", "@carol");
    assert!(!is_member(&admin, "lounge", "carol"));
    let text = told(&admin, &mut notices, &lounge, "kick", "@nobody", |t| t.contains("nobody"));
    assert_eq!(text, "The username `nobody` does not exist");
    told(&admin, &mut notices, &lounge, "kick", "@dave", |t| t.contains("not in"));

    // A plain member may neither kick nor invite here: refused, nothing changes.
    refused(&bob, &lounge, "kick", "@admin");
    assert!(is_member(&admin, "lounge", "admin"));
    refused(&bob, &lounge, "invite", "@dave");
    assert!(!is_member(&admin, "lounge", "dave"));

    // A room moderator may.
    let res = admin.post("/api/v1/channels.addModerator", json!({"roomId": lounge, "userId": bob.user_id()}));
    assert_ok(&res);
    run(&bob, &lounge, "invite", "@dave");
    assert!(is_member(&admin, "lounge", "dave"));
    run(&bob, &lounge, "kick", "@dave");
    assert!(!is_member(&admin, "lounge", "dave"));
    // Moderating #lounge gives bob nothing in #annex.
    let annex = id(&create_channel(&admin, "annex", json!({"members": ["bob", "dave"]})));
    refused(&bob, &annex, "kick", "@dave");
    assert!(is_member(&admin, "annex", "dave"));
}

#[test]
fn invite_all_to_and_from() {
    let s = server();
    let (admin, bob) = (s.admin(), s.user("bob"));
    s.user("carol");
    s.user("dave");
    let mut notices = ephemeral_listener(&admin);
    let crowd = id(&create_channel(&admin, "crowd", json!({"members": ["carol", "dave"]})));
    let lounge = id(&create_channel(&admin, "lounge", json!({})));

    // From #crowd into the current room.
    let text = told(&admin, &mut notices, &lounge, "invite-all-from", "#crowd", |t| t.contains("added"));
    assert_eq!(text, "The users have been added");
    assert!(is_member(&admin, "lounge", "carol") && is_member(&admin, "lounge", "dave"));

    // From the current room into an existing one, and into a new one (created with the members).
    create_channel(&admin, "annex", json!({}));
    run(&admin, &crowd, "invite-all-to", "#annex");
    assert!(is_member(&admin, "annex", "carol") && is_member(&admin, "annex", "dave"));
    let text = told(&admin, &mut notices, &crowd, "invite-all-to", "#overflow", |t| t.contains("created"));
    assert_eq!(text, "Channel `#overflow` created.");
    let created = info(&admin, "overflow");
    assert_eq!(created["t"], "c");
    assert!(is_member(&admin, "overflow", "carol") && is_member(&admin, "overflow", "dave"));

    let text = told(&admin, &mut notices, &lounge, "invite-all-from", "#nowhere", |t| t.contains("nowhere"));
    assert_eq!(text, "The channel `#nowhere` does not exist");

    // bob owns his own room, but may not add people to #lounge, which he isn't in: the service
    // refuses as bob, he is told, and #lounge keeps its members.
    let mut bobs_notices = ephemeral_listener(&bob);
    let own = id(&create_channel(&bob, "bobs-own", json!({})));
    let before = members(&admin, "lounge").len();
    told(&bob, &mut bobs_notices, &own, "invite-all-to", "#lounge", |t| t == "Not allowed");
    assert_eq!(members(&admin, "lounge").len(), before);
    assert!(!is_member(&admin, "lounge", "bob"));
    // Nor may he copy the members of a private group he isn't in.
    assert_ok(&admin.post("/api/v1/groups.create", json!({"name": "board", "members": ["carol"]})));
    told(&bob, &mut bobs_notices, &own, "invite-all-from", "#board", |t| t == "The channel `#board` does not exist");
    assert_eq!(members(&admin, "bobs-own"), vec!["bob".to_string()]);
    // Over the user limit nothing is copied.
    set_setting(&s, "API_User_Limit", json!(1));
    let text = told(&admin, &mut notices, &lounge, "invite-all-to", "#bobs-own", |t| t.contains("Limit"));
    assert_eq!(text, "User Limit Exceeded");
    assert_eq!(members(&admin, "bobs-own"), vec!["bob".to_string()]);
}

#[test]
fn topic_mute_and_unmute() {
    let s = server();
    let admin = s.admin();
    let bob = s.user("bob");
    let mut notices = ephemeral_listener(&admin);
    let ops = id(&create_channel(&admin, "ops", json!({"members": ["bob"]})));

    run(&admin, &ops, "topic", "Deploys only");
    assert_eq!(info(&admin, "ops")["topic"], "Deploys only");
    refused(&bob, &ops, "topic", "hijacked");
    assert_eq!(info(&admin, "ops")["topic"], "Deploys only");
    run(&admin, &ops, "topic", "");
    assert!(info(&admin, "ops")["topic"].as_str().unwrap_or_default().is_empty());

    run(&admin, &ops, "mute", "@bob");
    assert_eq!(info(&admin, "ops")["muted"], json!(["bob"]));
    let res = bob.post("/api/v1/chat.sendMessage", json!({"message": {"rid": ops, "msg": "hello?"}}));
    assert_eq!(res.status, 400, "{}", res.body);
    refused(&bob, &ops, "unmute", "@bob");
    assert_eq!(info(&admin, "ops")["muted"], json!(["bob"]));
    run(&admin, &ops, "unmute", "@bob");
    assert!(info(&admin, "ops")["muted"].as_array().is_none_or(|m| m.is_empty()));
    assert_ok(&bob.post("/api/v1/chat.sendMessage", json!({"message": {"rid": ops, "msg": "back"}})));

    refused(&bob, &ops, "mute", "@admin");
    assert!(info(&admin, "ops")["muted"].as_array().is_none_or(|m| m.is_empty()));
    let text = told(&admin, &mut notices, &ops, "mute", "@nobody", |t| t.contains("nobody"));
    assert_eq!(text, "The username `nobody` does not exist");
    // Someone who isn't in the room can't be muted in it.
    s.user("carol");
    told(&admin, &mut notices, &ops, "mute", "@carol", |t| t.contains("not in"));
    assert!(info(&admin, "ops")["muted"].as_array().is_none_or(|m| m.is_empty()));
}

#[test]
fn create_archive_and_unarchive() {
    let s = server();
    let admin = s.admin();
    let bob = s.user("bob");
    let mut notices = ephemeral_listener(&bob);

    run(&bob, "GENERAL", "create", "#bobs-place");
    let created = info(&bob, "bobs-place");
    assert_eq!(created["t"], "c");
    assert_eq!(created["u"]["username"], "bob");
    assert!(is_member(&bob, "bobs-place", "bob"));
    for (params, name) in [("#bobs-secret --private", "bobs-secret"), ("#bobs-hideout private", "bobs-hideout")] {
        run(&bob, "GENERAL", "create", params);
        let group = bob.get(&format!("/api/v1/groups.info?roomName={name}"));
        assert_eq!(assert_ok(&group)["group"]["t"], "p", "{params}");
    }
    let text = told(&bob, &mut notices, "GENERAL", "create", "#bobs-place", |t| t.contains("exists"));
    assert_eq!(text, "The channel `#bobs-place` already exists.");
    // Without create-c bob may still use /create (he has create-p), but the channel is refused.
    set_permission(&s, "create-c", json!(["admin"]));
    told(&bob, &mut notices, "GENERAL", "create", "#not-allowed", |t| {
        t == "User does not have the permissions required for this action"
    });
    assert_error(&bob.get("/api/v1/channels.info?roomName=not-allowed"), 400, "error-room-not-found");
    set_permission(&s, "create-p", json!(["admin"]));
    refused(&bob, "GENERAL", "create", "#not-allowed --private");

    // /archive with no name archives the current room; a second time is reported.
    let mut admins_notices = ephemeral_listener(&admin);
    let ops = id(&create_channel(&admin, "ops", json!({"members": ["bob"]})));
    let text = told(&admin, &mut admins_notices, &ops, "archive", "", |t| t.contains("archived"));
    assert_eq!(text, "Channel with name `#ops` has been archived successfully");
    assert!(archived(&admin, "ops"));
    let text = told(&admin, &mut admins_notices, "GENERAL", "archive", "#ops", |t| t.contains("exists"));
    assert_eq!(text, "An archived Channel with name `#ops` exists");
    let text = told(&admin, &mut admins_notices, "GENERAL", "unarchive", "#ops", |t| t.contains("Unarchived"));
    assert_eq!(text, "Channel with name `#ops` has been Unarchived successfully");
    assert!(!archived(&admin, "ops"));
    let text = told(&admin, &mut admins_notices, "GENERAL", "unarchive", "#ops", |t| t.contains("state"));
    assert_eq!(text, "Channel with name `#ops` is already in Unarchived state");
    told(&admin, &mut admins_notices, "GENERAL", "archive", "#nowhere", |t| {
        t == "The channel `#nowhere` does not exist"
    });

    // bob owns #bobs-place, so he may use /archive there, but not on #ops: the service refuses
    // as bob and #ops stays as it is.
    let place = id(&info(&bob, "bobs-place"));
    told(&bob, &mut notices, &place, "archive", "#ops", |t| t == "Not authorized");
    assert!(!archived(&admin, "ops"));
    refused(&bob, &ops, "archive", "");
    assert!(!archived(&admin, "ops"));
    // unarchive-room is the admins' alone.
    run(&admin, &ops, "archive", "");
    refused(&bob, &place, "unarchive", "#ops");
    assert!(archived(&admin, "ops"));
    run(&bob, &place, "archive", "");
    assert!(archived(&bob, "bobs-place"));
}

#[test]
fn me_and_the_ascii_arts_post_as_the_invoker() {
    let s = server();
    let admin = s.admin();
    let bob = s.user("bob");
    let cases = [
        ("me", "waves at @admin", "_waves at @admin_"),
        ("shrug", "meh", "meh ¯\\\\_(ツ)_/¯"),
        ("tableflip", "enough", "enough (╯°□°）╯︵ ┻━┻"),
        ("unflip", "sorry", "sorry ┬─┬ ノ( ゜-゜ノ)"),
        ("lennyface", "well", "well ( ͡° ͜ʖ ͡°)"),
        ("gimme", "cake", "༼ つ ◕_◕ ༽つ cake"),
    ];
    for (name, params, expected) in cases {
        run(&bob, "GENERAL", name, params);
        let m = last_message(&admin, "GENERAL");
        assert_eq!(m["msg"], expected, "/{name}");
        assert_eq!(m["u"]["username"], "bob", "/{name}");
    }
    // Through the messages pipeline: mentions are parsed.
    run(&bob, "GENERAL", "me", "pings @admin now");
    assert_eq!(last_message(&admin, "GENERAL")["mentions"][0]["username"], "admin");
    // /me without text posts nothing.
    let before = texts(&admin, "GENERAL", 1);
    run(&bob, "GENERAL", "me", "   ");
    assert_eq!(texts(&admin, "GENERAL", 1), before);

    // In a read-only room bob may not post: he is told and nothing appears.
    let news = id(&create_channel(&admin, "news", json!({"members": ["bob"], "readOnly": true})));
    let mut notices = ephemeral_listener(&bob);
    let readonly = |t: &str| t == "You can't send messages because the room is readonly.";
    let before = texts(&admin, &news, 20);
    for (name, _, _) in cases {
        told(&bob, &mut notices, &news, name, "sneaks in", readonly);
    }
    assert_eq!(texts(&admin, &news, 20), before);
}

#[test]
fn msg_sends_a_direct_message() {
    let s = server();
    let admin = s.admin();
    let bob = s.user("bob");
    s.user("carol");
    let mut notices = ephemeral_listener(&admin);

    run(&admin, "GENERAL", "msg", "@bob hi there, how are you?");
    let ims = assert_ok(&bob.get("/api/v1/im.list"))["ims"].clone();
    let dm = id(&ims[0]);
    let hist = assert_ok(&bob.get(&format!("/api/v1/im.history?roomId={dm}"))).clone();
    assert_eq!(hist["messages"][0]["msg"], "hi there, how are you?");
    assert_eq!(hist["messages"][0]["u"]["username"], "admin");
    let sub = bob.get(&format!("/api/v1/subscriptions.getOne?roomId={dm}"));
    assert_eq!(assert_ok(&sub)["subscription"]["unread"], 1);
    // Nothing was posted where the command was typed.
    assert!(texts(&admin, "GENERAL", 5).iter().all(|t| !t.contains("hi there")));

    let text = told(&admin, &mut notices, "GENERAL", "msg", "@nobody hello", |t| t.contains("nobody"));
    assert_eq!(text, "The username `@nobody` does not exist");
    let text = told(&admin, &mut notices, "GENERAL", "msg", "@bob", |t| t.contains("empty"));
    assert_eq!(text, "Username and message must not be empty.");

    // Without create-d the command is refused and no conversation is opened.
    set_permission(&s, "create-d", json!(["admin"]));
    refused(&bob, "GENERAL", "msg", "@carol psst");
    let carol = s.login("carol", "Passw0rd!x");
    let ims = assert_ok(&carol.get("/api/v1/im.list"))["ims"].clone();
    assert_eq!(ims.as_array().unwrap().len(), 0, "{ims}");
}

#[test]
fn status_and_help() {
    let s = server();
    let admin = s.admin();
    let bob = s.user("bob");
    let mut notices = ephemeral_listener(&bob);

    let text = told(&bob, &mut notices, "GENERAL", "status", "Out to lunch", |t| t.contains("Status"));
    assert_eq!(text, "Status message changed successfully.");
    let me = assert_ok(&bob.get("/api/v1/me")).clone();
    assert_eq!(me["statusText"], "Out to lunch");

    set_setting(&s, "Accounts_AllowUserStatusMessageChange", json!(false));
    let text = told(&bob, &mut notices, "GENERAL", "status", "Back", |t| t.contains("disabled"));
    assert_eq!(text, "This Rocket.Chat administrator has disabled status changes");
    let info = admin.get(&format!("/api/v1/users.info?userId={}", bob.user_id()));
    assert_eq!(assert_ok(&info)["user"]["statusText"], "Out to lunch");

    let text = told(&bob, &mut notices, "GENERAL", "help", "", |t| t.contains("Shift + Enter"));
    let lines: Vec<&str> = text.lines().filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 8, "{text}");
    assert_eq!(lines[0], "`Command (or Ctrl) + p OR Command (or Ctrl) + k` - Open Channel / User search");
    // /help posts nothing in the room.
    assert!(texts(&admin, "GENERAL", 5).iter().all(|t| !t.contains("Shift + Enter")));
}
