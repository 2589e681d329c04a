//! The sandbox, end to end: hostile apps (`plugins/fixtures`) that loop, allocate, trap, read
//! files, open sockets, flood the host or import what they did not declare are contained; only
//! their own call fails, the user is told, repeated failures disable the app (visible in
//! `/api/apps`, kept across restarts), and the server keeps answering everyone else.

use std::time::Duration;

use serde_json::json;

use crate::apps::{install, listed, package, upload};
use crate::commands::{ephemeral, ephemeral_listener};
use crate::common::{Api, Options, Res, Server, assert_error, assert_ok, poll};

const LOOP_ID: &str = "11111111-0000-4000-8000-000000000001";
const ALLOC_ID: &str = "11111111-0000-4000-8000-000000000002";
const TRAP_ID: &str = "11111111-0000-4000-8000-000000000003";
const FLOOD_ID: &str = "11111111-0000-4000-8000-000000000007";

/// A server with small, fast limits: 400 ms per call, 32 MiB, 3 failures, 500 host calls.
fn sandboxed() -> Server {
    Server::start_with(
        Options::default()
            .env("OVERWRITE_SETTING_Apps_Orbit_Call_Timeout_Ms", "400")
            .env("OVERWRITE_SETTING_Apps_Orbit_Memory_Limit_MB", "32")
            .env("OVERWRITE_SETTING_Apps_Orbit_Failure_Threshold", "3")
            .env("OVERWRITE_SETTING_Apps_Orbit_Host_Calls_Per_Invocation", "500"),
    )
}

fn fixture(admin: &Api<'_>, name: &str) {
    install(admin, package("fixtures", name));
}

fn run(api: &Api<'_>, command: &str, params: &str) -> Res {
    api.post("/api/v1/commands.run", json!({"command": command, "roomId": "GENERAL", "params": params}))
}

#[test]
fn a_looping_app_times_out_while_the_server_keeps_answering() {
    let s = sandboxed();
    let admin = s.admin();
    fixture(&admin, "loop");
    let bob = s.user("bob");
    let mut ddp = ephemeral_listener(&bob);
    std::thread::scope(|scope| {
        let looping = scope.spawn(|| run(&bob, "loop", ""));
        // While the app spins, other requests are answered (how fast is apps_bench's business).
        for _ in 0..5 {
            assert_eq!(s.anon().get("/api/info").status, 200);
        }
        let res = looping.join().unwrap();
        assert_error(&res, 400, "error-app-failed");
        assert!(res.body["error"].as_str().unwrap().contains("timed out after 400 ms"), "{}", res.body);
    });
    ephemeral(&mut ddp, bob.user_id(), |m| m.contains("/loop failed") && m.contains("timed out"));
    let logs = admin.get(&format!("/api/apps/{LOOP_ID}/logs"));
    assert!(
        assert_ok(&logs)["logs"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["message"].as_str().unwrap().contains("timed out"))
    );
}

#[test]
fn an_app_that_allocates_without_bound_runs_out_of_memory() {
    let s = sandboxed();
    let admin = s.admin();
    fixture(&admin, "alloc");
    let res = run(&admin, "alloc", "");
    assert_error(&res, 400, "error-app-failed");
    assert!(res.body["error"].as_str().unwrap().contains("ran out of memory (limit 32 MiB)"), "{}", res.body);
    assert_eq!(listed(&admin, ALLOC_ID).unwrap()["status"], "manually_enabled");
}

#[test]
fn a_trap_fails_only_that_call_and_repeated_failures_disable_the_app() {
    let s = sandboxed();
    let admin = s.admin();
    fixture(&admin, "trap");
    let mut ddp = ephemeral_listener(&admin);
    let res = run(&admin, "trap", "");
    assert_error(&res, 400, "error-app-failed");
    // The user reads the trap's own reason, in one short line; the log keeps the backtrace.
    let error = res.body["error"].as_str().unwrap();
    assert!(error.contains("crashed: wasm trap: wasm `unreachable` instruction executed"), "{error}");
    assert!(!error.contains("backtrace") && error.len() < 300, "{error}");
    ephemeral(&mut ddp, admin.user_id(), |m| m.contains("/trap failed: the app Fixture trap crashed"));
    // The next call gets a fresh instance; a success resets the failure count.
    assert_ok(&run(&admin, "fine", ""));
    assert_eq!(listed(&admin, TRAP_ID).unwrap()["status"], "manually_enabled");

    for _ in 0..3 {
        assert_error(&run(&admin, "trap", ""), 400, "error-app-failed");
    }
    let app = listed(&admin, TRAP_ID).unwrap();
    assert_eq!(app["status"], "error-disabled");
    assert!(app["failureReason"].as_str().unwrap().contains("3 consecutive failures"), "{app}");
    // Its commands are gone until an admin enables it again.
    assert_error(&run(&admin, "fine", ""), 400, "error-invalid-command");

    // The failed state survives a restart.
    let dir = s.kill();
    let s = Server::start_with(Options { data_dir: Some(dir.clone()), ..Default::default() });
    let admin = s.admin();
    assert_eq!(listed(&admin, TRAP_ID).unwrap()["status"], "error-disabled");
    assert_error(&run(&admin, "fine", ""), 400, "error-invalid-command");
    let res = admin.post(&format!("/api/apps/{TRAP_ID}/status"), json!({"status": "manually_enabled"}));
    assert_eq!(assert_ok(&res)["status"], "manually_enabled");
    assert_eq!(listed(&admin, TRAP_ID).unwrap()["failureReason"], serde_json::Value::Null);
    assert_ok(&run(&admin, "fine", ""));
    drop(s);
    let _ = std::fs::remove_dir_all(dir.parent().unwrap());
}

#[test]
fn files_and_sockets_are_out_of_reach() {
    let s = sandboxed();
    let admin = s.admin();
    fixture(&admin, "read-file");
    fixture(&admin, "socket");
    let mut ddp = ephemeral_listener(&admin);
    assert_ok(&run(&admin, "read-file", "/etc/passwd"));
    let m = ephemeral(&mut ddp, admin.user_id(), |m| m.starts_with("read failed") || m.starts_with("LEAKED"));
    assert!(m["msg"].as_str().unwrap().starts_with("read failed"), "{m}");
    let data_file = s.data_dir.join("orbit.db");
    assert_ok(&run(&admin, "read-file", &data_file.display().to_string()));
    let m = ephemeral(&mut ddp, admin.user_id(), |m| m.starts_with("read failed") || m.starts_with("LEAKED"));
    assert!(m["msg"].as_str().unwrap().starts_with("read failed"), "{m}");

    assert_ok(&run(&admin, "socket", &format!("127.0.0.1:{}", s.port)));
    let m = ephemeral(&mut ddp, admin.user_id(), |m| m.starts_with("connect failed") || m.starts_with("CONNECTED"));
    assert!(m["msg"].as_str().unwrap().starts_with("connect failed"), "{m}");
}

#[test]
fn flooding_the_host_is_stopped() {
    let s = sandboxed();
    let admin = s.admin();
    fixture(&admin, "flood");
    let res = run(&admin, "flood", "");
    assert_error(&res, 400, "error-app-failed");
    assert!(res.body["error"].as_str().unwrap().contains("more than 500 host calls"), "{}", res.body);
    let logs = admin.get(&format!("/api/apps/{FLOOD_ID}/logs?count=0"));
    let logs = assert_ok(&logs)["logs"].as_array().unwrap().clone();
    let floods = logs.iter().filter(|l| l["message"].as_str().unwrap().starts_with("flood ")).count();
    assert!(floods <= 500, "the app's own log lines stop at the budget: {floods}");
}

#[test]
fn undeclared_imports_are_refused_at_install() {
    let s = sandboxed();
    let admin = s.admin();
    let res = upload(&admin, "/api/apps", "app", package("fixtures", "undeclared"));
    assert_error(&res, 400, "error-app-component-invalid");
    let reason = res.body["error"].as_str().unwrap();
    assert!(reason.contains("orbit:apps/rooms") && reason.contains("`room.read`"), "{reason}");
    assert_eq!(assert_ok(&admin.get("/api/apps"))["apps"], json!([]));
    // Dropped into the apps folder, it is refused the same way.
    crate::apps::drop_file(&s.data_dir.join("apps"), "undeclared.zip", &package("fixtures", "undeclared"));
    crate::apps::drop_file(&s.data_dir.join("apps"), "loop.zip", &package("fixtures", "loop"));
    poll(Duration::from_secs(30), || listed(&admin, LOOP_ID));
    assert_eq!(assert_ok(&admin.get("/api/apps"))["apps"].as_array().unwrap().len(), 1);
}

#[test]
fn limit_settings_apply_without_a_restart() {
    let s = Server::start();
    let admin = s.admin();
    fixture(&admin, "loop");
    let res = admin.post("/api/v1/settings/Apps_Orbit_Call_Timeout_Ms", json!({"value": 250}));
    assert_ok(&res);
    // The runtime is rebuilt in the background; the app's log says when.
    poll(Duration::from_secs(30), || {
        let logs = admin.get(&format!("/api/apps/{LOOP_ID}/logs"));
        assert_ok(&logs)["logs"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["message"].as_str().unwrap().starts_with("sandbox limits changed"))
            .then_some(())
    });
    let res = run(&admin, "loop", "");
    assert_error(&res, 400, "error-app-failed");
    assert!(res.body["error"].as_str().unwrap().contains("timed out after 250 ms"), "{}", res.body);
    // Earlier log entries survive the rebuild.
    let logs = admin.get(&format!("/api/apps/{LOOP_ID}/logs?count=0"));
    assert!(
        assert_ok(&logs)["logs"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["message"].as_str().unwrap().starts_with("loaded version"))
    );
    assert_eq!(listed(&admin, LOOP_ID).unwrap()["status"], "manually_enabled");
}

#[test]
fn an_update_does_not_wait_for_running_calls() {
    let s = Server::start_with(Options::default().env("OVERWRITE_SETTING_Apps_Orbit_Call_Timeout_Ms", "3000"));
    let admin = s.admin();
    fixture(&admin, "loop");
    let v2 = crate::apps::repackage(&package("fixtures", "loop"), |m| m["version"] = json!("0.2.0"), &[]);
    std::thread::scope(|scope| {
        let looping = scope.spawn(|| run(&admin, "loop", ""));
        let res = upload(&admin, &format!("/api/apps/{LOOP_ID}"), "app", v2);
        assert_eq!(assert_ok(&res)["app"]["version"], "0.2.0");
        assert!(!looping.is_finished(), "the update was answered while the old version still runs");
        let res = looping.join().unwrap();
        assert_error(&res, 400, "error-app-failed");
    });
    assert_eq!(listed(&admin, LOOP_ID).unwrap()["version"], "0.2.0");
}

#[test]
fn calls_queued_behind_a_tripped_app_do_not_run() {
    let s = Server::start_with(
        Options::default()
            .env("OVERWRITE_SETTING_Apps_Orbit_Call_Timeout_Ms", "300")
            .env("OVERWRITE_SETTING_Apps_Orbit_Failure_Threshold", "1")
            .env("OVERWRITE_SETTING_Apps_Orbit_Max_Instances", "1"),
    );
    let admin = s.admin();
    fixture(&admin, "loop");
    // Six calls at once: one runs (and times out, which trips the app); the others wait for
    // the one instance and are cancelled when their turn comes.
    std::thread::scope(|scope| {
        let calls: Vec<_> = (0..6).map(|_| scope.spawn(|| run(&admin, "loop", ""))).collect();
        for call in calls {
            assert_error(&call.join().unwrap(), 400, "error-app-failed");
        }
    });
    let logs = assert_ok(&admin.get(&format!("/api/apps/{LOOP_ID}/logs")))["logs"].clone();
    let ran = logs.as_array().unwrap().iter().filter(|l| l["message"] == "execute: app timed out after 300 ms").count();
    assert_eq!(ran, 1, "{logs}");
    assert_eq!(listed(&admin, LOOP_ID).unwrap()["status"], "error-disabled");
}

#[test]
fn idle_instances_are_dropped() {
    let s = Server::start_with(Options::default().env("OVERWRITE_SETTING_Apps_Orbit_Idle_Instance_Secs", "1"));
    let admin = s.admin();
    fixture(&admin, "trap");
    assert_ok(&run(&admin, "fine", ""));
    let idle = |admin: &Api<'_>| {
        let app = assert_ok(&admin.get(&format!("/api/apps/{TRAP_ID}")))["app"].clone();
        app["health"]["idleInstances"].as_u64().unwrap()
    };
    poll(Duration::from_secs(30), || (idle(&admin) == 0).then_some(()));
    // A new call gets a fresh instance.
    assert_ok(&run(&admin, "fine", ""));
}
