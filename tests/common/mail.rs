//! A real SMTP server for the tests that read mail: `tests/support/smtp_sink.py` (aiosmtpd),
//! started per server with [`super::Options::mail`]. Each delivered mail is a JSON file
//! `{from, to, subject, text}` in its folder.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use super::{TempDir, poll};

/// The SMTP sink: killed on drop.
pub struct MailSink {
    child: Child,
    pub port: u16,
    dir: TempDir,
}

impl MailSink {
    /// Starts the sink on a free port of 127.0.0.1.
    pub fn start() -> Self {
        let dir = TempDir::new();
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/support/smtp_sink.py");
        let mut child = Command::new("python3")
            .arg(script)
            .arg(&dir.0)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the SMTP sink (python3 with aiosmtpd)");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let port = line.trim().parse().unwrap_or_else(|_| panic!("the SMTP sink did not start: {line:?}"));
        MailSink { child, port, dir }
    }

    /// Every mail delivered so far, oldest first.
    pub fn all(&self) -> Vec<Value> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&self.dir.0)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        files.sort();
        files.iter().map(|p| serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()).collect()
    }

    /// The mails delivered so far to `to`, oldest first.
    pub fn to(&self, to: &str) -> Vec<Value> {
        self.all().into_iter().filter(|m| m["to"].as_array().is_some_and(|a| a.iter().any(|t| t == to))).collect()
    }

    /// Waits until `n` mails to `to` have arrived and returns them. Mail goes out in the order
    /// it was queued, so once the `n`th is here every earlier one is too.
    pub fn wait(&self, to: &str, n: usize) -> Vec<Value> {
        poll(Duration::from_secs(30), || Some(self.to(to)).filter(|m| m.len() >= n))
    }
}

impl Drop for MailSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
