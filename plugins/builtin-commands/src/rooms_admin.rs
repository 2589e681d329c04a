//! `/topic`, `/create`, `/archive`, `/unarchive`, `/mute`, `/unmute`.

use orbit_app_sdk::rooms::{self, NewRoomKind, Room, RoomKind};
use orbit_app_sdk::{CommandContext, chat, settings};
use regex_lite::Regex;

use crate::membership::{name_param, require_user};
use crate::texts;

/// Rocket.Chat's default `UTF8_Channel_Names_Validation`.
const DEFAULT_CHANNEL_NAME_PATTERN: &str = "[0-9a-zA-Z-_.]+";

/// `/topic text`: sets the current room's topic (empty clears it).
pub fn topic(ctx: &CommandContext) -> Result<(), String> {
    Ok(rooms::set_topic(&ctx.room_id, &ctx.params)?)
}

/// `/create #name [--private | private]`: creates a channel, or a private group.
/// The name is the first match of the server's channel-name pattern.
pub fn create(ctx: &CommandContext) -> Result<(), String> {
    let pattern = settings::server_string("UTF8_Channel_Names_Validation")?
        .unwrap_or_else(|| DEFAULT_CHANNEL_NAME_PATTERN.into());
    let pattern = Regex::new(&pattern).map_err(|e| format!("Invalid channel name pattern: {e}"))?;
    let Some(name) = pattern.find(ctx.params.trim()).map(|m| m.as_str()) else {
        return Ok(());
    };
    if name.is_empty() {
        return Ok(());
    }
    if rooms::by_name(name)?.is_some() {
        return Err(texts::channel_already_exist(name));
    }
    let private = wants_private(&ctx.params);
    let kind = if private { NewRoomKind::Group } else { NewRoomKind::Channel };
    rooms::create(name, kind, &[])?;
    Ok(())
}

/// Whether `/create` asks for a private group: Rocket.Chat's `--private` flag, or the word
/// `private` after the name (`/create #name private`).
fn wants_private(params: &str) -> bool {
    let flags = Regex::new(r"--(\w+)").expect("valid flag pattern");
    flags.captures_iter(params).any(|flag| &flag[1] == "private")
        || params.split_whitespace().skip(1).any(|word| word.eq_ignore_ascii_case("private"))
}

/// The room named in the parameter, or the current room; with the name to show.
fn room_param(ctx: &CommandContext) -> Result<(String, Room), String> {
    let (channel, room) = match name_param(ctx, "#") {
        Some(channel) => {
            let room = rooms::by_name(&channel)?;
            (channel, room)
        }
        None => {
            let room = rooms::by_id(&ctx.room_id)?;
            let channel = room.as_ref().and_then(|r| r.name.clone()).unwrap_or_default();
            (channel, room)
        }
    };
    let room = room.ok_or_else(|| texts::channel_doesnt_exist(&channel))?;
    if room.kind == RoomKind::Direct {
        return Err("Room type: d can not be archived".into());
    }
    Ok((channel, room))
}

/// `/archive [#channel]`: archives the named or current room.
pub fn archive(ctx: &CommandContext) -> Result<(), String> {
    let (channel, room) = room_param(ctx)?;
    if room.archived {
        return Err(texts::duplicate_archived_channel(&channel));
    }
    rooms::archive(&room.id)?;
    Ok(chat::notify(ctx, &texts::channel_archived(&channel))?)
}

/// `/unarchive [#channel]`: unarchives the named or current room.
pub fn unarchive(ctx: &CommandContext) -> Result<(), String> {
    let (channel, room) = room_param(ctx)?;
    if !room.archived {
        return Err(texts::channel_already_unarchived(&channel));
    }
    rooms::unarchive(&room.id)?;
    Ok(chat::notify(ctx, &texts::channel_unarchived(&channel))?)
}

/// `/mute @user`: mutes a user in the current room.
pub fn mute(ctx: &CommandContext) -> Result<(), String> {
    let Some(username) = name_param(ctx, "@") else {
        return Ok(());
    };
    require_user(&username)?;
    Ok(rooms::mute(&ctx.room_id, &username)?)
}

/// `/unmute @user`: unmutes a user in the current room.
pub fn unmute(ctx: &CommandContext) -> Result<(), String> {
    let Some(username) = name_param(ctx, "@") else {
        return Ok(());
    };
    require_user(&username)?;
    Ok(rooms::unmute(&ctx.room_id, &username)?)
}
