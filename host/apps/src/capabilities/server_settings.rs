//! `server-settings`: reading public server settings. Needs `server-setting.read`.

use super::{CallContext, HostResult, Requirement};
use crate::bindings::orbit::apps::server_settings;
use crate::permissions::Permission;
use crate::state::AppState;

super::capability! {
    "server-settings", Requirement::Permission(Permission::ServerSettingRead);
    /// The server side of `server-settings`.
    pub trait ServerSettingsHost served as server_settings for server_settings {
        /// A public server setting's value as JSON text; `None` when it does not exist or is secret.
        fn get(id: String) -> Option<String>;
    }
}
