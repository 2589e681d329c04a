//! Joining, leaving, inviting, kicking, muting, and listing members.

use serde::Serialize;
use serde_json::Map;

use super::*;
use crate::bus::ChangeAction;
use crate::error::{Kind, Result};
use crate::ids;
use crate::models::{Room, RoomType, User, UserRef};
use crate::store::{MemberQuery, Paged, TeamMember, TeamUser};
use crate::time::Date;

impl Rooms<'_> {
    /// `getUsersOfRoom`: members of a room the caller can read — only those not offline unless
    /// `show_all` — and `total`, the count of all its active members (before status, filter and
    /// paging, as upstream counts it). Errors as upstream: `error-invalid-room` without a room
    /// id, `error-not-allowed` for an unknown room or a broadcast room without
    /// `view-broadcast-member-list`, `not-authorized` for a room the caller can't read.
    pub fn users_of_room(
        &self,
        user: &User,
        rid: &str,
        show_all: bool,
        filter: Option<&str>,
        offset: usize,
        limit: Option<usize>,
    ) -> Result<Paged<Member>> {
        if rid.is_empty() {
            return Err(Kind::InvalidRoom.into());
        }
        let room = self.0.store.room_by_id(rid)?.ok_or(Kind::NotAllowed)?;
        if !self.can_read(user, &room)? {
            return Err(Kind::MethodNotAuthorized.into());
        }
        if room.broadcast && !self.0.authz().can(user, "view-broadcast-member-list", Some(&room.id))? {
            return Err(Kind::NotAllowed.into());
        }
        let q = MemberQuery {
            filter: filter.map(String::from),
            status: if show_all { vec![] } else { vec!["online".into(), "away".into(), "busy".into()] },
            offset,
            limit,
            ..Default::default()
        };
        let (records, _) = self.members(user, &room, &q)?;
        let (_, total) = self.0.store.room_members(&room.id, &MemberQuery { limit: Some(0), ..Default::default() })?;
        Ok((records, total))
    }

    /// Removes a user from every room they are in, without system messages (account
    /// deletion). Rooms keep their other members; publishes the removals.
    pub fn remove_from_all_rooms(&self, user: &User) -> Result<()> {
        for sub in self.0.store.subscriptions_of_user(&user.id)? {
            if let Some((sub, room)) = self.0.store.remove_member(&sub.rid, &user.id)? {
                self.0.emit_subscription(ChangeAction::Removed, &sub);
                if let Some(room) = room {
                    self.0.emit_room(ChangeAction::Updated, &room);
                    if room.team_main
                        && let Some(team_id) = &room.team_id
                    {
                        self.0.store.delete_team_member(team_id, &user.id)?;
                    }
                }
            }
        }
        Ok(())
    }

    /// Adds `user` to `room` (`addUserToRoom`). Returns `false` when they were already a
    /// member or the room type has no members to add. Writes `au` (with an inviter), `uj`,
    /// `ut` (discussions) or `ujt` (team main rooms) unless `silenced`, and keeps the team
    /// membership of a team's main room in step.
    pub fn add_user(&self, room: &Room, user: &User, inviter: Option<&User>, silenced: bool) -> Result<bool> {
        if room.is_direct() || self.0.store.subscription(&room.id, &user.id)?.is_some() {
            return Ok(false);
        }
        let now = Date::now();
        let mut sub = new_subscription(room, user, now);
        if inviter.is_some_and(|i| i.id != user.id) {
            sub.alert = true;
            sub.unread = 1;
            sub.user_mentions = 1;
        } else {
            sub.ls = Some(now);
        }
        let after = match self.0.store.add_member(&sub) {
            Ok(after) => after.unwrap_or_else(|| room.clone()),
            // Joined concurrently.
            Err(e) if e.is(Kind::UserAlreadyInRoom) => return Ok(false),
            Err(e) => return Err(e),
        };
        self.0.emit_subscription(ChangeAction::Inserted, &sub);
        self.0.emit_room(ChangeAction::Updated, &after);
        if !silenced {
            match inviter.filter(|i| i.id != user.id) {
                Some(inviter) => {
                    let t = if room.team_main { "added-user-to-team" } else { "au" };
                    self.0.system_messages().record(&after, t, &user.username, inviter, Map::new())?;
                }
                None => {
                    let t = if room.prid.is_some() {
                        "ut"
                    } else if room.team_main {
                        "ujt"
                    } else {
                        "uj"
                    };
                    self.0.system_messages().record(&after, t, &user.username, user, Map::new())?;
                }
            }
        }
        if room.team_main
            && let Some(team_id) = &room.team_id
            && self.0.store.team_member(team_id, &user.id)?.is_none()
        {
            let by = inviter.unwrap_or(user);
            self.0.store.put_team_member(&TeamMember {
                id: ids::random_id(),
                team_id: team_id.clone(),
                user_id: user.id.clone(),
                roles: vec!["member".into()],
                created_by: TeamUser { id: by.id.clone(), username: by.username.clone() },
                created_at: now,
                updated_at: now,
            })?;
        }
        Ok(true)
    }

    /// Adds a new user to every default room (`default: true`), as joining them: a
    /// subscription, the `uj` system message and the room and subscription events.
    pub fn join_defaults(&self, user: &User) -> Result<()> {
        for room in
            self.0.store.rooms_by_types(&[RoomType::Channel, RoomType::Private])?.into_iter().filter(|r| r.is_default)
        {
            self.add_user(&room, user, None, false)?;
        }
        Ok(())
    }

    /// Adds users by username (`channels.invite`, `addUsersToRoom`, `/invite`). The actor
    /// needs `add-user-to-joined-room` in a room they are in, or `add-user-to-any-c-room` /
    /// `add-user-to-any-p-room`. Users already in the room get an ephemeral notice instead.
    pub fn add_users(&self, actor: &User, room: &Room, usernames: &[String]) -> Result<()> {
        if room.is_direct() {
            return Err(Kind::CantInviteForDirectRoom.into());
        }
        let in_room = self.0.store.subscription(&room.id, &actor.id)?.is_some();
        let allowed = (in_room && self.0.authz().can(actor, "add-user-to-joined-room", Some(&room.id))?)
            || (room.t == RoomType::Channel && self.0.authz().can(actor, "add-user-to-any-c-room", None)?)
            || (room.t == RoomType::Private && self.0.authz().can(actor, "add-user-to-any-p-room", None)?);
        if !allowed {
            return Err(Kind::NotAllowed.into());
        }
        let mut users = Vec::new();
        for name in usernames {
            let name = name.trim().trim_start_matches('@');
            let user = self.0.store.user_by_username(name)?.ok_or(Kind::UserNotFound)?;
            users.push(user);
        }
        for user in users {
            if !self.add_user(room, &user, Some(actor), false)? {
                self.0.notices().notice(actor, &room.id, &format!("@{} is already in here.", user.username));
            }
        }
        Ok(())
    }

    /// `joinRoom` / `channels.join` / `/join`: joins a public channel the user may see,
    /// checking its join code unless the user holds `join-without-join-code`.
    pub fn join(&self, user: &User, room: &Room, join_code: Option<&str>) -> Result<bool> {
        if room.t != RoomType::Channel || !self.can_read(user, room)? {
            return Err(Kind::NotAllowed.into());
        }
        if self.0.store.subscription(&room.id, &user.id)?.is_some() {
            return Ok(true);
        }
        if let Some(code) = room.join_code.as_deref().filter(|c| !c.is_empty())
            && !self.0.authz().can(user, "join-without-join-code", None)?
        {
            match join_code.filter(|c| !c.is_empty()) {
                None => return Err(Kind::CodeRequired.into()),
                Some(given) if given != code => return Err(Kind::CodeInvalid.into()),
                Some(_) => {}
            }
        }
        self.add_user(room, user, None, false)
    }

    /// `leaveRoom` / `channels.leave` / `rooms.leave`: the last owner must name another owner
    /// first.
    pub fn leave(&self, user: &User, room: &Room) -> Result<()> {
        if room.is_direct() {
            return Err(Kind::NotAllowed.into());
        }
        let perm = if room.t == RoomType::Channel { "leave-c" } else { "leave-p" };
        if !self.0.authz().can(user, perm, None)? {
            return Err(Kind::NotAllowed.into());
        }
        let sub = self
            .0
            .store
            .subscription(&room.id, &user.id)?
            .ok_or_else(|| Kind::UserNotInRoom.with_message("You are not in this room"))?;
        if sub.has_role("owner") && self.0.store.subscriptions_with_role(&room.id, "owner")?.len() == 1 {
            return Err(Kind::YouAreLastOwner.into());
        }
        self.remove_user(room, user, None)
    }

    /// `removeUserFromRoom` / `channels.kick` / `/kick`: needs `remove-user` in the room; the
    /// last owner can't be removed.
    pub fn kick(&self, actor: &User, room: &Room, target: &User) -> Result<()> {
        if room.is_direct() || !self.0.authz().can(actor, "remove-user", Some(&room.id))? {
            return Err(Kind::NotAllowed.into());
        }
        let any = if room.t == RoomType::Channel { "kick-user-from-any-c-room" } else { "kick-user-from-any-p-room" };
        if !self.0.authz().can(actor, any, None)? && !self.can_read(actor, room)? {
            return Err(room_not_found_for(room.t));
        }
        let sub = self.0.store.subscription(&room.id, &target.id)?.ok_or(Kind::UserNotInRoom)?;
        if sub.has_role("owner") && self.0.store.subscriptions_with_role(&room.id, "owner")?.len() == 1 {
            return Err(Kind::YouAreLastOwner.into());
        }
        self.remove_user(room, target, Some(actor))
    }

    /// Removes a member without permission checks: `ru` when removed by someone else, `ul`
    /// when leaving (their team variants in a team's main room).
    pub fn remove_user(&self, room: &Room, user: &User, by: Option<&User>) -> Result<()> {
        let Some((sub, after)) = self.0.store.remove_member(&room.id, &user.id)? else { return Ok(()) };
        let after = after.unwrap_or_else(|| room.clone());
        self.0.emit_subscription(ChangeAction::Removed, &sub);
        self.0.emit_room(ChangeAction::Updated, &after);
        match by.filter(|b| b.id != user.id) {
            Some(by) => {
                let t = if room.team_main { "removed-user-from-team" } else { "ru" };
                self.0.system_messages().record(&after, t, &user.username, by, Map::new())?;
            }
            None => {
                let t = if room.team_main { "ult" } else { "ul" };
                self.0.system_messages().record(&after, t, &user.username, user, Map::new())?;
            }
        }
        if room.team_main
            && let Some(team_id) = &room.team_id
        {
            self.0.store.delete_team_member(team_id, &user.id)?;
        }
        Ok(())
    }

    /// `addAllUserToRoom` / `channels.addAll`: every (active) user joins (`add-all-to-room`).
    pub fn add_all(&self, actor: &User, room: &Room, active_only: bool) -> Result<()> {
        if room.is_direct() || !self.0.authz().can(actor, "add-all-to-room", None)? {
            return Err(Kind::NotAllowed.into());
        }
        for user in self.0.store.all_users()? {
            if (active_only && !user.active) || user.username.is_empty() {
                continue;
            }
            self.add_user(room, &user, None, false)?;
        }
        Ok(())
    }

    // ---------------------------------------------------------------- room roles

    /// `rooms.muteUser` / `rooms.unmuteUser` / `/mute` (`mute-user` in the room): keeps the
    /// room's `muted` list of usernames and writes `user-muted` / `user-unmuted`.
    pub fn set_muted(&self, actor: &User, room: &Room, username: &str, mute: bool) -> Result<Room> {
        if !self.0.authz().can(actor, "mute-user", Some(&room.id))? {
            return Err(Kind::NotAllowed.into());
        }
        if room.t != RoomType::Channel && room.t != RoomType::Private {
            return Err(Kind::InvalidRoomType.with_message(format!("{} is not a valid room type", room.t)));
        }
        let user = self.0.store.user_by_username(username.trim_start_matches('@'))?.ok_or_else(invalid_user)?;
        if mute && self.0.store.subscription(&room.id, &user.id)?.is_none() {
            return Err(Kind::UserNotInRoom.into());
        }
        let now = Date::now();
        let after = self
            .0
            .store
            .modify_room(&room.id, &mut |r| {
                r.muted.retain(|u| u != &user.username);
                if mute {
                    r.muted.push(user.username.clone());
                }
                r.updated_at = now;
                Ok(())
            })?
            .ok_or_else(room_not_found)?;
        self.0.emit_room(ChangeAction::Updated, &after);
        let t = if mute { "user-muted" } else { "user-unmuted" };
        self.0.system_messages().record(&after, t, &user.username, actor, Map::new())?;
        Ok(after)
    }

    // ---------------------------------------------------------------- discussions

    /// Active members of a room, sorted by username. Broadcast rooms need `view-broadcast-member-list`.
    pub fn members(&self, user: &User, room: &Room, q: &MemberQuery) -> Result<Paged<Member>> {
        if room.broadcast && !self.0.authz().can(user, "view-broadcast-member-list", Some(&room.id))? {
            return Err(crate::services::authz::unauthorized());
        }
        let (users, total) = self.0.store.room_members(&room.id, q)?;
        Ok((users.into_iter().map(Member::from).collect(), total))
    }

    /// Members of a room currently not offline (`channels.online`): `[{_id, username}]`.
    pub fn online(&self, user: &User, room: &Room) -> Result<Vec<UserRef>> {
        if !self.can_read(user, room)? {
            return Err(Kind::NotAllowed.with_message("Not Allowed"));
        }
        let q = MemberQuery { status: vec!["online".into(), "away".into(), "busy".into()], ..Default::default() };
        let (users, _) = self.0.store.room_members(&room.id, &q)?;
        Ok(users.into_iter().map(|u| UserRef { id: u.id, username: u.username, name: None }).collect())
    }
}

/// A room member as member lists show it.
#[derive(Debug, Clone, Serialize)]
pub struct Member {
    #[serde(rename = "_id")]
    pub id: String,
    pub username: String,
    pub status: String,
    #[serde(rename = "utcOffset")]
    pub utc_offset: f64,
    #[serde(rename = "_updatedAt")]
    pub updated_at: Date,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(rename = "statusText", skip_serializing_if = "Option::is_none")]
    pub status_text: Option<String>,
    #[serde(rename = "avatarETag", skip_serializing_if = "Option::is_none")]
    pub avatar_etag: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nickname: Option<String>,
}

impl From<User> for Member {
    fn from(u: User) -> Self {
        Member {
            id: u.id,
            username: u.username,
            status: u.status,
            utc_offset: u.utc_offset,
            updated_at: u.updated_at,
            name: u.name,
            status_text: u.status_text,
            avatar_etag: u.avatar_etag,
            nickname: u.nickname,
        }
    }
}

impl Rooms<'_> {
    /// Whether the user is subscribed to the room (`rooms.isMember`).
    pub fn is_member(&self, rid: &str, user_id: &str) -> Result<bool> {
        Ok(self.0.store.subscription(rid, user_id)?.is_some())
    }
}
