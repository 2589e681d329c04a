//! App capabilities: one unit per `orbit:apps` import interface, as Spin's factors.
//!
//! Each unit (`capabilities/<interface>.rs`) holds the permission its interface needs, the
//! narrow trait through which the server serves it (over the generated binding types), and
//! the binding's `Host` impl over a [`HostCall`] to that trait, which enters the call
//! ([`HostCall::enter`]: host-call budget, then permission) and forwards it. The units build
//! on [`crate::host_call`] alone. [`CAPABILITIES`] lists them: it is the one permission table,
//! read by load-time validation, call-time checks and the linker, and tests keep it in step
//! with the linker, `wit/` and `docs/apps.md`.

mod app_settings;
mod log;
mod message_writer;
mod messages;
mod notifier;
mod persistence;
mod room_actions;
mod rooms;
mod server_settings;
mod user_actions;
mod users;

use std::sync::Arc;

use wasmtime::component::Linker;

pub use app_settings::AppSettingsHost;
pub use message_writer::MessageWriterHost;
pub use messages::MessagesHost;
pub use notifier::NotifierHost;
pub use persistence::PersistenceHost;
pub use room_actions::RoomActionsHost;
pub use rooms::RoomsHost;
pub use server_settings::ServerSettingsHost;
pub use user_actions::UserActionsHost;
pub use users::UsersHost;

use crate::bindings::orbit::apps as wit;
use crate::host_call::{Capability, HostCall, Requirement, ServedBy};
use crate::logs::LogRing;
use crate::permissions::Permission;

/// `types`: records shared by the other interfaces; nothing to call.
const TYPES: Capability = Capability { interface: "types", requirement: Requirement::Always };

impl wit::types::Host for HostCall<'_, ()> {}

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
    persistence::CAPABILITY,
];

/// The permission that lets an app provide slash commands (the `commands` export).
pub const COMMANDS_PERMISSION: Permission = Permission::Slashcommand;

/// The permission that lets an app serve HTTP endpoints (the `endpoints` export).
pub const ENDPOINTS_PERMISSION: Permission = Permission::Apis;

/// What an import interface (name without package and version) needs, or `None` for an
/// interface this host does not provide.
pub fn requirement(interface: &str) -> Option<Requirement> {
    CAPABILITIES.iter().find(|c| c.interface == interface).map(|c| c.requirement)
}

/// The interfaces a permission unlocks (empty for a reserved one).
pub fn unlocked_by(permission: Permission) -> impl Iterator<Item = &'static str> {
    let commands = (permission == COMMANDS_PERMISSION).then_some("commands");
    let endpoints = (permission == ENDPOINTS_PERMISSION).then_some("endpoints");
    CAPABILITIES
        .iter()
        .filter(move |c| c.requirement == Requirement::Permission(permission))
        .map(|c| c.interface)
        .chain(commands)
        .chain(endpoints)
}

/// An app store's data, as the linker needs it: for each host call, the running call's gate
/// over one part of the server's side.
pub(crate) trait Serves: Send + 'static {
    /// A host call served by the part of `Capabilities` that `pick` selects.
    fn serve<H: ?Sized>(&mut self, pick: fn(&Capabilities) -> &H) -> HostCall<'_, H>;
    /// A host call served by the app's log ring.
    fn serve_log(&mut self) -> HostCall<'_, LogRing>;
}

/// Adds one interface to the linker, each host call served as its getter says.
type Link<S> = fn(&mut Linker<S>) -> wasmtime::Result<()>;

/// How each capability is linked, in the order of [`CAPABILITIES`].
fn links<S: Serves>() -> [(&'static str, Link<S>); CAPABILITIES.len()] {
    [
        (TYPES.interface, |l| wit::types::add_to_linker::<S, ServedBy<()>>(l, |s| s.serve(|_| &()))),
        (log::CAPABILITY.interface, |l| wit::log::add_to_linker::<S, ServedBy<LogRing>>(l, S::serve_log)),
        (app_settings::CAPABILITY.interface, |l| {
            wit::app_settings::add_to_linker::<S, ServedBy<dyn AppSettingsHost>>(l, |s| s.serve(|c| &*c.app_settings))
        }),
        (server_settings::CAPABILITY.interface, |l| {
            wit::server_settings::add_to_linker::<S, ServedBy<dyn ServerSettingsHost>>(l, |s| {
                s.serve(|c| &*c.server_settings)
            })
        }),
        (rooms::CAPABILITY.interface, |l| {
            wit::rooms::add_to_linker::<S, ServedBy<dyn RoomsHost>>(l, |s| s.serve(|c| &*c.rooms))
        }),
        (users::CAPABILITY.interface, |l| {
            wit::users::add_to_linker::<S, ServedBy<dyn UsersHost>>(l, |s| s.serve(|c| &*c.users))
        }),
        (messages::CAPABILITY.interface, |l| {
            wit::messages::add_to_linker::<S, ServedBy<dyn MessagesHost>>(l, |s| s.serve(|c| &*c.messages))
        }),
        (message_writer::CAPABILITY.interface, |l| {
            wit::message_writer::add_to_linker::<S, ServedBy<dyn MessageWriterHost>>(l, |s| {
                s.serve(|c| &*c.message_writer)
            })
        }),
        (notifier::CAPABILITY.interface, |l| {
            wit::notifier::add_to_linker::<S, ServedBy<dyn NotifierHost>>(l, |s| s.serve(|c| &*c.notifier))
        }),
        (room_actions::CAPABILITY.interface, |l| {
            wit::room_actions::add_to_linker::<S, ServedBy<dyn RoomActionsHost>>(l, |s| s.serve(|c| &*c.room_actions))
        }),
        (user_actions::CAPABILITY.interface, |l| {
            wit::user_actions::add_to_linker::<S, ServedBy<dyn UserActionsHost>>(l, |s| s.serve(|c| &*c.user_actions))
        }),
        (persistence::CAPABILITY.interface, |l| {
            wit::persistence::add_to_linker::<S, ServedBy<dyn PersistenceHost>>(l, |s| s.serve(|c| &*c.persistence))
        }),
    ]
}

/// Adds every capability to the linker.
pub(crate) fn add_to_linker<S: Serves>(linker: &mut Linker<S>) -> wasmtime::Result<()> {
    links::<S>().iter().try_for_each(|(_, link)| link(linker))
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
    pub persistence: Arc<dyn PersistenceHost>,
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
            + UserActionsHost
            + PersistenceHost,
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
            user_actions: host.clone(),
            persistence: host,
        }
    }
}

#[cfg(test)]
mod tests;
