//! `user-actions`: changing the acting user. Needs `user.write`.

use super::{CallContext, HostResult, Requirement};
use crate::bindings::orbit::apps::user_actions;
use crate::permissions::Permission;
use crate::state::AppState;

super::capability! {
    "user-actions", Requirement::Permission(Permission::UserWrite);
    /// The server side of `user-actions`.
    pub trait UserActionsHost served as user_actions for user_actions {
        /// Sets the acting user's custom status text.
        fn set_status_text(text: String) -> ();
    }
}
