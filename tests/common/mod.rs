//! The integration-test harness: each test starts the real `orbit` binary on a free port with a
//! fresh data directory and talks to it over HTTP (and WebSocket in the realtime tests).

#![allow(dead_code)]

mod builtin_commands;
pub mod ddp;
pub mod mail;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::blocking::Client;
use serde_json::{Value, json};

/// Polls `check` until it returns `Some`, for at most `limit`.
pub fn poll<T>(limit: Duration, mut check: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = check() {
            return v;
        }
        assert!(start.elapsed() < limit, "condition not met within {limit:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The admin every test server is started with.
pub const ADMIN_USER: &str = "admin";
pub const ADMIN_PASS: &str = "admin-Pass1!";

pub use builtin_commands::BUILTIN_COMMANDS;

/// A running server with its own data directory. Killed and cleaned up on drop.
pub struct Server {
    child: Child,
    pub base: String,
    pub port: u16,
    pub data_dir: PathBuf,
    _tmp: TempDir,
    pub http: Client,
    /// The SMTP sink, with [`Options::mail`].
    pub mail: Option<mail::MailSink>,
}

/// A temporary directory removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new() -> Self {
        let dir = std::env::temp_dir().join(format!("orbit-test-{}-{}", std::process::id(), rand_suffix()));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn rand_suffix() -> String {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    format!(
        "{}-{}",
        N.fetch_add(1, Ordering::Relaxed),
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()
    )
}

/// Options for starting a server.
#[derive(Default, Clone)]
pub struct Options {
    /// Extra environment variables.
    pub env: Vec<(String, String)>,
    /// Reuse this data directory (restart tests).
    pub data_dir: Option<PathBuf>,
    /// Start an SMTP sink and send the server's mail to it ([`Server::mails`]).
    pub mail: bool,
    /// Log at INFO into a file instead of the test's stderr ([`Server::log`]).
    pub capture_log: bool,
}

impl Options {
    pub fn env(mut self, k: &str, v: &str) -> Self {
        self.env.push((k.into(), v.into()));
        self
    }

    /// With the server's INFO log kept for [`Server::log`].
    pub fn capture_log(mut self) -> Self {
        self.capture_log = true;
        self
    }

    /// With a real SMTP server receiving the server's mail.
    pub fn mail(mut self) -> Self {
        self.mail = true;
        self
    }
}

impl Server {
    /// Starts a server with the default test options (rate limiter off, low bcrypt cost).
    pub fn start() -> Self {
        Self::start_with(Options::default())
    }

    /// Starts a server with options. Blocks until it prints its listening address.
    pub fn start_with(opts: Options) -> Self {
        let tmp = TempDir::new();
        let data_dir = opts.data_dir.clone().unwrap_or_else(|| tmp.0.join("data"));
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_orbit"));
        cmd.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("PORT", "0")
            .env("BIND_IP", "127.0.0.1")
            .env("ORBIT_DATA_DIR", &data_dir)
            .env("ORBIT_BCRYPT_COST", "4")
            .env("ADMIN_USERNAME", ADMIN_USER)
            .env("ADMIN_PASS", ADMIN_PASS)
            .env("ADMIN_EMAIL", "admin@example.com")
            .env("OVERWRITE_SETTING_API_Enable_Rate_Limiter", "false")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        if opts.capture_log {
            let file = std::fs::File::create(tmp.0.join("server.log")).unwrap();
            cmd.env("RUST_LOG", "info").stderr(file);
        }
        let mail = opts.mail.then(mail::MailSink::start);
        if let Some(sink) = &mail {
            cmd.env("OVERWRITE_SETTING_SMTP_Host", "127.0.0.1")
                .env("OVERWRITE_SETTING_SMTP_Port", sink.port.to_string());
        }
        for (k, v) in &opts.env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("start orbit");
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let port = loop {
            let line = lines.next().expect("orbit exited before listening").unwrap();
            if let Some(addr) = line.strip_prefix("listening on ") {
                break addr.rsplit(':').next().unwrap().parse::<u16>().unwrap();
            }
        };
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        let base = format!("http://127.0.0.1:{port}");
        Server { child, base, port, data_dir, _tmp: tmp, http: Client::builder().build().unwrap(), mail }
    }

    /// The SMTP sink (the server must be started with [`Options::mail`]).
    pub fn mails(&self) -> &mail::MailSink {
        self.mail.as_ref().expect("a server started with Options::mail()")
    }

    /// The log so far (the server must be started with [`Options::capture_log`]).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self._tmp.0.join("server.log")).expect("a server started with Options::capture_log()")
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Kills the server (like a crash) and returns its data directory for a restart.
    pub fn kill(mut self) -> PathBuf {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let dir = self.data_dir.clone();
        std::mem::forget(self._tmp.0.clone());
        let tmp = std::mem::replace(&mut self._tmp, TempDir(PathBuf::new()));
        std::mem::forget(tmp);
        dir
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// An anonymous client.
    pub fn anon(&self) -> Api<'_> {
        Api { server: self, auth: None }
    }

    /// Logs in and returns a client with the session headers.
    pub fn login(&self, user: &str, pass: &str) -> Api<'_> {
        let res = self.anon().post("/api/v1/login", json!({"user": user, "password": pass}));
        assert_eq!(res.status, 200, "login failed: {}", res.body);
        let data = &res.body["data"];
        Api {
            server: self,
            auth: Some((data["userId"].as_str().unwrap().into(), data["authToken"].as_str().unwrap().into())),
        }
    }

    /// The admin client.
    pub fn admin(&self) -> Api<'_> {
        self.login(ADMIN_USER, ADMIN_PASS)
    }

    /// Registers a user (as admin via users.create) and logs them in.
    pub fn user(&self, username: &str) -> Api<'_> {
        let res = self.admin().post(
            "/api/v1/users.create",
            json!({"username": username, "email": format!("{username}@example.com"), "name": username, "password": "Passw0rd!x"}),
        );
        assert_eq!(res.status, 200, "users.create failed: {}", res.body);
        self.login(username, "Passw0rd!x")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An HTTP response: status, headers and parsed JSON body (`Null` when not JSON).
pub struct Res {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Res {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// A client, anonymous or logged in.
#[derive(Clone)]
pub struct Api<'a> {
    pub server: &'a Server,
    /// `(userId, authToken)`.
    pub auth: Option<(String, String)>,
}

impl Api<'_> {
    pub fn user_id(&self) -> &str {
        &self.auth.as_ref().unwrap().0
    }

    pub fn token(&self) -> &str {
        &self.auth.as_ref().unwrap().1
    }

    fn with_auth(&self, mut rb: reqwest::blocking::RequestBuilder) -> reqwest::blocking::RequestBuilder {
        if let Some((id, token)) = &self.auth {
            rb = rb.header("X-User-Id", id).header("X-Auth-Token", token);
        }
        rb
    }

    pub fn send(&self, rb: reqwest::blocking::RequestBuilder) -> Res {
        let r = self.with_auth(rb).send().expect("request");
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        let text = r.text().unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Res { status, headers, body, text }
    }

    pub fn get(&self, path: &str) -> Res {
        self.send(self.server.http.get(self.server.url(path)))
    }

    pub fn post(&self, path: &str, body: Value) -> Res {
        self.send(self.server.http.post(self.server.url(path)).json(&body))
    }

    pub fn post_raw(&self, path: &str, content_type: &str, body: impl Into<reqwest::blocking::Body>) -> Res {
        self.send(self.server.http.post(self.server.url(path)).header("content-type", content_type).body(body))
    }

    pub fn delete(&self, path: &str) -> Res {
        self.send(self.server.http.delete(self.server.url(path)))
    }
}

/// Asserts a Rocket.Chat failure envelope with the given status and error id.
#[track_caller]
pub fn assert_error(res: &Res, status: u16, error_type: &str) {
    assert_eq!(res.status, status, "unexpected status, body: {}", res.body);
    assert_eq!(res.body["success"], false, "body: {}", res.body);
    assert_eq!(res.body["errorType"], error_type, "body: {}", res.body);
}

/// Asserts a success envelope and returns the body.
#[track_caller]
pub fn assert_ok(res: &Res) -> &Value {
    assert_eq!(res.status, 200, "body: {}", res.body);
    assert_eq!(res.body["success"], true, "body: {}", res.body);
    &res.body
}
