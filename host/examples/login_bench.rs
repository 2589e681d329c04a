//! Login benchmark: `POST /api/v1/login` requests per second against the real server (in process,
//! HTTP on 127.0.0.1) with C concurrent clients, by password (bcrypt at the configured cost,
//! Rocket.Chat's default 10) and by resume token, plus an authenticated `GET me` for comparison.
//!
//! ```sh
//! cargo run --release -p orbit --example login_bench -- --clients 4 --seconds 10
//! ```
//!
//! Options: `--clients C`, `--seconds S` per phase, `--cost N` (bcrypt cost, default 10).

mod bench_support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::{Value, json};

struct Args {
    clients: usize,
    seconds: f64,
    cost: u32,
}

fn parse_args() -> anyhow::Result<Args> {
    let mut a = Args { clients: 4, seconds: 10.0, cost: 10 };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut val = || it.next().with_context(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--clients" => a.clients = val()?.parse::<usize>()?.max(1),
            "--seconds" => a.seconds = val()?.parse()?,
            "--cost" => a.cost = val()?.parse()?,
            other => bail!("unknown option {other}"),
        }
    }
    Ok(a)
}

/// Runs `request` from `clients` threads for `seconds`; returns requests/s and p50/p99 in ms.
fn phase(
    clients: usize,
    seconds: f64,
    request: impl Fn(&reqwest::blocking::Client) -> anyhow::Result<()> + Send + Sync + 'static,
) -> anyhow::Result<(f64, f64, f64)> {
    let request = Arc::new(request);
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut threads = Vec::new();
    for _ in 0..clients {
        let (request, stop, done) = (request.clone(), stop.clone(), done.clone());
        threads.push(std::thread::spawn(move || -> anyhow::Result<Vec<Duration>> {
            let http = reqwest::blocking::Client::new();
            let mut samples = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let t = Instant::now();
                request(&http)?;
                samples.push(t.elapsed());
                done.fetch_add(1, Ordering::Relaxed);
            }
            Ok(samples)
        }));
    }
    std::thread::sleep(Duration::from_secs_f64(seconds));
    stop.store(true, Ordering::Relaxed);
    let mut samples = Vec::new();
    for t in threads {
        samples.extend(t.join().map_err(|_| anyhow::anyhow!("client panicked"))??);
    }
    let elapsed = started.elapsed().as_secs_f64();
    samples.sort();
    let ms =
        |q: f64| samples.get(((samples.len().max(1) - 1) as f64 * q) as usize).map_or(0.0, |d| d.as_secs_f64() * 1e3);
    Ok((done.load(Ordering::Relaxed) as f64 / elapsed, ms(0.5), ms(0.99)))
}

fn check(res: reqwest::blocking::Response) -> anyhow::Result<Value> {
    let status = res.status();
    let v: Value = res.json()?;
    if !status.is_success() {
        bail!("{status}: {v}");
    }
    Ok(v)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = parse_args()?;
    let server = bench_support::start("login-bench", args.cost, true).await?;
    let base = server.base.clone();
    let (clients, seconds, cost) = (args.clients, args.seconds, args.cost);
    tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
        let http = reqwest::blocking::Client::new();
        let login = check(
            http.post(format!("{base}/api/v1/login"))
                .json(&json!({"user": "admin", "password": "admin-Pass1!"}))
                .send()?,
        )?;
        let token = login["data"]["authToken"].as_str().context("token")?.to_string();
        let uid = login["data"]["userId"].as_str().context("uid")?.to_string();
        println!("{clients} concurrent clients, {seconds} s per phase, bcrypt cost {cost}:");
        let url = format!("{base}/api/v1/login");
        let u = url.clone();
        let (rps, p50, p99) = phase(clients, seconds, move |h| {
            check(h.post(&u).json(&json!({"user": "admin", "password": "admin-Pass1!"})).send()?).map(|_| ())
        })?;
        println!("  login by password        {rps:8.1} req/s   p50 {p50:7.2} ms   p99 {p99:7.2} ms");
        let (u, t) = (url.clone(), token.clone());
        let (rps, p50, p99) =
            phase(clients, seconds, move |h| check(h.post(&u).json(&json!({"resume": t})).send()?).map(|_| ()))?;
        println!("  login by resume token    {rps:8.1} req/s   p50 {p50:7.2} ms   p99 {p99:7.2} ms");
        let me = format!("{base}/api/v1/me");
        let (rps, p50, p99) = phase(clients, seconds, move |h| {
            check(h.get(&me).header("X-User-Id", &uid).header("X-Auth-Token", &token).send()?).map(|_| ())
        })?;
        println!("  GET me (token check)     {rps:8.1} req/s   p50 {p50:7.2} ms   p99 {p99:7.2} ms");
        Ok(())
    })
    .await??;
    Ok(())
}
