use serde_json::json;

use crate::common::*;

/// A server with the limiter on (logins count too, so tests log in before lowering the budget).
fn limited_server() -> Server {
    Server::start_with(Options::default().env("OVERWRITE_SETTING_API_Enable_Rate_Limiter", "true"))
}

/// Sets the budget as the admin (who is never limited).
fn set_budget(admin: &Api<'_>, calls: i64) {
    assert_ok(&admin.post("/api/v1/settings/API_Enable_Rate_Limiter_Limit_Calls_Default", json!({"value": calls})));
}

fn header_num(res: &Res, name: &str) -> i64 {
    res.header(name).unwrap_or_else(|| panic!("missing {name}")).parse().unwrap()
}

#[test]
fn anonymous_calls_are_limited_per_route() {
    let s = limited_server();
    set_budget(&s.admin(), 3);
    let anon = s.anon();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64;
    for remaining in [2, 1, 0] {
        let res = anon.get("/api/v1/settings.public?count=1");
        assert_ok(&res);
        assert_eq!(header_num(&res, "x-ratelimit-limit"), 3);
        assert_eq!(header_num(&res, "x-ratelimit-remaining"), remaining);
        let reset = header_num(&res, "x-ratelimit-reset");
        assert!(reset > now && reset <= now + 60_000 + 5_000, "reset {reset} is epoch ms of the window end");
    }
    let res = anon.get("/api/v1/settings.public?count=1");
    assert_eq!(res.status, 429);
    assert_eq!(res.header("content-type"), Some("application/json"));
    assert_eq!(res.body["success"], false);
    let error = res.body["error"].as_str().unwrap();
    assert!(
        error.starts_with("Error, too many requests. Please slow down. You must wait ")
            && error.ends_with(" seconds before trying this endpoint again. [error-too-many-requests]"),
        "{error}"
    );
    let wait: u64 = error.split("wait ").nth(1).unwrap().split(' ').next().unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait));
    assert_eq!(header_num(&res, "x-ratelimit-remaining"), 0);
    assert_eq!(header_num(&res, "x-ratelimit-limit"), 3);

    // Other routes, and other methods of a route, have their own budget.
    let res = anon.get("/api/v1/settings.oauth");
    assert_ok(&res);
    assert_eq!(header_num(&res, "x-ratelimit-remaining"), 2);
    // Routes outside the versioned API and method.callAnon are not limited.
    for _ in 0..5 {
        for path in ["/health", "/api/info"] {
            let res = s.anon().get(path);
            assert_eq!(res.status, 200);
            assert!(res.header("x-ratelimit-limit").is_none());
        }
        let frame = json!({"msg": "method", "id": "1", "method": "getUserRoles", "params": []}).to_string();
        let res = anon.post("/api/v1/method.callAnon/getUserRoles", json!({"message": frame}));
        assert_eq!(res.status, 200, "{}", res.body);
        assert!(res.header("x-ratelimit-limit").is_none());
    }
    // Unknown routes are plain 404s.
    assert_eq!(anon.get("/api/v1/nothing.here").status, 404);
}

#[test]
fn users_have_their_own_budget_and_admins_none() {
    let s = limited_server();
    let admin = s.admin();
    let bob = s.user("bob");
    let carol = s.user("carol");
    set_budget(&admin, 2);

    assert_ok(&bob.get("/api/v1/me"));
    let res = bob.get("/api/v1/me");
    assert_ok(&res);
    assert_eq!(header_num(&res, "x-ratelimit-remaining"), 0);
    assert_eq!(bob.get("/api/v1/me").status, 429);
    // Carol is counted apart from bob, and anonymous callers apart from both.
    let res = carol.get("/api/v1/me");
    assert_ok(&res);
    assert_eq!(header_num(&res, "x-ratelimit-remaining"), 1);
    assert_eq!(s.anon().get("/api/v1/me").status, 401);

    // api-bypass-rate-limit (admin, bot, app) is never limited and gets no headers.
    for _ in 0..6 {
        let res = admin.get("/api/v1/me");
        assert_ok(&res);
        assert!(res.header("x-ratelimit-limit").is_none());
    }

    // A bad token counts per IP, and still gets its 401.
    let mut forged = bob.clone();
    forged.auth = Some((bob.user_id().to_string(), "wrong-token".into()));
    let res = forged.get("/api/v1/settings.oauth");
    assert_ok(&res);
    assert_eq!(header_num(&res, "x-ratelimit-remaining"), 1);
}

#[test]
fn settings_changes_apply_live() {
    let s = limited_server();
    let admin = s.admin();
    let bob = s.user("bob");

    // The default budget is Rocket.Chat's: 10 calls per minute.
    let res = bob.get("/api/v1/roles.list");
    assert_eq!(header_num(&res, "x-ratelimit-limit"), 10);
    assert_eq!(header_num(&res, "x-ratelimit-remaining"), 9);

    set_budget(&admin, 2);
    let res = bob.get("/api/v1/roles.list");
    assert_eq!(header_num(&res, "x-ratelimit-limit"), 2);
    assert_eq!(bob.get("/api/v1/roles.list").status, 429);

    // A larger budget lets bob through again at once; a longer interval moves new windows' end.
    set_budget(&admin, 50);
    let res = bob.get("/api/v1/roles.list");
    assert_ok(&res);
    assert_eq!(header_num(&res, "x-ratelimit-limit"), 50);
    assert_ok(&admin.post("/api/v1/settings/API_Enable_Rate_Limiter_Limit_Time_Default", json!({"value": 3_600_000})));
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64;
    let res = bob.get("/api/v1/permissions.listAll");
    assert_ok(&res);
    assert!(header_num(&res, "x-ratelimit-reset") > now + 3_000_000);

    // Taking the bypass permission away from bots and apps only: admins keep it.
    assert_ok(&admin.post(
        "/api/v1/permissions.update",
        json!({"permissions": [{"_id": "api-bypass-rate-limit", "roles": ["admin", "user"]}]}),
    ));
    let res = bob.get("/api/v1/roles.list");
    assert_ok(&res);
    assert!(res.header("x-ratelimit-limit").is_none(), "bob bypasses the limiter now");
}

#[test]
fn switched_off_by_default_in_tests() {
    let s = Server::start();
    let res = s.anon().get("/api/v1/settings.oauth");
    assert_ok(&res);
    assert!(res.header("x-ratelimit-limit").is_none());
}
