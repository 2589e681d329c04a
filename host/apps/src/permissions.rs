//! Apps-Engine permission names. What each one unlocks is in [`crate::capabilities`]; those
//! that unlock nothing yet are marked reserved: an app may declare them, and they grant nothing.
//!
//! Two are Orbit's own, for reaching beyond the user at hand, which the admin grants by
//! installing an app that declares them: `orbit.notify-any-user` (ephemeral messages to users
//! other than the command's invoker) and `orbit.access-any-room` (reading and posting in rooms
//! neither the invoker nor the app's bot user can access).

use std::fmt;
use std::str::FromStr;

macro_rules! permissions {
    (@reserved reserved) => { true };
    (@reserved) => { false };
    ($($variant:ident => $name:literal $($reserved:ident)?,)*) => {
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

            /// Whether the permission is reserved: known to the manifest, unlocking nothing yet.
            pub fn is_reserved(self) -> bool {
                match self {
                    $(Permission::$variant => permissions!(@reserved $($reserved)?),)*
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
    UploadRead => "upload.read" reserved,
    UploadWrite => "upload.write" reserved,
    ServerSettingRead => "server-setting.read",
    ServerSettingWrite => "server-setting.write" reserved,
    RoomRead => "room.read",
    RoomWrite => "room.write",
    MessageRead => "message.read",
    MessageWrite => "message.write",
    LivechatStatusRead => "livechat-status.read" reserved,
    LivechatCustomFieldsWrite => "livechat-custom-fields.write" reserved,
    LivechatVisitorRead => "livechat-visitor.read" reserved,
    LivechatVisitorWrite => "livechat-visitor.write" reserved,
    LivechatMessageRead => "livechat-message.read" reserved,
    LivechatMessageWrite => "livechat-message.write" reserved,
    LivechatRoomRead => "livechat-room.read" reserved,
    LivechatRoomWrite => "livechat-room.write" reserved,
    LivechatDepartmentRead => "livechat-department.read" reserved,
    LivechatDepartmentWrite => "livechat-department.write" reserved,
    Slashcommand => "slashcommand",
    Apis => "apis",
    EnvRead => "env.read" reserved,
    Networking => "networking" reserved,
    Persistence => "persistence",
    Scheduler => "scheduler" reserved,
    UiInteract => "ui.interact" reserved,
    NotifyAnyUser => "orbit.notify-any-user",
    AccessAnyRoom => "orbit.access-any-room",
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
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
        assert_eq!(Permission::ALL.len(), 29);
        for permission in Permission::ALL {
            assert_eq!(permission.as_str().parse::<Permission>(), Ok(*permission));
        }
        assert!("message.delete".parse::<Permission>().is_err());
    }
}
