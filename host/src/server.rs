//! Starting the server, the one place where its parts are wired: the store and the bus, the
//! services on them, the apps platform, the realtime hub and its workers, then the HTTP router
//! with the REST routes and the realtime routes side by side, on one port.

use std::sync::Arc;

use anyhow::Context;
use axum::{Extension, Router};

use crate::bus::LocalBus;
use crate::config::Config;
use crate::ddp::Hub;
use crate::services::Services;
use crate::store::sqlite::SqliteStore;

/// Opens the data directory and builds the services on the SQLite store and the in-process bus.
pub fn open(config: Config) -> anyhow::Result<Arc<Services>> {
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("creating data directory {}", config.data_dir.display()))?;
    let store = SqliteStore::open(&config.data_dir).context("opening the database")?;
    Ok(Services::start(config, Arc::new(store), Arc::new(LocalBus::new()))?)
}

/// Creates the realtime hub, starts the workers ([`crate::workers::spawn_all`]) and builds the
/// HTTP router: REST and the realtime WebSocket routes, both served by that hub. Needs a tokio
/// runtime.
pub fn router(svc: &Arc<Services>) -> Router {
    let hub = Hub::new(svc.clone());
    crate::workers::spawn_all(svc, &hub);
    let routes = crate::rest::routes().merge(crate::ddp::routes()).layer(Extension(hub));
    crate::rest::layered(svc.clone(), routes)
}

/// Runs the server until Ctrl-C or SIGTERM. Prints `listening on <addr>` once it accepts
/// connections (tests read that line to learn the port).
pub async fn run(config: Config) -> anyhow::Result<()> {
    let addr = format!("{}:{}", config.bind_ip, config.port);
    let limits =
        crate::listener::Limits { per_ip: config.max_connections_per_ip, header_read: config.header_read_timeout };
    let svc = tokio::task::spawn_blocking(move || open(config)).await??;
    crate::services::apps::start(&svc).await.context("starting the apps platform")?;
    let app = router(&svc);
    let listener = tokio::net::TcpListener::bind(&addr).await.with_context(|| format!("binding {addr}"))?;
    let local = listener.local_addr()?;
    crate::services::statistics::mark_listening(local);
    tracing::info!(%local, "Orbit is ready");
    println!("listening on {local}");
    crate::listener::serve(listener, app, limits, shutdown_signal()).await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("signal handler");
        tokio::select! { _ = ctrl_c => {}, _ = term.recv() => {} }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}
