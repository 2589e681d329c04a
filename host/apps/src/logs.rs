//! Per-app log ring buffers: the app's `log` calls, its stdout/stderr, and the runtime's own
//! reports of its timeouts, traps and failures.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use parking_lot::Mutex;
use serde::Serialize;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamResult};

use crate::bindings::Level;

/// Longest kept log line; longer ones are cut.
const MAX_LINE_BYTES: usize = 4096;

/// Where a log entry came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LogSource {
    /// The app's `log` import.
    App,
    /// The app's stdout.
    Stdout,
    /// The app's stderr.
    Stderr,
    /// The runtime (timeouts, traps, failures, lifecycle).
    Runtime,
}

/// Severity of a log entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LogLevel {
    Debug,
    Info,
    Warn,
    Error,
}

impl From<Level> for LogLevel {
    fn from(level: Level) -> Self {
        match level {
            Level::Debug => LogLevel::Debug,
            Level::Info => LogLevel::Info,
            Level::Warn => LogLevel::Warn,
            Level::Error => LogLevel::Error,
        }
    }
}

/// One log entry.
#[derive(Clone, Debug, Serialize)]
pub struct LogEntry {
    /// Milliseconds since the Unix epoch.
    pub time_ms: u64,
    pub level: LogLevel,
    pub source: LogSource,
    pub message: String,
}

/// A bounded log: the oldest entries are dropped first. Cheap to clone (shared).
#[derive(Clone, Debug)]
pub struct LogRing {
    inner: Arc<Mutex<Ring>>,
}

#[derive(Debug)]
struct Ring {
    entries: VecDeque<LogEntry>,
    capacity: usize,
    dropped: u64,
}

impl LogRing {
    /// A ring keeping at most `capacity` entries.
    pub fn new(capacity: usize) -> Self {
        LogRing {
            inner: Arc::new(Mutex::new(Ring {
                entries: VecDeque::with_capacity(capacity.min(1024)),
                capacity: capacity.max(1),
                dropped: 0,
            })),
        }
    }

    /// Appends an entry, cutting long messages.
    pub fn push(&self, level: LogLevel, source: LogSource, message: &str) {
        let entry = LogEntry {
            time_ms: SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64),
            level,
            source,
            message: truncate(message, MAX_LINE_BYTES).to_owned(),
        };
        let mut ring = self.inner.lock();
        if ring.entries.len() == ring.capacity {
            ring.entries.pop_front();
            ring.dropped += 1;
        }
        ring.entries.push_back(entry);
    }

    /// The kept entries, oldest first.
    pub fn entries(&self) -> Vec<LogEntry> {
        self.inner.lock().entries.iter().cloned().collect()
    }

    /// How many entries were dropped to stay within capacity.
    pub fn dropped(&self) -> u64 {
        self.inner.lock().dropped
    }
}

/// The longest prefix of `text` within `max` bytes, on a char boundary.
fn truncate(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// A WASI stdout/stderr that turns lines into log entries.
#[derive(Clone)]
pub(crate) struct LogSink {
    ring: LogRing,
    source: LogSource,
    partial: Arc<Mutex<Vec<u8>>>,
}

impl LogSink {
    pub(crate) fn new(ring: LogRing, source: LogSource) -> Self {
        LogSink { ring, source, partial: Arc::new(Mutex::new(Vec::new())) }
    }

    fn write_bytes(&self, bytes: &[u8]) {
        let level = match self.source {
            LogSource::Stderr => LogLevel::Warn,
            _ => LogLevel::Info,
        };
        let mut partial = self.partial.lock();
        for &byte in bytes {
            if byte == b'\n' || partial.len() >= MAX_LINE_BYTES {
                self.ring.push(level, self.source, &String::from_utf8_lossy(&partial));
                partial.clear();
                if byte == b'\n' {
                    continue;
                }
            }
            partial.push(byte);
        }
    }
}

impl IsTerminal for LogSink {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for LogSink {
    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.clone())
    }

    fn async_stream(&self) -> Box<dyn tokio::io::AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}

#[async_trait::async_trait]
impl OutputStream for LogSink {
    fn write(&mut self, bytes: Bytes) -> StreamResult<()> {
        self.write_bytes(&bytes);
        Ok(())
    }

    fn flush(&mut self) -> StreamResult<()> {
        Ok(())
    }

    fn check_write(&mut self) -> StreamResult<usize> {
        Ok(MAX_LINE_BYTES)
    }
}

#[async_trait::async_trait]
impl Pollable for LogSink {
    async fn ready(&mut self) {}
}

impl tokio::io::AsyncWrite for LogSink {
    fn poll_write(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        self.write_bytes(buf);
        std::task::Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ring_keeps_the_newest_entries() {
        let ring = LogRing::new(2);
        for i in 0..5 {
            ring.push(LogLevel::Info, LogSource::App, &format!("m{i}"));
        }
        let messages: Vec<_> = ring.entries().into_iter().map(|e| e.message).collect();
        assert_eq!(messages, ["m3", "m4"]);
        assert_eq!(ring.dropped(), 3);
    }

    #[test]
    fn sink_splits_lines() {
        let ring = LogRing::new(10);
        let sink = LogSink::new(ring.clone(), LogSource::Stdout);
        sink.write_bytes(b"one\ntw");
        sink.write_bytes(b"o\n");
        let messages: Vec<_> = ring.entries().into_iter().map(|e| e.message).collect();
        assert_eq!(messages, ["one", "two"]);
    }
}
