//! Write Orbit chat apps in Rust.
//!
//! An app is a type implementing [`App`], exported with [`export_app!`], built for
//! `wasm32-wasip2`. Host capabilities live in small modules ([`chat`], [`rooms`], [`users`],
//! [`log`], [`settings`]); each needs the Apps-Engine permission named in its docs, declared
//! in the app's `app.json`.
//!
//! ```ignore
//! use orbit_app_sdk::{App, Command, CommandContext, Provides, chat};
//!
//! struct Hello;
//!
//! impl App for Hello {
//!     fn provides() -> Provides {
//!         Provides::commands([Command::new("hello", "Says hello").params("[name]")])
//!     }
//!
//!     fn execute(ctx: &CommandContext) -> Result<(), String> {
//!         chat::reply(ctx, &format!("Hello, {}!", ctx.params_or("world")))?;
//!         Ok(())
//!     }
//! }
//!
//! orbit_app_sdk::export_app!(Hello);
//! ```

mod adapter;
pub mod chat;
mod context;
pub mod endpoints;
pub mod hooks;
mod error;
pub mod log;
pub mod persistence;
mod provides;
pub mod rooms;
pub mod settings;
pub mod users;

/// Raw wit-bindgen bindings of the `orbit:apps/app-full` world (the `app` world plus the
/// `hooks` and `endpoints` exports), for anything the wrappers omit.
pub mod bindings {
    wit_bindgen::generate!({
        path: "../../wit",
        world: "app-full",
        pub_export_macro: true,
        default_bindings_module: "orbit_app_sdk::bindings",
    });
}

#[doc(hidden)]
pub use adapter::Adapter;
pub use context::{CommandContext, PreviewItem, PreviewKind, Previews};
pub use error::HostError;
pub use provides::{Command, Provides, Setting, SettingKind};

/// The WIT contract version this SDK builds against (`requiredApiVersion` should match it).
pub const API_VERSION: &str = "0.1.0";

/// An Orbit app. Every method has a default except [`App::provides`] and [`App::execute`].
///
/// Methods are associated functions: the host may run each call on any of several warm
/// instances, so per-instance state must not be relied on.
pub trait App: 'static {
    /// The slash commands and settings the app provides (called by `initialize`).
    fn provides() -> Provides;

    /// Called when the app is enabled; return `false` to refuse.
    fn on_enable() -> bool {
        true
    }

    /// Called when the app is disabled.
    fn on_disable() {}

    /// Called after an admin changed one of the app's settings (`value` is JSON text).
    fn on_setting_updated(_id: &str, _value: &str) {}

    /// Runs one of the app's commands (`ctx.command` says which). An `Err` is shown to the
    /// sender as an ephemeral message.
    fn execute(ctx: &CommandContext) -> Result<(), String>;

    /// Suggestions for a command declared with [`Command::with_preview`].
    fn preview(ctx: &CommandContext) -> Result<Previews, String> {
        Err(format!("/{} has no previews", ctx.command))
    }

    /// Runs a command with the preview item the user picked.
    fn execute_preview_item(ctx: &CommandContext, _item: &PreviewItem) -> Result<(), String> {
        Err(format!("/{} has no previews", ctx.command))
    }

    /// The event hooks the app wants ([`hooks`]); the host calls only these.
    fn hooks() -> Vec<hooks::Hook> {
        Vec::new()
    }

    /// Prevent phase: `Some(reason)` stops the change; the reason is shown to its author.
    /// `subject` is the change as JSON (a message for message events).
    fn prevent(_event: hooks::Event, _subject: &str) -> Option<String> {
        None
    }

    /// Extend phase: JSON `{"attachments": [...], "customFields": {...}}` to add.
    fn extend(_event: hooks::Event, _subject: &str) -> Option<String> {
        None
    }

    /// Modify phase: JSON `{"msg": "...", "customFields": {...}}` replacing those parts.
    fn modify(_event: hooks::Event, _subject: &str) -> Option<String> {
        None
    }

    /// Post phase: the change happened (called off the request path).
    fn post(_event: hooks::Event, _subject: &str) {}

    /// The HTTP endpoints the app serves ([`endpoints`]); needs the `apis` permission.
    fn endpoints() -> Vec<endpoints::Endpoint> {
        Vec::new()
    }

    /// Answers a request to one of the declared endpoints.
    fn handle(_request: &endpoints::Request) -> endpoints::Response {
        endpoints::Response::text(404, "not found")
    }
}

/// Exports an [`App`] implementation as the component's `orbit:apps/app` world.
#[macro_export]
macro_rules! export_app {
    ($app:ty) => {
        type __OrbitAppExport = $crate::Adapter<$app>;
        $crate::bindings::export!(__OrbitAppExport with_types_in $crate::bindings);
    };
}
