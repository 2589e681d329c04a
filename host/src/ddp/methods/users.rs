//! User administration methods, over the same services as the `users.*` REST endpoints:
//! `insertOrUpdateUser`, `saveUserProfile`, `setUsername`, `setUserActiveStatus`,
//! `deleteUser`, `deleteUserOwnAccount`, `getUsernameSuggestion`, `checkUsernameAvailability`.

use serde_json::{Map, Value, json};

use super::{Args, Invocation, MethodDef, Outcome, logged, match_failed};
use crate::services::accounts::NewUser;

/// The methods of this family.
pub const METHODS: &[MethodDef] = &[
    logged("insertOrUpdateUser", insert_or_update_user),
    logged("saveUserProfile", save_user_profile),
    logged("setUsername", set_username),
    logged("setUserActiveStatus", set_user_active_status),
    logged("deleteUser", delete_user),
    logged("deleteUserOwnAccount", delete_user_own_account),
    logged("getUsernameSuggestion", get_username_suggestion),
    logged("checkUsernameAvailability", check_username_availability),
];

fn text(obj: &Map<String, Value>, key: &str) -> Result<Option<String>, super::Failure> {
    super::field_opt_str(obj, key)
}

fn flag(obj: &Map<String, Value>, key: &str) -> Result<Option<bool>, super::Failure> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(match_failed()),
    }
}

/// `insertOrUpdateUser(userData)`: with `_id` edits that user (as `users.update`) → `true`;
/// without, creates one (as `users.create`) → the new user's id.
fn insert_or_update_user(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let actor = inv.user()?.clone();
    let data = args.object(0)?;
    if let Some(id) = text(data, "_id")? {
        let mut changes = data.clone();
        changes.remove("_id");
        inv.svc.users().update(&actor, &id, &changes, false)?;
        return Ok(Some(json!(true)));
    }
    let required = |k: &str| text(data, k).and_then(|v| v.ok_or_else(match_failed));
    let roles = match data.get("roles") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => {
            a.iter().map(|r| r.as_str().map(String::from).ok_or_else(match_failed)).collect::<Result<_, _>>()?
        }
        Some(_) => return Err(match_failed()),
    };
    let custom_fields = match data.get("customFields") {
        None | Some(Value::Null) => None,
        Some(Value::Object(o)) => Some(o.clone()),
        Some(_) => return Err(match_failed()),
    };
    let new = NewUser {
        username: required("username")?,
        email: Some(required("email")?),
        name: text(data, "name")?,
        password: Some(required("password")?),
        roles,
        active: flag(data, "active")?,
        verified: flag(data, "verified")?.unwrap_or(false),
        require_password_change: flag(data, "requirePasswordChange")?.unwrap_or(false),
        join_default_channels: flag(data, "joinDefaultChannels")?.unwrap_or(true),
        custom_fields,
        kind: None,
    };
    let user = inv.svc.users().create(&actor, new)?;
    Ok(Some(json!(user.id)))
}

/// `saveUserProfile(settings, customFields?)` with `settings` `{realname, username, email,
/// nickname, bio, statusText, newPassword, typedPassword}` → `true`. A second factor comes
/// through `callWithTwoFactorRequired`.
fn save_user_profile(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let caller = inv.caller()?.clone();
    let settings = args.object(0)?;
    let mut data = Map::new();
    for (from, to) in [
        ("realname", "name"),
        ("username", "username"),
        ("email", "email"),
        ("nickname", "nickname"),
        ("bio", "bio"),
        ("statusText", "statusText"),
        ("newPassword", "newPassword"),
        ("typedPassword", "currentPassword"),
    ] {
        if let Some(v) = text(settings, from)? {
            data.insert(to.into(), Value::String(v));
        }
    }
    match args.get(1) {
        None => {}
        Some(Value::Object(cf)) => {
            data.insert("customFields".into(), Value::Object(cf.clone()));
        }
        Some(_) => return Err(match_failed()),
    }
    let (code, method) = match &inv.two_factor {
        Some((code, method)) => (Some(code.clone()), method.clone()),
        None => (None, None),
    };
    inv.svc.users().update_own(&caller, &data, code.as_deref(), method.as_deref())?;
    Ok(Some(json!(true)))
}

/// `setUsername(username)`: the caller takes a new username → the username.
fn set_username(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let caller = inv.caller()?.clone();
    let username = args.str(0)?.trim().to_string();
    let mut data = Map::new();
    data.insert("username".into(), Value::String(username.clone()));
    inv.svc.users().update_own(&caller, &data, None, None)?;
    Ok(Some(json!(username)))
}

/// `setUserActiveStatus(userId, active, confirmRelinquish?)` → `true`.
fn set_user_active_status(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let actor = inv.user()?.clone();
    let user_id = args.str(0)?;
    let active = match args.get(1) {
        Some(Value::Bool(b)) => *b,
        _ => return Err(match_failed()),
    };
    inv.svc.users().set_active(&actor, &user_id, active, args.bool(2, false)?)?;
    Ok(Some(json!(true)))
}

/// `deleteUser(userId, confirmRelinquish?)` → `true`.
fn delete_user(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let actor = inv.user()?.clone();
    let user_id = args.str(0)?;
    inv.svc.users().delete(&actor, &user_id, args.bool(1, false)?)?;
    Ok(Some(json!(true)))
}

/// `deleteUserOwnAccount(password, confirmRelinquish?)` → `true`.
fn delete_user_own_account(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let user = inv.user()?.clone();
    let password = args.str(0)?;
    inv.svc.users().delete_own(&user, &password, args.bool(1, false)?)?;
    Ok(Some(json!(true)))
}

/// `getUsernameSuggestion()` → a free username for the caller.
fn get_username_suggestion(inv: &mut Invocation<'_>, _: &Args<'_>) -> Outcome {
    let user = inv.user()?.clone();
    Ok(Some(json!(inv.svc.users().username_suggestion(&user)?)))
}

/// `checkUsernameAvailability(username)` → whether the caller could take it.
fn check_username_availability(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let user = inv.user()?.clone();
    let username = args.str(0)?;
    Ok(Some(json!(inv.svc.users().check_username_availability(&user, username.trim())?)))
}
