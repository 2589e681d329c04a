//! Reading messages: one message, the lists of a room (pinned, starred, mentions, threads,
//! discussions), search, and the sync endpoints.

use serde::Serialize;
use serde_json::json;

use super::{Messages, message_not_found, parse};
use crate::error::{Kind, Result};
use crate::models::{Message, Room, User};
use crate::services::rooms::{HistoryOptions, HistoryPage};
use crate::store::{DeletedScope, HistoryQuery, MessageFilter, MessageSort, Page, Tombstone};
use crate::time::Date;

/// A page of messages with the total before paging.
pub struct MessageList {
    pub messages: Vec<Message>,
    pub total: usize,
}

/// Which threads `chat.getThreadsList` lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThreadListKind {
    All,
    Following,
    Unread,
}

/// An item of a `chat.syncMessages` page: a message, or a deleted one's tombstone.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum SyncItem {
    Message(Box<Message>),
    Deleted(Tombstone),
}

impl SyncItem {
    /// The time the page is ordered by: when it changed or was deleted.
    fn at(&self) -> i64 {
        match self {
            SyncItem::Message(m) => m.updated_at.0,
            SyncItem::Deleted(t) => t.deleted_at.0,
        }
    }
}

/// The cursors of a `chat.syncMessages` page, in milliseconds: where the next and the
/// previous pages start (`null` at an end).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SyncCursor {
    pub next: Option<String>,
    pub previous: Option<String>,
}

impl Messages<'_> {
    /// A room `user` may read, for the list endpoints (`error-not-allowed` otherwise).
    pub fn readable_room(&self, user: &User, rid: &str) -> Result<Room> {
        let room = self.0.store.room_by_id(rid)?.ok_or(Kind::NotAllowed)?;
        if !self.0.rooms().can_read(user, &room)? {
            return Err(Kind::NotAllowed.into());
        }
        Ok(room)
    }

    /// One message (`chat.getMessage`, `getSingleMessage`).
    pub fn get(&self, user: &User, id: &str) -> Result<Message> {
        let message = self.0.store.message(id)?.ok_or_else(message_not_found)?;
        let room = self.0.store.room_by_id(&message.rid)?.ok_or_else(message_not_found)?;
        if !self.0.rooms().can_read(user, &room)? {
            return Err(Kind::ActionNotAllowed.into());
        }
        Ok(message)
    }

    /// Runs a filter scoped to a readable room.
    pub fn list(&self, user: &User, rid: &str, filter: MessageFilter) -> Result<MessageList> {
        let room = self.readable_room(user, rid)?;
        let filter = MessageFilter { rid: Some(room.id), ..filter };
        let (messages, total) = self.0.store.find_messages(&filter)?;
        Ok(MessageList { messages, total })
    }

    /// Threads of a room (`chat.getThreadsList`), most recently active first by default.
    pub fn threads(
        &self,
        user: &User,
        rid: &str,
        kind: ThreadListKind,
        text: Option<&str>,
        mut filter: MessageFilter,
    ) -> Result<MessageList> {
        self.threads_enabled()?;
        filter.threads_only = true;
        filter.contains = text.filter(|t| !t.is_empty()).map(String::from);
        match kind {
            ThreadListKind::All => {}
            ThreadListKind::Following => filter.followed_by = Some(user.id.clone()),
            ThreadListKind::Unread => {
                let sub = self.0.store.subscription(rid, &user.id)?;
                filter.ids = Some(sub.map(|s| s.tunread).unwrap_or_default());
            }
        }
        self.list(user, rid, filter)
    }

    fn threads_enabled(&self) -> Result<()> {
        if self.0.settings.bool("Threads_enabled") {
            Ok(())
        } else {
            Err(Kind::NotAllowed.with_message("Threads Disabled"))
        }
    }

    /// The thread parent `tmid` and its room, readable by `user`.
    fn thread(&self, user: &User, tmid: &str) -> Result<(Message, Room)> {
        self.threads_enabled()?;
        let parent = self.0.store.message(tmid)?.ok_or_else(|| Kind::InvalidMessage.with_message("Invalid Message"))?;
        let room = self.readable_room(user, &parent.rid)?;
        Ok((parent, room))
    }

    /// Replies of a thread (`chat.getThreadMessages`, `getThreadMessages`), oldest first.
    pub fn thread_messages(&self, user: &User, tmid: &str, filter: MessageFilter) -> Result<MessageList> {
        let (parent, room) = self.thread(user, tmid)?;
        let filter = MessageFilter { rid: Some(room.id), tmid: Some(parent.id), ..filter };
        let (messages, total) = self.0.store.find_messages(&filter)?;
        Ok(MessageList { messages, total })
    }

    /// Threads of a room changed and removed since a time (`chat.syncThreadsList`).
    pub fn sync_threads(&self, user: &User, rid: &str, since: Date) -> Result<(Vec<Message>, Vec<Tombstone>)> {
        self.threads_enabled()?;
        let room = self.readable_room(user, rid)?;
        let filter = MessageFilter {
            rid: Some(room.id.clone()),
            threads_only: true,
            updated_after: Some(since),
            sort: MessageSort::UpdatedAt,
            ..Default::default()
        };
        let (updated, _) = self.0.store.find_messages(&filter)?;
        let (removed, _) = self.0.store.deleted_since(&room.id, DeletedScope::ThreadParents, since, Page::ALL)?;
        Ok((updated, removed))
    }

    /// Replies of a thread changed and removed since a time (`chat.syncThreadMessages`).
    pub fn sync_thread_messages(&self, user: &User, tmid: &str, since: Date) -> Result<(Vec<Message>, Vec<Tombstone>)> {
        let (parent, room) = self.thread(user, tmid)?;
        let filter = MessageFilter {
            rid: Some(room.id.clone()),
            tmid: Some(parent.id.clone()),
            updated_after: Some(since),
            sort: MessageSort::UpdatedAt,
            ..Default::default()
        };
        let (updated, _) = self.0.store.find_messages(&filter)?;
        let (removed, _) = self.0.store.deleted_since(&room.id, DeletedScope::Thread(&parent.id), since, Page::ALL)?;
        Ok((updated, removed))
    }

    /// Messages changed and deleted since `since` (`chat.syncMessages` with `lastUpdate`).
    pub fn sync(&self, user: &User, rid: &str, since: Date) -> Result<(Vec<Message>, Vec<Tombstone>)> {
        let room = self.readable_room(user, rid)?;
        let filter = MessageFilter {
            rid: Some(room.id.clone()),
            updated_after: Some(since),
            sort: MessageSort::Ts,
            ..Default::default()
        };
        let (updated, _) = self.0.store.find_messages(&filter)?;
        let (deleted, _) = self.0.store.deleted_since(&room.id, DeletedScope::Room, since, Page::ALL)?;
        Ok((updated, deleted))
    }

    /// One page of `chat.syncMessages` by cursor: `type` `UPDATED` (messages by `_updatedAt`) or
    /// `DELETED` (tombstones). `next`/`previous` are millisecond cursors; returns the items as
    /// and the cursors.
    pub fn sync_page(
        &self,
        user: &User,
        rid: &str,
        deleted: bool,
        next: Option<i64>,
        previous: Option<i64>,
        count: usize,
    ) -> Result<(Vec<SyncItem>, SyncCursor)> {
        let room = self.readable_room(user, rid)?;
        let count = count.max(1);
        // Sorted ascending for `next`/no cursor and descending for `previous`.
        let mut items: Vec<SyncItem> = if deleted {
            let since = Date(if previous.is_some() { 0 } else { next.unwrap_or(0) });
            let (all, _) = self.0.store.deleted_since(&room.id, DeletedScope::Room, since, Page::ALL)?;
            all.into_iter().map(SyncItem::Deleted).collect()
        } else {
            let filter = MessageFilter {
                rid: Some(room.id.clone()),
                updated_after: Some(Date(if previous.is_some() { 0 } else { next.unwrap_or(0) })),
                sort: MessageSort::UpdatedAt,
                ascending: previous.is_none(),
                limit: previous.map(|_| count + 1).or(next.map(|_| count + 1)),
                ..Default::default()
            };
            let (messages, _) = self.0.store.find_messages(&filter)?;
            messages.into_iter().map(|m| SyncItem::Message(Box::new(m))).collect()
        };
        if let Some(p) = previous {
            items.retain(|item| item.at() < p);
            items.sort_by_key(|item| std::cmp::Reverse(item.at()));
        } else {
            items.sort_by_key(SyncItem::at);
        }
        let paged = next.is_some() || previous.is_some();
        let more = paged && items.len() > count;
        if paged {
            items.truncate(count);
        }
        let first = items.first().map(|item| item.at().to_string());
        let last = items.last().map(|item| item.at().to_string());
        let cursor = match previous {
            Some(_) => SyncCursor { next: first, previous: last.filter(|_| more) },
            None => SyncCursor { next: last.filter(|_| more), previous: first },
        };
        Ok((items, cursor))
    }

    /// Deleted messages of a room since a time (`chat.getDeletedMessages`).
    pub fn deleted_since(
        &self,
        user: &User,
        rid: &str,
        since: Date,
        offset: usize,
        count: Option<usize>,
    ) -> Result<(Vec<Tombstone>, usize)> {
        let room = self.readable_room(user, rid)?;
        self.0.store.deleted_since(&room.id, DeletedScope::Room, since, Page { offset, limit: count })
    }

    /// Searches a room's messages (`chat.search`, `messageSearch`): words (full text, prefix
    /// match) and upstream's operators. Newest first unless `order:asc`.
    pub fn search(&self, user: &User, rid: &str, text: &str, offset: usize, count: usize) -> Result<Vec<Message>> {
        let q = parse::search_query(text);
        let mentioning = match &q.mention {
            Some(name) => match self.0.store.user_by_username(name)? {
                Some(u) => Some(u.id),
                None => return Ok(Vec::new()),
            },
            None => None,
        };
        let filter = MessageFilter {
            words: q.words.clone(),
            from_username: q.from,
            mentioning,
            starred_by: q.starred.then(|| user.id.clone()),
            pinned: q.pinned,
            with_urls: q.has_url,
            after: q.after.map(Date),
            before: q.before.map(Date),
            ascending: q.ascending,
            exclude_system: true,
            offset,
            limit: Some(count),
            skip_total: true,
            ..Default::default()
        };
        let mut messages = self.list(user, rid, filter)?.messages;
        for m in &mut messages {
            m.extra.insert("score".into(), json!(parse::text_score(&m.msg, &q.words)));
        }
        Ok(messages)
    }
}

impl Messages<'_> {
    fn visible(&self, room: &Room, show_thread_messages: bool) -> HistoryQuery {
        HistoryQuery {
            rid: room.id.clone(),
            exclude_types: self.0.rooms().hidden_types(room),
            exclude_thread_replies: !show_thread_messages,
            ..Default::default()
        }
    }

    /// `loadHistory`: up to `limit` messages before `end` (now when absent), newest first, and
    /// with a last-seen mark `ls` the unread ones not loaded
    /// ([`crate::services::rooms::Rooms::history_page`]).
    pub fn load_history(
        &self,
        user: &User,
        rid: &str,
        end: Option<Date>,
        limit: usize,
        ls: Option<Date>,
        show_thread_messages: bool,
    ) -> Result<HistoryPage> {
        let room = self.readable_room(user, rid)?;
        let o = HistoryOptions { latest: end, count: limit, show_thread_messages, ..Default::default() };
        self.0.rooms().history_page(&room, &o, ls)
    }

    /// A message by id, if there is one (no access check: for callers that check it next).
    pub fn by_id(&self, id: &str) -> Result<Option<Message>> {
        self.0.store.message(id)
    }

    /// `loadNextMessages`: up to `limit` messages after `end` (the beginning when absent),
    /// oldest first.
    pub fn load_next(&self, user: &User, rid: &str, end: Option<Date>, limit: usize) -> Result<Vec<Message>> {
        let room = self.readable_room(user, rid)?;
        let q = HistoryQuery { oldest: end, oldest_first: true, limit: Some(limit), ..self.visible(&room, true) };
        self.0.store.room_history(&q)
    }

    /// `loadSurroundingMessages`: up to `limit / 2` messages before the given one (newest first),
    /// the message, then up to `limit / 2` after it (oldest first), with whether more exist on
    /// each side.
    pub fn load_surrounding(&self, user: &User, id: &str, limit: usize) -> Result<(Vec<Message>, bool, bool)> {
        let (main, room) = self.readable(user, id)?;
        let before_limit = limit.div_ceil(2);
        let after_limit = limit / 2;
        let base = self.visible(&room, true);
        let mut messages = self.0.store.room_history(&HistoryQuery {
            latest: Some(main.ts),
            limit: Some(before_limit),
            ..base.clone()
        })?;
        let more_before = messages.len() == before_limit;
        let after = self.0.store.room_history(&HistoryQuery {
            oldest: Some(main.ts),
            oldest_first: true,
            limit: Some(after_limit),
            ..base
        })?;
        let more_after = after.len() == after_limit;
        messages.push(main);
        messages.extend(after);
        Ok((messages, more_before, more_after))
    }

    /// `loadMissedMessages`: every visible message after `start`, newest first.
    pub fn load_missed(&self, user: &User, rid: &str, start: Date) -> Result<Vec<Message>> {
        let room = self.readable_room(user, rid)?;
        self.0.store.room_history(&HistoryQuery { oldest: Some(start), ..self.visible(&room, true) })
    }

    /// `getMessages`: the given messages that `user` may read.
    pub fn get_many(&self, user: &User, ids: &[String]) -> Result<Vec<Message>> {
        let filter = MessageFilter { ids: Some(ids.to_vec()), ..Default::default() };
        let (messages, _) = self.0.store.find_messages(&filter)?;
        let mut out = Vec::with_capacity(messages.len());
        for m in messages {
            if let Some(room) = self.0.store.room_by_id(&m.rid)?
                && self.0.rooms().can_read(user, &room)?
            {
                out.push(m);
            }
        }
        Ok(out)
    }

    /// `readThreads`: the thread is no longer unread for `user`.
    pub fn read_thread(&self, user: &User, tmid: &str) -> Result<()> {
        let (parent, room) = self.thread(user, tmid)?;
        let sub = self.0.store.modify_subscription(&room.id, &user.id, &mut |sub| {
            sub.tunread.retain(|t| *t != parent.id);
            super::forget_thread(sub, &parent.id);
            Ok(())
        })?;
        if let Some(sub) = sub {
            self.0.bus.publish(crate::bus::Event::SubscriptionChanged {
                action: crate::bus::ChangeAction::Updated,
                subscription: std::sync::Arc::new(sub),
            });
        }
        Ok(())
    }
}
