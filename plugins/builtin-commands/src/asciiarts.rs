//! `/me` and the ASCII-art commands: each posts the invoker's text, decorated, as the invoker.

use orbit_app_sdk::{CommandContext, chat};

fn post(ctx: &CommandContext, text: String) -> Result<(), String> {
    chat::send_as_invoker(ctx, &text)?;
    Ok(())
}

/// `/me text` posts `_text_` (an action message); nothing for empty text.
pub fn me(ctx: &CommandContext) -> Result<(), String> {
    if ctx.params.trim().is_empty() {
        return Ok(());
    }
    post(ctx, format!("_{}_", ctx.params))
}

/// `/shrug [text]` posts `text ¯\\_(ツ)_/¯`.
pub fn shrug(ctx: &CommandContext) -> Result<(), String> {
    post(ctx, format!("{} ¯\\\\_(ツ)_/¯", ctx.params))
}

/// `/tableflip [text]` posts `text (╯°□°）╯︵ ┻━┻`.
pub fn tableflip(ctx: &CommandContext) -> Result<(), String> {
    post(ctx, format!("{} (╯°□°）╯︵ ┻━┻", ctx.params))
}

/// `/unflip [text]` posts `text ┬─┬ ノ( ゜-゜ノ)`.
pub fn unflip(ctx: &CommandContext) -> Result<(), String> {
    post(ctx, format!("{} ┬─┬ ノ( ゜-゜ノ)", ctx.params))
}

/// `/lennyface [text]` posts `text ( ͡° ͜ʖ ͡°)`.
pub fn lennyface(ctx: &CommandContext) -> Result<(), String> {
    post(ctx, format!("{} ( ͡° ͜ʖ ͡°)", ctx.params))
}

/// `/gimme [text]` posts `༼ つ ◕_◕ ༽つ text`.
pub fn gimme(ctx: &CommandContext) -> Result<(), String> {
    post(ctx, format!("༼ つ ◕_◕ ༽つ {}", ctx.params))
}
