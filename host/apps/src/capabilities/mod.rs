//! App capabilities: one unit per `orbit:apps` import interface, as Spin's factors.
//!
//! Each unit (`capabilities/<interface>.rs`) holds the permission its interface needs, the
//! narrow trait through which the server serves it (over the generated binding types), and
//! the binding's `Host` impl, which enters the call ([`AppState::enter`]: host-call budget,
//! then permission) and forwards to that trait. [`CAPABILITIES`] lists the units: it is the
//! one permission table, read by load-time validation, call-time checks and the linker, and
//! a test keeps it in step with `wit/` and `docs/apps.md`.

mod app_settings;
mod log;
mod message_writer;
mod messages;
mod notifier;
mod room_actions;
mod rooms;
mod server_settings;
mod user_actions;
mod users;

use std::sync::Arc;

use wasmtime::component::{HasSelf, Linker};

pub use app_settings::AppSettingsHost;
pub use message_writer::MessageWriterHost;
pub use messages::MessagesHost;
pub use notifier::NotifierHost;
pub use room_actions::RoomActionsHost;
pub use rooms::RoomsHost;
pub use server_settings::ServerSettingsHost;
pub use user_actions::UserActionsHost;
pub use users::UsersHost;

use crate::bindings::HostError;
use crate::permissions::Permission;
use crate::state::AppState;

/// Who is calling the host: the app, and the user whose slash command is running (if any).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallContext {
    /// The calling app's id (its manifest `id`).
    pub app_id: Arc<str>,
    /// The user who invoked the running command; `None` in lifecycle calls. Actions
    /// (`room-actions`, `user-actions`, `invoker`-authored messages) are performed as this user,
    /// or as the app's bot user when it is `None`.
    pub user_id: Option<Arc<str>>,
}

/// Result of a host call, shaped like the WIT `result<T, host-error>`.
pub type HostResult<T> = Result<T, HostError>;

/// What an `orbit:apps` import interface needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Requirement {
    /// Always allowed (logging, own settings, shared types).
    Always,
    /// Needs this permission.
    Permission(Permission),
}

/// One `orbit:apps` import interface: its name, what it needs, and how it is linked.
pub struct Capability {
    /// The interface name, without package and version (`rooms`).
    pub interface: &'static str,
    /// What the app must be granted to import and call it.
    pub requirement: Requirement,
    /// Adds the interface's functions to the linker.
    link: fn(&mut Linker<AppState>) -> wasmtime::Result<()>,
}

/// `types`: records shared by the other interfaces; nothing to call.
const TYPES: Capability = Capability {
    interface: "types",
    requirement: Requirement::Always,
    link: |linker| crate::bindings::orbit::apps::types::add_to_linker::<AppState, HasSelf<AppState>>(linker, |s| s),
};

impl crate::bindings::orbit::apps::types::Host for AppState {}

/// Every interface apps may import: the permission table.
pub const CAPABILITIES: &[Capability] = &[
    TYPES,
    log::CAPABILITY,
    app_settings::CAPABILITY,
    server_settings::CAPABILITY,
    rooms::CAPABILITY,
    users::CAPABILITY,
    messages::CAPABILITY,
    message_writer::CAPABILITY,
    notifier::CAPABILITY,
    room_actions::CAPABILITY,
    user_actions::CAPABILITY,
];

/// The permission that lets an app provide slash commands (the `commands` export).
pub const COMMANDS_PERMISSION: Permission = Permission::Slashcommand;

/// What an import interface (name without package and version) needs, or `None` for an
/// interface this host does not provide.
pub fn requirement(interface: &str) -> Option<Requirement> {
    CAPABILITIES.iter().find(|c| c.interface == interface).map(|c| c.requirement)
}

/// The interfaces a permission unlocks (empty for a reserved one).
pub fn unlocked_by(permission: Permission) -> impl Iterator<Item = &'static str> {
    let commands = (permission == COMMANDS_PERMISSION).then_some("commands");
    CAPABILITIES
        .iter()
        .filter(move |c| c.requirement == Requirement::Permission(permission))
        .map(|c| c.interface)
        .chain(commands)
}

/// Adds every capability to the linker.
pub(crate) fn add_to_linker(linker: &mut Linker<AppState>) -> wasmtime::Result<()> {
    CAPABILITIES.iter().try_for_each(|c| (c.link)(linker))
}

/// The server's side of the apps' imports: one object per interface, each behind its narrow
/// trait (`log` is served by the runtime itself).
#[derive(Clone)]
pub struct Capabilities {
    pub app_settings: Arc<dyn AppSettingsHost>,
    pub server_settings: Arc<dyn ServerSettingsHost>,
    pub rooms: Arc<dyn RoomsHost>,
    pub users: Arc<dyn UsersHost>,
    pub messages: Arc<dyn MessagesHost>,
    pub message_writer: Arc<dyn MessageWriterHost>,
    pub notifier: Arc<dyn NotifierHost>,
    pub room_actions: Arc<dyn RoomActionsHost>,
    pub user_actions: Arc<dyn UserActionsHost>,
}

impl Capabilities {
    /// Every capability served by one object.
    pub fn served_by<H>(host: Arc<H>) -> Self
    where
        H: AppSettingsHost
            + ServerSettingsHost
            + RoomsHost
            + UsersHost
            + MessagesHost
            + MessageWriterHost
            + NotifierHost
            + RoomActionsHost
            + UserActionsHost,
    {
        Capabilities {
            app_settings: host.clone(),
            server_settings: host.clone(),
            rooms: host.clone(),
            users: host.clone(),
            messages: host.clone(),
            message_writer: host.clone(),
            notifier: host.clone(),
            room_actions: host.clone(),
            user_actions: host,
        }
    }
}

/// Declares a capability whose functions all answer `result<T, host-error>`: its
/// [`Capability`] entry, the narrow trait the server implements (each WIT function with the
/// generated argument types, plus the [`CallContext`]) and the binding's `Host` impl, which
/// enters the call and forwards to `Capabilities::$field`.
macro_rules! capability {
    (
        $interface:literal, $requirement:expr;
        $(#[$trait_doc:meta])*
        pub trait $Trait:ident served as $field:ident for $bindings:ident {
            $(
                $(#[$doc:meta])*
                fn $name:ident($($arg:ident: $ty:ty),* $(,)?) -> $ret:ty;
            )*
        }
    ) => {
        /// This interface in the permission table.
        pub(super) const CAPABILITY: $crate::capabilities::Capability = $crate::capabilities::Capability {
            interface: $interface,
            requirement: $requirement,
            link: |linker| {
                $bindings::add_to_linker::<AppState, wasmtime::component::HasSelf<AppState>>(linker, |s| s)
            },
        };

        $(#[$trait_doc])*
        #[async_trait::async_trait]
        pub trait $Trait: Send + Sync + 'static {
            $(
                $(#[$doc])*
                async fn $name(&self, cx: &CallContext, $($arg: $ty),*) -> HostResult<$ret>;
            )*
        }

        impl $bindings::Host for AppState {
            $(
                async fn $name(&mut self, $($arg: $ty),*) -> wasmtime::Result<HostResult<$ret>> {
                    let (cx, host) = match self.enter(&CAPABILITY)? {
                        Ok(entered) => entered,
                        Err(denied) => return Ok(Err(denied)),
                    };
                    Ok(host.$field.$name(&cx, $($arg),*).await)
                }
            )*
        }
    };
}
use capability;

#[cfg(test)]
mod tests;
