//! Apps benchmark: what running slash commands in WebAssembly costs inside the real server.
//!
//! Starts Orbit in-process on a temporary data directory and reports:
//! - install-to-ready time of each package in `dist/apps` (cold: compile and cache; cached:
//!   reinstall with the compiled component already in the disk cache);
//! - per-command overhead (service + sandbox + wasm + host calls, no HTTP) of a Rust, a Python
//!   and a JavaScript command, as p50/p99/mean over many runs;
//! - `commands.run` end to end over REST (HTTP on 127.0.0.1), p50/p99, sequential and with
//!   concurrent clients;
//! - memory per installed app: the RSS growth of installing K copies of the Rust `hello` app
//!   (distinct ids) and running one command on each (a warm instance each).
//!
//! ```sh
//! scripts/build-plugins
//! cargo run --release -p orbit --example apps_bench -- --iterations 2000 --requests 2000 --copies 20
//! ```
//!
//! Options: `--dist DIR` (default `dist`), `--iterations N` (in-process runs per command),
//! `--requests N` (REST requests), `--clients C` (concurrent REST clients, default 4),
//! `--copies K` (apps for the memory figure), `--only-rust` (skip Python and JavaScript).

// The closures given to `Services::blocking` return the server's own `Result`.
#![allow(clippy::result_large_err)]

mod bench_support;

use bench_support::{app_copy, rss, stats};

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use orbit::models::User;
use orbit::services::Services;
use orbit::services::commands::Invocation;
use serde_json::json;

struct Args {
    dist: PathBuf,
    iterations: usize,
    requests: usize,
    clients: usize,
    copies: usize,
    only_rust: bool,
}

fn parse_args() -> anyhow::Result<Args> {
    let mut a = Args {
        dist: PathBuf::from("dist"),
        iterations: 1000,
        requests: 1000,
        clients: 4,
        copies: 20,
        only_rust: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut val = || it.next().with_context(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--dist" => a.dist = PathBuf::from(val()?),
            "--iterations" => a.iterations = val()?.parse()?,
            "--requests" => a.requests = val()?.parse()?,
            "--clients" => a.clients = val()?.parse::<usize>()?.max(1),
            "--copies" => a.copies = val()?.parse()?,
            "--only-rust" => a.only_rust = true,
            other => bail!("unknown option {other}"),
        }
    }
    Ok(a)
}

/// Runs a command `n` times on one blocking thread, timing each `commands.run` service call.
async fn time_command(svc: &Arc<Services>, admin: &User, command: &str, params: &str, n: usize) -> Vec<Duration> {
    let (admin, command, params) = (admin.clone(), command.to_string(), params.to_string());
    svc.blocking(move |s| {
        let inv = Invocation { command, params, room_id: "GENERAL".into(), ..Default::default() };
        for _ in 0..n.min(50) {
            s.commands().run(&admin, &inv)?;
        }
        let mut samples = Vec::with_capacity(n);
        for _ in 0..n {
            let started = Instant::now();
            s.commands().run(&admin, &inv)?;
            samples.push(started.elapsed());
        }
        Ok(samples)
    })
    .await
    .unwrap_or_else(|e| {
        eprintln!("  failed: {}", e.reason());
        Vec::new()
    })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = parse_args()?;
    let server = bench_support::start("apps-bench", 4, true).await?;
    let svc = server.svc.clone();
    orbit::services::apps::start(&svc).await?;
    let admin = svc.users().by_username("admin")?.context("admin user")?;

    // --- install to ready ---
    let mut packages = vec![("builtin-commands", "Rust"), ("hello", "Rust"), ("dice", "Rust")];
    if !args.only_rust {
        packages.push(("py-echo", "Python"));
        packages.push(("js-reverse", "JavaScript"));
    }
    println!("install to ready (upload → compiled, validated, initialized, enabled):");
    let rss_start = rss();
    for (name, lang) in &packages {
        let zip = std::fs::read(args.dist.join("apps").join(format!("{name}.zip")))
            .with_context(|| format!("{name}.zip: run scripts/build-plugins"))?;
        let size = zip.len();
        let (a, z) = (admin.clone(), zip.clone());
        let started = Instant::now();
        let app = svc.blocking(move |s| s.apps().install(&a, &z)).await?;
        let cold = started.elapsed();
        let id = app.id().to_string();
        let (a, i) = (admin.clone(), id.clone());
        svc.blocking(move |s| s.apps().uninstall(&a, &i)).await?;
        let (a, z) = (admin.clone(), zip);
        let started = Instant::now();
        svc.blocking(move |s| s.apps().install(&a, &z)).await?;
        let cached = started.elapsed();
        println!(
            "  {name:<17} {lang:<10} {:>6} KiB   cold {:>8.1} ms   from cache {:>7.1} ms",
            size / 1024,
            cold.as_secs_f64() * 1e3,
            cached.as_secs_f64() * 1e3
        );
    }
    println!("  (RSS grew {:.1} MiB while installing these)", (rss().saturating_sub(rss_start)) as f64 / 1048576.0);

    // --- per-command overhead, in process ---
    println!("\nper-command overhead, in process (commands.run service call: checks + sandboxed wasm + host calls):");
    // Answering privately (an ephemeral notice: one host call, nothing stored) shows the cost of
    // the sandbox and the host; posting adds the message write (SQLite, synchronous=FULL).
    let mut commands = vec![
        ("Rust", "help", "", "notice"),
        ("Rust", "roll", "bad", "notice"),
        ("Rust", "roll", "2d6", "posts"),
        ("Rust", "hello", "bench", "posts"),
    ];
    if !args.only_rust {
        commands.push(("Python", "echo", "", "notice"));
        commands.push(("Python", "echo", "bench", "posts"));
        commands.push(("JavaScript", "reverse", "", "notice"));
        commands.push(("JavaScript", "reverse", "bench", "posts"));
    }
    for (lang, command, params, what) in &commands {
        let samples = time_command(&svc, &admin, command, params, args.iterations).await;
        let shown = format!("/{command} {params}");
        println!("  {lang:<10} {shown:<14} {what:<7} {}", stats(samples, true));
    }

    // --- REST end to end ---
    let base = server.base.clone();
    let (requests, clients) = (args.requests, args.clients);
    let report = tokio::task::spawn_blocking(move || -> anyhow::Result<Vec<String>> {
        let http = reqwest::blocking::Client::new();
        let (uid, token) = bench_support::login(&http, &base)?;
        let run = |http: &reqwest::blocking::Client, command: &str, params: &str| -> anyhow::Result<Duration> {
            let started = Instant::now();
            let res = http
                .post(format!("{base}/api/v1/commands.run"))
                .header("X-User-Id", &uid)
                .header("X-Auth-Token", &token)
                .json(&json!({"command": command, "roomId": "GENERAL", "params": params}))
                .send()?;
            let status = res.status();
            let _ = res.bytes()?;
            if !status.is_success() {
                bail!("commands.run /{command} answered {status}");
            }
            Ok(started.elapsed())
        };
        let mut lines = Vec::new();
        for (command, params) in [("help", ""), ("roll", "2d6"), ("hello", "rest")] {
            for _ in 0..50 {
                run(&http, command, params)?;
            }
            let samples = (0..requests).map(|_| run(&http, command, params)).collect::<anyhow::Result<Vec<_>>>()?;
            lines.push(format!("  sequential  /{command:<6} {}", stats(samples, true)));
            let started = Instant::now();
            let per_client = requests / clients;
            let all: Vec<Duration> = std::thread::scope(|scope| {
                let handles: Vec<_> = (0..clients)
                    .map(|_| {
                        scope.spawn(|| {
                            let http = reqwest::blocking::Client::new();
                            (0..per_client).filter_map(|_| run(&http, command, params).ok()).collect::<Vec<_>>()
                        })
                    })
                    .collect();
                handles.into_iter().flat_map(|h| h.join().unwrap_or_default()).collect()
            });
            let rate = all.len() as f64 / started.elapsed().as_secs_f64();
            lines.push(format!("  {clients} clients   /{command:<6} {}   {rate:.0} commands/s", stats(all, true)));
        }
        Ok(lines)
    })
    .await??;
    println!("\ncommands.run end to end over REST (HTTP/1.1 on 127.0.0.1, keep-alive):");
    for line in report {
        println!("{line}");
    }

    // --- memory per installed app ---
    if args.copies > 0 {
        println!("\nmemory per installed app (copies with distinct ids, compiled component from the cache):");
        let mut kinds = vec![("hello", "Rust", "hello", args.copies)];
        if !args.only_rust {
            kinds.push(("py-echo", "Python", "echo", args.copies.min(3)));
            kinds.push(("js-reverse", "JavaScript", "reverse", args.copies.min(3)));
        }
        let mut n = 0;
        for (name, lang, command, copies) in kinds {
            let zip = std::fs::read(args.dist.join("apps").join(format!("{name}.zip")))?;
            let before = rss();
            let mut ids = Vec::new();
            for _ in 0..copies {
                n += 1;
                let copy = app_copy(&zip, n)?;
                let a = admin.clone();
                let app = svc.blocking(move |s| s.apps().install(&a, &copy)).await?;
                ids.push(app.id().to_string());
            }
            let installed = rss();
            let runtime = svc.apps().runtime()?;
            for id in &ids {
                let ctx = orbit_apps::bindings::CommandContext {
                    command: command.into(),
                    params: String::new(),
                    args: Vec::new(),
                    sender_id: admin.id.clone(),
                    room_id: "GENERAL".into(),
                    thread_id: None,
                    trigger_id: None,
                };
                let _ = runtime.execute_command(id, ctx).await;
            }
            let after = rss();
            let mib = |b: u64| b as f64 / 1048576.0;
            println!(
                "  {lang:<10} {name:<11} installed {:6.2} MiB each   after a call each {:6.2} MiB each   ({copies} copies)",
                mib(installed.saturating_sub(before)) / copies as f64,
                mib(after.saturating_sub(before)) / copies as f64,
            );
        }
    }
    Ok(())
}
