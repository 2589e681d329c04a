//! `channels.*`: public channels end to end, with their permission denials.

use serde_json::{Value, json};

use crate::common::*;

/// Creates a channel as `api` and returns it.
pub fn create_channel(api: &Api, name: &str, extra: Value) -> Value {
    let mut body = json!({"name": name});
    if let Some(o) = extra.as_object() {
        for (k, v) in o {
            body[k] = v.clone();
        }
    }
    let res = api.post("/api/v1/channels.create", body);
    assert_ok(&res)["channel"].clone()
}

/// Sets a permission's roles (as admin).
pub fn set_permission(s: &Server, id: &str, roles: Value) {
    let res = s.admin().post("/api/v1/permissions.update", json!({"permissions": [{"_id": id, "roles": roles}]}));
    assert_ok(&res);
}

/// Sets a setting (as admin).
pub fn set_setting(s: &Server, id: &str, value: Value) {
    let res = s.admin().post(&format!("/api/v1/settings/{id}"), json!({"value": value}));
    assert_ok(&res);
}

/// The system message types of a room, newest first.
pub fn message_types(api: &Api, family: &str, rid: &str) -> Vec<String> {
    let res = api.get(&format!("/api/v1/{family}.history?roomId={rid}&count=100"));
    assert_ok(&res)["messages"].as_array().unwrap().iter().map(|m| m["t"].as_str().unwrap_or("").to_string()).collect()
}

#[test]
fn create_info_list_and_members() {
    let s = Server::start();
    let admin = s.admin();
    let bob = s.user("bob");
    s.user("carol");
    let ch = create_channel(&admin, "dev", json!({"members": ["bob", "nobody"], "readOnly": true}));
    assert_eq!(ch["t"], "c");
    assert_eq!(ch["name"], "dev");
    assert_eq!(ch["fname"], "dev");
    assert_eq!(ch["msgs"], 0);
    assert_eq!(ch["usersCount"], 2);
    assert_eq!(ch["ro"], true);
    assert_eq!(ch["u"]["username"], ADMIN_USER);
    assert!(ch.get("joinCode").is_none());
    let rid = ch["_id"].as_str().unwrap();

    // Lookups by id and by name.
    let by_id = bob.get(&format!("/api/v1/channels.info?roomId={rid}"));
    assert_eq!(assert_ok(&by_id)["channel"]["_id"], rid);
    let by_name = bob.get("/api/v1/channels.info?roomName=dev");
    assert_eq!(assert_ok(&by_name)["channel"]["_id"], rid);
    assert_error(&bob.get("/api/v1/channels.info?roomId=nope"), 400, "error-room-not-found");
    assert_error(&bob.get("/api/v1/channels.info"), 400, "error-room-param-not-provided");

    // Duplicate and invalid names.
    let dup = admin.post("/api/v1/channels.create", json!({"name": "DEV"}));
    assert_error(&dup, 400, "error-duplicate-channel-name");
    let bad = admin.post("/api/v1/channels.create", json!({"name": "has space"}));
    assert_error(&bad, 400, "error-invalid-room-name");
    let missing = admin.post("/api/v1/channels.create", json!({}));
    assert_eq!(missing.status, 400);
    assert_eq!(missing.body["success"], false);
    let bad_members = admin.post("/api/v1/channels.create", json!({"name": "x1", "members": "bob"}));
    assert_eq!(bad_members.status, 400);

    // The creator owns the room.
    let roles = admin.get(&format!("/api/v1/channels.roles?roomId={rid}"));
    let roles = assert_ok(&roles)["roles"].as_array().unwrap().clone();
    assert_eq!(roles.len(), 1);
    assert_eq!(roles[0]["roles"], json!(["owner"]));
    assert_eq!(roles[0]["u"]["username"], ADMIN_USER);

    // Lists.
    let list = bob.get("/api/v1/channels.list");
    let list = assert_ok(&list);
    assert!(list["channels"].as_array().unwrap().iter().any(|c| c["_id"] == rid));
    assert!(list["total"].as_u64().unwrap() >= 2);
    let one = bob.get(&format!("/api/v1/channels.list?_id={rid}"));
    assert_eq!(assert_ok(&one)["count"], 1);
    let joined = bob.get("/api/v1/channels.list.joined");
    let joined = assert_ok(&joined);
    // bob is in #general (a default channel) and #dev.
    assert_eq!(joined["total"], 2);
    assert_eq!(joined["channels"][0]["_id"], rid);
    let paged = bob.get("/api/v1/channels.list?count=1&offset=1&sort={\"name\":1}");
    assert_eq!(assert_ok(&paged)["channels"][0]["name"], "general");

    // Members: sorted by username, filtered, paged.
    let m = bob.get(&format!("/api/v1/channels.members?roomId={rid}"));
    let m = assert_ok(&m);
    let names: Vec<&str> = m["members"].as_array().unwrap().iter().map(|u| u["username"].as_str().unwrap()).collect();
    assert_eq!(names, vec!["admin", "bob"]);
    assert_eq!(m["total"], 2);
    let m = bob.get(&format!("/api/v1/channels.members?roomId={rid}&filter=bo&sort={{\"username\":-1}}"));
    assert_eq!(assert_ok(&m)["members"][0]["username"], "bob");
    assert_eq!(m.body["total"], 1);
    let m = bob.get(&format!("/api/v1/channels.members?roomId={rid}&count=1&offset=1"));
    assert_eq!(assert_ok(&m)["members"][0]["username"], "bob");

    // Without view-c-room and view-joined-room, channels.list is refused.
    set_permission(&s, "view-c-room", json!(["admin"]));
    set_permission(&s, "view-joined-room", json!([]));
    assert_error(&bob.get("/api/v1/channels.list"), 403, "error-unauthorized");
    // With only view-joined-room, the joined channels are listed.
    set_permission(&s, "view-joined-room", json!(["user"]));
    create_channel(&admin, "other", json!({}));
    let list = bob.get("/api/v1/channels.list");
    assert_eq!(assert_ok(&list)["total"], 2);
    // And the channel's info is only visible to members.
    let carol = s.login("carol", "Passw0rd!x");
    assert_error(&carol.get(&format!("/api/v1/channels.info?roomId={rid}")), 400, "error-room-not-found");
}

#[test]
fn create_needs_permission_and_extra_data() {
    let s = Server::start();
    let bob = s.user("bob");
    let ch = create_channel(&bob, "news", json!({"extraData": {"broadcast": true, "description": "d", "topic": "t"}}));
    assert_eq!(ch["broadcast"], true);
    assert_eq!(ch["ro"], true);
    assert_eq!(ch["description"], "d");
    assert_eq!(ch["topic"], "t");
    set_permission(&s, "create-c", json!(["admin"]));
    let res = bob.post("/api/v1/channels.create", json!({"name": "nope"}));
    assert_error(&res, 403, "error-unauthorized");
    let res = bob.post("/api/v1/channels.create", json!({"name": "nope", "extraData": "x"}));
    assert_eq!(res.status, 403);
}

#[test]
fn join_leave_invite_kick_and_system_messages() {
    let s = Server::start();
    let admin = s.admin();
    let bob = s.user("bob");
    let carol = s.user("carol");
    let ch = create_channel(&admin, "club", json!({}));
    let rid = ch["_id"].as_str().unwrap().to_string();

    // Join with and without a join code.
    let res = admin.post("/api/v1/channels.setJoinCode", json!({"roomId": rid, "joinCode": "1234"}));
    assert_ok(&res);
    assert_eq!(res.body["channel"]["joinCodeRequired"], true);
    assert!(res.body["channel"].get("joinCode").is_none());
    assert_error(&bob.post("/api/v1/channels.join", json!({"roomId": rid})), 400, "error-code-required");
    assert_error(
        &bob.post("/api/v1/channels.join", json!({"roomId": rid, "joinCode": "0000"})),
        400,
        "error-code-invalid",
    );
    let res = bob.post("/api/v1/channels.join", json!({"roomId": rid, "joinCode": "1234"}));
    assert_eq!(assert_ok(&res)["channel"]["usersCount"], 2);

    // Invite (au) needs add-user-to-joined-room in the room.
    let res = bob.post("/api/v1/channels.invite", json!({"roomId": rid, "userId": carol.user_id()}));
    assert_error(&res, 400, "error-not-allowed");
    let res = admin.post("/api/v1/channels.invite", json!({"roomId": rid, "userId": carol.user_id()}));
    assert_eq!(assert_ok(&res)["channel"]["usersCount"], 3);
    let res = admin.post("/api/v1/channels.invite", json!({"roomId": rid}));
    assert_error(&res, 400, "error-empty-invite-list");
    let res = admin.post("/api/v1/channels.invite", json!({"roomId": rid, "userId": "ghost"}));
    assert_error(&res, 400, "error-invalid-user");

    // Kick (ru) needs remove-user.
    let res = bob.post("/api/v1/channels.kick", json!({"roomId": rid, "userId": carol.user_id()}));
    assert_error(&res, 400, "error-not-allowed");
    let res = admin.post("/api/v1/channels.kick", json!({"roomId": rid, "username": "carol"}));
    assert_eq!(assert_ok(&res)["channel"]["usersCount"], 2);
    let res = admin.post("/api/v1/channels.kick", json!({"roomId": rid, "username": "carol"}));
    assert_error(&res, 400, "error-user-not-in-room");
    assert_error(&admin.post("/api/v1/channels.kick", json!({"roomId": rid})), 400, "error-user-param-not-provided");

    // Leave (ul); the last owner can't leave.
    let res = bob.post("/api/v1/channels.leave", json!({"roomId": rid}));
    assert_ok(&res);
    assert_error(&bob.post("/api/v1/channels.leave", json!({"roomId": rid})), 400, "error-user-not-in-room");
    let res = admin.post("/api/v1/channels.leave", json!({"roomId": rid}));
    assert_error(&res, 400, "error-you-are-last-owner");

    let types = message_types(&admin, "channels", &rid);
    assert_eq!(types, vec!["ul", "ru", "au", "uj"]);
    let info = admin.get(&format!("/api/v1/channels.info?roomId={rid}"));
    assert_eq!(assert_ok(&info)["channel"]["msgs"], 4);

    // Groups can't be joined through channels.join.
    let g = admin.post("/api/v1/groups.create", json!({"name": "secret"}));
    let gid = assert_ok(&g)["group"]["_id"].as_str().unwrap().to_string();
    assert_error(&bob.post("/api/v1/channels.join", json!({"roomId": gid})), 400, "error-room-not-found");
}

#[test]
fn room_roles_and_their_errors() {
    let s = Server::start();
    let admin = s.admin();
    let bob = s.user("bob");
    let carol = s.user("carol");
    let ch = create_channel(&admin, "roles", json!({"members": ["bob", "carol"]}));
    let rid = ch["_id"].as_str().unwrap().to_string();
    let bob_id = bob.user_id().to_string();

    for (add, remove, role) in [
        ("addOwner", "removeOwner", "owner"),
        ("addModerator", "removeModerator", "moderator"),
        ("addLeader", "removeLeader", "leader"),
    ] {
        let res = carol.post(&format!("/api/v1/channels.{add}"), json!({"roomId": rid, "userId": bob_id}));
        assert_error(&res, 400, "error-not-allowed");
        let res = admin.post(&format!("/api/v1/channels.{add}"), json!({"roomId": rid, "userId": bob_id}));
        assert_ok(&res);
        let res = admin.post(&format!("/api/v1/channels.{add}"), json!({"roomId": rid, "userId": bob_id}));
        assert_error(&res, 400, &format!("error-user-already-{role}"));
        let roles = admin.get(&format!("/api/v1/channels.roles?roomId={rid}"));
        let bob_roles = assert_ok(&roles)["roles"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["u"]["_id"] == bob_id.as_str())
            .unwrap()["roles"]
            .clone();
        assert!(bob_roles.as_array().unwrap().contains(&json!(role)));
        if role == "moderator" {
            let mods = carol.get(&format!("/api/v1/channels.moderators?roomId={rid}"));
            assert_eq!(assert_ok(&mods)["moderators"], json!([{"_id": bob_id, "username": "bob", "name": "bob"}]));
        }
        let res = admin.post(&format!("/api/v1/channels.{remove}"), json!({"roomId": rid, "userId": bob_id}));
        assert_ok(&res);
        let res = admin.post(&format!("/api/v1/channels.{remove}"), json!({"roomId": rid, "userId": bob_id}));
        assert_error(&res, 400, &format!("error-user-not-{role}"));
    }
    // The last owner can't be removed; a non-member can't get a role.
    let res = admin.post("/api/v1/channels.removeOwner", json!({"roomId": rid, "userId": admin.user_id()}));
    assert_error(&res, 400, "error-remove-last-owner");
    let dave = s.user("dave");
    let res = admin.post("/api/v1/channels.addOwner", json!({"roomId": rid, "userId": dave.user_id()}));
    assert_error(&res, 400, "error-user-not-in-room");
    // An owner (room role) can then manage roles.
    assert_ok(&admin.post("/api/v1/channels.addOwner", json!({"roomId": rid, "userId": bob_id})));
    assert_ok(&bob.post("/api/v1/channels.addModerator", json!({"roomId": rid, "userId": carol.user_id()})));
    let types = message_types(&admin, "channels", &rid);
    assert_eq!(types[0], "subscription-role-added");
    let res = admin.get(&format!("/api/v1/channels.history?roomId={rid}&count=1"));
    assert_eq!(assert_ok(&res)["messages"][0]["role"], "moderator");
    assert_eq!(res.body["messages"][0]["msg"], "carol");
}

#[test]
fn settings_rename_topic_type_archive_and_delete() {
    let s = Server::start();
    let admin = s.admin();
    let bob = s.user("bob");
    let ch = create_channel(&admin, "old", json!({"members": ["bob"]}));
    let rid = ch["_id"].as_str().unwrap().to_string();

    // Topic, announcement, description, purpose.
    for (ep, field) in [
        ("setTopic", "topic"),
        ("setAnnouncement", "announcement"),
        ("setDescription", "description"),
        ("setPurpose", "purpose"),
    ] {
        let res = bob.post(&format!("/api/v1/channels.{ep}"), json!({"roomId": rid, field: "x"}));
        assert_error(&res, 400, "error-action-not-allowed");
        let res = admin.post(&format!("/api/v1/channels.{ep}"), json!({"roomId": rid, field: format!("{field}!")}));
        assert_eq!(assert_ok(&res)[field], format!("{field}!"));
        let res = admin.post(&format!("/api/v1/channels.{ep}"), json!({"roomId": rid}));
        assert_eq!(res.status, 400);
    }
    let res = admin.post("/api/v1/channels.setTopic", json!({"roomId": rid, "topic": "topic!"}));
    assert_eq!(res.status, 400);
    assert_eq!(res.body["error"], "The channel topic is the same as what it would be changed to.");
    let info = admin.get(&format!("/api/v1/channels.info?roomId={rid}"));
    let info = assert_ok(&info)["channel"].clone();
    assert_eq!(info["topic"], "topic!");
    assert_eq!(info["announcement"], "announcement!");
    assert_eq!(info["description"], "purpose!");

    // Rename: unique, valid, updates the subscriptions.
    create_channel(&admin, "taken", json!({}));
    let res = admin.post("/api/v1/channels.rename", json!({"roomId": rid, "name": "taken"}));
    assert_error(&res, 400, "error-duplicate-channel-name");
    let res = admin.post("/api/v1/channels.rename", json!({"roomId": rid, "name": "bad name"}));
    assert_error(&res, 400, "error-invalid-room-name");
    let res = bob.post("/api/v1/channels.rename", json!({"roomId": rid, "name": "fresh"}));
    assert_error(&res, 400, "error-action-not-allowed");
    let res = admin.post("/api/v1/channels.rename", json!({"roomId": rid, "name": "fresh"}));
    assert_eq!(assert_ok(&res)["channel"]["name"], "fresh");
    let sub = bob.get(&format!("/api/v1/subscriptions.getOne?roomId={rid}"));
    assert_eq!(assert_ok(&sub)["subscription"]["name"], "fresh");

    // Read-only, custom fields, default.
    let res = bob.post("/api/v1/channels.setReadOnly", json!({"roomId": rid, "readOnly": true}));
    assert_error(&res, 400, "error-action-not-allowed");
    let res = admin.post("/api/v1/channels.setReadOnly", json!({"roomId": rid, "readOnly": true}));
    assert_eq!(assert_ok(&res)["channel"]["ro"], true);
    let res = admin.post("/api/v1/channels.setCustomFields", json!({"roomId": rid, "customFields": {"a": 1}}));
    assert_eq!(assert_ok(&res)["channel"]["customFields"], json!({"a": 1}));
    assert_eq!(admin.post("/api/v1/channels.setCustomFields", json!({"roomId": rid, "customFields": 1})).status, 400);
    let res = admin.post("/api/v1/channels.setDefault", json!({"roomId": rid, "default": true}));
    assert_eq!(assert_ok(&res)["channel"]["default"], true);
    let res = admin.post("/api/v1/channels.setDefault", json!({"roomId": rid, "default": true}));
    assert_error(&res, 400, "error-channels-setdefault-missing-default-param");

    // Encryption is for groups and DMs only.
    let res = admin.post("/api/v1/channels.setEncrypted", json!({"roomId": rid, "encrypted": true}));
    assert_error(&res, 400, "error-action-not-allowed");

    // Type: channel → group, and the channels family no longer finds it.
    let res = bob.post("/api/v1/channels.setType", json!({"roomId": rid, "type": "p"}));
    assert_error(&res, 400, "error-action-not-allowed");
    let res = admin.post("/api/v1/channels.setType", json!({"roomId": rid, "type": "p"}));
    assert_eq!(assert_ok(&res)["channel"]["t"], "p");
    assert_error(&admin.get(&format!("/api/v1/channels.info?roomId={rid}")), 400, "error-room-not-found");
    let g = bob.get(&format!("/api/v1/groups.info?roomId={rid}"));
    assert_eq!(assert_ok(&g)["group"]["name"], "fresh");
    let sub = bob.get(&format!("/api/v1/subscriptions.getOne?roomId={rid}"));
    assert_eq!(assert_ok(&sub)["subscription"]["t"], "p");
    let res = admin.post("/api/v1/groups.setType", json!({"roomId": rid, "type": "c"}));
    assert_ok(&res);

    let types = message_types(&admin, "channels", &rid);
    for t in [
        "room_changed_privacy",
        "room-set-read-only",
        "r",
        "room_changed_description",
        "room_changed_announcement",
        "room_changed_topic",
    ] {
        assert!(types.contains(&t.to_string()), "{t} missing in {types:?}");
    }

    // Archive / unarchive.
    assert_error(&bob.post("/api/v1/channels.archive", json!({"roomId": rid})), 400, "error-not-authorized");
    assert_ok(&admin.post("/api/v1/channels.archive", json!({"roomId": rid})));
    assert_error(&admin.post("/api/v1/channels.archive", json!({"roomId": rid})), 400, "error-room-archived");
    let sub = bob.get(&format!("/api/v1/subscriptions.getOne?roomId={rid}"));
    assert_eq!(assert_ok(&sub)["subscription"]["archived"], true);
    assert_error(
        &admin.post("/api/v1/channels.setTopic", json!({"roomId": rid, "topic": "z"})),
        400,
        "error-room-archived",
    );
    assert_ok(&admin.post("/api/v1/channels.unarchive", json!({"roomId": rid})));
    let res = admin.post("/api/v1/channels.unarchive", json!({"roomId": rid}));
    assert_eq!(res.status, 400);
    assert_eq!(res.body["error"], "The channel, fresh, is not archived");

    // Delete needs delete-c.
    assert_error(&bob.post("/api/v1/channels.delete", json!({"roomId": rid})), 400, "error-not-allowed");
    assert_ok(&admin.post("/api/v1/channels.delete", json!({"roomName": "fresh"})));
    assert_error(&admin.get(&format!("/api/v1/channels.info?roomId={rid}")), 400, "error-room-not-found");
    let sub = bob.get(&format!("/api/v1/subscriptions.getOne?roomId={rid}"));
    assert_eq!(assert_ok(&sub)["subscription"], Value::Null);
}

#[test]
fn open_close_counters_history_and_online() {
    let s = Server::start();
    let admin = s.admin();
    let bob = s.user("bob");
    let carol = s.user("carol");
    let ch = create_channel(&admin, "hist", json!({"members": ["bob"]}));
    let rid = ch["_id"].as_str().unwrap().to_string();
    for i in 0..5 {
        assert_ok(&admin.post("/api/v1/channels.setTopic", json!({"roomId": rid, "topic": format!("t{i}")})));
    }

    // Close and open.
    assert_ok(&bob.post("/api/v1/channels.close", json!({"roomId": rid})));
    let res = bob.post("/api/v1/channels.close", json!({"roomName": "hist"}));
    assert_eq!(res.status, 400);
    assert_eq!(res.body["error"], "The channel, hist, is already closed to the sender");
    assert_ok(&bob.post("/api/v1/channels.open", json!({"roomId": rid})));
    assert_eq!(bob.post("/api/v1/channels.open", json!({"roomId": rid})).status, 400);
    assert_eq!(carol.post("/api/v1/channels.open", json!({"roomId": rid})).status, 400);

    // Counters: joined members see the numbers; another user's counters need admin rights.
    let c = bob.get(&format!("/api/v1/channels.counters?roomId={rid}"));
    let c = assert_ok(&c);
    assert_eq!(c["joined"], true);
    assert_eq!(c["members"], 2);
    assert_eq!(c["msgs"], 5);
    assert_eq!(c["unreads"], 5);
    assert!(c["latest"].is_string());
    let c = carol.get(&format!("/api/v1/channels.counters?roomId={rid}"));
    assert_eq!(assert_ok(&c)["joined"], false);
    assert_eq!(c.body["msgs"], Value::Null);
    let c = carol.get(&format!("/api/v1/channels.counters?roomId={rid}&userId={}", bob.user_id()));
    assert_error(&c, 403, "error-unauthorized");
    let c = admin.get(&format!("/api/v1/channels.counters?roomId={rid}&userId={}", bob.user_id()));
    assert_eq!(assert_ok(&c)["unreads"], 5);
    assert_ok(&bob.post("/api/v1/subscriptions.read", json!({"rid": rid})));
    let c = bob.get(&format!("/api/v1/channels.counters?roomId={rid}"));
    assert_eq!(assert_ok(&c)["unreads"], 0);

    // History paging: newest first, latest/oldest, inclusive, offset, count.
    let all = admin.get(&format!("/api/v1/channels.history?roomId={rid}"));
    let msgs = assert_ok(&all)["messages"].as_array().unwrap().clone();
    assert_eq!(msgs.len(), 5);
    assert_eq!(msgs[0]["msg"], "t4");
    assert_eq!(msgs[4]["msg"], "t0");
    let page = admin.get(&format!("/api/v1/channels.history?roomId={rid}&count=2&offset=1"));
    let page = assert_ok(&page)["messages"].as_array().unwrap().clone();
    assert_eq!(page.iter().map(|m| m["msg"].clone()).collect::<Vec<_>>(), vec![json!("t3"), json!("t2")]);
    let ts = |i: usize| msgs[i]["ts"].as_str().unwrap().to_string();
    let before = admin.get(&format!("/api/v1/channels.history?roomId={rid}&latest={}", ts(1)));
    assert_eq!(assert_ok(&before)["messages"].as_array().unwrap().len(), 3);
    let between =
        admin.get(&format!("/api/v1/channels.history?roomId={rid}&latest={}&oldest={}&inclusive=true", ts(1), ts(3)));
    assert_eq!(assert_ok(&between)["messages"].as_array().unwrap().len(), 3);
    let unreads = admin.get(&format!("/api/v1/channels.history?roomId={rid}&oldest={}&count=1&unreads=true", ts(4)));
    let unreads = assert_ok(&unreads);
    assert_eq!(unreads["messages"][0]["msg"], "t4");
    assert_eq!(unreads["firstUnread"]["msg"], "t1");
    assert_eq!(unreads["unreadNotLoaded"], 3);
    assert_eq!(admin.get(&format!("/api/v1/channels.history?roomId={rid}&latest=garbage")).status, 400);

    // channels.messages with paging and a query.
    let m = bob.get(&format!("/api/v1/channels.messages?roomId={rid}&count=2"));
    let m = assert_ok(&m);
    assert_eq!(m["total"], 5);
    assert_eq!(m["count"], 2);
    let q = urlencode(r#"{"msg":{"$in":["t1","t3"]}}"#);
    let m = bob.get(&format!("/api/v1/channels.messages?roomId={rid}&query={q}&sort={{\"ts\":1}}"));
    let m = assert_ok(&m);
    assert_eq!(m["total"], 2);
    assert_eq!(m["messages"][0]["msg"], "t1");

    // Online members: only the room's members who are not offline; outsiders of a group are refused.
    let q = urlencode(&format!(r#"{{"_id":"{rid}"}}"#));
    let online = bob.get(&format!("/api/v1/channels.online?query={q}"));
    assert!(assert_ok(&online)["online"].is_array());
    assert_eq!(bob.get("/api/v1/channels.online").status, 400);
    let g = admin.post("/api/v1/groups.create", json!({"name": "hidden"}));
    let gid = assert_ok(&g)["group"]["_id"].as_str().unwrap().to_string();
    let q = urlencode(&format!(r#"{{"_id":"{gid}"}}"#));
    assert_error(&carol.get(&format!("/api/v1/groups.online?query={q}")), 400, "error-not-allowed");

    // Files and mentions are empty pages for a room without uploads or mentions.
    let f = bob.get(&format!("/api/v1/channels.files?roomId={rid}"));
    assert_eq!(assert_ok(&f)["files"], json!([]));
    let mentions = bob.get(&format!("/api/v1/channels.getAllUserMentionsByChannel?roomId={rid}"));
    assert_eq!(assert_ok(&mentions)["total"], 0);
}

#[test]
fn add_all_integrations_anonymous_read_and_convert_to_team() {
    let s = Server::start();
    let admin = s.admin();
    let bob = s.user("bob");
    s.user("carol");
    let ch = create_channel(&admin, "everyone", json!({}));
    let rid = ch["_id"].as_str().unwrap().to_string();
    assert_error(&bob.post("/api/v1/channels.addAll", json!({"roomId": rid})), 400, "error-not-allowed");
    let res = admin.post("/api/v1/channels.addAll", json!({"roomId": rid}));
    // admin, rocket.cat, bob, carol
    assert_eq!(assert_ok(&res)["channel"]["usersCount"], 4);

    assert_error(&bob.get(&format!("/api/v1/channels.getIntegrations?roomId={rid}")), 403, "error-unauthorized");
    let res = admin.get(&format!("/api/v1/channels.getIntegrations?roomId={rid}"));
    assert_eq!(assert_ok(&res)["integrations"], json!([]));
    assert_eq!(res.body["total"], 0);

    let anon = s.anon().get(&format!("/api/v1/channels.anonymousread?roomId={rid}"));
    assert_error(&anon, 400, "error-not-allowed");
    set_setting(&s, "Accounts_AllowAnonymousRead", json!(true));
    let anon = s.anon().get(&format!("/api/v1/channels.anonymousread?roomId={rid}"));
    assert!(assert_ok(&anon)["total"].as_u64().unwrap() >= 3);

    assert_error(&bob.post("/api/v1/channels.convertToTeam", json!({"channelId": rid})), 403, "error-unauthorized");
    let res = admin.post("/api/v1/channels.convertToTeam", json!({"channelId": rid}));
    let team = assert_ok(&res)["team"].clone();
    assert_eq!(team["name"], "everyone");
    assert_eq!(team["type"], 0);
    assert_eq!(team["roomId"], rid.as_str());
    let info = admin.get(&format!("/api/v1/channels.info?roomId={rid}"));
    assert_eq!(assert_ok(&info)["channel"]["teamMain"], true);
    let members = admin.get(&format!("/api/v1/teams.members?teamId={}", team["_id"].as_str().unwrap()));
    assert_eq!(assert_ok(&members)["total"], 4);
}

/// Percent-encodes a query-string value.
pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[test]
fn more_denials_broadcast_members_and_hidden_types() {
    let s = Server::start();
    let admin = s.admin();
    let bob = s.user("bob");
    let carol = s.user("carol");
    let ch = create_channel(&admin, "strict", json!({"members": ["bob"]}));
    let rid = ch["_id"].as_str().unwrap().to_string();
    let res = bob.post("/api/v1/channels.setDefault", json!({"roomId": rid, "default": true}));
    assert_error(&res, 400, "error-action-not-allowed");
    let res = bob.post("/api/v1/channels.setJoinCode", json!({"roomId": rid, "joinCode": "1"}));
    assert_error(&res, 400, "error-action-not-allowed");
    assert_eq!(admin.post("/api/v1/channels.setJoinCode", json!({"roomId": rid})).status, 400);
    assert_ok(&admin.post("/api/v1/channels.archive", json!({"roomId": rid})));
    assert_error(&bob.post("/api/v1/channels.unarchive", json!({"roomId": rid})), 400, "error-not-authorized");
    assert_ok(&admin.post("/api/v1/channels.unarchive", json!({"roomId": rid})));

    // Mentions, like everything else, need read access to the room.
    set_permission(&s, "view-c-room", json!(["admin"]));
    let res = carol.get(&format!("/api/v1/channels.getAllUserMentionsByChannel?roomId={rid}"));
    assert_error(&res, 400, "error-room-not-found");
    assert_error(&carol.get(&format!("/api/v1/channels.history?roomId={rid}")), 400, "error-room-not-found");
    set_permission(&s, "view-c-room", json!(["admin", "user", "bot", "app", "anonymous"]));

    // Broadcast rooms hide their member list from plain members.
    let b = create_channel(&admin, "announcements", json!({"members": ["bob"], "extraData": {"broadcast": true}}));
    let bid = b["_id"].as_str().unwrap();
    assert_error(&bob.get(&format!("/api/v1/channels.members?roomId={bid}")), 403, "error-unauthorized");
    assert_eq!(assert_ok(&admin.get(&format!("/api/v1/channels.members?roomId={bid}")))["total"], 2);

    // Hidden system message types stay out of the history.
    assert_ok(&admin.post("/api/v1/channels.invite", json!({"roomId": rid, "username": "carol"})));
    assert_eq!(message_types(&admin, "channels", &rid)[0], "au");
    set_setting(&s, "Message_HideType_au", json!(true));
    assert!(!message_types(&admin, "channels", &rid).contains(&"au".to_string()));
}
