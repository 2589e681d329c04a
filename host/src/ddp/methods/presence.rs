//! Presence and activity methods: `UserPresence:setDefaultStatus`, `UserPresence:away`,
//! `UserPresence:online`, `setUserStatus`, and `stream-notify-room` called as a method (typing).

use serde_json::{Value, json};

use super::{Args, Invocation, MethodDef, Outcome, logged, match_failed};
use crate::error::Kind;

/// The methods of this family.
pub const METHODS: &[MethodDef] = &[
    logged("UserPresence:setDefaultStatus", set_default_status),
    logged("UserPresence:away", away),
    logged("UserPresence:online", online),
    logged("setUserStatus", set_user_status),
    logged("stream-notify-room", notify_room),
];

/// `UserPresence:setDefaultStatus`: `["online"|"away"|"busy"|"offline"]` → `true`.
fn set_default_status(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let status = args.str(0)?;
    let user = inv.user()?.clone();
    inv.svc.presence().set_default_status(&user, &status)?;
    Ok(Some(json!(true)))
}

fn connection_status(inv: &mut Invocation<'_>, status: &'static str) -> Outcome {
    let ctx = inv.connection()?.clone();
    let uid = inv.user()?.id.clone();
    ctx.hub.presence.set_status(&ctx.hub, &uid, ctx.conn.id, status);
    Ok(Some(json!(true)))
}

/// `UserPresence:away`: this connection is idle.
fn away(inv: &mut Invocation<'_>, _: &Args<'_>) -> Outcome {
    connection_status(inv, "away")
}

/// `UserPresence:online`: this connection is active again.
fn online(inv: &mut Invocation<'_>, _: &Args<'_>) -> Outcome {
    connection_status(inv, "online")
}

/// `setUserStatus`: `[status?, statusText?]` sets the chosen status and the status message.
fn set_user_status(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let user = inv.user()?.clone();
    let status = args.opt_str(0)?;
    let text = args.opt_str(1)?;
    let presence = inv.svc.presence();
    if let Some(status) = status.filter(|s| !s.is_empty()) {
        presence.set_default_status(&user, &status)?;
    }
    if let Some(text) = text {
        presence.set_status_text(&user, text.trim())?;
    }
    Ok(None)
}

/// `stream-notify-room` as a method: `["<rid>/user-activity", username, [activities], extra?]` or
/// the older `["<rid>/typing", username, bool]`.
fn notify_room(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let event = args.str(0)?;
    let Some((rid, kind)) = event.split_once('/') else { return Err(Kind::RealtimeNotAllowed.into()) };
    let username = args.str(1)?;
    let (activities, extra) = match kind {
        "typing" => (if args.bool(2, false)? { vec!["user-typing".to_string()] } else { Vec::new() }, json!({})),
        "user-activity" => {
            let activities = args.strings(2)?;
            let extra = match args.get(3) {
                None => json!({}),
                Some(v @ Value::Object(_)) => v.clone(),
                Some(_) => return Err(match_failed()),
            };
            (activities, extra)
        }
        _ => return Err(Kind::RealtimeNotAllowed.into()),
    };
    let user = inv.user()?.clone();
    inv.svc.presence().notify_activity(&user, rid, &username, activities, extra)?;
    Ok(None)
}
