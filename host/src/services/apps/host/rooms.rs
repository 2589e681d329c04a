//! `rooms`: rooms by id or name, and their members: those the invoker or the app's bot user
//! can read, or any with `orbit.access-any-room`.

use async_trait::async_trait;
use orbit_apps::bindings::{Room, RoomKind};
use orbit_apps::capabilities::RoomsHost;
use orbit_apps::{CallContext, HostResult};

use super::{ServerHost, may_reach, reachable_room};
use crate::error::Result;
use crate::models;
use crate::services::Services;

fn room_kind(t: models::RoomType) -> RoomKind {
    match t {
        models::RoomType::Channel => RoomKind::Channel,
        models::RoomType::Private => RoomKind::Group,
        models::RoomType::Direct => RoomKind::Direct,
        models::RoomType::Livechat => RoomKind::Livechat,
    }
}

/// A room as apps see it.
fn room_view(room: &models::Room) -> Room {
    Room {
        id: room.id.clone(),
        name: if room.is_direct() { None } else { room.name.clone() },
        kind: room_kind(room.t),
        topic: room.topic.clone().filter(|t| !t.is_empty()),
        read_only: room.ro,
        archived: room.archived,
        creator_id: room.u.as_ref().map(|u| u.id.clone()),
        member_count: room.users_count.clamp(0, u32::MAX as i64) as u32,
    }
}

#[async_trait]
impl RoomsHost for ServerHost {
    async fn get_by_id(&self, cx: &CallContext, id: String) -> HostResult<Option<Room>> {
        let cx = cx.clone();
        self.run(move |s| visible(s, &cx, s.apps().room(&id)?)).await
    }

    async fn get_by_name(&self, cx: &CallContext, name: String) -> HostResult<Option<Room>> {
        let cx = cx.clone();
        self.run(move |s| visible(s, &cx, s.apps().room_named(name.trim_start_matches('#'))?)).await
    }

    async fn member_usernames(&self, cx: &CallContext, room_id: String, limit: u32) -> HostResult<Vec<String>> {
        let cx = cx.clone();
        self.run(move |s| {
            reachable_room(s, &cx, &room_id)?;
            s.apps().member_usernames(&room_id, limit as usize)
        })
        .await
    }

    async fn is_member(&self, cx: &CallContext, room_id: String, user_id: String) -> HostResult<bool> {
        let cx = cx.clone();
        self.run(move |s| {
            reachable_room(s, &cx, &room_id)?;
            s.apps().is_member(&room_id, &user_id)
        })
        .await
    }
}

/// The room as apps see it, when the app may reach it; a room it may not reach reads as absent.
fn visible(s: &Services, cx: &CallContext, room: Option<models::Room>) -> Result<Option<Room>> {
    match room {
        Some(room) if may_reach(s, cx, &room)? => Ok(Some(room_view(&room))),
        _ => Ok(None),
    }
}
