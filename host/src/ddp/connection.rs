//! One task per socket.
//!
//! Frames are handled strictly in the order they arrive: `connect`, `method`, `sub` and `unsub`
//! wait in a queue while a method or subscription check runs on the blocking pool, so a client may
//! pipeline its login right after `connect`. Pings are answered at once, even while a method runs.
//! Stream events arrive on a bounded queue filled by the fan-out worker and are written in
//! batches. The server pings a silent client and closes it if it stays silent.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::ops::ControlFlow;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::ws::{CloseFrame, Message, WebSocket};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::frames::{self, Frame, Incoming, SUPPORTED_VERSIONS};
use super::limits::{self, ConnLimits, FrameBudget, Windows};
use super::methods::{ConnContext, Invocation, SessionChange, run_call};
use super::streams::{self, Registered};
use super::{Conn, ConnUser, Hub};
use crate::error::Error;
use crate::models::User;
use crate::services::Services;
use crate::services::accounts::Caller;
use crate::store::LoginToken;

/// What a finished background job hands back to the connection (one per call, so its size
/// does not matter).
#[allow(clippy::large_enum_variant)]
enum Done {
    /// The periodic check of the session: the caller as the store sees it now.
    Check {
        caller: Option<Caller>,
    },
    Method {
        id: String,
        frame: Frame,
        session: Option<SessionChange>,
        caller: Option<Caller>,
    },
    Sub {
        id: String,
        outcome: Result<(Registered, bool, &'static str, String), Value>,
        caller: Option<Caller>,
    },
}

struct Session {
    hub: Arc<Hub>,
    conn: Arc<Conn>,
    limits: ConnLimits,
    connected: bool,
    /// Who is logged in: the user (shared with the stream index) and the token.
    login: Option<(Arc<User>, LoginToken)>,
    pending: VecDeque<Incoming>,
    budget: FrameBudget,
    windows: Windows,
    last_seen: Instant,
    last_session_check: Instant,
    ping_sent: Option<Instant>,
}

/// The client's socket. Every write has a deadline (`Orbit_DDP_Write_Timeout_Ms`): a client
/// that stops reading fills the kernel's buffers, and then its connection is dropped instead of
/// holding its task and those buffers.
struct Ws {
    socket: WebSocket,
    write_timeout: std::time::Duration,
}

/// A write that failed or missed its deadline; the connection ends.
struct WriteFailed;

impl Ws {
    /// Runs `write` within `timeout`.
    async fn deadline(
        timeout: std::time::Duration,
        write: impl Future<Output = Result<(), axum::Error>>,
    ) -> Result<(), WriteFailed> {
        // Most writes complete at once; only one that has to wait for the client gets a timer.
        let mut write = std::pin::pin!(write);
        if let Some(done) = futures_util::FutureExt::now_or_never(write.as_mut()) {
            return done.map_err(|_| WriteFailed);
        }
        match tokio::time::timeout(timeout, write).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) => Err(WriteFailed),
            Err(_) => {
                tracing::debug!("realtime: the client stopped reading; dropping it");
                Err(WriteFailed)
            }
        }
    }

    async fn send(&mut self, message: Message) -> Result<(), WriteFailed> {
        let write = self.socket.send(message);
        Self::deadline(self.write_timeout, write).await
    }

    async fn feed(&mut self, message: Message) -> Result<(), WriteFailed> {
        let write = self.socket.feed(message);
        Self::deadline(self.write_timeout, write).await
    }

    async fn flush(&mut self) -> Result<(), WriteFailed> {
        let write = self.socket.flush();
        Self::deadline(self.write_timeout, write).await
    }

    async fn next(&mut self) -> Option<Result<Message, axum::Error>> {
        self.socket.next().await
    }
}

async fn write(ws: &mut Ws, frame: Frame) -> ControlFlow<()> {
    match ws.send(Message::Text(frame)).await {
        Ok(()) => ControlFlow::Continue(()),
        Err(_) => ControlFlow::Break(()),
    }
}

/// Sends a close frame, then reads (and drops) what the client still sends until it answers the
/// close or two seconds pass, so the socket is not reset with unread data and the client reads
/// the last frames.
async fn close(ws: &mut Ws, code: u16, reason: &'static str) {
    if ws.send(Message::Close(Some(CloseFrame { code, reason: reason.into() }))).await.is_err() {
        return;
    }
    let drain = async {
        while let Some(Ok(m)) = ws.next().await {
            if matches!(m, Message::Close(_)) {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(std::time::Duration::from_secs(2), drain).await;
}

/// How often an idle logged-in connection re-checks its session.
const SESSION_CHECK: std::time::Duration = std::time::Duration::from_secs(60);

/// Writes a batch of queued stream events with one flush.
async fn write_events(ws: &mut Ws, first: Frame, rx: &mut mpsc::Receiver<Frame>) -> ControlFlow<()> {
    if ws.feed(Message::Text(first)).await.is_err() {
        return ControlFlow::Break(());
    }
    for _ in 0..256 {
        let Ok(f) = rx.try_recv() else { break };
        if ws.feed(Message::Text(f)).await.is_err() {
            return ControlFlow::Break(());
        }
    }
    if ws.flush().await.is_err() { ControlFlow::Break(()) } else { ControlFlow::Continue(()) }
}

/// Runs a connection until the socket closes.
pub async fn run(hub: Arc<Hub>, socket: WebSocket, addr: Option<SocketAddr>, limits: ConnLimits) {
    let mut ws = Ws { socket, write_timeout: limits.write_timeout };
    let (conn, mut rx) = super::new_conn(&hub, addr, limits.queue);
    let mut s = Session {
        budget: FrameBudget::new(limits.frames_per_second),
        hub: hub.clone(),
        conn: conn.clone(),
        connected: false,
        login: None,
        pending: VecDeque::new(),
        windows: Windows::default(),
        last_seen: Instant::now(),
        ping_sent: None,
        last_session_check: Instant::now(),
        limits,
    };
    let mut job: Option<JoinHandle<Done>> = None;
    let tick =
        (s.limits.heartbeat_interval.min(s.limits.heartbeat_timeout) / 2).max(std::time::Duration::from_millis(20));
    let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + tick, tick);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);

    if write(&mut ws, frames::server_id()).await.is_continue() {
        loop {
            let flow = tokio::select! {
                biased;
                _ = conn.kill.notified() => {
                    let (code, reason) = conn.close_reason.lock().unwrap_or((1000, "closing"));
                    Box::pin(close(&mut ws, code, reason)).await;
                    ControlFlow::Break(())
                }
                done = async { match job.as_mut() { Some(j) => j.await, None => std::future::pending().await } } => {
                    job = None;
                    match done {
                        Ok(done) => match Box::pin(s.finish(&mut ws, done)).await {
                            ControlFlow::Continue(()) => Box::pin(s.pump(&mut ws, &mut job)).await,
                            brk => brk,
                        },
                        Err(e) => {
                            tracing::error!(error = %e, "realtime job failed");
                            ControlFlow::Break(())
                        }
                    }
                }
                incoming = ws.next() => match incoming {
                    Some(Ok(msg)) => Box::pin(s.on_message(&mut ws, msg, &mut job)).await,
                    _ => ControlFlow::Break(()),
                },
                Some(frame) = rx.recv() => Box::pin(write_events(&mut ws, frame, &mut rx)).await,
                _ = ticker.tick() => {
                    let flow = Box::pin(s.heartbeat(&mut ws)).await;
                    if job.is_none() && s.login.is_some() && s.last_session_check.elapsed() >= SESSION_CHECK {
                        s.last_session_check = Instant::now();
                        job = Some(s.start_check());
                    }
                    flow
                }
            };
            if flow.is_break() {
                break;
            }
        }
    }

    // Cleanup: the connection's subscriptions and presence go with it.
    conn.mark_closed();
    hub.streams.remove_conn(&conn);
    if let Some((user, _)) = s.login.take() {
        hub.presence.disconnect(&user.id, conn.id);
    }
    drop(rx);
    super::drop_conn(&hub);
}

/// Checks the caller's session again, as REST checks each request: a deleted token, an expired
/// one, or a deactivated or deleted user means the connection is no longer logged in.
fn refresh(svc: &Services, caller: Option<Caller>) -> Option<Caller> {
    let caller = caller?;
    match svc.accounts().authenticate_hashed(&caller.user.id, &caller.token.hashed_token) {
        Ok(fresh) => Some(fresh),
        Err(Error::Unauthenticated) => None,
        Err(e) => {
            tracing::warn!(error = %e, "realtime: could not re-read the caller");
            None
        }
    }
}

impl Conn {
    /// Marks the connection closed for good: nothing more is queued for it.
    fn mark_closed(&self) {
        self.closing.swap(true, std::sync::atomic::Ordering::Relaxed);
    }
}

impl Session {
    /// The logged-in caller, as service calls take it.
    fn caller(&self) -> Option<Caller> {
        self.login.as_ref().map(|(u, t)| Caller { user: (**u).clone(), token: t.clone() })
    }

    async fn on_message(&mut self, ws: &mut Ws, msg: Message, job: &mut Option<JoinHandle<Done>>) -> ControlFlow<()> {
        self.last_seen = Instant::now();
        self.ping_sent = None;
        let text = match msg {
            Message::Text(t) => t,
            Message::Close(_) => return ControlFlow::Break(()),
            Message::Ping(_) | Message::Pong(_) => return ControlFlow::Continue(()),
            Message::Binary(_) => return write(ws, frames::error_frame("Bad request", None)).await,
        };
        if !self.budget.take() {
            let _ = write(ws, frames::error_frame("Too many requests", None)).await;
            close(ws, 1008, "too many frames").await;
            return ControlFlow::Break(());
        }
        let incoming = match frames::parse(text.as_str()) {
            Ok(i) => i,
            Err(error) => return write(ws, error).await,
        };
        match incoming {
            Incoming::Ping { id } => write(ws, frames::pong(id.as_ref())).await,
            Incoming::Pong => ControlFlow::Continue(()),
            other => {
                if self.pending.len() >= self.limits.max_pending {
                    let _ = write(ws, frames::error_frame("Too many pending requests", None)).await;
                    close(ws, 1008, "too many pending requests").await;
                    return ControlFlow::Break(());
                }
                self.pending.push_back(other);
                if job.is_none() { self.pump(ws, job).await } else { ControlFlow::Continue(()) }
            }
        }
    }

    /// Handles queued frames in order until one needs a background job.
    async fn pump(&mut self, ws: &mut Ws, job: &mut Option<JoinHandle<Done>>) -> ControlFlow<()> {
        while job.is_none() {
            let Some(next) = self.pending.pop_front() else { break };
            let offending = || match &next {
                Incoming::Method { id, method, params } => {
                    json!({"msg": "method", "id": id, "method": method, "params": params})
                }
                Incoming::Sub { id, name, params } => json!({"msg": "sub", "id": id, "name": name, "params": params}),
                Incoming::Unsub { id } => json!({"msg": "unsub", "id": id}),
                _ => json!({"msg": "connect"}),
            };
            let flow = match &next {
                Incoming::Connect { version, support } => self.connect(ws, version.as_deref(), support).await,
                _ if !self.connected => write(ws, frames::error_frame("Must connect first", Some(&offending()))).await,
                Incoming::Unsub { id } => {
                    if let Some(id) = id {
                        self.hub.streams.unsubscribe(self.conn.id, id);
                    }
                    write(ws, frames::nosub(id.as_deref(), None)).await
                }
                Incoming::Method { .. } | Incoming::Sub { .. } => {
                    let name = match &next {
                        Incoming::Method { method, .. } => method.as_str(),
                        Incoming::Sub { name, .. } => name.as_str(),
                        _ => unreachable!("matched above"),
                    };
                    let uid = self.login.as_ref().map(|(u, _)| u.id.clone());
                    let call = limits::Invocation { name, user_id: uid.as_deref(), client_addr: self.conn.client_addr };
                    if let Some(wait) = self.hub.limiter.check(&self.hub.svc, Some(&mut self.windows), &call) {
                        let error = Error::RateLimited { wait_secs: limits::wait_secs(wait) }.ddp_error();
                        match next {
                            Incoming::Method { id, .. } => {
                                write(ws, frames::frame(&frames::result_error(&id, &error))).await
                            }
                            Incoming::Sub { id, .. } => write(ws, frames::nosub(Some(&id), Some(&error))).await,
                            _ => ControlFlow::Continue(()),
                        }
                    } else {
                        *job = Some(self.start(next));
                        ControlFlow::Continue(())
                    }
                }
                Incoming::Ping { .. } | Incoming::Pong => ControlFlow::Continue(()),
            };
            flow?;
        }
        ControlFlow::Continue(())
    }

    async fn connect(&mut self, ws: &mut Ws, version: Option<&str>, support: &[String]) -> ControlFlow<()> {
        if self.connected {
            return write(ws, frames::error_frame("Already connected", Some(&json!({"msg": "connect"})))).await;
        }
        let version = version.unwrap_or_default();
        let support: Vec<&str> =
            if support.is_empty() { vec![version] } else { support.iter().map(String::as_str).collect() };
        let best = support.iter().find(|v| SUPPORTED_VERSIONS.contains(v)).copied();
        match best {
            Some(best) if best == version && support.contains(&version) => {
                self.connected = true;
                write(ws, frames::connected(&self.conn.session)).await
            }
            other => {
                let _ = write(ws, frames::failed(other.unwrap_or(SUPPORTED_VERSIONS[0]))).await;
                close(ws, 1002, "unsupported DDP version").await;
                ControlFlow::Break(())
            }
        }
    }

    /// Starts a method or subscription on the blocking pool.
    /// Re-reads the session in the background: a token deleted elsewhere (logout over REST,
    /// `users.removeOtherTokens`, a deactivation) logs this connection out even if it sends
    /// nothing.
    fn start_check(&self) -> JoinHandle<Done> {
        let hub = self.hub.clone();
        let caller = self.caller();
        tokio::spawn(async move {
            let svc = hub.svc.clone();
            let _permit = hub.jobs.clone().acquire_owned().await.ok();
            let caller = tokio::task::spawn_blocking(move || refresh(&svc, caller)).await.ok().flatten();
            Done::Check { caller }
        })
    }

    fn start(&self, frame: Incoming) -> JoinHandle<Done> {
        let hub = self.hub.clone();
        let conn = self.conn.clone();
        let caller = self.caller();
        let permits = self.hub.jobs.clone();
        let work = move || {
            let svc = hub.svc.clone();
            let caller = refresh(&svc, caller);
            match frame {
                Incoming::Method { id, method, params } => {
                    let ctx = ConnContext { hub: hub.clone(), conn };
                    let mut inv = Invocation::new(&svc, caller.clone(), Some(ctx));
                    let result = run_call(&mut inv, &id, &method, &params);
                    Done::Method { frame: frames::frame(&result), id, session: inv.session, caller }
                }
                Incoming::Sub { id, name, params } => {
                    let mut outcome = Err(streams::not_allowed());
                    for _ in 0..5 {
                        let epoch = hub.streams.epoch();
                        let user = caller.as_ref().map(|c| &c.user);
                        match crate::time::ejson(|| streams::plan(&svc, user, &name, &params)) {
                            Err(e) => {
                                outcome = Err(e);
                                break;
                            }
                            Ok(plan) => {
                                let (use_collection, stream, key) =
                                    (plan.use_collection, plan.stream, plan.key.clone());
                                match hub.streams.register(&conn, &id, plan, epoch) {
                                    Registered::Stale => continue,
                                    r => {
                                        outcome = Ok((r, use_collection, stream, key));
                                        break;
                                    }
                                }
                            }
                        }
                    }
                    Done::Sub { id, outcome, caller }
                }
                _ => unreachable!("only methods and subscriptions run as jobs"),
            }
        };
        // A bounded number of jobs use the blocking pool at once: the store has a handful of
        // connections, and a burst of logins must not grow hundreds of threads.
        tokio::spawn(async move {
            let _permit = permits.acquire_owned().await.ok();
            match tokio::task::spawn_blocking(work).await {
                Ok(done) => done,
                Err(e) => std::panic::resume_unwind(e.into_panic()),
            }
        })
    }

    /// Applies a finished job: login changes, then the answer frames.
    async fn finish(&mut self, ws: &mut Ws, done: Done) -> ControlFlow<()> {
        match done {
            Done::Method { id, frame, session, caller } => {
                if self.login.is_some() && caller.is_none() {
                    self.set_caller(ws, None).await?;
                }
                match session {
                    Some(SessionChange::Login(c)) => self.set_caller(ws, Some(*c)).await?,
                    Some(SessionChange::Logout) => self.set_caller(ws, None).await?,
                    None => {}
                }
                write(ws, frame).await?;
                write(ws, frames::updated(&id)).await
            }
            Done::Check { caller } => {
                if self.login.is_some() && caller.is_none() {
                    self.set_caller(ws, None).await?;
                }
                ControlFlow::Continue(())
            }
            Done::Sub { id, outcome, caller } => {
                if self.login.is_some() && caller.is_none() {
                    self.set_caller(ws, None).await?;
                }
                match outcome {
                    Ok((Registered::Ready, use_collection, stream, key)) => {
                        if use_collection {
                            write(ws, frames::added_event(stream, &key)).await?;
                        }
                        write(ws, frames::ready(&id)).await
                    }
                    Ok((Registered::Merged, ..)) => write(ws, frames::nosub(Some(&id), None)).await,
                    Ok(_) => ControlFlow::Continue(()),
                    Err(error) => write(ws, frames::nosub(Some(&id), Some(&error))).await,
                }
            }
        }
    }

    /// Changes who the connection is logged in as: subscriptions that depended on the previous
    /// user stop, and presence counts the connection for the new one.
    async fn set_caller(&mut self, ws: &mut Ws, caller: Option<Caller>) -> ControlFlow<()> {
        let old = self.login.as_ref().map(|(u, _)| u.id.clone());
        let new = caller.as_ref().map(|c| c.user.id.clone());
        self.login = caller.map(|c| (Arc::new(c.user), c.token));
        let conn_user = self.login.as_ref().map(|(u, _)| ConnUser { user: u.clone() });
        let stopped = self.hub.streams.set_user(&self.conn, conn_user);
        if old != new {
            if let Some(old) = &old {
                self.hub.presence.disconnect(old, self.conn.id);
            }
            if let Some(new) = &new {
                self.hub.presence.connect(new, self.conn.id);
            }
        }
        for id in stopped {
            write(ws, frames::nosub(Some(&id), Some(&streams::not_allowed()))).await?;
        }
        ControlFlow::Continue(())
    }

    async fn heartbeat(&mut self, ws: &mut Ws) -> ControlFlow<()> {
        let now = Instant::now();
        match self.ping_sent {
            Some(sent) if now.duration_since(sent) >= self.limits.heartbeat_timeout => {
                close(ws, 1001, "heartbeat timeout").await;
                ControlFlow::Break(())
            }
            None if now.duration_since(self.last_seen) >= self.limits.heartbeat_interval => {
                self.ping_sent = Some(now);
                write(ws, frames::ping()).await
            }
            _ => ControlFlow::Continue(()),
        }
    }
}

/// The channel type of a connection's stream events (for tests and tools).
pub type EventQueue = mpsc::Receiver<Frame>;
