//! `app-settings`: the app's own settings. Always allowed.

use async_trait::async_trait;
use wasmtime::component::HasSelf;

use super::{CallContext, Capability, Requirement};
use crate::bindings::orbit::apps::app_settings;
use crate::state::AppState;

/// This interface in the permission table.
pub(super) const CAPABILITY: Capability = Capability {
    interface: "app-settings",
    requirement: Requirement::Always,
    link: |linker| app_settings::add_to_linker::<AppState, HasSelf<AppState>>(linker, |s| s),
};

/// The server side of `app-settings`.
#[async_trait]
pub trait AppSettingsHost: Send + Sync + 'static {
    /// The current JSON value of one of the app's settings, or `None` if undeclared.
    async fn get(&self, cx: &CallContext, id: String) -> Option<String>;
}

impl app_settings::Host for AppState {
    async fn get(&mut self, id: String) -> wasmtime::Result<Option<String>> {
        let Ok((cx, host)) = self.enter(&CAPABILITY)? else { return Ok(None) };
        Ok(host.app_settings.get(&cx, id).await)
    }
}
