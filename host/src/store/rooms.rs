use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::Result;
use crate::models::{Room, RoomType, Subscription, User};
use crate::time::Date;

/// A team (`ITeam`): a main room (`teamMain: true`) plus the rooms that carry its `teamId`.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Team {
    #[serde(rename = "_id")]
    pub id: String,
    pub name: String,
    /// `0` public (main room `c`), `1` private (main room `p`).
    #[serde(rename = "type")]
    pub kind: i64,
    pub room_id: String,
    pub created_by: TeamUser,
    pub created_at: Date,
    #[serde(rename = "_updatedAt")]
    pub updated_at: Date,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `{_id, username}` as teams record who created them.
#[derive(Debug, Clone, Serialize, Deserialize, Default, PartialEq)]
pub struct TeamUser {
    #[serde(rename = "_id")]
    pub id: String,
    pub username: String,
}

/// A user's membership of a team (`ITeamMember`), with team roles (`owner`, `moderator`, `member`).
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct TeamMember {
    #[serde(rename = "_id")]
    pub id: String,
    pub team_id: String,
    pub user_id: String,
    #[serde(default)]
    pub roles: Vec<String>,
    pub created_by: TeamUser,
    pub created_at: Date,
    #[serde(rename = "_updatedAt")]
    pub updated_at: Date,
}

/// Which members of a room to list (`channels.members` and friends). Always sorted by username.
#[derive(Debug, Clone, Default)]
pub struct MemberQuery {
    /// Case-insensitive substring of the username or name.
    pub filter: Option<String>,
    /// Presence statuses to keep (all when empty).
    pub status: Vec<String>,
    pub descending: bool,
    pub offset: usize,
    /// `None`: no limit.
    pub limit: Option<usize>,
}

/// A slice of a room's history, newest first (or oldest first with `oldest_first`). Used by
/// `channels.history`, `*.messages`, counters and unread computations; implemented by the
/// message store.
#[derive(Debug, Clone, Default)]
pub struct HistoryQuery {
    pub rid: String,
    pub oldest: Option<Date>,
    pub latest: Option<Date>,
    /// Whether `oldest` and `latest` themselves are included.
    pub inclusive: bool,
    /// System message types to leave out (`Message_HideType_*`).
    pub exclude_types: Vec<String>,
    /// Leave out thread replies that were not also sent to the room (`tshow`).
    pub exclude_thread_replies: bool,
    /// Only messages mentioning this user id.
    pub mentioning: Option<String>,
    /// Only messages carrying an uploaded file.
    pub only_files: bool,
    pub oldest_first: bool,
    pub offset: usize,
    /// `None`: no limit.
    pub limit: Option<usize>,
    /// Stop once the messages read hold this many bytes of stored document (the one that
    /// crosses it included, so a page is never empty while messages remain).
    pub max_bytes: Option<usize>,
}

/// What `rooms.cleanHistory` deletes: messages of one room in a time range.
#[derive(Debug, Clone, Default)]
pub struct CleanHistory {
    pub rid: String,
    pub oldest: Date,
    pub latest: Date,
    pub inclusive: bool,
    pub exclude_pinned: bool,
    pub files_only: bool,
    /// Keep thread replies.
    pub ignore_threads: bool,
    /// Keep `discussion-created` messages.
    pub ignore_discussion: bool,
    /// Only messages of these usernames (all when empty).
    pub from_usernames: Vec<String>,
    /// At most this many, oldest first (`None`: all).
    pub limit: Option<usize>,
}

/// A removed room, subscription or message, as the `{update, remove}` answers and
/// `chat.getDeletedMessages` report it: `{_id, _deletedAt}`.
#[derive(Debug, Clone, Serialize)]
pub struct Tombstone {
    #[serde(rename = "_id")]
    pub id: String,
    #[serde(rename = "_deletedAt")]
    pub deleted_at: Date,
}

/// Rooms, subscriptions and teams.
///
/// Read-modify-write changes of a room or a subscription go through [`RoomStore::modify_room`] and
/// [`RoomStore::modify_subscription`], which run inside the single write transaction so they never
/// lose a concurrent change (a message bumping `msgs`, another member's unread counter).
pub trait RoomStore {
    /// Inserts a room together with its first subscriptions, atomically.
    fn insert_room(&self, room: &Room, subscriptions: &[Subscription]) -> Result<()>;
    /// Replaces a room document. Prefer [`RoomStore::modify_room`] for changes of a stored room.
    fn update_room(&self, room: &Room) -> Result<()>;
    /// Applies `f` to the stored room inside one transaction and returns the new state (`None`
    /// when the room does not exist). `f` may fail, which aborts the change.
    fn modify_room(&self, rid: &str, f: &mut dyn FnMut(&mut Room) -> Result<()>) -> Result<Option<Room>>;
    /// Like [`RoomStore::modify_room`], then applies `g` to every subscription of the room in the
    /// same transaction (`g` returns whether it changed one). Returns the room and the changed
    /// subscriptions.
    fn modify_room_and_subscriptions(
        &self,
        rid: &str,
        f: &mut dyn FnMut(&mut Room) -> Result<()>,
        g: &mut dyn FnMut(&mut Subscription) -> bool,
    ) -> Result<Option<(Room, Vec<Subscription>)>>;
    /// Deletes a room with its subscriptions and messages, leaving tombstones for `rooms.get`
    /// and `subscriptions.get`. Returns the deleted subscriptions.
    fn delete_room(&self, id: &str) -> Result<Vec<Subscription>>;
    fn room_by_id(&self, id: &str) -> Result<Option<Room>>;
    /// Case-insensitive lookup among channels and groups.
    fn room_by_name(&self, name: &str) -> Result<Option<Room>>;
    fn rooms_by_ids(&self, ids: &[String]) -> Result<Vec<Room>>;
    /// Rooms of the given types (all when empty).
    fn rooms_by_types(&self, types: &[RoomType]) -> Result<Vec<Room>>;
    /// Rooms the user is subscribed to, of the given types (all when empty).
    fn rooms_of_user(&self, user_id: &str, types: &[RoomType]) -> Result<Vec<Room>>;
    /// Rooms the user is subscribed to that changed after `since`.
    fn rooms_of_user_updated_since(&self, user_id: &str, since: Date) -> Result<Vec<Room>>;
    /// Rooms the user was subscribed to when they were deleted, deleted after `since`.
    fn deleted_rooms_of_user_since(&self, user_id: &str, since: Date) -> Result<Vec<Tombstone>>;
    /// Discussions of a room (`prid`).
    fn rooms_by_parent(&self, prid: &str) -> Result<Vec<Room>>;
    /// Rooms carrying a `teamId` (the main room included).
    fn rooms_by_team(&self, team_id: &str) -> Result<Vec<Room>>;

    /// Inserts a subscription as it is (the room's `usersCount` is the caller's business).
    fn insert_subscription(&self, sub: &Subscription) -> Result<()>;
    /// Adds a member: inserts the subscription and bumps the room's `usersCount`, atomically.
    /// Returns the room after the change; `error-user-already-in-room` when the user already
    /// has a subscription to the room.
    fn add_member(&self, sub: &Subscription) -> Result<Option<Room>>;
    /// Replaces a subscription. Prefer [`RoomStore::modify_subscription`].
    fn update_subscription(&self, sub: &Subscription) -> Result<()>;
    /// Applies `f` to a stored subscription inside one transaction.
    fn modify_subscription(
        &self,
        rid: &str,
        user_id: &str,
        f: &mut dyn FnMut(&mut Subscription) -> Result<()>,
    ) -> Result<Option<Subscription>>;
    /// Deletes a subscription (leaving a tombstone); the room's `usersCount` stays.
    fn delete_subscription(&self, rid: &str, user_id: &str) -> Result<()>;
    /// Removes a member: deletes the subscription (leaving a tombstone) and lowers the room's
    /// `usersCount`, atomically. Returns the removed subscription and the room after the change.
    fn remove_member(&self, rid: &str, user_id: &str) -> Result<Option<(Subscription, Option<Room>)>>;
    /// One indexed lookup: the membership check on the hot path of every message.
    fn subscription(&self, rid: &str, user_id: &str) -> Result<Option<Subscription>>;
    fn subscription_by_id(&self, id: &str) -> Result<Option<Subscription>>;
    fn subscriptions_of_user(&self, user_id: &str) -> Result<Vec<Subscription>>;
    fn subscriptions_of_user_updated_since(&self, user_id: &str, since: Date) -> Result<Vec<Subscription>>;
    fn deleted_subscriptions_of_user_since(&self, user_id: &str, since: Date) -> Result<Vec<Tombstone>>;
    fn subscriptions_of_room(&self, rid: &str) -> Result<Vec<Subscription>>;
    /// Subscriptions of a room holding a room role (`owner`, `moderator`, `leader`).
    fn subscriptions_with_role(&self, rid: &str, role: &str) -> Result<Vec<Subscription>>;
    /// Subscriptions of a room holding any room role.
    fn subscriptions_with_roles(&self, rid: &str) -> Result<Vec<Subscription>>;
    /// Active members of a room, as users, sorted by username, with the total before paging.
    fn room_members(&self, rid: &str, query: &MemberQuery) -> Result<(Vec<User>, usize)>;

    fn insert_team(&self, team: &Team, members: &[TeamMember]) -> Result<()>;
    fn update_team(&self, team: &Team) -> Result<()>;
    /// Deletes a team and its memberships.
    fn delete_team(&self, id: &str) -> Result<()>;
    fn team_by_id(&self, id: &str) -> Result<Option<Team>>;
    /// Case-insensitive.
    fn team_by_name(&self, name: &str) -> Result<Option<Team>>;
    fn team_by_room(&self, room_id: &str) -> Result<Option<Team>>;
    fn teams(&self) -> Result<Vec<Team>>;
    fn teams_by_ids(&self, ids: &[String]) -> Result<Vec<Team>>;
    /// Inserts or replaces a membership (unique per team and user).
    fn put_team_member(&self, member: &TeamMember) -> Result<()>;
    fn delete_team_member(&self, team_id: &str, user_id: &str) -> Result<()>;
    fn team_member(&self, team_id: &str, user_id: &str) -> Result<Option<TeamMember>>;
    fn team_members(&self, team_id: &str) -> Result<Vec<TeamMember>>;
    fn team_memberships_of_user(&self, user_id: &str) -> Result<Vec<TeamMember>>;
}
