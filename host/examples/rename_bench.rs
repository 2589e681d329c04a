//! Rename benchmark: a user with N messages changes username and display name while other
//! clients keep posting; prints the other clients' `chat.postMessage` latency before and
//! during the rename, and how long the rename takes to reach every message.
//!
//! ```sh
//! cargo run --release -p orbit --example rename_bench -- --messages 100000 --writers 4
//! ```

mod bench_support;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use bench_support::stats;
use serde_json::{Value, json};

struct Args {
    messages: usize,
    writers: usize,
    baseline_secs: u64,
}

fn parse_args() -> anyhow::Result<Args> {
    let mut a = Args { messages: 100_000, writers: 4, baseline_secs: 3 };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut val = || it.next().with_context(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--messages" => a.messages = val()?.parse()?,
            "--writers" => a.writers = val()?.parse::<usize>()?.max(1),
            "--baseline-secs" => a.baseline_secs = val()?.parse()?,
            other => bail!("unknown option {other}"),
        }
    }
    Ok(a)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = parse_args()?;
    let server = bench_support::start("rename-bench", 4, true).await?;
    let (base, db) = (server.base.clone(), server.dir.join("orbit.db"));
    tokio::task::spawn_blocking(move || run(&args, &base, &db)).await??;
    Ok(())
}

/// Posts `body` to `path` with the admin's credentials; an answer other than 2xx is an error.
fn post(
    http: &reqwest::blocking::Client,
    base: &str,
    auth: &(String, String),
    path: &str,
    body: &Value,
) -> anyhow::Result<Value> {
    let res = http
        .post(format!("{base}{path}"))
        .header("X-User-Id", &auth.0)
        .header("X-Auth-Token", &auth.1)
        .json(body)
        .send()?;
    let status = res.status();
    let v: Value = res.json()?;
    if !status.is_success() {
        bail!("{path}: {status} {v}");
    }
    Ok(v)
}

/// Writes `n` messages by user `uid` (`renamee`) into room `rid`, every tenth also mentioning
/// them, in one transaction, plus as many by someone else.
fn seed(db: &Path, rid: &str, uid: &str, n: usize) -> anyhow::Result<()> {
    let mut conn = rusqlite::Connection::open(db)?;
    conn.busy_timeout(Duration::from_secs(30))?;
    let tx = conn.transaction()?;
    let now = chrono::Utc::now().timestamp_millis();
    {
        let mut stmt =
            tx.prepare("INSERT INTO messages (id, rid, ts, tmid, updated_at, doc) VALUES (?1, ?2, ?3, NULL, ?3, ?4)")?;
        for i in 0..2 * n {
            let ts = now - ((2 * n - i) as i64) * 1000;
            let id = format!("seed{i:09}");
            let doc = if i % 2 == 0 {
                json!({"_id": id, "rid": rid, "msg": format!("status report number {i} from me"), "ts": ts,
                       "u": {"_id": uid, "username": "renamee", "name": "Renamee"}, "_updatedAt": ts,
                       "mentions": [], "channels": []})
            } else {
                let mentions = if i % 20 == 1 { json!([{"_id": uid, "username": "renamee"}]) } else { json!([]) };
                json!({"_id": id, "rid": rid, "msg": format!("@renamee thanks for report {i}"), "ts": ts,
                       "u": {"_id": "someone", "username": "someone"}, "_updatedAt": ts,
                       "mentions": mentions, "channels": []})
            };
            stmt.execute(rusqlite::params![id, rid, ts, doc.to_string()])?;
        }
    }
    tx.commit()?;
    Ok(())
}

/// Messages still carrying the old username as author.
fn remaining(db: &Path) -> anyhow::Result<i64> {
    let conn = rusqlite::Connection::open(db)?;
    conn.busy_timeout(Duration::from_secs(30))?;
    Ok(conn.query_row(
        "SELECT COUNT(*) FROM messages WHERE json_extract(doc, '$.u.username') = 'renamee'
            OR json_extract(doc, '$.u.name') = 'Renamee'",
        [],
        |r| r.get(0),
    )?)
}

fn run(args: &Args, base: &str, db: &Path) -> anyhow::Result<()> {
    let http = reqwest::blocking::Client::new();
    let admin = bench_support::login(&http, base)?;
    let user = post(
        &http,
        base,
        &admin,
        "/api/v1/users.create",
        &json!({"username": "renamee", "name": "Renamee", "email": "renamee@example.com", "password": "pass-Word1!"}),
    )?;
    let uid = user["user"]["_id"].as_str().context("user id")?.to_string();
    let room = post(&http, base, &admin, "/api/v1/channels.create", &json!({"name": "history"}))?;
    let rid = room["channel"]["_id"].as_str().context("channel id")?;
    let started = Instant::now();
    seed(db, rid, &uid, args.messages)?;
    println!(
        "seeded {} messages by the user (and {} by someone else) in {:.1} s",
        args.messages,
        args.messages,
        started.elapsed().as_secs_f64()
    );
    let busy = post(&http, base, &admin, "/api/v1/channels.create", &json!({"name": "busy"}))?;
    let busy = busy["channel"]["_id"].as_str().context("channel id")?.to_string();

    // Phases: 0 baseline, 1 renaming, 2 stop.
    let phase = Arc::new(AtomicU8::new(0));
    let failed = Arc::new(AtomicBool::new(false));
    let mut writers = Vec::new();
    for w in 0..args.writers {
        let (http, base, auth, busy) =
            (reqwest::blocking::Client::new(), base.to_string(), admin.clone(), busy.clone());
        let (phase, failed) = (phase.clone(), failed.clone());
        writers.push(std::thread::spawn(move || {
            let mut samples = [Vec::new(), Vec::new()];
            let mut i = 0;
            loop {
                let p = phase.load(Ordering::Relaxed) as usize;
                if p >= 2 {
                    break;
                }
                let t = Instant::now();
                let body = json!({"roomId": busy, "text": format!("writer {w} message {i}")});
                if post(&http, &base, &auth, "/api/v1/chat.postMessage", &body).is_err() {
                    failed.store(true, Ordering::Relaxed);
                }
                samples[p].push(t.elapsed());
                i += 1;
            }
            samples
        }));
    }
    std::thread::sleep(Duration::from_secs(args.baseline_secs));
    phase.store(1, Ordering::Relaxed);
    let started = Instant::now();
    post(
        &http,
        base,
        &admin,
        "/api/v1/users.update",
        &json!({"userId": uid, "data": {"username": "renamed", "name": "Renamed"}}),
    )?;
    let answered = started.elapsed();
    while remaining(db)? > 0 {
        std::thread::sleep(Duration::from_millis(100));
    }
    let done = started.elapsed();
    phase.store(2, Ordering::Relaxed);
    let (mut before, mut during) = (Vec::new(), Vec::new());
    for t in writers {
        let [b, d] = t.join().map_err(|_| anyhow::anyhow!("writer panicked"))?;
        before.extend(b);
        during.extend(d);
    }
    if failed.load(Ordering::Relaxed) {
        bail!("a writer's post failed");
    }
    println!("rename (username and name) of a user with {} messages:", args.messages);
    println!("  users.update answered in {:.1} ms", answered.as_secs_f64() * 1e3);
    println!("  every message renamed after {:.2} s", done.as_secs_f64());
    println!("{} other writers' chat.postMessage:", args.writers);
    println!("  before the rename: {}", stats(before, false));
    println!("  during the rename: {}", stats(during, false));
    Ok(())
}
