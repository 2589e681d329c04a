//! Subscription methods: the caller's own state in a room (sync, open/hidden, favorite, read
//! position, notification preferences), thin adapters over `services::subscriptions` — the
//! functions `subscriptions.*` and `rooms.*` REST endpoints call — with upstream's parameters
//! and answers.

use serde_json::{Value, json};

use super::rooms::{changes, with_method};
use super::{Args, Invocation, MethodDef, Outcome, anon, logged, match_failed};
use crate::error::Kind;
use crate::models::{Subscription, User};
use crate::services::subscriptions::Subscriptions;
use crate::time;

/// The methods of this family.
pub const METHODS: &[MethodDef] = &[
    method!(anon "subscriptions/get", subscriptions_get),
    method!("hideRoom", hide_room),
    method!("openRoom", open_room),
    method!("toggleFavorite", toggle_favorite),
    method!("readMessages", read_messages),
    method!("unreadMessages", unread_messages),
    method!("saveNotificationSettings", save_notification_settings),
];

/// `subscriptions/get([{$date}])` → the caller's subscriptions, or `{update, remove}` since
/// the date. Logged out: `[]`.
fn subscriptions_get(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let since = args.date(0)?;
    let Some(caller) = inv.caller.as_ref() else {
        return Ok(Some(json!([])));
    };
    let c = inv.svc.subscriptions().get(&caller.user, since)?;
    Ok(Some(time::ejson(|| changes(serde_json::to_value(&c.update).unwrap_or_default(), &c.remove, since.is_some()))))
}

/// `hideRoom(rid)` → how many subscriptions changed: 1, or 0 when the caller has no
/// subscription or it is already hidden.
fn hide_room(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    change_subscription(inv, args, |sub| sub.open || sub.alert, |subs, user, rid| subs.hide(user, rid))
}

/// `openRoom(rid)` → 1, or 0 when there is no subscription or it is already open.
fn open_room(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    change_subscription(inv, args, |sub| !sub.open, |subs, user, rid| subs.open(user, rid))
}

/// Applies `change` to the caller's subscription of the room `rid` (the first parameter) when
/// `needed` says it would change it → 1, else 0 (also when there is no subscription).
fn change_subscription(
    inv: &Invocation<'_>,
    args: &Args<'_>,
    needed: fn(&Subscription) -> bool,
    change: fn(&Subscriptions<'_>, &User, &str) -> crate::error::Result<Subscription>,
) -> Outcome {
    let rid = args.str(0)?;
    let user = inv.user()?.clone();
    let subs = inv.svc.subscriptions();
    let changed = match subs.get_one(&user, &rid)? {
        Some(sub) if needed(&sub) => {
            change(&subs, &user, &rid)?;
            1
        }
        _ => 0,
    };
    Ok(Some(json!(changed)))
}

/// `toggleFavorite(rid, f?)` (`f` defaults to true) → 1, or 0 when it already was.
fn toggle_favorite(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let rid = args.str(0)?;
    let favorite = args.bool(1, true)?;
    let user = inv.user()?.clone();
    let Some(sub) = inv.svc.subscriptions().get_one(&user, &rid)? else {
        return Err(Kind::InvalidSubscription.with_message("You must be part of a room to favorite it").into());
    };
    if sub.f == favorite {
        return Ok(Some(json!(0)));
    }
    inv.svc.subscriptions().favorite(&user, &rid, favorite)?;
    Ok(Some(json!(1)))
}

/// `readMessages(rid, readThreads?)` → nothing. Reading a room one can see but isn't in is a
/// no-op, as upstream.
fn read_messages(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let rid = args.str(0)?;
    let read_threads = args.bool(1, false)?;
    let user = inv.user()?.clone();
    inv.svc.subscriptions().read_if_member(&user, &rid, read_threads)?;
    Ok(None)
}

/// `unreadMessages(firstUnreadMessage?, room?)` → nothing. A room id marks the room unread
/// from its last message; otherwise `firstUnreadMessage._id` (someone else's message) is the
/// first unread one.
fn unread_messages(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let user = inv.user()?.clone();
    let subs = inv.svc.subscriptions();
    if let Some(Value::String(rid)) = args.get(1).filter(|v| v.as_str().is_some_and(|s| !s.is_empty())) {
        subs.unread(&user, None, Some(rid))?;
        return Ok(None);
    }
    match args.get(0).and_then(|m| m.get("_id")).and_then(Value::as_str) {
        Some(mid) => subs.unread(&user, Some(mid), None)?,
        None => return Err(Kind::ActionNotAllowed.into()),
    };
    Ok(None)
}

/// `saveNotificationSettings(rid, field, value)` (all strings) → `true`.
fn save_notification_settings(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let rid = args.str(0)?;
    let field = args.str(1)?;
    let value = match args.0.get(2) {
        Some(Value::String(s)) => s.clone(),
        _ => return Err(match_failed()),
    };
    let user = inv.user()?.clone();
    inv.svc.subscriptions().save_notification(&user, &rid, &field, &json!(value))?;
    Ok(Some(json!(true)))
}
