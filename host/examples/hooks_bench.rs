//! Hooks benchmark: what the apps' message pre-hooks add to sending a message. Starts Orbit
//! in process and times `Messages::send` (the service call behind `chat.postMessage` and
//! `sendMessage`, no HTTP) with 0, 1 and 5 copies of the Rust `word-filter` example installed.
//! Each copy runs two pre-hooks per message (prevent and modify; each reads an app setting
//! through a host call and parses the message JSON).
//!
//! ```sh
//! scripts/build-plugins
//! cargo run --release -p orbit --example hooks_bench -- --messages 2000
//! ```

// The closures given to `Services::blocking` return the server's own `Result`.
#![allow(clippy::result_large_err)]

mod bench_support;

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use bench_support::{app_copy, stats};
use orbit::services::messages::Draft;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut messages = 2000;
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        match flag.as_str() {
            "--messages" => messages = it.next().context("--messages needs a value")?.parse()?,
            other => bail!("unknown option {other}"),
        }
    }
    let zip =
        std::fs::read("dist/apps/word-filter.zip").context("dist/apps/word-filter.zip: run scripts/build-plugins")?;
    let server = bench_support::start("hooks-bench", 4, false).await?;
    let svc = server.svc.clone();
    orbit::services::apps::start(&svc).await?;
    let admin = svc.blocking(|s| s.users().by_username("admin")).await?.context("admin")?;
    println!("Messages::send into #general, one sender, {messages} messages each:");
    let mut installed = 0;
    let mut baseline = None;
    for apps in [0usize, 1, 5] {
        while installed < apps {
            installed += 1;
            let (a, copy) = (admin.clone(), app_copy(&zip, installed)?);
            svc.blocking(move |s| s.apps().install(&a, &copy)).await?;
        }
        let a = admin.clone();
        let samples: Vec<Duration> = svc
            .blocking(move |s| {
                let mut out = Vec::with_capacity(messages);
                for i in 0..messages + 100 {
                    let draft =
                        Draft { rid: "GENERAL".into(), msg: format!("hello darn world {i}"), ..Default::default() };
                    let started = Instant::now();
                    s.messages().send(&a, draft)?;
                    if i >= 100 {
                        out.push(started.elapsed());
                    }
                }
                Ok(out)
            })
            .await?;
        let mut sorted = samples.clone();
        sorted.sort();
        let p50 = bench_support::quantile(&sorted, 0.5);
        let added = baseline.map(|b: Duration| {
            let hooks = (2 * apps) as f64;
            format!("   +{:.1} µs per pre-hook (p50)", (p50.as_secs_f64() - b.as_secs_f64()) * 1e6 / hooks)
        });
        baseline.get_or_insert(p50);
        println!("  {apps} apps hooked: {}{}", stats(samples, true), added.unwrap_or_default());
    }
    Ok(())
}
