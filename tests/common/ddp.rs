//! A small blocking DDP client for the realtime tests: raw frames over a real WebSocket, with
//! bounded waits for expected frames (never sleeps).

use std::collections::VecDeque;
use std::net::TcpStream;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::{self, Message, WebSocket};

use super::{Api, Server};

/// How long a test waits for an expected frame.
pub const WAIT: Duration = Duration::from_secs(15);

/// A DDP connection.
pub struct Ddp {
    ws: WebSocket<TcpStream>,
    next_id: u64,
    inbox: VecDeque<Value>,
    /// The session id from `connected`.
    pub session: String,
    /// Answer server pings automatically (on by default).
    pub auto_pong: bool,
    closed: bool,
}

impl Ddp {
    /// Opens a WebSocket to `/websocket` and reads the `server_id` frame, without `connect`.
    pub fn open(server: &Server) -> Self {
        Self::open_path(server, "/websocket")
    }

    /// Opens a WebSocket to `path` and reads the `server_id` frame.
    pub fn open_path(server: &Server, path: &str) -> Self {
        let stream = TcpStream::connect(("127.0.0.1", server.port)).expect("tcp connect");
        stream.set_nodelay(true).unwrap();
        let url = format!("ws://127.0.0.1:{}{}", server.port, path);
        let (ws, _) = tungstenite::client::client(url, stream).expect("websocket handshake");
        let mut d =
            Ddp { ws, next_id: 0, inbox: VecDeque::new(), session: String::new(), auto_pong: true, closed: false };
        let first = d.next_frame(WAIT).expect("server_id frame");
        assert_eq!(first, json!({"server_id": "0"}));
        d
    }

    /// Opens and completes the `connect` handshake.
    pub fn connect(server: &Server) -> Self {
        let mut d = Self::open(server);
        d.send(json!({"msg": "connect", "version": "1", "support": ["1", "pre2", "pre1"]}));
        let c = d.wait(|f| f["msg"] == "connected" || f["msg"] == "failed");
        assert_eq!(c["msg"], "connected", "{c}");
        d.session = c["session"].as_str().unwrap().to_string();
        d
    }

    /// Connects and logs in with a username and password (plain).
    pub fn login(server: &Server, user: &str, pass: &str) -> Self {
        let mut d = Self::connect(server);
        let r = d.call("login", json!([{"user": {"username": user}, "password": pass}]));
        assert!(r.get("error").is_none(), "login failed: {r}");
        d
    }

    /// Connects and resumes the REST session of `api`.
    pub fn resume(api: &Api<'_>) -> Self {
        let mut d = Self::connect(api.server);
        let r = d.call("login", json!([{"resume": api.token()}]));
        assert!(r.get("error").is_none(), "resume failed: {r}");
        d
    }

    /// A fresh method id.
    pub fn id(&mut self) -> String {
        self.next_id += 1;
        format!("m{}", self.next_id)
    }

    /// Sends a JSON frame.
    pub fn send(&mut self, v: Value) {
        self.send_raw(&v.to_string());
    }

    /// Sends raw text.
    pub fn send_raw(&mut self, text: &str) {
        self.ws.send(Message::text(text.to_string())).expect("send");
    }

    /// Sends raw text; false if the socket is already gone.
    pub fn try_send_raw(&mut self, text: &str) -> bool {
        self.ws.send(Message::text(text.to_string())).is_ok()
    }

    /// Sends a binary frame.
    pub fn send_binary(&mut self, data: Vec<u8>) {
        self.ws.send(Message::binary(data)).expect("send");
    }

    /// Reads the next frame from the socket (not the inbox), within `timeout`. `None` on timeout
    /// or when the socket is closed.
    fn next_frame(&mut self, timeout: Duration) -> Option<Value> {
        let deadline = Instant::now() + timeout;
        loop {
            if self.closed {
                return None;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return None;
            }
            self.ws.get_mut().set_read_timeout(Some(left)).unwrap();
            match self.ws.read() {
                Ok(Message::Text(t)) => {
                    let v: Value = serde_json::from_str(t.as_str()).expect("server frames are JSON");
                    if self.auto_pong && v["msg"] == "ping" {
                        let mut pong = json!({"msg": "pong"});
                        if let Some(id) = v.get("id") {
                            pong["id"] = id.clone();
                        }
                        self.send(pong);
                        continue;
                    }
                    return Some(v);
                }
                Ok(Message::Close(_)) => {
                    self.closed = true;
                    return None;
                }
                Ok(_) => continue,
                Err(tungstenite::Error::Io(e))
                    if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) =>
                {
                    return None;
                }
                Err(_) => {
                    self.closed = true;
                    return None;
                }
            }
        }
    }

    /// Waits (bounded) for a frame matching `pred`; other frames stay queued for later waits.
    #[track_caller]
    pub fn wait(&mut self, pred: impl Fn(&Value) -> bool) -> Value {
        match self.wait_for(pred, WAIT) {
            Some(v) => v,
            None => panic!("timed out waiting for a frame; queued frames: {:?}", self.inbox),
        }
    }

    /// Waits up to `timeout` for a frame matching `pred`.
    pub fn wait_for(&mut self, pred: impl Fn(&Value) -> bool, timeout: Duration) -> Option<Value> {
        if let Some(pos) = self.inbox.iter().position(&pred) {
            return self.inbox.remove(pos);
        }
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let f = self.next_frame(left)?;
            if pred(&f) {
                return Some(f);
            }
            self.inbox.push_back(f);
        }
    }

    /// Whether a frame matching `pred` has been received (and is still queued).
    pub fn received(&self, pred: impl Fn(&Value) -> bool) -> bool {
        self.inbox.iter().any(pred)
    }

    /// Drops every queued frame.
    pub fn clear(&mut self) {
        self.inbox.clear();
    }

    /// Calls a method and returns its `result` frame (with `result` or `error`).
    #[track_caller]
    pub fn call(&mut self, method: &str, params: Value) -> Value {
        let id = self.id();
        self.send(json!({"msg": "method", "id": id, "method": method, "params": params}));
        self.wait(|f| f["msg"] == "result" && f["id"] == id.as_str())
    }

    /// Calls a method, asserts it succeeded and returns the `result` value (`Null` if none).
    #[track_caller]
    pub fn call_ok(&mut self, method: &str, params: Value) -> Value {
        let r = self.call(method, params);
        assert!(r.get("error").is_none(), "{method} failed: {r}");
        r.get("result").cloned().unwrap_or(Value::Null)
    }

    /// Calls a method, asserts it failed with error code `code` and returns the error object.
    #[track_caller]
    pub fn call_err(&mut self, method: &str, params: Value, code: Value) -> Value {
        let r = self.call(method, params);
        let e = r.get("error").cloned().unwrap_or_else(|| panic!("{method} should fail: {r}"));
        assert_eq!(e["error"], code, "{method}: {e}");
        assert_eq!(e["errorType"], "Meteor.Error", "{e}");
        e
    }

    /// Subscribes and returns the answer: `ready` or `nosub`.
    #[track_caller]
    pub fn sub(&mut self, name: &str, params: Value) -> (String, Value) {
        let id = self.id();
        self.send(json!({"msg": "sub", "id": id, "name": name, "params": params}));
        let f = self.wait(|f| {
            (f["msg"] == "ready" && f["subs"].as_array().is_some_and(|s| s.contains(&json!(id))))
                || (f["msg"] == "nosub" && f["id"] == id.as_str())
        });
        (id, f)
    }

    /// Subscribes, asserts `ready` and returns the subscription id.
    #[track_caller]
    pub fn sub_ok(&mut self, name: &str, key: &str) -> String {
        let (id, f) = self.sub(name, json!([key, false]));
        assert_eq!(f["msg"], "ready", "sub {name} {key}: {f}");
        id
    }

    /// Subscribes and asserts `nosub` with error `code`.
    #[track_caller]
    pub fn sub_denied(&mut self, name: &str, key: &str, code: &str) {
        let (_, f) = self.sub(name, json!([key, false]));
        assert_eq!(f["msg"], "nosub", "sub {name} {key} should be refused: {f}");
        assert_eq!(f["error"]["error"], code, "{f}");
    }

    /// Waits for a stream event on `stream` named `event` whose args satisfy `pred`; returns args.
    #[track_caller]
    pub fn event(&mut self, stream: &str, event: &str, pred: impl Fn(&Value) -> bool) -> Value {
        let f = self.wait(|f| {
            f["msg"] == "changed"
                && f["collection"] == stream
                && f["fields"]["eventName"] == event
                && pred(&f["fields"]["args"])
        });
        f["fields"]["args"].clone()
    }

    /// Whether an event on `stream` named `event` is queued.
    pub fn has_event(&self, stream: &str, event: &str) -> bool {
        self.received(|f| f["msg"] == "changed" && f["collection"] == stream && f["fields"]["eventName"] == event)
    }

    /// Waits (bounded) until the server closes the socket; panics if it stays open.
    #[track_caller]
    pub fn expect_closed(&mut self) {
        let deadline = Instant::now() + WAIT;
        while !self.closed {
            assert!(Instant::now() < deadline, "socket still open");
            if let Some(f) = self.next_frame(deadline.saturating_duration_since(Instant::now())) {
                self.inbox.push_back(f);
            }
        }
    }

    /// Whether the server closed the socket.
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// Closes the socket from the client side.
    pub fn close(mut self) {
        let _ = self.ws.close(None);
        let _ = self.ws.flush();
    }
}
