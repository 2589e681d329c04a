//! Messaging benchmark over REST against the real server (in process, HTTP on 127.0.0.1):
//! - messages per second sent with `chat.postMessage` into one room by C concurrent clients,
//!   and the p50/p99 latency of each call;
//! - `channels.history` and `chat.search` on a room holding N messages (seeded straight into
//!   the SQLite file, with the full-text index maintained by its triggers).
//!
//! ```sh
//! cargo run --release -p orbit --example chat_bench -- --messages 5000 --clients 8 --room-size 1000000
//! ```

mod bench_support;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use bench_support::stats;
use serde_json::{Value, json};

struct Args {
    messages: usize,
    clients: usize,
    room_size: usize,
    queries: usize,
}

fn parse_args() -> anyhow::Result<Args> {
    let mut a = Args { messages: 5000, clients: 8, room_size: 1_000_000, queries: 200 };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut val = || it.next().with_context(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--messages" => a.messages = val()?.parse()?,
            "--clients" => a.clients = val()?.parse::<usize>()?.max(1),
            "--room-size" => a.room_size = val()?.parse()?,
            "--queries" => a.queries = val()?.parse::<usize>()?.max(1),
            other => bail!("unknown option {other}"),
        }
    }
    Ok(a)
}

/// A logged-in REST client.
#[derive(Clone)]
struct Client {
    http: reqwest::blocking::Client,
    base: String,
    uid: String,
    token: String,
}

impl Client {
    fn login(base: &str) -> anyhow::Result<Self> {
        let http = reqwest::blocking::Client::new();
        let (uid, token) = bench_support::login(&http, base)?;
        Ok(Client { uid, token, http, base: base.to_string() })
    }

    fn post(&self, path: &str, body: &Value) -> anyhow::Result<Value> {
        self.send(path, self.http.post(format!("{}{path}", self.base)).json(body))
    }

    fn get(&self, path: &str) -> anyhow::Result<Value> {
        self.send(path, self.http.get(format!("{}{path}", self.base)))
    }

    /// Sends `request` with the credentials; an answer other than 2xx is an error.
    fn send(&self, path: &str, request: reqwest::blocking::RequestBuilder) -> anyhow::Result<Value> {
        let res = request.header("X-User-Id", &self.uid).header("X-Auth-Token", &self.token).send()?;
        let status = res.status();
        let v: Value = res.json()?;
        if !status.is_success() {
            bail!("{path}: {status} {v}");
        }
        Ok(v)
    }

    /// Times `n` calls of `f`.
    fn time(&self, n: usize, mut f: impl FnMut(&Client, usize) -> anyhow::Result<()>) -> anyhow::Result<Vec<Duration>> {
        let mut out = Vec::with_capacity(n);
        for i in 0..n {
            let started = Instant::now();
            f(self, i)?;
            out.push(started.elapsed());
        }
        Ok(out)
    }
}

const WORDS: &[&str] = &[
    "deploy", "release", "build", "merge", "review", "lunch", "meeting", "coffee", "ticket", "bug", "fix", "test",
    "server", "client", "database", "index", "query", "page", "today", "tomorrow",
];

/// Writes `n` messages into room `rid` in one transaction, one minute apart, ending now. Every
/// 100 000th message contains the word `needle`.
fn seed(db: &Path, rid: &str, uid: &str, n: usize) -> anyhow::Result<()> {
    let mut conn = rusqlite::Connection::open(db)?;
    conn.busy_timeout(Duration::from_secs(30))?;
    let tx = conn.transaction()?;
    let now = chrono::Utc::now().timestamp_millis();
    {
        let mut stmt =
            tx.prepare("INSERT INTO messages (id, rid, ts, tmid, updated_at, doc) VALUES (?1, ?2, ?3, NULL, ?3, ?4)")?;
        for i in 0..n {
            let ts = now - ((n - i) as i64) * 1000;
            let w = |k: usize| WORDS[(i * 7 + k * 13) % WORDS.len()];
            let text = if i % 100_000 == 50_000 {
                format!("needle in the {} {}", w(0), w(1))
            } else {
                format!("{} the {} {} {}", w(0), w(1), w(2), i)
            };
            let id = format!("seed{i:09}");
            let doc = json!({
                "_id": id, "rid": rid, "msg": text, "ts": ts, "u": {"_id": uid, "username": "admin"},
                "_updatedAt": ts, "mentions": [], "channels": [],
            });
            stmt.execute(rusqlite::params![id, rid, ts, doc.to_string()])?;
        }
    }
    tx.execute(
        "UPDATE rooms SET doc = json_set(doc, '$.msgs', json_extract(doc, '$.msgs') + ?2) WHERE id = ?1",
        rusqlite::params![rid, n as i64],
    )?;
    tx.commit()?;
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = parse_args()?;
    let server = bench_support::start("chat-bench", 4, true).await?;
    let (base, db) = (server.base.clone(), server.dir.join("orbit.db"));
    tokio::task::spawn_blocking(move || run(&args, &base, &db)).await??;
    Ok(())
}

fn run(args: &Args, base: &str, db: &Path) -> anyhow::Result<()> {
    let admin = Client::login(base)?;
    let room = admin.post("/api/v1/channels.create", &json!({"name": "bench"}))?;
    let rid = room["channel"]["_id"].as_str().context("channel id")?.to_string();

    // --- sending ---
    let per_client = args.messages / args.clients;
    let started = Instant::now();
    let mut threads = Vec::new();
    for c in 0..args.clients {
        let client = Client::login(base)?;
        let rid = rid.clone();
        threads.push(std::thread::spawn(move || {
            client.time(per_client, |cl, i| {
                cl.post(
                    "/api/v1/chat.postMessage",
                    &json!({"roomId": rid, "text": format!("client {c} message {i} @admin")}),
                )?;
                Ok(())
            })
        }));
    }
    let mut samples = Vec::new();
    for t in threads {
        samples.extend(t.join().map_err(|_| anyhow::anyhow!("client panicked"))??);
    }
    let elapsed = started.elapsed();
    let sent = samples.len();
    println!("chat.postMessage into one room, {} concurrent clients:", args.clients);
    println!(
        "  {sent} messages in {:.2} s = {:.0} messages/s",
        elapsed.as_secs_f64(),
        sent as f64 / elapsed.as_secs_f64()
    );
    println!("  latency {}", stats(samples, false));
    let single = admin.time(500.min(args.messages), |cl, i| {
        cl.post("/api/v1/chat.postMessage", &json!({"roomId": rid, "text": format!("solo {i}")}))?;
        Ok(())
    })?;
    println!("  one client alone: latency {}", stats(single, false));

    // --- a big room ---
    let big = admin.post("/api/v1/channels.create", &json!({"name": "big"}))?;
    let big = big["channel"]["_id"].as_str().context("channel id")?.to_string();
    let started = Instant::now();
    seed(db, &big, &admin.uid, args.room_size)?;
    println!(
        "\nroom with {} messages (seeded in {:.1} s, full-text index included):",
        args.room_size,
        started.elapsed().as_secs_f64()
    );
    let n = args.queries;
    let latest = admin.get(&format!("/api/v1/channels.history?roomId={big}&count=1"))?;
    let latest_ts = latest["messages"][0]["ts"].as_str().context("history")?.to_string();
    let middle =
        chrono::DateTime::parse_from_rfc3339(&latest_ts)?.timestamp_millis() - (args.room_size as i64 / 2) * 1000;
    let middle = chrono::DateTime::from_timestamp_millis(middle)
        .context("date")?
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let arc = Arc::new(admin);
    let cases: Vec<(&str, String)> = vec![
        ("channels.history count=50 (newest)", format!("/api/v1/channels.history?roomId={big}&count=50")),
        (
            "channels.history count=50 latest=middle",
            format!("/api/v1/channels.history?roomId={big}&count=50&latest={middle}"),
        ),
        ("chat.search common word (count=20)", format!("/api/v1/chat.search?roomId={big}&searchText=deploy&count=20")),
        (
            "chat.search two words (count=20)",
            format!("/api/v1/chat.search?roomId={big}&searchText=deploy%20client&count=20"),
        ),
        ("chat.search rare word (10 hits)", format!("/api/v1/chat.search?roomId={big}&searchText=needle&count=20")),
        ("chat.search no hit", format!("/api/v1/chat.search?roomId={big}&searchText=zebra&count=20")),
    ];
    for (name, path) in cases {
        let first = arc.get(&path)?;
        let hits = first["messages"].as_array().map_or(0, Vec::len);
        let samples = arc.time(n, |cl, _| cl.get(&path).map(|_| ()))?;
        println!("  {name:<42} {hits:>3} results   {}", stats(samples, false));
    }
    Ok(())
}
