//! Finding rooms, users and teams: `directory` (paged browsing) and `spotlight` (the quick
//! search behind `#` and `@`). Only what the caller may see is ever listed.

use std::collections::HashSet;

use serde::Serialize;
use serde_json::{Map, Value, json};

use super::Services;
use crate::error::{Error, Kind, Result};
use crate::models::{Email, Message, Room, RoomType, User, is_false};
use crate::query;
use crate::time::Date;

/// What `directory` lists.
#[derive(Debug, Clone, Default)]
pub struct DirectoryQuery {
    pub text: String,
    /// `channels` (default), `users` or `teams`.
    pub kind: String,
    /// `local` (default), `all` or `external` (no federation: nothing is external).
    pub workspace: String,
    /// `name` (default), `createdAt`, `usersCount`, `lastMessage`, `usernames`, `username`,
    /// `email` or `bio`, depending on the kind.
    pub sort_by: Option<String>,
    pub descending: bool,
    pub offset: usize,
    pub limit: usize,
}

/// One entry of a `directory` page.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum DirectoryEntry {
    Room(DirectoryRoom),
    User(DirectoryUser),
}

/// A channel or team as `directory` lists it.
#[derive(Debug, Clone, Serialize)]
pub struct DirectoryRoom {
    #[serde(rename = "_id")]
    pub id: String,
    pub t: RoomType,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fname: Option<String>,
    pub ts: Date,
    #[serde(rename = "usersCount")]
    pub users_count: i64,
    #[serde(rename = "default", skip_serializing_if = "is_false")]
    pub is_default: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "is_false")]
    pub archived: bool,
    #[serde(rename = "lastMessage", skip_serializing_if = "Option::is_none")]
    pub last_message: Option<Box<Message>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prid: Option<String>,
    #[serde(rename = "teamId", skip_serializing_if = "Option::is_none")]
    pub team_id: Option<String>,
    #[serde(rename = "teamMain", skip_serializing_if = "is_false")]
    pub team_main: bool,
    /// Kept as stored (`featured` is not a field of [`Room`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub featured: Option<Value>,
    /// The name of the team a channel is in.
    #[serde(rename = "belongsTo", skip_serializing_if = "Option::is_none")]
    pub belongs_to: Option<String>,
    /// How many rooms a team has.
    #[serde(rename = "roomsCount", skip_serializing_if = "Option::is_none")]
    pub rooms_count: Option<usize>,
}

impl DirectoryRoom {
    fn of(mut room: Room) -> Self {
        DirectoryRoom {
            featured: room.extra.remove("featured"),
            id: room.id,
            t: room.t,
            name: room.name,
            fname: room.fname,
            ts: room.ts,
            users_count: room.users_count,
            is_default: room.is_default,
            topic: room.topic,
            description: room.description,
            archived: room.archived,
            last_message: room.last_message,
            prid: room.prid,
            team_id: room.team_id,
            team_main: room.team_main,
            belongs_to: None,
            rooms_count: None,
        }
    }
}

/// A user as `directory` lists them; emails only for viewers who may see them.
#[derive(Debug, Clone, Serialize)]
pub struct DirectoryUser {
    #[serde(rename = "_id")]
    pub id: String,
    #[serde(rename = "createdAt")]
    pub created_at: Date,
    pub username: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub emails: Vec<Email>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(rename = "avatarETag", skip_serializing_if = "Option::is_none")]
    pub avatar_etag: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bio: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nickname: Option<String>,
}

impl DirectoryUser {
    fn of(u: User, full: bool) -> Self {
        DirectoryUser {
            id: u.id,
            created_at: u.created_at,
            username: u.username,
            emails: if full { u.emails } else { Vec::new() },
            name: u.name,
            avatar_etag: u.avatar_etag,
            bio: u.bio,
            nickname: u.nickname,
        }
    }
}

/// A user as `spotlight` suggests them.
#[derive(Debug, Clone, Serialize)]
pub struct SpotlightUser {
    #[serde(rename = "_id")]
    pub id: String,
    pub username: String,
    pub status: String,
    /// Always `true`: Rocket.Chat marks users found outside the caller's rooms.
    pub outside: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nickname: Option<String>,
    #[serde(rename = "statusText", skip_serializing_if = "Option::is_none")]
    pub status_text: Option<String>,
    #[serde(rename = "avatarETag", skip_serializing_if = "Option::is_none")]
    pub avatar_etag: Option<String>,
}

impl SpotlightUser {
    fn of(u: &User) -> Self {
        SpotlightUser {
            id: u.id.clone(),
            username: u.username.clone(),
            status: u.status.clone(),
            outside: true,
            name: u.name.clone(),
            nickname: u.nickname.clone(),
            status_text: u.status_text.clone(),
            avatar_etag: u.avatar_etag.clone(),
        }
    }
}

/// A public channel as `spotlight` suggests it.
#[derive(Debug, Clone, Serialize)]
pub struct SpotlightRoom {
    #[serde(rename = "_id")]
    pub id: String,
    pub t: RoomType,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fname: Option<String>,
    #[serde(rename = "joinCodeRequired", skip_serializing_if = "is_false")]
    pub join_code_required: bool,
    /// Only when the caller may preview the room (or last messages are not stored).
    #[serde(rename = "lastMessage", skip_serializing_if = "Option::is_none")]
    pub last_message: Option<Box<Message>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prid: Option<String>,
    #[serde(rename = "teamMain", skip_serializing_if = "is_false")]
    pub team_main: bool,
}

impl SpotlightRoom {
    fn of(room: Room, keep_last: bool) -> Self {
        SpotlightRoom {
            id: room.id,
            t: room.t,
            name: room.name,
            fname: room.fname,
            join_code_required: room.join_code_required,
            last_message: room.last_message.filter(|_| keep_last),
            prid: room.prid,
            team_main: room.team_main,
        }
    }
}

/// Directory and spotlight operations.
pub struct Directory<'a>(pub &'a Services);

impl Services {
    /// Directory and spotlight operations.
    pub fn directory(&self) -> Directory<'_> {
        Directory(self)
    }
}

fn verify_params() -> Error {
    Error::from(Kind::InvalidParams)
}

/// A case-insensitive "contains" query over `fields` (`{}` for an empty text).
fn text_query(text: &str, fields: &[String]) -> Map<String, Value> {
    let text = text.trim();
    if text.is_empty() {
        return Map::new();
    }
    let pattern = regex::escape(text);
    let clauses: Vec<Value> =
        fields.iter().map(|f| json!({ f.as_str(): {"$regex": pattern, "$options": "i"} })).collect();
    let mut q = Map::new();
    q.insert("$or".into(), Value::Array(clauses));
    q
}

fn sort_spec(pairs: &[(&str, i64)]) -> Map<String, Value> {
    pairs.iter().map(|(k, d)| (k.to_string(), json!(d))).collect()
}

impl Directory<'_> {
    fn search_fields(&self) -> Vec<String> {
        let setting = self.0.settings.string("Accounts_SearchFields");
        let fields: Vec<String> = setting.split(',').map(|f| f.trim().to_string()).filter(|f| !f.is_empty()).collect();
        if fields.is_empty() { vec!["username".into(), "name".into()] } else { fields }
    }

    /// `directory`: one page of channels, users or teams matching `text`, with the total.
    pub fn browse(&self, user: &User, q: &DirectoryQuery) -> Result<(Vec<DirectoryEntry>, usize)> {
        let kind = if q.kind.is_empty() { "channels" } else { q.kind.as_str() };
        let sort_by = q.sort_by.clone().unwrap_or_else(|| "name".into());
        let allowed: &[&str] = match kind {
            "channels" | "teams" => &["name", "createdAt", "usersCount", "usernames", "lastMessage"],
            "users" => &["name", "createdAt", "usersCount", "username", "email", "bio"],
            _ => return Err(verify_params()),
        };
        if !allowed.contains(&sort_by.as_str()) {
            return Err(verify_params());
        }
        let dir = if q.descending { -1 } else { 1 };
        let entries: Vec<DirectoryEntry> = match kind {
            "channels" => self.channels(user, &q.text)?.into_iter().map(DirectoryEntry::Room).collect(),
            "teams" => self.teams(user, &q.text)?.into_iter().map(DirectoryEntry::Room).collect(),
            _ => self.users(user, &q.text, &q.workspace)?.into_iter().map(DirectoryEntry::User).collect(),
        };
        let sort = match (kind, sort_by.as_str()) {
            ("users", "email") => sort_spec(&[("emails.address", dir), ("username", dir)]),
            ("users", field) => sort_spec(&[(field, dir)]),
            (_, "createdAt") => sort_spec(&[("featured", -1), ("ts", dir)]),
            (_, "lastMessage") => sort_spec(&[("featured", -1), ("lastMessage.ts", dir)]),
            (_, field) => sort_spec(&[("featured", -1), (field, dir)]),
        };
        // Sorted by their wire fields, as the client named them.
        let mut keyed = entries.into_iter().map(|e| Ok((serde_json::to_value(&e)?, e))).collect::<Result<Vec<_>>>()?;
        keyed.sort_by(|(a, _), (b, _)| query::order(a, b, &sort));
        let total = keyed.len();
        let limit = if q.limit == 0 { 10 } else { q.limit };
        Ok((keyed.into_iter().skip(q.offset).take(limit).map(|(_, e)| e).collect(), total))
    }

    /// Team ids whose rooms the user may list: public teams and the user's own.
    fn visible_team_ids(&self, user: &User) -> Result<HashSet<String>> {
        let mut ids: HashSet<String> =
            self.0.store.teams()?.into_iter().filter(|t| t.kind == 0).map(|t| t.id).collect();
        ids.extend(self.0.store.team_memberships_of_user(&user.id)?.into_iter().map(|m| m.team_id));
        Ok(ids)
    }

    fn joined(&self, user: &User) -> Result<HashSet<String>> {
        Ok(self.0.store.subscriptions_of_user(&user.id)?.into_iter().map(|s| s.rid).collect())
    }

    fn room_doc(room: &Room) -> Value {
        serde_json::to_value(room).unwrap_or_default()
    }

    /// Public channels (outside teams, or in teams the user may see) and the user's own groups;
    /// never team main rooms nor discussions. Needs `view-c-room`.
    fn channels(&self, user: &User, text: &str) -> Result<Vec<DirectoryRoom>> {
        if !self.0.authz().can(user, "view-c-room", None)? {
            return Err(verify_params());
        }
        let teams = self.visible_team_ids(user)?;
        let joined = self.joined(user)?;
        let q = text_query(text, &["name".into(), "fname".into()]);
        let team_names: std::collections::HashMap<String, String> =
            self.0.store.teams()?.into_iter().map(|t| (t.id, t.name)).collect();
        let mut out = Vec::new();
        for room in self.0.store.rooms_by_types(&[RoomType::Channel, RoomType::Private])? {
            if room.team_main || room.prid.is_some() {
                continue;
            }
            let listed = match (room.t, &room.team_id) {
                (RoomType::Channel, None) => true,
                (RoomType::Channel, Some(team)) => teams.contains(team) || joined.contains(&room.id),
                _ => joined.contains(&room.id),
            };
            if !listed || !query::matches(&Self::room_doc(&room), &q)? {
                continue;
            }
            let belongs_to = room.team_id.as_ref().and_then(|t| team_names.get(t)).cloned();
            out.push(DirectoryRoom { belongs_to, ..DirectoryRoom::of(room) });
        }
        Ok(out)
    }

    /// Team main rooms: public teams and private teams the user belongs to, with `roomsCount`.
    fn teams(&self, user: &User, text: &str) -> Result<Vec<DirectoryRoom>> {
        let joined = self.joined(user)?;
        let q = text_query(text, &["name".into(), "fname".into()]);
        let mut out = Vec::new();
        for room in self.0.store.rooms_by_types(&[RoomType::Channel, RoomType::Private])? {
            if !room.team_main || (room.t != RoomType::Channel && !joined.contains(&room.id)) {
                continue;
            }
            if !query::matches(&Self::room_doc(&room), &q)? {
                continue;
            }
            let count = match &room.team_id {
                Some(t) => self.0.store.rooms_by_team(t)?.len(),
                None => 0,
            };
            out.push(DirectoryRoom { rooms_count: Some(count), ..DirectoryRoom::of(room) });
        }
        Ok(out)
    }

    /// Active users matching the search fields. Needs `view-outside-room` and `view-d-room`;
    /// emails only with `view-full-other-user-info`.
    fn users(&self, user: &User, text: &str, workspace: &str) -> Result<Vec<DirectoryUser>> {
        let authz = self.0.authz();
        if !authz.can(user, "view-outside-room", None)? || !authz.can(user, "view-d-room", None)? {
            return Err(verify_params());
        }
        if workspace == "external" {
            return Ok(Vec::new());
        }
        let full = authz.can(user, "view-full-other-user-info", None)?;
        let fields = if workspace == "all" {
            vec!["username".into(), "name".into(), "emails.address".into()]
        } else {
            self.search_fields()
        };
        let q = text_query(text, &fields);
        let mut out = Vec::new();
        for u in self.0.store.all_users()? {
            if !u.active || u.username.is_empty() {
                continue;
            }
            if query::matches(&serde_json::to_value(&u)?, &q)? {
                out.push(DirectoryUser::of(u, full));
            }
        }
        Ok(out)
    }

    /// `spotlight`: up to a few users and rooms matching `text`. A leading `#` searches only
    /// rooms, `@` only users. Rooms are public channels the caller has not joined (needs
    /// `view-outside-room` and `view-c-room`). Users are any active user with
    /// `view-outside-room` and `view-d-room`, otherwise only people the caller has direct
    /// messages with.
    pub fn spotlight(&self, user: &User, text: &str) -> Result<(Vec<SpotlightUser>, Vec<SpotlightRoom>)> {
        let (mut want_users, mut want_rooms) = (true, true);
        let mut text = text.trim();
        if let Some(rest) = text.strip_prefix('#') {
            want_users = false;
            text = rest;
        } else if let Some(rest) = text.strip_prefix('@') {
            want_rooms = false;
            text = rest;
        }
        let users = if want_users { self.spotlight_users(user, text)? } else { Vec::new() };
        let rooms = if want_rooms { self.spotlight_rooms(user, text)? } else { Vec::new() };
        Ok((users, rooms))
    }

    fn spotlight_users(&self, user: &User, text: &str) -> Result<Vec<SpotlightUser>> {
        let authz = self.0.authz();
        let limit = self.0.settings.int("Number_of_users_autocomplete_suggestions", 5).max(1) as usize;
        let outsiders = authz.can(user, "view-outside-room", None)? && authz.can(user, "view-d-room", None)?;
        let candidates: Vec<User> = if outsiders {
            self.0.store.all_users()?
        } else {
            let mut ids: Vec<String> = self
                .0
                .store
                .rooms_of_user(&user.id, &[RoomType::Direct])?
                .into_iter()
                .flat_map(|r| r.uids)
                .filter(|id| *id != user.id)
                .collect();
            ids.sort();
            ids.dedup();
            self.0.store.users_by_ids(&ids)?
        };
        let mut candidates: Vec<User> = candidates.into_iter().filter(|u| u.active && !u.username.is_empty()).collect();
        let by_name = self.0.settings.bool("UI_Use_Real_Name");
        candidates.sort_by_key(|u| if by_name { u.display_name().to_lowercase() } else { u.username.to_lowercase() });
        let mut out = Vec::new();
        // An exact username match comes first.
        if !text.is_empty()
            && let Some(exact) = candidates.iter().position(|u| u.username.eq_ignore_ascii_case(text))
        {
            out.push(SpotlightUser::of(&candidates.remove(exact)));
        }
        let q = text_query(text, &self.search_fields());
        for u in &candidates {
            if out.len() >= limit {
                break;
            }
            if query::matches(&serde_json::to_value(u)?, &q)? {
                out.push(SpotlightUser::of(u));
            }
        }
        Ok(out)
    }

    fn spotlight_rooms(&self, user: &User, text: &str) -> Result<Vec<SpotlightRoom>> {
        let authz = self.0.authz();
        if !authz.can(user, "view-outside-room", None)? || !authz.can(user, "view-c-room", None)? {
            return Ok(Vec::new());
        }
        let joined = self.joined(user)?;
        let q = text_query(text, &["name".into(), "fname".into()]);
        let keep_last = !self.0.settings.bool("Store_Last_Message") || authz.can(user, "preview-c-room", None)?;
        let mut rooms = Vec::new();
        for room in self.0.store.rooms_by_types(&[RoomType::Channel])? {
            if joined.contains(&room.id) || room.prid.is_some() || (room.team_id.is_some() && !room.team_main) {
                continue;
            }
            if query::matches(&Self::room_doc(&room), &q)? {
                rooms.push(SpotlightRoom::of(room, keep_last));
            }
        }
        // By name as the directory sorts: unnamed first, then case-insensitively.
        rooms.sort_by_key(|r| r.name.as_ref().map(|n| (n.to_lowercase(), n.clone())));
        rooms.truncate(5);
        Ok(rooms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_queries_escape_and_ignore_case() {
        let q = text_query("a.b", &["name".into()]);
        assert!(query::matches(&json!({"name": "XA.BY"}), &q).unwrap());
        assert!(!query::matches(&json!({"name": "axb"}), &q).unwrap());
        assert!(text_query("  ", &["name".into()]).is_empty());
    }
}
