//! Secrets at rest and in the log: mail carrying reset links or codes leaves the queue once the
//! SMTP server took it (or at once without SMTP), and the log never shows it; TOTP secrets are
//! sealed with the server key; backup codes are hashed with a salt of their own.

use std::time::Duration;

use serde_json::{Value, json};

use crate::common::*;
use crate::two_factor::{enrol_totp, totp_now};

/// The documents of the mail queue.
fn queued_mail(s: &Server) -> Vec<Value> {
    let db = rusqlite::Connection::open(s.data_dir.join("orbit.db")).unwrap();
    let mut stmt = db.prepare("SELECT doc FROM docs WHERE collection = 'mail_queue'").unwrap();
    stmt.query_map([], |r| r.get::<_, String>(0)).unwrap().map(|d| serde_json::from_str(&d.unwrap()).unwrap()).collect()
}

/// The database file's whole text, to search for secrets in it.
fn database_text(s: &Server) -> String {
    let db = rusqlite::Connection::open(s.data_dir.join("orbit.db")).unwrap();
    let mut stmt = db.prepare("SELECT doc FROM docs UNION ALL SELECT doc FROM credentials").unwrap();
    stmt.query_map([], |r| r.get::<_, String>(0)).unwrap().map(Result::unwrap).collect::<Vec<_>>().join("\n")
}

#[test]
fn without_smtp_mail_is_dropped_and_the_log_shows_no_link() {
    let s = Server::start_with(Options::default().capture_log());
    s.user("bob");
    assert_ok(&s.anon().post("/api/v1/users.forgotPassword", json!({"email": "bob@example.com"})));
    let log = poll(Duration::from_secs(30), || Some(s.log()).filter(|l| l.contains("mail not sent: no SMTP")));
    assert!(log.contains("Reset your password"), "{log}");
    assert!(!log.contains("reset-password"), "the log shows the link: {log}");
    poll(Duration::from_secs(30), || queued_mail(&s).is_empty().then_some(()));
    assert!(!database_text(&s).contains("reset-password"));
}

#[test]
fn mail_leaves_the_queue_once_the_smtp_server_took_it() {
    let s = Server::start_with(Options::default().mail().capture_log());
    s.user("bob");
    assert_ok(&s.anon().post("/api/v1/users.forgotPassword", json!({"email": "bob@example.com"})));
    let mail = s.mails().wait("bob@example.com", 1).remove(0);
    let text = mail["text"].as_str().unwrap();
    let token = text.split("/reset-password/").nth(1).unwrap().split_whitespace().next().unwrap();
    assert_eq!(mail["from"], "no-reply@localhost");
    poll(Duration::from_secs(30), || queued_mail(&s).is_empty().then_some(()));
    assert!(!database_text(&s).contains(token), "the reset token is at rest in plain text");
    let log = poll(Duration::from_secs(30), || Some(s.log()).filter(|l| l.contains("mail sent")));
    assert!(!log.contains(token), "the log shows the token: {log}");
}

#[test]
fn mail_queued_before_smtp_was_reachable_goes_out_after_a_retry_and_a_restart() {
    // SMTP points at a closed port: the mail waits in the queue.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let s = Server::start_with(
        Options::default()
            .env("OVERWRITE_SETTING_SMTP_Host", "127.0.0.1")
            .env("OVERWRITE_SETTING_SMTP_Port", &port.to_string()),
    );
    s.user("bob");
    assert_ok(&s.anon().post("/api/v1/users.forgotPassword", json!({"email": "bob@example.com"})));
    let queued = poll(Duration::from_secs(30), || queued_mail(&s).into_iter().find(|m| m["attempts"] == 1));
    assert_eq!(queued["to"], "bob@example.com");
    // After a restart with a reachable SMTP server, it is delivered at once (the retry delay
    // is a floor for the running worker, not for a start).
    let dir = s.kill();
    let s = Server::start_with(Options { data_dir: Some(dir), ..Options::default().mail() });
    let mails = s.mails().wait("bob@example.com", 1);
    assert!(mails[0]["text"].as_str().unwrap().contains("/reset-password/"));
    poll(Duration::from_secs(30), || queued_mail(&s).is_empty().then_some(()));
}

#[test]
fn totp_secrets_are_sealed_and_backup_codes_salted() {
    let s = Server::start();
    let bob = s.user("bob");
    let (secret, codes) = enrol_totp(&bob);
    let db = rusqlite::Connection::open(s.data_dir.join("orbit.db")).unwrap();
    let creds: String =
        db.query_row("SELECT doc FROM credentials WHERE user_id = ?1", [bob.user_id()], |r| r.get(0)).unwrap();
    let creds: Value = serde_json::from_str(&creds).unwrap();
    let stored = creds["totp_secret"].as_str().unwrap();
    assert!(stored.starts_with("sealed:v1:") && !stored.contains(&secret), "{stored}");
    let plain_hash = |c: &str| {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(c.as_bytes()))
    };
    let hashes: Vec<&str> =
        creds["totp_backup_codes"].as_array().unwrap().iter().map(|h| h.as_str().unwrap()).collect();
    assert_eq!(hashes.len(), 12);
    assert!(codes.iter().all(|c| !hashes.contains(&plain_hash(c).as_str())), "backup codes hashed without a salt");
    // The key is the server's own file, readable by its owner only.
    let key = s.data_dir.join("secret.key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&key).unwrap().permissions().mode() & 0o777, 0o600);
    }
    // Sealed secrets and salted codes still work, also after a restart.
    let login = |s: &Server, code: &str| {
        s.anon().post("/api/v1/login", json!({"user": "bob", "password": "Passw0rd!x", "code": code})).status
    };
    assert_eq!(login(&s, &totp_now(&secret)), 200);
    let dir = s.kill();
    let s = Server::start_with(Options { data_dir: Some(dir.clone()), ..Default::default() });
    assert_eq!(login(&s, &codes[0]), 200);
    assert_eq!(login(&s, &codes[0]), 401, "a backup code works once");
    assert_eq!(login(&s, &totp_now(&secret)), 200);
    // With another key the sealed secret can't be opened: TOTP codes fail, nothing leaks.
    let dir = s.kill();
    let other_key = "ab".repeat(32);
    let s =
        Server::start_with(Options { data_dir: Some(dir), ..Options::default().env("ORBIT_SECRET_KEY", &other_key) });
    assert_eq!(login(&s, &totp_now(&secret)), 401);
}
