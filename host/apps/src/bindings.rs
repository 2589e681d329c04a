//! Host-side bindings of the `orbit:apps` WIT package (`wit/` at the repository root).
//!
//! Imports are async (they call the server) and trappable (the host-call budget traps);
//! exports are async so a running app never blocks the executor. The `app` world's exports
//! are required; the optional ones ([`optional`], [`optional_endpoints`]) are looked up per
//! component.

wasmtime::component::bindgen!({
    path: "../../wit",
    world: "app",
    imports: { default: async | trappable },
    exports: { default: async },
});

/// Bindings of the `hooks` export a component may have beside those of `app`.
pub mod optional {
    wasmtime::component::bindgen!({
        path: "../../wit",
        world: "optional-hooks",
        exports: { default: async },
    });
}

/// Bindings of the `endpoints` export a component may have beside those of `app`.
pub mod optional_endpoints {
    wasmtime::component::bindgen!({
        path: "../../wit",
        world: "optional-endpoints",
        exports: { default: async },
    });
}

pub use exports::orbit::apps::commands::{CommandContext, PreviewItem, PreviewKind, Previews};
pub use exports::orbit::apps::lifecycle::{
    AppProvides, CommandDef, SettingDef, SettingKind, SettingOption, SettingValue,
};
pub use optional::exports::orbit::apps::hooks::{Event as HookEvent, HookPoint, Phase as HookPhase};
pub use optional_endpoints::exports::orbit::apps::endpoints::{
    Endpoint, Request as EndpointRequest, Response as EndpointResponse, Visibility,
};
pub use orbit::apps::log::Level;
pub use orbit::apps::message_writer::NewMessage;
pub use orbit::apps::persistence::{Association, AssociationKind, Entry as StoredEntry};
pub use orbit::apps::room_actions::NewRoomKind;
pub use orbit::apps::types::{Actor, HostError, Message, Presence, Room, RoomKind, User};
