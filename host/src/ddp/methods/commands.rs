//! Slash-command methods: `slashCommand` (what older clients call instead of `commands.run`)
//! and `getSlashCommandPreviews` / `executeSlashCommandPreview`, thin adapters over
//! `services::commands`.

use serde_json::{Map, Value};

use super::{Args, Failure, Invocation, MethodDef, Outcome, field_opt_str, logged, match_failed};
use crate::error::Kind;
use crate::services::commands::{Invocation as CommandInvocation, PreviewChoice};

/// The methods of this family.
pub const METHODS: &[MethodDef] = &[
    logged("slashCommand", slash_command),
    logged("getSlashCommandPreviews", previews),
    logged("executeSlashCommandPreview", execute_preview),
];

/// `Invalid Command Provided`, as upstream's methods answer an unknown command.
fn invalid_command(method: &str) -> Failure {
    Kind::InvalidCommand
        .with_message("Invalid Command Provided")
        .with_details(serde_json::json!({"method": method}))
        .into()
}

/// Reads `{cmd, params, msg: {rid, tmid}, triggerId}`.
fn command_of(inv: &Invocation<'_>, obj: &Map<String, Value>, method: &str) -> Result<CommandInvocation, Failure> {
    let command = field_opt_str(obj, "cmd")?.filter(|c| !c.is_empty()).ok_or_else(|| invalid_command(method))?;
    let command = command.trim_start_matches('/').to_lowercase();
    if !inv.svc.commands().exists(&command) {
        return Err(invalid_command(method));
    }
    let msg = obj.get("msg").and_then(Value::as_object).ok_or_else(match_failed)?;
    let room_id = field_opt_str(msg, "rid")?.filter(|r| !r.is_empty()).ok_or(Kind::InvalidCommandUsage)?;
    Ok(CommandInvocation {
        command,
        params: field_opt_str(obj, "params")?.unwrap_or_default(),
        room_id,
        tmid: field_opt_str(msg, "tmid")?.filter(|t| !t.is_empty()),
        trigger_id: field_opt_str(obj, "triggerId")?.filter(|t| !t.is_empty()),
    })
}

/// `slashCommand`: `[{cmd, params, msg: {rid, tmid}, triggerId}]` runs the command; no result.
fn slash_command(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let obj = args.object(0)?;
    let command = command_of(inv, obj, "slashCommand")?;
    let user = inv.user()?.clone();
    inv.svc.commands().run(&user, &command)?;
    Ok(None)
}

/// `getSlashCommandPreviews`: `[{cmd, params, msg: {rid}}]` → `{i18nTitle, items}`.
fn previews(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let obj = args.object(0)?;
    let command = command_of(inv, obj, "getSlashCommandPreviews")?;
    let user = inv.user()?.clone();
    let preview = inv.svc.commands().preview(&user, &command)?;
    Ok(Some(serde_json::to_value(preview).map_err(crate::error::Error::from)?))
}

/// `executeSlashCommandPreview`: `[{cmd, params, msg: {rid, tmid}, triggerId}, {id, type, value}]`.
fn execute_preview(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let obj = args.object(0)?;
    let command = command_of(inv, obj, "executeSlashCommandPreview")?;
    let item = args.object(1)?;
    let item = PreviewChoice {
        id: field_opt_str(item, "id")?.unwrap_or_default(),
        kind: field_opt_str(item, "type")?.unwrap_or_default(),
        value: field_opt_str(item, "value")?.unwrap_or_default(),
    };
    let user = inv.user()?.clone();
    inv.svc.commands().execute_preview_item(&user, &command, &item)?;
    Ok(None)
}
