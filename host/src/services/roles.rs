//! Roles: the default and custom roles, and who holds them.
//!
//! A role has a scope. `Users` roles are global and live in the user's `roles`; `Subscriptions`
//! roles apply in one room and live in that room's subscription `roles`. As in Rocket.Chat, an
//! assignment with a room (`scope`/`roomId`) always goes to the subscription, and one without a
//! room always goes to the user. Role documents are `{_id, name, description, mandatory2fa,
//! protected, scope, _updatedAt}`; deleted roles leave a tombstone for `roles.sync`.

use std::sync::Arc;

use serde::Serialize;

use super::Services;
use crate::bus::{ChangeAction, Event};
use crate::error::{Error, Kind, Result};
use crate::models::{DocTombstone, Email, Permission, Role, User};
use crate::store::{record_doc, records};
use crate::time::Date;

/// Where role tombstones are kept (see [`crate::store::ConfigStore::put_doc`]).
const TRASH: &str = "roles_trash";

/// The two role scopes.
pub const SCOPES: [&str; 2] = ["Users", "Subscriptions"];

/// What `roles.create` takes.
#[derive(Debug, Clone, Default)]
pub struct NewRole {
    pub name: String,
    /// `Users` when absent.
    pub scope: Option<String>,
    pub description: Option<String>,
    pub mandatory2fa: Option<bool>,
}

/// What `roles.update` takes. Like Rocket.Chat, a missing description is saved as empty.
#[derive(Debug, Clone, Default)]
pub struct RoleChange {
    pub name: Option<String>,
    pub scope: Option<String>,
    pub description: Option<String>,
    pub mandatory2fa: Option<bool>,
}

/// A user holding a role, as `roles.getUsersInRole` lists them.
#[derive(Debug, Clone, Serialize)]
pub struct UserInRole {
    #[serde(rename = "_id")]
    pub id: String,
    pub username: String,
    #[serde(rename = "createdAt")]
    pub created_at: Date,
    #[serde(rename = "_updatedAt")]
    pub updated_at: Date,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub emails: Vec<Email>,
    #[serde(rename = "avatarETag", skip_serializing_if = "Option::is_none")]
    pub avatar_etag: Option<String>,
}

impl From<User> for UserInRole {
    fn from(u: User) -> Self {
        UserInRole {
            id: u.id,
            username: u.username,
            created_at: u.created_at,
            updated_at: u.updated_at,
            name: u.name,
            emails: u.emails,
            avatar_etag: u.avatar_etag,
        }
    }
}

/// Roles operations.
pub struct Roles<'a>(pub &'a Services);

impl Services {
    /// Roles operations.
    pub fn roles(&self) -> Roles<'_> {
        Roles(self)
    }
}

fn invalid_role_id() -> Error {
    Error::from(Kind::InvalidRoleId)
}

impl Roles<'_> {
    /// Every role, by id.
    pub fn list(&self) -> Result<Vec<Role>> {
        self.0.store.roles()
    }

    /// Roles changed after `since`, and tombstones of roles deleted after it.
    pub fn sync(&self, since: Date) -> Result<(Vec<Role>, Vec<DocTombstone>)> {
        let update = self.list()?.into_iter().filter(|r| r.updated_at > since).collect();
        let mut remove: Vec<DocTombstone> = records(self.0.store.docs(TRASH)?)?;
        remove.retain(|t| t.deleted_at > since);
        Ok((update, remove))
    }

    /// `getUserRoles`: the users holding a role shown as a tag next to their name, by username,
    /// each with only those roles (the base roles every account has are not shown).
    pub fn tagged_users(&self) -> Result<Vec<User>> {
        const UNTAGGED: [&str; 5] = ["user", "bot", "guest", "anonymous", "app"];
        let mut users: Vec<User> = self
            .0
            .store
            .all_users()?
            .into_iter()
            .filter_map(|mut u| {
                u.roles.retain(|r| !UNTAGGED.contains(&r.as_str()));
                (!u.roles.is_empty()).then_some(u)
            })
            .collect();
        users.sort_by(|a, b| a.username.cmp(&b.username));
        Ok(users)
    }

    /// A role by id.
    pub fn by_id(&self, id: &str) -> Result<Option<Role>> {
        Ok(self.list()?.into_iter().find(|r| r.id == id))
    }

    /// A role by id, or else by name (Rocket.Chat's `findOneByIdOrName`).
    pub fn by_id_or_name(&self, key: &str) -> Result<Option<Role>> {
        let roles = self.list()?;
        Ok(roles.iter().find(|r| r.id == key).or_else(|| roles.iter().find(|r| r.name == key)).cloned())
    }

    fn save(&self, role: Role) -> Result<Role> {
        self.0.store.put_role(&role)?;
        self.0.bus.publish(Event::RoleChanged { action: "changed", role: Arc::new(role.clone()) });
        Ok(role)
    }

    fn check_scope(scope: &str) -> Result<()> {
        if SCOPES.contains(&scope) { Ok(()) } else { Err(Error::from(Kind::InvalidScope)) }
    }

    /// `roles.create`: a custom (unprotected) role with a random id. Needs `access-permissions`.
    pub fn create(&self, caller: &User, new: NewRole) -> Result<Role> {
        if !self.0.authz().can(caller, "access-permissions", None)? {
            return Err(Kind::ActionNotAllowedOnPermissions.into());
        }
        let name = new.name.trim().to_string();
        if name.is_empty() {
            return Err(Kind::InvalidRoleProperties.into());
        }
        if self.by_id_or_name(&name)?.is_some() {
            return Err(Kind::DuplicateRoleNamesNotAllowed.into());
        }
        let scope = new.scope.unwrap_or_else(|| "Users".into());
        Self::check_scope(&scope)?;
        self.save(Role {
            id: crate::ids::random_id(),
            name,
            scope,
            description: new.description.unwrap_or_default(),
            protected: false,
            mandatory2fa: new.mandatory2fa.unwrap_or(false),
            updated_at: Date::now(),
            extra: Default::default(),
        })
    }

    /// `roles.update`: renames or describes a role. Protected roles keep their name and scope.
    pub fn update(&self, caller: &User, id: &str, change: RoleChange) -> Result<Role> {
        if !self.0.authz().can(caller, "access-permissions", None)? {
            return Err(Kind::ActionNotAllowedOnPermissions.into());
        }
        let mut role = self.by_id(id)?.ok_or_else(invalid_role_id)?;
        let name = change.name.map(|n| n.trim().to_string()).filter(|n| !n.is_empty());
        let renames = name.as_deref().is_some_and(|n| role.name != n);
        let rescopes = change.scope.as_deref().is_some_and(|s| role.scope != s);
        if role.protected && (renames || rescopes) {
            return Err(Kind::RoleProtected.into());
        }
        if let Some(n) = &name
            && self.list()?.iter().any(|r| r.name == *n && r.id != id)
        {
            return Err(Kind::DuplicateRoleNamesNotAllowed.into());
        }
        if let Some(s) = change.scope {
            Self::check_scope(&s)?;
            role.scope = s;
        }
        if let Some(n) = name {
            role.name = n;
        }
        role.description = change.description.unwrap_or_default();
        if let Some(m) = change.mandatory2fa {
            role.mandatory2fa = m;
        }
        role.updated_at = Date::now();
        self.save(role)
    }

    /// How many users hold a role (globally for `Users` roles, in any room for the others).
    pub fn holders_count(&self, role: &Role) -> Result<usize> {
        match role.scope.as_str() {
            "Subscriptions" => {
                let mut users: Vec<String> =
                    self.0.store.room_role_holders(&role.id, None)?.into_iter().map(|(_, u)| u).collect();
                users.sort();
                users.dedup();
                Ok(users.len())
            }
            _ => Ok(self.0.store.count_users_with_role(&role.id)? as usize),
        }
    }

    /// `roles.delete`: removes a custom role nobody holds, and drops it from every permission.
    pub fn delete(&self, caller: &User, key: &str) -> Result<()> {
        if !self.0.authz().can(caller, "access-permissions", None)? {
            return Err(Kind::ActionNotAllowedOnPermissions.into());
        }
        let role = self.by_id_or_name(key)?.ok_or_else(invalid_role_id)?;
        if role.protected {
            return Err(Kind::RoleProtected.with_message("Cannot delete a protected role"));
        }
        if self.holders_count(&role)? > 0 {
            return Err(Kind::RoleInUse.into());
        }
        let id = role.id.clone();
        self.0.store.delete_role(&id)?;
        let tombstone = DocTombstone { id: id.clone(), deleted_at: Date::now() };
        self.0.store.put_doc(TRASH, &id, &record_doc(&tombstone)?)?;
        for mut perm in self.0.store.permissions()? {
            if !perm.roles.contains(&id) {
                continue;
            }
            perm.roles.retain(|r| *r != id);
            perm.updated_at = Date::now();
            self.0.authz().save_permission(perm)?;
        }
        self.0.bus.publish(Event::RoleChanged { action: "removed", role: Arc::new(role) });
        Ok(())
    }

    /// Whether `user` holds the role: in the room `scope` when given, globally otherwise.
    pub fn has_role(&self, user: &User, role: &str, scope: Option<&str>) -> Result<bool> {
        match scope {
            Some(rid) => Ok(self.0.store.subscription(rid, &user.id)?.is_some_and(|s| s.has_role(role))),
            None => Ok(user.has_role(role)),
        }
    }

    /// `roles.addUserToRole`: gives `user` the role, in the room `scope` when given. Needs
    /// `access-permissions` (or `assign-roles`), and `assign-admin-role` for `admin`.
    pub fn add_user(&self, caller: &User, role: &Role, user: &User, scope: Option<&str>) -> Result<()> {
        if !self.0.authz().can_any(caller, &["access-permissions", "assign-roles"], None)? {
            return Err(Kind::ActionNotAllowedOnPermissions.into());
        }
        let id = role.id.as_str();
        if id == "admin" && !self.0.authz().can(caller, "assign-admin-role", None)? {
            return Err(Kind::ActionNotAllowed.with_message("Assigning admin is not allowed"));
        }
        if self.has_role(user, id, scope)? {
            return Err(Kind::UserAlreadyInRole.into());
        }
        self.set_membership(user, id, scope, true)?;
        Ok(())
    }

    /// `roles.removeUserFromRole`: takes the role away. The last admin stays admin.
    pub fn remove_user(&self, caller: &User, role: &Role, user: &User, scope: Option<&str>) -> Result<()> {
        if !self.0.authz().can_any(caller, &["access-permissions", "assign-roles"], None)? {
            return Err(Kind::NotAllowed.with_message("Accessing permissions is not allowed"));
        }
        let id = role.id.as_str();
        if !self.has_role(user, id, scope)? {
            return Err(Kind::UserNotInRole.into());
        }
        if id == "admin" && scope.is_none() && self.0.store.count_users_with_role("admin")? <= 1 {
            return Err(Kind::AdminRequired.into());
        }
        self.set_membership(user, id, scope, false)
    }

    /// Adds or removes a role of a user (or of their subscription) and publishes the change.
    fn set_membership(&self, user: &User, role: &str, scope: Option<&str>, add: bool) -> Result<()> {
        let apply = |roles: &mut Vec<String>| {
            if add {
                if !roles.iter().any(|r| r == role) {
                    roles.push(role.to_string());
                }
            } else {
                roles.retain(|r| r != role);
            }
        };
        match scope {
            Some(rid) => {
                let sub = self
                    .0
                    .store
                    .modify_subscription(rid, &user.id, &mut |s| {
                        apply(&mut s.roles);
                        s.updated_at = Date::now();
                        Ok(())
                    })?
                    .ok_or_else(|| Kind::InvalidUser.with_message("User is not part of given room"))?;
                self.0
                    .bus
                    .publish(Event::SubscriptionChanged { action: ChangeAction::Updated, subscription: sub.into() });
            }
            None => {
                let mut fresh = self.0.store.user_by_id(&user.id)?.ok_or(Kind::InvalidUser)?;
                apply(&mut fresh.roles);
                fresh.updated_at = Date::now();
                self.0.store.update_user(&fresh)?;
                self.0.bus.publish(Event::UserUpdated { user: Arc::new(fresh), fields: vec!["roles"] });
            }
        }
        self.0.bus.publish(Event::UserRoleChanged {
            action: if add { "added" } else { "removed" },
            role: role.to_string(),
            user_id: user.id.clone(),
            username: user.username.clone(),
            scope: scope.map(String::from),
        });
        Ok(())
    }

    /// `roles.getUsersInRole`: holders of a role (by id or name), sorted by username, with the
    /// total before paging. Needs `access-permissions`, and `view-other-user-channels` with a room.
    pub fn users_in_role(
        &self,
        caller: &User,
        key: &str,
        rid: Option<&str>,
        offset: usize,
        limit: Option<usize>,
    ) -> Result<(Vec<UserInRole>, usize)> {
        let authz = self.0.authz();
        if !authz.can(caller, "access-permissions", None)?
            || (rid.is_some() && !authz.can(caller, "view-other-user-channels", None)?)
        {
            return Err(Kind::NotAllowed.into());
        }
        let role = self.by_id_or_name(key)?.ok_or_else(|| Kind::InvalidRoleId.with_message("Invalid role"))?;
        let id = role.id.as_str();
        let mut users: Vec<User> = match role.scope.as_str() {
            "Subscriptions" => {
                let mut ids: Vec<String> =
                    self.0.store.room_role_holders(id, rid)?.into_iter().map(|(_, u)| u).collect();
                ids.sort();
                ids.dedup();
                self.0.store.users_by_ids(&ids)?
            }
            _ => self.0.store.all_users()?.into_iter().filter(|u| u.has_role(id)).collect(),
        };
        users.sort_by_key(|u| u.username.to_lowercase());
        let total = users.len();
        let page = users.into_iter().skip(offset).take(limit.unwrap_or(usize::MAX)).map(UserInRole::from).collect();
        Ok((page, total))
    }
}

/// The permission documents, as the roles API family lists and edits them.
impl Roles<'_> {
    /// Every permission, or those changed after `since`, as `permissions/get` and
    /// `permissions.listAll` list them.
    pub fn permissions(&self, since: Option<Date>) -> Result<Vec<Permission>> {
        self.0.authz().permissions(since)
    }

    /// `permissions.update` (`access-permissions`): sets the roles of each listed permission
    /// and returns every permission (see [`super::authz::Authz::update_permissions`]).
    pub fn update_permissions(&self, caller: &User, changes: &[(String, Vec<String>)]) -> Result<Vec<Permission>> {
        self.0.authz().update_permissions(caller, changes)
    }
}
