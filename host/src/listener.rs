//! Accepting and serving HTTP connections with the limits one client must not exceed: a cap on
//! the connections one IP address holds at once (HTTP and upgraded WebSockets alike), a deadline
//! for a request's head (the first one and every keep-alive one after it), and accept errors
//! (such as running out of file descriptors) that back off instead of spinning.

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::Request;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use parking_lot::Mutex;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tower::ServiceExt;

/// The connection limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Connections one IP address may hold at once; `0`: no cap.
    pub per_ip: usize,
    /// How long a client may take to send a request's head.
    pub header_read: Duration,
}

/// Open connections per IP address.
#[derive(Default)]
struct Census(Mutex<HashMap<IpAddr, usize>>);

impl Census {
    /// Counts a new connection from `ip`, unless it already holds `cap`.
    fn admit(self: &Arc<Self>, ip: IpAddr, cap: usize) -> Option<Seat> {
        let mut open = self.0.lock();
        let held = open.entry(ip).or_default();
        if cap != 0 && *held >= cap {
            return None;
        }
        *held += 1;
        Some(Seat { census: self.clone(), ip })
    }
}

/// One counted connection; it leaves the census when dropped.
struct Seat {
    census: Arc<Census>,
    ip: IpAddr,
}

impl Drop for Seat {
    fn drop(&mut self) {
        let mut open = self.census.0.lock();
        if let Some(held) = open.get_mut(&self.ip) {
            *held -= 1;
            if *held == 0 {
                open.remove(&self.ip);
            }
        }
    }
}

/// A connection's socket holding its seat for as long as the socket lives, also after an
/// upgrade hands it to a WebSocket.
struct Seated {
    stream: TcpStream,
    _seat: Seat,
}

impl AsyncRead for Seated {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Seated {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }
}

/// The pause after a failed accept: doubles from 10 ms up to one second.
struct Backoff(Duration);

impl Backoff {
    const FIRST: Duration = Duration::from_millis(10);
    const MAX: Duration = Duration::from_secs(1);

    fn next(&mut self) -> Duration {
        let wait = self.0;
        self.0 = (self.0 * 2).min(Self::MAX);
        wait
    }

    fn reset(&mut self) {
        self.0 = Self::FIRST;
    }
}

/// Serves `app` on `listener` until `shutdown` resolves (connections still open then end with
/// the process; every acknowledged write is already durable). Each request carries its
/// client's address as `ConnectInfo<SocketAddr>`.
pub async fn serve(listener: TcpListener, app: Router, limits: Limits, shutdown: impl Future<Output = ()>) {
    let census = Arc::new(Census::default());
    let mut backoff = Backoff(Backoff::FIRST);
    tokio::pin!(shutdown);
    loop {
        let (stream, addr) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    let wait = backoff.next();
                    tracing::warn!(error = %e, ?wait, "accept failed");
                    tokio::time::sleep(wait).await;
                    continue;
                }
            },
            () = &mut shutdown => return,
        };
        backoff.reset();
        let Some(seat) = census.admit(addr.ip(), limits.per_ip) else {
            tracing::debug!(ip = %addr.ip(), "connection refused: too many from this address");
            continue;
        };
        let _ = stream.set_nodelay(true);
        tokio::spawn(serve_connection(Seated { stream, _seat: seat }, addr, app.clone(), limits));
    }
}

/// Serves one connection (HTTP/1.1, with upgrades).
async fn serve_connection(io: Seated, addr: SocketAddr, app: Router, limits: Limits) {
    let app = app.map_request(move |mut req: Request<Incoming>| {
        req.extensions_mut().insert(ConnectInfo(addr));
        req
    });
    let service = TowerToHyperService::new(app);
    let served = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read)
        .max_headers(crate::rest::head_limits::HYPER_MAX_HEADERS)
        .serve_connection(TokioIo::new(io), service)
        .with_upgrades()
        .await;
    if let Err(e) = served {
        tracing::debug!(%addr, error = %e, "connection ended");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_census_caps_each_address_and_frees_seats() {
        let census = Arc::new(Census::default());
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        let first = census.admit(a, 2).unwrap();
        let _second = census.admit(a, 2).unwrap();
        assert!(census.admit(a, 2).is_none());
        assert!(census.admit(b, 2).is_some());
        drop(first);
        assert!(census.admit(a, 2).is_some());
        assert!(census.admit(a, 0).is_some(), "0 is no cap");
    }

    #[test]
    fn accept_errors_back_off_up_to_a_second() {
        let mut backoff = Backoff(Backoff::FIRST);
        let waits: Vec<Duration> = (0..9).map(|_| backoff.next()).collect();
        assert_eq!(waits[0], Duration::from_millis(10));
        assert_eq!(waits[1], Duration::from_millis(20));
        assert_eq!(*waits.last().unwrap(), Duration::from_secs(1));
        backoff.reset();
        assert_eq!(backoff.next(), Duration::from_millis(10));
    }
}
