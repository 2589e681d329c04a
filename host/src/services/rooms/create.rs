//! Creating channels, private groups and direct messages, and validating room names.

use std::collections::HashSet;

use serde_json::Map;

use super::*;
use crate::bus::ChangeAction;
use crate::error::{Kind, Result};
use crate::ids;
use crate::models::{Room, RoomType, Subscription, User};
use crate::services::field_limits::MAX_ROOM_NAME_CHARS;
use crate::time::Date;

/// Names nobody may give a room (Rocket.Chat's `Accounts_SystemBlockedUsernameList`).
pub(super) const BLOCKED_NAMES: &[&str] = &["administrator", "system", "user"];

impl Rooms<'_> {
    /// Checks a channel or group name against `UTF8_Channel_Names_Validation`, the blocked
    /// names and the existing rooms (other than `rid`). Returns the trimmed name.
    pub fn valid_name(&self, name: &str, rid: Option<&str>) -> Result<String> {
        let name = name.trim().to_string();
        if name.is_empty() {
            return Err(Kind::InvalidName.into());
        }
        let special = self.0.settings.bool("UI_Allow_room_names_with_special_chars");
        let pattern = self.0.settings.string("UTF8_Channel_Names_Validation");
        let re = regex::Regex::new(&format!("^(?:{pattern})$"))
            .unwrap_or_else(|_| regex::Regex::new("^[0-9a-zA-Z-_.]+$").expect("valid regex"));
        if name.chars().count() > MAX_ROOM_NAME_CHARS {
            // Not echoed back: the refusal stays small whatever was sent.
            return Err(Kind::InvalidRoomName
                .with_message(format!("A room name has at most {MAX_ROOM_NAME_CHARS} characters.")));
        }
        let bad_chars = !special && !re.is_match(&name);
        if bad_chars || name.chars().any(char::is_control) || BLOCKED_NAMES.contains(&name.to_lowercase().as_str()) {
            return Err(Kind::InvalidRoomName
                .with_message(format!("{} is not a valid room name.", crate::markup::html_escape(&name))));
        }
        if let Some(existing) = self.0.store.room_by_name(&name)?
            && Some(existing.id.as_str()) != rid
        {
            return Err(if existing.archived {
                Kind::ArchivedDuplicateName.with_message(format!("There's an archived channel with name {name}"))
            } else {
                Kind::DuplicateChannelName.with_message(format!("A channel with name '{name}' exists"))
            });
        }
        Ok(name)
    }

    // ---------------------------------------------------------------- creation

    /// Creates a channel (permission `create-c`) or private group (`create-p`); in a team (`extra.teamId`) the permission is `create-team-channel` /
    /// `create-team-group` in the team's main room. The creator becomes the room's owner.
    /// (`createChannel`, `createPrivateGroup`, `/create`.)
    pub fn create(&self, owner: &User, new: NewRoom) -> Result<Room> {
        if !new.t.is_group_chat() {
            return Err(Kind::InvalidRoomType.with_message(format!("{} is not a valid room type", new.t)));
        }
        let team_id = new.extra.get("teamId").and_then(as_str).map(String::from);
        match &team_id {
            Some(team_id) => {
                let team = self.0.store.team_by_id(team_id)?.ok_or(Kind::TeamDoesNotExist)?;
                let perm = if new.t == RoomType::Channel { "create-team-channel" } else { "create-team-group" };
                self.0.authz().require(owner, perm, Some(&team.room_id))?;
            }
            None => {
                let perm = if new.t == RoomType::Channel { "create-c" } else { "create-p" };
                self.0.authz().require(owner, perm, None)?;
            }
        }
        let room = self.create_unchecked(owner, new)?;
        if let Some(team_id) = &team_id
            && room.t == RoomType::Channel
            && let Some(team) = self.0.store.team_by_id(team_id)?
            && let Some(main) = self.0.store.room_by_id(&team.room_id)?
        {
            self.0.system_messages().record(
                &main,
                "user-added-room-to-team",
                room.name.as_deref().unwrap_or_default(),
                owner,
                Map::new(),
            )?;
        }
        Ok(room)
    }

    /// Creates a room without the permission check (teams, discussions, conversions).
    pub(crate) fn create_unchecked(&self, owner: &User, new: NewRoom) -> Result<Room> {
        let is_discussion = new.extra.get("prid").and_then(as_str).is_some_and(|p| !p.is_empty());
        let name = if is_discussion { new.name.trim().to_string() } else { self.valid_name(&new.name, None)? };
        if name.is_empty() {
            return Err(Kind::InvalidName.into());
        }
        let now = Date::now();
        let mut base = Room {
            id: ids::random_id(),
            t: new.t,
            name: Some(name.clone()),
            fname: Some(name),
            u: Some(owner.as_ref_named()),
            ts: now,
            ro: new.read_only,
            sys_mes: true,
            custom_fields: new.custom_fields.clone(),
            updated_at: now,
            ..Default::default()
        };
        if !new.extra.is_empty() {
            let mut doc = serde_json::to_value(&base)?;
            let obj = doc.as_object_mut().expect("a room serializes to an object");
            for (k, v) in &new.extra {
                if !matches!(k.as_str(), "_id" | "t" | "name" | "u" | "ts" | "msgs" | "usersCount" | "_updatedAt") {
                    obj.insert(k.clone(), v.clone());
                }
            }
            base = serde_json::from_value(doc).map_err(|_| Kind::invalid_param("extraData"))?;
        }
        if base.broadcast {
            base.ro = true;
            base.extra.remove("reactWhenReadOnly");
        }
        if let Some(team_id) = base.team_id.clone()
            && self.0.store.team_by_id(&team_id)?.is_none()
        {
            base.team_id = None;
        }
        let mut members: Vec<User> = Vec::new();
        let mut seen = HashSet::new();
        if !new.exclude_self {
            seen.insert(owner.id.clone());
            members.push(owner.clone());
        }
        for username in &new.members {
            let username = username.trim().trim_start_matches('@');
            if username.is_empty() {
                continue;
            }
            if let Some(u) = self.0.store.user_by_username(username)?
                && seen.insert(u.id.clone())
            {
                members.push(u);
            }
        }
        let subs: Vec<Subscription> = members
            .iter()
            .map(|m| {
                let mut sub = new_subscription(&base, m, now);
                if m.id == owner.id {
                    sub.ls = Some(now);
                    sub.roles = vec!["owner".into()];
                }
                sub
            })
            .collect();
        base.users_count = subs.len() as i64;
        self.0.store.insert_room(&base, &subs)?;
        self.0.emit_room(ChangeAction::Inserted, &base);
        for sub in &subs {
            self.0.emit_subscription(ChangeAction::Inserted, sub);
        }
        Ok(base)
    }

    /// Creates (or reopens) a direct message between `me` and `usernames` (`im.create`,
    /// `createDirectMessage`). One other user gives the classic DM whose id is the two user
    /// ids sorted and joined; more give a multi-user DM. A DM with yourself follows
    /// `Message_AllowDirectMessagesToYourself`.
    pub fn create_direct(&self, me: &User, usernames: &[String], exclude_self: bool) -> Result<Room> {
        let mut wanted: Vec<String> = Vec::new();
        for u in usernames {
            let u = u.trim().trim_start_matches('@');
            if !u.is_empty() && !wanted.iter().any(|w| w.eq_ignore_ascii_case(u)) {
                wanted.push(u.to_string());
            }
        }
        if wanted.is_empty() {
            return Err(invalid_user());
        }
        let to_self = wanted.len() == 1 && wanted[0].eq_ignore_ascii_case(&me.username);
        if to_self && !self.0.settings.bool("Message_AllowDirectMessagesToYourself") {
            return Err(invalid_user());
        }
        let mut members: Vec<User> = if exclude_self { vec![] } else { vec![me.clone()] };
        for name in wanted.iter().filter(|w| !w.eq_ignore_ascii_case(&me.username)) {
            let user = self.0.store.user_by_username(name)?.ok_or_else(invalid_user)?;
            if !members.iter().any(|m| m.id == user.id) {
                members.push(user);
            }
        }
        if to_self && members.is_empty() {
            members.push(me.clone());
        }
        if members.is_empty() {
            return Err(invalid_user());
        }
        let max = self.0.settings.int("DirectMesssage_maxUsers", 8).max(1) as usize;
        if members.len() > max {
            return Err(Kind::DirectMessageMaxUserExceeded.with_message(format!(
                "You cannot add more than {max} users, including yourself to a direct message"
            )));
        }
        let mut uids: Vec<String> = members.iter().map(|m| m.id.clone()).collect();
        uids.sort();
        let existing = if uids.len() <= 2 {
            self.0.store.room_by_id(&direct_room_id(&uids))?
        } else {
            self.0.store.rooms_of_user(&uids[0], &[RoomType::Direct])?.into_iter().find(|r| {
                let mut u = r.uids.clone();
                u.sort();
                u == uids
            })
        };
        if !self.0.authz().can(me, "create-d", None)? {
            if let Some(room) = existing
                && self.0.authz().can(me, "view-d-room", None)?
            {
                return Ok(room);
            }
            return Err(Kind::NotAllowed.into());
        }
        if let Some(room) = existing {
            // Reopen the creator's side; a member who had left gets a new subscription.
            let now = Date::now();
            for m in &members {
                match self.0.store.subscription(&room.id, &m.id)? {
                    Some(sub) if m.id == me.id && !sub.open => {
                        if let Some(sub) = self.0.store.modify_subscription(&room.id, &m.id, &mut |s| {
                            s.open = true;
                            s.updated_at = now;
                            Ok(())
                        })? {
                            self.0.emit_subscription(ChangeAction::Updated, &sub);
                        }
                    }
                    Some(_) => {}
                    None => {
                        let sub = direct_subscription(&room, m, &members, m.id == me.id || members.len() > 2, now);
                        self.0.store.insert_subscription(&sub)?;
                        self.0.emit_subscription(ChangeAction::Inserted, &sub);
                    }
                }
            }
            return Ok(room);
        }
        let now = Date::now();
        let mut sorted = members.clone();
        sorted.sort_by_key(|m| m.display_name().to_lowercase());
        let room = Room {
            id: if uids.len() <= 2 { direct_room_id(&uids) } else { ids::random_id() },
            t: RoomType::Direct,
            ts: now,
            users_count: members.len() as i64,
            uids: uids.clone(),
            usernames: sorted.iter().map(|m| m.username.clone()).collect(),
            sys_mes: true,
            updated_at: now,
            ..Default::default()
        };
        let subs: Vec<Subscription> = members
            .iter()
            .map(|m| direct_subscription(&room, m, &sorted, m.id == me.id || members.len() > 2, now))
            .collect();
        if let Err(e) = self.0.store.insert_room(&room, &subs) {
            // Created concurrently by the other member.
            return match self.0.store.room_by_id(&room.id)? {
                Some(existing) => Ok(existing),
                None => Err(e),
            };
        }
        self.0.emit_room(ChangeAction::Inserted, &room);
        for sub in &subs {
            self.0.emit_subscription(ChangeAction::Inserted, sub);
        }
        Ok(room)
    }

    // ---------------------------------------------------------------- membership
}

/// The id of a one-to-one (or self) DM: the user ids, sorted and joined.
pub fn direct_room_id(uids: &[String]) -> String {
    let mut u = uids.to_vec();
    u.sort();
    if u.len() == 1 { format!("{}{}", u[0], u[0]) } else { u.concat() }
}

pub(super) fn direct_subscription(room: &Room, member: &User, all: &[User], open: bool, now: Date) -> Subscription {
    let others: Vec<&User> = all.iter().filter(|u| u.id != member.id).collect();
    let (name, fname) = if others.is_empty() {
        (member.username.clone(), member.display_name().to_string())
    } else {
        (
            others.iter().map(|u| u.username.as_str()).collect::<Vec<_>>().join(", "),
            others.iter().map(|u| u.display_name()).collect::<Vec<_>>().join(", "),
        )
    };
    let mut sub = new_subscription(room, member, now);
    sub.name = name;
    sub.fname = Some(fname);
    sub.open = open;
    sub.ls = Some(now);
    sub
}

impl Rooms<'_> {
    /// Fails with `error-unauthorized` unless `user` may create a room of type `t` (`create-c`
    /// for channels, `create-p` for groups). A room created inside a team (`in_team`) skips
    /// this check, as upstream's `channels.create` does.
    pub fn check_create(&self, user: &User, t: RoomType, in_team: bool) -> Result<()> {
        let permission = if t == RoomType::Channel { "create-c" } else { "create-p" };
        if !in_team && !self.0.authz().can(user, permission, None)? {
            return Err(crate::services::authz::unauthorized());
        }
        Ok(())
    }
}
