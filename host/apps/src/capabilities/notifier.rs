//! `notifier`: ephemeral messages to one user. Needs `message.write`, because they put app text
//! in front of users just as a posted message does.

use super::{CallContext, HostResult, Requirement};
use crate::bindings::orbit::apps::notifier;
use crate::permissions::Permission;
use crate::state::AppState;

super::capability! {
    "notifier", Requirement::Permission(Permission::MessageWrite);
    /// The server side of `notifier`.
    pub trait NotifierHost served as notifier for notifier {
        /// Shows `text` to one user in one room, from the app's bot user, without storing it.
        fn notify_user(user_id: String, room_id: String, text: String) -> ();
    }
}
