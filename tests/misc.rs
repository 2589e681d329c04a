use std::path::Path;

use orbit::models::{Room, RoomType, Subscription, UserRef};
use orbit::store::sqlite::SqliteStore;
use orbit::store::{RoomStore, Team, TeamUser};
use orbit::time::Date;
use serde_json::{Value, json};

use crate::channels::set_setting;
use crate::common::*;

fn room(id: &str, t: &str, name: &str) -> Room {
    let now = Date::now();
    Room {
        id: id.into(),
        t: RoomType::from_code(t).expect("a room type"),
        name: Some(name.into()),
        fname: Some(name.into()),
        ts: now,
        updated_at: now,
        ..Default::default()
    }
}

/// Rooms that the channels API would create, written straight into a fresh data directory:
/// a public channel with messages and a discussion, two private groups, a public team with a
/// channel, a private team with a channel, and a direct message.
fn seed_rooms(dir: &Path) {
    let store = SqliteStore::open(dir).unwrap();
    let mut alpha = room("ALPHA", "c", "alpha-public");
    alpha.msgs = 3;
    alpha.description = Some("The alpha channel".into());
    let mut discussion = room("ALPHADISC", "c", "alpha-discussion");
    discussion.prid = Some("ALPHA".into());
    discussion.msgs = 2;
    let mut delta = room("DELTA", "c", "delta");
    delta.team_main = true;
    delta.team_id = Some("TEAMD".into());
    let mut delta_news = room("DELTANEWS", "c", "delta-news");
    delta_news.team_id = Some("TEAMD".into());
    let mut omega = room("OMEGA", "p", "omega");
    omega.team_main = true;
    omega.team_id = Some("TEAMO".into());
    let mut omega_chat = room("OMEGACHAT", "c", "omega-chat");
    omega_chat.team_id = Some("TEAMO".into());
    let mut dm = room("DMROOM", "d", "dm");
    dm.name = None;
    dm.fname = None;
    dm.msgs = 5;
    for r in [
        alpha,
        discussion,
        room("BETA", "p", "beta-private"),
        room("GAMMA", "p", "gamma-secret"),
        delta,
        delta_news,
        omega,
        omega_chat,
        dm,
    ] {
        store.insert_room(&r, &[]).unwrap();
    }
    let by = TeamUser { id: "x".into(), username: "x".into() };
    for (id, name, kind, rid) in [("TEAMD", "delta", 0, "DELTA"), ("TEAMO", "omega", 1, "OMEGA")] {
        let team = Team {
            id: id.into(),
            name: name.into(),
            kind,
            room_id: rid.into(),
            created_by: by.clone(),
            created_at: Date::now(),
            updated_at: Date::now(),
            ..Default::default()
        };
        store.insert_team(&team, &[]).unwrap();
    }
}

/// Makes `user_id` a member of `rid` while the server runs (SQLite takes writers from two
/// processes; the server keeps no room cache).
fn join(dir: &Path, rid: &str, user_id: &str, username: &str) {
    let store = SqliteStore::open(dir).unwrap();
    let now = Date::now();
    let sub = Subscription {
        id: format!("{rid}{user_id}"),
        rid: rid.into(),
        u: UserRef { id: user_id.into(), username: username.into(), name: None },
        name: rid.to_lowercase(),
        t: RoomType::Private,
        ts: now,
        open: true,
        updated_at: now,
        ..Default::default()
    };
    store.add_member(&sub).unwrap();
}

/// A server over the seeded rooms; the directory goes away after the server.
fn server_with_rooms() -> (Server, TempDir) {
    let tmp = TempDir::new();
    let dir = tmp.0.join("data");
    seed_rooms(&dir);
    (Server::start_with(Options { data_dir: Some(dir), ..Default::default() }), tmp)
}

/// Room names, or usernames for users.
fn names(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|r| r["username"].as_str().or(r["name"].as_str()).unwrap().to_string())
        .collect()
}

fn enc(v: Value) -> String {
    urlencoding::encode(&v.to_string()).into_owned()
}

#[test]
fn statistics_count_for_real() {
    let (s, _tmp) = server_with_rooms();
    let admin = s.admin();
    let bob = s.user("bob");
    assert_eq!(s.anon().get("/api/v1/statistics").status, 401);
    assert_error(&bob.get("/api/v1/statistics"), 400, "error-not-allowed");
    assert_error(&bob.get("/api/v1/statistics.list"), 400, "error-not-allowed");

    let stats = assert_ok(&admin.get("/api/v1/statistics")).clone();
    // admin, rocket.cat, bob
    assert_eq!(stats["totalUsers"], 3);
    assert_eq!(stats["activeUsers"], 3);
    assert_eq!(stats["nonActiveUsers"], 0);
    assert_eq!(stats["totalRooms"], 10);
    assert_eq!(stats["totalChannels"], 6);
    assert_eq!(stats["totalPrivateGroups"], 3);
    assert_eq!(stats["totalDirect"], 1);
    assert_eq!(stats["totalDiscussions"], 1);
    // General may hold system messages; the seeded rooms hold 10 messages.
    let n = |k: &str| stats[k].as_i64().unwrap();
    assert!(n("totalMessages") >= 10);
    assert_eq!(
        n("totalMessages"),
        n("totalChannelMessages")
            + n("totalPrivateGroupMessages")
            + n("totalDirectMessages")
            + n("totalLivechatMessages")
    );
    assert!(n("totalChannelMessages") >= 5);
    assert_eq!(n("totalDirectMessages"), 5);
    assert_eq!(stats["totalDiscussionsMessages"], 2);
    assert_eq!(
        stats["onlineUsers"].as_u64().unwrap()
            + stats["awayUsers"].as_u64().unwrap()
            + stats["busyUsers"].as_u64().unwrap()
            + stats["offlineUsers"].as_u64().unwrap(),
        3
    );
    assert_eq!(stats["version"].as_str().unwrap(), s.anon().get("/api/info").body["version"].as_str().unwrap());
    assert_eq!(stats["uniqueId"], admin.get("/api/v1/settings/uniqueID").body["value"]);
    assert!(stats["uniqueId"].as_str().unwrap().len() == 17);
    assert!(stats["process"]["pid"].as_u64().unwrap() > 0);
    assert!(stats["process"]["uptime"].as_f64().unwrap() >= 0.0);
    assert!(stats["os"]["platform"].is_string());
    assert!(!stats["os"]["cpus"].as_array().unwrap().is_empty());
    assert!(stats["installedAt"].as_str().unwrap().ends_with('Z'));
    assert!(stats["createdAt"].as_str().unwrap().ends_with('Z'));
    let first_id = stats["_id"].as_str().unwrap().to_string();

    // Without refresh the saved snapshot comes back; with it, fresh counts.
    s.user("carol");
    let again = assert_ok(&admin.get("/api/v1/statistics")).clone();
    assert_eq!(again["_id"], first_id.as_str());
    assert_eq!(again["totalUsers"], 3);
    let fresh = assert_ok(&admin.get("/api/v1/statistics?refresh=true")).clone();
    assert_ne!(fresh["_id"], first_id.as_str());
    assert_eq!(fresh["totalUsers"], 4);
    assert_error(&admin.get("/api/v1/statistics?refresh=maybe"), 400, "error-invalid-params");

    let list = assert_ok(&admin.get("/api/v1/statistics.list")).clone();
    assert_eq!(list["total"], 2);
    assert_eq!(list["statistics"][0]["_id"], fresh["_id"]);
    let fields = enc(json!({"totalUsers": 1}));
    let list = assert_ok(&admin.get(&format!("/api/v1/statistics.list?count=1&fields={fields}"))).clone();
    assert_eq!(list["count"], 1);
    assert_eq!(list["statistics"][0], json!({"_id": fresh["_id"], "totalUsers": 4}));
    let q = enc(json!({"totalUsers": 3}));
    let list = assert_ok(&admin.get(&format!("/api/v1/statistics.list?query={q}"))).clone();
    assert_eq!(list["total"], 1);
    assert_eq!(list["statistics"][0]["_id"], first_id.as_str());
}

#[test]
fn directory_lists_what_the_caller_may_see() {
    let (s, _tmp) = server_with_rooms();
    let admin = s.admin();
    let bob = s.user("bob");
    join(&s.data_dir, "BETA", bob.user_id(), "bob");
    let dir = |api: &Api<'_>, q: Value, extra: &str| {
        let res = api.get(&format!("/api/v1/directory?query={}{extra}", enc(q)));
        assert_ok(&res).clone()
    };

    let asc = format!("&sort={}", enc(json!({"name": 1})));
    let body = dir(&bob, json!({"type": "channels"}), &asc);
    // Not: gamma-secret (private, not a member), discussions, team main rooms, channels of a
    // private team, direct messages.
    assert_eq!(names(&body["result"]), ["alpha-public", "beta-private", "delta-news", "general"]);
    assert_eq!(body["total"], 4);
    assert_eq!(body["count"], 4);
    assert_eq!(body["offset"], 0);
    let news = &body["result"][2];
    assert_eq!(news["belongsTo"], "delta");
    assert!(news.get("joinCode").is_none());
    assert_eq!(body["result"][0]["description"], "The alpha channel");
    assert_eq!(body["result"][0]["t"], "c");

    // Text, sort direction and paging.
    let body = dir(&bob, json!({"text": "ALP", "type": "channels"}), "");
    assert_eq!(names(&body["result"]), ["alpha-public"]);
    let desc = format!("&sort={}&count=2&offset=1", enc(json!({"name": -1})));
    let body = dir(&bob, json!({"type": "channels"}), &desc);
    assert_eq!(names(&body["result"]), ["delta-news", "beta-private"]);
    assert_eq!(body["total"], 4);
    // Regex characters are plain text.
    assert_eq!(dir(&bob, json!({"text": ".*", "type": "channels"}), "")["total"], 0);

    // The admin is not a member of beta-private or gamma-secret.
    let body = dir(&admin, json!({"type": "channels"}), &asc);
    assert_eq!(names(&body["result"]), ["alpha-public", "delta-news", "general"]);

    // Teams: public ones, and private ones only for members.
    let body = dir(&bob, json!({"type": "teams"}), "");
    assert_eq!(names(&body["result"]), ["delta"]);
    assert_eq!(body["result"][0]["roomsCount"], 2);
    join(&s.data_dir, "OMEGA", bob.user_id(), "bob");
    let body = dir(&bob, json!({"type": "teams"}), &asc);
    assert_eq!(names(&body["result"]), ["delta", "omega"]);

    // Users: emails only for those who may see them.
    let body = dir(&bob, json!({"type": "users", "text": "ad"}), "");
    assert_eq!(names(&body["result"]), ["admin"]);
    assert!(body["result"][0].get("emails").is_none());
    let body = dir(&admin, json!({"type": "users", "text": "bob"}), "");
    assert_eq!(body["result"][0]["emails"][0]["address"], "bob@example.com");
    let body = dir(&admin, json!({"type": "users"}), &format!("&sort={}", enc(json!({"username": 1}))));
    assert_eq!(names(&body["result"]), ["admin", "bob", "rocket.cat"]);

    // Bad input.
    assert_error(
        &bob.get(&format!("/api/v1/directory?query={}", enc(json!({"type": "planets"})))),
        400,
        "error-invalid-params",
    );
    let two = enc(json!({"name": 1, "usersCount": -1}));
    assert_error(&bob.get(&format!("/api/v1/directory?sort={two}")), 400, "error-invalid-params");
    let bad_sort = enc(json!({"password": 1}));
    assert_error(&bob.get(&format!("/api/v1/directory?sort={bad_sort}")), 400, "error-invalid-params");
    assert_error(&bob.get("/api/v1/directory?query=%7B"), 400, "error-invalid-params");
    assert_eq!(s.anon().get("/api/v1/directory").status, 401);

    // Without view-c-room there is nothing to browse.
    assert_ok(&admin.post(
        "/api/v1/permissions.update",
        json!({"permissions": [{"_id": "view-c-room", "roles": ["admin", "bot", "app", "anonymous"]}]}),
    ));
    assert_error(&bob.get("/api/v1/directory"), 400, "error-invalid-params");
}

#[test]
fn spotlight_finds_what_the_caller_has_not_joined() {
    let (s, _tmp) = server_with_rooms();
    let admin = s.admin();
    let bob = s.user("bob");
    // Carol did not join the default rooms.
    assert_ok(&admin.post(
        "/api/v1/users.create",
        json!({"username": "carol", "email": "carol@example.com", "name": "Carol", "password": "Passw0rd!x", "joinDefaultChannels": false}),
    ));
    let carol = s.login("carol", "Passw0rd!x");
    let spot = |api: &Api<'_>, q: &str| {
        assert_ok(&api.get(&format!("/api/v1/spotlight?query={}", urlencoding::encode(q)))).clone()
    };

    // Bob joined general, so only carol finds it.
    assert_eq!(names(&spot(&bob, "#gen")["rooms"]), Vec::<String>::new());
    let body = spot(&carol, "#gen");
    assert_eq!(names(&body["rooms"]), ["general"]);
    assert_eq!(body["users"], json!([]));
    // Public channels and public team rooms; never private groups, discussions or team channels.
    let body = spot(&carol, "#");
    assert_eq!(names(&body["rooms"]), ["alpha-public", "delta", "general"]);
    let room = &body["rooms"][0];
    assert_eq!(room["_id"], "ALPHA");
    assert_eq!(room["t"], "c");

    // Users: `@` searches only users, marked as outside.
    let body = spot(&carol, "@bo");
    assert_eq!(body["rooms"], json!([]));
    assert_eq!(names(&body["users"]), ["bob"]);
    assert_eq!(body["users"][0]["outside"], true);
    assert_eq!(body["users"][0]["_id"], bob.user_id());
    assert!(body["users"][0].get("emails").is_none());
    // Both kinds without a prefix; an exact username comes first.
    let body = spot(&carol, "alpha");
    assert_eq!(names(&body["rooms"]), ["alpha-public"]);
    let body = spot(&admin, "@rocket.cat");
    assert_eq!(names(&body["users"])[0], "rocket.cat");
    // At most Number_of_users_autocomplete_suggestions users.
    assert_ok(&admin.post("/api/v1/settings/Number_of_users_autocomplete_suggestions", json!({"value": 2})));
    assert_eq!(spot(&carol, "@").get("users").unwrap().as_array().unwrap().len(), 2);

    assert_error(&carol.get("/api/v1/spotlight"), 400, "error-param-required");
    assert_eq!(s.anon().get("/api/v1/spotlight?query=a").status, 401);
}

#[test]
fn instances_describe_the_running_server() {
    let s = Server::start();
    let admin = s.admin();
    let bob = s.user("bob");
    assert_eq!(s.anon().get("/api/v1/instances.get").status, 401);
    assert_error(&bob.get("/api/v1/instances.get"), 403, "error-unauthorized");
    let res = admin.get("/api/v1/instances.get");
    let instances = assert_ok(&res)["instances"].as_array().unwrap().clone();
    assert_eq!(instances.len(), 1);
    let one = &instances[0];
    assert_eq!(one["currentStatus"]["connected"], true);
    assert_eq!(one["instanceRecord"]["pid"].as_u64().unwrap(), u64::from(s.pid()));
    assert_eq!(one["instanceRecord"]["extraInformation"]["port"], s.port.to_string());
    assert!(one["instanceRecord"]["_createdAt"].is_string(), "{one}");
}

#[test]
fn shields_draw_badges() {
    let s = Server::start();
    let bob = s.user("bob");
    let anon = s.anon();
    let badge = |query: &str| {
        let res = anon.get(&format!("/api/v1/shield.svg{query}"));
        assert_eq!(res.status, 200, "{}", res.text);
        assert_eq!(res.header("content-type"), Some("image/svg+xml;charset=utf-8"));
        assert!(res.text.starts_with("<svg") && res.text.ends_with("</svg>"), "{}", res.text);
        res.text
    };
    let join = badge("");
    assert!(join.contains(">JOIN CHAT</text>") && join.contains("favicon.svg"), "{join}");
    let online = badge("?type=online");
    assert!(online.contains(" Online</text>"), "{online}");
    assert!(badge("?type=channel&channel=general").contains(">#general</text>"));
    let user = badge(&format!("?type=user&userId={}", bob.user_id()));
    assert!(user.contains(">@bob</text>") && user.contains("#a5a1a1"), "{user}");
    let named = badge("?name=<b>&icon=false");
    assert!(named.contains(">&lt;b&gt;</text>") && !named.contains("favicon"), "{named}");
    // Width follows the text: 24 for the icon plus 6 per character and padding.
    assert!(join.contains(r#"width="98""#), "{join}");

    let failure = |query: &str, error: &str| {
        let res = anon.get(&format!("/api/v1/shield.svg{query}"));
        assert_eq!((res.status, res.body["error"].as_str()), (400, Some(error)), "{}", res.text);
    };
    failure("?icon=false", "Name cannot be empty when icon is hidden");
    failure("?type=channel", "Shield channel is required for type \"channel\"");
    set_setting(&s, "API_Shield_user_require_auth", json!(true));
    failure("?type=user&username=bob", "You must be logged in to do this.");
    let res = bob.get("/api/v1/shield.svg?type=user&username=bob");
    assert_eq!(res.status, 200);
    set_setting(&s, "API_Shield_Types", json!("online, user"));
    assert_error(&anon.get("/api/v1/shield.svg?type=channel&channel=general"), 400, "error-shield-disabled");
    assert_eq!(anon.get("/api/v1/shield.svg?type=online").status, 200);
    set_setting(&s, "API_Enable_Shields", json!(false));
    assert_error(&anon.get("/api/v1/shield.svg"), 400, "error-endpoint-disabled");
}
