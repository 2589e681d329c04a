//! Apps-Engine permission names and the WIT interfaces each one unlocks.

use std::fmt;
use std::str::FromStr;

macro_rules! permissions {
    ($($variant:ident => $name:literal,)*) => {
        /// An Apps-Engine app permission, declared in `app.json` and granted at install.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Permission {
            $(#[doc = concat!("`", $name, "`")] $variant,)*
        }

        impl Permission {
            /// Every known permission.
            pub const ALL: &[Permission] = &[$(Permission::$variant,)*];

            /// The Apps-Engine name, e.g. `message.write`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Permission::$variant => $name,)*
                }
            }
        }

        impl FromStr for Permission {
            type Err = String;

            fn from_str(name: &str) -> Result<Self, String> {
                match name {
                    $($name => Ok(Permission::$variant),)*
                    _ => Err(format!("unknown permission `{name}`")),
                }
            }
        }
    };
}

permissions! {
    UserRead => "user.read",
    UserWrite => "user.write",
    UploadRead => "upload.read",
    UploadWrite => "upload.write",
    ServerSettingRead => "server-setting.read",
    ServerSettingWrite => "server-setting.write",
    RoomRead => "room.read",
    RoomWrite => "room.write",
    MessageRead => "message.read",
    MessageWrite => "message.write",
    LivechatStatusRead => "livechat-status.read",
    LivechatCustomFieldsWrite => "livechat-custom-fields.write",
    LivechatVisitorRead => "livechat-visitor.read",
    LivechatVisitorWrite => "livechat-visitor.write",
    LivechatMessageRead => "livechat-message.read",
    LivechatMessageWrite => "livechat-message.write",
    LivechatRoomRead => "livechat-room.read",
    LivechatRoomWrite => "livechat-room.write",
    LivechatDepartmentRead => "livechat-department.read",
    LivechatDepartmentWrite => "livechat-department.write",
    Slashcommand => "slashcommand",
    Apis => "apis",
    EnvRead => "env.read",
    Networking => "networking",
    Persistence => "persistence",
    Scheduler => "scheduler",
    UiInteract => "ui.interact",
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What an `orbit:apps` import interface needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Requirement {
    /// Always allowed (logging, own settings, shared types).
    Always,
    /// Needs this permission.
    Permission(Permission),
}

/// The `orbit:apps` interfaces apps may import, with what each needs. The single source of
/// truth for both load-time validation and call-time checks.
pub const IMPORTS: &[(&str, Requirement)] = &[
    ("types", Requirement::Always),
    ("log", Requirement::Always),
    ("app-settings", Requirement::Always),
    ("server-settings", Requirement::Permission(Permission::ServerSettingRead)),
    ("rooms", Requirement::Permission(Permission::RoomRead)),
    ("users", Requirement::Permission(Permission::UserRead)),
    ("messages", Requirement::Permission(Permission::MessageRead)),
    ("message-writer", Requirement::Permission(Permission::MessageWrite)),
    ("notifier", Requirement::Permission(Permission::MessageWrite)),
    ("room-actions", Requirement::Permission(Permission::RoomWrite)),
    ("user-actions", Requirement::Permission(Permission::UserWrite)),
];

/// What an `orbit:apps` import interface (name without package and version) needs, or `None`
/// for an interface this host does not provide.
pub fn requirement(interface: &str) -> Option<Requirement> {
    IMPORTS.iter().find(|(name, _)| *name == interface).map(|(_, requirement)| *requirement)
}

/// The permission an import interface needs, for call-time checks.
pub(crate) fn required_for(interface: &str) -> Option<Permission> {
    match requirement(interface) {
        Some(Requirement::Permission(permission)) => Some(permission),
        _ => None,
    }
}

/// A set of granted permissions.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Grants(Vec<Permission>);

impl Grants {
    /// Grants exactly these permissions.
    pub fn new(permissions: impl IntoIterator<Item = Permission>) -> Self {
        let mut list: Vec<Permission> = permissions.into_iter().collect();
        list.sort();
        list.dedup();
        Grants(list)
    }

    /// Whether `permission` is granted.
    pub fn allows(&self, permission: Permission) -> bool {
        self.0.binary_search(&permission).is_ok()
    }

    /// The granted permissions, sorted.
    pub fn as_slice(&self) -> &[Permission] {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        assert_eq!(Permission::ALL.len(), 27);
        for permission in Permission::ALL {
            assert_eq!(permission.as_str().parse::<Permission>(), Ok(*permission));
        }
        assert!("message.delete".parse::<Permission>().is_err());
    }

    #[test]
    fn every_import_is_known() {
        assert_eq!(required_for("rooms"), Some(Permission::RoomRead));
        assert_eq!(requirement("log"), Some(Requirement::Always));
        assert_eq!(requirement("persistence"), None);
    }
}
