//! Settings, permissions, roles and search methods: `public-settings/get`, `private-settings/get`,
//! `saveSetting`, `permissions/get`, `roles/get`, `getUserRoles`, `spotlight`.

use serde_json::{Value, json};

use super::{Args, Invocation, MethodDef, Outcome, anon, logged};
use crate::ddp::frames::{self, ejson_dates};
use crate::time::Date;

/// The methods of this family.
pub const METHODS: &[MethodDef] = &[
    anon("public-settings/get", public_settings),
    logged("private-settings/get", private_settings),
    logged("saveSetting", save_setting),
    logged("permissions/get", permissions),
    logged("roles/get", roles),
    logged("getUserRoles", user_roles),
    logged("spotlight", spotlight),
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
        .settings()
        .public_docs()
        .into_iter()
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

/// `private-settings/get`: the settings the caller may list (every one with
/// `view-privileged-setting`, the public ones otherwise), as full documents.
fn private_settings(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let user = inv.user()?.clone();
    let since = args.date(0)?;
    let docs: Vec<Value> =
        inv.svc.settings().visible_docs(&user)?.into_iter().map(|d| ejson_dates((*d).clone(), &DATE_KEYS)).collect();
    Ok(Some(listing(docs, since)))
}

/// `saveSetting`: `[_id, value, editor?]` → `true` (`edit-privileged-setting`).
fn save_setting(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let user = inv.user()?.clone();
    let id = args.str(0)?;
    let value = args.0.get(1).cloned();
    let editor = args.opt_str(2)?;
    inv.svc.settings().update(&user, &id, value, editor)?;
    Ok(Some(json!(true)))
}

/// `permissions/get`: `[]` or `[{$date}]` → `[{_id, roles, _updatedAt}]` or `{update, remove}`.
fn permissions(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let since = args.date(0)?;
    let docs = frames::ejson(&inv.svc.roles().permissions(since)?);
    Ok(Some(match since {
        None => docs,
        Some(_) => json!({"update": docs, "remove": []}),
    }))
}

/// `roles/get`: `[]` or `[{$date}]` → roles, or `{update, remove}` with deleted roles.
fn roles(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    Ok(Some(match args.date(0)? {
        None => frames::ejson(&inv.svc.roles().list()?),
        Some(since) => {
            let (update, remove) = inv.svc.roles().sync(since)?;
            json!({"update": frames::ejson(&update), "remove": frames::ejson(&remove)})
        }
    }))
}

/// `spotlight`: `[text, usernamesToExclude?, {users?, rooms?}?]` → `{users, rooms}`.
fn spotlight(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let user = inv.user()?.clone();
    let text = args.opt_str(0)?.unwrap_or_default();
    let exclude = args.strings(1)?;
    let wants = |key: &str| args.get(2).and_then(|o| o.get(key)).and_then(Value::as_bool).unwrap_or(true);
    let (users, rooms) = inv.svc.directory().spotlight(&user, &text)?;
    let users: Vec<_> = if wants("users") {
        users.into_iter().filter(|u| !exclude.contains(&u.username)).collect()
    } else {
        Vec::new()
    };
    let rooms = if wants("rooms") { rooms } else { Vec::new() };
    // The rooms' last messages keep REST's ISO dates, as this method has always sent them.
    Ok(Some(json!({"users": users, "rooms": rooms})))
}

/// `getUserRoles`: `[]` → `[{_id, username, roles}]` of users holding a role worth showing.
fn user_roles(inv: &mut Invocation<'_>, _: &Args<'_>) -> Outcome {
    let users = inv.svc.roles().tagged_users()?;
    Ok(Some(Value::Array(
        users.iter().map(|u| json!({"_id": u.id, "username": u.username, "roles": u.roles})).collect(),
    )))
}
