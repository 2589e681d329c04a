//! `teams.*`: teams, their memberships and their rooms.

use serde_json::{Value, json};

use crate::channels::{create_channel, set_permission};
use crate::common::*;

fn create_team(api: &Api, name: &str, kind: i64, members: Vec<&str>) -> Value {
    let res = api.post("/api/v1/teams.create", json!({"name": name, "type": kind, "members": members}));
    assert_ok(&res)["team"].clone()
}

#[test]
fn create_info_list_and_members() {
    let s = Server::start();
    let admin = s.admin();
    let bob = s.user("bob");
    let carol = s.user("carol");
    let eve = s.user("eve");
    let team = create_team(&bob, "rockets", 1, vec![carol.user_id()]);
    assert_eq!(team["name"], "rockets");
    assert_eq!(team["type"], 1);
    assert_eq!(team["createdBy"]["username"], "bob");
    let tid = team["_id"].as_str().unwrap().to_string();
    let rid = team["roomId"].as_str().unwrap().to_string();

    // The main room is a private group marked as the team's main room.
    let g = bob.get(&format!("/api/v1/groups.info?roomId={rid}"));
    let g = assert_ok(&g)["group"].clone();
    assert_eq!(g["teamMain"], true);
    assert_eq!(g["teamId"], tid.as_str());
    assert_eq!(g["usersCount"], 2);

    // Name clashes.
    let res = bob.post("/api/v1/teams.create", json!({"name": "rockets", "type": 0}));
    assert_eq!(res.status, 400);
    assert_eq!(res.body["error"], "team-name-already-exists");
    create_channel(&admin, "taken", json!({}));
    let res = bob.post("/api/v1/teams.create", json!({"name": "taken", "type": 0}));
    assert_eq!(res.body["error"], "room-name-already-exists");
    assert_eq!(bob.post("/api/v1/teams.create", json!({"name": "x"})).status, 400);
    set_permission(&s, "create-team", json!(["admin"]));
    assert_error(&bob.post("/api/v1/teams.create", json!({"name": "y", "type": 0})), 403, "error-unauthorized");

    // Info: members and view-all-teams only.
    let info = carol.get(&format!("/api/v1/teams.info?teamId={tid}"));
    assert_eq!(assert_ok(&info)["teamInfo"]["_id"], tid.as_str());
    let info = carol.get("/api/v1/teams.info?teamName=rockets");
    assert_ok(&info);
    assert_error(&eve.get(&format!("/api/v1/teams.info?teamId={tid}")), 403, "error-unauthorized");
    assert_ok(&admin.get(&format!("/api/v1/teams.info?teamId={tid}")));
    let res = eve.get("/api/v1/teams.info?teamId=nope");
    assert_eq!(res.body["error"], "Team not found");

    // Lists.
    let list = carol.get("/api/v1/teams.list");
    let list = assert_ok(&list);
    assert_eq!(list["total"], 1);
    assert_eq!(list["teams"][0]["numberOfUsers"], 2);
    assert_eq!(list["teams"][0]["rooms"], 1);
    assert_eq!(assert_ok(&eve.get("/api/v1/teams.list"))["total"], 0);
    assert_error(&eve.get("/api/v1/teams.listAll"), 403, "error-unauthorized");
    assert_eq!(assert_ok(&admin.get("/api/v1/teams.listAll"))["total"], 1);

    // Members with roles.
    let m = carol.get(&format!("/api/v1/teams.members?teamId={tid}"));
    let m = assert_ok(&m);
    assert_eq!(m["total"], 2);
    let roles: Vec<(String, Value)> = m["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| (x["user"]["username"].as_str().unwrap().to_string(), x["roles"].clone()))
        .collect();
    assert!(roles.contains(&("bob".into(), json!(["owner"]))));
    assert!(roles.contains(&("carol".into(), json!(["member"]))));
    let m = carol.get(&format!("/api/v1/teams.members?teamId={tid}&username=car"));
    assert_eq!(assert_ok(&m)["total"], 1);
    assert_eq!(assert_ok(&eve.get(&format!("/api/v1/teams.members?teamId={tid}")))["total"], 0);

    // Autocomplete finds public teams and the caller's own.
    let res = carol.get("/api/v1/teams.autocomplete?name=rock");
    assert_eq!(assert_ok(&res)["teams"][0]["teamId"], tid.as_str());
    let res = eve.get("/api/v1/teams.autocomplete?name=rock");
    assert_eq!(assert_ok(&res)["teams"], json!([]));
}

#[test]
fn memberships() {
    let s = Server::start();
    let bob = s.user("bob");
    let carol = s.user("carol");
    let dave = s.user("dave");
    let team = create_team(&bob, "crew", 0, vec![]);
    let tid = team["_id"].as_str().unwrap().to_string();
    let rid = team["roomId"].as_str().unwrap().to_string();

    // Adding members: needs add-team-member or edit-team-member in the main room.
    let body = json!({"teamId": tid, "members": [{"userId": carol.user_id(), "roles": ["member"]}]});
    assert_error(&dave.post("/api/v1/teams.addMembers", body.clone()), 403, "error-unauthorized");
    assert_ok(&bob.post("/api/v1/teams.addMembers", body));
    assert_ok(
        &bob.post("/api/v1/teams.addMembers", json!({"teamName": "crew", "members": [{"userId": dave.user_id()}]})),
    );
    let ch = bob.get(&format!("/api/v1/channels.info?roomId={rid}"));
    assert_eq!(assert_ok(&ch)["channel"]["usersCount"], 3);
    let res = bob.post("/api/v1/teams.addMembers", json!({"teamId": tid, "members": [{"userId": "ghost"}]}));
    assert_eq!(res.body["error"], "invalid-user");

    // Updating roles.
    let res = carol.post(
        "/api/v1/teams.updateMember",
        json!({"teamId": tid, "member": {"userId": dave.user_id(), "roles": ["moderator"]}}),
    );
    assert_error(&res, 403, "error-unauthorized");
    let res = bob.post(
        "/api/v1/teams.updateMember",
        json!({"teamId": tid, "member": {"userId": dave.user_id(), "roles": ["moderator"]}}),
    );
    assert_ok(&res);
    let m = bob.get(&format!("/api/v1/teams.members?teamId={tid}&username=dave"));
    assert_eq!(assert_ok(&m)["members"][0]["roles"], json!(["moderator"]));

    // Removing: the last owner stays; others go from the team and its main room.
    let res = bob.post("/api/v1/teams.removeMember", json!({"teamId": tid, "userId": bob.user_id()}));
    assert_eq!(res.body["error"], "last-owner-can-not-be-removed");
    assert_error(
        &carol.post("/api/v1/teams.removeMember", json!({"teamId": tid, "userId": dave.user_id()})),
        403,
        "error-unauthorized",
    );
    assert_ok(&bob.post("/api/v1/teams.removeMember", json!({"teamId": tid, "userId": dave.user_id()})));
    let sub = dave.get(&format!("/api/v1/subscriptions.getOne?roomId={rid}"));
    assert_eq!(assert_ok(&sub)["subscription"], Value::Null);
    let res = bob.post("/api/v1/teams.removeMember", json!({"teamId": tid, "userId": dave.user_id()}));
    assert_eq!(res.body["error"], "member-does-not-exist");

    // Leaving.
    assert_ok(&carol.post("/api/v1/teams.leave", json!({"teamId": tid})));
    let m = bob.get(&format!("/api/v1/teams.members?teamId={tid}"));
    assert_eq!(assert_ok(&m)["total"], 1);
    // Joining the main room makes a member.
    assert_ok(&carol.post("/api/v1/channels.join", json!({"roomId": rid})));
    let m = bob.get(&format!("/api/v1/teams.members?teamId={tid}"));
    assert_eq!(assert_ok(&m)["total"], 2);
}

#[test]
fn team_rooms() {
    let s = Server::start();
    let admin = s.admin();
    let bob = s.user("bob");
    let carol = s.user("carol");
    let team = create_team(&bob, "squad", 0, vec![carol.user_id()]);
    let tid = team["_id"].as_str().unwrap().to_string();
    let main = team["roomId"].as_str().unwrap().to_string();
    let a = create_channel(&bob, "squad-a", json!({}));
    let aid = a["_id"].as_str().unwrap().to_string();
    let elsewhere = create_channel(&admin, "elsewhere", json!({}));

    // Adding rooms: the caller must be in them.
    let res = bob.post("/api/v1/teams.addRooms", json!({"teamId": tid, "rooms": [elsewhere["_id"]]}));
    assert_eq!(res.body["error"], "error-no-owner-channel");
    let res = carol.post("/api/v1/teams.addRooms", json!({"teamId": tid, "rooms": [aid]}));
    assert_error(&res, 403, "error-no-permission-team-channel");
    let res = bob.post("/api/v1/teams.addRooms", json!({"teamId": tid, "rooms": [aid]}));
    assert_eq!(assert_ok(&res)["rooms"][0]["teamId"], tid.as_str());
    let res = bob.post("/api/v1/teams.addRooms", json!({"teamId": tid, "rooms": [aid]}));
    assert_eq!(res.body["error"], "room-already-on-team");

    // A channel created in the team.
    let res = bob.post("/api/v1/channels.create", json!({"name": "squad-b", "extraData": {"teamId": tid}}));
    let bid = assert_ok(&res)["channel"]["_id"].as_str().unwrap().to_string();
    assert_eq!(res.body["channel"]["teamId"], tid.as_str());

    // Listing: members see public team rooms; the main room is not listed.
    let list = carol.get(&format!("/api/v1/teams.listRooms?teamId={tid}"));
    let list = assert_ok(&list);
    assert_eq!(list["total"], 2);
    let names: Vec<&str> = list["rooms"].as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert_eq!(names, vec!["squad-a", "squad-b"]);
    let filtered = carol.get(&format!("/api/v1/teams.listRooms?teamId={tid}&filter=-b"));
    assert_eq!(assert_ok(&filtered)["total"], 1);
    let of_user = bob.get(&format!("/api/v1/teams.listRoomsOfUser?teamId={tid}&userId={}", bob.user_id()));
    assert_eq!(assert_ok(&of_user)["total"], 2);
    assert_eq!(of_user.body["rooms"][0]["isLastOwner"], true);
    let res = carol.get(&format!("/api/v1/teams.listRoomsOfUser?teamId={tid}&userId={}", bob.user_id()));
    assert_error(&res, 403, "error-unauthorized");

    // Auto-join rooms add every member.
    let res = carol.post("/api/v1/teams.updateRoom", json!({"roomId": bid, "isDefault": true}));
    assert_error(&res, 403, "error-unauthorized");
    let res = bob.post("/api/v1/teams.updateRoom", json!({"roomId": bid, "isDefault": true}));
    let room = assert_ok(&res)["room"].clone();
    assert_eq!(room["teamDefault"], true);
    assert_eq!(room["usersCount"], 2);
    let auto = carol.get(&format!("/api/v1/teams.listRooms?teamId={tid}&type=autoJoin"));
    assert_eq!(assert_ok(&auto)["total"], 1);

    // Removing a room from the team.
    let res = bob.post("/api/v1/teams.removeRoom", json!({"teamId": tid, "roomId": main}));
    assert_eq!(res.body["error"], "cannot-remove-team-main-room");
    assert_error(
        &carol.post("/api/v1/teams.removeRoom", json!({"teamId": tid, "roomId": aid})),
        403,
        "error-unauthorized",
    );
    let res = bob.post("/api/v1/teams.removeRoom", json!({"teamId": tid, "roomId": aid}));
    assert!(assert_ok(&res)["room"].get("teamId").is_none());
    let info = bob.get(&format!("/api/v1/channels.info?roomId={aid}"));
    assert!(assert_ok(&info)["channel"].get("teamId").is_none());
    let h = bob.get(&format!("/api/v1/channels.history?roomId={main}"));
    let types: Vec<&str> =
        assert_ok(&h)["messages"].as_array().unwrap().iter().map(|m| m["t"].as_str().unwrap()).collect();
    assert!(types.contains(&"user-removed-room-from-team"));
    assert!(types.contains(&"user-added-room-to-team"));

    // Renaming and retyping the team.
    assert_error(
        &carol.post("/api/v1/teams.update", json!({"teamId": tid, "data": {"name": "x"}})),
        403,
        "error-unauthorized",
    );
    assert_ok(&bob.post("/api/v1/teams.update", json!({"teamId": tid, "data": {"name": "squad2", "type": 1}})));
    let info = bob.get(&format!("/api/v1/teams.info?teamId={tid}"));
    assert_eq!(assert_ok(&info)["teamInfo"]["name"], "squad2");
    assert_eq!(info.body["teamInfo"]["type"], 1);
    let g = bob.get(&format!("/api/v1/groups.info?roomId={main}"));
    assert_eq!(assert_ok(&g)["group"]["name"], "squad2");

    // Deleting: listed rooms go, the others return to the workspace, the main room goes.
    assert_error(&carol.post("/api/v1/teams.delete", json!({"teamId": tid})), 403, "error-unauthorized");
    assert_ok(&bob.post("/api/v1/teams.delete", json!({"teamId": tid, "roomsToRemove": [bid]})));
    assert_error(&bob.get(&format!("/api/v1/channels.info?roomId={bid}")), 400, "error-room-not-found");
    assert_error(&bob.get(&format!("/api/v1/groups.info?roomId={main}")), 400, "error-room-not-found");
    let res = bob.get(&format!("/api/v1/teams.members?teamId={tid}"));
    assert_eq!(res.body["error"], "team-does-not-exist");
}

#[test]
fn convert_to_channel() {
    let s = Server::start();
    let bob = s.user("bob");
    let team = create_team(&bob, "temp", 0, vec![]);
    let tid = team["_id"].as_str().unwrap().to_string();
    let main = team["roomId"].as_str().unwrap().to_string();
    let carol = s.user("carol");
    assert_error(&carol.post("/api/v1/teams.convertToChannel", json!({"teamId": tid})), 403, "error-unauthorized");
    assert_ok(&bob.post("/api/v1/teams.convertToChannel", json!({"teamName": "temp"})));
    let info = bob.get(&format!("/api/v1/channels.info?roomId={main}"));
    let ch = assert_ok(&info)["channel"].clone();
    assert!(ch.get("teamMain").is_none());
    assert!(ch.get("teamId").is_none());
    assert_eq!(bob.get(&format!("/api/v1/teams.info?teamId={tid}")).body["error"], "Team not found");
}

#[test]
fn outsiders_cannot_leave_or_list() {
    let s = Server::start();
    let bob = s.user("bob");
    let eve = s.user("eve");
    let team = create_team(&bob, "closed", 1, vec![]);
    let tid = team["_id"].as_str().unwrap().to_string();
    let res = eve.post("/api/v1/teams.leave", json!({"teamId": tid}));
    assert_eq!(res.body["error"], "member-does-not-exist");
    assert_error(&eve.get(&format!("/api/v1/teams.listRooms?teamId={tid}")), 403, "error-unauthorized");
    assert_error(&eve.get("/api/v1/teams.autocomplete"), 400, "error-param-required");
}
