//! [`ServerHost`]: the server side of the apps' capabilities, one file per WIT interface, each
//! implementing that interface's narrow trait from [`orbit_apps::capabilities`]. Every call
//! runs service functions on the blocking pool (`Services::blocking`), so apps see exactly the
//! rules REST and DDP clients see; the acting user's own permissions are checked by those
//! services. Nothing here reads the store.
//!
//! Actions are performed by the acting user: the invoker of the running slash command, or the
//! app's bot user outside a command. Service errors become [`HostError`]s with the service's
//! message: missing permissions are `denied`, unknown rooms and users `not-found`.

mod app_settings;
mod message_writer;
mod messages;
mod notifier;
mod persistence;
mod room_actions;
mod rooms;
mod server_settings;
mod user_actions;
mod users;

use std::sync::{Arc, Weak};

use orbit_apps::bindings::HostError;
use orbit_apps::{CallContext, HostResult, Permission};

use crate::error::{Error, Kind, Result};
use crate::models;
use crate::services::Services;

/// What the runtime calls for every capability. Holds the services weakly: the runtime lives
/// inside them.
pub struct ServerHost {
    svc: Weak<Services>,
}

impl ServerHost {
    pub fn new(svc: Weak<Services>) -> Self {
        ServerHost { svc }
    }

    fn services(&self) -> HostResult<Arc<Services>> {
        self.svc.upgrade().ok_or_else(|| HostError::Failed("the server is shutting down".into()))
    }

    /// Runs a service function: right here when this thread is a blocking-pool thread driving
    /// the app call (the usual case: commands run from services), on the blocking pool
    /// otherwise, never on an executor thread.
    async fn run<T: Send + 'static>(&self, f: impl FnOnce(&Services) -> Result<T> + Send + 'static) -> HostResult<T> {
        let svc = self.services()?;
        if super::in_app_call() {
            return f(&svc).map_err(host_error);
        }
        svc.blocking(f).await.map_err(host_error)
    }

    /// Runs `f` as the acting user.
    async fn act<T: Send + 'static>(
        &self,
        cx: &CallContext,
        f: impl FnOnce(&Services, &models::User) -> Result<T> + Send + 'static,
    ) -> HostResult<T> {
        let cx = cx.clone();
        self.run(move |s| {
            let user = acting_user(s, &cx)?;
            f(s, &user)
        })
        .await
    }
}

/// The acting user: the command's invoker, or the app's bot user.
fn acting_user(s: &Services, cx: &CallContext) -> Result<models::User> {
    match &cx.user_id {
        Some(uid) => s.apps().user(uid)?.ok_or_else(|| Error::from(Kind::InvalidUser)),
        None => bot_user(s, &cx.app_id),
    }
}

/// Whether the app may reach `room` in this call: a room the invoker or the app's bot user
/// can read, or any room with `orbit.access-any-room`. Apps never see conversations between
/// other people (a direct message of two others, a group nobody at hand is in).
fn may_reach(s: &Services, cx: &CallContext, room: &models::Room) -> Result<bool> {
    if cx.grants.allows(Permission::AccessAnyRoom) {
        return Ok(true);
    }
    if let Some(uid) = &cx.user_id
        && let Some(invoker) = s.apps().user(uid)?
        && s.rooms().can_read(&invoker, room)?
    {
        return Ok(true);
    }
    match s.apps().bot_user(&cx.app_id)? {
        Some(bot) => s.rooms().can_read(&bot, room),
        None => Ok(false),
    }
}

/// The room with this id, when the app may reach it ([`may_reach`]); refused otherwise.
fn reachable_room(s: &Services, cx: &CallContext, room_id: &str) -> Result<models::Room> {
    let room = s.apps().room(room_id)?.ok_or_else(crate::services::rooms::room_not_found)?;
    if !may_reach(s, cx, &room)? {
        return Err(Kind::ActionForbidden.with_message("The app may not access this room"));
    }
    Ok(room)
}

/// The app's bot user.
fn bot_user(s: &Services, app_id: &str) -> Result<models::User> {
    s.apps().bot_user(app_id)?.ok_or_else(|| Kind::InvalidUser.with_message("The app has no bot user"))
}

/// A service error as the host error an app sees.
fn host_error(error: Error) -> HostError {
    let reason = error.reason();
    match &error {
        Error::Unauthenticated | Error::LoginFailed(_) => HostError::Denied(reason),
        Error::Api { kind, .. } if kind.is_denial() => HostError::Denied(reason),
        Error::Api { kind, .. } if kind.is_not_found() => HostError::NotFound(reason),
        Error::Api { .. } | Error::RateLimited { .. } => HostError::Invalid(reason),
        Error::Internal(e) => {
            tracing::error!("app host call failed: {e:#}");
            HostError::Failed(reason)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_errors_map_to_host_errors() {
        assert!(matches!(host_error(Error::from(Kind::Forbidden)), HostError::Denied(_)));
        assert!(matches!(host_error(crate::services::rooms::room_not_found()), HostError::NotFound(_)));
        assert!(matches!(host_error(Kind::DuplicateChannelName.with_message("x")), HostError::Invalid(_)));
        assert!(matches!(host_error(Error::Internal(anyhow::anyhow!("boom"))), HostError::Failed(_)));
    }
}
