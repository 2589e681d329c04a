use crate::error::Result;
use crate::models::{Message, Room, Subscription};
use crate::time::Date;

use super::Tombstone;
use super::page::{Page, Paged};

/// What saving a new message changes besides the message itself. The messages service decides
/// (from the settings and the mentions); the store applies it in the message's transaction.
#[derive(Debug, Clone, Default)]
pub struct MessageEffects {
    /// Set the room's `lm` and `lastMessage` (its `msgs` count always goes up).
    pub set_last_message: bool,
    /// Counters and flags of the other members' subscriptions (`None` for system messages).
    pub unread: Option<UnreadBump>,
    /// The thread the message replies to.
    pub thread: Option<ThreadBump>,
}

/// How a message changes the other members' subscriptions (`notifyUsersOnMessage` upstream).
#[derive(Debug, Clone, Default)]
pub struct UnreadBump {
    pub sender: String,
    /// Users mentioned by name: `userMentions + 1`, and `unread + 1` when `user_mentions_unread`.
    pub user_mentions: Vec<String>,
    pub user_mentions_unread: bool,
    /// `@all`/`@here` (only when nobody is mentioned by name): every other member gets
    /// `groupMentions + 1`, and `unread + 1` when `group_mention_unread`.
    pub group_mention: bool,
    pub group_mention_unread: bool,
    /// Every other member not mentioned gets `unread + 1`.
    pub unread_all: bool,
    /// Set `alert` and `open` on every other member's subscription. Thread-only replies instead
    /// alert the thread's followers (see [`ThreadBump`]).
    pub alert_all: bool,
}

/// How a reply changes its thread: the parent gets `tcount + 1`, `tlm` and new `replies`;
/// the followers other than the sender get the thread in `tunread` and an alert.
#[derive(Debug, Clone, Default)]
pub struct ThreadBump {
    pub tmid: String,
    /// Users added to the parent's `replies` (followers).
    pub add_replies: Vec<String>,
    pub sender: String,
    /// Only the reply went to the thread (no `tshow`): alert the followers.
    pub alert_followers: bool,
    /// Users mentioned in the reply: the thread also goes to their `tunreadUser`.
    pub user_mentions: Vec<String>,
    /// `@all`/`@here` in the reply: the thread also goes to the followers' `tunreadGroup`.
    pub group_mention: bool,
}

/// What [`MessageStore::save_message`] changed.
#[derive(Debug, Clone, Default)]
pub struct SavedMessage {
    pub room: Option<Room>,
    /// Subscriptions whose counters or flags changed.
    pub subscriptions: Vec<Subscription>,
    /// The thread parent after the reply.
    pub parent: Option<Message>,
}

/// Which messages [`MessageStore::find_messages`] returns. Every condition given must hold.
#[derive(Debug, Clone, Default)]
pub struct MessageFilter {
    pub rid: Option<String>,
    /// Replies of a thread.
    pub tmid: Option<String>,
    /// Only thread parents (messages with `tcount`).
    pub threads_only: bool,
    /// Only these ids.
    pub ids: Option<Vec<String>>,
    /// Thread parents whose `replies` hold this user id.
    pub followed_by: Option<String>,
    pub pinned: bool,
    /// Starred by this user id.
    pub starred_by: Option<String>,
    /// Mentioning this user id.
    pub mentioning: Option<String>,
    /// Only `discussion-created` messages (with `drid`).
    pub discussions_only: bool,
    /// Full-text query: every word must occur (prefix match).
    pub words: Vec<String>,
    /// Only messages with links (`urls`).
    pub with_urls: bool,
    /// Case-insensitive substring of the text.
    pub contains: Option<String>,
    /// Sent by this username.
    pub from_username: Option<String>,
    /// Leave out system messages.
    pub exclude_system: bool,
    pub after: Option<Date>,
    pub before: Option<Date>,
    pub updated_after: Option<Date>,
    pub sort: MessageSort,
    pub ascending: bool,
    pub offset: usize,
    /// `None`: no limit.
    pub limit: Option<usize>,
    /// Don't count the matches (the total is reported as 0): searches stop after their page.
    pub skip_total: bool,
}

/// Order of [`MessageStore::find_messages`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum MessageSort {
    #[default]
    Ts,
    /// Last thread reply (`tlm`).
    ThreadLastMessage,
    UpdatedAt,
}

/// Which deleted messages of a room [`MessageStore::deleted_since`] returns.
#[derive(Debug, Clone, Copy)]
pub enum DeletedScope<'a> {
    Room,
    /// Replies of one thread.
    Thread(&'a str),
    /// Thread parents.
    ThreadParents,
}

/// Messages of rooms, indexed by room and time.
pub trait MessageStore {
    /// Inserts a message and bumps the room's message count and last-message fields, atomically.
    fn insert_message(&self, message: &Message) -> Result<()>;
    /// Inserts a message and applies its effects on the room, the other members' subscriptions
    /// and its thread in the same transaction. `error-message-already-exists` when the id is taken.
    /// `ts` moves forward to a millisecond no other message of the room has (so paging by date
    /// never skips a message), with `_updatedAt` kept at or after it.
    fn save_message(&self, message: &mut Message, effects: &MessageEffects) -> Result<SavedMessage>;
    /// Replaces a stored message. Prefer [`MessageStore::modify_message`].
    fn update_message(&self, message: &Message) -> Result<()>;
    /// Applies `f` to a stored message inside one transaction and returns the new state.
    fn modify_message(&self, id: &str, f: &mut dyn FnMut(&mut Message) -> Result<()>) -> Result<Option<Message>>;
    /// Deletes a message (and records its deletion for `getDeletedMessages`). A reply lowers its
    /// thread's `tcount`; returns the updated parent.
    fn delete_message(&self, id: &str) -> Result<Option<Message>>;
    fn message(&self, id: &str) -> Result<Option<Message>>;
    /// Messages of a room older than `before` (newest first), at most `limit`.
    fn room_messages_before(&self, rid: &str, before: Option<Date>, limit: usize) -> Result<Vec<Message>>;
    /// Room history for `channels.history`, `*.messages` and counters (see [`super::HistoryQuery`]).
    fn room_history(&self, query: &super::HistoryQuery) -> Result<Vec<Message>>;
    /// How many messages a history query matches, ignoring its paging.
    fn count_room_history(&self, query: &super::HistoryQuery) -> Result<usize>;
    /// Deletes a range of a room's history (`rooms.cleanHistory`); returns the deleted ids.
    fn clean_room_history(&self, query: &super::CleanHistory) -> Result<Vec<String>>;
    /// Messages matching `filter`, in its order and page, with the total before paging.
    fn find_messages(&self, filter: &MessageFilter) -> Result<(Vec<Message>, usize)>;
    /// Deletes every message a user sent (account erasure), recording the deletions; returns
    /// `(rid, id)` of each.
    fn delete_messages_of_user(&self, user_id: &str) -> Result<Vec<(String, String)>>;
    /// Reassigns a user's messages to `to` (account erasure with `Unlink`), keeping the old
    /// username visible as the alias.
    fn unlink_messages_of_user(&self, user_id: &str, to: &crate::models::UserRef) -> Result<()>;
    /// Deleted messages of a room in `scope` deleted after `since`, newest first, paged, with
    /// the total.
    fn deleted_since(&self, rid: &str, scope: DeletedScope<'_>, since: Date, page: Page) -> Result<Paged<Tombstone>>;
}
