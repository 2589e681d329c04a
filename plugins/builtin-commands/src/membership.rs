//! `/join`, `/leave` (`/part`), `/invite`, `/kick`, `/invite-all-to`, `/invite-all-from`.

use orbit_app_sdk::rooms::{self, NewRoomKind, Room, RoomKind};
use orbit_app_sdk::{CommandContext, HostError, chat, settings, users};

use crate::texts;

/// Rocket.Chat's `API_User_Limit` default: the most members `/invite-all-*` copies.
const DEFAULT_USER_LIMIT: u32 = 500;

/// The trimmed parameter without its first `prefix` (`#` or `@`), or `None` when empty.
pub fn name_param(ctx: &CommandContext, prefix: &str) -> Option<String> {
    let name = ctx.params.trim().replacen(prefix, "", 1);
    (!name.is_empty()).then_some(name)
}

/// `/join #channel`: the invoker joins a public channel.
pub fn join(ctx: &CommandContext) -> Result<(), String> {
    let Some(channel) = name_param(ctx, "#") else {
        return Ok(());
    };
    let room = rooms::by_name(&channel)?
        .filter(|room| room.kind == RoomKind::Channel)
        .ok_or_else(|| texts::channel_doesnt_exist(&channel))?;
    if rooms::is_member(&room.id, &ctx.sender_id)? {
        return Err(texts::ALREADY_IN_CHANNEL.into());
    }
    Ok(rooms::join(&room.id)?)
}

/// `/leave` and `/part`: the invoker leaves the current room.
pub fn leave(ctx: &CommandContext) -> Result<(), String> {
    Ok(rooms::leave(&ctx.room_id)?)
}

/// `/invite @a @b,c`: adds users to the current room, telling the invoker about anyone
/// already in it.
pub fn invite(ctx: &CommandContext) -> Result<(), String> {
    let usernames: Vec<&str> = ctx
        .params
        .split(|c: char| c.is_whitespace() || c == ',')
        .map(|name| name.strip_prefix('@').unwrap_or(name))
        .filter(|name| !name.is_empty())
        .collect();
    if usernames.is_empty() {
        return Ok(());
    }
    let mut found = Vec::new();
    for name in &usernames {
        if let Some(user) = users::by_username(name)? {
            found.push(user);
        }
    }
    if found.is_empty() {
        return Err(texts::user_doesnt_exist(&usernames.join(" @")));
    }
    for user in found {
        if rooms::is_member(&ctx.room_id, &user.id)? {
            chat::notify(ctx, &texts::username_already_here(&user.username))?;
        } else if let Err(error) = rooms::invite(&ctx.room_id, &[user.username]) {
            chat::notify(ctx, error.reason())?;
        }
    }
    Ok(())
}

/// `/kick @user`: removes a user from the current room.
pub fn kick(ctx: &CommandContext) -> Result<(), String> {
    let Some(username) = name_param(ctx, "@") else {
        return Ok(());
    };
    require_user(&username)?;
    Ok(rooms::kick(&ctx.room_id, &username)?)
}

/// Fails with Rocket.Chat's "username does not exist" text unless the user exists.
pub fn require_user(username: &str) -> Result<(), String> {
    match users::by_username(username)? {
        Some(_) => Ok(()),
        None => Err(texts::username_doesnt_exist(username)),
    }
}

/// `/invite-all-to #room`: adds every member of the current room to `#room`, creating it
/// (with the current room's type) when it does not exist.
pub fn invite_all_to(ctx: &CommandContext) -> Result<(), String> {
    let Some(channel) = name_param(ctx, "#") else {
        return Ok(());
    };
    let base = rooms::by_id(&ctx.room_id)?;
    let target = rooms::by_name(&channel)?;
    invite_all(ctx, &channel, base, target)
}

/// `/invite-all-from #room`: adds every member of `#room` to the current room. A private group
/// the invoker is not in counts as missing, so its members stay private.
pub fn invite_all_from(ctx: &CommandContext) -> Result<(), String> {
    let Some(channel) = name_param(ctx, "#") else {
        return Ok(());
    };
    let base = match rooms::by_name(&channel)? {
        // A private group's members are not copied by someone outside it.
        Some(room) if room.kind == RoomKind::Group && !rooms::is_member(&room.id, &ctx.sender_id)? => None,
        base => base,
    };
    let target = rooms::by_id(&ctx.room_id)?;
    invite_all(ctx, &channel, base, target)
}

fn invite_all(ctx: &CommandContext, channel: &str, base: Option<Room>, target: Option<Room>) -> Result<(), String> {
    let base = base.ok_or_else(|| texts::channel_doesnt_exist(channel))?;
    let limit = user_limit()?;
    if limit == 0 {
        return Ok(());
    }
    let members = rooms::member_usernames(&base.id, limit.saturating_add(1))?;
    if members.len() > limit as usize {
        return Err(texts::USER_LIMIT_EXCEEDED.into());
    }
    match (target, base.kind) {
        (Some(target), _) => rooms::invite(&target.id, &members)?,
        (None, RoomKind::Channel | RoomKind::Group) => {
            let kind = match base.kind {
                RoomKind::Channel => NewRoomKind::Channel,
                _ => NewRoomKind::Group,
            };
            rooms::create(channel, kind, &members)?;
            chat::notify(ctx, &texts::channel_created(channel))?;
        }
        (None, _) => return Err(texts::channel_doesnt_exist(channel)),
    }
    Ok(chat::notify(ctx, texts::USERS_ADDED)?)
}

/// The server's `API_User_Limit`, or Rocket.Chat's default. Rocket.Chat copies nobody when it
/// is 0.
fn user_limit() -> Result<u32, HostError> {
    Ok(settings::server("API_User_Limit")?.and_then(|v| v.trim().parse().ok()).unwrap_or(DEFAULT_USER_LIMIT))
}
