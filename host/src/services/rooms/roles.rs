//! Room-scoped roles: owners, moderators and leaders.

use serde::Serialize;
use serde_json::{Map, json};

use super::*;
use crate::bus::{ChangeAction, Event};
use crate::error::{Kind, Result};
use crate::models::{Room, User, UserRef};
use crate::time::Date;

impl Rooms<'_> {
    /// `addRoomOwner` / `removeRoomOwner` / `…Moderator` / `…Leader`: needs `set-owner`,
    /// `set-moderator` or `set-leader` in the room. Writes `subscription-role-added` /
    /// `subscription-role-removed` and publishes `UserRoleChanged`.
    pub fn set_role(&self, actor: &User, room: &Room, user_id: &str, role: RoomRole, add: bool) -> Result<()> {
        if room.is_direct() || !self.0.authz().can(actor, role.permission(), Some(&room.id))? {
            return Err(Kind::NotAllowed.into());
        }
        let user = self.0.store.user_by_id(user_id)?.ok_or_else(invalid_user)?;
        let sub = self.0.store.subscription(&room.id, &user.id)?.ok_or(Kind::UserNotInRoom)?;
        let has = sub.has_role(role.id());
        if add && has {
            let kind = match role {
                RoomRole::Owner => Kind::UserAlreadyOwner,
                RoomRole::Moderator => Kind::UserAlreadyModerator,
                RoomRole::Leader => Kind::UserAlreadyLeader,
            };
            return Err(kind.with_message(format!("User is already {}", role.article())));
        }
        if !add && !has {
            let kind = match role {
                RoomRole::Owner => Kind::UserNotOwner,
                RoomRole::Moderator => Kind::UserNotModerator,
                RoomRole::Leader => Kind::UserNotLeader,
            };
            return Err(kind.with_message(format!("User is not {}", role.article())));
        }
        if !add && role == RoomRole::Owner && self.0.store.subscriptions_with_role(&room.id, "owner")?.len() <= 1 {
            return Err(Kind::RemoveLastOwner.into());
        }
        let now = Date::now();
        let sub = self.0.store.modify_subscription(&room.id, &user.id, &mut |s| {
            s.roles.retain(|r| r != role.id());
            if add {
                s.roles.push(role.id().to_string());
            }
            s.updated_at = now;
            Ok(())
        })?;
        if let Some(sub) = &sub {
            self.0.emit_subscription(ChangeAction::Updated, sub);
        }
        let t = if add { "subscription-role-added" } else { "subscription-role-removed" };
        let mut extra = Map::new();
        extra.insert("role".into(), json!(role.id()));
        self.0.system_messages().record(room, t, &user.username, actor, extra)?;
        self.0.bus.publish(Event::UserRoleChanged {
            action: if add { "added" } else { "removed" },
            role: role.id().to_string(),
            user_id: user.id.clone(),
            username: user.username.clone(),
            scope: Some(room.id.clone()),
        });
        if room.team_main
            && role != RoomRole::Leader
            && let Some(team_id) = &room.team_id
            && let Some(mut member) = self.0.store.team_member(team_id, &user.id)?
        {
            member.roles.retain(|r| r != role.id());
            if add {
                member.roles.push(role.id().to_string());
            }
            member.updated_at = now;
            self.0.store.put_team_member(&member)?;
        }
        Ok(())
    }

    /// `getRoomRoles` / `channels.roles`: members holding room roles.
    pub fn roles(&self, room: &Room) -> Result<Vec<RoleHolder>> {
        let subs = self.0.store.subscriptions_with_roles(&room.id)?;
        Ok(subs.into_iter().map(|s| RoleHolder { id: s.id, rid: s.rid, u: s.u, roles: s.roles }).collect())
    }

    /// `getRoomRoles`: [`Rooms::roles`] for `user`, who must be able to read the room or hold
    /// `manage-room-members-remotely` (`error-invalid-user` otherwise).
    pub fn roles_for(&self, user: &User, room: &Room) -> Result<Vec<RoleHolder>> {
        if !self.0.authz().can(user, "manage-room-members-remotely", None)? && !self.can_read(user, room)? {
            return Err(Kind::InvalidUser.into());
        }
        self.roles(room)
    }

    /// `channels.moderators`: `[{_id, username, name}]` of the room's moderators.
    pub fn moderators(&self, room: &Room) -> Result<Vec<UserRef>> {
        Ok(self.0.store.subscriptions_with_role(&room.id, "moderator")?.into_iter().map(|s| s.u).collect())
    }

    // ---------------------------------------------------------------- settings
}

/// A member holding room roles (`getRoomRoles`): their subscription's id, room, user and roles.
#[derive(Debug, Clone, Serialize)]
pub struct RoleHolder {
    #[serde(rename = "_id")]
    pub id: String,
    pub rid: String,
    pub u: UserRef,
    pub roles: Vec<String>,
}

/// A room-scoped role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoomRole {
    Owner,
    Moderator,
    Leader,
}

impl RoomRole {
    /// The role id (`owner`, `moderator`, `leader`).
    pub fn id(self) -> &'static str {
        match self {
            RoomRole::Owner => "owner",
            RoomRole::Moderator => "moderator",
            RoomRole::Leader => "leader",
        }
    }

    pub(super) fn permission(self) -> &'static str {
        match self {
            RoomRole::Owner => "set-owner",
            RoomRole::Moderator => "set-moderator",
            RoomRole::Leader => "set-leader",
        }
    }

    pub(super) fn article(self) -> &'static str {
        match self {
            RoomRole::Owner => "an owner",
            RoomRole::Moderator => "a moderator",
            RoomRole::Leader => "a leader",
        }
    }

    /// Parses `owner`, `moderator` or `leader`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "owner" => Some(RoomRole::Owner),
            "moderator" => Some(RoomRole::Moderator),
            "leader" => Some(RoomRole::Leader),
            _ => None,
        }
    }
}
