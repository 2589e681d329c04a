//! Apps' HTTP endpoints: a public one that posts what it receives (the webhook-receiver
//! example), a private one that sees the calling user, the paths an app did not declare, and
//! bounded bodies.

use serde_json::{Value, json};

use crate::apps::{install, package};
use crate::common::*;

const RECEIVER_ID: &str = "2d8e6f1a-9c4b-4a7e-b3d5-8f0a1c6e2b94";

fn hook_url(s: &Server, path: &str) -> String {
    s.url(&format!("/api/apps/public/{RECEIVER_ID}/{path}"))
}

#[test]
fn a_public_endpoint_receives_webhooks_and_a_private_one_sees_the_caller() {
    let s = Server::start();
    let admin = s.admin();
    install(&admin, package("apps", "webhook-receiver"));
    // Anyone may post to the public endpoint; the text lands in #general from the app's bot.
    let res = s.http.post(hook_url(&s, "hook")).json(&json!({"text": "deploy finished"})).send().unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/json");
    let answer: Value = res.json().unwrap();
    assert_eq!(answer["ok"], true, "{answer}");
    let id = answer["messageId"].as_str().unwrap();
    let message = assert_ok(&admin.get(&format!("/api/v1/chat.getMessage?msgId={id}")))["message"].clone();
    assert_eq!((message["msg"].as_str(), message["rid"].as_str()), (Some("deploy finished"), Some("GENERAL")));
    assert_eq!(message["u"]["username"], "webhook-receiver.bot");
    // The app's own answers for bad requests.
    let res = s.http.get(hook_url(&s, "hook")).send().unwrap();
    assert_eq!(res.status(), 405);
    let res = s.http.post(hook_url(&s, "hook")).body("not json").send().unwrap();
    assert_eq!(res.status(), 400);
    // With a secret set, a sender without it is refused.
    let res = admin
        .post(&format!("/api/apps/{RECEIVER_ID}/settings"), json!({"settings": [{"id": "secret", "value": "s3cret"}]}));
    assert_ok(&res);
    let res = s.http.post(hook_url(&s, "hook")).json(&json!({"text": "x"})).send().unwrap();
    assert_eq!(res.status(), 401);
    let res = s
        .http
        .post(hook_url(&s, "hook"))
        .header("X-Webhook-Secret", "s3cret")
        .json(&json!({"text": "y"}))
        .send()
        .unwrap();
    assert_eq!(res.status(), 200);

    // Paths the app did not declare, or declared private, answer 404 without reaching it.
    let res = s.anon().get(&format!("/api/apps/public/{RECEIVER_ID}/other"));
    assert_error(&res, 404, "error-not-found");
    let res = s.anon().get(&format!("/api/apps/public/{RECEIVER_ID}/whoami"));
    assert_eq!(res.status, 404);
    let res = s.anon().get("/api/apps/public/no-such-app/hook");
    assert_eq!(res.status, 404);
    // The private endpoint needs a login, and sees who called.
    assert_eq!(s.anon().get(&format!("/api/apps/private/{RECEIVER_ID}/whoami")).status, 401);
    let bob = s.user("bob");
    let res = bob.get(&format!("/api/apps/private/{RECEIVER_ID}/whoami"));
    assert_eq!(res.status, 200);
    assert_eq!(res.body["userId"], bob.user_id());
    // Bodies over 1 MiB are refused before the app.
    let res = s.http.post(hook_url(&s, "hook")).body("x".repeat((1 << 20) + 1)).send().unwrap();
    assert_eq!(res.status(), 413);
    // A disabled app serves nothing.
    let res = admin.post(&format!("/api/apps/{RECEIVER_ID}/status"), json!({"status": "manually_disabled"}));
    assert_ok(&res);
    let res = s.http.post(hook_url(&s, "hook")).json(&json!({"text": "z"})).send().unwrap();
    assert_eq!(res.status(), 404);
}

#[test]
fn endpoints_need_the_apis_permission() {
    let s = Server::start();
    let admin = s.admin();
    let zip = crate::apps::repackage(
        &package("apps", "webhook-receiver"),
        |m| m["permissions"].as_array_mut().unwrap().retain(|p| p["name"] != "apis"),
        &[],
    );
    let res = crate::apps::upload(&admin, "/api/apps", "app", zip);
    assert_eq!(res.status, 400, "{}", res.body);
    assert!(res.body.to_string().contains("apis"), "{}", res.body);
}
