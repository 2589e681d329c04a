//! Workers: the server's long-running tasks, one file each. Most consume the bus; each runs as one
//! tokio task started by [`spawn_all`] before the server accepts connections.
//!
//! - [`realtime`]: the realtime stream fan-out, every bus event in order into the DDP streams.
//! - [`presence`]: the writer of connection statuses counted by the realtime hub.
//! - [`app_limits`]: applies changed `Apps_Orbit_*` settings to the app runtime.
//! - [`app_hooks`]: the post phase of the apps' event hooks.
//! - [`mail`]: hands queued mail to the SMTP server.
//! - [`renames`]: carries username and display-name changes into the messages in batches.
//!
//! Adding a worker (outgoing webhooks, push, mail, livechat routing are next): write
//! `workers/<name>.rs` with a `spawn(...)` that takes what it needs (`Arc<Services>`, the hub),
//! subscribes to the bus *before* it returns, so that no event published once the server runs is
//! missed, and moves the receiver into one `tokio::spawn`ed loop. In that loop, match the events
//! it cares about, go on after `RecvError::Lagged` (logging it if missed events matter), stop on
//! `RecvError::Closed`, and run service calls through [`Services::blocking`]; a worker that must
//! keep the order of events handles one event at a time. Then call it from [`spawn_all`] and list
//! it above.

pub mod app_hooks;
pub mod app_limits;
pub mod mail;
pub mod presence;
pub mod realtime;
pub mod renames;

use std::sync::Arc;

use crate::ddp::HubRef;
use crate::services::Services;

/// Starts every worker. Needs a tokio runtime; call once, after the services and the hub exist.
pub fn spawn_all(svc: &Arc<Services>, hub: &HubRef) {
    realtime::spawn(hub.clone());
    presence::spawn(hub.clone());
    app_limits::spawn(svc.clone());
    app_hooks::spawn(svc.clone());
    renames::spawn(svc.clone());
    mail::spawn(svc.clone());
}
