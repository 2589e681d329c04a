//! Rocket.Chat's built-in slash commands, ported from `apps/meteor/app/slashcommand*` as an
//! Orbit app. Each command keeps Rocket.Chat's name, i18n description, parameter hint, required
//! permission and user-visible texts. Failures are returned as `Err` and reach the invoker as
//! an ephemeral message; successes that Rocket.Chat confirms are confirmed the same way.

mod asciiarts;
mod membership;
mod rooms_admin;
mod texts;
mod user_commands;

use orbit_app_sdk::{App, Command, CommandContext, Provides};

/// A command handler.
type Handler = fn(&CommandContext) -> Result<(), String>;

/// One built-in command: its declaration and its handler.
struct Builtin {
    name: &'static str,
    params: &'static str,
    description: &'static str,
    permissions: &'static [&'static str],
    run: Handler,
}

const fn builtin(
    name: &'static str,
    params: &'static str,
    description: &'static str,
    permissions: &'static [&'static str],
    run: Handler,
) -> Builtin {
    Builtin { name, params, description, permissions, run }
}

const OPTIONAL_MESSAGE: &str = "your_message_optional";

/// Every built-in command, in Rocket.Chat's order of registration.
const BUILTINS: &[Builtin] = &[
    builtin("join", "#channel", "Join_the_given_channel", &["view-c-room"], membership::join),
    builtin("leave", "", "Leave_the_current_channel", &["leave-c", "leave-p"], membership::leave),
    builtin("part", "", "Leave_the_current_channel", &["leave-c", "leave-p"], membership::leave),
    builtin("invite", "@username", "Invite_user_to_join_channel", &["add-user-to-joined-room"], membership::invite),
    builtin("kick", "@username", "Remove_someone_from_room", &["remove-user"], membership::kick),
    builtin(
        "invite-all-to",
        "#room",
        "Invite_user_to_join_channel_all_to",
        &["add-user-to-joined-room", "add-user-to-any-c-room", "add-user-to-any-p-room"],
        membership::invite_all_to,
    ),
    builtin(
        "invite-all-from",
        "#room",
        "Invite_user_to_join_channel_all_from",
        &["add-user-to-joined-room"],
        membership::invite_all_from,
    ),
    builtin("topic", "Slash_Topic_Params", "Slash_Topic_Description", &["edit-room"], rooms_admin::topic),
    builtin("create", "#channel", "Create_A_New_Channel", &["create-c", "create-p"], rooms_admin::create),
    builtin("archive", "#channel", "Archive", &["archive-room"], rooms_admin::archive),
    builtin("unarchive", "#channel", "Unarchive", &["unarchive-room"], rooms_admin::unarchive),
    builtin("mute", "@username", "Mute_someone_in_room", &["mute-user"], rooms_admin::mute),
    builtin("unmute", "@username", "Unmute_someone_in_room", &["mute-user"], rooms_admin::unmute),
    builtin("me", "your_message", "Displays_action_text", &[], asciiarts::me),
    builtin("msg", "@username <message>", "Direct_message_someone", &["create-d"], user_commands::msg),
    builtin("status", "Slash_Status_Params", "Slash_Status_Description", &[], user_commands::status),
    builtin("help", "", "Show_the_keyboard_shortcut_list", &[], user_commands::help),
    builtin("shrug", OPTIONAL_MESSAGE, "Slash_Shrug_Description", &[], asciiarts::shrug),
    builtin("tableflip", OPTIONAL_MESSAGE, "Slash_Tableflip_Description", &[], asciiarts::tableflip),
    builtin("unflip", OPTIONAL_MESSAGE, "Slash_TableUnflip_Description", &[], asciiarts::unflip),
    builtin("lennyface", OPTIONAL_MESSAGE, "Slash_LennyFace_Description", &[], asciiarts::lennyface),
    builtin("gimme", OPTIONAL_MESSAGE, "Slash_Gimme_Description", &[], asciiarts::gimme),
];

struct BuiltinCommands;

impl App for BuiltinCommands {
    fn provides() -> Provides {
        Provides::commands(
            BUILTINS.iter().map(|b| Command::new(b.name, b.description).params(b.params).permissions(b.permissions)),
        )
    }

    fn execute(ctx: &CommandContext) -> Result<(), String> {
        let builtin = BUILTINS
            .iter()
            .find(|b| b.name == ctx.command)
            .ok_or_else(|| format!("Unknown command /{}", ctx.command))?;
        (builtin.run)(ctx)
    }
}

orbit_app_sdk::export_app!(BuiltinCommands);
