//! Rocket.Chat's default roles: `(id, scope, description, protected)`.

/// Every default role. `Users` roles are global; `Subscriptions` roles apply in one room.
pub const ROLES: &[(&str, &str, &str)] = &[
    ("admin", "Users", "Admin"),
    ("moderator", "Subscriptions", "Moderator"),
    ("leader", "Subscriptions", "Leader"),
    ("owner", "Subscriptions", "Owner"),
    ("user", "Users", "User"),
    ("bot", "Users", "Bot"),
    ("app", "Users", "App"),
    ("guest", "Users", "Guest"),
    ("anonymous", "Users", "Anonymous"),
    ("livechat-agent", "Users", "Livechat Agent"),
    ("livechat-manager", "Users", "Livechat Manager"),
    ("livechat-monitor", "Users", "Livechat Monitor"),
    ("livechat-guest", "Users", "Livechat Guest"),
];
