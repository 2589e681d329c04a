//! Authorization: the one place that decides "may user U do permission P (in room R)".

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use parking_lot::RwLock;

use super::Services;
use crate::bus::Event;
use crate::error::{Error, Kind, Result};
use crate::models::{Permission, User};
use crate::time::Date;

/// Permission id → roles that hold it, cached from the store.
#[derive(Default)]
pub struct PermissionCache {
    roles: RwLock<HashMap<String, HashSet<String>>>,
}

impl PermissionCache {
    /// Replaces the cache with these permissions.
    pub fn load(&self, permissions: &[Permission]) {
        *self.roles.write() = permissions.iter().map(|p| (p.id.clone(), p.roles.iter().cloned().collect())).collect();
    }

    /// Updates one permission.
    pub fn put(&self, permission: &Permission) {
        self.roles.write().insert(permission.id.clone(), permission.roles.iter().cloned().collect());
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
        self.require_or(user, permission, rid, unauthorized)
    }

    /// Fails with `denied()` unless `user` holds `permission` (for callers whose upstream
    /// counterpart answers with another error, such as [`not_authorized`]).
    pub fn require_or(&self, user: &User, permission: &str, rid: Option<&str>, denied: fn() -> Error) -> Result<()> {
        if self.can(user, permission, rid)? { Ok(()) } else { Err(denied()) }
    }

    /// Fails with 403 `error-unauthorized` unless `user` holds one of `permissions`.
    pub fn require_any(&self, user: &User, permissions: &[&str], rid: Option<&str>) -> Result<()> {
        if self.can_any(user, permissions, rid)? { Ok(()) } else { Err(unauthorized()) }
    }
}

/// Permissions: listing and changing which roles hold them.
impl Authz<'_> {
    /// Every permission, or with `since` only those changed after it. Permissions are never
    /// deleted, so there is nothing to report as removed.
    pub fn permissions(&self, since: Option<Date>) -> Result<Vec<Permission>> {
        let mut all = self.0.store.permissions()?;
        if let Some(since) = since {
            all.retain(|p| p.updated_at > since);
        }
        Ok(all)
    }

    /// Saves a permission, refreshes the cache and publishes `PermissionChanged`.
    pub(super) fn save_permission(&self, permission: Permission) -> Result<()> {
        self.0.store.put_permission(&permission)?;
        self.0.permissions.put(&permission);
        self.0.bus.publish(Event::PermissionChanged { permission: Arc::new(permission) });
        Ok(())
    }

    /// `permissions.update`: sets the roles of each listed permission (`access-permissions`).
    /// Every permission and role must exist, or nothing changes. Publishes `PermissionChanged`
    /// for each one and returns every permission.
    pub fn update_permissions(&self, user: &User, changes: &[(String, Vec<String>)]) -> Result<Vec<Permission>> {
        self.require(user, "access-permissions", None)?;
        let mut all: HashMap<String, Permission> =
            self.0.store.permissions()?.into_iter().map(|p| (p.id.clone(), p)).collect();
        if changes.iter().any(|(id, _)| !all.contains_key(id)) {
            return Err(Kind::InvalidPermission.into());
        }
        let roles: HashSet<String> = self.0.store.roles()?.into_iter().map(|r| r.id).collect();
        if changes.iter().flat_map(|(_, r)| r).any(|r| !roles.contains(r)) {
            return Err(Kind::InvalidRole.into());
        }
        for (id, new_roles) in changes {
            let Some(permission) = all.get_mut(id) else { continue };
            permission.roles.clear();
            for r in new_roles {
                if !permission.roles.contains(r) {
                    permission.roles.push(r.clone());
                }
            }
            permission.updated_at = Date::now();
            self.save_permission(permission.clone())?;
        }
        self.0.store.permissions()
    }
}

/// Upstream's bare `not_authorized` (400), what its admin methods such as custom emoji and
/// custom statuses throw.
pub fn not_authorized() -> Error {
    Error::from(Kind::AdminNotAuthorized)
}

/// The REST denial for a missing permission.
pub fn unauthorized() -> Error {
    Error::from(Kind::Unauthorized)
}
