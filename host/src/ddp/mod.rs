//! The realtime transport: Meteor's DDP protocol over a WebSocket at `/websocket` (and the SockJS
//! raw-WebSocket path `/sockjs/<server>/<session>/websocket`), on the same port as REST.
//!
//! - [`frames`] parses client frames and builds server frames (EJSON dates).
//! - [`connection`] runs one task per socket: frames are handled strictly in order, one method or
//!   subscription at a time, while pings are answered at once and stream events flow through a
//!   bounded queue.
//! - [`methods`] maps DDP method names to service calls (one file per family); the REST
//!   `method.call` endpoints run the same dispatcher.
//! - [`streams`] keeps the subscription index (topic → subscribers) and turns bus events into
//!   stream frames, serialized once per event.
//! - [`presence`] counts each user's connections and reports their status to the presence service.
//!
//! The hub's workers (the bus fan-out into [`streams`], the presence writer) live in
//! [`crate::workers`]; the server's wiring starts them. The REST `method.call` endpoints import
//! this module, never the reverse.
//!
//! Like REST, this layer holds no rules: permission checks and state changes are service calls.

pub mod connection;
pub mod frames;
pub mod limits;
pub mod methods;
pub mod presence;
pub mod streams;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use axum::Router;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{ConnectInfo, Extension, FromRequestParts};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use parking_lot::{Mutex, RwLock};
use tokio::sync::{Notify, mpsc};

use crate::models::User;
use crate::services::Services;
use frames::Frame;

/// Method and subscription jobs running at once across all connections.
pub const MAX_JOBS: usize = 32;

/// Shared realtime state: open connections, the stream index and presence counting.
pub struct Hub {
    pub svc: Arc<Services>,
    pub streams: streams::Registry,
    pub presence: presence::Tracker,
    pub limiter: limits::SharedLimiter,
    /// Bounds the method and subscription jobs running on the blocking pool at once.
    pub jobs: Arc<tokio::sync::Semaphore>,
    /// Last known type of rooms seen in events, to notice a room that stops being public.
    pub room_types: Mutex<std::collections::HashMap<String, crate::models::RoomType>>,
    next_conn: AtomicU64,
    open: AtomicU64,
}

impl Hub {
    /// Creates the hub, with no connection yet. Its workers (the bus fan-out and the presence
    /// writer) are started by [`crate::workers::spawn_all`].
    pub fn new(svc: Arc<Services>) -> Arc<Self> {
        Arc::new(Hub {
            streams: streams::Registry::default(),
            presence: presence::Tracker::default(),
            limiter: limits::SharedLimiter::default(),
            jobs: Arc::new(tokio::sync::Semaphore::new(MAX_JOBS)),
            room_types: Mutex::new(Default::default()),
            next_conn: AtomicU64::new(1),
            open: AtomicU64::new(0),
            svc,
        })
    }

    /// Number of open connections.
    pub fn open_connections(&self) -> u64 {
        self.open.load(Ordering::Relaxed)
    }
}

/// The hub reference handed to the WebSocket route.
pub type HubRef = Arc<Hub>;

/// The user a connection is logged in as, kept for checks at delivery time (roles) and refreshed
/// when the user changes.
#[derive(Debug, Clone)]
pub struct ConnUser {
    pub user: Arc<User>,
}

/// One open connection as the rest of the server sees it: a bounded outgoing queue for stream
/// events, a kill switch, and who is logged in.
pub struct Conn {
    pub id: u64,
    pub session: String,
    pub client_addr: Option<SocketAddr>,
    tx: mpsc::Sender<Frame>,
    closing: AtomicBool,
    close_reason: Mutex<Option<(u16, &'static str)>>,
    kill: Notify,
    user: RwLock<Option<ConnUser>>,
}

impl Conn {
    /// Queues a stream frame without waiting. A full queue means the client does not keep up:
    /// the connection is closed instead of stalling the sender. Returns whether it was queued.
    pub fn send(&self, frame: Frame) -> bool {
        if self.closing.load(Ordering::Relaxed) {
            return false;
        }
        match self.tx.try_send(frame) {
            Ok(()) => true,
            Err(mpsc::error::TrySendError::Full(_)) => {
                self.close(1008, "slow consumer: outgoing queue full");
                false
            }
            Err(mpsc::error::TrySendError::Closed(_)) => false,
        }
    }

    /// Asks the connection task to close the socket with a WebSocket close code and reason.
    pub fn close(&self, code: u16, reason: &'static str) {
        if !self.closing.swap(true, Ordering::Relaxed) {
            *self.close_reason.lock() = Some((code, reason));
            self.kill.notify_one();
        }
    }

    /// Whether a close was requested.
    pub fn is_closing(&self) -> bool {
        self.closing.load(Ordering::Relaxed)
    }

    /// The logged-in user, if any.
    pub fn user(&self) -> Option<ConnUser> {
        self.user.read().clone()
    }

    /// The logged-in user's id, if any.
    pub fn user_id(&self) -> Option<String> {
        self.user.read().as_ref().map(|u| u.user.id.clone())
    }

    pub(crate) fn set_user(&self, user: Option<ConnUser>) {
        *self.user.write() = user;
    }

    /// Replaces the cached user document (after a profile or role change).
    pub(crate) fn refresh_user(&self, user: Arc<User>) {
        if let Some(u) = self.user.write().as_mut() {
            u.user = user;
        }
    }
}

/// Routes: `/websocket` and `/sockjs/<server>/<session>/websocket`, served by the hub that the
/// server's wiring adds as an `Extension`.
pub fn routes() -> Router<Arc<Services>> {
    Router::new().route("/websocket", get(upgrade)).route("/sockjs/{server}/{session}/websocket", get(upgrade))
}

/// A request to the realtime hub: the hub (an `Extension` the server's wiring adds) and the
/// client's address.
pub struct Peer {
    pub hub: HubRef,
    pub addr: SocketAddr,
}

impl<S: Send + Sync> FromRequestParts<S> for Peer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        let Extension(hub) =
            Extension::<HubRef>::from_request_parts(parts, state).await.map_err(IntoResponse::into_response)?;
        let ConnectInfo(addr) =
            ConnectInfo::<SocketAddr>::from_request_parts(parts, state).await.map_err(IntoResponse::into_response)?;
        Ok(Peer { hub, addr })
    }
}

/// `GET /websocket`: upgrades and hands the socket to a connection task.
async fn upgrade(Peer { hub, addr }: Peer, ws: WebSocketUpgrade) -> Response {
    let limits = limits::ConnLimits::from_settings(&hub.svc);
    ws.read_buffer_size(limits.read_buffer)
        .write_buffer_size(0)
        .max_message_size(limits.max_frame_bytes)
        .max_frame_size(limits.max_frame_bytes)
        .on_upgrade(move |socket| connection::run(hub, socket, Some(addr), limits))
}

/// Creates the shared handle of a new connection and its event queue.
pub(crate) fn new_conn(hub: &Hub, client_addr: Option<SocketAddr>, queue: usize) -> (Arc<Conn>, mpsc::Receiver<Frame>) {
    let (tx, rx) = mpsc::channel(queue.max(1));
    let conn = Arc::new(Conn {
        id: hub.next_conn.fetch_add(1, Ordering::Relaxed),
        session: crate::ids::random_id(),
        client_addr,
        tx,
        closing: AtomicBool::new(false),
        close_reason: Mutex::new(None),
        kill: Notify::new(),
        user: RwLock::new(None),
    });
    hub.open.fetch_add(1, Ordering::Relaxed);
    (conn, rx)
}

/// Forgets a closed connection.
pub(crate) fn drop_conn(hub: &Hub) {
    hub.open.fetch_sub(1, Ordering::Relaxed);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conn(queue: usize) -> (Conn, mpsc::Receiver<Frame>) {
        let (tx, rx) = mpsc::channel(queue);
        let conn = Conn {
            id: 1,
            session: "s".into(),
            client_addr: None,
            tx,
            closing: AtomicBool::new(false),
            close_reason: Mutex::new(None),
            kill: Notify::new(),
            user: RwLock::new(None),
        };
        (conn, rx)
    }

    #[test]
    fn a_full_queue_closes_the_connection_instead_of_waiting() {
        let (c, mut rx) = conn(2);
        let f = frames::ping();
        assert!(c.send(f.clone()));
        assert!(c.send(f.clone()));
        assert!(!c.send(f.clone()), "third frame does not fit");
        assert!(c.is_closing());
        assert_eq!(c.close_reason.lock().map(|r| r.0), Some(1008));
        // Nothing more is queued once closing, even with room again.
        rx.try_recv().unwrap();
        assert!(!c.send(f));
    }
}
