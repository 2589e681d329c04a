//! Each app's key-value store (`persistence`): records with versions, compare-and-set, expiry,
//! associations, the quota, and records surviving a restart and going with an uninstall.

use std::time::Duration;

use serde_json::json;

use crate::apps::{install, package};
use crate::commands::{ephemeral, ephemeral_listener};
use crate::common::*;

const PROBE_ID: &str = "11111111-0000-4000-8000-000000000008";

/// Runs `/probe-kv <params>` as `api` and returns what the app reported.
fn kv(api: &Api<'_>, params: &str) -> String {
    let mut ddp = ephemeral_listener(api);
    let res = api.post("/api/v1/commands.run", json!({"command": "probe-kv", "roomId": "GENERAL", "params": params}));
    assert_ok(&res);
    let told = ephemeral(&mut ddp, api.user_id(), |t| t.starts_with("ok: ") || t == "none" || t.starts_with("err: "));
    told["msg"].as_str().unwrap().to_string()
}

#[test]
fn apps_keep_records_with_versions_associations_expiry_and_a_quota() {
    let opts = Options::default().env("OVERWRITE_SETTING_Apps_Orbit_Persistence_Quota_KB", "48");
    let s = Server::start_with(opts.clone());
    let admin = s.admin();
    install(&admin, package("fixtures", "probe"));
    assert_eq!(kv(&admin, "get votes"), "none");
    assert_eq!(kv(&admin, "set votes 3"), r#"ok: "1""#);
    assert_eq!(kv(&admin, "get votes"), r#"ok: "3@1""#);
    // Compare-and-set: only over the version read.
    assert_eq!(kv(&admin, "cas votes 1 4"), r#"ok: "2""#);
    assert_eq!(kv(&admin, "cas votes 1 5"), r#"ok: "conflict""#);
    assert_eq!(kv(&admin, "cas fresh 0 a"), r#"ok: "1""#);
    assert_eq!(kv(&admin, "cas fresh 0 b"), r#"ok: "conflict""#);
    assert_eq!(kv(&admin, "get votes"), r#"ok: "4@2""#);
    // Associations.
    assert_eq!(kv(&admin, "tag poll-1 x GENERAL"), r#"ok: "1""#);
    assert_eq!(kv(&admin, "tag poll-2 y GENERAL"), r#"ok: "1""#);
    assert_eq!(kv(&admin, "tag poll-3 z other-room"), r#"ok: "1""#);
    assert_eq!(kv(&admin, "find GENERAL"), r#"ok: "poll-1,poll-2""#);
    assert_eq!(kv(&admin, "drop GENERAL"), r#"ok: "2""#);
    assert_eq!(kv(&admin, "find GENERAL"), r#"ok: """#);
    assert_eq!(kv(&admin, "del poll-3"), r#"ok: "true""#);
    assert_eq!(kv(&admin, "del poll-3"), r#"ok: "false""#);
    // Expiry: a record with a time to live reads as absent once it passed.
    assert_eq!(kv(&admin, "set soon gone 300"), r#"ok: "1""#);
    poll(Duration::from_secs(30), || (kv(&admin, "get soon") == "none").then_some(()));
    // The quota (48 KiB here): a value that would pass it is refused; smaller ones fit.
    let told = kv(&admin, "fill 60");
    assert!(told.starts_with("err: ") && told.contains("quota"), "{told}");
    assert_eq!(kv(&admin, "fill 32"), r#"ok: "1""#);
    // Bad input: an empty key.
    let told = kv(&admin, "set");
    assert!(told.starts_with("err: ") && told.contains("key"), "{told}");

    // Records survive a restart, and go with the app.
    let dir = s.kill();
    let s = Server::start_with(Options { data_dir: Some(dir), ..opts });
    let admin = s.admin();
    assert_eq!(kv(&admin, "get votes"), r#"ok: "4@2""#);
    assert_ok(&admin.delete(&format!("/api/apps/{PROBE_ID}")));
    install(&admin, package("fixtures", "probe"));
    assert_eq!(kv(&admin, "get votes"), "none");
}

#[test]
fn an_app_without_the_permission_has_no_store() {
    let s = Server::start();
    let admin = s.admin();
    let zip = crate::apps::repackage(
        &package("fixtures", "probe"),
        |m| m["permissions"].as_array_mut().unwrap().retain(|p| p["name"] != "persistence"),
        &[],
    );
    // The component imports `persistence`: without the permission it is refused at install.
    let res = crate::apps::upload(&admin, "/api/apps", "app", zip);
    assert_eq!(res.status, 400, "{}", res.body);
    assert!(res.body.to_string().contains("persistence"), "{}", res.body);
}
