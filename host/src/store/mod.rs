//! The storage interface. Services talk to [`Store`]; SQLite ([`sqlite::SqliteStore`]) is the
//! first implementation, and another engine (PostgreSQL) implements the same traits.
//!
//! Each domain has its own trait in its own file. Only `services` holds a store; transports
//! never see one.
//!
//! # The contract every engine keeps
//! - **Engine-neutral signatures.** Arguments and results are models (`crate::models`), plain
//!   values and the small query structs declared beside each trait; no engine type, connection,
//!   transaction or SQL text crosses the trait. Engine errors become [`crate::error::Error::Internal`].
//! - **One call, one atomic unit.** A method that writes runs in a single transaction: after a
//!   crash either all of its writes are there or none. Methods that read-modify-write
//!   (`modify_*`, `save_message`) do so inside that transaction, so concurrent
//!   callers never lose each other's updates. A method that must change several records
//!   together (a message and its room's counters and the members' subscriptions; a username
//!   carried into rooms, subscriptions and messages) is one method, never a sequence the service
//!   strings together.
//! - **Durable when it returns.** A write is on stable storage before the call returns `Ok`;
//!   the service then publishes its event, so nothing announced can be lost by a crash.
//! - **Read your writes.** A read issued after a write returned sees it (from any connection).
//! - **Ordering.** Messages of a room have distinct `ts` values (a taken millisecond moves just
//!   after the room's newest message), so paging by date never skips or repeats one.
//! - **Blocking calls.** Methods block; async callers run them through
//!   [`crate::services::Services::blocking`].

mod accounts;
mod apps;
mod avatars;
mod config;
mod messages;
mod page;
mod rooms;
pub mod sqlite;
mod uploads;

pub use accounts::*;
pub use apps::*;
pub use avatars::*;
pub use config::*;
pub use messages::*;
pub use page::*;
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
