//! The storage interface. Services talk to [`Store`]; SQLite ([`sqlite::SqliteStore`]) is the
//! first implementation, and another engine (PostgreSQL) implements the same traits.
//!
//! Each domain has its own trait in its own file. Every method is one atomic unit: a method that
//! writes runs in a single transaction, so a crash leaves either all of its writes or none.
//! Methods are blocking; async callers run them through [`crate::services::Services::blocking`].

mod accounts;
mod apps;
mod avatars;
mod config;
mod messages;
mod rooms;
pub mod sqlite;
mod uploads;

pub use accounts::*;
pub use apps::*;
pub use avatars::*;
pub use config::*;
pub use messages::*;
pub use rooms::*;
pub use uploads::*;

/// All storage traits together: what the services hold.
pub trait Store:
    AccountStore + AvatarStore + ConfigStore + RoomStore + MessageStore + AppStore + UploadStore + Send + Sync + 'static
{
}

impl<
    T: AccountStore
        + AvatarStore
        + ConfigStore
        + RoomStore
        + MessageStore
        + AppStore
        + UploadStore
        + Send
        + Sync
        + 'static,
> Store for T
{
}
