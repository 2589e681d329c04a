//! Finding rooms and deciding who may read and post in them.

use serde_json::Value;

use super::*;
use crate::error::{Error, Result};
use crate::models::{Room, User};

impl Rooms<'_> {
    /// A room by id, or `error-room-not-found`.
    pub fn get(&self, rid: &str) -> Result<Room> {
        self.0.store.room_by_id(rid)?.ok_or_else(room_not_found)
    }

    /// Whether `user` may read `room`: members always; public channels with `view-c-room`;
    /// discussions with access to their parent room.
    pub fn can_read(&self, user: &User, room: &Room) -> Result<bool> {
        if self.0.store.subscription(&room.id, &user.id)?.is_some() {
            return Ok(true);
        }
        if room.t == "c" && self.0.authz().can(user, "view-c-room", None)? {
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
            return Err(not_allowed());
        }
        if room.archived {
            return Err(Error::bad("error-room-archived", "This room is archived"));
        }
        if room.ro && !self.0.authz().can(user, "post-readonly", Some(&room.id))? {
            let unmuted = room.extra.get("unmuted").and_then(Value::as_array);
            if !unmuted.is_some_and(|u| u.iter().any(|n| n.as_str() == Some(user.username.as_str()))) {
                return Err(Error::bad(
                    "error-room-read-only",
                    "You can't send messages because the room is readonly.",
                ));
            }
        }
        if room.muted.iter().any(|u| u == &user.username) {
            return Err(Error::bad("error-user-muted", "You have been muted and cannot speak in this room"));
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
        t: &str,
        room_id: Option<&str>,
        room_name: Option<&str>,
        check_archived: bool,
    ) -> Result<Room> {
        let room = match (room_id.filter(|s| !s.is_empty()), room_name.filter(|s| !s.is_empty())) {
            (Some(id), _) => self.0.store.room_by_id(id)?,
            (None, Some(name)) => self.0.store.room_by_name(name.trim_start_matches('#'))?,
            (None, None) => {
                return Err(Error::bad(
                    "error-room-param-not-provided",
                    "The parameter \"roomId\" or \"roomName\" is required",
                ));
            }
        };
        let room = room.filter(|r| r.t == t).ok_or_else(|| room_not_found_for(t))?;
        if !self.can_read(user, &room)? {
            return Err(room_not_found_for(t));
        }
        if check_archived && room.archived {
            let name = self.display_name(&room);
            return Err(Error::bad(
                "error-room-archived",
                if t == "p" {
                    format!("The private group, {name}, is archived")
                } else {
                    format!("The channel, {name}, is archived")
                },
            ));
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
                return Err(Error::bad(
                    "error-room-param-not-provided",
                    "Query param \"roomId\" or \"username\" is required",
                ));
            }
        };
        let room = room.filter(|r| r.t == "d").ok_or_else(|| room_not_found_for("d"))?;
        if !self.can_read(user, &room)? {
            return Err(room_not_found_for("d"));
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
        let invalid_room = || Error::bad("error-invalid-room", "Invalid room");
        if t.is_empty() || name.is_empty() {
            return Err(invalid_room());
        }
        if user.is_none() && (t != "c" || !self.0.settings.bool("Accounts_AllowAnonymousRead")) {
            return Err(invalid_user());
        }
        let room = match (t, user) {
            ("d", Some(user)) => match self.direct_with_username(user, name)? {
                Some(r) => Some(r),
                None => self.0.store.room_by_id(name)?,
            },
            ("c" | "p", _) => match self.0.store.room_by_name(name.trim_start_matches('#'))? {
                Some(r) => Some(r),
                None => self.0.store.room_by_id(name)?,
            },
            _ => None,
        };
        let room = room.filter(|r| r.t == t).ok_or_else(invalid_room)?;
        if let Some(user) = user
            && !self.can_read(user, &room)?
        {
            return Err(Error::bad("error-no-permission", "No permission"));
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

    /// The room as REST answers show it.
    pub fn view(&self, room: &Room) -> Value {
        room.public_view()
    }

    /// `getRoomNameById`: the name of a readable room.
    pub fn name_of(&self, user: &User, rid: &str) -> Result<String> {
        let room = self.0.store.room_by_id(rid)?.ok_or_else(not_allowed)?;
        if !self.can_read(user, &room)? {
            return Err(not_allowed());
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
