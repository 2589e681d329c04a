//! First-start data and the defaults applied at every start.

mod permissions;
mod roles;
mod settings;

pub use permissions::PERMISSIONS;
pub use roles::ROLES;
pub use settings::{SETTINGS, SettingDefault};

use std::collections::HashSet;

use serde_json::{Value, json};

use super::Services;
use super::accounts::NewUser;
use crate::error::Result;
use crate::models::{Permission, Role, Room, RoomType, User};
use crate::time::Date;

/// Seeds what a fresh database needs and applies `OVERWRITE_SETTING_*`. Safe to run at every
/// start: only missing records are created.
pub fn seed(svc: &Services) -> Result<()> {
    super::statistics::mark_started();
    seed_settings(svc)?;
    seed_roles(svc)?;
    seed_permissions(svc)?;
    seed_general_room(svc)?;
    seed_rocket_cat(svc)?;
    seed_admin(svc)?;
    Ok(())
}

fn seed_settings(svc: &Services) -> Result<()> {
    let now = Date::now();
    let mut stored: std::collections::HashMap<String, Value> =
        svc.store.settings()?.into_iter().filter_map(|d| Some((d["_id"].as_str()?.to_string(), d))).collect();
    let mut to_store = Vec::new();
    for d in SETTINGS {
        let default: Value = serde_json::from_str(d.value).expect("valid default setting JSON");
        let mut doc = stored
            .remove(d.id)
            .unwrap_or_else(|| json!({"_id": d.id, "value": default, "createdAt": now, "_updatedAt": now}));
        let value = match svc.config.overwrite_settings.get(d.id) {
            Some(text) => super::settings::coerce_text(d.kind, text),
            None if d.id == "Site_Url" && doc["value"] == default => json!(svc.config.root_url),
            None => doc["value"].clone(),
        };
        let changed = doc["value"] != value || doc.get("type").is_none();
        doc["value"] = value;
        doc["type"] = json!(d.kind);
        doc["packageValue"] = default;
        doc["public"] = json!(d.public);
        doc["group"] = json!(d.group);
        doc["blocked"] = json!(svc.config.overwrite_settings.contains_key(d.id));
        if changed {
            doc["_updatedAt"] = serde_json::to_value(now)?;
            to_store.push(doc.clone());
        }
        svc.settings.put(doc);
    }
    svc.store.put_settings(&to_store)?;
    // Settings created at runtime (by apps, for example) stay as they are.
    for (_, doc) in stored {
        svc.settings.put(doc);
    }
    if svc.settings.string("uniqueID").is_empty() {
        svc.settings().set_value("uniqueID", json!(crate::ids::random_id()))?;
    }
    Ok(())
}

fn seed_roles(svc: &Services) -> Result<()> {
    let existing: HashSet<String> = svc.store.roles()?.into_iter().map(|r| r.id).collect();
    let missing: Vec<Role> = ROLES
        .iter()
        .filter(|(id, _, _)| !existing.contains(*id))
        .map(|(id, scope, description)| Role {
            id: id.to_string(),
            name: id.to_string(),
            scope: scope.to_string(),
            description: description.to_string(),
            protected: true,
            mandatory2fa: false,
            updated_at: Date::now(),
            extra: Default::default(),
        })
        .collect();
    svc.store.put_roles(&missing)
}

fn seed_permissions(svc: &Services) -> Result<()> {
    let existing: HashSet<String> = svc.store.permissions()?.into_iter().map(|p| p.id).collect();
    let missing: Vec<Permission> = PERMISSIONS
        .iter()
        .filter(|(id, _)| !existing.contains(*id))
        .map(|(id, roles)| Permission {
            id: id.to_string(),
            roles: roles.iter().map(|r| r.to_string()).collect(),
            updated_at: Date::now(),
            extra: Default::default(),
        })
        .collect();
    svc.store.put_permissions(&missing)?;
    svc.permissions.load(&svc.store.permissions()?);
    Ok(())
}

fn seed_general_room(svc: &Services) -> Result<()> {
    if svc.store.room_by_id("GENERAL")?.is_some() {
        return Ok(());
    }
    let now = Date::now();
    let room = Room {
        id: "GENERAL".into(),
        t: RoomType::Channel,
        name: Some("general".into()),
        fname: Some("general".into()),
        ts: now,
        is_default: true,
        sys_mes: true,
        updated_at: now,
        ..Default::default()
    };
    svc.store.insert_room(&room, &[])
}

fn seed_rocket_cat(svc: &Services) -> Result<()> {
    if svc.store.user_by_id("rocket.cat")?.is_some() {
        return Ok(());
    }
    let now = Date::now();
    let user = User {
        id: "rocket.cat".into(),
        created_at: now,
        kind: "bot".into(),
        username: "rocket.cat".into(),
        name: Some("Rocket.Cat".into()),
        status: "online".into(),
        status_connection: "online".into(),
        active: true,
        roles: vec!["bot".into()],
        updated_at: now,
        ..Default::default()
    };
    svc.store.insert_user(&user, &Default::default())
}

fn seed_admin(svc: &Services) -> Result<()> {
    let Some(admin) = svc.config.admin.clone() else { return Ok(()) };
    if svc.store.user_by_username(&admin.username)?.is_some() {
        return Ok(());
    }
    let user = svc.accounts().insert(NewUser {
        username: admin.username.clone(),
        email: Some(admin.email.clone()),
        name: Some(admin.username.clone()),
        password: Some(admin.password.clone()),
        roles: vec!["admin".into(), "user".into()],
        verified: true,
        join_default_channels: true,
        ..Default::default()
    })?;
    tracing::info!(username = %user.username, "created admin user from ADMIN_USERNAME");
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn default_settings_are_well_formed() {
        let mut seen = HashSet::new();
        for d in SETTINGS {
            assert!(seen.insert(d.id), "setting {} is listed twice", d.id);
            let v: Value = serde_json::from_str(d.value).unwrap_or_else(|e| panic!("{}: {e}", d.id));
            let fits = match d.kind {
                "boolean" => v.is_boolean(),
                "int" => v.is_i64(),
                "multiSelect" => v.is_array(),
                "select" => v.is_string() || v.is_number(),
                _ => v.is_string(),
            };
            assert!(fits, "setting {} has a default of the wrong type", d.id);
            assert!(!d.group.is_empty());
        }
        for id in ["API_Enable_Rate_Limiter", "API_Enable_Rate_Limiter_Limit_Calls_Default", "Accounts_SearchFields"] {
            assert!(seen.contains(id), "{id}");
        }
    }

    #[test]
    fn default_permissions_name_existing_roles() {
        let roles: HashSet<&str> = ROLES.iter().map(|(id, _, _)| *id).collect();
        let mut seen = HashSet::new();
        for (id, holders) in PERMISSIONS {
            assert!(seen.insert(*id), "permission {id} is listed twice");
            for r in *holders {
                assert!(roles.contains(r), "permission {id} names unknown role {r}");
            }
        }
    }
}
