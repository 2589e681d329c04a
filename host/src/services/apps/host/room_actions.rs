//! `room-actions`: membership and administration as the acting user, through the rooms
//! service and its permission checks.

use async_trait::async_trait;
use orbit_apps::bindings::NewRoomKind;
use orbit_apps::capabilities::RoomActionsHost;
use orbit_apps::{CallContext, HostResult};

use super::ServerHost;
use crate::error::{Kind, Result};
use crate::models;
use crate::services::Services;
use crate::services::rooms::NewRoom;

/// A user by username, or `error-invalid-user`.
fn named_user(s: &Services, username: &str) -> Result<models::User> {
    s.apps().user_named(username)?.ok_or_else(|| Kind::InvalidUser.with_message(format!("User {username} not found")))
}

impl ServerHost {
    /// Mutes or unmutes a member as the acting user.
    async fn set_muted(&self, cx: &CallContext, rid: String, username: String, mute: bool) -> HostResult<()> {
        self.act(cx, move |s, user| {
            let username = username.trim_start_matches('@');
            let room = s.rooms().readable(user, &rid)?;
            named_user(s, username)?;
            s.rooms().set_muted(user, &room, username, mute).map(|_| ())
        })
        .await
    }
}

#[async_trait]
impl RoomActionsHost for ServerHost {
    async fn join(&self, cx: &CallContext, rid: String) -> HostResult<()> {
        self.act(cx, move |s, user| {
            let room = s.rooms().readable(user, &rid)?;
            s.rooms().join(user, &room, None).map(|_| ())
        })
        .await
    }

    async fn leave(&self, cx: &CallContext, rid: String) -> HostResult<()> {
        self.act(cx, move |s, user| {
            let room = s.rooms().readable(user, &rid)?;
            s.rooms().leave(user, &room)
        })
        .await
    }

    async fn invite(&self, cx: &CallContext, rid: String, usernames: Vec<String>) -> HostResult<()> {
        self.act(cx, move |s, user| {
            let room = s.rooms().readable(user, &rid)?;
            s.rooms().add_users(user, &room, &usernames)
        })
        .await
    }

    async fn kick(&self, cx: &CallContext, rid: String, username: String) -> HostResult<()> {
        self.act(cx, move |s, user| {
            let room = s.rooms().readable(user, &rid)?;
            let target = named_user(s, username.trim_start_matches('@'))?;
            s.rooms().kick(user, &room, &target)
        })
        .await
    }

    async fn set_topic(&self, cx: &CallContext, rid: String, topic: String) -> HostResult<()> {
        self.act(cx, move |s, user| {
            let room = s.rooms().readable(user, &rid)?;
            s.rooms().save_setting(user, &room, "roomTopic", serde_json::Value::String(topic)).map(|_| ())
        })
        .await
    }

    async fn create(
        &self,
        cx: &CallContext,
        name: String,
        kind: NewRoomKind,
        members: Vec<String>,
    ) -> HostResult<String> {
        let t = match kind {
            NewRoomKind::Channel => models::RoomType::Channel,
            NewRoomKind::Group => models::RoomType::Private,
        };
        self.act(cx, move |s, user| {
            let name = name.trim_start_matches('#').to_string();
            let new = NewRoom { t, name, members, ..Default::default() };
            s.rooms().create(user, new).map(|room| room.id)
        })
        .await
    }

    async fn open_direct(&self, cx: &CallContext, username: String) -> HostResult<String> {
        self.act(cx, move |s, user| {
            let username = username.trim_start_matches('@').to_string();
            s.rooms().create_direct(user, &[username], false).map(|room| room.id)
        })
        .await
    }

    async fn archive(&self, cx: &CallContext, rid: String) -> HostResult<()> {
        self.act(cx, move |s, user| {
            let room = s.rooms().readable(user, &rid)?;
            s.rooms().archive(user, &room).map(|_| ())
        })
        .await
    }

    async fn unarchive(&self, cx: &CallContext, rid: String) -> HostResult<()> {
        self.act(cx, move |s, user| {
            let room = s.rooms().readable(user, &rid)?;
            s.rooms().unarchive(user, &room).map(|_| ())
        })
        .await
    }

    async fn mute(&self, cx: &CallContext, rid: String, username: String) -> HostResult<()> {
        self.set_muted(cx, rid, username, true).await
    }

    async fn unmute(&self, cx: &CallContext, rid: String, username: String) -> HostResult<()> {
        self.set_muted(cx, rid, username, false).await
    }
}
