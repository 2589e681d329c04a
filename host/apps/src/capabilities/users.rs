//! `users`: reading users. Needs `user.read`.

use super::{CallContext, HostResult, Requirement};
use crate::bindings::User;
use crate::bindings::orbit::apps::users;
use crate::permissions::Permission;
use crate::state::AppState;

super::capability! {
    "users", Requirement::Permission(Permission::UserRead);
    /// The server side of `users`.
    pub trait UsersHost served as users for users {
        /// A user by id.
        fn get_by_id(id: String) -> Option<User>;
        /// A user by username (no `@`, case-insensitive).
        fn get_by_username(username: String) -> Option<User>;
    }
}
