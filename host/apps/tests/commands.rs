//! Commands run through the runtime against a fake server (needs `scripts/build-plugins`).

#[path = "../../../tests/common/builtin_commands.rs"]
mod builtin_commands;
mod support;

use orbit_apps::bindings::{PreviewKind, SettingValue};
use support::{Event, command, load, package, runtime};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hello_answers_and_previews() {
    let Some(hello) = package("apps", "hello") else { return };
    let (runtime, host) = runtime();
    let app = load(&runtime, hello).await.unwrap();
    let provides = app.provides().unwrap();
    assert_eq!(provides.commands[0].command, "hello");
    assert!(provides.commands[0].provides_preview);

    runtime.execute_command(app.id(), command("hello", "Bob")).await.unwrap().unwrap();
    assert_eq!(
        host.take(),
        [Event::Sent { room: "GENERAL".into(), text: "Hello, Bob!".into(), as_invoker: false, by: Some("U1".into()) }]
    );

    let previews = runtime.preview_command(app.id(), command("hello", "Bob")).await.unwrap().unwrap();
    assert_eq!(previews.items.len(), 4);
    assert_eq!(previews.items[1].value, "Bonjour, Bob!");
    assert_eq!(previews.items[1].kind, PreviewKind::Text);
    runtime.execute_preview_item(app.id(), command("hello", "Bob"), previews.items[1].clone()).await.unwrap().unwrap();
    assert!(matches!(&host.take()[..], [Event::Sent { text, .. }] if text == "Bonjour, Bob!"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lifecycle_calls_reach_the_app() {
    let Some(hello) = package("apps", "hello") else { return };
    assert!(hello.icon.as_deref().is_some_and(|icon| icon.starts_with(b"\x89PNG")));
    let (runtime, _host) = runtime();
    let app = load(&runtime, hello).await.unwrap();
    let settings = app.provides().unwrap().settings;
    assert_eq!(settings[0].id, "punctuation");
    assert_eq!(settings[0].default_value, "\"!\"");
    assert!(runtime.on_enable(app.id()).await.unwrap());
    runtime
        .on_setting_updated(app.id(), SettingValue { id: "punctuation".into(), value: "\"?\"".into() })
        .await
        .unwrap();
    runtime.on_disable(app.id()).await.unwrap();
    assert_eq!(runtime.initialize(app.id()).await.unwrap().commands.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dice_rolls() {
    let Some(dice) = package("apps", "dice") else { return };
    let (runtime, host) = runtime();
    let app = load(&runtime, dice).await.unwrap();
    app.execute_command(command("roll", "3d6")).await.unwrap().unwrap();
    let events = host.take();
    let [Event::Sent { text, .. }] = &events[..] else { panic!("{events:?}") };
    assert!(text.starts_with("🎲 @alice rolled 3d6: "), "{text}");
    let total: u32 = text.rsplit("**").nth(1).unwrap().parse().unwrap();
    assert!((3..=18).contains(&total));
    let usage = app.execute_command(command("roll", "9d1")).await.unwrap().unwrap_err();
    assert!(usage.starts_with("Usage: /roll"), "{usage}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn builtin_commands_match_rocket_chat() {
    let Some(builtins) = package("apps", "builtin-commands") else { return };
    let (runtime, host) = runtime();
    let app = load(&runtime, builtins).await.unwrap();
    let names: Vec<String> = app.provides().unwrap().commands.into_iter().map(|c| c.command).collect();
    for expected in builtin_commands::BUILTIN_COMMANDS {
        assert!(names.iter().any(|n| n == *expected), "missing /{expected}");
    }
    let run = |name: &'static str, params: &'static str| {
        let runtime = &runtime;
        let id = app.id().to_owned();
        async move { runtime.execute_command(&id, command(name, params)).await.unwrap() }
    };
    let sent =
        |text: &str| Event::Sent { room: "GENERAL".into(), text: text.into(), as_invoker: true, by: Some("U1".into()) };

    run("shrug", "foo").await.unwrap();
    assert_eq!(host.take(), [sent("foo ¯\\\\_(ツ)_/¯")]);
    run("me", "waves").await.unwrap();
    assert_eq!(host.take(), [sent("_waves_")]);
    run("me", "  ").await.unwrap();
    assert_eq!(host.take(), []);
    run("gimme", "cake").await.unwrap();
    assert_eq!(host.take(), [sent("༼ つ ◕_◕ ༽つ cake")]);

    assert_eq!(run("join", "#nowhere").await, Err("The channel `#nowhere` does not exist".into()));
    assert_eq!(run("join", "#general").await, Err("You are already in the channel".into()));
    run("leave", "").await.unwrap();
    assert_eq!(host.take(), [Event::Action("U1: leave GENERAL".into())]);

    run("invite", "@bob @alice @nobody").await.unwrap();
    assert_eq!(
        host.take(),
        [
            Event::Action("U1: invite GENERAL bob".into()),
            Event::Notified { user: "U1".into(), room: "GENERAL".into(), text: "`@alice` is already in here.".into() },
        ]
    );
    assert_eq!(run("kick", "@ghost").await, Err("The username `ghost` does not exist".into()));

    run("msg", "@bob hi there").await.unwrap();
    assert_eq!(
        host.take(),
        [
            Event::Action("U1: direct bob".into()),
            Event::Sent { room: "DM-bob".into(), text: "hi there".into(), as_invoker: true, by: Some("U1".into()) },
        ]
    );
    assert_eq!(run("msg", "@bob").await, Err("Username and message must not be empty.".into()));

    run("create", "#new-room --private").await.unwrap();
    assert_eq!(host.take(), [Event::Action("U1: create new-room NewRoomKind::Group ".into())]);
    assert_eq!(run("create", "#general").await, Err("The channel `#general` already exists.".into()));

    run("archive", "").await.unwrap();
    assert_eq!(
        host.take(),
        [
            Event::Action("U1: archive GENERAL".into()),
            Event::Notified {
                user: "U1".into(),
                room: "GENERAL".into(),
                text: "Channel with name `#general` has been archived successfully".into()
            },
        ]
    );

    run("status", "busy").await.unwrap();
    assert_eq!(host.take()[0], Event::Action("U1: status busy".into()));
    assert_eq!(
        run("status", "forbidden").await,
        Err("This Rocket.Chat administrator has disabled status changes".into())
    );

    run("help", "").await.unwrap();
    assert!(matches!(&host.take()[..], [Event::Notified { text, .. }] if text.starts_with("\n`Command (or Ctrl) + p")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_and_javascript_apps_answer() {
    let (Some(py), Some(js)) = (package("apps", "py-echo"), package("apps", "js-reverse")) else { return };
    let (runtime, host) = runtime();
    let py = load(&runtime, py).await.unwrap();
    let js = load(&runtime, js).await.unwrap();
    assert_eq!(py.provides().unwrap().commands[0].command, "echo");
    assert_eq!(js.provides().unwrap().commands[0].command, "reverse");

    py.execute_command(command("echo", "hi there")).await.unwrap().unwrap();
    js.execute_command(command("reverse", "abc")).await.unwrap().unwrap();
    assert_eq!(
        host.take(),
        [
            Event::Sent {
                room: "GENERAL".into(),
                text: "🐍 hi there".into(),
                as_invoker: false,
                by: Some("U1".into())
            },
            Event::Sent { room: "GENERAL".into(), text: "cba".into(), as_invoker: false, by: Some("U1".into()) },
        ]
    );
    assert_eq!(py.execute_command(command("echo", "")).await.unwrap(), Err("Usage: /echo [text]".into()));
    assert_eq!(js.execute_command(command("reverse", "")).await.unwrap(), Err("Usage: /reverse text".into()));
}
