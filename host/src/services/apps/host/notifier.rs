//! `notifier`: ephemeral messages from the app's bot user to one user in one room.

use async_trait::async_trait;
use orbit_apps::capabilities::NotifierHost;
use orbit_apps::{CallContext, HostResult};

use super::{ServerHost, bot_user};
use crate::error::Kind;

#[async_trait]
impl NotifierHost for ServerHost {
    async fn notify_user(&self, cx: &CallContext, user_id: String, room_id: String, text: String) -> HostResult<()> {
        let cx = cx.clone();
        self.run(move |s| {
            s.apps().user(&user_id)?.ok_or(Kind::InvalidUser)?;
            s.rooms().get(&room_id)?;
            let sender = bot_user(s, &cx.app_id)?;
            s.notices().notify(&sender, &user_id, &room_id, None, &text);
            Ok(())
        })
        .await
    }
}
