//! Rocket.Chat's English texts (`packages/i18n/src/locales/en.i18n.json`) for the messages
//! the built-in commands show.

pub fn channel_doesnt_exist(channel: &str) -> String {
    format!("The channel `#{channel}` does not exist")
}

pub fn channel_already_exist(channel: &str) -> String {
    format!("The channel `#{channel}` already exists.")
}

pub fn channel_created(channel: &str) -> String {
    format!("Channel `#{channel}` created.")
}

pub fn channel_archived(channel: &str) -> String {
    format!("Channel with name `#{channel}` has been archived successfully")
}

pub fn channel_unarchived(channel: &str) -> String {
    format!("Channel with name `#{channel}` has been Unarchived successfully")
}

pub fn duplicate_archived_channel(channel: &str) -> String {
    format!("An archived Channel with name `#{channel}` exists")
}

pub fn channel_already_unarchived(channel: &str) -> String {
    format!("Channel with name `#{channel}` is already in Unarchived state")
}

pub fn user_doesnt_exist(usernames: &str) -> String {
    format!("The user `@{usernames}` does not exist")
}

pub fn username_doesnt_exist(username: &str) -> String {
    format!("The username `{username}` does not exist")
}

pub fn username_already_here(username: &str) -> String {
    format!("`@{username}` is already in here.")
}

pub const ALREADY_IN_CHANNEL: &str = "You are already in the channel";
pub const USERS_ADDED: &str = "The users have been added";
pub const USER_LIMIT_EXCEEDED: &str = "User Limit Exceeded";
pub const USERNAME_AND_MESSAGE_EMPTY: &str = "Username and message must not be empty.";
pub const STATUS_CHANGED: &str = "Status message changed successfully.";
pub const STATUS_CHANGE_DISABLED: &str = "This Rocket.Chat administrator has disabled status changes";

/// `/help`'s keyboard shortcuts: (i18n text with `%s`, shortcut).
pub const SHORTCUTS: &[(&str, &str)] = &[
    ("`%s` - Open Channel / User search", "Command (or Ctrl) + p OR Command (or Ctrl) + k"),
    ("`%s` - Mark all messages (in all channels) as read", "Shift (or Ctrl) + ESC"),
    ("`%s` - Edit previous message", "Up Arrow"),
    ("`%s` - Move to the beginning of the message", "Command (or Alt) + Left Arrow"),
    ("`%s` - Move to the beginning of the message", "Command (or Alt) + Up Arrow"),
    ("`%s` - Move to the end of the message", "Command (or Alt) + Right Arrow"),
    ("`%s` - Move to the end of the message", "Command (or Alt) + Down Arrow"),
    ("`%s` - New line in message compose input", "Shift + Enter"),
];
