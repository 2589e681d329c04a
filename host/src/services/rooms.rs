//! Rooms: public channels (`c`), private groups (`p`) and direct messages (`d`) — lookup and
//! access, creation, membership, room roles, settings, archiving, deletion, muting, discussions,
//! members, counters and history.
//!
//! Every function takes the acting user and typed arguments and is shared by REST, DDP methods
//! and slash commands. Each change is stored first and then published on the bus
//! (`RoomChanged`, `SubscriptionChanged`, `UserRoleChanged`), and the system message upstream
//! writes for it is saved in the room.

use std::collections::HashSet;
use std::sync::Arc;

use serde_json::{Map, Value, json};

use super::Services;
use crate::bus::{ChangeAction, Event};
use crate::error::{Error, Result};
use crate::ids;
use crate::models::{Message, Room, Subscription, User, UserRef};
use crate::query;
use crate::store::{CleanHistory, HistoryQuery, MemberQuery, TeamMember, TeamUser};
use crate::time::Date;

/// Rooms operations.
pub struct Rooms<'a>(pub &'a Services);

impl Services {
    /// Rooms operations.
    pub fn rooms(&self) -> Rooms<'_> {
        Rooms(self)
    }

    /// Publishes a room change.
    pub(crate) fn emit_room(&self, action: ChangeAction, room: &Room) {
        self.bus.publish(Event::RoomChanged { action, room: Arc::new(room.clone()) });
    }

    /// Publishes a subscription change.
    pub(crate) fn emit_subscription(&self, action: ChangeAction, sub: &Subscription) {
        self.bus.publish(Event::SubscriptionChanged { action, subscription: Arc::new(sub.clone()) });
    }
}

/// The error for a room that does not exist or that the caller may not see (the two are
/// indistinguishable on purpose, so room ids don't leak).
pub fn room_not_found() -> Error {
    Error::bad(
        "error-room-not-found",
        "The required \"roomId\" or \"roomName\" param provided does not match any channel",
    )
}

/// `error-room-not-found` worded for the room type, as the `channels.*`, `groups.*` and `im.*`
/// families word it.
pub fn room_not_found_for(t: &str) -> Error {
    match t {
        "p" => Error::bad(
            "error-room-not-found",
            "The required \"roomId\" or \"roomName\" param provided does not match any group",
        ),
        "d" => Error::bad(
            "error-room-not-found",
            "The required \"roomId\" param provided does not match any direct message",
        ),
        _ => room_not_found(),
    }
}

/// A denied room action, as Rocket.Chat's methods answer it (400 `error-not-allowed`).
pub fn not_allowed() -> Error {
    Error::bad("error-not-allowed", "Not allowed")
}

fn action_not_allowed(message: &str) -> Error {
    Error::bad("error-action-not-allowed", message)
}

fn invalid_user() -> Error {
    Error::bad("error-invalid-user", "Invalid user")
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

    fn permission(self) -> &'static str {
        match self {
            RoomRole::Owner => "set-owner",
            RoomRole::Moderator => "set-moderator",
            RoomRole::Leader => "set-leader",
        }
    }

    fn article(self) -> &'static str {
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

/// What [`Rooms::create`] needs to create a channel or a private group.
#[derive(Debug, Clone, Default)]
pub struct NewRoom {
    /// `c` or `p`.
    pub t: String,
    pub name: String,
    /// Usernames added besides the creator (unknown ones are skipped).
    pub members: Vec<String>,
    pub read_only: bool,
    /// `extraData`: extra room fields (`broadcast`, `encrypted`, `description`, `topic`,
    /// `teamId`, `sysMes`, …).
    pub extra: Map<String, Value>,
    pub custom_fields: Option<Map<String, Value>>,
    /// Don't add the creator as a member.
    pub exclude_self: bool,
}

/// What [`Rooms::create_discussion`] needs.
#[derive(Debug, Clone, Default)]
pub struct NewDiscussion {
    pub prid: String,
    /// The message the discussion starts from.
    pub pmid: Option<String>,
    pub name: String,
    /// Usernames invited besides the creator.
    pub users: Vec<String>,
    pub encrypted: Option<bool>,
    pub topic: Option<String>,
    /// A first message the creator posts in the discussion.
    pub reply: Option<String>,
}

/// Options of [`Rooms::history`] (`channels.history`, `im.history`, `loadHistory`).
#[derive(Debug, Clone, Default)]
pub struct HistoryOptions {
    pub latest: Option<Date>,
    pub oldest: Option<Date>,
    pub inclusive: bool,
    pub offset: usize,
    pub count: usize,
    /// Also answer `firstUnread` and `unreadNotLoaded`.
    pub unreads: bool,
    pub show_thread_messages: bool,
}

/// Options of [`Rooms::messages`] (`channels.messages` and friends).
#[derive(Debug, Clone, Default)]
pub struct MessageListOptions {
    pub offset: usize,
    pub count: Option<usize>,
    pub query: Option<Map<String, Value>>,
    pub sort: Option<Map<String, Value>>,
}

/// The settings [`Rooms::save_settings`] accepts (`saveRoomSettings`).
const ROOM_SETTINGS: &[&str] = &[
    "roomName",
    "roomTopic",
    "roomAnnouncement",
    "roomCustomFields",
    "roomDescription",
    "roomType",
    "readOnly",
    "reactWhenReadOnly",
    "systemMessages",
    "default",
    "featured",
    "joinCode",
    "encrypted",
    "favorite",
];

/// Names nobody may give a room (Rocket.Chat's `Accounts_SystemBlockedUsernameList`).
const BLOCKED_NAMES: &[&str] = &["administrator", "system", "user"];

fn as_str(v: &Value) -> Option<&str> {
    v.as_str()
}

/// A fresh subscription of `user` to `room`.
pub(crate) fn new_subscription(room: &Room, user: &User, now: Date) -> Subscription {
    let mut extra = Map::new();
    if let Some(prid) = &room.prid {
        extra.insert("prid".into(), json!(prid));
    }
    if room.team_main {
        extra.insert("teamMain".into(), json!(true));
    }
    if let Some(team) = &room.team_id {
        extra.insert("teamId".into(), json!(team));
    }
    Subscription {
        id: ids::random_id(),
        rid: room.id.clone(),
        u: UserRef { id: user.id.clone(), username: user.username.clone(), name: user.name.clone() },
        name: room.name.clone().unwrap_or_default(),
        fname: room.fname.clone().or_else(|| room.name.clone()),
        t: room.t.clone(),
        ts: now,
        ls: None,
        lr: None,
        open: true,
        alert: false,
        unread: 0,
        user_mentions: 0,
        group_mentions: 0,
        f: false,
        roles: vec![],
        archived: room.archived,
        tunread: vec![],
        updated_at: now,
        extra,
    }
}

impl Rooms<'_> {
    // ---------------------------------------------------------------- lookup and access

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

    fn direct_with_username(&self, user: &User, username: &str) -> Result<Option<Room>> {
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
    ) -> Result<(Vec<Value>, usize)> {
        if rid.is_empty() {
            return Err(Error::bad("error-invalid-room", "Invalid room"));
        }
        let room = self.0.store.room_by_id(rid)?.ok_or_else(not_allowed)?;
        if !self.can_read(user, &room)? {
            return Err(Error::bad("not-authorized", "Not Authorized"));
        }
        if room.broadcast && !self.0.authz().can(user, "view-broadcast-member-list", Some(&room.id))? {
            return Err(not_allowed());
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

    /// Checks a channel or group name against `UTF8_Channel_Names_Validation`, the blocked
    /// names and the existing rooms (other than `rid`). Returns the trimmed name.
    pub fn valid_name(&self, name: &str, rid: Option<&str>) -> Result<String> {
        let name = name.trim().to_string();
        if name.is_empty() {
            return Err(Error::bad("error-invalid-name", "Invalid name"));
        }
        let special = self.0.settings.bool("UI_Allow_room_names_with_special_chars");
        let pattern = self.0.settings.string("UTF8_Channel_Names_Validation");
        let re = regex::Regex::new(&format!("^(?:{pattern})$"))
            .unwrap_or_else(|_| regex::Regex::new("^[0-9a-zA-Z-_.]+$").expect("valid regex"));
        let bad_chars = !special && !re.is_match(&name);
        let too_long = name.chars().count() > 255 || name.chars().any(char::is_control);
        if bad_chars || too_long || BLOCKED_NAMES.contains(&name.to_lowercase().as_str()) {
            return Err(Error::bad(
                "error-invalid-room-name",
                format!("{} is not a valid room name.", crate::markup::html_escape(&name)),
            ));
        }
        if let Some(existing) = self.0.store.room_by_name(&name)?
            && Some(existing.id.as_str()) != rid
        {
            return Err(if existing.archived {
                Error::bad("error-archived-duplicate-name", format!("There's an archived channel with name {name}"))
            } else {
                Error::bad("error-duplicate-channel-name", format!("A channel with name '{name}' exists"))
            });
        }
        Ok(name)
    }

    // ---------------------------------------------------------------- creation

    /// Creates a channel (`t: "c"`, permission `create-c`) or private group (`"p"`,
    /// `create-p`); in a team (`extra.teamId`) the permission is `create-team-channel` /
    /// `create-team-group` in the team's main room. The creator becomes the room's owner.
    /// (`createChannel`, `createPrivateGroup`, `/create`.)
    pub fn create(&self, owner: &User, new: NewRoom) -> Result<Room> {
        if new.t != "c" && new.t != "p" {
            return Err(Error::bad("error-invalid-room-type", format!("{} is not a valid room type", new.t)));
        }
        let team_id = new.extra.get("teamId").and_then(as_str).map(String::from);
        match &team_id {
            Some(team_id) => {
                let team = self
                    .0
                    .store
                    .team_by_id(team_id)?
                    .ok_or_else(|| Error::bad("team-does-not-exist", "Team does not exist"))?;
                let perm = if new.t == "c" { "create-team-channel" } else { "create-team-group" };
                self.0.authz().require(owner, perm, Some(&team.room_id))?;
            }
            None => {
                let perm = if new.t == "c" { "create-c" } else { "create-p" };
                self.0.authz().require(owner, perm, None)?;
            }
        }
        let room = self.create_unchecked(owner, new)?;
        if let Some(team_id) = &team_id
            && room.t == "c"
            && let Some(team) = self.0.store.team_by_id(team_id)?
            && let Some(main) = self.0.store.room_by_id(&team.room_id)?
        {
            self.0.messages().system(
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
            return Err(Error::bad("error-invalid-name", "Invalid name"));
        }
        let now = Date::now();
        let mut base = Room {
            id: ids::random_id(),
            t: new.t.clone(),
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
            base = serde_json::from_value(doc).map_err(|_| Error::invalid_param("extraData"))?;
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
            return Err(Error::bad(
                "error-direct-message-max-user-exceeded",
                format!("You cannot add more than {max} users, including yourself to a direct message"),
            ));
        }
        let mut uids: Vec<String> = members.iter().map(|m| m.id.clone()).collect();
        uids.sort();
        let existing = if uids.len() <= 2 {
            self.0.store.room_by_id(&direct_room_id(&uids))?
        } else {
            self.0.store.rooms_of_user(&uids[0], &["d"])?.into_iter().find(|r| {
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
            return Err(not_allowed());
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
            t: "d".into(),
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
            Err(e) if e.id() == "error-user-already-in-room" => return Ok(false),
            Err(e) => return Err(e),
        };
        self.0.emit_subscription(ChangeAction::Inserted, &sub);
        self.0.emit_room(ChangeAction::Updated, &after);
        if !silenced {
            match inviter.filter(|i| i.id != user.id) {
                Some(inviter) => {
                    let t = if room.team_main { "added-user-to-team" } else { "au" };
                    self.0.messages().system(&after, t, &user.username, inviter, Map::new())?;
                }
                None => {
                    let t = if room.prid.is_some() {
                        "ut"
                    } else if room.team_main {
                        "ujt"
                    } else {
                        "uj"
                    };
                    self.0.messages().system(&after, t, &user.username, user, Map::new())?;
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

    /// Adds users by username (`channels.invite`, `addUsersToRoom`, `/invite`). The actor
    /// needs `add-user-to-joined-room` in a room they are in, or `add-user-to-any-c-room` /
    /// `add-user-to-any-p-room`. Users already in the room get an ephemeral notice instead.
    pub fn add_users(&self, actor: &User, room: &Room, usernames: &[String]) -> Result<()> {
        if room.is_direct() {
            return Err(Error::bad("error-cant-invite-for-direct-room", "Can't invite user to direct rooms"));
        }
        let in_room = self.0.store.subscription(&room.id, &actor.id)?.is_some();
        let allowed = (in_room && self.0.authz().can(actor, "add-user-to-joined-room", Some(&room.id))?)
            || (room.t == "c" && self.0.authz().can(actor, "add-user-to-any-c-room", None)?)
            || (room.t == "p" && self.0.authz().can(actor, "add-user-to-any-p-room", None)?);
        if !allowed {
            return Err(not_allowed());
        }
        let mut users = Vec::new();
        for name in usernames {
            let name = name.trim().trim_start_matches('@');
            let user = self
                .0
                .store
                .user_by_username(name)?
                .ok_or_else(|| Error::bad("error-user-not-found", "User not found"))?;
            users.push(user);
        }
        for user in users {
            if !self.add_user(room, &user, Some(actor), false)? {
                self.0.messages().notice(actor, &room.id, &format!("@{} is already in here.", user.username));
            }
        }
        Ok(())
    }

    /// `joinRoom` / `channels.join` / `/join`: joins a public channel the user may see,
    /// checking its join code unless the user holds `join-without-join-code`.
    pub fn join(&self, user: &User, room: &Room, join_code: Option<&str>) -> Result<bool> {
        if room.t != "c" || !self.can_read(user, room)? {
            return Err(not_allowed());
        }
        if self.0.store.subscription(&room.id, &user.id)?.is_some() {
            return Ok(true);
        }
        if let Some(code) = room.join_code.as_deref().filter(|c| !c.is_empty())
            && !self.0.authz().can(user, "join-without-join-code", None)?
        {
            match join_code.filter(|c| !c.is_empty()) {
                None => return Err(Error::bad("error-code-required", "Code required")),
                Some(given) if given != code => return Err(Error::bad("error-code-invalid", "Invalid code")),
                Some(_) => {}
            }
        }
        self.add_user(room, user, None, false)
    }

    /// `leaveRoom` / `channels.leave` / `rooms.leave`: the last owner must name another owner
    /// first.
    pub fn leave(&self, user: &User, room: &Room) -> Result<()> {
        if room.is_direct() {
            return Err(not_allowed());
        }
        let perm = if room.t == "c" { "leave-c" } else { "leave-p" };
        if !self.0.authz().can(user, perm, None)? {
            return Err(not_allowed());
        }
        let sub = self
            .0
            .store
            .subscription(&room.id, &user.id)?
            .ok_or_else(|| Error::bad("error-user-not-in-room", "You are not in this room"))?;
        if sub.has_role("owner") && self.0.store.subscriptions_with_role(&room.id, "owner")?.len() == 1 {
            return Err(Error::bad(
                "error-you-are-last-owner",
                "You are the last owner. Please set new owner before leaving the room.",
            ));
        }
        self.remove_user(room, user, None)
    }

    /// `removeUserFromRoom` / `channels.kick` / `/kick`: needs `remove-user` in the room; the
    /// last owner can't be removed.
    pub fn kick(&self, actor: &User, room: &Room, target: &User) -> Result<()> {
        if room.is_direct() || !self.0.authz().can(actor, "remove-user", Some(&room.id))? {
            return Err(not_allowed());
        }
        let any = if room.t == "c" { "kick-user-from-any-c-room" } else { "kick-user-from-any-p-room" };
        if !self.0.authz().can(actor, any, None)? && !self.can_read(actor, room)? {
            return Err(room_not_found_for(&room.t));
        }
        let sub = self
            .0
            .store
            .subscription(&room.id, &target.id)?
            .ok_or_else(|| Error::bad("error-user-not-in-room", "User is not in this room"))?;
        if sub.has_role("owner") && self.0.store.subscriptions_with_role(&room.id, "owner")?.len() == 1 {
            return Err(Error::bad(
                "error-you-are-last-owner",
                "You are the last owner. Please set new owner before leaving the room.",
            ));
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
                self.0.messages().system(&after, t, &user.username, by, Map::new())?;
            }
            None => {
                let t = if room.team_main { "ult" } else { "ul" };
                self.0.messages().system(&after, t, &user.username, user, Map::new())?;
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
            return Err(not_allowed());
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

    /// `addRoomOwner` / `removeRoomOwner` / `…Moderator` / `…Leader`: needs `set-owner`,
    /// `set-moderator` or `set-leader` in the room. Writes `subscription-role-added` /
    /// `subscription-role-removed` and publishes `UserRoleChanged`.
    pub fn set_role(&self, actor: &User, room: &Room, user_id: &str, role: RoomRole, add: bool) -> Result<()> {
        if room.is_direct() || !self.0.authz().can(actor, role.permission(), Some(&room.id))? {
            return Err(not_allowed());
        }
        let user = self.0.store.user_by_id(user_id)?.ok_or_else(invalid_user)?;
        let sub = self
            .0
            .store
            .subscription(&room.id, &user.id)?
            .ok_or_else(|| Error::bad("error-user-not-in-room", "User is not in this room"))?;
        let has = sub.has_role(role.id());
        if add && has {
            return Err(Error::bad(
                &format!("error-user-already-{}", role.id()),
                format!("User is already {}", role.article()),
            ));
        }
        if !add && !has {
            return Err(Error::bad(
                &format!("error-user-not-{}", role.id()),
                format!("User is not {}", role.article()),
            ));
        }
        if !add && role == RoomRole::Owner && self.0.store.subscriptions_with_role(&room.id, "owner")?.len() <= 1 {
            return Err(Error::bad(
                "error-remove-last-owner",
                "This is the last owner. Please set a new owner before removing this one.",
            ));
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
        self.0.messages().system(room, t, &user.username, actor, extra)?;
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
    pub fn roles(&self, room: &Room) -> Result<Vec<Value>> {
        Ok(self
            .0
            .store
            .subscriptions_with_roles(&room.id)?
            .into_iter()
            .map(|s| json!({"_id": s.id, "rid": s.rid, "u": s.u, "roles": s.roles}))
            .collect())
    }

    /// `channels.moderators`: `[{_id, username, name}]` of the room's moderators.
    pub fn moderators(&self, room: &Room) -> Result<Vec<Value>> {
        Ok(self
            .0
            .store
            .subscriptions_with_role(&room.id, "moderator")?
            .into_iter()
            .map(|s| serde_json::to_value(s.u).unwrap_or_default())
            .collect())
    }

    // ---------------------------------------------------------------- settings

    /// `saveRoomSettings`: applies one or more settings (`roomName`, `roomTopic`,
    /// `roomAnnouncement`, `roomDescription`, `roomCustomFields`, `roomType`, `readOnly`,
    /// `reactWhenReadOnly`, `systemMessages`, `default`, `featured`, `joinCode`, `encrypted`,
    /// `favorite`) with their permission checks and system messages. Returns the room.
    pub fn save_settings(&self, actor: &User, room: &Room, settings: &Map<String, Value>) -> Result<Room> {
        if settings.is_empty() || settings.keys().any(|k| !ROOM_SETTINGS.contains(&k.as_str())) {
            return Err(Error::bad("error-invalid-settings", "Invalid settings provided"));
        }
        let member = self.0.store.subscription(&room.id, &actor.id)?.is_some();
        let dm_topic = room.is_direct()
            && member
            && settings.keys().all(|k| matches!(k.as_str(), "roomTopic" | "roomAnnouncement" | "favorite"));
        if !dm_topic && !self.0.authz().can(actor, "edit-room", Some(&room.id))? {
            return Err(Error::bad("error-action-not-allowed", "Editing room is not allowed"));
        }
        // Validation first, so a refused setting changes nothing.
        for (key, value) in settings {
            self.validate_setting(actor, room, key, value)?;
        }
        let now = Date::now();
        let mut messages: Vec<(&'static str, String)> = Vec::new();
        let mut renamed: Option<String> = None;
        let mut retyped: Option<String> = None;
        let after = self
            .0
            .store
            .modify_room(&room.id, &mut |r| {
                messages.clear();
                for (key, value) in settings {
                    apply_setting(r, key, value, actor, &mut messages, &mut renamed, &mut retyped)?;
                }
                r.updated_at = now;
                Ok(())
            })?
            .ok_or_else(room_not_found)?;
        if renamed.is_some() || retyped.is_some() {
            let (name, fname, t) = (after.name.clone(), after.fname.clone(), after.t.clone());
            let is_discussion = after.prid.is_some();
            let (_, subs) = self
                .0
                .store
                .modify_room_and_subscriptions(&room.id, &mut |_| Ok(()), &mut |s| {
                    if !is_discussion {
                        s.name = name.clone().unwrap_or_default();
                    }
                    s.fname = fname.clone();
                    s.t = t.clone();
                    s.updated_at = now;
                    true
                })?
                .ok_or_else(room_not_found)?;
            for s in &subs {
                self.0.emit_subscription(ChangeAction::Updated, s);
            }
            if after.team_main
                && let Some(team_id) = &after.team_id
                && let Some(mut team) = self.0.store.team_by_id(team_id)?
            {
                if renamed.is_some() {
                    team.name = after.name.clone().unwrap_or_default();
                }
                team.kind = if after.t == "p" { 1 } else { 0 };
                team.updated_at = now;
                self.0.store.update_team(&team)?;
            }
        }
        self.0.emit_room(ChangeAction::Updated, &after);
        for (t, msg) in messages {
            self.0.messages().system(&after, t, &msg, actor, Map::new())?;
        }
        Ok(after)
    }

    /// One setting (`saveRoomSettings(rid, setting, value)`).
    pub fn save_setting(&self, actor: &User, room: &Room, key: &str, value: Value) -> Result<Room> {
        let mut m = Map::new();
        m.insert(key.to_string(), value);
        self.save_settings(actor, room, &m)
    }

    fn validate_setting(&self, actor: &User, room: &Room, key: &str, value: &Value) -> Result<()> {
        let bad = || Error::bad("error-invalid-settings", format!("Invalid value for setting {key}"));
        let dm_forbidden = room.is_direct()
            && matches!(
                key,
                "roomName"
                    | "roomType"
                    | "systemMessages"
                    | "roomDescription"
                    | "readOnly"
                    | "reactWhenReadOnly"
                    | "joinCode"
            );
        if dm_forbidden {
            return Err(action_not_allowed("Editing room is not allowed"));
        }
        match key {
            "roomName" => {
                let name = value.as_str().ok_or_else(bad)?;
                if room.prid.is_none() && room.name.as_deref() != Some(name.trim()) {
                    self.valid_name(name, Some(&room.id))?;
                }
                if name.trim().is_empty() {
                    return Err(bad());
                }
            }
            "roomTopic" | "roomAnnouncement" | "roomDescription" | "joinCode" => {
                if !value.is_string() && !value.is_null() {
                    return Err(bad());
                }
            }
            "roomCustomFields" => {
                if !value.is_object() {
                    return Err(bad());
                }
            }
            "roomType" => {
                let t = value.as_str().ok_or_else(bad)?;
                if t != "c" && t != "p" {
                    return Err(Error::bad("error-invalid-room-type", format!("{t} is not a valid room type")));
                }
                if t != room.t {
                    let team_room = match &room.team_id {
                        Some(team_id) => self.0.store.team_by_id(team_id)?.map(|t| t.room_id),
                        None => None,
                    };
                    match (&team_room, t) {
                        (None, "c") if !self.0.authz().can(actor, "create-c", None)? => {
                            return Err(action_not_allowed(
                                "Changing a private group to a public channel is not allowed",
                            ));
                        }
                        (None, "p") if !self.0.authz().can(actor, "create-p", None)? => {
                            return Err(action_not_allowed(
                                "Changing a public channel to a private room is not allowed",
                            ));
                        }
                        (Some(tr), "c") if !self.0.authz().can(actor, "create-team-channel", Some(tr))? => {
                            return Err(action_not_allowed(
                                "Changing a team's private group to a public channel is not allowed",
                            ));
                        }
                        (Some(tr), "p") if !self.0.authz().can(actor, "create-team-group", Some(tr))? => {
                            return Err(action_not_allowed(
                                "Changing a team's public channel to a private room is not allowed",
                            ));
                        }
                        _ => {}
                    }
                }
            }
            "readOnly" | "reactWhenReadOnly" => {
                let v = value.as_bool().ok_or_else(bad)?;
                let current = if key == "readOnly" {
                    room.ro
                } else {
                    room.extra.get("reactWhenReadOnly").and_then(Value::as_bool).unwrap_or(false)
                };
                let perm = if key == "readOnly" { "set-readonly" } else { "set-react-when-readonly" };
                if v != current && !self.0.authz().can(actor, perm, Some(&room.id))? {
                    return Err(action_not_allowed("Editing readOnly room is not allowed"));
                }
            }
            "systemMessages" => {
                value.as_bool().ok_or_else(bad)?;
            }
            "default" | "featured" => {
                if value.as_bool().is_none() && !value.is_string() {
                    return Err(bad());
                }
                if !self.0.authz().can(actor, "view-room-administration", None)? {
                    return Err(action_not_allowed("Viewing room administration is not allowed"));
                }
            }
            "encrypted" => {
                let v = value.as_bool().ok_or_else(bad)?;
                if v != room.encrypted {
                    if room.t != "p" && room.t != "d" {
                        return Err(action_not_allowed("Only groups or direct channels can enable encryption"));
                    }
                    if room.t != "d" && !self.0.authz().can(actor, "toggle-room-e2e-encryption", Some(&room.id))? {
                        return Err(action_not_allowed("You do not have permission to toggle E2E encryption"));
                    }
                }
            }
            "favorite" => {
                if !value.is_object() && !value.is_boolean() {
                    return Err(bad());
                }
            }
            _ => return Err(Error::bad("error-invalid-settings", "Invalid settings provided")),
        }
        Ok(())
    }

    // ---------------------------------------------------------------- archive, delete, mute

    /// `archiveRoom` / `channels.archive` / `/archive` (`archive-room`).
    pub fn archive(&self, actor: &User, room: &Room) -> Result<Room> {
        self.set_archived(actor, room, true)
    }

    /// `unarchiveRoom` / `channels.unarchive` / `/unarchive` (`unarchive-room`).
    pub fn unarchive(&self, actor: &User, room: &Room) -> Result<Room> {
        self.set_archived(actor, room, false)
    }

    fn set_archived(&self, actor: &User, room: &Room, archived: bool) -> Result<Room> {
        let perm = if archived { "archive-room" } else { "unarchive-room" };
        if !self.0.authz().can(actor, perm, Some(&room.id))? {
            return Err(Error::bad("error-not-authorized", "Not authorized"));
        }
        if room.is_direct() {
            return Err(Error::bad("error-direct-message-room", "Direct Messages can not be archived"));
        }
        if room.archived == archived {
            let name = self.display_name(room);
            return Err(if archived {
                Error::bad("error-room-archived", format!("The channel, {name}, is archived"))
            } else {
                Error::bad("error-room-not-archived", format!("The channel, {name}, is not archived"))
            });
        }
        let now = Date::now();
        let (after, subs) = self
            .0
            .store
            .modify_room_and_subscriptions(
                &room.id,
                &mut |r| {
                    r.archived = archived;
                    r.updated_at = now;
                    Ok(())
                },
                &mut |s| {
                    s.archived = archived;
                    s.open = !archived;
                    s.alert = false;
                    s.updated_at = now;
                    true
                },
            )?
            .ok_or_else(room_not_found)?;
        self.0.emit_room(ChangeAction::Updated, &after);
        for s in &subs {
            self.0.emit_subscription(ChangeAction::Updated, s);
        }
        let t = if archived { "room-archived" } else { "room-unarchived" };
        self.0.messages().system(&after, t, "", actor, Map::new())?;
        Ok(after)
    }

    /// `eraseRoom` / `channels.delete` / `im.delete`: `delete-c`, `delete-p` or `delete-d` in
    /// the room. A team's main room goes with its team (`teams.delete`).
    pub fn erase(&self, actor: &User, room: &Room) -> Result<()> {
        let perm = match room.t.as_str() {
            "c" => "delete-c",
            "p" => "delete-p",
            "d" => "delete-d",
            _ => return Err(not_allowed()),
        };
        if !self.0.authz().can(actor, perm, Some(&room.id))? {
            return Err(not_allowed());
        }
        if room.team_main {
            return Err(Error::bad(
                "error-cannot-delete-team-main-room",
                "A team's main room is deleted with its team",
            ));
        }
        self.erase_unchecked(actor, room)
    }

    /// Deletes a room with its subscriptions and messages, without permission checks.
    pub(crate) fn erase_unchecked(&self, actor: &User, room: &Room) -> Result<()> {
        let subs = self.0.store.delete_room(&room.id)?;
        self.0.uploads().remove_room_files(&room.id)?;
        for s in &subs {
            self.0.emit_subscription(ChangeAction::Removed, s);
        }
        self.0.emit_room(ChangeAction::Removed, room);
        if !room.team_main
            && let Some(team_id) = &room.team_id
            && let Some(team) = self.0.store.team_by_id(team_id)?
            && let Some(main) = self.0.store.room_by_id(&team.room_id)?
        {
            self.0.messages().system(
                &main,
                "user-deleted-room-from-team",
                room.name.as_deref().unwrap_or_default(),
                actor,
                Map::new(),
            )?;
        }
        Ok(())
    }

    /// `rooms.muteUser` / `rooms.unmuteUser` / `/mute` (`mute-user` in the room): keeps the
    /// room's `muted` list of usernames and writes `user-muted` / `user-unmuted`.
    pub fn set_muted(&self, actor: &User, room: &Room, username: &str, mute: bool) -> Result<Room> {
        if !self.0.authz().can(actor, "mute-user", Some(&room.id))? {
            return Err(not_allowed());
        }
        if room.t != "c" && room.t != "p" {
            return Err(Error::bad("error-invalid-room-type", format!("{} is not a valid room type", room.t)));
        }
        let user = self.0.store.user_by_username(username.trim_start_matches('@'))?.ok_or_else(invalid_user)?;
        if mute && self.0.store.subscription(&room.id, &user.id)?.is_none() {
            return Err(Error::bad("error-user-not-in-room", "User is not in this room"));
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
        self.0.messages().system(&after, t, &user.username, actor, Map::new())?;
        Ok(after)
    }

    // ---------------------------------------------------------------- discussions

    /// `rooms.createDiscussion`: a private room with `prid` whose members are the creator, the
    /// invited users (and both sides of a DM parent), announced in the parent with a
    /// `discussion-created` message (`Discussion_enabled`, `start-discussion` or
    /// `start-discussion-other-user`).
    pub fn create_discussion(&self, user: &User, new: NewDiscussion) -> Result<Room> {
        let refuse = || action_not_allowed("You are not allowed to create a discussion");
        if !self.0.settings.bool("Discussion_enabled") {
            return Err(refuse());
        }
        if !self.0.authz().can_any(user, &["start-discussion", "start-discussion-other-user"], Some(&new.prid))? {
            return Err(refuse());
        }
        let parent = self
            .0
            .store
            .room_by_id(&new.prid)?
            .filter(|p| self.can_read(user, p).unwrap_or(false))
            .ok_or_else(|| Error::bad("error-invalid-room", "Invalid room"))?;
        if parent.prid.is_some() {
            return Err(Error::bad("error-nested-discussion", "Cannot create nested discussions"));
        }
        if parent.archived {
            return Err(Error::bad("error-room-archived", "The room is archived"));
        }
        let name = new.name.trim().to_string();
        if name.is_empty() {
            return Err(Error::bad("error-action-not-allowed", "Discussion name is required"));
        }
        let mut message = None;
        if let Some(pmid) = new.pmid.as_deref().filter(|p| !p.is_empty()) {
            let m = self.0.store.message(pmid)?.filter(|m| m.rid == parent.id).ok_or_else(refuse)?;
            if m.drid.is_some() {
                return Err(Error::bad(
                    "error-discussion-already-exists",
                    "A discussion already exists for this message",
                ));
            }
            message = Some(m);
        }
        let mut members: Vec<String> = new.users.clone();
        if parent.is_direct() {
            members.extend(parent.usernames.iter().cloned());
        }
        let mut extra = Map::new();
        extra.insert("prid".into(), json!(parent.id));
        extra.insert("fname".into(), json!(name));
        if let Some(topic) = new.topic.clone().or_else(|| parent.name.clone()) {
            extra.insert("topic".into(), json!(topic));
        }
        if let Some(m) = &message
            && !parent.encrypted
            && !m.msg.is_empty()
        {
            extra.insert("description".into(), json!(m.msg));
        }
        if let Some(enc) = new.encrypted.or(Some(parent.encrypted)).filter(|e| *e) {
            extra.insert("encrypted".into(), json!(enc));
        }
        let mut discussion = self.create_unchecked(
            user,
            NewRoom { t: "p".into(), name: ids::random_id(), members, extra, ..Default::default() },
        )?;
        // The generated `name` is an id; people see `fname`.
        discussion.fname = Some(name.clone());
        let mut drid_extra = Map::new();
        drid_extra.insert("drid".into(), json!(discussion.id));
        self.0.messages().system(&parent, "discussion-created", &name, user, drid_extra)?;
        if let Some(mut m) = message {
            m.drid = Some(discussion.id.clone());
            m.extra.insert("dcount".into(), json!(0));
            m.updated_at = Date::now();
            self.0.store.update_message(&m)?;
            self.0.bus.publish(Event::MessageSaved {
                message: Arc::new(m),
                room: Arc::new(parent.clone()),
                is_new: false,
            });
        }
        if let Some(reply) = new.reply.filter(|r| !r.trim().is_empty()) {
            let draft =
                crate::services::messages::Draft { rid: discussion.id.clone(), msg: reply, ..Default::default() };
            self.0.messages().send(user, draft)?;
        }
        Ok(discussion)
    }

    /// Discussions of a room (`rooms.getDiscussions`), unsorted.
    pub fn discussions(&self, user: &User, room: &Room) -> Result<Vec<Room>> {
        if !self.can_read(user, room)? {
            return Err(room_not_found());
        }
        self.0.store.rooms_by_parent(&room.id)
    }

    // ---------------------------------------------------------------- members, counters, history

    /// Active members of a room as `{_id, username, name, status, statusText, utcOffset, …}`,
    /// sorted by username. Broadcast rooms need `view-broadcast-member-list`.
    pub fn members(&self, user: &User, room: &Room, q: &MemberQuery) -> Result<(Vec<Value>, usize)> {
        if room.broadcast && !self.0.authz().can(user, "view-broadcast-member-list", Some(&room.id))? {
            return Err(crate::services::authz::unauthorized());
        }
        let (users, total) = self.0.store.room_members(&room.id, q)?;
        Ok((users.iter().map(member_view).collect(), total))
    }

    /// Members of a room currently not offline (`channels.online`): `[{_id, username}]`.
    pub fn online(&self, user: &User, room: &Room) -> Result<Vec<Value>> {
        if !self.can_read(user, room)? {
            return Err(Error::bad("error-not-allowed", "Not Allowed"));
        }
        let q = MemberQuery { status: vec!["online".into(), "away".into(), "busy".into()], ..Default::default() };
        let (users, _) = self.0.store.room_members(&room.id, &q)?;
        Ok(users.into_iter().map(|u| json!({"_id": u.id, "username": u.username})).collect())
    }

    /// `channels.counters` / `groups.counters` / `im.counters` for `user_id` (another user
    /// needs `view-room-administration`).
    pub fn counters(&self, caller: &User, room: &Room, user_id: Option<&str>) -> Result<Value> {
        let admin = self.0.authz().can(caller, "view-room-administration", None)?;
        let uid = match user_id.filter(|u| !u.is_empty()) {
            Some(u) if u != caller.id => {
                if !admin {
                    return Err(crate::services::authz::unauthorized());
                }
                u.to_string()
            }
            _ => caller.id.clone(),
        };
        let sub = self.0.store.subscription(&room.id, &uid)?;
        let lm = room.lm.unwrap_or(room.updated_at);
        let mut out = json!({
            "joined": false, "members": null, "unreads": null, "unreadsFrom": null,
            "msgs": null, "latest": null, "userMentions": null,
        });
        if let Some(sub) = &sub {
            if room.is_direct() {
                out["unreads"] = json!(sub.unread);
                if room.msgs > 0
                    && let Some(ls) = sub.ls
                {
                    out["unreadsFrom"] = json!(ls);
                }
                out["userMentions"] = json!(sub.user_mentions);
                out["joined"] = json!(true);
            } else if sub.open {
                let from = sub.ls.unwrap_or(sub.ts);
                let q = HistoryQuery {
                    rid: room.id.clone(),
                    oldest: Some(from),
                    latest: Some(lm),
                    inclusive: true,
                    exclude_types: self.hidden_types(room),
                    ..Default::default()
                };
                out["unreads"] = json!(self.0.store.count_room_history(&q)?);
                out["unreadsFrom"] = json!(from);
                out["userMentions"] = json!(sub.user_mentions);
                out["joined"] = json!(true);
            }
        }
        if admin || out["joined"] == json!(true) {
            out["msgs"] = json!(room.msgs);
            out["latest"] = json!(lm);
            out["members"] = json!(room.users_count);
        }
        Ok(out)
    }

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

    /// `channels.history` / `im.history` / `loadHistory`: messages before `latest` (and after
    /// `oldest`), newest first, with `firstUnread` / `unreadNotLoaded` on request.
    pub fn history(&self, user: &User, room: &Room, o: &HistoryOptions) -> Result<Value> {
        if !self.can_read(user, room)? {
            return Err(crate::services::authz::unauthorized());
        }
        let hidden = self.hidden_types(room);
        let q = HistoryQuery {
            rid: room.id.clone(),
            oldest: o.oldest,
            latest: o.latest,
            inclusive: o.inclusive,
            exclude_types: hidden.clone(),
            exclude_thread_replies: !o.show_thread_messages,
            offset: o.offset,
            limit: Some(o.count),
            ..Default::default()
        };
        let messages = self.0.store.room_history(&q)?;
        let mut out = json!({"messages": messages});
        if o.unreads {
            let mut unread_not_loaded = 0;
            let mut first_unread = Value::Null;
            if let (Some(oldest), Some(last)) = (o.oldest, messages.last())
                && last.ts != oldest
            {
                let q = HistoryQuery {
                    rid: room.id.clone(),
                    oldest: Some(oldest),
                    latest: Some(last.ts),
                    inclusive: false,
                    exclude_types: hidden,
                    exclude_thread_replies: !o.show_thread_messages,
                    oldest_first: true,
                    limit: Some(1),
                    ..Default::default()
                };
                if let Some(first) = self.0.store.room_history(&q)?.into_iter().next() {
                    first_unread = serde_json::to_value(first)?;
                }
                unread_not_loaded = self.0.store.count_room_history(&q)?;
            }
            out["firstUnread"] = first_unread;
            out["unreadNotLoaded"] = json!(unread_not_loaded);
        }
        Ok(out)
    }

    /// `channels.messages` / `groups.messages` / `im.messages`: a page of the room's messages
    /// with an optional Mongo-style `query` and `sort`. Without them the page comes straight
    /// from the `(rid, ts)` index; with them the room is scanned in batches.
    pub fn messages(&self, user: &User, room: &Room, o: &MessageListOptions) -> Result<(Vec<Value>, usize)> {
        if !self.can_read(user, room)? {
            return Err(crate::services::authz::unauthorized());
        }
        self.list_messages(room, o)
    }

    /// [`Rooms::messages`] without the access check (`im.messages.others`).
    pub(crate) fn list_messages(&self, room: &Room, o: &MessageListOptions) -> Result<(Vec<Value>, usize)> {
        let ts_sort = match &o.sort {
            None => Some(false),
            Some(s) if s.len() == 1 => match s.get("ts").and_then(Value::as_i64) {
                Some(1) => Some(true),
                Some(-1) => Some(false),
                _ => None,
            },
            Some(_) => None,
        };
        if o.query.as_ref().is_none_or(|q| q.is_empty())
            && let Some(oldest_first) = ts_sort
        {
            let q = HistoryQuery {
                rid: room.id.clone(),
                oldest_first,
                offset: o.offset,
                limit: o.count,
                ..Default::default()
            };
            let total = self.0.store.count_room_history(&q)?;
            let page = self.0.store.room_history(&q)?;
            return Ok((page.iter().map(|m| serde_json::to_value(m).unwrap_or_default()).collect(), total));
        }
        if let Some(q) = &o.query {
            // Surface a malformed query as an error instead of an empty page.
            query::matches(&json!({}), q)?;
        }
        const BATCH: usize = 1000;
        let mut matched: Vec<Value> = Vec::new();
        let mut offset = 0;
        loop {
            let q = HistoryQuery { rid: room.id.clone(), offset, limit: Some(BATCH), ..Default::default() };
            let batch = self.0.store.room_history(&q)?;
            let n = batch.len();
            for m in batch {
                let v = serde_json::to_value(&m)?;
                if o.query.as_ref().is_none_or(|q| query::matches(&v, q).unwrap_or(false)) {
                    matched.push(v);
                }
            }
            if n < BATCH {
                break;
            }
            offset += BATCH;
        }
        if let Some(s) = &o.sort {
            query::sort(&mut matched, s);
        }
        let total = matched.len();
        let page = matched.into_iter().skip(o.offset).take(o.count.unwrap_or(usize::MAX)).collect();
        Ok((page, total))
    }

    /// Files uploaded to a room (`channels.files`, `groups.files`, `im.files`), as
    /// `{_id, name, type, size, rid, userId, uploadedAt, url, user, …}`, read from the uploads
    /// store; `name` filters case-insensitively.
    pub fn files(&self, user: &User, room: &Room, name: Option<&str>) -> Result<Vec<Value>> {
        if !self.can_read(user, room)? {
            return Err(room_not_found_for(&room.t));
        }
        self.0.uploads().room_files(room, name)
    }

    /// `channels.getAllUserMentionsByChannel`: messages of the room mentioning `user`, oldest
    /// first (or newest first with `newest_first`).
    pub fn mentions_of(
        &self,
        user: &User,
        room: &Room,
        offset: usize,
        count: Option<usize>,
        newest_first: bool,
    ) -> Result<(Vec<Message>, usize)> {
        if !self.can_read(user, room)? {
            return Err(room_not_found());
        }
        let q = HistoryQuery {
            rid: room.id.clone(),
            mentioning: Some(user.id.clone()),
            oldest_first: !newest_first,
            offset,
            limit: count,
            ..Default::default()
        };
        Ok((self.0.store.room_history(&q)?, self.0.store.count_room_history(&q)?))
    }

    /// `rooms.cleanHistory` (`clean-channel-history` in the room): deletes a time range of
    /// messages and returns how many went.
    pub fn clean_history(&self, actor: &User, room: &Room, q: CleanHistory) -> Result<usize> {
        if !self.0.authz().can(actor, "clean-channel-history", Some(&room.id))? {
            return Err(not_allowed());
        }
        if !self.can_read(actor, room)? {
            return Err(Error::bad("error-not-allowed", "User does not have access to the room"));
        }
        let q = CleanHistory { rid: room.id.clone(), ..q };
        let ids = self.0.store.clean_room_history(&q)?;
        self.0.uploads().remove_message_files(&ids)?;
        let count = ids.len();
        // One event for the whole range, as upstream's `deleteMessageBulk`.
        self.0.bus.publish(Event::MessagesBulkDeleted { query: Arc::new(q), ids: Arc::new(ids) });
        Ok(count)
    }
}

/// The id of a one-to-one (or self) DM: the user ids, sorted and joined.
pub fn direct_room_id(uids: &[String]) -> String {
    let mut u = uids.to_vec();
    u.sort();
    if u.len() == 1 { format!("{}{}", u[0], u[0]) } else { u.concat() }
}

fn direct_subscription(room: &Room, member: &User, all: &[User], open: bool, now: Date) -> Subscription {
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

fn member_view(u: &User) -> Value {
    let mut v = json!({
        "_id": u.id, "username": u.username, "status": u.status, "utcOffset": u.utc_offset,
        "_updatedAt": u.updated_at,
    });
    if let Some(n) = &u.name {
        v["name"] = json!(n);
    }
    if let Some(t) = &u.status_text {
        v["statusText"] = json!(t);
    }
    if let Some(e) = &u.avatar_etag {
        v["avatarETag"] = json!(e);
    }
    if let Some(n) = &u.nickname {
        v["nickname"] = json!(n);
    }
    v
}

/// Applies one validated setting to a room, recording the system messages to write.
#[allow(clippy::too_many_arguments)]
fn apply_setting(
    r: &mut Room,
    key: &str,
    value: &Value,
    actor: &User,
    messages: &mut Vec<(&'static str, String)>,
    renamed: &mut Option<String>,
    retyped: &mut Option<String>,
) -> Result<()> {
    let text = || value.as_str().unwrap_or("").to_string();
    match key {
        "roomName" => {
            let name = text().trim().to_string();
            let current = if r.prid.is_some() { r.fname.clone() } else { r.name.clone() };
            if current.as_deref() != Some(name.as_str()) {
                if r.prid.is_none() {
                    r.name = Some(name.clone());
                }
                r.fname = Some(name.clone());
                *renamed = Some(name.clone());
                messages.push(("r", name));
            }
        }
        "roomTopic" => {
            r.topic = Some(text());
            messages.push(("room_changed_topic", text()));
        }
        "roomAnnouncement" => {
            r.announcement = Some(text());
            messages.push(("room_changed_announcement", text()));
        }
        "roomDescription" => {
            r.description = Some(text());
            messages.push(("room_changed_description", text()));
        }
        "roomCustomFields" => {
            r.custom_fields = value.as_object().cloned();
        }
        "roomType" => {
            let t = text();
            if t != r.t {
                r.t = t.clone();
                messages.push(("room_changed_privacy", if t == "c" { "public".into() } else { "private".into() }));
                *retyped = Some(t);
            }
        }
        "readOnly" => {
            let v = value.as_bool().unwrap_or(false);
            if v != r.ro {
                r.ro = v;
                messages
                    .push((if v { "room-set-read-only" } else { "room-removed-read-only" }, actor.username.clone()));
            }
        }
        "reactWhenReadOnly" => {
            let v = value.as_bool().unwrap_or(false);
            if r.extra.get("reactWhenReadOnly").and_then(Value::as_bool).unwrap_or(false) != v {
                r.extra.insert("reactWhenReadOnly".into(), json!(v));
                messages.push((
                    if v { "room-allowed-reacting" } else { "room-disallowed-reacting" },
                    actor.username.clone(),
                ));
            }
        }
        "systemMessages" => {
            r.sys_mes = value.as_bool().unwrap_or(true);
        }
        "default" => {
            r.is_default = value.as_bool().unwrap_or_else(|| matches!(value.as_str(), Some("true" | "1")));
        }
        "featured" => {
            let v = value.as_bool().unwrap_or_else(|| matches!(value.as_str(), Some("true" | "1")));
            r.extra.insert("featured".into(), json!(v));
        }
        "joinCode" => {
            let code = text().trim().to_string();
            r.join_code_required = !code.is_empty();
            r.join_code = if code.is_empty() { None } else { Some(code) };
        }
        "encrypted" => {
            let v = value.as_bool().unwrap_or(false);
            if v != r.encrypted {
                r.encrypted = v;
                messages.push((if v { "room-e2e-enabled" } else { "room-e2e-disabled" }, actor.username.clone()));
            }
        }
        "favorite" => {
            let (fav, default_value) = match value {
                Value::Object(o) => (
                    o.get("favorite").and_then(Value::as_bool).unwrap_or(false),
                    o.get("defaultValue").and_then(Value::as_bool).unwrap_or(false),
                ),
                other => (other.as_bool().unwrap_or(false), false),
            };
            if fav {
                r.extra.insert("favorite".into(), json!(default_value));
            } else {
                r.extra.remove("favorite");
            }
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn services() -> (std::sync::Arc<Services>, std::path::PathBuf) {
        let dir = std::env::temp_dir().join(format!("orbit-rooms-unit-{}", ids::random_id()));
        let config = crate::config::Config::from_vars([
            ("ORBIT_DATA_DIR".to_string(), dir.display().to_string()),
            ("ORBIT_BCRYPT_COST".to_string(), "4".to_string()),
        ]);
        (crate::server::open(config).unwrap(), dir)
    }

    fn user(s: &Services, name: &str) -> User {
        s.accounts()
            .insert(crate::services::accounts::NewUser {
                username: name.into(),
                email: Some(format!("{name}@example.com")),
                password: Some("Passw0rd!x".into()),
                ..Default::default()
            })
            .unwrap()
    }

    #[test]
    fn posting_rules() {
        let (s, dir) = services();
        let owner = user(&s, "owner");
        let bob = user(&s, "bob");
        let eve = user(&s, "eve");
        let new = NewRoom { t: "p".into(), name: "club".into(), members: vec!["bob".into()], ..Default::default() };
        let room = s.rooms().create(&owner, new).unwrap();
        assert!(s.rooms().can_post(&bob, &room).is_ok());
        assert_eq!(s.rooms().can_post(&eve, &room).unwrap_err().id(), "error-not-allowed");
        let room = s.rooms().set_muted(&owner, &room, "bob", true).unwrap();
        assert_eq!(s.rooms().can_post(&bob, &room).unwrap_err().id(), "error-user-muted");
        let room = s.rooms().set_muted(&owner, &room, "bob", false).unwrap();
        let room = s.rooms().save_setting(&owner, &room, "readOnly", json!(true)).unwrap();
        assert_eq!(s.rooms().can_post(&bob, &room).unwrap_err().id(), "error-room-read-only");
        assert!(s.rooms().can_post(&owner, &room).is_ok(), "owners hold post-readonly");
        let room = s.rooms().archive(&owner, &room).unwrap();
        assert_eq!(s.rooms().can_post(&owner, &room).unwrap_err().id(), "error-room-archived");
        drop(s);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn dm_ids_are_sorted_concatenations() {
        assert_eq!(direct_room_id(&["b".into(), "a".into()]), "ab");
        assert_eq!(direct_room_id(&["x".into()]), "xx");
    }

    #[test]
    fn settings_apply_and_record_messages() {
        let mut room = Room { t: "c".into(), name: Some("a".into()), ..Default::default() };
        let actor = User { username: "bob".into(), ..Default::default() };
        let (mut msgs, mut renamed, mut retyped) = (vec![], None, None);
        apply_setting(&mut room, "roomName", &json!("b"), &actor, &mut msgs, &mut renamed, &mut retyped).unwrap();
        apply_setting(&mut room, "roomType", &json!("p"), &actor, &mut msgs, &mut renamed, &mut retyped).unwrap();
        apply_setting(&mut room, "joinCode", &json!(" 123 "), &actor, &mut msgs, &mut renamed, &mut retyped).unwrap();
        assert_eq!(room.name.as_deref(), Some("b"));
        assert_eq!(room.t, "p");
        assert_eq!(room.join_code.as_deref(), Some("123"));
        assert!(room.join_code_required);
        assert_eq!(msgs, vec![("r", "b".to_string()), ("room_changed_privacy", "private".to_string())]);
        assert_eq!(retyped.as_deref(), Some("p"));
    }
}
