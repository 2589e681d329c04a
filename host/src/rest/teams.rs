//! `teams.*`, as Rocket.Chat 8 has them. Team errors Rocket.Chat throws as plain `Error(id)`
//! (`team-does-not-exist`, …) are bare kinds of the error catalog, answered with the id as the
//! error text.

use std::sync::Arc;

use axum::Router;
use serde_json::{Value, json};

use super::paging::{ListOptions, docs};
use super::params::Params;
use super::rooms::{failure, get_with, page_of, post_with, text};
use crate::error::{Kind, Result};
use crate::models::User;
use crate::services::Services;
use crate::services::teams::{MemberFilter, NewTeam, TeamWithCounts};
use crate::store::Team;

/// Routes of this family.
pub fn routes() -> Router<Arc<Services>> {
    Router::new()
        .route("/api/v1/teams.create", post_with(create))
        .route("/api/v1/teams.info", get_with(info))
        .route("/api/v1/teams.list", get_with(list))
        .route("/api/v1/teams.listAll", get_with(list_all))
        .route("/api/v1/teams.members", get_with(members))
        .route("/api/v1/teams.addMembers", post_with(add_members))
        .route("/api/v1/teams.removeMember", post_with(remove_member))
        .route("/api/v1/teams.updateMember", post_with(update_member))
        .route("/api/v1/teams.leave", post_with(leave))
        .route("/api/v1/teams.addRooms", post_with(add_rooms))
        .route("/api/v1/teams.removeRoom", post_with(remove_room))
        .route("/api/v1/teams.updateRoom", post_with(update_room))
        .route("/api/v1/teams.listRooms", get_with(list_rooms))
        .route("/api/v1/teams.listRoomsOfUser", get_with(list_rooms_of_user))
        .route("/api/v1/teams.delete", post_with(delete))
        .route("/api/v1/teams.convertToChannel", post_with(convert_to_channel))
        .route("/api/v1/teams.update", post_with(update))
        .route("/api/v1/teams.autocomplete", get_with(autocomplete))
}

fn team(s: &Services, p: &Params) -> Result<Team> {
    s.teams().find(text(p, "teamId").as_deref(), text(p, "teamName").as_deref())
}

fn team_type(v: Option<&Value>) -> Result<Option<i64>> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n.as_i64().map(Some).ok_or_else(|| Kind::invalid_param("type")),
        Some(Value::String(s)) => s.trim().parse().map(Some).map_err(|_| Kind::invalid_param("type")),
        Some(_) => Err(Kind::invalid_param("type")),
    }
}

/// `POST teams.create {name, type, members, room: {id?, readOnly?}, owner}` → `{team}`.
fn create(s: &Services, user: &User, p: &Params) -> Result<Value> {
    let name = p.str("name")?;
    let kind = team_type(p.get("type"))?.ok_or_else(|| Kind::param_required("type"))?;
    let room = p.get("room").and_then(Value::as_object);
    let new = NewTeam {
        name,
        kind,
        members: p.list("members"),
        room_id: room.and_then(|r| r.get("id")).and_then(Value::as_str).map(String::from),
        read_only: room.and_then(|r| r.get("readOnly")).and_then(Value::as_bool).unwrap_or(false),
        extra: room.and_then(|r| r.get("extraData")).and_then(Value::as_object).cloned().unwrap_or_default(),
        owner: text(p, "owner"),
    };
    let team = s.teams().create(user, new)?;
    Ok(json!({"team": team}))
}

/// `GET teams.info?teamId=|teamName=` → `{teamInfo}`.
fn info(s: &Services, user: &User, p: &Params) -> Result<Value> {
    let team = team(s, p).map_err(|e| if e.is(Kind::TeamDoesNotExist) { failure("Team not found") } else { e })?;
    let team = s.teams().info(user, &team)?;
    Ok(json!({"teamInfo": team}))
}

fn listing(opts: &ListOptions, teams: &[TeamWithCounts], key: &str) -> Result<Value> {
    let (page, total) = opts.apply(docs(teams)?, Some(json!({"name": 1})))?;
    Ok(opts.envelope(key, page, total))
}

/// `GET teams.list`: the caller's teams → `{teams, total, count, offset}`.
fn list(s: &Services, user: &User, p: &Params) -> Result<Value> {
    let opts = ListOptions::from_params(s, p)?;
    listing(&opts, &s.teams().list(user)?, "teams")
}

/// `GET teams.listAll` (`view-all-teams`).
fn list_all(s: &Services, user: &User, p: &Params) -> Result<Value> {
    let opts = ListOptions::from_params(s, p)?;
    listing(&opts, &s.teams().list_all(user)?, "teams")
}

/// `GET teams.members?teamId=&status[]=&username=&name=` → `{members, total, count, offset}`.
fn members(s: &Services, user: &User, p: &Params) -> Result<Value> {
    let opts = ListOptions::from_params(s, p)?;
    let team = team(s, p)?;
    let filter = MemberFilter { username: text(p, "username"), name: text(p, "name"), status: p.list("status") };
    Ok(page_of(&opts, docs(&s.teams().members(user, &team, &filter)?)?, "members"))
}

/// `POST teams.addMembers {teamId|teamName, members: [{userId, roles}]}`.
fn add_members(s: &Services, user: &User, p: &Params) -> Result<Value> {
    let team = team(s, p)?;
    let Some(Value::Array(list)) = p.get("members") else { return Err(Kind::param_required("members")) };
    let mut members = Vec::new();
    for m in list {
        let uid = m.get("userId").and_then(Value::as_str).ok_or_else(|| Kind::invalid_param("members"))?;
        let roles = m
            .get("roles")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(|x| x.as_str().map(String::from)).collect())
            .unwrap_or_default();
        members.push((uid.to_string(), roles));
    }
    s.teams().add_members(user, &team, &members)?;
    Ok(json!({}))
}

/// `POST teams.removeMember {teamId|teamName, userId, rooms}`.
fn remove_member(s: &Services, user: &User, p: &Params) -> Result<Value> {
    let team = team(s, p)?;
    let uid = p.str("userId")?;
    s.teams().remove_member(user, &team, &uid, &p.list("rooms"))?;
    Ok(json!({}))
}

/// `POST teams.updateMember {teamId|teamName, member: {userId, roles}}`.
fn update_member(s: &Services, user: &User, p: &Params) -> Result<Value> {
    let team = team(s, p)?;
    let member = p.object("member")?;
    let uid = member.str("userId")?;
    s.teams().update_member(user, &team, &uid, member.list("roles"))?;
    Ok(json!({}))
}

/// `POST teams.leave {teamId|teamName, rooms}`.
fn leave(s: &Services, user: &User, p: &Params) -> Result<Value> {
    let team = team(s, p)?;
    s.teams().leave(user, &team, &p.list("rooms"))?;
    Ok(json!({}))
}

/// `POST teams.addRooms {teamId|teamName, rooms}` → `{rooms}`.
fn add_rooms(s: &Services, user: &User, p: &Params) -> Result<Value> {
    let team = team(s, p)?;
    let rooms = s.teams().add_rooms(user, &team, &p.list("rooms"))?;
    Ok(json!({"rooms": rooms.iter().map(|r| r.public_view()).collect::<Vec<_>>()}))
}

/// `POST teams.removeRoom {teamId|teamName, roomId}` → `{room}`.
fn remove_room(s: &Services, user: &User, p: &Params) -> Result<Value> {
    let team = team(s, p)?;
    let room = s.teams().remove_room(user, &team, &p.str("roomId")?)?;
    Ok(json!({"room": room.public_view()}))
}

/// `POST teams.updateRoom {roomId, isDefault}` → `{room}`.
fn update_room(s: &Services, user: &User, p: &Params) -> Result<Value> {
    let rid = p.str("roomId")?;
    if !matches!(p.get("isDefault"), Some(Value::Bool(_))) {
        return Err(Kind::invalid_param("isDefault"));
    }
    let room = s.teams().update_room(user, &rid, p.bool("isDefault", false)?)?;
    Ok(json!({"room": room.public_view()}))
}

/// `GET teams.listRooms?teamId=|teamName=&filter=&type=autoJoin` → `{rooms, total, count, offset}`.
fn list_rooms(s: &Services, user: &User, p: &Params) -> Result<Value> {
    let opts = ListOptions::from_params(s, p)?;
    let team = team(s, p)?;
    let auto_join = p.opt_str("type").as_deref() == Some("autoJoin");
    let rooms = s.teams().list_rooms(user, &team, text(p, "filter").as_deref(), auto_join)?;
    Ok(page_of(&opts, rooms.iter().map(|r| r.public_view()).collect(), "rooms"))
}

/// `GET teams.listRoomsOfUser?teamId=|teamName=&userId=&canUserDelete=`.
fn list_rooms_of_user(s: &Services, user: &User, p: &Params) -> Result<Value> {
    let opts = ListOptions::from_params(s, p)?;
    let team = team(s, p)?;
    let uid = p.str("userId")?;
    let rooms = s.teams().list_rooms_of_user(user, &team, &uid, p.bool("canUserDelete", false)?)?;
    Ok(page_of(&opts, docs(&rooms)?, "rooms"))
}

/// `POST teams.delete {teamId|teamName, roomsToRemove}`.
fn delete(s: &Services, user: &User, p: &Params) -> Result<Value> {
    let team = team(s, p)?;
    s.teams().delete(user, &team, &p.list("roomsToRemove"))?;
    Ok(json!({}))
}

/// `POST teams.convertToChannel {teamId|teamName, roomsToRemove}`.
fn convert_to_channel(s: &Services, user: &User, p: &Params) -> Result<Value> {
    let team = team(s, p)?;
    s.teams().convert_to_channel(user, &team, &p.list("roomsToRemove"))?;
    Ok(json!({}))
}

/// `POST teams.update {teamId|teamName, data: {name, type}}`.
fn update(s: &Services, user: &User, p: &Params) -> Result<Value> {
    let team = team(s, p)?;
    let data = p.object("data")?;
    s.teams().update(user, &team, text(&data, "name").as_deref(), team_type(data.get("type"))?)?;
    Ok(json!({}))
}

/// `GET teams.autocomplete?name=` → `{teams}`.
fn autocomplete(s: &Services, user: &User, p: &Params) -> Result<Value> {
    let name = p.opt_str("name").ok_or_else(|| Kind::param_required("name"))?;
    Ok(json!({"teams": s.teams().autocomplete(user, &name)?}))
}
