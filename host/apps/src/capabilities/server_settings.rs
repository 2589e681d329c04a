//! `server-settings`: reading public server settings. Needs `server-setting.read`.

use crate::bindings::orbit::apps::server_settings;
use crate::host_call::Requirement;
use crate::permissions::Permission;

crate::host_call::capability! {
    "server-settings", Requirement::Permission(Permission::ServerSettingRead);
    /// The server side of `server-settings`.
    pub trait ServerSettingsHost for server_settings {
        /// A public server setting's value as JSON text; `None` when it does not exist or is secret.
        fn get(id: String) -> Option<String>;
    }
}
