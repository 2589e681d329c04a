//! `user-actions`: the acting user's own status text, as `users.setStatus` allows it.

use async_trait::async_trait;
use orbit_apps::capabilities::UserActionsHost;
use orbit_apps::{CallContext, HostResult};

use super::ServerHost;
use crate::error::Kind;

#[async_trait]
impl UserActionsHost for ServerHost {
    async fn set_status_text(&self, cx: &CallContext, text: String) -> HostResult<()> {
        self.act(cx, move |s, user| {
            if !s.settings.bool("Accounts_AllowUserStatusMessageChange") {
                return Err(Kind::Forbidden.with_message("This Rocket.Chat administrator has disabled status changes"));
            }
            s.presence().set_status_text(user, text.trim()).map(|_| ())
        })
        .await
    }
}
