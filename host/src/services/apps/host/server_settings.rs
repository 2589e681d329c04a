//! `server-settings`: public server settings; private, hidden and password settings read as
//! absent.

use async_trait::async_trait;
use orbit_apps::capabilities::ServerSettingsHost;
use orbit_apps::{CallContext, HostResult};

use super::ServerHost;

#[async_trait]
impl ServerSettingsHost for ServerHost {
    async fn get(&self, _cx: &CallContext, id: String) -> HostResult<Option<String>> {
        let svc = self.services()?;
        let Some(doc) = svc.settings.doc(&id) else { return Ok(None) };
        let public = doc["public"].as_bool() == Some(true);
        if !public || doc["hidden"].as_bool() == Some(true) || doc["type"] == "password" {
            return Ok(None);
        }
        Ok(serde_json::to_string(&doc["value"]).ok())
    }
}
