//! `users`: reading users. Needs `user.read`.

use crate::bindings::User;
use crate::bindings::orbit::apps::users;
use crate::host_call::Requirement;
use crate::permissions::Permission;

crate::host_call::capability! {
    "users", Requirement::Permission(Permission::UserRead);
    /// The server side of `users`.
    pub trait UsersHost for users {
        /// A user by id.
        fn get_by_id(id: String) -> Option<User>;
        /// A user by username (no `@`, case-insensitive).
        fn get_by_username(username: String) -> Option<User>;
    }
}
