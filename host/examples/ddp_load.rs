//! DDP load generator: opens N WebSocket clients, logs them in, subscribes them all to one room's
//! `stream-room-messages`, posts messages at a fixed rate (DDP `sendMessage`, timestamp in the
//! text), and measures delivery latency (p50, p99, max) and deliveries per second. With
//! `--server-pid` it also reports the server's RSS per idle connection.
//!
//! ```sh
//! # Orbit (DDP rate limits off: one poster sends far more than Rocket.Chat's per-connection limit)
//! ORBIT_BCRYPT_COST=4 ADMIN_USERNAME=admin ADMIN_PASS=admin-Pass1! \
//!   OVERWRITE_SETTING_DDP_Rate_Limit_Connection_Enabled=false \
//!   OVERWRITE_SETTING_DDP_Rate_Limit_Connection_By_Method_Enabled=false \
//!   OVERWRITE_SETTING_DDP_Rate_Limit_User_Enabled=false \
//!   OVERWRITE_SETTING_DDP_Rate_Limit_User_By_Method_Enabled=false \
//!   OVERWRITE_SETTING_API_Enable_Rate_Limiter=false ORBIT_MAX_CONNECTIONS_PER_IP=0 target/release/orbit &
//! cargo run --release -p orbit --example ddp_load -- --url ws://127.0.0.1:3000/websocket \
//!   --clients 1000 --rate 100 --seconds 20 --server-pid $!
//! # The ceiling: the same load against a bare tokio-tungstenite broadcast server
//! cargo run --release -p orbit --example ws_baseline -- --port 3100 &
//! cargo run --release -p orbit --example ddp_load -- --url ws://127.0.0.1:3100/websocket --baseline \
//!   --clients 1000 --rate 100 --seconds 20 --server-pid $!
//! ```
//!
//! Options: `--url`, `--clients N`, `--rate R` (messages/s), `--seconds S` (0: connect, measure
//! memory, exit), `--room RID` (default GENERAL), `--users U` (distinct accounts, default
//! min(N, 200); clients share them round-robin), `--posters P` (default 2), `--admin USER:PASS`,
//! `--baseline` (no REST: any login is accepted), `--server-pid PID`, `--connect-batch B`,
//! `--warmup W` (open W clients first and measure memory from there, so the server's thread pools
//! and allocator arenas are already grown and only the marginal cost per connection is counted;
//! warm-up clients stay subscribed and receive too), `--typing` (fan out typing events of
//! `stream-notify-room <room>/user-activity`, sent with the `stream-notify-room` method, instead of
//! messages: the same fan-out without the message store).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, bail};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

#[derive(Debug, Clone)]
struct Args {
    url: String,
    clients: usize,
    rate: f64,
    seconds: f64,
    room: String,
    users: usize,
    posters: usize,
    admin: (String, String),
    baseline: bool,
    server_pid: Option<u32>,
    connect_batch: usize,
    warmup: usize,
    /// `typing`: fan out `stream-notify-room` activity events instead of messages.
    typing: bool,
}

fn parse_args() -> anyhow::Result<Args> {
    let mut a = Args {
        url: "ws://127.0.0.1:3000/websocket".into(),
        clients: 100,
        rate: 10.0,
        seconds: 10.0,
        room: "GENERAL".into(),
        users: 0,
        posters: 2,
        admin: ("admin".into(), "admin-Pass1!".into()),
        baseline: false,
        server_pid: None,
        connect_batch: 200,
        warmup: 0,
        typing: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut val = || it.next().with_context(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--url" => a.url = val()?,
            "--clients" => a.clients = val()?.parse()?,
            "--rate" => a.rate = val()?.parse()?,
            "--seconds" => a.seconds = val()?.parse()?,
            "--room" => a.room = val()?,
            "--users" => a.users = val()?.parse()?,
            "--posters" => a.posters = val()?.parse()?,
            "--admin" => {
                let v = val()?;
                let (u, p) = v.split_once(':').context("--admin USER:PASS")?;
                a.admin = (u.into(), p.into());
            }
            "--baseline" => a.baseline = true,
            "--server-pid" => a.server_pid = Some(val()?.parse()?),
            "--connect-batch" => a.connect_batch = val()?.parse()?,
            "--warmup" => a.warmup = val()?.parse()?,
            "--typing" => a.typing = true,
            other => bail!("unknown option {other}"),
        }
    }
    if a.users == 0 {
        a.users = a.clients.clamp(1, 200);
    }
    a.posters = a.posters.max(1);
    Ok(a)
}

/// Latency histogram: 100 µs buckets up to 30 s.
struct Stats {
    buckets: Vec<AtomicU64>,
    deliveries: AtomicU64,
    closed: AtomicU64,
    sent: AtomicU64,
    send_errors: AtomicU64,
    measuring: AtomicBool,
}

const BUCKET_US: u64 = 100;

impl Stats {
    fn new() -> Self {
        Stats {
            buckets: (0..300_001).map(|_| AtomicU64::new(0)).collect(),
            deliveries: AtomicU64::new(0),
            closed: AtomicU64::new(0),
            sent: AtomicU64::new(0),
            send_errors: AtomicU64::new(0),
            measuring: AtomicBool::new(false),
        }
    }

    fn record(&self, latency_us: u64) {
        let i = ((latency_us / BUCKET_US) as usize).min(self.buckets.len() - 1);
        self.buckets[i].fetch_add(1, Ordering::Relaxed);
        self.deliveries.fetch_add(1, Ordering::Relaxed);
    }

    fn percentile(&self, p: f64) -> f64 {
        let total: u64 = self.buckets.iter().map(|b| b.load(Ordering::Relaxed)).sum();
        if total == 0 {
            return f64::NAN;
        }
        let target = ((total as f64) * p).ceil() as u64;
        let mut acc = 0;
        for (i, b) in self.buckets.iter().enumerate() {
            acc += b.load(Ordering::Relaxed);
            if acc >= target {
                return ((i as u64 + 1) * BUCKET_US) as f64 / 1000.0;
            }
        }
        f64::NAN
    }
}

fn now_us() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_micros() as u64
}

fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status.lines().find_map(|l| l.strip_prefix("VmRSS:")).and_then(|v| v.split_whitespace().next()?.parse().ok())
}

/// The REST base URL for a WebSocket URL.
fn rest_base(url: &str) -> String {
    let http = url.replacen("wss://", "https://", 1).replacen("ws://", "http://", 1);
    match http.find("/websocket") {
        Some(i) => http[..i].to_string(),
        None => http.trim_end_matches('/').to_string(),
    }
}

async fn rest_login(http: &reqwest::Client, base: &str, user: &str, pass: &str) -> anyhow::Result<(String, String)> {
    let res: Value = http
        .post(format!("{base}/api/v1/login"))
        .json(&json!({"user": user, "password": pass}))
        .send()
        .await?
        .json()
        .await?;
    let data = &res["data"];
    match (data["userId"].as_str(), data["authToken"].as_str()) {
        (Some(u), Some(t)) => Ok((u.to_string(), t.to_string())),
        _ => bail!("login {user} failed: {res}"),
    }
}

/// Creates (or reuses) the load users and returns a resume token per user, plus the admin's.
async fn prepare_users(a: &Args) -> anyhow::Result<(Vec<String>, String)> {
    let base = rest_base(&a.url);
    let http = reqwest::Client::new();
    let (admin_id, admin_token) = rest_login(&http, &base, &a.admin.0, &a.admin.1).await.context("admin login")?;
    let started = Instant::now();
    let mut tokens = Vec::with_capacity(a.users);
    let sem = Arc::new(tokio::sync::Semaphore::new(8));
    let mut tasks = Vec::new();
    for i in 0..a.users {
        let (http, base, admin_id, admin_token, sem) =
            (http.clone(), base.clone(), admin_id.clone(), admin_token.clone(), sem.clone());
        tasks.push(tokio::spawn(async move {
            let _permit = sem.acquire().await;
            let name = format!("load{i}");
            let pass = "Load-Pass1!";
            if let Ok((_, t)) = rest_login(&http, &base, &name, pass).await {
                return Ok::<_, anyhow::Error>(t);
            }
            let res: Value = http
                .post(format!("{base}/api/v1/users.create"))
                .header("X-User-Id", &admin_id)
                .header("X-Auth-Token", &admin_token)
                .json(&json!({"username": name, "email": format!("{name}@load.example"), "name": name,
                    "password": pass, "joinDefaultChannels": true, "verified": true}))
                .send()
                .await?
                .json()
                .await?;
            if res["success"] != true {
                bail!("users.create {name}: {res}");
            }
            Ok(rest_login(&http, &base, &name, pass).await?.1)
        }));
    }
    for t in tasks {
        tokens.push(t.await??);
    }
    eprintln!("prepared {} users in {:.1}s", a.users, started.elapsed().as_secs_f64());
    Ok((tokens, admin_token))
}

type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Opens a connection, connects, resumes `token`, and subscribes to the room if `room` is set.
async fn open(url: &str, token: &str, room: Option<&str>, typing: bool) -> anyhow::Result<Ws> {
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await?;
    ws.send(Message::text(json!({"msg": "connect", "version": "1", "support": ["1"]}).to_string())).await?;
    ws.send(Message::text(
        json!({"msg": "method", "id": "login", "method": "login", "params": [{"resume": token}]}).to_string(),
    ))
    .await?;
    if let Some(room) = room {
        ws.send(Message::text(
            if typing {
                json!({"msg": "sub", "id": "room", "name": "stream-notify-room", "params": [format!("{room}/user-activity"), false]})
            } else {
                json!({"msg": "sub", "id": "room", "name": "stream-room-messages", "params": [room, false]})
            }
            .to_string(),
        ))
        .await?;
    }
    let mut logged_in = false;
    let mut ready = room.is_none();
    while !(logged_in && ready) {
        let msg = tokio::time::timeout(Duration::from_secs(60), ws.next()).await.context("handshake timeout")?;
        let Some(Ok(Message::Text(t))) = msg else {
            if matches!(msg, Some(Ok(_))) {
                continue;
            }
            bail!("socket closed during handshake");
        };
        let v: Value = serde_json::from_str(t.as_str())?;
        match v["msg"].as_str() {
            Some("result") if v["id"] == "login" => {
                if v.get("error").is_some() {
                    bail!("login failed: {v}");
                }
                logged_in = true;
            }
            Some("ready") => ready = true,
            Some("nosub") => bail!("subscription refused: {v}"),
            Some("ping") => ws.send(Message::text(r#"{"msg":"pong"}"#)).await?,
            _ => {}
        }
    }
    Ok(ws)
}

/// Reads a receiver's frames: answers pings, records the latency of room messages.
async fn receive(mut ws: Ws, stats: Arc<Stats>, stop: Arc<AtomicBool>) {
    while let Some(msg) = ws.next().await {
        let Ok(msg) = msg else { break };
        let Message::Text(t) = msg else { continue };
        let text = t.as_str();
        if let Some(i) = text.find("\"t=") {
            let digits: String = text[i + 3..].chars().take_while(char::is_ascii_digit).collect();
            if let Ok(sent) = digits.parse::<u64>()
                && stats.measuring.load(Ordering::Relaxed)
            {
                stats.record(now_us().saturating_sub(sent));
            }
        } else if text.contains("\"msg\":\"ping\"") && ws.send(Message::text(r#"{"msg":"pong"}"#)).await.is_err() {
            break;
        }
    }
    if !stop.load(Ordering::Relaxed) {
        stats.closed.fetch_add(1, Ordering::Relaxed);
    }
}

/// Posts `rate` messages per second until `stop`.
async fn post(mut ws: Ws, room: String, typing: Option<String>, rate: f64, stats: Arc<Stats>, stop: Arc<AtomicBool>) {
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / rate.max(0.001)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut n: u64 = 0;
    loop {
        tokio::select! {
            _ = tick.tick() => {
                if stop.load(Ordering::Relaxed) { break; }
                n += 1;
                let id = format!("{:x}{n:08x}", now_us());
                let frame = match &typing {
                    None => json!({"msg": "method", "id": format!("p{n}"), "method": "sendMessage",
                        "params": [{"_id": id, "rid": room, "msg": format!("t={}", now_us())}]}),
                    Some(username) => json!({"msg": "method", "id": format!("p{n}"), "method": "stream-notify-room",
                        "params": [format!("{room}/user-activity"), username, ["user-typing"], {"at": format!("t={}", now_us())}]}),
                };
                if ws.send(Message::text(frame.to_string())).await.is_err() { break; }
                stats.sent.fetch_add(1, Ordering::Relaxed);
            }
            msg = ws.next() => match msg {
                Some(Ok(Message::Text(t))) => {
                    let text = t.as_str();
                    if text.contains("\"msg\":\"result\"") && text.contains("\"error\"") {
                        if stats.send_errors.fetch_add(1, Ordering::Relaxed) < 3 {
                            eprintln!("sendMessage error: {text}");
                        }
                    } else if text.contains("\"msg\":\"ping\"") {
                        let _ = ws.send(Message::text(r#"{"msg":"pong"}"#)).await;
                    }
                }
                Some(Ok(_)) => {}
                _ => break,
            }
        }
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let a = parse_args()?;
    let (tokens, admin_token) = if a.baseline {
        (vec!["baseline".to_string(); a.users], "baseline".to_string())
    } else {
        prepare_users(&a).await?
    };
    let stats = Arc::new(Stats::new());
    let stop = Arc::new(AtomicBool::new(false));
    let (warm, warm_failures, _) = connect_all(&a, &tokens, 0, a.warmup, &stats, &stop).await?;
    if a.warmup > 0 {
        eprintln!("warm-up: {warm} clients connected");
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    let rss_before = a.server_pid.and_then(rss_kib);

    // Connect everyone, in batches.
    let started = Instant::now();
    let (measured, failures, first_error) = connect_all(&a, &tokens, a.warmup, a.clients, &stats, &stop).await?;
    let failures = failures + warm_failures;
    let connect_secs = started.elapsed().as_secs_f64();
    let connected = warm + measured;
    eprintln!("connected {measured}/{} clients in {connect_secs:.1}s ({failures} failed)", a.clients);
    if let Some(e) = &first_error {
        eprintln!("first connection error: {e}");
    }
    // Let the server settle (presence writes) before reading its memory.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss_after = a.server_pid.and_then(rss_kib);
    let rss_per_conn = match (rss_before, rss_after) {
        (Some(b), Some(a2)) if measured > 0 => Some((a2 as f64 - b as f64) * 1024.0 / measured as f64),
        _ => None,
    };

    let mut report = json!({
        "target": if a.baseline { "ws_baseline" } else { "orbit" },
        "clients": a.clients, "warmup_clients": a.warmup, "connected": connected, "connect_failures": failures,
        "connect_seconds": connect_secs,
        "server_rss_kib_before": rss_before, "server_rss_kib_idle": rss_after,
        "server_rss_bytes_per_idle_connection": rss_per_conn,
    });

    if a.seconds > 0.0 && connected > 0 {
        let mut posters = Vec::new();
        stats.measuring.store(true, Ordering::Relaxed);
        for _ in 0..a.posters {
            let ws = open(&a.url, &admin_token, None, false).await.context("poster connection")?;
            posters.push(tokio::spawn(post(
                ws,
                a.room.clone(),
                a.typing.then(|| a.admin.0.clone()),
                a.rate / a.posters as f64,
                stats.clone(),
                stop.clone(),
            )));
        }
        let run_started = Instant::now();
        let cpu_before = a.server_pid.and_then(cpu_ticks);
        tokio::time::sleep(Duration::from_secs_f64(a.seconds)).await;
        stop.store(true, Ordering::Relaxed);
        let sent = stats.sent.load(Ordering::Relaxed);
        let expected = sent * connected as u64;
        // Wait (bounded) for the last deliveries.
        let drain_deadline = Instant::now() + Duration::from_secs(10);
        while stats.deliveries.load(Ordering::Relaxed) < expected && Instant::now() < drain_deadline {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let elapsed = run_started.elapsed().as_secs_f64();
        let cpu_after = a.server_pid.and_then(cpu_ticks);
        let delivered = stats.deliveries.load(Ordering::Relaxed);
        let rss_load = a.server_pid.and_then(rss_kib);
        report["rate"] = json!(a.rate);
        report["seconds"] = json!(a.seconds);
        report["messages_sent"] = json!(sent);
        report["send_errors"] = json!(stats.send_errors.load(Ordering::Relaxed));
        report["deliveries_expected"] = json!(expected);
        report["deliveries"] = json!(delivered);
        report["deliveries_per_second"] = json!(delivered as f64 / elapsed);
        report["latency_ms_p50"] = json!(stats.percentile(0.50));
        report["latency_ms_p99"] = json!(stats.percentile(0.99));
        report["latency_ms_max"] = json!(stats.percentile(1.0));
        report["clients_dropped"] = json!(stats.closed.load(Ordering::Relaxed));
        report["server_rss_kib_under_load"] = json!(rss_load);
        if let (Some(b), Some(e)) = (cpu_before, cpu_after) {
            report["server_cpu_percent"] = json!((e - b) as f64 / ticks_per_second() / elapsed * 100.0);
        }
        for p in posters {
            p.abort();
        }
    }
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(())
}

/// Opens clients `from..from + count` in batches and starts their readers; returns how many
/// connected, the failures and the first error.
async fn connect_all(
    a: &Args,
    tokens: &[String],
    from: usize,
    count: usize,
    stats: &Arc<Stats>,
    stop: &Arc<AtomicBool>,
) -> anyhow::Result<(usize, usize, Option<String>)> {
    let mut out = 0usize;
    let mut failures = 0usize;
    let mut first_error = None;
    let mut i = from;
    let end_all = from + count;
    while i < end_all {
        let end = (i + a.connect_batch).min(end_all);
        let batch: Vec<_> = (i..end)
            .map(|k| {
                let (url, token, room, typing) =
                    (a.url.clone(), tokens[k % tokens.len()].clone(), a.room.clone(), a.typing);
                tokio::spawn(async move { open(&url, &token, Some(&room), typing).await })
            })
            .collect();
        for t in batch {
            match t.await? {
                Ok(ws) => {
                    out += 1;
                    tokio::spawn(receive(ws, stats.clone(), stop.clone()));
                }
                Err(e) => {
                    failures += 1;
                    first_error.get_or_insert(format!("{e:#}"));
                }
            }
        }
        i = end;
    }
    Ok((out, failures, first_error))
}

/// utime + stime of a process, in clock ticks.
fn cpu_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
}

fn ticks_per_second() -> f64 {
    100.0
}
