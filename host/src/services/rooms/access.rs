//! Finding rooms and deciding who may read and post in them.

use serde_json::Value;

use super::*;
use crate::error::{Error, Kind, Result};
use crate::models::{Room, RoomType, User};

impl Rooms<'_> {
    /// A room by id, or `error-room-not-found`.
    pub fn get(&self, rid: &str) -> Result<Room> {
        self.0.store.room_by_id(rid)?.ok_or_else(room_not_found)
    }

    /// A room by id, if there is one.
    pub fn by_id(&self, rid: &str) -> Result<Option<Room>> {
        self.0.store.room_by_id(rid)
    }

    /// Whether `user` may read the room `rid` ([`Rooms::can_read`]); an unknown room can't be
    /// read. Decides who may subscribe to a room's streams and which history calls answer.
    pub fn can_read_id(&self, user: &User, rid: &str) -> Result<bool> {
        match self.0.store.room_by_id(rid)? {
            Some(room) => self.can_read(user, &room),
            None => Ok(false),
        }
    }

    /// Whether `user`'s roles hold `view-c-room`, which lets them read public channels they are
    /// not in. Reads only the permission cache, so stream fan-out may ask it for every reader.
    pub fn can_view_public(&self, user: &User) -> bool {
        self.0.permissions.granted("view-c-room", &user.roles)
    }

    /// `canAccessRoom`: the room `rid` and the user `user_id`, if that user may read it (`None`
    /// when not). Asking about another user needs `view-room-administration`
    /// (`error-not-allowed`); an unknown user is `error-invalid-user`, an unknown room
    /// `error-invalid-room`, checked in that order.
    pub fn access_of(&self, caller: &User, rid: &str, user_id: &str) -> Result<Option<(Room, User)>> {
        let other = self.0.store.user_by_id(user_id)?.ok_or(Kind::InvalidUser)?;
        let room = self.0.store.room_by_id(rid)?.ok_or(Kind::InvalidRoom)?;
        if caller.id != other.id && !self.0.authz().can(caller, "view-room-administration", None)? {
            return Err(Kind::NotAllowed.into());
        }
        Ok(if self.can_read(&other, &room)? { Some((room, other)) } else { None })
    }

    /// Whether `user` may read `room`: members always; public channels with `view-c-room`;
    /// discussions with access to their parent room.
    pub fn can_read(&self, user: &User, room: &Room) -> Result<bool> {
        if self.0.store.subscription(&room.id, &user.id)?.is_some() {
            return Ok(true);
        }
        if room.t == RoomType::Channel && self.0.authz().can(user, "view-c-room", None)? {
            return Ok(true);
        }
        if let Some(prid) = &room.prid
            && let Some(parent) = self.0.store.room_by_id(prid)?
            && parent.prid.is_none()
        {
            return self.can_read(user, &parent);
        }
        Ok(false)
    }

    /// The room if `user` may read it, `error-room-not-found` otherwise.
    pub fn readable(&self, user: &User, rid: &str) -> Result<Room> {
        let room = self.get(rid)?;
        if self.can_read(user, &room)? { Ok(room) } else { Err(room_not_found()) }
    }

    /// Whether `user` may post in `room` (`canSendMessage`): they must be able to read it, it
    /// must not be archived, a read-only room needs `post-readonly` (or the user listed in
    /// `unmuted`), and muted users can't speak.
    pub fn can_post(&self, user: &User, room: &Room) -> Result<()> {
        if !self.can_read(user, room)? {
            return Err(Kind::NotAllowed.into());
        }
        if room.archived {
            return Err(Kind::RoomArchived.into());
        }
        if room.ro && !self.0.authz().can(user, "post-readonly", Some(&room.id))? {
            let unmuted = room.extra.get("unmuted").and_then(Value::as_array);
            if !unmuted.is_some_and(|u| u.iter().any(|n| n.as_str() == Some(user.username.as_str()))) {
                return Err(Kind::RoomReadOnly.into());
            }
        }
        if room.muted.iter().any(|u| u == &user.username) {
            return Err(Kind::UserMuted.into());
        }
        Ok(())
    }

    /// A room by id, else by name (`getRoomIdByNameOrId`, `/join #name`).
    pub fn by_id_or_name(&self, id_or_name: &str) -> Result<Option<Room>> {
        if let Some(r) = self.0.store.room_by_id(id_or_name)? {
            return Ok(Some(r));
        }
        self.0.store.room_by_name(id_or_name.trim_start_matches('#'))
    }

    /// A readable room by id or name, for `getRoomIdByNameOrId` and friends.
    pub fn readable_by_id_or_name(&self, user: &User, id_or_name: &str) -> Result<Room> {
        match self.by_id_or_name(id_or_name)? {
            Some(room) if self.can_read(user, &room)? => Ok(room),
            _ => Err(room_not_found()),
        }
    }

    /// A room of type `t` (`c` or `p`) by `roomId` or `roomName`, as the `channels.*` and
    /// `groups.*` endpoints find it: it must exist, have that type and be readable by `user`;
    /// with `check_archived`, an archived room is refused with `error-room-archived`.
    pub fn find_typed(
        &self,
        user: &User,
        t: RoomType,
        room_id: Option<&str>,
        room_name: Option<&str>,
        check_archived: bool,
    ) -> Result<Room> {
        let room = match (room_id.filter(|s| !s.is_empty()), room_name.filter(|s| !s.is_empty())) {
            (Some(id), _) => self.0.store.room_by_id(id)?,
            (None, Some(name)) => self.0.store.room_by_name(name.trim_start_matches('#'))?,
            (None, None) => {
                return Err(
                    Kind::RoomParamNotProvided.with_message("The parameter \"roomId\" or \"roomName\" is required")
                );
            }
        };
        let room = room.filter(|r| r.t == t).ok_or_else(|| room_not_found_for(t))?;
        if !self.can_read(user, &room)? {
            return Err(room_not_found_for(t));
        }
        if check_archived && room.archived {
            let name = self.display_name(&room);
            return Err(Kind::RoomArchived.with_message(if t == RoomType::Private {
                format!("The private group, {name}, is archived")
            } else {
                format!("The channel, {name}, is archived")
            }));
        }
        Ok(room)
    }

    /// A direct message room by `roomId`, or by the `username` of the other member, that
    /// `user` may read.
    pub fn find_direct(&self, user: &User, room_id: Option<&str>, username: Option<&str>) -> Result<Room> {
        let room = match (room_id.filter(|s| !s.is_empty()), username.filter(|s| !s.is_empty())) {
            (Some(id), _) => match self.0.store.room_by_id(id)? {
                Some(r) => Some(r),
                // A username given as roomId, as upstream accepts.
                None => self.direct_with_username(user, id)?,
            },
            (None, Some(name)) => self.direct_with_username(user, name)?,
            (None, None) => {
                return Err(
                    Kind::RoomParamNotProvided.with_message("Query param \"roomId\" or \"username\" is required")
                );
            }
        };
        let room = room.filter(|r| r.t == RoomType::Direct).ok_or_else(|| room_not_found_for(RoomType::Direct))?;
        if !self.can_read(user, &room)? {
            return Err(room_not_found_for(RoomType::Direct));
        }
        Ok(room)
    }

    pub(super) fn direct_with_username(&self, user: &User, username: &str) -> Result<Option<Room>> {
        let Some(other) = self.0.store.user_by_username(username.trim_start_matches('@'))? else {
            return Ok(None);
        };
        self.0.store.room_by_id(&direct_room_id(&[user.id.clone(), other.id.clone()]))
    }

    /// `getRoomByTypeAndName`: a channel or group by name or id, or the caller's DM with the
    /// user of that name (`t: "d"`). Anonymous callers (`None`) may only look up channels, and
    /// only with `Accounts_AllowAnonymousRead`. Errors as upstream: `error-invalid-room` when
    /// nothing matches, `error-no-permission` when the caller can't read the room.
    pub fn by_type_and_name(&self, user: Option<&User>, t: &str, name: &str) -> Result<Room> {
        let invalid_room = || Error::from(Kind::InvalidRoom);
        if t.is_empty() || name.is_empty() {
            return Err(invalid_room());
        }
        let t = RoomType::from_code(t);
        if user.is_none() && (t != Some(RoomType::Channel) || !self.0.settings.bool("Accounts_AllowAnonymousRead")) {
            return Err(invalid_user());
        }
        let room = match (t, user) {
            (Some(RoomType::Direct), Some(user)) => match self.direct_with_username(user, name)? {
                Some(r) => Some(r),
                None => self.0.store.room_by_id(name)?,
            },
            (Some(RoomType::Channel | RoomType::Private), _) => {
                match self.0.store.room_by_name(name.trim_start_matches('#'))? {
                    Some(r) => Some(r),
                    None => self.0.store.room_by_id(name)?,
                }
            }
            _ => None,
        };
        let room = room.filter(|r| Some(r.t) == t).ok_or_else(invalid_room)?;
        if let Some(user) = user
            && !self.can_read(user, &room)?
        {
            return Err(Kind::NoPermission.into());
        }
        Ok(room)
    }

    /// The room's name as people read it: `fname` for discussions, `name` otherwise.
    pub fn display_name(&self, room: &Room) -> String {
        if room.prid.is_some() {
            room.fname.clone().or_else(|| room.name.clone()).unwrap_or_default()
        } else {
            room.name.clone().or_else(|| room.fname.clone()).unwrap_or_default()
        }
    }

    /// `getRoomNameById`: the name of a readable room.
    pub fn name_of(&self, user: &User, rid: &str) -> Result<String> {
        let room = self.0.store.room_by_id(rid)?.ok_or(Kind::NotAllowed)?;
        if !self.can_read(user, &room)? {
            return Err(Kind::NotAllowed.into());
        }
        Ok(room.name.clone().unwrap_or_default())
    }

    // ---------------------------------------------------------------- names

    /// System message types hidden from history by the `Message_HideType_*` settings.
    pub fn hidden_types(&self, _room: &Room) -> Vec<String> {
        let mut out = Vec::new();
        for t in ["uj", "ul", "ru", "au"] {
            if self.0.settings.bool(&format!("Message_HideType_{t}")) {
                out.push(t.to_string());
            }
        }
        if self.0.settings.bool("Message_HideType_mute_unmute") {
            out.push("user-muted".into());
            out.push("user-unmuted".into());
        }
        out
    }
}

/// The rooms and the team around a room, as `rooms.info` shows them.
#[derive(Debug, Clone, Default)]
pub struct Relatives {
    /// The team the room belongs to.
    pub team: Option<crate::store::Team>,
    /// The team's main room, when the room is another room of that team.
    pub team_main: Option<Room>,
    /// The room a discussion was opened in.
    pub discussion_parent: Option<Room>,
}

/// Lookups the REST families make before they act on a room.
impl Rooms<'_> {
    /// A room by id, or `error-room-not-found` worded for the family of rooms of type `t`
    /// ([`room_not_found_for`]): how `channels.*` and `groups.*` read a room again after a
    /// change.
    pub fn get_worded(&self, rid: &str, t: RoomType) -> Result<Room> {
        self.0.store.room_by_id(rid)?.ok_or_else(|| room_not_found_for(t))
    }

    /// Whether a room with this id exists.
    pub fn exists(&self, rid: &str) -> Result<bool> {
        Ok(self.0.store.room_by_id(rid)?.is_some())
    }

    /// `rooms.nameExists`: whether a room has this name.
    pub fn name_exists(&self, name: &str) -> Result<bool> {
        Ok(self.0.store.room_by_name(name)?.is_some())
    }

    /// Any room `user` may read, by id or else by name (`findRoomByIdOrName`): fails with
    /// `error-roomid-param-not-provided` without either and `error-room-not-found` when there
    /// is no such room or `user` may not read it.
    pub fn find_readable(&self, user: &User, room_id: Option<&str>, room_name: Option<&str>) -> Result<Room> {
        let room = match (room_id, room_name) {
            (Some(id), _) => self.0.store.room_by_id(id)?,
            (None, Some(name)) => self.0.store.room_by_name(name.trim_start_matches('#'))?,
            (None, None) => {
                return Err(
                    Kind::RoomidParamNotProvided.with_message("The parameter \"roomId\" or \"roomName\" is required")
                );
            }
        };
        match room {
            Some(r) if self.can_read(user, &r)? => Ok(r),
            _ => Err(room_not_found()),
        }
    }

    /// A room by id for a holder of `view-room-administration`, whether or not they may read
    /// it (administrators delete rooms they are not in); `None` for an unknown room or for
    /// anybody else.
    pub fn administered(&self, user: &User, rid: &str) -> Result<Option<Room>> {
        match self.0.store.room_by_id(rid)? {
            Some(room) if self.0.authz().can(user, "view-room-administration", None)? => Ok(Some(room)),
            _ => Ok(None),
        }
    }

    /// `rooms.adminRooms.getRoom?rid=` (`view-room-administration`, checked before the
    /// parameter): a room by id, or `error-room-not-found`.
    pub fn admin_room(&self, user: &User, rid: Option<&str>) -> Result<Room> {
        self.0.authz().require(user, "view-room-administration", None)?;
        self.get(rid.ok_or_else(|| Kind::param_required("rid"))?)
    }

    /// `im.messages.others?roomId=`: any direct message room, for holders of
    /// `view-room-administration` while `API_Enable_Direct_Message_History_EndPoint` is on
    /// (both checked before the parameter).
    pub fn direct_for_admin(&self, user: &User, rid: Option<&str>) -> Result<Room> {
        self.0.authz().require(user, "view-room-administration", None)?;
        if !self.0.settings.bool("API_Enable_Direct_Message_History_EndPoint") {
            return Err(Kind::EndpointDisabled.into());
        }
        let rid = rid.ok_or(Kind::RoomidParamNotProvided)?;
        self.0
            .store
            .room_by_id(rid)?
            .filter(Room::is_direct)
            .ok_or_else(|| Kind::RoomNotFound.with_message(format!("No direct message room found by the id of: {rid}")))
    }

    /// `channels.anonymousread?roomId=|roomName=`: a public channel by id or else by name, for
    /// callers without a login while `Accounts_AllowAnonymousRead` is on (the room is looked up
    /// first, so an unknown room is `error-room-not-found` either way).
    pub fn readable_anonymously(&self, room_id: Option<&str>, room_name: Option<&str>) -> Result<Room> {
        let room = match (room_id, room_name) {
            (Some(id), _) => self.0.store.room_by_id(id)?,
            (None, Some(name)) => self.0.store.room_by_name(name)?,
            (None, None) => None,
        }
        .filter(|r| r.t == RoomType::Channel)
        .ok_or_else(|| room_not_found_for(RoomType::Channel))?;
        if !self.0.settings.bool("Accounts_AllowAnonymousRead") {
            return Err(Kind::NotAllowed.with_message("Enable \"Allow Anonymous Read\""));
        }
        Ok(room)
    }

    /// The user whose counters `caller` asks for (`im.counters?userId=`): the caller, or
    /// another user by id for holders of `view-room-administration` (`error-unauthorized`
    /// otherwise; `error-invalid-user` for an unknown id).
    pub fn counters_subject(&self, caller: &User, user_id: Option<&str>) -> Result<User> {
        match user_id.filter(|u| *u != caller.id) {
            Some(uid) => {
                if !self.0.authz().can(caller, "view-room-administration", None)? {
                    return Err(crate::services::authz::unauthorized());
                }
                self.0.store.user_by_id(uid)?.ok_or_else(|| Error::from(Kind::InvalidUser))
            }
            None => Ok(caller.clone()),
        }
    }

    /// The team of a room, that team's main room (for its other rooms) and the room a
    /// discussion was opened in, those that exist.
    pub fn relatives(&self, room: &Room) -> Result<Relatives> {
        let mut out = Relatives::default();
        if let Some(team_id) = &room.team_id
            && let Some(team) = self.0.store.team_by_id(team_id)?
        {
            if !room.team_main {
                out.team_main = self.0.store.room_by_id(&team.room_id)?;
            }
            out.team = Some(team);
        }
        if let Some(prid) = &room.prid {
            out.discussion_parent = self.0.store.room_by_id(prid)?;
        }
        Ok(out)
    }
}
