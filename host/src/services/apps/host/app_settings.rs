//! `app-settings`: the app's own settings, from the apps service.

use async_trait::async_trait;
use orbit_apps::CallContext;
use orbit_apps::capabilities::AppSettingsHost;

use super::ServerHost;

#[async_trait]
impl AppSettingsHost for ServerHost {
    async fn get(&self, cx: &CallContext, id: String) -> Option<String> {
        let svc = self.services().ok()?;
        let value = svc.apps().setting_value(&cx.app_id, &id)?;
        serde_json::to_string(&value).ok()
    }
}
