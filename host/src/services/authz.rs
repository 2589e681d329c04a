//! Authorization: the one place that decides "may user U do permission P (in room R)".

use std::collections::{HashMap, HashSet};

use parking_lot::RwLock;
use serde_json::Value;

use super::Services;
use crate::error::{Error, Result};
use crate::models::User;

/// Permission id → roles that hold it, cached from the store.
#[derive(Default)]
pub struct PermissionCache {
    roles: RwLock<HashMap<String, HashSet<String>>>,
}

impl PermissionCache {
    /// Replaces the cache with these permission documents.
    pub fn load(&self, docs: Vec<Value>) {
        let mut map = HashMap::new();
        for d in docs {
            self.insert_into(&mut map, &d);
        }
        *self.roles.write() = map;
    }

    /// Updates one permission.
    pub fn put(&self, doc: &Value) {
        let mut map = self.roles.write();
        self.insert_into(&mut map, doc);
    }

    fn insert_into(&self, map: &mut HashMap<String, HashSet<String>>, d: &Value) {
        if let Some(id) = d["_id"].as_str() {
            let roles = d["roles"].as_array().into_iter().flatten().filter_map(|r| r.as_str().map(String::from));
            map.insert(id.to_string(), roles.collect());
        }
    }

    /// Whether any of `roles` holds `permission`.
    pub fn granted(&self, permission: &str, roles: &[String]) -> bool {
        self.roles.read().get(permission).is_some_and(|held| roles.iter().any(|r| held.contains(r)))
    }
}

/// Authorization checks.
pub struct Authz<'a>(pub &'a Services);

impl Services {
    /// Authorization checks.
    pub fn authz(&self) -> Authz<'_> {
        Authz(self)
    }
}

impl Authz<'_> {
    /// Whether `user` holds `permission`, globally or (with `rid`) through a room role.
    pub fn can(&self, user: &User, permission: &str, rid: Option<&str>) -> Result<bool> {
        if self.0.permissions.granted(permission, &user.roles) {
            return Ok(true);
        }
        if let Some(rid) = rid
            && let Some(sub) = self.0.store.subscription(rid, &user.id)?
        {
            return Ok(self.0.permissions.granted(permission, &sub.roles));
        }
        Ok(false)
    }

    /// Whether `user` holds at least one of `permissions`.
    pub fn can_any(&self, user: &User, permissions: &[&str], rid: Option<&str>) -> Result<bool> {
        for p in permissions {
            if self.can(user, p, rid)? {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Fails with 403 `error-unauthorized` unless `user` holds `permission`.
    pub fn require(&self, user: &User, permission: &str, rid: Option<&str>) -> Result<()> {
        if self.can(user, permission, rid)? { Ok(()) } else { Err(unauthorized()) }
    }

    /// Fails with 403 `error-unauthorized` unless `user` holds one of `permissions`.
    pub fn require_any(&self, user: &User, permissions: &[&str], rid: Option<&str>) -> Result<()> {
        if self.can_any(user, permissions, rid)? { Ok(()) } else { Err(unauthorized()) }
    }
}

/// The REST denial for a missing permission.
pub fn unauthorized() -> Error {
    Error::forbidden("error-unauthorized", "User does not have the permissions required for this action")
}
