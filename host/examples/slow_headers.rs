//! Slow-header attack against a running server: opens `--connections` sockets that each send
//! one header line every `--interval` seconds and never finish their request, and meanwhile
//! times `GET /api/info` on fresh connections. Reports the latency of those requests and how
//! many of the attacking sockets the server still holds at the end.
//!
//! ```sh
//! (ulimit -n 1024; target/release/orbit) &      # PORT=3000 by default
//! cargo run --release -p orbit --example slow_headers -- --addr 127.0.0.1:3000 \
//!   --connections 1100 --interval 10 --seconds 40
//! ```

mod bench_support;

use std::time::{Duration, Instant};

use anyhow::bail;
use bench_support::stats;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

struct Args {
    addr: String,
    connections: usize,
    interval: u64,
    seconds: u64,
}

fn parse_args() -> anyhow::Result<Args> {
    let mut a = Args { addr: "127.0.0.1:3000".into(), connections: 1100, interval: 10, seconds: 40 };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().unwrap_or_default();
        match flag.as_str() {
            "--addr" => a.addr = value,
            "--connections" => a.connections = value.parse()?,
            "--interval" => a.interval = value.parse()?,
            "--seconds" => a.seconds = value.parse()?,
            other => bail!("unknown option {other}"),
        }
    }
    Ok(a)
}

/// One attacking socket: a request line, then a header line every `interval` until `until`.
/// Returns whether the server still held it at the end.
async fn attacker(addr: String, interval: Duration, until: Instant) -> bool {
    let Ok(mut stream) = TcpStream::connect(&addr).await else { return false };
    if stream.write_all(b"GET /api/info HTTP/1.1\r\nHost: x\r\n").await.is_err() {
        return false;
    }
    let mut line = 0u64;
    let mut buf = [0u8; 256];
    while Instant::now() < until {
        let wait = interval.min(until.saturating_duration_since(Instant::now()));
        // A read that ends (EOF or error) means the server closed the socket.
        match tokio::time::timeout(wait, stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return false,
            Ok(Ok(_)) => continue,
            Err(_) => {}
        }
        line += 1;
        if stream.write_all(format!("X-Slow-{line}: 1\r\n").as_bytes()).await.is_err() {
            return false;
        }
    }
    true
}

/// `GET /api/info` on a fresh connection: its latency, or `None` when it failed or took over
/// five seconds.
async fn probe(addr: &str) -> Option<Duration> {
    let start = Instant::now();
    let request = async {
        let mut stream = TcpStream::connect(addr).await.ok()?;
        stream.write_all(b"GET /api/info HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await.ok()?;
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).await.ok()?;
        answer.starts_with(b"HTTP/1.1 200").then_some(())
    };
    tokio::time::timeout(Duration::from_secs(5), request).await.ok()??;
    Some(start.elapsed())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = parse_args()?;
    let until = Instant::now() + Duration::from_secs(args.seconds);
    let interval = Duration::from_secs(args.interval);
    let attackers: Vec<_> =
        (0..args.connections).map(|_| tokio::spawn(attacker(args.addr.clone(), interval, until))).collect();
    let (mut answered, mut failed) = (Vec::new(), 0);
    while Instant::now() < until {
        tokio::time::sleep(Duration::from_millis(500)).await;
        match probe(&args.addr).await {
            Some(latency) => answered.push(latency),
            None => failed += 1,
        }
    }
    let mut held = 0;
    for a in attackers {
        held += usize::from(a.await.unwrap_or(false));
    }
    println!(
        "slow headers: {} sockets, a line every {} s, {} s: server still held {held}; /api/info {} answered ({}), {failed} failed",
        args.connections,
        args.interval,
        args.seconds,
        answered.len(),
        stats(answered, false),
    );
    Ok(())
}
