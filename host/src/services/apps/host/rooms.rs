//! `rooms`: any room by id or name, and its members.

use async_trait::async_trait;
use orbit_apps::bindings::{Room, RoomKind};
use orbit_apps::capabilities::RoomsHost;
use orbit_apps::{CallContext, HostResult};

use super::ServerHost;
use crate::models;

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
    async fn get_by_id(&self, _cx: &CallContext, id: String) -> HostResult<Option<Room>> {
        self.run(move |s| Ok(s.apps().room(&id)?.as_ref().map(room_view))).await
    }

    async fn get_by_name(&self, _cx: &CallContext, name: String) -> HostResult<Option<Room>> {
        self.run(move |s| Ok(s.apps().room_named(name.trim_start_matches('#'))?.as_ref().map(room_view))).await
    }

    async fn member_usernames(&self, _cx: &CallContext, room_id: String, limit: u32) -> HostResult<Vec<String>> {
        self.run(move |s| s.apps().member_usernames(&room_id, limit as usize)).await
    }

    async fn is_member(&self, _cx: &CallContext, room_id: String, user_id: String) -> HostResult<bool> {
        self.run(move |s| s.apps().is_member(&room_id, &user_id)).await
    }
}
