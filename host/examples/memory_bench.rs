//! Memory after large answers: the server (the release binary, as its own process) reads the
//! largest history page (1,000 messages of the largest allowed size) ten times in parallel,
//! a few rounds; prints its resident memory before, after each round, and after a rest.
//!
//! ```sh
//! cargo build --release -p orbit && cargo run --release -p orbit --example memory_bench
//! ```

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{Context, bail};
use serde_json::{Value, json};

const MESSAGES: usize = 1000;
const PARALLEL: usize = 10;
const ROUNDS: usize = 3;

/// The server process, killed on drop with its data directory removed.
struct Orbit {
    child: Child,
    base: String,
    dir: PathBuf,
}

impl Drop for Orbit {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn start() -> anyhow::Result<Orbit> {
    let exe = std::env::current_exe()?;
    let bin = exe.parent().and_then(Path::parent).context("target dir")?.join("orbit");
    let dir = std::env::temp_dir().join(format!("orbit-memory-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut child = Command::new(&bin)
        .env("ORBIT_DATA_DIR", &dir)
        .env("PORT", "0")
        .env("BIND_IP", "127.0.0.1")
        .env("ADMIN_USERNAME", "admin")
        .env("ADMIN_PASS", "admin-Pass1!")
        .env("ORBIT_BCRYPT_COST", "4")
        .env("OVERWRITE_SETTING_API_Enable_Rate_Limiter", "false")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .with_context(|| format!("starting {} (build it with cargo build --release)", bin.display()))?;
    let mut lines = BufReader::new(child.stdout.take().context("stdout")?).lines();
    let addr = loop {
        let line = lines.next().context("orbit exited")??;
        if let Some(addr) = line.strip_prefix("listening on ") {
            break addr.to_string();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    Ok(Orbit { child, base: format!("http://{addr}"), dir })
}

/// The server's resident memory in MiB.
fn rss_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0.0);
    kb / 1024.0
}

/// Writes `n` messages of the largest allowed size (5,000 characters of text and 64 KiB of
/// attachments) into room `rid`.
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
            let id = format!("big{i:07}");
            let text: String = (0..5000).map(|k| (b'a' + ((i + k) % 26) as u8) as char).collect();
            let doc = json!({
                "_id": id, "rid": rid, "msg": text, "ts": ts, "u": {"_id": uid, "username": "admin"},
                "_updatedAt": ts, "mentions": [], "channels": [],
                "attachments": [{"title": format!("report {i}"), "text": "x".repeat(64 * 1024 - 200)}],
            });
            stmt.execute(rusqlite::params![id, rid, ts, doc.to_string()])?;
        }
    }
    tx.commit()?;
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let orbit = start()?;
    let pid = orbit.child.id();
    let http = reqwest::blocking::Client::new();
    let login: Value = http
        .post(format!("{}/api/v1/login", orbit.base))
        .json(&json!({"user": "admin", "password": "admin-Pass1!"}))
        .send()?
        .json()?;
    let uid = login["data"]["userId"].as_str().context("login")?.to_string();
    let token = login["data"]["authToken"].as_str().context("login")?.to_string();
    let room: Value = http
        .post(format!("{}/api/v1/channels.create", orbit.base))
        .header("X-User-Id", &uid)
        .header("X-Auth-Token", &token)
        .json(&json!({"name": "big"}))
        .send()?
        .json()?;
    let rid = room["channel"]["_id"].as_str().context("room")?.to_string();
    seed(&orbit.dir.join("orbit.db"), &rid, &uid, MESSAGES)?;
    println!("server RSS at rest: {:.1} MiB", rss_mib(pid));
    let url = format!("{}/api/v1/channels.history?roomId={rid}&count=0", orbit.base);
    for round in 1..=ROUNDS {
        let mut readers = Vec::new();
        for _ in 0..PARALLEL {
            let (http, url, uid, token) = (http.clone(), url.clone(), uid.clone(), token.clone());
            readers.push(std::thread::spawn(move || -> anyhow::Result<usize> {
                let res = http.get(&url).header("X-User-Id", &uid).header("X-Auth-Token", &token).send()?;
                if !res.status().is_success() {
                    bail!("history: {}", res.status());
                }
                let body: Value = res.json()?;
                Ok(body["messages"].as_array().map_or(0, Vec::len))
            }));
        }
        let mut read = 0;
        for r in readers {
            read += r.join().map_err(|_| anyhow::anyhow!("reader panicked"))??;
        }
        println!(
            "round {round}: {PARALLEL} parallel reads of {} messages each; server RSS {:.1} MiB",
            read / PARALLEL,
            rss_mib(pid)
        );
    }
    for rest in [3, 15] {
        std::thread::sleep(Duration::from_secs(if rest == 3 { 3 } else { 12 }));
        println!("after {rest} s at rest: server RSS {:.1} MiB", rss_mib(pid));
    }
    Ok(())
}
