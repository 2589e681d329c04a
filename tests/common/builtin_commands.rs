//! What the built-in commands app provides; shared by the runtime's and the server's tests.

/// The slash commands of the built-in commands app, Rocket.Chat's own.
pub const BUILTIN_COMMANDS: &[&str] = &[
    "join",
    "leave",
    "part",
    "invite",
    "kick",
    "topic",
    "me",
    "msg",
    "create",
    "archive",
    "unarchive",
    "mute",
    "unmute",
    "status",
    "invite-all-to",
    "invite-all-from",
    "shrug",
    "tableflip",
    "unflip",
    "lennyface",
    "gimme",
    "help",
];
