//! `/msg`, `/status`, `/help`.

use orbit_app_sdk::rooms;
use orbit_app_sdk::{CommandContext, HostError, chat, users};

use crate::texts;

/// `/msg @user text`: sends `text` to `user` in a direct message from the invoker.
pub fn msg(ctx: &CommandContext) -> Result<(), String> {
    let params = ctx.params.trim();
    let Some((target, text)) = params.split_once(' ') else {
        return Err(texts::USERNAME_AND_MESSAGE_EMPTY.into());
    };
    let username = target.replacen('@', "", 1);
    if users::by_username(&username)?.is_none() {
        return Err(texts::username_doesnt_exist(target));
    }
    let room_id = rooms::open_direct(&username)?;
    chat::post(&room_id, None, text, chat::Actor::Invoker)?;
    Ok(())
}

/// `/status text`: sets the invoker's status message and confirms it.
pub fn status(ctx: &CommandContext) -> Result<(), String> {
    match users::set_status_text(&ctx.params) {
        Ok(()) => Ok(chat::notify(ctx, texts::STATUS_CHANGED)?),
        Err(HostError::Denied(_)) => Err(texts::STATUS_CHANGE_DISABLED.into()),
        Err(error) => Err(error.into()),
    }
}

/// `/help`: shows the keyboard shortcuts to the invoker.
pub fn help(ctx: &CommandContext) -> Result<(), String> {
    let text: String = texts::SHORTCUTS.iter().map(|(line, keys)| format!("\n{}", line.replace("%s", keys))).collect();
    Ok(chat::notify(ctx, &text)?)
}
