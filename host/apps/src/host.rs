//! [`AppHost`]: what the chat server implements so apps can reach it.

use std::sync::Arc;

use async_trait::async_trait;

use crate::bindings::{HostError, Message, NewMessage, NewRoomKind, Room, User};

/// Who is calling the host: the app, and the user whose slash command is running (if any).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallContext {
    /// The calling app's id (its manifest `id`).
    pub app_id: Arc<str>,
    /// The user who invoked the running command; `None` in lifecycle calls. Actions
    /// (`room-actions`, `user-actions`, `invoker`-authored messages) are performed as this user,
    /// or as the app's bot user when it is `None`.
    pub user_id: Option<Arc<str>>,
}

/// Result of a host call, shaped like the WIT `result<T, host-error>`.
pub type HostResult<T> = Result<T, HostError>;

/// The server side of every `orbit:apps` import. The runtime has already checked the app's
/// permissions and budget before calling; the server checks the acting user's own
/// permissions and answers [`HostError::Denied`] when one is missing.
///
/// Methods are grouped by WIT interface; each names the permission that guards it.
#[async_trait]
pub trait AppHost: Send + Sync + 'static {
    // --- app-settings (always allowed) ---

    /// The current JSON value of one of the app's settings, or `None` if undeclared.
    async fn app_setting(&self, cx: &CallContext, id: &str) -> Option<String>;

    // --- server-settings (`server-setting.read`) ---

    /// A public server setting's JSON value.
    async fn server_setting(&self, cx: &CallContext, id: &str) -> HostResult<Option<String>>;

    // --- rooms (`room.read`) ---

    /// A room by id.
    async fn room_by_id(&self, cx: &CallContext, id: &str) -> HostResult<Option<Room>>;
    /// A room by unique name (no `#`).
    async fn room_by_name(&self, cx: &CallContext, name: &str) -> HostResult<Option<Room>>;
    /// Usernames of at most `limit` members of a room.
    async fn room_member_usernames(&self, cx: &CallContext, room_id: &str, limit: u32) -> HostResult<Vec<String>>;
    /// Whether a user is a member of a room.
    async fn room_is_member(&self, cx: &CallContext, room_id: &str, user_id: &str) -> HostResult<bool>;

    // --- users (`user.read`) ---

    /// A user by id.
    async fn user_by_id(&self, cx: &CallContext, id: &str) -> HostResult<Option<User>>;
    /// A user by username (no `@`, case-insensitive).
    async fn user_by_username(&self, cx: &CallContext, username: &str) -> HostResult<Option<User>>;

    // --- messages (`message.read`) ---

    /// A message by id.
    async fn message_by_id(&self, cx: &CallContext, id: &str) -> HostResult<Option<Message>>;

    // --- message-writer and notifier (`message.write`) ---

    /// Posts a message; returns its id. `Actor::Invoker` messages only arrive with a user in
    /// `cx` (the runtime refuses them otherwise).
    async fn send_message(&self, cx: &CallContext, message: NewMessage) -> HostResult<String>;
    /// Replaces a message's text.
    async fn update_message_text(&self, cx: &CallContext, message_id: &str, text: &str) -> HostResult<()>;
    /// Shows an ephemeral message to one user in one room.
    async fn notify_user(&self, cx: &CallContext, user_id: &str, room_id: &str, text: &str) -> HostResult<()>;

    // --- room-actions (`room.write`), performed by the acting user ---

    /// The acting user joins a public channel.
    async fn join_room(&self, cx: &CallContext, room_id: &str) -> HostResult<()>;
    /// The acting user leaves a room.
    async fn leave_room(&self, cx: &CallContext, room_id: &str) -> HostResult<()>;
    /// Adds users to a room, skipping members.
    async fn invite_users(&self, cx: &CallContext, room_id: &str, usernames: &[String]) -> HostResult<()>;
    /// Removes a user from a room.
    async fn kick_user(&self, cx: &CallContext, room_id: &str, username: &str) -> HostResult<()>;
    /// Sets (or clears, when empty) a room's topic.
    async fn set_room_topic(&self, cx: &CallContext, room_id: &str, topic: &str) -> HostResult<()>;
    /// Creates a channel or private group; returns its id.
    async fn create_room(
        &self,
        cx: &CallContext,
        name: &str,
        kind: NewRoomKind,
        members: &[String],
    ) -> HostResult<String>;
    /// Opens the direct room between the acting user and `username`; returns its id.
    async fn open_direct(&self, cx: &CallContext, username: &str) -> HostResult<String>;
    /// Archives a room.
    async fn archive_room(&self, cx: &CallContext, room_id: &str) -> HostResult<()>;
    /// Unarchives a room.
    async fn unarchive_room(&self, cx: &CallContext, room_id: &str) -> HostResult<()>;
    /// Mutes a user in a room.
    async fn mute_user(&self, cx: &CallContext, room_id: &str, username: &str) -> HostResult<()>;
    /// Unmutes a user in a room.
    async fn unmute_user(&self, cx: &CallContext, room_id: &str, username: &str) -> HostResult<()>;

    // --- user-actions (`user.write`) ---

    /// Sets the acting user's custom status text.
    async fn set_status_text(&self, cx: &CallContext, text: &str) -> HostResult<()>;
}
