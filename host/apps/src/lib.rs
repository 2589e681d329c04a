//! Orbit's app runtime: loads WebAssembly component apps (the `orbit:apps` WIT contract in
//! `wit/`), sandboxes them and calls them.
//!
//! - [`manifest`] and [`package`] read and validate `app.json` and app zips;
//! - [`AppRuntime`] compiles components in one shared [`engine`] (cached on disk), checks
//!   their imports against their permissions, keeps warm instances and runs every call under
//!   a deadline, a memory cap and a host-call budget ([`Limits`]);
//! - the chat server implements [`AppHost`] to serve the apps' imports.
//!
//! It does not depend on the server crate.

mod app;
pub mod bindings;
pub mod engine;
mod error;
mod health;
mod host;
mod imports;
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
pub use engine::{CompileSource, EngineConfig};
pub use error::{AppError, Result};
pub use host::{AppHost, CallContext, HostResult};
pub use limits::Limits;
pub use logs::{LogEntry, LogLevel, LogSource};
pub use manifest::Manifest;
pub use package::{AppPackage, PackageLimits};
pub use permissions::{Grants, Permission};
pub use runtime::AppRuntime;
pub use validate::check_component;

/// The `orbit:apps` WIT package version this runtime implements.
pub const API_VERSION: &str = "0.1.0";
