//! `app-settings`: the app's own settings. Always allowed.

use async_trait::async_trait;

use crate::bindings::orbit::apps::app_settings;
use crate::host_call::{CallContext, Capability, HostCall, Requirement};

/// This interface in the permission table.
pub(super) const CAPABILITY: Capability = Capability { interface: "app-settings", requirement: Requirement::Always };

/// The server side of `app-settings`.
#[async_trait]
pub trait AppSettingsHost: Send + Sync + 'static {
    /// The current JSON value of one of the app's settings, or `None` if undeclared.
    async fn get(&self, cx: &CallContext, id: String) -> Option<String>;
}

impl app_settings::Host for HostCall<'_, dyn AppSettingsHost> {
    async fn get(&mut self, id: String) -> wasmtime::Result<Option<String>> {
        let Ok(cx) = self.enter(&CAPABILITY)? else { return Ok(None) };
        Ok(self.host.get(&cx, id).await)
    }
}
