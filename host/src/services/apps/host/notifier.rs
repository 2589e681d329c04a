//! `notifier`: ephemeral messages from the app's bot user to one user in one room: the user
//! who invoked the command (any user with `orbit.notify-any-user`), in a room the app may reach.

use async_trait::async_trait;
use orbit_apps::capabilities::NotifierHost;
use orbit_apps::{CallContext, HostResult, Permission};

use super::{ServerHost, bot_user, reachable_room};
use crate::error::Kind;

#[async_trait]
impl NotifierHost for ServerHost {
    async fn notify_user(&self, cx: &CallContext, user_id: String, room_id: String, text: String) -> HostResult<()> {
        let cx = cx.clone();
        self.run(move |s| {
            let invoker = cx.user_id.as_deref() == Some(user_id.as_str());
            if !invoker && !cx.grants.allows(Permission::NotifyAnyUser) {
                return Err(Kind::ActionForbidden
                    .with_message("The app may notify only the user who invoked the command (orbit.notify-any-user)"));
            }
            s.apps().user(&user_id)?.ok_or(Kind::InvalidUser)?;
            reachable_room(s, &cx, &room_id)?;
            let sender = bot_user(s, &cx.app_id)?;
            s.notices().notify(&sender, &user_id, &room_id, None, &text);
            Ok(())
        })
        .await
    }
}
