//! `groups.*`: private groups, the same handlers as `channels.*` with the private rules — a
//! group is invisible to non-members.

use serde_json::{Value, json};

use crate::channels::{message_types, set_permission};
use crate::common::*;

fn create_group(api: &Api, name: &str, extra: Value) -> Value {
    let mut body = json!({"name": name});
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    let res = api.post("/api/v1/groups.create", body);
    assert_ok(&res)["group"].clone()
}

#[test]
fn groups_are_invisible_to_outsiders() {
    let s = Server::start();
    let admin = s.admin();
    let bob = s.user("bob");
    let eve = s.user("eve");
    let g = create_group(&bob, "private", json!({"members": ["admin"]}));
    assert_eq!(g["t"], "p");
    assert_eq!(g["usersCount"], 2);
    let rid = g["_id"].as_str().unwrap().to_string();

    // Every endpoint answers an outsider as if the group did not exist.
    let gets = ["info", "members", "messages", "history", "counters", "files", "moderators", "roles"];
    for ep in gets {
        let res = eve.get(&format!("/api/v1/groups.{ep}?roomId={rid}"));
        assert_error(&res, 400, "error-room-not-found");
        let res = eve.get(&format!("/api/v1/groups.{ep}?roomName=private"));
        assert_error(&res, 400, "error-room-not-found");
    }
    let posts = [
        "invite",
        "kick",
        "leave",
        "open",
        "close",
        "rename",
        "archive",
        "unarchive",
        "delete",
        "addAll",
        "addOwner",
        "removeOwner",
        "addModerator",
        "removeModerator",
        "addLeader",
        "removeLeader",
        "setTopic",
        "setAnnouncement",
        "setDescription",
        "setPurpose",
        "setReadOnly",
        "setType",
        "setCustomFields",
        "setEncrypted",
    ];
    for ep in posts {
        let res = eve.post(
            &format!("/api/v1/groups.{ep}"),
            json!({"roomId": rid, "userId": eve.user_id(), "name": "x", "topic": "x", "announcement": "x",
                   "description": "x", "purpose": "x", "readOnly": true, "type": "c", "customFields": {},
                   "encrypted": true}),
        );
        assert_error(&res, 400, "error-room-not-found");
    }
    // Not in lists either.
    let list = eve.get("/api/v1/groups.list");
    assert_eq!(assert_ok(&list)["groups"], json!([]));
    assert_error(&eve.get("/api/v1/groups.listAll"), 403, "error-unauthorized");
    let all = admin.get("/api/v1/groups.listAll");
    assert_eq!(assert_ok(&all)["total"], 1);
    let mine = bob.get("/api/v1/groups.list");
    assert_eq!(assert_ok(&mine)["groups"][0]["_id"], rid.as_str());
    // Not a channel.
    assert_error(&bob.get(&format!("/api/v1/channels.info?roomId={rid}")), 400, "error-room-not-found");
    // Not even for an admin who is no member.
    let other = create_group(&eve, "eves", json!({}));
    let res = admin.get(&format!("/api/v1/groups.info?roomId={}", other["_id"].as_str().unwrap()));
    assert_error(&res, 400, "error-room-not-found");
}

#[test]
fn group_lifecycle() {
    let s = Server::start();
    let bob = s.user("bob");
    let carol = s.user("carol");
    let g = create_group(&bob, "team-a", json!({"readOnly": false}));
    let rid = g["_id"].as_str().unwrap().to_string();

    // The owner (room role) may invite; others need add-user-to-any-p-room.
    let res = bob.post("/api/v1/groups.invite", json!({"roomId": rid, "usernames": ["carol"]}));
    assert_eq!(assert_ok(&res)["group"]["usersCount"], 2);
    let res = carol.post("/api/v1/groups.invite", json!({"roomId": rid, "username": "admin"}));
    assert_error(&res, 400, "error-not-allowed");
    set_permission(&s, "add-user-to-joined-room", json!(["admin", "owner", "moderator", "user"]));
    let res = carol.post("/api/v1/groups.invite", json!({"roomId": rid, "username": "admin"}));
    assert_ok(&res);

    // Settings through the group family.
    let res = bob.post("/api/v1/groups.setTopic", json!({"roomId": rid, "topic": "hi"}));
    assert_eq!(assert_ok(&res)["topic"], "hi");
    let res = bob.post("/api/v1/groups.setEncrypted", json!({"roomId": rid, "encrypted": true}));
    assert_eq!(assert_ok(&res)["group"]["encrypted"], true);
    let res = bob.post("/api/v1/groups.setReadOnly", json!({"roomId": rid, "readOnly": false}));
    assert_eq!(res.status, 400);
    assert_eq!(res.body["error"], "The private group read only setting is the same as what it would be changed to.");
    let res = bob.post("/api/v1/groups.rename", json!({"roomId": rid, "name": "team-b"}));
    assert_eq!(assert_ok(&res)["group"]["name"], "team-b");
    let res = bob.post("/api/v1/groups.close", json!({"roomId": rid}));
    assert_ok(&res);
    let res = bob.post("/api/v1/groups.close", json!({"roomId": rid}));
    assert_eq!(res.body["error"], "The private group, team-b, is already closed to the sender");
    assert_ok(&bob.post("/api/v1/groups.open", json!({"roomId": rid})));

    // Roles, kick, leave.
    assert_ok(&bob.post("/api/v1/groups.addModerator", json!({"roomId": rid, "userId": carol.user_id()})));
    let res = bob.get("/api/v1/groups.moderators?roomName=team-b");
    assert_eq!(assert_ok(&res)["moderators"][0]["username"], "carol");
    assert_ok(&carol.post("/api/v1/groups.kick", json!({"roomId": rid, "username": "admin"})));
    let res = bob.post("/api/v1/groups.leave", json!({"roomId": rid}));
    assert_error(&res, 400, "error-you-are-last-owner");
    assert_ok(&carol.post("/api/v1/groups.leave", json!({"roomId": rid})));
    let types = message_types(&bob, "groups", &rid);
    assert_eq!(types[0..3], ["ul".to_string(), "ru".to_string(), "subscription-role-added".to_string()]);
    assert!(types.contains(&"r".to_string()));
    assert!(types.contains(&"room-e2e-enabled".to_string()));

    // Members and counters.
    let res = bob.get(&format!("/api/v1/groups.members?roomId={rid}"));
    assert_eq!(assert_ok(&res)["total"], 1);
    let res = bob.get(&format!("/api/v1/groups.counters?roomId={rid}"));
    assert_eq!(assert_ok(&res)["joined"], true);
    assert_eq!(res.body["members"], 1);

    // Delete needs delete-p (the owner has it).
    assert_ok(&bob.post("/api/v1/groups.delete", json!({"roomId": rid})));
    assert_error(&bob.get(&format!("/api/v1/groups.info?roomId={rid}")), 400, "error-room-not-found");
}

#[test]
fn group_creation_rules_and_conversion() {
    let s = Server::start();
    let bob = s.user("bob");
    set_permission(&s, "create-p", json!(["admin"]));
    assert_error(&bob.post("/api/v1/groups.create", json!({"name": "g1"})), 403, "error-unauthorized");
    set_permission(&s, "create-p", json!(["admin", "user"]));
    assert_eq!(bob.post("/api/v1/groups.create", json!({})).status, 400);
    let g = create_group(&bob, "g1", json!({"customFields": {"k": "v"}}));
    assert_eq!(g["customFields"], json!({"k": "v"}));
    let rid = g["_id"].as_str().unwrap().to_string();
    // A group becomes a channel with create-c and edit-room.
    let res = bob.post("/api/v1/groups.setType", json!({"roomId": rid, "type": "c"}));
    assert_eq!(assert_ok(&res)["group"]["t"], "c");
    let res = bob.post("/api/v1/channels.setType", json!({"roomId": rid, "type": "p"}));
    assert_ok(&res);
    // Converting to a team makes a private team.
    let res = bob.post("/api/v1/groups.convertToTeam", json!({"roomId": rid}));
    let team = assert_ok(&res)["team"].clone();
    assert_eq!(team["type"], 1);
    let info = bob.get(&format!("/api/v1/groups.info?roomId={rid}"));
    assert_eq!(assert_ok(&info)["group"]["teamId"], team["_id"]);
}
