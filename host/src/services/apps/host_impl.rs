//! [`ServerHost`]: the server side of the apps' imports. Every call runs the matching service
//! function on the blocking pool (`Services::blocking`), so apps see exactly the rules REST and
//! DDP clients see; the acting user's own permissions are checked by those services.
//!
//! Actions are performed by the acting user: the invoker of the running slash command, or the
//! app's bot user outside a command. Service errors become [`HostError`]s with the service's
//! message: missing permissions are `denied`, unknown rooms and users `not-found`.

use std::sync::{Arc, Weak};

use async_trait::async_trait;
use orbit_apps::bindings::{Actor, HostError, Message, NewMessage, NewRoomKind, Presence, Room, RoomKind, User};
use orbit_apps::{AppHost, CallContext, HostResult};

use crate::error::{Error, Result};
use crate::models;
use crate::services::Services;
use crate::services::rooms::NewRoom;

/// The [`AppHost`] the runtime calls. Holds the services weakly: the runtime lives inside them.
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

    /// Mutes or unmutes a member as the acting user.
    async fn set_muted(&self, cx: &CallContext, room_id: &str, username: &str, mute: bool) -> HostResult<()> {
        let (rid, username) = (room_id.to_string(), username.trim_start_matches('@').to_string());
        self.act(cx, move |s, user| {
            let room = s.rooms().readable(user, &rid)?;
            named_user(s, &username)?;
            s.rooms().set_muted(user, &room, &username, mute).map(|_| ())
        })
        .await
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
pub fn acting_user(s: &Services, cx: &CallContext) -> Result<models::User> {
    match &cx.user_id {
        Some(uid) => s.store.user_by_id(uid)?.ok_or_else(|| Error::bad("error-invalid-user", "Invalid user")),
        None => bot_user(s, &cx.app_id),
    }
}

/// The app's bot user.
pub fn bot_user(s: &Services, app_id: &str) -> Result<models::User> {
    s.apps().bot_user(app_id)?.ok_or_else(|| Error::bad("error-invalid-user", "The app has no bot user"))
}

/// A service error as the host error an app sees.
pub fn host_error(error: Error) -> HostError {
    let reason = error.reason();
    match &error {
        Error::Unauthenticated | Error::LoginFailed(_) => HostError::Denied(reason),
        Error::Api { status: 401 | 403, .. } => HostError::Denied(reason),
        Error::Api { id, .. }
            if matches!(id.as_str(), "error-not-allowed" | "error-action-not-allowed" | "error-unauthorized") =>
        {
            HostError::Denied(reason)
        }
        Error::Api { id, .. }
            if matches!(
                id.as_str(),
                "error-room-not-found"
                    | "error-invalid-room"
                    | "error-invalid-user"
                    | "error-invalid-username"
                    | "error-user-not-found"
                    | "error-invalid-message"
                    | "error-message-not-found"
            ) =>
        {
            HostError::NotFound(reason)
        }
        Error::Api { status: 404, .. } => HostError::NotFound(reason),
        Error::Api { .. } | Error::RateLimited { .. } => HostError::Invalid(reason),
        Error::Internal(e) => {
            tracing::error!("app host call failed: {e:#}");
            HostError::Failed(reason)
        }
    }
}

/// A user by username, or `error-invalid-user`.
fn named_user(s: &Services, username: &str) -> Result<models::User> {
    s.store
        .user_by_username(username)?
        .ok_or_else(|| Error::bad("error-invalid-user", format!("User {username} not found")))
}

fn room_kind(t: &str) -> RoomKind {
    match t {
        "p" => RoomKind::Group,
        "d" => RoomKind::Direct,
        "l" => RoomKind::Livechat,
        _ => RoomKind::Channel,
    }
}

/// A room as apps see it.
pub fn room_view(room: &models::Room) -> Room {
    Room {
        id: room.id.clone(),
        name: if room.is_direct() { None } else { room.name.clone() },
        kind: room_kind(&room.t),
        topic: room.topic.clone().filter(|t| !t.is_empty()),
        read_only: room.ro,
        archived: room.archived,
        creator_id: room.u.as_ref().map(|u| u.id.clone()),
        member_count: room.users_count.clamp(0, u32::MAX as i64) as u32,
    }
}

/// A user as apps see it.
pub fn user_view(user: &models::User) -> User {
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

/// A message as apps see it.
pub fn message_view(m: &models::Message) -> Message {
    Message {
        id: m.id.clone(),
        room_id: m.rid.clone(),
        sender_id: m.u.id.clone(),
        sender_username: m.u.username.clone(),
        text: m.msg.clone(),
        thread_id: m.tmid.clone(),
        created_at: m.ts.0.max(0) as u64,
        edited_at: m.edited_at.map(|d| d.0.max(0) as u64),
    }
}

#[async_trait]
impl AppHost for ServerHost {
    async fn app_setting(&self, cx: &CallContext, id: &str) -> Option<String> {
        let svc = self.services().ok()?;
        let value = svc.apps().setting_value(&cx.app_id, id)?;
        serde_json::to_string(&value).ok()
    }

    async fn server_setting(&self, _cx: &CallContext, id: &str) -> HostResult<Option<String>> {
        let svc = self.services()?;
        let Some(doc) = svc.settings.doc(id) else { return Ok(None) };
        let secret = doc["hidden"].as_bool() == Some(true) || doc["type"] == "password";
        if secret {
            return Ok(None);
        }
        Ok(serde_json::to_string(&doc["value"]).ok())
    }

    async fn room_by_id(&self, _cx: &CallContext, id: &str) -> HostResult<Option<Room>> {
        let id = id.to_string();
        self.run(move |s| Ok(s.store.room_by_id(&id)?.as_ref().map(room_view))).await
    }

    async fn room_by_name(&self, _cx: &CallContext, name: &str) -> HostResult<Option<Room>> {
        let name = name.trim_start_matches('#').to_string();
        self.run(move |s| Ok(s.store.room_by_name(&name)?.filter(|r| !r.is_direct()).as_ref().map(room_view))).await
    }

    async fn room_member_usernames(&self, _cx: &CallContext, room_id: &str, limit: u32) -> HostResult<Vec<String>> {
        let room_id = room_id.to_string();
        self.run(move |s| {
            s.rooms().get(&room_id)?;
            Ok(s.store
                .subscriptions_of_room(&room_id)?
                .into_iter()
                .map(|sub| sub.u.username)
                .take(limit as usize)
                .collect())
        })
        .await
    }

    async fn room_is_member(&self, _cx: &CallContext, room_id: &str, user_id: &str) -> HostResult<bool> {
        let (room_id, user_id) = (room_id.to_string(), user_id.to_string());
        self.run(move |s| Ok(s.store.subscription(&room_id, &user_id)?.is_some())).await
    }

    async fn user_by_id(&self, _cx: &CallContext, id: &str) -> HostResult<Option<User>> {
        let id = id.to_string();
        self.run(move |s| Ok(s.store.user_by_id(&id)?.as_ref().map(user_view))).await
    }

    async fn user_by_username(&self, _cx: &CallContext, username: &str) -> HostResult<Option<User>> {
        let username = username.trim_start_matches('@').to_string();
        self.run(move |s| Ok(s.store.user_by_username(&username)?.as_ref().map(user_view))).await
    }

    async fn message_by_id(&self, _cx: &CallContext, id: &str) -> HostResult<Option<Message>> {
        let id = id.to_string();
        self.run(move |s| Ok(s.store.message(&id)?.as_ref().map(message_view))).await
    }

    async fn send_message(&self, cx: &CallContext, message: NewMessage) -> HostResult<String> {
        let cx = cx.clone();
        self.run(move |s| {
            let author = match message.author {
                Actor::Invoker => acting_user(s, &cx)?,
                Actor::App => bot_user(s, &cx.app_id)?,
            };
            s.commands().post_from_app(&author, &message.room_id, message.thread_id.as_deref(), &message.text)
        })
        .await
    }

    async fn update_message_text(&self, cx: &CallContext, message_id: &str, text: &str) -> HostResult<()> {
        let (cx, message_id, text) = (cx.clone(), message_id.to_string(), text.to_string());
        self.run(move |s| {
            let bot = bot_user(s, &cx.app_id)?;
            let invoker = match &cx.user_id {
                Some(uid) => s.store.user_by_id(uid)?,
                None => None,
            };
            s.commands().update_from_app(&bot, invoker.as_ref(), &message_id, &text)
        })
        .await
    }

    async fn notify_user(&self, cx: &CallContext, user_id: &str, room_id: &str, text: &str) -> HostResult<()> {
        let (cx, user_id, room_id, text) = (cx.clone(), user_id.to_string(), room_id.to_string(), text.to_string());
        self.run(move |s| {
            s.store.user_by_id(&user_id)?.ok_or_else(|| Error::bad("error-invalid-user", "Invalid user"))?;
            s.rooms().get(&room_id)?;
            let sender = bot_user(s, &cx.app_id)?;
            s.commands().notify(&sender, &user_id, &room_id, None, &text);
            Ok(())
        })
        .await
    }

    async fn join_room(&self, cx: &CallContext, room_id: &str) -> HostResult<()> {
        let rid = room_id.to_string();
        self.act(cx, move |s, user| {
            let room = s.rooms().readable(user, &rid)?;
            s.rooms().join(user, &room, None).map(|_| ())
        })
        .await
    }

    async fn leave_room(&self, cx: &CallContext, room_id: &str) -> HostResult<()> {
        let rid = room_id.to_string();
        self.act(cx, move |s, user| {
            let room = s.rooms().readable(user, &rid)?;
            s.rooms().leave(user, &room)
        })
        .await
    }

    async fn invite_users(&self, cx: &CallContext, room_id: &str, usernames: &[String]) -> HostResult<()> {
        let (rid, usernames) = (room_id.to_string(), usernames.to_vec());
        self.act(cx, move |s, user| {
            let room = s.rooms().readable(user, &rid)?;
            s.rooms().add_users(user, &room, &usernames)
        })
        .await
    }

    async fn kick_user(&self, cx: &CallContext, room_id: &str, username: &str) -> HostResult<()> {
        let (rid, username) = (room_id.to_string(), username.trim_start_matches('@').to_string());
        self.act(cx, move |s, user| {
            let room = s.rooms().readable(user, &rid)?;
            let target = named_user(s, &username)?;
            s.rooms().kick(user, &room, &target)
        })
        .await
    }

    async fn set_room_topic(&self, cx: &CallContext, room_id: &str, topic: &str) -> HostResult<()> {
        let (rid, topic) = (room_id.to_string(), topic.to_string());
        self.act(cx, move |s, user| {
            let room = s.rooms().readable(user, &rid)?;
            s.rooms().save_setting(user, &room, "roomTopic", serde_json::Value::String(topic)).map(|_| ())
        })
        .await
    }

    async fn create_room(
        &self,
        cx: &CallContext,
        name: &str,
        kind: NewRoomKind,
        members: &[String],
    ) -> HostResult<String> {
        let (name, members) = (name.trim_start_matches('#').to_string(), members.to_vec());
        let t = match kind {
            NewRoomKind::Channel => "c",
            NewRoomKind::Group => "p",
        };
        self.act(cx, move |s, user| {
            let new = NewRoom { t: t.into(), name, members, ..Default::default() };
            s.rooms().create(user, new).map(|room| room.id)
        })
        .await
    }

    async fn open_direct(&self, cx: &CallContext, username: &str) -> HostResult<String> {
        let username = username.trim_start_matches('@').to_string();
        self.act(cx, move |s, user| s.rooms().create_direct(user, &[username], false).map(|room| room.id)).await
    }

    async fn archive_room(&self, cx: &CallContext, room_id: &str) -> HostResult<()> {
        let rid = room_id.to_string();
        self.act(cx, move |s, user| {
            let room = s.rooms().readable(user, &rid)?;
            s.rooms().archive(user, &room).map(|_| ())
        })
        .await
    }

    async fn unarchive_room(&self, cx: &CallContext, room_id: &str) -> HostResult<()> {
        let rid = room_id.to_string();
        self.act(cx, move |s, user| {
            let room = s.rooms().readable(user, &rid)?;
            s.rooms().unarchive(user, &room).map(|_| ())
        })
        .await
    }

    async fn mute_user(&self, cx: &CallContext, room_id: &str, username: &str) -> HostResult<()> {
        self.set_muted(cx, room_id, username, true).await
    }

    async fn unmute_user(&self, cx: &CallContext, room_id: &str, username: &str) -> HostResult<()> {
        self.set_muted(cx, room_id, username, false).await
    }

    async fn set_status_text(&self, cx: &CallContext, text: &str) -> HostResult<()> {
        let text = text.trim().to_string();
        self.act(cx, move |s, user| {
            if !s.settings.bool("Accounts_AllowUserStatusMessageChange") {
                return Err(Error::forbidden(
                    "error-not-allowed",
                    "This Rocket.Chat administrator has disabled status changes",
                ));
            }
            s.presence().set_status_text(user, &text).map(|_| ())
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_errors_map_to_host_errors() {
        assert!(matches!(host_error(Error::not_allowed()), HostError::Denied(_)));
        assert!(matches!(host_error(crate::services::rooms::room_not_found()), HostError::NotFound(_)));
        assert!(matches!(host_error(Error::bad("error-duplicate-channel-name", "x")), HostError::Invalid(_)));
        assert!(matches!(host_error(Error::Internal(anyhow::anyhow!("boom"))), HostError::Failed(_)));
    }
}
