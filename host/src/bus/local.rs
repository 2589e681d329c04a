//! The in-process bus: one tokio broadcast channel of shared events.

use std::sync::Arc;

use tokio::sync::broadcast;

use super::{Bus, Event, Receiver};

/// The in-process bus: one broadcast channel of shared events.
#[derive(Clone)]
pub struct LocalBus {
    tx: broadcast::Sender<Arc<Event>>,
}

impl Default for LocalBus {
    fn default() -> Self {
        Self::new()
    }
}

impl LocalBus {
    /// A bus whose subscribers may lag by up to 65 536 events before they lose some.
    pub fn new() -> Self {
        Self { tx: broadcast::channel(65_536).0 }
    }
}

impl Bus for LocalBus {
    fn publish(&self, event: Event) {
        let _ = self.tx.send(Arc::new(event));
    }

    fn subscribe(&self) -> Receiver {
        self.tx.subscribe()
    }
}
