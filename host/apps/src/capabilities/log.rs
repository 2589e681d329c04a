//! `log`: entries in the app's own log ring, which admins read. Always allowed, but each
//! entry counts against the host-call budget. Served by the runtime itself.

use crate::bindings::Level;
use crate::bindings::orbit::apps::log;
use crate::host_call::{Capability, HostCall, Requirement};
use crate::logs::{LogRing, LogSource};

/// This interface in the permission table.
pub(super) const CAPABILITY: Capability = Capability { interface: "log", requirement: Requirement::Always };

impl log::Host for HostCall<'_, LogRing> {
    async fn log(&mut self, level: Level, message: String) -> wasmtime::Result<()> {
        let _ = self.enter(&CAPABILITY)?;
        self.host.push(level.into(), LogSource::App, &message);
        Ok(())
    }
}
