//! `log`: entries in the app's own log ring, which admins read. Always allowed, but each
//! entry counts against the host-call budget. Served by the runtime itself.

use wasmtime::component::HasSelf;

use super::{Capability, Requirement};
use crate::bindings::Level;
use crate::bindings::orbit::apps::log;
use crate::logs::LogSource;
use crate::state::AppState;

/// This interface in the permission table.
pub(super) const CAPABILITY: Capability = Capability {
    interface: "log",
    requirement: Requirement::Always,
    link: |linker| log::add_to_linker::<AppState, HasSelf<AppState>>(linker, |s| s),
};

impl log::Host for AppState {
    async fn log(&mut self, level: Level, message: String) -> wasmtime::Result<()> {
        let _ = self.enter(&CAPABILITY)?;
        self.shared.logs.push(level.into(), LogSource::App, &message);
        Ok(())
    }
}
