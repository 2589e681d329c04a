//! Lists of rooms: a user's rooms, the public channels a user may see, every room for
//! administrators, autocompletion, and a room's integrations.

use std::collections::HashSet;

use serde_json::{Map, Value};

use super::Rooms;
use crate::error::Result;
use crate::models::{Room, RoomType, User};
use crate::query;
use crate::services::authz::unauthorized;

/// The permissions that let a user see a room's integrations.
const INTEGRATION_PERMISSIONS: [&str; 4] = [
    "manage-outgoing-integrations",
    "manage-own-outgoing-integrations",
    "manage-incoming-integrations",
    "manage-own-incoming-integrations",
];

impl Rooms<'_> {
    /// The rooms of these types (all types when empty) that `user` is subscribed to.
    pub fn of_user(&self, user: &User, types: &[RoomType]) -> Result<Vec<Room>> {
        self.0.store.rooms_of_user(&user.id, types)
    }

    /// `channels.list`: the public channels `user` may see: all of them with `view-c-room`,
    /// only joined ones with `view-joined-room` (`error-unauthorized` with neither); team rooms
    /// only when joined; with `only_id`, only that channel.
    pub fn visible_channels(&self, user: &User, only_id: Option<&str>) -> Result<Vec<Room>> {
        let authz = self.0.authz();
        let see_all = authz.can(user, "view-c-room", None)?;
        if !see_all && !authz.can(user, "view-joined-room", None)? {
            return Err(unauthorized());
        }
        let joined: HashSet<String> =
            self.0.store.subscriptions_of_user(&user.id)?.into_iter().map(|sub| sub.rid).collect();
        Ok(self
            .0
            .store
            .rooms_by_types(&[RoomType::Channel])?
            .into_iter()
            .filter(|r| see_all || joined.contains(&r.id))
            .filter(|r| r.team_id.is_none() || joined.contains(&r.id))
            .filter(|r| only_id.is_none_or(|id| r.id == id))
            .collect())
    }

    /// Every room of these types (all types when empty), for holders of
    /// `view-room-administration` (`groups.listAll`, `im.list.everyone`).
    pub fn list_all(&self, user: &User, types: &[RoomType]) -> Result<Vec<Room>> {
        self.0.authz().require(user, "view-room-administration", None)?;
        self.0.store.rooms_by_types(types)
    }

    /// `rooms.adminRooms` (`view-room-administration`): every room of `types` (`c`, `p`, `d`,
    /// `l`, `discussions`, `teams`; all when empty) whose name or display name contains
    /// `filter`, ignoring case.
    pub fn admin_rooms(&self, user: &User, types: &[String], filter: Option<&str>) -> Result<Vec<Room>> {
        let filter = filter.map(str::to_lowercase);
        Ok(self
            .list_all(user, &[])?
            .into_iter()
            .filter(|r| admin_type_matches(r, types))
            .filter(|r| {
                filter.as_deref().is_none_or(|f| {
                    r.name.as_deref().unwrap_or("").to_lowercase().contains(f)
                        || r.fname.as_deref().unwrap_or("").to_lowercase().contains(f)
                })
            })
            .collect())
    }

    /// `rooms.autocomplete.channelAndPrivate`: up to 10 of the channels and groups `user` is
    /// in whose name contains `name`, ignoring case.
    pub fn autocomplete_joined(&self, user: &User, name: &str) -> Result<Vec<Room>> {
        let name = name.to_lowercase();
        Ok(self
            .of_user(user, &[RoomType::Channel, RoomType::Private])?
            .into_iter()
            .filter(|r| r.name.as_deref().unwrap_or("").to_lowercase().contains(&name))
            .take(10)
            .collect())
    }

    /// The first room of type `t` whose REST view matches the query `q` (`channels.online`).
    pub fn first_matching(&self, t: RoomType, q: &Map<String, Value>) -> Result<Option<Room>> {
        for room in self.0.store.rooms_by_types(&[t])? {
            if query::matches(&room.public_view(), q)? {
                return Ok(Some(room));
            }
        }
        Ok(None)
    }

    /// `channels.getIntegrations` / `groups.getIntegrations`: the integrations posting to the
    /// room of type `t`, for holders of one of the integration permissions (checked before the
    /// room is looked up). Orbit has no integrations yet, so the list is empty.
    pub fn integrations(
        &self,
        user: &User,
        t: RoomType,
        room_id: Option<&str>,
        room_name: Option<&str>,
    ) -> Result<Vec<Value>> {
        if !self.0.authz().can_any(user, &INTEGRATION_PERMISSIONS, None)? {
            return Err(unauthorized());
        }
        self.find_typed(user, t, room_id, room_name, false)?;
        Ok(Vec::new())
    }
}

/// Whether a room matches `rooms.adminRooms` types (`c`, `p`, `d`, `l`, `discussions`,
/// `teams`; all when empty).
fn admin_type_matches(room: &Room, types: &[String]) -> bool {
    if types.is_empty() {
        return true;
    }
    let has = |t: &str| types.iter().any(|x| x == t);
    (has("discussions") && room.prid.is_some())
        || (has("teams") && room.team_main)
        || (has(room.t.code()) && room.prid.is_none() && !room.team_main)
}
