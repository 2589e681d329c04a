//! Services: one per domain. They hold the rules and permission checks, call the store and
//! publish events on the bus. Both transports (REST and DDP) call them; neither holds rules.
//!
//! Service functions are synchronous (they do blocking database work). Async transports call them
//! through [`Services::blocking`], which runs them on tokio's blocking pool, never on the executor.

pub mod accounts;
pub mod apps;
pub mod authz;
pub mod avatars;
pub mod commands;
pub mod custom_emoji;
pub mod custom_statuses;
pub mod defaults;
pub mod directory;
pub mod mail;
pub mod messages;
pub mod preferences;
pub mod presence;
pub mod push_tokens;
pub mod roles;
pub mod rooms;
pub mod settings;
pub mod shields;
pub mod statistics;
pub mod subscriptions;
pub mod teams;
pub mod tokens;
pub mod two_factor;
pub mod uploads;
pub mod users;

use std::sync::Arc;

use crate::bus::Bus;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::store::Store;

/// The server's shared state: configuration, store, bus and the caches services keep.
pub struct Services {
    pub config: Config,
    pub store: Arc<dyn Store>,
    pub bus: Bus,
    pub settings: settings::SettingsCache,
    pub permissions: authz::PermissionCache,
    /// The app runtime and installed apps ([`apps::start`] fills it once the server starts).
    pub apps: apps::AppsState,
}

impl Services {
    /// Opens the services on a store: loads caches and seeds a fresh database.
    pub fn start(config: Config, store: Arc<dyn Store>) -> Result<Arc<Self>> {
        let svc = Arc::new(Self {
            config,
            store,
            bus: Bus::new(),
            settings: settings::SettingsCache::default(),
            permissions: authz::PermissionCache::default(),
            apps: apps::AppsState::default(),
        });
        defaults::seed(&svc)?;
        Ok(svc)
    }

    /// Runs blocking service work on the blocking pool and awaits it.
    pub async fn blocking<T: Send + 'static>(
        self: &Arc<Self>,
        f: impl FnOnce(&Services) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let svc = self.clone();
        tokio::task::spawn_blocking(move || f(&svc))
            .await
            .map_err(|e| Error::Internal(anyhow::anyhow!("service task failed: {e}")))?
    }
}
