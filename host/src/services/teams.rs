//! Teams, as Rocket.Chat 8 has them: a team is a main room (`teamMain: true`) plus a teams
//! record and memberships with team roles; other rooms join the team by carrying its `teamId`.

use serde::Serialize;
use serde_json::{Value, json};

use super::Services;
use super::rooms::NewRoom;
use crate::bus::ChangeAction;
use crate::error::{Error, Kind, Result};
use crate::ids;
use crate::models::{Room, RoomType, User};
use crate::services::authz::unauthorized;
use crate::store::{Team, TeamMember, TeamUser};
use crate::time::Date;

/// Teams operations.
pub struct Teams<'a>(pub &'a Services);

impl Services {
    /// Teams operations.
    pub fn teams(&self) -> Teams<'_> {
        Teams(self)
    }
}

/// Team types.
pub const TEAM_PUBLIC: i64 = 0;
pub const TEAM_PRIVATE: i64 = 1;

/// What [`Teams::create`] needs.
#[derive(Debug, Clone, Default)]
pub struct NewTeam {
    pub name: String,
    /// [`TEAM_PUBLIC`] or [`TEAM_PRIVATE`].
    pub kind: i64,
    /// User ids added besides the owner.
    pub members: Vec<String>,
    /// Convert this existing room instead of creating a main room.
    pub room_id: Option<String>,
    /// The main room is read-only.
    pub read_only: bool,
    /// The owner, when not the caller.
    pub owner: Option<String>,
    /// Extra fields of a new main room (`room.extraData`).
    pub extra: serde_json::Map<String, Value>,
}

/// Filters of `teams.members`.
#[derive(Debug, Clone, Default)]
pub struct MemberFilter {
    pub username: Option<String>,
    pub name: Option<String>,
    pub status: Vec<String>,
}

/// A team with how many rooms and members it has (`teams.list`, `teams.listAll`).
#[derive(Debug, Clone, Serialize)]
pub struct TeamWithCounts {
    #[serde(flatten)]
    pub team: Team,
    pub rooms: usize,
    #[serde(rename = "numberOfUsers")]
    pub number_of_users: usize,
}

/// A member as `teams.members` lists them.
#[derive(Debug, Clone, Serialize)]
pub struct TeamMemberView {
    pub user: MemberUser,
    pub roles: Vec<String>,
    #[serde(rename = "createdBy")]
    pub created_by: TeamUser,
    #[serde(rename = "createdAt")]
    pub created_at: Date,
}

/// `{_id, username, name, status}` of a team member.
#[derive(Debug, Clone, Serialize)]
pub struct MemberUser {
    #[serde(rename = "_id")]
    pub id: String,
    pub username: String,
    pub name: Option<String>,
    pub status: String,
}

/// A team room a user is in (`teams.listRoomsOfUser`), with `isLastOwner` where they own it.
#[derive(Debug, Clone, Serialize)]
pub struct TeamRoomOfUser {
    #[serde(flatten)]
    pub room: Room,
    #[serde(rename = "isLastOwner", skip_serializing_if = "Option::is_none")]
    pub is_last_owner: Option<bool>,
}

/// A team's main room as `teams.autocomplete` suggests it.
#[derive(Debug, Clone, Serialize)]
pub struct TeamRoomRef {
    #[serde(rename = "_id")]
    pub id: String,
    pub name: Option<String>,
    pub fname: Option<String>,
    pub t: RoomType,
    #[serde(rename = "teamId")]
    pub team_id: String,
    #[serde(rename = "avatarETag", skip_serializing_if = "Option::is_none")]
    pub avatar_etag: Option<Value>,
}

fn team_not_found() -> Error {
    Error::from(Kind::TeamDoesNotExist)
}

fn team_user(u: &User) -> TeamUser {
    TeamUser { id: u.id.clone(), username: u.username.clone() }
}

fn contains_ci(hay: &str, needle: &str) -> bool {
    hay.to_lowercase().contains(&needle.to_lowercase())
}

impl Teams<'_> {
    /// A team by `teamId` or `teamName`, or `team-does-not-exist`.
    pub fn find(&self, team_id: Option<&str>, team_name: Option<&str>) -> Result<Team> {
        match (team_id.filter(|s| !s.is_empty()), team_name.filter(|s| !s.is_empty())) {
            (Some(id), _) => self.0.store.team_by_id(id)?,
            (None, Some(name)) => self.0.store.team_by_name(name)?,
            (None, None) => {
                return Err(Kind::InvalidParams.with_message("The parameter \"teamId\" or \"teamName\" is required"));
            }
        }
        .ok_or_else(team_not_found)
    }

    fn main_room(&self, team: &Team) -> Result<Room> {
        self.0.store.room_by_id(&team.room_id)?.ok_or_else(|| Error::from(Kind::RoomNotFound))
    }

    fn new_member(team: &Team, user_id: &str, roles: Vec<String>, by: &User) -> TeamMember {
        let now = Date::now();
        TeamMember {
            id: ids::random_id(),
            team_id: team.id.clone(),
            user_id: user_id.to_string(),
            roles,
            created_by: team_user(by),
            created_at: now,
            updated_at: now,
        }
    }

    /// `teams.create` (`create-team`): creates the main room (`c` for public, `p` for
    /// private, with `create-c` / `create-p`) or converts `room_id` (`channels.convertToTeam`),
    /// and records the memberships: the owner as `owner`, everyone else as `member`.
    pub fn create(&self, caller: &User, new: NewTeam) -> Result<Team> {
        self.0.authz().require(caller, "create-team", None)?;
        if new.kind != TEAM_PUBLIC && new.kind != TEAM_PRIVATE {
            return Err(Kind::invalid_param("type"));
        }
        let name = new.name.trim().to_string();
        if name.is_empty() {
            return Err(Kind::param_required("name"));
        }
        if self.0.store.team_by_name(&name)?.is_some() {
            return Err(Kind::TeamNameAlreadyExists.into());
        }
        if let Some(existing) = self.0.store.room_by_name(&name)?
            && new.room_id.as_deref() != Some(existing.id.as_str())
        {
            return Err(Kind::RoomNameAlreadyExists.into());
        }
        let owner = match new.owner.as_deref().filter(|o| !o.is_empty()) {
            Some(id) => self.0.store.user_by_id(id)?.ok_or(Kind::TeamInvalidUser)?,
            None => caller.clone(),
        };
        let now = Date::now();
        let mut team = Team {
            id: ids::random_id(),
            name: name.clone(),
            kind: new.kind,
            room_id: String::new(),
            created_by: team_user(caller),
            created_at: now,
            updated_at: now,
            extra: Default::default(),
        };
        match new.room_id.as_deref().filter(|r| !r.is_empty()) {
            Some(rid) => {
                let room = self.0.store.room_by_id(rid)?.ok_or(Kind::RoomNotFound)?;
                if room.team_id.is_some() {
                    return Err(Kind::RoomAlreadyInTeam.into());
                }
                team.room_id = room.id.clone();
                let subs = self.0.store.subscriptions_of_room(&room.id)?;
                let members: Vec<TeamMember> = subs
                    .iter()
                    .map(|s| {
                        let roles =
                            if s.u.id == owner.id { vec!["owner".to_string()] } else { vec!["member".to_string()] };
                        Self::new_member(&team, &s.u.id, roles, caller)
                    })
                    .collect();
                self.0.store.insert_team(&team, &members)?;
                if !subs.iter().any(|s| s.u.id == owner.id) {
                    self.0.store.put_team_member(&Self::new_member(&team, &owner.id, vec!["owner".into()], caller))?;
                }
                let team_id = team.id.clone();
                let after = self
                    .0
                    .change_room_and_subscriptions(
                        &room.id,
                        &mut |r| {
                            r.team_main = true;
                            r.team_id = Some(team_id.clone());
                            r.updated_at = now;
                            Ok(())
                        },
                        &mut |s| {
                            s.extra.insert("teamMain".into(), json!(true));
                            s.extra.insert("teamId".into(), json!(team_id));
                            s.updated_at = now;
                            true
                        },
                    )?
                    .ok_or(Kind::RoomNotFound)?;
                self.0.system_messages().record(&after, "user-converted-to-team", &name, caller, Default::default())?;
            }
            None => {
                let t = if new.kind == TEAM_PRIVATE { RoomType::Private } else { RoomType::Channel };
                self.0.authz().require(&owner, if t == RoomType::Channel { "create-c" } else { "create-p" }, None)?;
                let users = self.0.store.users_by_ids(&new.members)?;
                let usernames: Vec<String> = users.iter().filter(|u| u.active).map(|u| u.username.clone()).collect();
                let members: Vec<TeamMember> = users
                    .iter()
                    .filter(|u| u.active && u.id != owner.id)
                    .map(|u| Self::new_member(&team, &u.id, vec!["member".into()], caller))
                    .chain(std::iter::once(Self::new_member(&team, &owner.id, vec!["owner".into()], caller)))
                    .collect();
                // The team exists first so the room can carry its id.
                self.0.store.insert_team(&team, &members)?;
                let mut extra = new.extra.clone();
                extra.insert("teamId".into(), json!(team.id));
                extra.insert("teamMain".into(), json!(true));
                let room = self.0.rooms().create_unchecked(
                    &owner,
                    NewRoom {
                        t,
                        name: name.clone(),
                        members: usernames,
                        read_only: new.read_only,
                        extra,
                        ..Default::default()
                    },
                );
                match room {
                    Ok(room) => team.room_id = room.id,
                    Err(e) => {
                        self.0.store.delete_team(&team.id)?;
                        return Err(e);
                    }
                }
            }
        }
        team.updated_at = Date::now();
        self.0.store.update_team(&team)?;
        Ok(team)
    }

    /// `teams.info`: the team, for members of its main room or holders of `view-all-teams`.
    pub fn info(&self, caller: &User, team: &Team) -> Result<Team> {
        let room = self.main_room(team)?;
        if !self.0.rooms().can_read(caller, &room)? && !self.0.authz().can(caller, "view-all-teams", None)? {
            return Err(unauthorized());
        }
        Ok(team.clone())
    }

    fn with_counts(&self, team: &Team) -> Result<TeamWithCounts> {
        Ok(TeamWithCounts {
            team: team.clone(),
            rooms: self.0.store.rooms_by_team(&team.id)?.len(),
            number_of_users: self.0.store.team_members(&team.id)?.len(),
        })
    }

    /// `teams.list`: the teams the caller is a member of, with `rooms` and `numberOfUsers`.
    pub fn list(&self, caller: &User) -> Result<Vec<TeamWithCounts>> {
        let ids: Vec<String> =
            self.0.store.team_memberships_of_user(&caller.id)?.into_iter().map(|m| m.team_id).collect();
        self.0.store.teams_by_ids(&ids)?.iter().map(|t| self.with_counts(t)).collect()
    }

    /// `teams.listAll` (`view-all-teams`).
    pub fn list_all(&self, caller: &User) -> Result<Vec<TeamWithCounts>> {
        self.0.authz().require(caller, "view-all-teams", None)?;
        self.0.store.teams()?.iter().map(|t| self.with_counts(t)).collect()
    }

    /// `teams.members`: `[{user: {_id, username, name, status}, roles, createdBy, createdAt}]`,
    /// for members of the team (or `view-all-teams`); others see an empty list.
    pub fn members(&self, caller: &User, team: &Team, filter: &MemberFilter) -> Result<Vec<TeamMemberView>> {
        let can_see_all = self.0.authz().can(caller, "view-all-teams", Some(&team.room_id))?;
        if !can_see_all && self.0.store.team_member(&team.id, &caller.id)?.is_none() {
            return Ok(vec![]);
        }
        let members = self.0.store.team_members(&team.id)?;
        let ids: Vec<String> = members.iter().map(|m| m.user_id.clone()).collect();
        let users = self.0.store.users_by_ids(&ids)?;
        let mut out = Vec::new();
        for m in &members {
            let Some(u) = users.iter().find(|u| u.id == m.user_id) else { continue };
            if filter.username.as_deref().is_some_and(|f| !contains_ci(&u.username, f))
                || filter.name.as_deref().is_some_and(|f| !contains_ci(u.name.as_deref().unwrap_or(""), f))
                || (!filter.status.is_empty() && !filter.status.contains(&u.status))
            {
                continue;
            }
            out.push(TeamMemberView {
                user: MemberUser {
                    id: u.id.clone(),
                    username: u.username.clone(),
                    name: u.name.clone(),
                    status: u.status.clone(),
                },
                roles: m.roles.clone(),
                created_by: m.created_by.clone(),
                created_at: m.created_at,
            });
        }
        Ok(out)
    }

    /// `teams.addMembers` (`add-team-member` or `edit-team-member`): each user joins the main
    /// room and gets the given team roles (`member` by default).
    pub fn add_members(&self, caller: &User, team: &Team, members: &[(String, Vec<String>)]) -> Result<()> {
        if !self.0.authz().can_any(caller, &["add-team-member", "edit-team-member"], Some(&team.room_id))? {
            return Err(unauthorized());
        }
        let room = self.main_room(team)?;
        let mut users = Vec::new();
        for (uid, roles) in members {
            let user = self.0.store.user_by_id(uid)?.ok_or(Kind::TeamInvalidUser)?;
            users.push((user, roles));
        }
        for (user, roles) in users {
            self.0.rooms().add_user(&room, &user, Some(caller), false)?;
            let mut member = self
                .0
                .store
                .team_member(&team.id, &user.id)?
                .unwrap_or_else(|| Self::new_member(team, &user.id, vec![], caller));
            let roles = if roles.is_empty() { vec!["member".to_string()] } else { roles.clone() };
            for r in roles {
                if !member.roles.contains(&r) {
                    member.roles.push(r);
                }
            }
            member.updated_at = Date::now();
            self.0.store.put_team_member(&member)?;
        }
        Ok(())
    }

    /// `teams.updateMember` (`edit-team-member`): replaces a member's team roles.
    pub fn update_member(&self, caller: &User, team: &Team, user_id: &str, roles: Vec<String>) -> Result<()> {
        if !self.0.authz().can(caller, "edit-team-member", Some(&team.room_id))? {
            return Err(unauthorized());
        }
        let mut member = self.0.store.team_member(&team.id, user_id)?.ok_or(Kind::MemberDoesNotExist)?;
        if member.roles.iter().any(|r| r == "owner")
            && !roles.iter().any(|r| r == "owner")
            && self.owner_count(team)? <= 1
        {
            return Err(Kind::LastOwnerCanNotBeRemoved.into());
        }
        member.roles = roles;
        member.updated_at = Date::now();
        self.0.store.put_team_member(&member)
    }

    fn owner_count(&self, team: &Team) -> Result<usize> {
        Ok(self.0.store.team_members(&team.id)?.iter().filter(|m| m.roles.iter().any(|r| r == "owner")).count())
    }

    fn remove_membership(&self, team: &Team, user: &User, by: &User) -> Result<()> {
        let existing = self.0.store.team_member(&team.id, &user.id)?;
        let sub = self.0.store.subscription(&team.room_id, &user.id)?;
        if existing.is_none() && sub.is_none() {
            return Err(Kind::MemberDoesNotExist.into());
        }
        if let Some(m) = &existing
            && m.roles.iter().any(|r| r == "owner")
            && self.owner_count(team)? <= 1
        {
            return Err(Kind::LastOwnerCanNotBeRemoved.into());
        }
        self.0.store.delete_team_member(&team.id, &user.id)?;
        if let Some(room) = self.0.store.room_by_id(&team.room_id)? {
            self.0.rooms().remove_user(&room, user, Some(by))?;
        }
        Ok(())
    }

    fn team_rooms_among(&self, team: &Team, rids: &[String]) -> Result<Vec<Room>> {
        Ok(self.0.store.rooms_by_team(&team.id)?.into_iter().filter(|r| !r.team_main && rids.contains(&r.id)).collect())
    }

    /// `teams.removeMember` (`edit-team-member`): removes the membership and the main-room
    /// subscription, and the user from the listed team rooms.
    pub fn remove_member(&self, caller: &User, team: &Team, user_id: &str, rooms: &[String]) -> Result<()> {
        if !self.0.authz().can(caller, "edit-team-member", Some(&team.room_id))? {
            return Err(unauthorized());
        }
        let user = self.0.store.user_by_id(user_id)?.filter(|u| u.active).ok_or(Kind::TeamInvalidUser)?;
        self.remove_membership(team, &user, caller)?;
        for room in self.team_rooms_among(team, rooms)? {
            self.0.rooms().remove_user(&room, &user, Some(caller))?;
        }
        Ok(())
    }

    /// `teams.leave`: the caller leaves the team (and the listed team rooms).
    pub fn leave(&self, caller: &User, team: &Team, rooms: &[String]) -> Result<()> {
        self.remove_membership(team, caller, caller)?;
        for room in self.team_rooms_among(team, rooms)? {
            self.0.rooms().remove_user(&room, caller, None)?;
        }
        Ok(())
    }

    /// `teams.addRooms` (`add-team-channel` or `move-room-to-team` in the main room): moves
    /// rooms the caller is in into the team.
    pub fn add_rooms(&self, caller: &User, team: &Team, rids: &[String]) -> Result<Vec<Room>> {
        if !self.0.authz().can_any(caller, &["add-team-channel", "move-room-to-team"], Some(&team.room_id))? {
            return Err(Kind::NoPermissionTeamChannel.into());
        }
        let mut rooms = Vec::new();
        for rid in rids {
            let room = self.0.store.room_by_id(rid)?.ok_or(Kind::TeamInvalidRoom)?;
            if room.is_direct() {
                return Err(Kind::TeamInvalidRoom.into());
            }
            if room.team_id.is_some() {
                return Err(Kind::RoomAlreadyOnTeam.into());
            }
            if self.0.store.subscription(&room.id, &caller.id)?.is_none() {
                return Err(Kind::NoOwnerChannel.into());
            }
            rooms.push(room);
        }
        let main = self.main_room(team)?;
        let mut out = Vec::new();
        for room in rooms {
            let now = Date::now();
            let team_id = team.id.clone();
            let after = self
                .0
                .change_room_and_subscriptions(
                    &room.id,
                    &mut |r| {
                        r.team_id = Some(team_id.clone());
                        r.updated_at = now;
                        Ok(())
                    },
                    &mut |s| {
                        s.extra.insert("teamId".into(), json!(team_id));
                        s.updated_at = now;
                        true
                    },
                )?
                .ok_or(Kind::TeamInvalidRoom)?;
            if after.t == RoomType::Channel {
                self.0.system_messages().record(
                    &main,
                    "user-added-room-to-team",
                    after.name.as_deref().unwrap_or_default(),
                    caller,
                    Default::default(),
                )?;
            }
            out.push(after);
        }
        Ok(out)
    }

    fn unset_team(&self, room: &Room) -> Result<Room> {
        let now = Date::now();
        let after = self
            .0
            .change_room_and_subscriptions(
                &room.id,
                &mut |r| {
                    r.team_id = None;
                    r.team_main = false;
                    r.extra.remove("teamDefault");
                    r.updated_at = now;
                    Ok(())
                },
                &mut |s| {
                    s.extra.remove("teamId");
                    s.extra.remove("teamMain");
                    s.updated_at = now;
                    true
                },
            )?
            .ok_or(Kind::TeamInvalidRoom)?;
        Ok(after)
    }

    /// `teams.removeRoom` (`remove-team-channel`): moves a room out of the team. Without
    /// `view-all-team-channels` the caller must be in the room.
    pub fn remove_room(&self, caller: &User, team: &Team, rid: &str) -> Result<Room> {
        if !self.0.authz().can(caller, "remove-team-channel", Some(&team.room_id))? {
            return Err(unauthorized());
        }
        let room = self
            .0
            .store
            .room_by_id(rid)?
            .filter(|r| r.team_id.as_deref() == Some(team.id.as_str()))
            .ok_or(Kind::TeamInvalidRoom)?;
        if !self.0.authz().can(caller, "view-all-team-channels", Some(&team.room_id))?
            && self.0.store.subscription(&room.id, &caller.id)?.is_none()
        {
            return Err(unauthorized());
        }
        if room.team_main {
            return Err(Kind::CannotRemoveTeamMainRoom.into());
        }
        let after = self.unset_team(&room)?;
        if let Ok(main) = self.main_room(team) {
            self.0.system_messages().record(
                &main,
                "user-removed-room-from-team",
                room.name.as_deref().unwrap_or_default(),
                caller,
                Default::default(),
            )?;
        }
        Ok(after)
    }

    /// `teams.updateRoom` (`edit-team-channel`): marks a team room as auto-join
    /// (`teamDefault`); making it default adds every team member.
    pub fn update_room(&self, caller: &User, rid: &str, is_default: bool) -> Result<Room> {
        let room = self.0.store.room_by_id(rid)?.ok_or(Kind::TeamInvalidRoom)?;
        let team = match &room.team_id {
            Some(t) => self.0.store.team_by_id(t)?.ok_or_else(team_not_found)?,
            None => return Err(team_not_found()),
        };
        if !self.0.authz().can(caller, "edit-team-channel", Some(&team.room_id))? {
            return Err(unauthorized());
        }
        if !self.0.authz().can(caller, "view-all-team-channels", Some(&team.room_id))?
            && self.0.store.subscription(&room.id, &caller.id)?.is_none()
        {
            return Err(unauthorized());
        }
        let now = Date::now();
        let after = self
            .0
            .store
            .modify_room(&room.id, &mut |r| {
                r.extra.insert("teamDefault".into(), json!(is_default));
                r.updated_at = now;
                Ok(())
            })?
            .ok_or(Kind::TeamInvalidRoom)?;
        self.0.emit_room(ChangeAction::Updated, &after);
        if is_default {
            let ids: Vec<String> = self.0.store.team_members(&team.id)?.into_iter().map(|m| m.user_id).collect();
            for user in self.0.store.users_by_ids(&ids)? {
                self.0.rooms().add_user(&after, &user, None, false)?;
            }
        }
        Ok(self.0.store.room_by_id(&after.id)?.unwrap_or(after))
    }

    /// `teams.listRooms`: the team's rooms (not the main room) the caller may see — public
    /// ones and those they are in, or all with `view-all-team-channels` — optionally only
    /// auto-join ones and filtered by name.
    pub fn list_rooms(&self, caller: &User, team: &Team, filter: Option<&str>, auto_join: bool) -> Result<Vec<Room>> {
        let main = self.main_room(team)?;
        let all = self.0.authz().can(caller, "view-all-team-channels", Some(&team.room_id))?;
        if !all && !self.0.rooms().can_read(caller, &main)? && !self.0.authz().can(caller, "view-all-teams", None)? {
            return Err(unauthorized());
        }
        let mut out = Vec::new();
        for room in self.0.store.rooms_by_team(&team.id)? {
            if room.team_main {
                continue;
            }
            if auto_join && room.extra.get("teamDefault").and_then(Value::as_bool) != Some(true) {
                continue;
            }
            if let Some(f) = filter.filter(|f| !f.is_empty())
                && !contains_ci(room.name.as_deref().unwrap_or(""), f)
                && !contains_ci(room.fname.as_deref().unwrap_or(""), f)
            {
                continue;
            }
            if all || room.t == RoomType::Channel || self.0.store.subscription(&room.id, &caller.id)?.is_some() {
                out.push(room);
            }
        }
        out.sort_by_key(|r| r.name.clone().unwrap_or_default().to_lowercase());
        Ok(out)
    }

    /// `teams.listRoomsOfUser`: the team rooms `user_id` is in (the caller themself, or with
    /// `view-all-team-channels`); with `can_user_delete`, only those the user owns, marked with
    /// `isLastOwner`.
    pub fn list_rooms_of_user(
        &self,
        caller: &User,
        team: &Team,
        user_id: &str,
        can_user_delete: bool,
    ) -> Result<Vec<TeamRoomOfUser>> {
        if caller.id != user_id && !self.0.authz().can(caller, "view-all-team-channels", Some(&team.room_id))? {
            return Err(unauthorized());
        }
        let mut out = Vec::new();
        for room in self.0.store.rooms_by_team(&team.id)? {
            if room.team_main {
                continue;
            }
            let Some(sub) = self.0.store.subscription(&room.id, user_id)? else { continue };
            let owner = sub.has_role("owner");
            if can_user_delete && !owner {
                continue;
            }
            let is_last_owner =
                if owner { Some(self.0.store.subscriptions_with_role(&room.id, "owner")?.len() == 1) } else { None };
            // The join code is never sent to clients.
            out.push(TeamRoomOfUser { room: Room { join_code: None, ..room }, is_last_owner });
        }
        Ok(out)
    }

    /// `teams.delete` (`delete-team` in the main room): deletes the listed team rooms, moves
    /// the others back to the workspace, then deletes the main room and the team.
    pub fn delete(&self, caller: &User, team: &Team, rooms_to_remove: &[String]) -> Result<()> {
        if !self.0.authz().can(caller, "delete-team", Some(&team.room_id))? {
            return Err(unauthorized());
        }
        for room in self.team_rooms_among(team, rooms_to_remove)? {
            self.0.rooms().erase_unchecked(caller, &room)?;
        }
        for room in self.0.store.rooms_by_team(&team.id)? {
            if !room.team_main {
                self.unset_team(&room)?;
            }
        }
        if let Some(main) = self.0.store.room_by_id(&team.room_id)? {
            self.0.rooms().erase_unchecked(caller, &main)?;
        }
        self.0.store.delete_team(&team.id)
    }

    /// `teams.convertToChannel` (`convert-team` in the main room): the main room becomes a
    /// plain room again.
    pub fn convert_to_channel(&self, caller: &User, team: &Team, rooms_to_remove: &[String]) -> Result<()> {
        if !self.0.authz().can(caller, "convert-team", Some(&team.room_id))? {
            return Err(unauthorized());
        }
        for room in self.team_rooms_among(team, rooms_to_remove)? {
            self.0.rooms().erase_unchecked(caller, &room)?;
        }
        for room in self.0.store.rooms_by_team(&team.id)? {
            self.unset_team(&room)?;
        }
        self.0.store.delete_team(&team.id)
    }

    /// `teams.update` (`edit-team`): renames the team and its main room and/or changes its
    /// type (and the main room's type with it).
    pub fn update(&self, caller: &User, team: &Team, name: Option<&str>, kind: Option<i64>) -> Result<()> {
        if !self.0.authz().can(caller, "edit-team", Some(&team.room_id))? {
            return Err(unauthorized());
        }
        let room = self.main_room(team)?;
        let mut settings = serde_json::Map::new();
        if let Some(n) = name.filter(|n| !n.trim().is_empty() && Some(n.trim()) != room.name.as_deref()) {
            if self.0.store.team_by_name(n.trim())?.is_some_and(|t| t.id != team.id) {
                return Err(Kind::TeamNameAlreadyExists.into());
            }
            settings.insert("roomName".into(), json!(n.trim()));
        }
        if let Some(k) = kind {
            if k != TEAM_PUBLIC && k != TEAM_PRIVATE {
                return Err(Kind::invalid_param("type"));
            }
            let t = if k == TEAM_PRIVATE { RoomType::Private } else { RoomType::Channel };
            if t != room.t {
                settings.insert("roomType".into(), json!(t));
            }
        }
        if settings.is_empty() {
            return Ok(());
        }
        self.0.rooms().save_settings(caller, &room, &settings).map_err(|e| match e.kind() {
            Some(Kind::ActionForbidden | Kind::ActionNotAllowed | Kind::ActionNotAllowedOnPermissions) => {
                Error::from(Kind::NotAllowed)
            }
            _ => e,
        })?;
        Ok(())
    }

    /// `teams.autocomplete`: up to 10 team main rooms whose name starts with `name`, public
    /// ones or those the caller is in.
    pub fn autocomplete(&self, caller: &User, name: &str) -> Result<Vec<TeamRoomRef>> {
        let prefix = name.trim().to_lowercase();
        let mut out = Vec::new();
        for team in self.0.store.teams()? {
            let Some(room) = self.0.store.room_by_id(&team.room_id)? else { continue };
            let n = room.name.clone().unwrap_or_default();
            let f = room.fname.clone().unwrap_or_default();
            if !n.to_lowercase().starts_with(&prefix) && !f.to_lowercase().starts_with(&prefix) {
                continue;
            }
            if room.t != RoomType::Channel && self.0.store.subscription(&room.id, &caller.id)?.is_none() {
                continue;
            }
            out.push(TeamRoomRef {
                avatar_etag: room.extra.get("avatarETag").cloned(),
                id: room.id,
                name: room.name,
                fname: room.fname,
                t: room.t,
                team_id: team.id,
            });
            if out.len() == 10 {
                break;
            }
        }
        Ok(out)
    }
}

/// Teams as other room calls see them.
impl Teams<'_> {
    /// The usernames of the members of the named teams (`channels.create {teams}`); unknown
    /// team names are skipped.
    pub fn member_usernames(&self, team_names: &[String]) -> Result<Vec<String>> {
        let mut out = Vec::new();
        for name in team_names {
            if let Some(team) = self.0.store.team_by_name(name)? {
                let ids: Vec<String> = self.0.store.team_members(&team.id)?.into_iter().map(|m| m.user_id).collect();
                out.extend(self.0.store.users_by_ids(&ids)?.into_iter().map(|u| u.username));
            }
        }
        Ok(out)
    }

    /// `channels.convertToTeam` / `groups.convertToTeam`: the room of type `t` (`c` or `p`) by
    /// id or name, readable and not archived, becomes the main room of a new team of its name
    /// (`create-team`, and `edit-room` in the room).
    pub fn create_from_room(
        &self,
        caller: &User,
        t: RoomType,
        room_id: Option<&str>,
        room_name: Option<&str>,
    ) -> Result<Team> {
        self.0.authz().require(caller, "create-team", None)?;
        let room = self.0.rooms().find_typed(caller, t, room_id, room_name, true)?;
        self.0.authz().require(caller, "edit-room", Some(&room.id))?;
        self.create(
            caller,
            NewTeam {
                name: room.name.clone().unwrap_or_default(),
                kind: if t == RoomType::Channel { TEAM_PUBLIC } else { TEAM_PRIVATE },
                room_id: Some(room.id.clone()),
                ..Default::default()
            },
        )
    }
}
