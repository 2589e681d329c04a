//! Host-side bindings of the `orbit:apps` WIT package (`wit/` at the repository root).
//!
//! Imports are async (they call the server) and trappable (the host-call budget traps);
//! exports are async so a running app never blocks the executor.

wasmtime::component::bindgen!({
    path: "../../wit",
    world: "app",
    imports: { default: async | trappable },
    exports: { default: async },
});

pub use exports::orbit::apps::commands::{CommandContext, PreviewItem, PreviewKind, Previews};
pub use exports::orbit::apps::lifecycle::{
    AppProvides, CommandDef, SettingDef, SettingKind, SettingOption, SettingValue,
};
pub use orbit::apps::log::Level;
pub use orbit::apps::message_writer::NewMessage;
pub use orbit::apps::room_actions::NewRoomKind;
pub use orbit::apps::types::{Actor, HostError, Message, Presence, Room, RoomKind, User};
