//! Settings, permissions and roles methods: `public-settings/get`, `private-settings/get`,
//! `permissions/get`, `getUserRoles`.

use serde_json::{Value, json};

use super::{Args, Invocation, MethodDef, Outcome, anon, logged};
use crate::ddp::frames::ejson_dates;
use crate::time::Date;

/// The methods of this family.
pub const METHODS: &[MethodDef] = &[
    anon("public-settings/get", public_settings),
    logged("private-settings/get", private_settings),
    logged("permissions/get", permissions),
    logged("getUserRoles", user_roles),
];

const DATE_KEYS: [&str; 3] = ["_updatedAt", "createdAt", "ts"];

/// The client view of a setting document.
fn setting_view(doc: &Value) -> Value {
    let mut v = json!({"_id": doc["_id"], "value": doc["value"]});
    for key in ["enterprise", "invalidValue", "modules", "requiredOnWizard", "editor", "properties"] {
        if let Some(x) = doc.get(key) {
            v[key] = x.clone();
        }
    }
    v
}

fn updated_after(doc: &Value, since: Date) -> bool {
    doc.get("_updatedAt").and_then(Date::from_json).is_some_and(|d| d > since)
}

/// Lists documents, or `{update, remove}` of those changed after `since` (nothing is ever
/// removed: settings and permissions are only updated).
fn listing(docs: Vec<Value>, since: Option<Date>) -> Value {
    match since {
        None => Value::Array(docs),
        Some(since) => {
            let update: Vec<Value> = docs.into_iter().filter(|d| updated_after(d, since)).collect();
            json!({"update": update, "remove": []})
        }
    }
}

/// `public-settings/get`: `[]` or `[{$date}]` → `[{_id, value}]` or `{update, remove}`.
fn public_settings(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let since = args.date(0)?;
    let docs: Vec<Value> = inv
        .svc
        .settings
        .all()
        .into_iter()
        .filter(|d| d["public"].as_bool() == Some(true) && d["hidden"].as_bool() != Some(true))
        .map(|d| {
            let mut v = setting_view(&d);
            if let Some(u) = d.get("_updatedAt") {
                v["_updatedAt"] = u.clone();
            }
            ejson_dates(v, &DATE_KEYS)
        })
        .collect();
    Ok(Some(listing(docs, since)))
}

/// `private-settings/get`: every setting the caller may view (`view-privileged-setting`), or
/// only those `manage-selected-settings` grants.
fn private_settings(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let user = inv.user()?.clone();
    let since = args.date(0)?;
    let authz = inv.svc.authz();
    let all = authz.can(&user, "view-privileged-setting", None)?;
    if !all && !authz.can(&user, "manage-selected-settings", None)? {
        return Ok(Some(listing(Vec::new(), since)));
    }
    let mut docs = Vec::new();
    for d in inv.svc.settings.all() {
        let id = d["_id"].as_str().unwrap_or_default();
        if d["hidden"].as_bool() == Some(true) {
            continue;
        }
        if !all && !authz.can(&user, &format!("change-setting-{id}"), None)? {
            continue;
        }
        docs.push(ejson_dates((*d).clone(), &DATE_KEYS));
    }
    Ok(Some(listing(docs, since)))
}

/// `permissions/get`: `[]` or `[{$date}]` → `[{_id, roles, _updatedAt}]` or `{update, remove}`.
fn permissions(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let since = args.date(0)?;
    let docs: Vec<Value> = inv.svc.store.permissions()?.into_iter().map(|d| ejson_dates(d, &DATE_KEYS)).collect();
    Ok(Some(listing(docs, since)))
}

/// Global roles shown as tags next to usernames (the base roles every account has are not).
const UNTAGGED_ROLES: [&str; 5] = ["user", "bot", "guest", "anonymous", "app"];

/// `getUserRoles`: `[]` → `[{_id, username, roles}]` of users holding a role worth showing.
fn user_roles(inv: &mut Invocation<'_>, _: &Args<'_>) -> Outcome {
    let mut users: Vec<Value> = inv
        .svc
        .store
        .all_users()?
        .into_iter()
        .filter(|u| u.roles.iter().any(|r| !UNTAGGED_ROLES.contains(&r.as_str())))
        .map(|u| {
            let roles: Vec<&String> = u.roles.iter().filter(|r| !UNTAGGED_ROLES.contains(&r.as_str())).collect();
            json!({"_id": u.id, "username": u.username, "roles": roles})
        })
        .collect();
    users.sort_by(|a, b| a["username"].as_str().cmp(&b["username"].as_str()));
    Ok(Some(Value::Array(users)))
}
