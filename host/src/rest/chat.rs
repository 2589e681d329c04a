//! `chat.*`: sending, editing and deleting messages, reactions, pins, stars, threads, search
//! and the message lists.

use std::sync::Arc;

use axum::Router;
use serde_json::{Value, json};

use super::paging::ListOptions;
use super::params::Params;
use super::rooms::{failure, get_with, post_with, text};
use crate::error::{Error, Kind, Result};
use crate::models::User;
use crate::services::Services;
use crate::services::commands::Typed;
use crate::services::messages::{Draft, MessageList, ThreadListKind, message_not_found};
use crate::store::Tombstone;
use crate::store::{MessageFilter, MessageSort};
use crate::time::Date;

/// Routes of this family.
pub fn routes() -> Router<Arc<Services>> {
    Router::new()
        .route("/api/v1/chat.postMessage", post_with(post_message))
        .route("/api/v1/chat.sendMessage", post_with(send_message))
        .route("/api/v1/chat.update", post_with(update))
        .route("/api/v1/chat.delete", post_with(delete))
        .route("/api/v1/chat.getMessage", get_with(get_message))
        .route("/api/v1/chat.react", post_with(react))
        .route("/api/v1/chat.pinMessage", post_with(pin))
        .route("/api/v1/chat.unPinMessage", post_with(unpin))
        .route("/api/v1/chat.starMessage", post_with(|s, u, p| star(s, u, p, true)))
        .route("/api/v1/chat.unStarMessage", post_with(|s, u, p| star(s, u, p, false)))
        .route("/api/v1/chat.followMessage", post_with(|s, u, p| follow(s, u, p, true)))
        .route("/api/v1/chat.unfollowMessage", post_with(|s, u, p| follow(s, u, p, false)))
        .route("/api/v1/chat.reportMessage", post_with(report))
        .route("/api/v1/chat.ignoreUser", get_with(ignore_user))
        .route("/api/v1/chat.getDeletedMessages", get_with(deleted_messages))
        .route("/api/v1/chat.syncMessages", get_with(sync_messages))
        .route("/api/v1/chat.search", get_with(search))
        .route("/api/v1/chat.getPinnedMessages", get_with(|s, u, p| room_list(s, u, p, ListKind::Pinned)))
        .route("/api/v1/chat.getStarredMessages", get_with(|s, u, p| room_list(s, u, p, ListKind::Starred)))
        .route("/api/v1/chat.getMentionedMessages", get_with(|s, u, p| room_list(s, u, p, ListKind::Mentioned)))
        .route("/api/v1/chat.getDiscussions", get_with(|s, u, p| room_list(s, u, p, ListKind::Discussions)))
        .route("/api/v1/chat.getThreadsList", get_with(threads_list))
        .route("/api/v1/chat.getThreadMessages", get_with(thread_messages))
        .route("/api/v1/chat.syncThreadsList", get_with(sync_threads_list))
        .route("/api/v1/chat.syncThreadMessages", get_with(sync_thread_messages))
        .route("/api/v1/chat.getMessageReadReceipts", get_with(read_receipts))
}

/// A required message id parameter (`messageId`, `msgId` or `mid`).
fn required(p: &Params, name: &str) -> Result<String> {
    text(p, name).ok_or_else(|| Kind::param_required(name))
}

/// The size check `chat.postMessage` makes on the text and on attachment texts.
fn check_size(s: &Services, p: &Params) -> Result<()> {
    let max = s.settings.int("Message_MaxAllowedSize", 5000);
    let too_long = |t: &str| max > 0 && t.chars().count() as i64 > max;
    let text_long = p.get("text").and_then(Value::as_str).is_some_and(too_long);
    let attachment_long = p
        .get("attachments")
        .and_then(Value::as_array)
        .is_some_and(|a| a.iter().any(|x| x.get("text").and_then(Value::as_str).is_some_and(too_long)));
    if text_long || attachment_long {
        return Err(failure("error-message-size-exceeded"));
    }
    Ok(())
}

/// A webhook-style body (`text`, `alias`, `emoji`, `avatar`, `attachments`, `tmid`…) as a draft.
fn webhook_draft(p: &Params) -> Result<Draft> {
    // A text field of another type (`{}`, `[]`, `123`) is refused, never stored as empty.
    let s = |k: &str| match p.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(v)) => Ok(Some(v.clone()).filter(|v| !v.is_empty())),
        Some(_) => Err(Kind::invalid_param(k)),
    };
    let mut attachments = match p.get("attachments") {
        Some(Value::Array(a)) => Some(a.clone()),
        _ => None,
    };
    for a in attachments.iter_mut().flatten() {
        if let Some(o) = a.as_object_mut()
            && let Some(msg) = o.remove("msg")
        {
            o.insert("text".into(), json!(msg.as_str().unwrap_or_default().trim()));
        }
    }
    let avatar = s("icon_url")?.or(s("avatar")?);
    let emoji = s("icon_emoji")?.or(s("emoji")?);
    Ok(Draft {
        msg: s("text")?.or(s("msg")?).unwrap_or_default().trim().to_string(),
        alias: s("username")?.or(s("alias")?),
        emoji: if avatar.is_none() { emoji } else { None },
        avatar,
        attachments: Some(attachments.unwrap_or_default()),
        tmid: s("tmid")?,
        groupable: Some(p.bool("groupable", false)?),
        bot: p.get("bot").filter(|b| b.is_object()).cloned(),
        custom_fields: p.json_object("customFields")?,
        ..Default::default()
    })
}

/// `POST chat.postMessage {roomId|channel, text, alias, emoji, avatar, attachments, tmid}` →
/// `{ts, channel, message}`.
fn post_message(s: &Services, user: &User, p: &Params) -> Result<Value> {
    check_size(s, p)?;
    let targets: Vec<String> = match p.get("channel").or_else(|| p.get("roomId")) {
        Some(Value::String(t)) if !t.trim().is_empty() => vec![t.clone()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).map(String::from).collect(),
        _ => Vec::new(),
    };
    if targets.is_empty() {
        return Err(Kind::InvalidChannel.into());
    }
    let draft = webhook_draft(p)?;
    let mut first = None;
    for target in &targets {
        let message = s.messages().post_to(user, target, draft.clone())?;
        first.get_or_insert((target.clone(), message));
    }
    let (channel, message) = first.ok_or_else(|| failure("unknown-error"))?;
    Ok(json!({"ts": Date::now().0, "channel": channel, "message": message}))
}

/// `POST chat.sendMessage {message: {_id?, rid, msg, tmid?, tshow?, …}}` → `{message}`. Text
/// starting with a registered `/command` runs the command instead.
fn send_message(s: &Services, user: &User, p: &Params) -> Result<Value> {
    let raw = p.get("message").ok_or_else(|| Kind::param_required("message"))?;
    if raw.get("t").and_then(Value::as_str).is_some_and(|t| !t.is_empty() && t != "e2e") {
        return Err(failure("Cannot send system messages using 'chat.sendMessage'"));
    }
    let draft = Draft::from_json(raw)?;
    if draft.rid.is_empty() {
        return Err(Kind::param_required("message.rid"));
    }
    // A client-chosen `_id` already taken is refused by the store, atomically with the insert.
    match s.commands().send_typed(user, draft.clone())? {
        Typed::Sent(message) => Ok(json!({"message": message})),
        // The command ran; nothing was stored. Answer with the typed message as it was (with
        // the client's `_id` when it chose one).
        Typed::Command => {
            let mut message = json!({
                "rid": draft.rid, "msg": draft.msg, "ts": Date::now(), "u": user.as_ref_named(),
                "_updatedAt": Date::now(),
            });
            if let Some(id) = draft.id {
                message["_id"] = json!(id);
            }
            Ok(json!({"message": message}))
        }
    }
}

/// `POST chat.update {roomId, msgId, text, customFields?}` → `{message}`.
fn update(s: &Services, user: &User, p: &Params) -> Result<Value> {
    let rid = required(p, "roomId")?;
    let id = required(p, "msgId")?;
    let text = p.get("text").and_then(Value::as_str).ok_or_else(|| Kind::param_required("text"))?;
    let custom_fields = p.json_object("customFields")?.map(Value::Object);
    let message = s.messages().update(user, &rid, &id, text, custom_fields).map_err(|e| match e {
        Error::Api { kind: Kind::InvalidMessage | Kind::InvalidRoom, message, .. } => failure(message),
        e => e,
    })?;
    Ok(json!({"message": message}))
}

/// `POST chat.delete {roomId, msgId, asUser}` → `{_id, ts, message}`.
fn delete(s: &Services, user: &User, p: &Params) -> Result<Value> {
    let rid = required(p, "roomId")?;
    let id = required(p, "msgId")?;
    let as_user = p.bool("asUser", false)?;
    // Every refusal of the lookup is a plain failure.
    let (message, actor) = s.messages().delete_target(user, &rid, &id, as_user).map_err(|e| match e {
        Error::Api { message, .. } => failure(message),
        e => e,
    })?;
    let deleted = s.messages().delete(&actor, &message)?;
    Ok(json!({
        "_id": deleted.id,
        "ts": Date::now().0.to_string(),
        "message": {"_id": deleted.id, "rid": deleted.rid, "u": deleted.u},
    }))
}

/// `GET chat.getMessage?msgId=` → `{message}`.
fn get_message(s: &Services, user: &User, p: &Params) -> Result<Value> {
    let id = text(p, "msgId").ok_or_else(|| failure("The \"msgId\" query parameter must be provided."))?;
    Ok(json!({"message": s.messages().get(user, &id)?}))
}

/// `POST chat.react {messageId, emoji|reaction, shouldReact?}`.
fn react(s: &Services, user: &User, p: &Params) -> Result<Value> {
    let id = required(p, "messageId")?;
    let emoji = text(p, "emoji").or_else(|| text(p, "reaction")).ok_or(Kind::EmojiParamNotProvided)?;
    let should_react = match p.get("shouldReact") {
        None | Some(Value::Null) => None,
        Some(_) => Some(p.bool("shouldReact", true)?),
    };
    s.messages().react(user, &id, &emoji, should_react)?;
    Ok(json!({}))
}

/// `POST chat.pinMessage {messageId}` → `{message}` (the `message_pinned` system message).
fn pin(s: &Services, user: &User, p: &Params) -> Result<Value> {
    let id = required(p, "messageId")?;
    Ok(json!({"message": s.messages().pin(user, &id)?}))
}

/// `POST chat.unPinMessage {messageId}`.
fn unpin(s: &Services, user: &User, p: &Params) -> Result<Value> {
    s.messages().unpin(user, &required(p, "messageId")?)?;
    Ok(json!({}))
}

/// `POST chat.starMessage` / `chat.unStarMessage {messageId}`.
fn star(s: &Services, user: &User, p: &Params, starred: bool) -> Result<Value> {
    s.messages().star(user, &required(p, "messageId")?, starred)?;
    Ok(json!({}))
}

/// `POST chat.followMessage` / `chat.unfollowMessage {mid}`.
fn follow(s: &Services, user: &User, p: &Params, on: bool) -> Result<Value> {
    let mid = text(p, "mid").ok_or_else(|| failure("The required \"mid\" body param is missing."))?;
    s.messages().follow(user, &mid, on)?;
    Ok(json!({}))
}

/// `POST chat.reportMessage {messageId, description}`.
fn report(s: &Services, user: &User, p: &Params) -> Result<Value> {
    let id = text(p, "messageId").ok_or_else(|| failure("The required \"messageId\" param is missing."))?;
    let description =
        text(p, "description").ok_or_else(|| failure("The required \"description\" param is missing."))?;
    s.messages().report(user, &id, &description)?;
    Ok(json!({}))
}

/// `GET chat.ignoreUser?rid&userId&ignore=true`.
fn ignore_user(s: &Services, user: &User, p: &Params) -> Result<Value> {
    let rid = text(p, "rid").ok_or(Kind::RidParamNotProvided)?;
    let other = text(p, "userId").ok_or(Kind::UserIdParamNotProvided)?;
    let ignore = match p.get("ignore") {
        Some(Value::String(v)) => v.contains("true") || v.contains('1'),
        Some(Value::Bool(b)) => *b,
        _ => true,
    };
    s.messages().ignore_user(user, rid.trim(), other.trim(), ignore)?;
    Ok(json!({}))
}

/// A date parameter (`since`, `lastUpdate`, `updatedSince`); `invalid` with `message` when
/// unparsable.
fn date_param(p: &Params, name: &str, invalid: Kind, message: &str) -> Result<Option<Date>> {
    match text(p, name) {
        None => Ok(None),
        Some(t) => Date::parse_iso(&t).map(Some).ok_or_else(|| invalid.with_message(message)),
    }
}

/// `GET chat.getDeletedMessages?roomId&since` → `{messages: [{_id}], count, offset, total}`.
fn deleted_messages(s: &Services, user: &User, p: &Params) -> Result<Value> {
    let rid = required(p, "roomId")?;
    let since = date_param(p, "since", Kind::InvalidParams, "The \"since\" query parameter must be a valid date.")?
        .ok_or_else(|| Kind::param_required("since"))?;
    let opts = ListOptions::from_params(s, p)?;
    let (list, total) = s.messages().deleted_since(user, &rid, since, opts.offset, opts.count)?;
    let page = list.iter().map(|t| json!({"_id": t.id})).collect();
    Ok(opts.envelope("messages", page, total))
}

/// `GET chat.syncMessages?roomId&lastUpdate` → `{result: {updated, deleted}}`, or by cursor
/// with `type=UPDATED|DELETED&next|previous&count`.
fn sync_messages(s: &Services, user: &User, p: &Params) -> Result<Value> {
    let rid = text(p, "roomId")
        .ok_or_else(|| Kind::ParamRequired.with_message("The required \"roomId\" query param is missing"))?;
    let last = date_param(
        p,
        "lastUpdate",
        Kind::LastUpdateParamInvalid,
        "The \"lastUpdate\" query parameter must be a valid date",
    )?;
    if let Some(since) = last {
        let (updated, deleted) = s.messages().sync(user, &rid, since)?;
        return Ok(json!({"result": {
            "updated": updated,
            "deleted": deleted,
        }}));
    }
    let kind = text(p, "type").ok_or_else(|| {
        Kind::ParamRequired.with_message("The \"type\" or \"lastUpdate\" parameters must be provided")
    })?;
    let deleted = match kind.as_str() {
        "UPDATED" => false,
        "DELETED" => true,
        _ => return Err(Kind::invalid_param("type")),
    };
    let cursor = |name: &str| -> Result<Option<i64>> {
        text(p, name).map(|v| v.parse::<i64>().map_err(|_| Kind::invalid_param(name))).transpose()
    };
    let count = p.int("count")?.unwrap_or(20).clamp(1, 1000) as usize;
    let (items, cursor) = s.messages().sync_page(user, &rid, deleted, cursor("next")?, cursor("previous")?, count)?;
    let key = if deleted { "deleted" } else { "updated" };
    Ok(json!({"result": {key: items, "cursor": cursor}}))
}

/// `GET chat.search?roomId&searchText&count&offset` → `{messages}`.
fn search(s: &Services, user: &User, p: &Params) -> Result<Value> {
    let rid = text(p, "roomId").ok_or(Kind::RoomIdParamNotProvided)?;
    let q = text(p, "searchText").ok_or(Kind::SearchTextParamNotProvided)?;
    let opts = ListOptions::from_params(s, p)?;
    let messages = s.messages().search(user, &rid, &q, opts.offset, opts.count.unwrap_or(100))?;
    Ok(json!({"messages": messages}))
}

/// The per-room message lists.
#[derive(Clone, Copy)]
enum ListKind {
    Pinned,
    Starred,
    Mentioned,
    Discussions,
}

/// The store filter for a list's paging and `sort` (`{"ts": 1}` for oldest first).
fn paged_filter(opts: &ListOptions, sort_key: &str, default_ascending: bool) -> MessageFilter {
    let ascending =
        opts.sort.as_ref().and_then(|s| s.get(sort_key)).and_then(Value::as_i64).map_or(default_ascending, |d| d > 0);
    MessageFilter { ascending, offset: opts.offset, limit: opts.count, ..Default::default() }
}

fn list_envelope(opts: &ListOptions, key: &str, list: MessageList) -> Result<Value> {
    let page = list.messages.iter().map(serde_json::to_value).collect::<std::result::Result<Vec<_>, _>>()?;
    Ok(opts.envelope(key, page, list.total))
}

/// `GET chat.getPinnedMessages|getStarredMessages|getMentionedMessages|getDiscussions?roomId`.
fn room_list(s: &Services, user: &User, p: &Params, kind: ListKind) -> Result<Value> {
    let rid = required(p, "roomId")?;
    let opts = ListOptions::from_params(s, p)?;
    let mut filter = paged_filter(&opts, "ts", false);
    match kind {
        ListKind::Pinned => filter.pinned = true,
        ListKind::Starred => filter.starred_by = Some(user.id.clone()),
        ListKind::Mentioned => filter.mentioning = Some(user.id.clone()),
        ListKind::Discussions => {
            filter.discussions_only = true;
            filter.contains = text(p, "text");
        }
    }
    list_envelope(&opts, "messages", s.messages().list(user, &rid, filter)?)
}

/// `GET chat.getThreadsList?rid&type=all|following|unread&text` → `{threads, count, offset, total}`.
fn threads_list(s: &Services, user: &User, p: &Params) -> Result<Value> {
    let rid = required(p, "rid")?;
    let kind = match text(p, "type").as_deref() {
        None | Some("all") => ThreadListKind::All,
        Some("following") => ThreadListKind::Following,
        Some("unread") => ThreadListKind::Unread,
        Some(_) => return Err(Kind::invalid_param("type")),
    };
    let opts = ListOptions::from_params(s, p)?;
    let mut filter = paged_filter(&opts, "tlm", false);
    filter.sort = MessageSort::ThreadLastMessage;
    let list = s.messages().threads(user, &rid, kind, text(p, "text").as_deref(), filter)?;
    list_envelope(&opts, "threads", list)
}

/// `GET chat.getThreadMessages?tmid` → `{messages, count, offset, total}`, oldest first.
fn thread_messages(s: &Services, user: &User, p: &Params) -> Result<Value> {
    let tmid = required(p, "tmid")?;
    let opts = ListOptions::from_params(s, p)?;
    let list = s.messages().thread_messages(user, &tmid, paged_filter(&opts, "ts", true))?;
    list_envelope(&opts, "messages", list)
}

fn updated_since(p: &Params) -> Result<Date> {
    date_param(
        p,
        "updatedSince",
        Kind::UpdatedSinceParamInvalid,
        "The \"updatedSince\" query parameter must be a valid date.",
    )?
    .ok_or_else(|| Error::from(Kind::UpdatedSinceParamInvalid))
}

/// `GET chat.syncThreadsList?rid&updatedSince` → `{threads: {update, remove}}`.
fn sync_threads_list(s: &Services, user: &User, p: &Params) -> Result<Value> {
    let rid = required(p, "rid")?;
    let (update, remove) = s.messages().sync_threads(user, &rid, updated_since(p)?)?;
    Ok(json!({"threads": {"update": update, "remove": trashed(remove)}}))
}

/// `GET chat.syncThreadMessages?tmid&updatedSince` → `{messages: {update, remove}}`.
fn sync_thread_messages(s: &Services, user: &User, p: &Params) -> Result<Value> {
    let tmid = required(p, "tmid")?;
    let (update, remove) = s.messages().sync_thread_messages(user, &tmid, updated_since(p)?)?;
    Ok(json!({"messages": {"update": update, "remove": trashed(remove)}}))
}

/// `GET chat.getMessageReadReceipts?messageId` → `{receipts}`.
fn read_receipts(s: &Services, user: &User, p: &Params) -> Result<Value> {
    let id = text(p, "messageId")
        .ok_or_else(|| Kind::InvalidParams.with_message("The required \"messageId\" param is missing."))?;
    let receipts = s.messages().read_receipts(user, &id).map_err(|e| match e {
        Error::Api { kind: Kind::MessageNotFound, .. } => message_not_found(),
        e => e,
    })?;
    Ok(json!({"receipts": receipts}))
}

/// Deleted messages as the thread sync endpoints list them: `{_id, _deletedAt, __collection__}`.
fn trashed(tombstones: Vec<Tombstone>) -> Vec<Value> {
    let collection =
        |t: Tombstone| json!({"_id": t.id, "_deletedAt": t.deleted_at, "__collection__": "rocketchat_message"});
    tombstones.into_iter().map(collection).collect()
}
