//! `user-actions`: changing the acting user. Needs `user.write`.

use crate::bindings::orbit::apps::user_actions;
use crate::host_call::Requirement;
use crate::permissions::Permission;

crate::host_call::capability! {
    "user-actions", Requirement::Permission(Permission::UserWrite);
    /// The server side of `user-actions`.
    pub trait UserActionsHost for user_actions {
        /// Sets the acting user's custom status text.
        fn set_status_text(text: String) -> ();
    }
}
