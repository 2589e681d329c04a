//! `users`: any user by id or username.

use async_trait::async_trait;
use orbit_apps::bindings::{Presence, User};
use orbit_apps::capabilities::UsersHost;
use orbit_apps::{CallContext, HostResult};

use super::ServerHost;
use crate::models;

/// A user as apps see it.
fn user_view(user: &models::User) -> User {
    User {
        id: user.id.clone(),
        username: user.username.clone(),
        name: user.display_name().to_string(),
        roles: user.roles.clone(),
        presence: match user.status.as_str() {
            "online" => Presence::Online,
            "away" => Presence::Away,
            "busy" => Presence::Busy,
            _ => Presence::Offline,
        },
        status_text: user.status_text.clone().unwrap_or_default(),
        is_bot: user.kind != "user" || user.has_role("bot"),
    }
}

#[async_trait]
impl UsersHost for ServerHost {
    async fn get_by_id(&self, _cx: &CallContext, id: String) -> HostResult<Option<User>> {
        self.run(move |s| Ok(s.apps().user(&id)?.as_ref().map(user_view))).await
    }

    async fn get_by_username(&self, _cx: &CallContext, username: String) -> HostResult<Option<User>> {
        self.run(move |s| Ok(s.apps().user_named(username.trim_start_matches('@'))?.as_ref().map(user_view))).await
    }
}
