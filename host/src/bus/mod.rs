//! The internal event bus. Services publish every change here after it is stored; the workers
//! (realtime streams, apps, integrations, push) subscribe. Events are shared (`Arc`), never copied
//! per subscriber.

mod local;

pub use local::LocalBus;

use std::sync::Arc;

use serde_json::Value;
use tokio::sync::broadcast;

use crate::models::{CustomStatus, Emoji, Message, Permission, Role, Room, Subscription, User};

/// What changed. Each variant carries the new state, so subscribers need no extra reads.
#[derive(Debug, Clone)]
pub enum Event {
    /// A user was created or changed (profile, roles, active flag, status).
    UserUpdated { user: Arc<User>, fields: Vec<&'static str> },
    /// A user was created (published beside the [`Event::UserUpdated`] of the new user).
    UserCreated { user: Arc<User> },
    /// A user's presence changed.
    UserStatus { user: Arc<User> },
    /// A user was deleted.
    UserDeleted { user_id: String, username: String },
    /// A user's avatar changed.
    AvatarUpdated { username: String, etag: Option<String> },
    /// A user's display name or username changed.
    UserNameChanged { user: Arc<User> },
    /// A setting's value changed.
    SettingChanged { setting: Arc<Value>, public: bool },
    /// A permission's roles changed.
    PermissionChanged { permission: Arc<Permission> },
    /// A role was added, changed (`changed`) or removed.
    RoleChanged { action: &'static str, role: Arc<Role> },
    /// A user was added to or removed from a role (`added`/`removed`), optionally in a room.
    UserRoleChanged { action: &'static str, role: String, user_id: String, username: String, scope: Option<String> },
    /// A room was inserted, updated or removed.
    RoomChanged { action: ChangeAction, room: Arc<Room> },
    /// A subscription was inserted, updated or removed.
    SubscriptionChanged { action: ChangeAction, subscription: Arc<Subscription> },
    /// A message was saved: a new one or an update of an existing one.
    MessageSaved { message: Arc<Message>, room: Arc<Room>, is_new: bool },
    /// A message was deleted.
    MessageDeleted { rid: String, message_id: String },
    /// Messages of a room were deleted in bulk (`rooms.cleanHistory`): the range and filters
    /// used, and the deleted ids.
    MessagesBulkDeleted { query: Arc<crate::store::CleanHistory>, ids: Arc<Vec<String>> },
    /// Someone started or stopped an activity (typing…) in a room.
    UserActivity { rid: String, username: String, activities: Vec<String>, extra: Value },
    /// A message only one user sees (ephemeral notices from commands and apps).
    EphemeralMessage { user_id: String, message: Arc<Message> },
    /// A desktop/mobile notification for one user (`stream-notify-user` `<uid>/notification`):
    /// `{title, text, payload: {_id, rid, sender, type, name, message}}`.
    UserNotification { user_id: String, notification: Arc<Value> },
    /// A UIKit interaction for one user (`stream-notify-user` `<uid>/uiInteraction`), from apps.
    UiInteraction { user_id: String, interaction: Arc<Value> },
    /// A custom emoji was created, updated or deleted (`updateEmojiCustom` /
    /// `deleteEmojiCustom`).
    CustomEmojiChanged { emoji: Arc<Emoji>, deleted: bool },
    /// A custom user status was created, updated or deleted (`stream-notify-logged`
    /// `updateCustomUserStatus` / `deleteCustomUserStatus`).
    CustomStatusChanged { status: Arc<CustomStatus>, deleted: bool },
    /// An app or a slash command changed: upstream's `stream-apps` event `event` (`app/added`,
    /// `app/removed`, `app/updated` with the app id; `app/statusUpdate` with `{appId, status}`;
    /// `app/settingUpdated` with `{appId, setting}`; `command/added`, `command/updated`,
    /// `command/removed` with the command name) and its one argument.
    AppEvent { event: &'static str, payload: Value },
    /// A mail was queued for the mail worker.
    MailQueued,
}

/// Kind of change for room and subscription events, as in `rooms-changed` stream events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeAction {
    Inserted,
    Updated,
    Removed,
}

impl ChangeAction {
    /// The wire name: `inserted`, `updated` or `removed`.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeAction::Inserted => "inserted",
            ChangeAction::Updated => "updated",
            ChangeAction::Removed => "removed",
        }
    }
}

/// What [`Bus::subscribe`] returns: every event published from then on, in publish order. A
/// receiver that falls too far behind gets `RecvError::Lagged(n)` once and continues with the
/// oldest event still held; `RecvError::Closed` means the bus is gone. An adapter for an external
/// broker feeds such a channel from its own connection.
pub type Receiver = broadcast::Receiver<Arc<Event>>;

/// The event bus every service publishes on and every worker subscribes to. Services hold an
/// `Arc<dyn Bus>`: a publish costs one virtual call on top of the implementation's own work.
/// [`LocalBus`] is the in-process implementation; an adapter for a message broker (NATS, …)
/// implements the same two calls, and services don't change.
pub trait Bus: Send + Sync + 'static {
    /// Publishes an event after its change is stored. Nobody listening is fine.
    fn publish(&self, event: Event);

    /// A new receiver of every event published from now on.
    fn subscribe(&self) -> Receiver;
}
