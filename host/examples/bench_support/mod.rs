//! What the benchmark examples share: starting Orbit in process on a temporary data directory,
//! and summing up latencies.

#![allow(dead_code)]

use std::io::{Cursor, Read, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use orbit::config::Config;
use orbit::services::Services;
use serde_json::{Value, json};

/// A server running in this process: its services, HTTP base URL and data directory (removed
/// on drop).
pub struct BenchServer {
    pub svc: Arc<Services>,
    pub base: String,
    pub dir: PathBuf,
}

impl Drop for BenchServer {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Opens Orbit on a fresh data directory named after `name` (admin `admin`/`admin-Pass1!`, the
/// REST rate limiter off, bcrypt at `bcrypt_cost`) and serves REST on 127.0.0.1.
pub async fn start(name: &str, bcrypt_cost: u32, serve_http: bool) -> anyhow::Result<BenchServer> {
    let dir = std::env::temp_dir().join(format!("orbit-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let vars = [
        ("ORBIT_DATA_DIR", dir.display().to_string()),
        ("PORT", "0".into()),
        ("BIND_IP", "127.0.0.1".into()),
        ("ADMIN_USERNAME", "admin".into()),
        ("ADMIN_PASS", "admin-Pass1!".into()),
        ("ORBIT_BCRYPT_COST", bcrypt_cost.to_string()),
        ("OVERWRITE_SETTING_API_Enable_Rate_Limiter", "false".into()),
    ];
    let config = Config::from_vars(vars.iter().map(|(k, v)| (k.to_string(), v.clone())));
    let svc = tokio::task::spawn_blocking(move || orbit::server::open(config)).await??;
    let mut base = String::new();
    if serve_http {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        base = format!("http://{}", listener.local_addr()?);
        let router = orbit::server::router(&svc);
        // The server's own listener, without the per-address cap (every bench client is local).
        let limits = orbit::listener::Limits { per_ip: 0, header_read: Duration::from_secs(10) };
        tokio::spawn(orbit::listener::serve(listener, router, limits, std::future::pending()));
    }
    Ok(BenchServer { svc, base, dir })
}

/// Logs in as the seeded admin over REST: `(user id, auth token)`.
pub fn login(http: &reqwest::blocking::Client, base: &str) -> anyhow::Result<(String, String)> {
    use anyhow::Context;
    let login: serde_json::Value = http
        .post(format!("{base}/api/v1/login"))
        .json(&serde_json::json!({"user": "admin", "password": "admin-Pass1!"}))
        .send()?
        .json()?;
    let uid = login["data"]["userId"].as_str().context("login")?.to_string();
    let token = login["data"]["authToken"].as_str().context("login")?.to_string();
    Ok((uid, token))
}

/// The `q` quantile of sorted samples.
pub fn quantile(sorted: &[Duration], q: f64) -> Duration {
    sorted.get(((sorted.len().max(1) - 1) as f64 * q).round() as usize).copied().unwrap_or_default()
}

/// `p50 / p99 / mean` of samples, in microseconds (`micros`) or milliseconds.
pub fn stats(mut samples: Vec<Duration>, micros: bool) -> String {
    if samples.is_empty() {
        return "no samples".into();
    }
    samples.sort();
    let (scale, unit) = if micros { (1e6, "µs") } else { (1e3, "ms") };
    let v = |d: Duration| d.as_secs_f64() * scale;
    let mean = samples.iter().map(|d| v(*d)).sum::<f64>() / samples.len() as f64;
    format!(
        "p50 {:8.2} {unit}   p99 {:8.2} {unit}   mean {:8.2} {unit}   (n={})",
        v(quantile(&samples, 0.5)),
        v(quantile(&samples, 0.99)),
        mean,
        samples.len()
    )
}

/// This process's resident memory in bytes.
pub fn rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

/// A package with another id, name and slug.
pub fn app_copy(zip: &[u8], n: usize) -> anyhow::Result<Vec<u8>> {
    let mut archive = zip::ZipArchive::new(Cursor::new(zip))?;
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for i in 0..archive.len() {
        let mut file = archive.by_index(i)?;
        let name = file.name().to_string();
        let mut data = Vec::new();
        file.read_to_end(&mut data)?;
        if name == "app.json" {
            let mut m: Value = serde_json::from_slice(&data)?;
            m["id"] = json!(format!("00000000-0000-4000-8000-{n:012}"));
            m["name"] = json!(format!("{} {n}", m["name"].as_str().unwrap_or("App")));
            m["nameSlug"] = json!(format!("{}-{n}", m["nameSlug"].as_str().unwrap_or("app")));
            data = serde_json::to_vec(&m)?;
        }
        out.start_file(name, zip::write::SimpleFileOptions::default())?;
        out.write_all(&data)?;
    }
    Ok(out.finish()?.into_inner())
}
