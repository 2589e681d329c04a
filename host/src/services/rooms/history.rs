//! Reading a room: history pages, message lists, files, mentions and counters.

use serde::Serialize;
use serde_json::{Value, json};

use super::*;
use crate::error::Result;
use crate::models::{Message, Room, User};
use crate::query;
use crate::services::files::UploadView;
use crate::store::{HistoryQuery, Paged};

/// The most messages one history page holds, whatever the count asked for (`count=0` with
/// `API_Allow_Infinite_Count` included): a page stays within memory every server can spare.
pub const MAX_HISTORY_PAGE: usize = 1000;

/// The most stored bytes one history page holds: a page of big messages ends early (never
/// empty), and the client asks for the next one as it does at the end of any page.
pub const MAX_HISTORY_BYTES: usize = 8 << 20;

/// A room's counters for one user (`channels.counters` and friends): `null` where the user
/// may not see a number.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Counters {
    pub joined: bool,
    pub members: Option<i64>,
    pub unreads: Option<i64>,
    pub unreads_from: Option<Date>,
    pub msgs: Option<i64>,
    pub latest: Option<Date>,
    pub user_mentions: Option<i64>,
}

/// A page of a room's history ([`Rooms::history_page`]): messages newest first and, with a
/// last-seen mark, the first unread message not loaded and how many unread ones were not loaded.
#[derive(Debug, Clone, Default)]
pub struct HistoryPage {
    pub messages: Vec<Message>,
    pub first_unread: Option<Message>,
    pub unread_not_loaded: usize,
}

impl Rooms<'_> {
    /// `channels.counters` / `groups.counters` / `im.counters` for `user_id` (another user
    /// needs `view-room-administration`).
    pub fn counters(&self, caller: &User, room: &Room, user_id: Option<&str>) -> Result<Counters> {
        let admin = self.0.authz().can(caller, "view-room-administration", None)?;
        let uid = match user_id.filter(|u| !u.is_empty()) {
            Some(u) if u != caller.id => {
                if !admin {
                    return Err(crate::services::authz::unauthorized());
                }
                u.to_string()
            }
            _ => caller.id.clone(),
        };
        let sub = self.0.store.subscription(&room.id, &uid)?;
        let lm = room.lm.unwrap_or(room.updated_at);
        let mut out = Counters::default();
        if let Some(sub) = &sub {
            if room.is_direct() {
                out.unreads = Some(sub.unread);
                out.unreads_from = sub.ls.filter(|_| room.msgs > 0);
                out.user_mentions = Some(sub.user_mentions);
                out.joined = true;
            } else if sub.open {
                let from = sub.ls.unwrap_or(sub.ts);
                let q = HistoryQuery {
                    rid: room.id.clone(),
                    oldest: Some(from),
                    latest: Some(lm),
                    inclusive: true,
                    exclude_types: self.hidden_types(room),
                    ..Default::default()
                };
                out.unreads = Some(self.0.store.count_room_history(&q)? as i64);
                out.unreads_from = Some(from);
                out.user_mentions = Some(sub.user_mentions);
                out.joined = true;
            }
        }
        if admin || out.joined {
            out.msgs = Some(room.msgs);
            out.latest = Some(lm);
            out.members = Some(room.users_count);
        }
        Ok(out)
    }

    /// `channels.history` / `groups.history` / `im.history`: [`Rooms::history_page`] with
    /// `oldest` as the last-seen mark when `unreads` is asked for. Unreadable rooms are
    /// `error-unauthorized`.
    pub fn history(&self, user: &User, room: &Room, o: &HistoryOptions) -> Result<HistoryPage> {
        if !self.can_read(user, room)? {
            return Err(crate::services::authz::unauthorized());
        }
        self.history_page(room, o, if o.unreads { o.oldest } else { None })
    }

    /// A page of the room's history, the one reader behind `*.history` and `loadHistory`:
    /// up to `o.count` (at most [`MAX_HISTORY_PAGE`], and [`MAX_HISTORY_BYTES`]) visible messages (hidden system types left out, thread replies only
    /// with `o.show_thread_messages`) before `o.latest` and after `o.oldest`, newest first,
    /// skipping `o.offset`. With a `last_seen` mark, and when the oldest loaded message is not
    /// at that mark, the page also holds the first message between the mark and the oldest
    /// loaded one and how many lie there (the unread ones not loaded). No access check: the
    /// callers check the room first.
    pub fn history_page(&self, room: &Room, o: &HistoryOptions, last_seen: Option<Date>) -> Result<HistoryPage> {
        let hidden = self.hidden_types(room);
        let q = HistoryQuery {
            rid: room.id.clone(),
            oldest: o.oldest,
            latest: o.latest,
            inclusive: o.inclusive,
            exclude_types: hidden.clone(),
            exclude_thread_replies: !o.show_thread_messages,
            offset: o.offset,
            limit: Some(o.count.min(MAX_HISTORY_PAGE)),
            max_bytes: Some(MAX_HISTORY_BYTES),
            ..Default::default()
        };
        let messages = self.0.store.room_history(&q)?;
        let mut page = HistoryPage { messages, first_unread: None, unread_not_loaded: 0 };
        if let (Some(last_seen), Some(last)) = (last_seen, page.messages.last())
            && last.ts != last_seen
        {
            let q = HistoryQuery {
                rid: room.id.clone(),
                oldest: Some(last_seen),
                latest: Some(last.ts),
                inclusive: false,
                exclude_types: hidden,
                exclude_thread_replies: !o.show_thread_messages,
                oldest_first: true,
                limit: Some(1),
                ..Default::default()
            };
            page.first_unread = self.0.store.room_history(&q)?.into_iter().next();
            page.unread_not_loaded = self.0.store.count_room_history(&q)?;
        }
        Ok(page)
    }

    /// `channels.messages` / `groups.messages` / `im.messages`: a page of the room's messages
    /// with an optional Mongo-style `query` and `sort`. Without them the page comes straight
    /// from the `(rid, ts)` index; with them the room is scanned in batches. A page holds at
    /// most [`MAX_HISTORY_PAGE`] messages.
    pub fn messages(&self, user: &User, room: &Room, o: &MessageListOptions) -> Result<Paged<Message>> {
        if !self.can_read(user, room)? {
            return Err(crate::services::authz::unauthorized());
        }
        self.list_messages(room, o)
    }

    /// [`Rooms::messages`] without the access check (`im.messages.others`).
    pub(crate) fn list_messages(&self, room: &Room, o: &MessageListOptions) -> Result<Paged<Message>> {
        let limit = o.count.unwrap_or(MAX_HISTORY_PAGE).min(MAX_HISTORY_PAGE);
        let ts_sort = match &o.sort {
            None => Some(false),
            Some(s) if s.len() == 1 => match s.get("ts").and_then(Value::as_i64) {
                Some(1) => Some(true),
                Some(-1) => Some(false),
                _ => None,
            },
            Some(_) => None,
        };
        if o.query.as_ref().is_none_or(|q| q.is_empty())
            && let Some(oldest_first) = ts_sort
        {
            let q = HistoryQuery {
                rid: room.id.clone(),
                oldest_first,
                offset: o.offset,
                limit: Some(limit),
                max_bytes: Some(MAX_HISTORY_BYTES),
                ..Default::default()
            };
            let total = self.0.store.count_room_history(&q)?;
            return Ok((self.0.store.room_history(&q)?, total));
        }
        if let Some(q) = &o.query {
            // Surface a malformed query as an error instead of an empty page.
            query::matches(&json!({}), q)?;
        }
        const BATCH: usize = 1000;
        // Only the messages up to the end of the page are kept (sorted ones trimmed as the
        // scan goes), so a query over a big room holds no more than a page and a batch.
        let keep = o.offset.saturating_add(limit);
        let mut matched: Vec<Value> = Vec::new();
        let mut total = 0;
        let mut offset = 0;
        loop {
            let q = HistoryQuery { rid: room.id.clone(), offset, limit: Some(BATCH), ..Default::default() };
            let batch = self.0.store.room_history(&q)?;
            let n = batch.len();
            for m in batch {
                let v = serde_json::to_value(&m)?;
                if o.query.as_ref().is_none_or(|q| query::matches(&v, q).unwrap_or(false)) {
                    total += 1;
                    if o.sort.is_some() || matched.len() < keep {
                        matched.push(v);
                    }
                }
            }
            if let Some(s) = &o.sort
                && matched.len() > keep.saturating_mul(2).max(BATCH)
            {
                query::sort(&mut matched, s);
                matched.truncate(keep);
            }
            if n < BATCH {
                break;
            }
            offset += BATCH;
        }
        if let Some(s) = &o.sort {
            query::sort(&mut matched, s);
        }
        let page = matched.into_iter().skip(o.offset).take(limit);
        Ok((page.map(serde_json::from_value).collect::<serde_json::Result<_>>()?, total))
    }

    /// Files uploaded to a room (`channels.files`, `groups.files`, `im.files`), with their
    /// uploaders, read from the uploads store; `name` filters case-insensitively.
    pub fn files(&self, user: &User, room: &Room, name: Option<&str>) -> Result<Vec<UploadView>> {
        if !self.can_read(user, room)? {
            return Err(room_not_found_for(room.t));
        }
        self.0.files().room_files(room, name)
    }

    /// `channels.getAllUserMentionsByChannel`: messages of the room mentioning `user`, oldest
    /// first (or newest first with `newest_first`).
    pub fn mentions_of(
        &self,
        user: &User,
        room: &Room,
        offset: usize,
        count: Option<usize>,
        newest_first: bool,
    ) -> Result<(Vec<Message>, usize)> {
        if !self.can_read(user, room)? {
            return Err(room_not_found());
        }
        let q = HistoryQuery {
            rid: room.id.clone(),
            mentioning: Some(user.id.clone()),
            oldest_first: !newest_first,
            offset,
            limit: count,
            ..Default::default()
        };
        Ok((self.0.store.room_history(&q)?, self.0.store.count_room_history(&q)?))
    }
}
