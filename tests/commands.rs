//! Slash commands: `commands.list/get/run/preview`, the DDP `slashCommand` method, the built-in
//! commands (an app from `plugins/builtin-commands`) and the example apps.

use serde_json::{Value, json};

use crate::apps::{BUILTIN_ID, HELLO_ID, server_with};
use crate::common::ddp::Ddp;
use crate::common::{Api, BUILTIN_COMMANDS, Server, assert_error, assert_ok};

/// A realtime connection of `api`'s user listening to its ephemeral messages.
pub fn ephemeral_listener(api: &Api<'_>) -> Ddp {
    let mut ddp = Ddp::resume(api);
    ddp.sub_ok("stream-notify-user", &format!("{}/message", api.user_id()));
    ddp
}

/// Waits for an ephemeral message whose text satisfies `pred`; returns the message.
#[track_caller]
pub fn ephemeral(ddp: &mut Ddp, user_id: &str, pred: impl Fn(&str) -> bool) -> Value {
    let args = ddp
        .event("stream-notify-user", &format!("{user_id}/message"), |args| args[0]["msg"].as_str().is_some_and(&pred));
    args[0].clone()
}

/// A realtime connection of `api`'s user listening to the messages of `#general`.
pub fn general_listener(api: &Api<'_>) -> Ddp {
    let mut ddp = Ddp::resume(api);
    ddp.sub_ok("stream-room-messages", "GENERAL");
    ddp
}

/// Waits for a message in `#general` whose text satisfies `pred`; returns the message.
#[track_caller]
pub fn posted(ddp: &mut Ddp, pred: impl Fn(&str) -> bool) -> Value {
    let args = ddp.event("stream-room-messages", "GENERAL", |args| args[0]["msg"].as_str().is_some_and(&pred));
    args[0].clone()
}

fn run(api: &Api<'_>, command: &str, params: &str) -> crate::common::Res {
    api.post("/api/v1/commands.run", json!({"command": command, "roomId": "GENERAL", "params": params}))
}

#[test]
fn list_and_get_show_every_command_of_enabled_apps() {
    let s = server_with(&["builtin-commands", "hello"]);
    let bob = s.user("bob");
    let res = bob.get("/api/v1/commands.list?count=0");
    let body = assert_ok(&res);
    assert_eq!(body["appsLoaded"], true);
    let names: Vec<&str> =
        body["commands"].as_array().unwrap().iter().map(|c| c["command"].as_str().unwrap()).collect();
    for name in BUILTIN_COMMANDS.iter().chain(&["hello"]) {
        assert!(names.contains(name), "{name} missing from {names:?}");
    }
    let mut sorted = names.clone();
    sorted.sort_unstable();
    assert_eq!(names, sorted, "sorted by command");
    assert_eq!(body["total"].as_u64().unwrap() as usize, names.len());

    let join = body["commands"].as_array().unwrap().iter().find(|c| c["command"] == "join").unwrap();
    assert_eq!(join["params"], "#channel");
    assert_eq!(join["description"], "Join_the_given_channel");
    assert_eq!(join["clientOnly"], false);
    assert_eq!(join["providesPreview"], false);
    assert_eq!(join["appId"], BUILTIN_ID);

    let page = bob.get("/api/v1/commands.list?count=2&offset=1");
    let page = assert_ok(&page);
    assert_eq!(page["commands"].as_array().unwrap().len(), 2);
    assert_eq!(page["commands"][0]["command"], names[1]);
    let query = bob.get(&format!("/api/v1/commands.list?query={}", urlencoding::encode(r#"{"command":"hello"}"#)));
    assert_eq!(assert_ok(&query)["commands"][0]["appId"], HELLO_ID);
    assert_eq!(assert_ok(&query)["total"], 1);

    let get = bob.get("/api/v1/commands.get?command=hello");
    let command = &assert_ok(&get)["command"];
    assert_eq!(command["command"], "hello");
    assert_eq!(command["params"], "[name]");
    assert_eq!(command["providesPreview"], true);
    assert_eq!(assert_ok(&bob.get("/api/v1/commands.get?command=HELP"))["command"]["command"], "help");
    let unknown = bob.get("/api/v1/commands.get?command=nope");
    assert_error(&unknown, 400, "error-invalid-command");
    assert!(unknown.body["error"].as_str().unwrap().contains("There is no command in the system by the name of: nope"));
    assert_error(&bob.get("/api/v1/commands.get"), 400, "error-param-required");
    assert_eq!(s.anon().get("/api/v1/commands.list").status, 401);
    assert_eq!(s.anon().get("/api/v1/commands.get?command=help").status, 401);
}

#[test]
fn run_checks_the_command_the_room_and_the_thread() {
    let s = server_with(&["builtin-commands"]);
    let bob = s.user("bob");
    let res = run(&bob, "nope", "");
    assert_error(&res, 400, "error-invalid-command");
    assert!(res.body["error"].as_str().unwrap().contains("does not exist (or is disabled)"));
    assert_error(&bob.post("/api/v1/commands.run", json!({"roomId": "GENERAL"})), 400, "error-param-required");
    assert_error(&bob.post("/api/v1/commands.run", json!({"command": "help"})), 400, "error-param-required");
    assert_error(
        &bob.post("/api/v1/commands.run", json!({"command": 5, "roomId": "GENERAL"})),
        400,
        "error-invalid-params",
    );
    let res = bob.post("/api/v1/commands.run", json!({"command": "help", "roomId": "no-such-room"}));
    assert_error(&res, 403, "error-not-allowed");
    let res =
        bob.post("/api/v1/commands.run", json!({"command": "help", "roomId": "GENERAL", "tmid": "no-such-message"}));
    assert_error(&res, 400, "error-invalid-thread");
    assert_eq!(s.anon().post("/api/v1/commands.run", json!({"command": "help", "roomId": "GENERAL"})).status, 401);
}

#[test]
fn help_answers_with_an_ephemeral_message() {
    let s = server_with(&["builtin-commands"]);
    let bob = s.user("bob");
    let mut ddp = ephemeral_listener(&bob);
    assert_ok(&run(&bob, "help", ""));
    let message = ephemeral(&mut ddp, bob.user_id(), |m| m.contains("Open Channel / User search"));
    assert_eq!(message["rid"], "GENERAL");
    assert_eq!(message["private"], true);
    assert_eq!(message["u"]["username"], "builtin-commands.bot");
    // The same through the realtime method.
    assert_eq!(
        ddp.call_ok("slashCommand", json!([{"cmd": "help", "params": "", "msg": {"rid": "GENERAL"}}])),
        Value::Null
    );
    ephemeral(&mut ddp, bob.user_id(), |m| m.contains("Edit previous message"));
}

#[test]
fn required_permissions_are_checked_before_the_app_runs() {
    let s = server_with(&["builtin-commands"]);
    let bob = s.user("bob");
    // `/archive` needs `archive-room`, which users don't hold.
    let res = run(&bob, "archive", "#general");
    assert_error(&res, 403, "error-unauthorized");
    assert!(res.body["error"].as_str().unwrap().contains("/archive"));
    // Commands without a required permission run for anyone.
    assert_ok(&run(&bob, "help", ""));
}

#[test]
fn command_errors_reach_the_invoker_privately() {
    let s = server_with(&["builtin-commands"]);
    let bob = s.user("bob");
    let mut ddp = ephemeral_listener(&bob);
    // Rocket.Chat's own texts for bad arguments, shown only to the invoker.
    assert_ok(&run(&bob, "msg", "nobody"));
    ephemeral(&mut ddp, bob.user_id(), |m| m == "Username and message must not be empty.");
    let admin = s.admin();
    let mut admin_ddp = ephemeral_listener(&admin);
    assert_ok(&run(&admin, "kick", "@ghost"));
    ephemeral(&mut admin_ddp, admin.user_id(), |m| m == "The username `ghost` does not exist");
    assert_ok(&run(&bob, "join", "#nowhere"));
    ephemeral(&mut ddp, bob.user_id(), |m| m == "The channel `#nowhere` does not exist");
}

#[test]
fn previews_list_and_execute() {
    let s = server_with(&["hello", "builtin-commands"]);
    let bob = s.user("bob");
    let res = bob.get("/api/v1/commands.preview?command=hello&roomId=GENERAL&params=Ada");
    let preview = &assert_ok(&res)["preview"];
    assert_eq!(preview["i18nTitle"], "Greetings");
    let items = preview["items"].as_array().unwrap();
    assert_eq!(items.len(), 4);
    assert_eq!(items[2], json!({"id": "2", "type": "text", "value": "Hola, Ada!"}));
    // A command without previews answers an empty preview.
    let res = bob.get("/api/v1/commands.preview?command=help&roomId=GENERAL");
    assert_eq!(assert_ok(&res)["preview"], json!({"i18nTitle": "", "items": []}));
    assert_error(&bob.get("/api/v1/commands.preview?command=nope&roomId=GENERAL"), 400, "error-invalid-command");
    assert_error(&bob.get("/api/v1/commands.preview?command=hello&roomId=elsewhere"), 403, "error-not-allowed");
    assert_error(&bob.get("/api/v1/commands.preview?command=hello"), 400, "error-param-required");

    let mut ddp = Ddp::resume(&bob);
    let result =
        ddp.call_ok("getSlashCommandPreviews", json!([{"cmd": "hello", "params": "Bo", "msg": {"rid": "GENERAL"}}]));
    assert_eq!(result["items"][0]["value"], "Hello, Bo!");

    let bad = bob.post(
        "/api/v1/commands.preview",
        json!({"command": "hello", "roomId": "GENERAL", "previewItem": {"id": "1", "type": "text", "value": ""}}),
    );
    assert_error(&bad, 400, "error-invalid-preview");
    assert_error(
        &bob.post("/api/v1/commands.preview", json!({"command": "hello", "roomId": "GENERAL"})),
        400,
        "error-param-required",
    );
}

#[test]
fn slash_command_method_errors_like_upstream() {
    let s = server_with(&["builtin-commands"]);
    let bob = s.user("bob");
    let mut ddp = Ddp::resume(&bob);
    let e = ddp.call_err(
        "slashCommand",
        json!([{"cmd": "nope", "params": "", "msg": {"rid": "GENERAL"}}]),
        json!("error-invalid-command"),
    );
    assert_eq!(e["reason"], "Invalid Command Provided");
    ddp.call_err("slashCommand", json!([{"cmd": "help", "params": ""}]), json!(400));
    ddp.call_err("slashCommand", json!([{"cmd": "help", "msg": {"rid": "nowhere"}}]), json!("error-not-allowed"));
    let mut anon = Ddp::connect(&s);
    anon.call_err("slashCommand", json!([{"cmd": "help", "msg": {"rid": "GENERAL"}}]), json!("error-invalid-user"));
}

#[test]
fn commands_follow_their_app() {
    let s = Server::start();
    let admin = s.admin();
    assert_eq!(assert_ok(&admin.get("/api/v1/commands.list"))["total"], 0);
    crate::apps::install(&admin, crate::apps::package("apps", "builtin-commands"));
    assert_ok(&run(&admin, "help", ""));
    admin.delete(&format!("/api/apps/{BUILTIN_ID}"));
    assert_error(&run(&admin, "help", ""), 400, "error-invalid-command");
}

#[test]
fn me_and_the_ascii_art_commands_post_as_the_invoker() {
    let s = server_with(&["builtin-commands"]);
    let bob = s.user("bob");
    let mut ddp = general_listener(&bob);
    assert_ok(&run(&bob, "me", "waves"));
    let m = posted(&mut ddp, |m| m == "_waves_");
    assert_eq!(m["u"]["username"], "bob");
    assert_eq!(m["rid"], "GENERAL");
    assert_ok(&run(&bob, "shrug", "oh well"));
    posted(&mut ddp, |m| m == "oh well ¯\\\\_(ツ)_/¯");
    assert_ok(&run(&bob, "tableflip", ""));
    posted(&mut ddp, |m| m.ends_with("(╯°□°）╯︵ ┻━┻"));
    assert_ok(&run(&bob, "gimme", "cake"));
    posted(&mut ddp, |m| m == "༼ つ ◕_◕ ༽つ cake");
    // Through the realtime method too.
    ddp.call_ok("slashCommand", json!([{"cmd": "me", "params": "nods", "msg": {"rid": "GENERAL"}}]));
    posted(&mut ddp, |m| m == "_nods_");
}

#[test]
fn example_apps_answer_in_the_room() {
    let s = server_with(&["hello", "dice"]);
    let bob = s.user("bob");
    let mut ddp = general_listener(&bob);
    assert_ok(&run(&bob, "hello", "Ada"));
    let m = posted(&mut ddp, |m| m == "Hello, Ada!");
    assert_eq!(m["u"]["username"], "hello.bot");
    assert_ok(&run(&bob, "roll", "3d6"));
    let m = posted(&mut ddp, |m| m.starts_with("🎲 @bob rolled 3d6: "));
    assert_eq!(m["u"]["username"], "dice.bot");
    let mut private = ephemeral_listener(&bob);
    assert_ok(&run(&bob, "roll", "lots"));
    ephemeral(&mut private, bob.user_id(), |m| m.starts_with("Usage: /roll [NdM]"));
    // Picking a preview item posts it.
    let res = bob.post(
        "/api/v1/commands.preview",
        json!({"command": "hello", "roomId": "GENERAL", "params": "Ada",
               "previewItem": {"id": "2", "type": "text", "value": "Hola, Ada!"}}),
    );
    assert_ok(&res);
    posted(&mut ddp, |m| m == "Hola, Ada!");
}

#[test]
fn python_and_javascript_apps_post_messages() {
    let s = server_with(&["py-echo", "js-reverse"]);
    let bob = s.user("bob");
    let names = crate::apps::command_names(&bob);
    assert!(names.contains(&"echo".to_string()) && names.contains(&"reverse".to_string()), "{names:?}");
    let mut private = ephemeral_listener(&bob);
    assert_ok(&run(&bob, "echo", ""));
    ephemeral(&mut private, bob.user_id(), |m| m == "Usage: /echo [text]");
    assert_ok(&run(&bob, "reverse", "  "));
    ephemeral(&mut private, bob.user_id(), |m| m == "Usage: /reverse text");
    let mut ddp = general_listener(&bob);
    assert_ok(&run(&bob, "echo", "hi there"));
    let m = posted(&mut ddp, |m| m == "🐍 hi there");
    assert_eq!(m["u"]["username"], "py-echo.bot");
    assert_ok(&run(&bob, "reverse", "stressed"));
    let m = posted(&mut ddp, |m| m == "desserts");
    assert_eq!(m["u"]["username"], "js-reverse.bot");
}

#[test]
fn status_sets_the_invokers_status_text() {
    let s = server_with(&["builtin-commands"]);
    let bob = s.user("bob");
    let mut ddp = ephemeral_listener(&bob);
    assert_ok(&run(&bob, "status", "on a break"));
    ephemeral(&mut ddp, bob.user_id(), |m| m == "Status message changed successfully.");
    let info = bob.get(&format!("/api/v1/users.info?userId={}", bob.user_id()));
    assert_eq!(assert_ok(&info)["user"]["statusText"], "on a break");
    let admin = s.admin();
    assert_ok(&admin.post("/api/v1/settings/Accounts_AllowUserStatusMessageChange", json!({"value": false})));
    assert_ok(&run(&bob, "status", "busy"));
    ephemeral(&mut ddp, bob.user_id(), |m| m == "This Rocket.Chat administrator has disabled status changes");
}
