//! Orbit's app runtime: loads WebAssembly component apps (the `orbit:apps` WIT contract in
//! `wit/`), sandboxes them and calls them.
//!
//! - [`manifest`] and [`package`] read and validate `app.json` and app zips;
//! - [`AppRuntime`] compiles components in one shared [`engine`] (cached on disk), checks
//!   their imports against their permissions, keeps warm instances and runs every call under
//!   a deadline, a memory cap and a host-call budget ([`Limits`]);
//! - [`capabilities`] holds one unit per import interface (its permission, and the narrow
//!   trait the chat server implements to serve it); the server hands them over as
//!   [`Capabilities`].
//!
//! It does not depend on the server crate.
//!
//! ```no_run
//! # async fn demo(host: orbit_apps::Capabilities, zip: Vec<u8>) -> orbit_apps::Result<()> {
//! use orbit_apps::bindings::CommandContext;
//! use orbit_apps::{AppError, AppPackage, AppRuntime, EngineConfig, Limits, PackageLimits};
//!
//! let runtime = AppRuntime::new(&EngineConfig::new("data/app-cache"), Limits::default(), host)?;
//! let package = AppPackage::from_zip(&zip, &PackageLimits::default())?;
//! let id = package.manifest.id.clone();
//! // Compiles (or reads the cache), validates, initializes, then swaps in the new version.
//! let app = runtime.load(&id, package.manifest, package.component).await?;
//! let commands = app.provides().map(|p| p.commands).unwrap_or_default();
//! assert!(runtime.on_enable(&id).await?);
//!
//! let ctx = CommandContext {
//!     command: commands[0].command.clone(),
//!     params: "world".into(),
//!     args: vec!["world".into()],
//!     sender_id: "user-id".into(),
//!     room_id: "room-id".into(),
//!     thread_id: None,
//!     trigger_id: None,
//! };
//! match runtime.execute_command(&id, ctx).await {
//!     Ok(Ok(())) => {}                      // done; the app used the host to answer
//!     Ok(Err(for_the_user)) => println!("{for_the_user}"), // show as an ephemeral message
//!     Err(AppError::Failed(why)) => println!("app disabled: {why}"), // surface in /api/apps
//!     Err(error) => println!("{error}"),    // timeout, trap, memory, flood: show to the user
//! }
//! # Ok(()) }
//! ```
//!
//! The server stays responsible for: enforcing each command's `required_permissions`
//! for the invoking user, storing app settings (defaults come from `provides().settings`) and
//! answering [`capabilities::AppSettingsHost::get`] from them, persisting installed apps, refusing a
//! duplicate install of an id (here, loading an id again is an update), and showing
//! [`LoadedApp::health`] and [`AppRuntime::logs`] to admins.

mod app;
pub mod bindings;
pub mod capabilities;
pub mod engine;
mod error;
mod health;
pub mod host_call;
mod limits;
pub mod logs;
pub mod manifest;
pub mod package;
pub mod permissions;
mod pool;
mod runtime;
mod state;
mod validate;

pub use app::{AppHealth, CompileInfo, LoadedApp};
pub use capabilities::Capabilities;
pub use engine::{CompileSource, EngineConfig};
pub use error::{AppError, MAX_REASON_CHARS, Result, clip};
pub use host_call::{CallContext, HostResult};
pub use limits::Limits;
pub use logs::{LogEntry, LogLevel, LogSource};
pub use manifest::Manifest;
pub use package::{AppPackage, PackageLimits};
pub use permissions::{Grants, Permission};
pub use runtime::AppRuntime;
pub use validate::check_component;

/// The `orbit:apps` WIT package version this runtime implements.
pub const API_VERSION: &str = "0.1.0";
