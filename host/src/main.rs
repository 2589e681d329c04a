//! The `orbit` binary: configuration from the environment, then serve.

use tracing_subscriber::EnvFilter;

/// mimalloc instead of glibc's malloc: after a burst of large answers glibc kept the freed
/// memory in its per-thread arenas (RSS stayed near its peak), mimalloc returns it to the system.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")))
        .with_writer(std::io::stderr)
        .init();
    orbit::server::run(orbit::config::Config::from_env()).await
}
