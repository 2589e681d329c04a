//! Message methods: thin adapters over `services::messages`, with upstream's parameters and
//! answers.

use serde_json::{Map, Value, json};

use super::{Args, Failure, Invocation, MethodDef, Outcome, field_opt_str, field_str, logged, match_failed};
use crate::ddp::frames::{ejson, ejson_dates};
use crate::error::{Error, Kind};
use crate::models::Message;
use crate::services::commands::Typed;
use crate::services::messages::Draft;
use crate::store::MessageFilter;
use crate::time;

/// The methods of this family.
pub const METHODS: &[MethodDef] = &[
    logged("sendMessage", send_message),
    logged("updateMessage", update_message),
    logged("deleteMessage", delete_message),
    logged("setReaction", set_reaction),
    logged("pinMessage", pin_message),
    logged("unpinMessage", unpin_message),
    logged("starMessage", star_message),
    logged("followMessage", |inv, args| follow(inv, args, true)),
    logged("unfollowMessage", |inv, args| follow(inv, args, false)),
    logged("getSingleMessage", get_single_message),
    logged("getMessages", get_messages),
    logged("loadHistory", load_history),
    logged("loadNextMessages", load_next_messages),
    logged("loadSurroundingMessages", load_surrounding_messages),
    logged("loadMissedMessages", load_missed_messages),
    logged("getThreadMessages", get_thread_messages),
    logged("getThreadsList", get_threads_list),
    logged("readThreads", read_threads),
    logged("messageSearch", message_search),
    logged("reportMessage", report_message),
    logged("ignoreUser", ignore_user),
    logged("getReadReceipts", get_read_receipts),
];

/// `sendMessage(message)` → the message. As upstream, a refused message is reported to the
/// sender as an ephemeral message and the call answers nothing, except `error-not-allowed`,
/// which fails the call. A `/command` runs the command.
fn send_message(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let raw = args.get(0).ok_or_else(match_failed)?;
    if raw.get("t").and_then(Value::as_str).is_some_and(|t| !t.is_empty() && t != "e2e") {
        return Err(Kind::NotAllowed.with_message("Cannot send system messages using 'sendMessage'").into());
    }
    let draft = Draft::from_json(raw).map_err(|_| match_failed())?;
    let user = inv.user()?.clone();
    let rid = draft.rid.clone();
    let tmid = draft.tmid.clone();
    match inv.svc.commands().send_typed(&user, draft) {
        Ok(Typed::Sent(message)) => Ok(Some(ejson(&message))),
        Ok(Typed::Command) => Ok(None),
        Err(Error::Api { kind, message, details }) if !matches!(kind, Kind::Forbidden | Kind::NotAllowed) => {
            let text = if message.is_empty() { kind.id().to_string() } else { message };
            inv.svc.notices().notify(&user, &user.id, &rid, tmid.as_deref(), &text);
            tracing::debug!(error = %kind.id(), details = ?details, "sendMessage refused");
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}

/// The message `id`; an unknown one is `error-action-not-allowed`, as upstream's edit and delete
/// methods answer.
fn message(inv: &Invocation<'_>, id: &str) -> Result<Message, Failure> {
    Ok(inv.svc.messages().by_id(id)?.ok_or(Kind::ActionNotAllowed)?)
}

/// `updateMessage({_id, rid, msg, customFields?})`.
fn update_message(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let m = args.object(0)?;
    let id = field_str(m, "_id")?;
    let user = inv.user()?.clone();
    let original = message(inv, &id)?;
    let rid = field_opt_str(m, "rid")?.unwrap_or(original.rid);
    let text = field_opt_str(m, "msg")?.unwrap_or_default();
    let custom_fields = m.get("customFields").filter(|v| v.is_object()).cloned();
    inv.svc.messages().update(&user, &rid, &id, &text, custom_fields)?;
    Ok(None)
}

/// `deleteMessage({_id})`.
fn delete_message(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let id = field_str(args.object(0)?, "_id")?;
    let user = inv.user()?.clone();
    let message = message(inv, &id)?;
    inv.svc.messages().delete(&user, &message)?;
    Ok(None)
}

/// `setReaction(reaction, messageId, shouldReact?)`.
fn set_reaction(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let reaction = args.str(0)?;
    let id = args.str(1)?;
    let should_react = match args.get(2) {
        None => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(_) => return Err(match_failed()),
    };
    let user = inv.user()?.clone();
    inv.svc.messages().react(&user, &id, &reaction, should_react)?;
    Ok(None)
}

/// `pinMessage({_id})` → the `message_pinned` system message.
fn pin_message(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let id = field_str(args.object(0)?, "_id")?;
    let user = inv.user()?.clone();
    Ok(Some(ejson(&inv.svc.messages().pin(&user, &id)?)))
}

/// `unpinMessage({_id})` → `true`.
fn unpin_message(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let id = field_str(args.object(0)?, "_id")?;
    let user = inv.user()?.clone();
    inv.svc.messages().unpin(&user, &id)?;
    Ok(Some(json!(true)))
}

/// `starMessage({_id, rid, starred})` → `true`.
fn star_message(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let m = args.object(0)?;
    let id = field_str(m, "_id")?;
    let starred = m.get("starred").and_then(Value::as_bool).ok_or_else(match_failed)?;
    let user = inv.user()?.clone();
    inv.svc.messages().star(&user, &id, starred)?;
    Ok(Some(json!(true)))
}

/// `followMessage({mid})` / `unfollowMessage({mid})` → `true`.
fn follow(inv: &mut Invocation<'_>, args: &Args<'_>, on: bool) -> Outcome {
    let mid = field_str(args.object(0)?, "mid")?;
    let user = inv.user()?.clone();
    inv.svc.messages().follow(&user, &mid, on)?;
    Ok(Some(json!(true)))
}

/// `getSingleMessage(msgId)` → the message (nothing for an unknown id).
fn get_single_message(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let id = args.str(0)?;
    let user = inv.user()?.clone();
    match inv.svc.messages().get(&user, &id) {
        Ok(m) => Ok(Some(ejson(&m))),
        Err(Error::Api { kind: Kind::MessageNotFound, .. }) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// `getMessages(ids)` → the readable messages among them.
fn get_messages(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let ids = args.strings(0)?;
    let user = inv.user()?.clone();
    Ok(Some(ejson(&inv.svc.messages().get_many(&user, &ids)?)))
}

/// A `rid` the caller can't read makes the history methods answer `false`, as upstream.
fn readable_or_false(inv: &Invocation<'_>, rid: &str) -> Result<bool, Failure> {
    Ok(inv.svc.rooms().can_read_id(inv.user()?, rid)?)
}

/// `loadHistory(rid, end, limit = 20, ls, showThreadMessages = true)` →
/// `{messages, firstUnread?, unreadNotLoaded?}`.
fn load_history(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let rid = args.str(0)?;
    let end = args.date(1)?;
    let limit = args.count(2)?.unwrap_or(20).min(1000);
    let ls = args.date(3)?;
    let show_threads = args.bool(4, true)?;
    if !readable_or_false(inv, &rid)? {
        return Ok(Some(json!(false)));
    }
    let user = inv.user()?.clone();
    let page = inv.svc.messages().load_history(&user, &rid, end, limit, ls, show_threads)?;
    let mut out = Map::new();
    out.insert("messages".into(), ejson(&page.messages));
    if ls.is_some() {
        out.insert("firstUnread".into(), page.first_unread.as_ref().map_or(Value::Null, ejson));
        out.insert("unreadNotLoaded".into(), json!(page.unread_not_loaded));
    }
    Ok(Some(Value::Object(out)))
}

/// `loadNextMessages(rid, end, limit = 20)` → `{messages}`.
fn load_next_messages(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let rid = args.str(0)?;
    let end = args.date(1)?;
    let limit = args.count(2)?.unwrap_or(20).min(1000);
    if !readable_or_false(inv, &rid)? {
        return Ok(Some(json!(false)));
    }
    let user = inv.user()?.clone();
    Ok(Some(json!({"messages": ejson(&inv.svc.messages().load_next(&user, &rid, end, limit)?)})))
}

/// `loadSurroundingMessages({_id}, limit = 50)` → `{messages, moreBefore, moreAfter}`.
fn load_surrounding_messages(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let id = field_str(args.object(0)?, "_id")?;
    let limit = args.count(1)?.unwrap_or(50).min(1000);
    let user = inv.user()?.clone();
    match inv.svc.messages().load_surrounding(&user, &id, limit) {
        Ok((messages, before, after)) => {
            Ok(Some(json!({"messages": ejson(&messages), "moreBefore": before, "moreAfter": after})))
        }
        Err(Error::Api { kind: Kind::MessageNotFound | Kind::Forbidden | Kind::NotAllowed, .. }) => {
            Ok(Some(json!(false)))
        }
        Err(e) => Err(e.into()),
    }
}

/// `loadMissedMessages(rid, start)` → the messages after `start`.
fn load_missed_messages(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let rid = args.str(0)?;
    let start = args.date(1)?.ok_or_else(match_failed)?;
    if !readable_or_false(inv, &rid)? {
        return Ok(Some(json!(false)));
    }
    let user = inv.user()?.clone();
    Ok(Some(ejson(&inv.svc.messages().load_missed(&user, &rid, start)?)))
}

/// `getThreadMessages({tmid, limit?, skip?})` → the parent, then the replies newest first.
fn get_thread_messages(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let o = args.object(0)?;
    let tmid = field_str(o, "tmid")?;
    let limit = o.get("limit").and_then(Value::as_u64).map(|l| l as usize).filter(|l| *l > 0);
    let skip = o.get("skip").and_then(Value::as_u64).unwrap_or(0) as usize;
    let user = inv.user()?.clone();
    let svc = inv.svc;
    let filter = MessageFilter { offset: skip, limit, ..Default::default() };
    let list = svc.messages().thread_messages(&user, &tmid, filter)?;
    let parent = svc.messages().by_id(&tmid)?;
    let mut out: Vec<Value> = parent.iter().map(ejson).collect();
    out.extend(list.messages.iter().map(ejson));
    Ok(Some(Value::Array(out)))
}

/// `getThreadsList({rid, limit?, skip?})` → the threads, most recently active first.
fn get_threads_list(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let o = args.object(0)?;
    let rid = field_str(o, "rid")?;
    let limit = o.get("limit").and_then(Value::as_u64).map(|l| l as usize).filter(|l| *l > 0).or(Some(50));
    let skip = o.get("skip").and_then(Value::as_u64).unwrap_or(0) as usize;
    let user = inv.user()?.clone();
    let filter =
        MessageFilter { offset: skip, limit, sort: crate::store::MessageSort::ThreadLastMessage, ..Default::default() };
    let list = inv.svc.messages().threads(&user, &rid, crate::services::messages::ThreadListKind::All, None, filter)?;
    Ok(Some(ejson(&list.messages)))
}

/// `readThreads(tmid)`.
fn read_threads(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let tmid = args.str(0)?;
    let user = inv.user()?.clone();
    inv.svc.messages().read_thread(&user, &tmid)?;
    Ok(None)
}

/// `messageSearch(text, rid, limit = 20, offset = 0)` → `{message: {docs}}`; `false` for a room
/// the caller can't read.
fn message_search(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let text = args.str(0)?;
    let rid = args.opt_str(1)?.ok_or_else(match_failed)?;
    let limit = args.count(2)?.unwrap_or(20).min(1000);
    let offset = args.count(3)?.unwrap_or(0);
    if !readable_or_false(inv, &rid)? {
        return Ok(Some(json!(false)));
    }
    let user = inv.user()?.clone();
    let docs = inv.svc.messages().search(&user, &rid, &text, offset, limit)?;
    Ok(Some(time::ejson(|| json!({"message": {"docs": docs}}))))
}

/// `reportMessage(messageId, description)` → `true`.
fn report_message(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let id = args.str(0)?;
    let description = args.str(1)?;
    let user = inv.user()?.clone();
    inv.svc.messages().report(&user, &id, &description)?;
    Ok(Some(json!(true)))
}

/// `ignoreUser({rid, userId, ignore = true})` → `true`.
fn ignore_user(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let o = args.object(0)?;
    let rid = field_str(o, "rid")?;
    let other = field_str(o, "userId")?;
    let ignore = o.get("ignore").and_then(Value::as_bool).unwrap_or(true);
    let user = inv.user()?.clone();
    inv.svc.messages().ignore_user(&user, &rid, &other, ignore)?;
    Ok(Some(json!(true)))
}

/// `getReadReceipts({messageId})` → the receipts.
fn get_read_receipts(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let id = field_str(args.object(0)?, "messageId")?;
    let user = inv.user()?.clone();
    let receipts = inv.svc.messages().read_receipts(&user, &id)?;
    let receipts = receipts.into_iter().map(serde_json::to_value).collect::<serde_json::Result<Vec<_>>>();
    let receipts = receipts.map_err(crate::error::Error::from)?;
    Ok(Some(Value::Array(receipts.into_iter().map(|r| ejson_dates(r, &["ts"])).collect())))
}
