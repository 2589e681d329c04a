//! `notifier`: ephemeral messages to one user. Needs `message.write`, because they put app text
//! in front of users just as a posted message does.

use crate::bindings::orbit::apps::notifier;
use crate::host_call::Requirement;
use crate::permissions::Permission;

crate::host_call::capability! {
    "notifier", Requirement::Permission(Permission::MessageWrite);
    /// The server side of `notifier`.
    pub trait NotifierHost for notifier {
        /// Shows `text` to one user in one room, from the app's bot user, without storing it.
        fn notify_user(user_id: String, room_id: String, text: String) -> ();
    }
}
