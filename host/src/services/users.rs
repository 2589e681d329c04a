//! User administration: editing profiles (by admins and by the users themselves), activating
//! and deactivating, deleting accounts, tokens for other users, username suggestions and
//! password resets. The rules are upstream's `saveUser`, `saveUserProfile`, `deleteUser` and
//! `setUserActiveStatus`.

use std::sync::Arc;

use serde_json::{Map, Value};

use super::Services;
use super::accounts::{Caller, UserView, hash_password, verify_password};
use super::field_limits;
use crate::bus::{ChangeAction, Event};
use crate::error::{Error, Kind, Result};
use crate::ids;
use crate::models::{Email, Room, RoomType, User, UserRef};
use crate::store::LoginToken;
use crate::time::Date;

/// User administration operations.
pub struct Users<'a>(pub &'a Services);

impl Services {
    /// User administration operations.
    pub fn users(&self) -> Users<'_> {
        Users(self)
    }
}

fn str_field(data: &Map<String, Value>, key: &str) -> Result<Option<String>> {
    match data.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.trim().to_string())),
        Some(_) => Err(Kind::invalid_param(key)),
    }
}

fn bool_field(data: &Map<String, Value>, key: &str) -> Result<Option<bool>> {
    match data.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(Kind::invalid_param(key)),
    }
}

/// A self-service registration form.
#[derive(Debug, Clone, Default)]
pub struct Registration {
    pub username: Option<String>,
    pub email: String,
    /// Plain text.
    pub password: String,
    pub name: Option<String>,
    pub secret_url: Option<String>,
}

/// What becomes of a room when a member who is its last owner or only member leaves for good.
struct RoomFate {
    room: Room,
    /// The oldest active other member, who becomes owner.
    new_owner: Option<String>,
    /// Nobody is left to own it: the room is deleted.
    remove: bool,
}

/// The changes `users.update` and `users.updateOwnBasicInfo` accept.
#[derive(Debug, Default)]
struct ProfileChanges {
    username: Option<String>,
    name: Option<String>,
    email: Option<String>,
    /// Plain text.
    password: Option<String>,
    status_text: Option<String>,
    bio: Option<String>,
    nickname: Option<String>,
    custom_fields: Option<Map<String, Value>>,
}

impl ProfileChanges {
    fn read(data: &Map<String, Value>, password_key: &str) -> Result<Self> {
        let custom_fields = match data.get("customFields") {
            None | Some(Value::Null) => None,
            Some(Value::Object(o)) => Some(o.clone()),
            Some(_) => return Err(Kind::invalid_param("customFields")),
        };
        Ok(ProfileChanges {
            username: str_field(data, "username")?.filter(|s| !s.is_empty()),
            name: str_field(data, "name")?.or(str_field(data, "realname")?),
            email: str_field(data, "email")?.filter(|s| !s.is_empty()).map(|e| e.to_lowercase()),
            password: str_field(data, password_key)?.filter(|s| !s.is_empty()),
            status_text: str_field(data, "statusText")?,
            bio: str_field(data, "bio")?,
            nickname: str_field(data, "nickname")?,
            custom_fields,
        })
    }
}

impl Users<'_> {
    /// A user by id, if there is one.
    pub fn by_id(&self, user_id: &str) -> Result<Option<User>> {
        self.0.store.user_by_id(user_id)
    }

    /// A user by username (a leading `@` ignored), if there is one.
    pub fn by_username(&self, username: &str) -> Result<Option<User>> {
        self.0.store.user_by_username(username.trim_start_matches('@'))
    }

    /// Whether `viewer` may follow the personal events of the user `user_id`
    /// (`stream-notify-user`): only their own.
    pub fn can_follow_events_of(&self, viewer: &User, user_id: &str) -> bool {
        viewer.id == user_id
    }

    fn target(&self, user_id: &str) -> Result<User> {
        self.0.store.user_by_id(user_id)?.ok_or_else(|| Error::from(Kind::InvalidUser))
    }

    /// Whether `user` is the only active admin left.
    fn last_active_admin(&self, user: &User) -> Result<bool> {
        if !user.has_role("admin") || !user.active {
            return Ok(false);
        }
        let active_admins = self.0.store.all_users()?.iter().filter(|u| u.active && u.has_role("admin")).count();
        Ok(active_admins <= 1)
    }

    /// `users.create` / `insertOrUpdateUser` without `_id` (permission `create-user`; giving
    /// the `admin` role also takes `assign-admin-role`).
    pub fn create(&self, actor: &User, new: super::accounts::NewUser) -> Result<User> {
        let authz = self.0.authz();
        authz.require(actor, "create-user", None)?;
        if new.roles.iter().any(|r| r == "admin") {
            authz.require(actor, "assign-admin-role", None)?;
        }
        for role in &new.roles {
            if self.0.roles().by_id(role)?.is_none() {
                return Err(Kind::InvalidRole.with_message(format!("Role {role} does not exist")));
            }
        }
        self.0.accounts().insert(new)
    }

    /// `users.info`: a user by id or username, as `viewer` may see them (emails and other
    /// private fields for themselves and holders of `view-full-other-user-info`).
    pub fn info(&self, viewer: &User, user_id: Option<&str>, username: Option<&str>) -> Result<UserView> {
        let s = self.0;
        let user = match (user_id, username) {
            (Some(id), _) => s.store.user_by_id(id)?,
            (None, Some(name)) => s.store.user_by_username(name.trim_start_matches('@'))?,
            (None, None) => {
                return Err(
                    Kind::InvalidParams.with_message("The required \"userId\" or \"username\" param was not provided")
                );
            }
        }
        .ok_or(Kind::InvalidUser)?;
        self.view_as(viewer, &user)
    }

    /// `users.list` (permission `view-d-room`): every user as `viewer` may see them, unpaged.
    pub fn list(&self, viewer: &User) -> Result<Vec<UserView>> {
        let s = self.0;
        s.authz().require(viewer, "view-d-room", None)?;
        let full = s.authz().can(viewer, "view-full-other-user-info", None)?;
        Ok(s.store.all_users()?.iter().map(|u| s.accounts().public_view(u, full)).collect())
    }

    /// `users.update`: `actor` edits `user_id` with `data` (`email`, `name`, `password`,
    /// `username`, `active`, `roles`, `verified`, `requirePasswordChange`, `customFields`,
    /// `statusText`, `bio`, `nickname`). Deactivating follows [`Users::set_active`] with
    /// `confirm_relinquish`. Returns the user after the change.
    pub fn update(
        &self,
        actor: &User,
        user_id: &str,
        data: &Map<String, Value>,
        confirm_relinquish: bool,
    ) -> Result<User> {
        let s = self.0;
        let authz = s.authz();
        let mut user = self.target(user_id)?;
        let myself = actor.id == user.id;
        let edit_others = authz.can(actor, "edit-other-user-info", None)?;
        let edit_password = authz.can(actor, "edit-other-user-password", None)?;
        if !edit_others && !myself {
            return Err(Kind::ActionNotAllowed.into());
        }
        let changes = ProfileChanges::read(data, "password")?;
        // Changing oneself follows the profile settings; admins editing others don't.
        let gated = !edit_others || myself;
        let allowed = |setting: &str| s.settings.bool(setting) || !gated;
        if !s.settings.bool("Accounts_AllowUserProfileChange") && !edit_others && !edit_password {
            return Err(Kind::ActionNotAllowed.with_message("Edit user profile is not allowed"));
        }
        let refuse = |what: &str| Err(Kind::ActionNotAllowed.with_message(format!("Edit {what} is not allowed")));
        if changes.username.as_ref().is_some_and(|u| *u != user.username) && !allowed("Accounts_AllowUsernameChange") {
            return refuse("username");
        }
        if changes.name.is_some() && !allowed("Accounts_AllowRealNameChange") {
            return refuse("user real name");
        }
        if changes.status_text.is_some() && !allowed("Accounts_AllowUserStatusMessageChange") {
            return refuse("user status");
        }
        if changes.email.as_deref().is_some_and(|e| Some(e) != user.email()) && !allowed("Accounts_AllowEmailChange") {
            return refuse("user email");
        }
        if changes.password.is_some() {
            if !myself && !edit_password {
                return Err(Kind::ActionNotAllowed.with_message("Editing user password is not allowed"));
            }
            if !allowed("Accounts_AllowPasswordChange") {
                return refuse("user password");
            }
        }
        let roles: Option<Vec<String>> = match data.get("roles") {
            None | Some(Value::Null) => None,
            Some(Value::Array(a)) => Some(
                a.iter()
                    .map(|r| r.as_str().map(String::from).ok_or_else(|| Kind::invalid_param("roles")))
                    .collect::<Result<_>>()?,
            ),
            Some(_) => return Err(Kind::invalid_param("roles")),
        };
        if let Some(roles) = &roles {
            let mut sorted = roles.clone();
            sorted.sort();
            let mut current = user.roles.clone();
            current.sort();
            if sorted != current {
                authz
                    .require(actor, "assign-roles", None)
                    .map_err(|_| Kind::ActionNotAllowed.with_message("Assign roles is not allowed"))?;
                if roles.iter().any(|r| r == "admin") && !user.has_role("admin") {
                    authz.require(actor, "assign-admin-role", None)?;
                }
                if user.has_role("admin") && !roles.iter().any(|r| r == "admin") && self.last_active_admin(&user)? {
                    return Err(Kind::ActionNotAllowed.with_message("Leaving the app without admins is not allowed"));
                }
                for role in roles {
                    if s.roles().by_id(role)?.is_none() {
                        return Err(Kind::InvalidRole.with_message(format!("Role {role} does not exist")));
                    }
                }
            }
        }
        let active = bool_field(data, "active")?;
        if let Some(active) = active
            && active != user.active
        {
            authz
                .require(actor, "edit-other-user-active-status", None)
                .map_err(|_| Kind::ActionNotAllowed.with_message("Editing user active status is not allowed"))?;
            // Refuse before anything changes, not halfway.
            if !active {
                if self.last_active_admin(&user)? {
                    return Err(
                        Kind::ActionNotAllowed.with_message("Leaving the app without an active admin is not allowed")
                    );
                }
                Self::confirm_fates(&self.room_fates(&user)?, confirm_relinquish)?;
            }
        }
        self.apply(&mut user, changes)?;
        let mut role_changes: Vec<(&'static str, String)> = Vec::new();
        if let Some(mut roles) = roles {
            roles.dedup();
            role_changes.extend(roles.iter().filter(|r| !user.roles.contains(r)).map(|r| ("added", r.clone())));
            role_changes.extend(user.roles.iter().filter(|r| !roles.contains(r)).map(|r| ("removed", r.clone())));
            user.roles = roles;
        }
        if let Some(v) = bool_field(data, "verified")? {
            user.emails.iter_mut().for_each(|e| e.verified = v);
        }
        if let Some(v) = bool_field(data, "requirePasswordChange")? {
            user.require_password_change = v;
        }
        user.updated_at = Date::now();
        s.store.update_user(&user)?;
        for (action, role) in role_changes {
            s.bus.publish(Event::UserRoleChanged {
                action,
                role,
                user_id: user.id.clone(),
                username: user.username.clone(),
                scope: None,
            });
        }
        if let Some(active) = active
            && active != user.active
        {
            return self.set_active(actor, &user.id, active, confirm_relinquish);
        }
        s.bus.publish(Event::UserUpdated { user: Arc::new(user.clone()), fields: vec![] });
        Ok(user)
    }

    /// Applies profile changes: validates and checks availability, carries a new username or
    /// display name everywhere, and hashes a new password (other sessions stay).
    fn apply(&self, user: &mut User, changes: ProfileChanges) -> Result<()> {
        let s = self.0;
        let accounts = s.accounts();
        // Validate everything first, so a refusal changes nothing.
        let username = changes.username.filter(|u| *u != user.username);
        if let Some(username) = &username {
            accounts.validate_username(username)?;
            accounts.ensure_available(Some(username), None, Some(&user.id))?;
        }
        let name = changes.name.filter(|n| user.name.as_deref() != Some(n.as_str()));
        if let Some(name) = &name {
            field_limits::check_name(name)?;
        }
        if let Some(fields) = &changes.custom_fields {
            field_limits::check_custom_fields(fields)?;
        }
        if changes.bio.as_ref().is_some_and(|b| b.trim().chars().count() > field_limits::MAX_BIO_CHARS) {
            return Err(Kind::BioSizeExceeded.into());
        }
        if changes.nickname.as_ref().is_some_and(|n| n.trim().chars().count() > field_limits::MAX_NICKNAME_CHARS) {
            return Err(Kind::NicknameSizeExceeded.into());
        }
        if name.as_ref().is_some_and(|n| n.is_empty()) && s.settings.bool("Accounts_RequireNameForSignUp") {
            return Err(Kind::TheFieldIsRequired.into());
        }
        let email = changes.email.filter(|e| Some(e.as_str()) != user.email());
        if let Some(email) = &email {
            accounts.ensure_available(None, Some(email), Some(&user.id))?;
        }
        if let Some(password) = &changes.password {
            accounts.validate_password(password)?;
        }
        if let Some(username) = username {
            let old = std::mem::replace(&mut user.username, username.clone());
            s.store.update_user(user)?;
            s.store.rename_user(&user.id, &old, &username, user.name.is_some())?;
            s.bus.publish(Event::UserNameChanged { user: Arc::new(user.clone()) });
            self.emit_renamed_copies(user)?;
        }
        if let Some(name) = name {
            let old = user.display_name().to_string();
            user.name = Some(name);
            s.store.rename_display_name(&user.id, &old, user.display_name())?;
            s.bus.publish(Event::UserNameChanged { user: Arc::new(user.clone()) });
            self.emit_renamed_copies(user)?;
        }
        if let Some(email) = email {
            user.emails = vec![Email { address: email, verified: false }];
        }
        if let Some(password) = changes.password {
            let mut creds = s.store.credentials(&user.id)?;
            creds.password = Some(hash_password(&ids::sha256_hex(&password), s.config.bcrypt_cost)?);
            s.store.set_credentials(&user.id, &creds)?;
        }
        if let Some(text) = changes.status_text {
            user.status_text = Some(text.chars().take(120).collect());
        }
        if let Some(bio) = changes.bio {
            user.bio = Some(bio.trim().to_string());
        }
        if let Some(nickname) = changes.nickname {
            user.nickname = Some(nickname.trim().to_string());
        }
        if let Some(cf) = changes.custom_fields {
            user.custom_fields.get_or_insert_with(Map::new).extend(cf);
        }
        Ok(())
    }

    /// Publishes what a rename rewrote: the user's subscriptions, and their direct messages with
    /// the other members' subscriptions to them (named after the user).
    /// Carries queued renames one batch further into the messages (see
    /// [`crate::store::AccountStore::rename_messages_step`]). Returns whether work is left.
    pub fn carry_renames_step(&self) -> Result<bool> {
        self.0.store.rename_messages_step(self.0.config.rename_batch_rows)
    }

    fn emit_renamed_copies(&self, user: &User) -> Result<()> {
        let s = self.0;
        for sub in s.store.subscriptions_of_user(&user.id)? {
            s.emit_subscription(ChangeAction::Updated, &sub);
            if sub.t != RoomType::Direct {
                continue;
            }
            if let Some(room) = s.store.room_by_id(&sub.rid)? {
                s.emit_room(ChangeAction::Updated, &room);
            }
            for other in s.store.subscriptions_of_room(&sub.rid)?.iter().filter(|o| o.u.id != user.id) {
                s.emit_subscription(ChangeAction::Updated, other);
            }
        }
        Ok(())
    }

    /// `users.updateOwnBasicInfo`: the caller edits their own profile (`email`, `name`,
    /// `username`, `nickname`, `statusText`, `bio`, `newPassword` + `currentPassword`,
    /// `customFields`). A new email or password needs the current password (hex SHA-256 or
    /// plain); users with a second factor also pass its check (`code`/`method` from `X-2fa-*`).
    /// A new password must differ from the current one and clears `requirePasswordChange`.
    pub fn update_own(
        &self,
        caller: &Caller,
        data: &Map<String, Value>,
        code: Option<&str>,
        method: Option<&str>,
    ) -> Result<User> {
        let s = self.0;
        let mut me = self.target(&caller.user.id)?;
        let changes = ProfileChanges::read(data, "newPassword")?;
        let refuse = |what: &str| Err(Kind::ActionNotAllowed.with_message(format!("Edit {what} is not allowed")));
        if !s.settings.bool("Accounts_AllowUserProfileChange") {
            return Err(Kind::ActionNotAllowed.with_message("Edit user profile is not allowed"));
        }
        if changes.username.as_ref().is_some_and(|u| *u != me.username)
            && !s.settings.bool("Accounts_AllowUsernameChange")
        {
            return refuse("username");
        }
        if changes.name.is_some() && !s.settings.bool("Accounts_AllowRealNameChange") {
            return refuse("user real name");
        }
        if changes.status_text.is_some() && !s.settings.bool("Accounts_AllowUserStatusMessageChange") {
            return refuse("user status");
        }
        let email_change = changes.email.as_deref().is_some_and(|e| Some(e) != me.email());
        if email_change && !s.settings.bool("Accounts_AllowEmailChange") {
            return refuse("user email");
        }
        if changes.password.is_some() && !s.settings.bool("Accounts_AllowPasswordChange") {
            return refuse("user password");
        }
        if email_change || changes.password.is_some() {
            let creds = s.store.credentials(&me.id)?;
            if let Some(hash) = creds.password {
                let current =
                    str_field(data, "currentPassword")?.filter(|p| !p.is_empty()).ok_or(Kind::InvalidPassword)?;
                let digest = if current.len() == 64 && current.bytes().all(|b| b.is_ascii_hexdigit()) {
                    current.to_ascii_lowercase()
                } else {
                    ids::sha256_hex(&current)
                };
                if !verify_password(&digest, &hash) {
                    return Err(Kind::InvalidPassword.into());
                }
                if let Some(new) = &changes.password
                    && verify_password(&ids::sha256_hex(new), &hash)
                {
                    return Err(Kind::PasswordSameAsCurrent.into());
                }
            }
            // The current password is the second factor of users who have no other (upstream
            // passes it as the `password` method); those who have one give its code too.
            if !s.two_factor().methods(&me)?.is_empty() {
                s.two_factor().check_caller(caller, code, method)?;
            }
        }
        if changes.password.is_some() {
            me.require_password_change = false;
        }
        self.apply(&mut me, changes)?;
        me.updated_at = Date::now();
        s.store.update_user(&me)?;
        s.bus.publish(Event::UserUpdated { user: Arc::new(me.clone()), fields: vec![] });
        Ok(me)
    }

    /// `users.setActiveStatus`: activates or deactivates a user (`edit-other-user-active-status`
    /// or `manage-moderation-actions`). Deactivation refuses the last active admin, hands over or
    /// deletes the rooms the user is the last owner of (only with `confirm_relinquish`, else
    /// `user-last-owner`), ends every session and makes their direct messages read-only;
    /// activation opens those again where the other member is active.
    pub fn set_active(&self, actor: &User, user_id: &str, active: bool, confirm_relinquish: bool) -> Result<User> {
        let s = self.0;
        if !s.authz().can(actor, "edit-other-user-active-status", None)?
            && !s.authz().can(actor, "manage-moderation-actions", None)?
        {
            return Err(super::authz::unauthorized());
        }
        let user = self.target(user_id)?;
        let was_active = user.active;
        if !active {
            if self.last_active_admin(&user)? {
                return Err(
                    Kind::ActionNotAllowed.with_message("Leaving the app without an active admin is not allowed")
                );
            }
            let fates = self.room_fates(&user)?;
            Self::confirm_fates(&fates, confirm_relinquish)?;
            self.relinquish(actor, &user, &fates)?;
        }
        let now = Date::now();
        let user = s
            .store
            .modify_user(&user.id, &mut |u| {
                u.active = active;
                u.updated_at = now;
            })?
            .ok_or(Kind::InvalidUser)?;
        if !active {
            s.store.delete_user_tokens(&user.id)?;
        }
        self.set_directs_read_only(&user, !active)?;
        s.bus.publish(Event::UserUpdated { user: Arc::new(user.clone()), fields: vec!["active"] });
        if was_active != active {
            self.mail_activation(&user)?;
        }
        Ok(user)
    }

    /// `users.deactivateIdle` (`edit-other-user-active-status`): deactivates the active users
    /// with `role` whose last login is at least `days_idle` days old (as upstream, users who never
    /// logged in stay, and so does the caller) and ends their sessions. Returns how many.
    pub fn deactivate_idle(&self, actor: &User, days_idle: i64, role: &str) -> Result<usize> {
        let s = self.0;
        s.authz().require(actor, "edit-other-user-active-status", None)?;
        let now = Date::now();
        let cutoff = Date(now.0.saturating_sub(days_idle.saturating_mul(86_400_000)));
        let mut count = 0;
        for user in s.store.all_users()? {
            let idle = user.last_login.is_some_and(|last| last <= cutoff);
            if !user.active || !idle || user.id == actor.id || !user.roles.iter().any(|r| r == role) {
                continue;
            }
            let Some(user) = s.store.modify_user(&user.id, &mut |u| {
                u.active = false;
                u.updated_at = now;
            })?
            else {
                continue;
            };
            s.store.delete_user_tokens(&user.id)?;
            s.bus.publish(Event::UserUpdated { user: Arc::new(user), fields: vec!["active"] });
            count += 1;
        }
        Ok(count)
    }

    /// Tells a user their account was activated or deactivated, when
    /// `Accounts_Send_Email_When_Activating` / `_Deactivating` is on.
    fn mail_activation(&self, user: &User) -> Result<()> {
        let s = self.0;
        let (setting, what) = if user.active {
            ("Accounts_Send_Email_When_Activating", "activated")
        } else {
            ("Accounts_Send_Email_When_Deactivating", "deactivated")
        };
        let Some(email) = user.email() else { return Ok(()) };
        if !s.settings.bool(setting) {
            return Ok(());
        }
        let site = s.settings.string("Site_Name");
        let text = format!("Hello {},\n\nYour account on {site} was {what}.", user.display_name());
        s.mail().send(email, &format!("[{site}] Account {what}"), &text)
    }

    /// Makes the user's one-to-one direct messages read-only (deactivation) or writable again
    /// (activation, when the other member is active too), and archives the other members'
    /// subscriptions to them (upstream's `setDmReadOnlyByUserId` and `setArchivedByUsername`).
    fn set_directs_read_only(&self, user: &User, read_only: bool) -> Result<()> {
        let s = self.0;
        let now = Date::now();
        for room in s.store.rooms_of_user(&user.id, &[RoomType::Direct])? {
            if room.uids.len() != 2 {
                continue;
            }
            let Some(other) = room.uids.iter().find(|u| **u != user.id) else { continue };
            let other_active = s.store.user_by_id(other)?.is_some_and(|u| u.active);
            if (read_only || other_active)
                && room.ro != read_only
                && let Some(room) = s.store.modify_room(&room.id, &mut |r| {
                    r.ro = read_only;
                    r.extra.insert("reactWhenReadOnly".into(), Value::Bool(false));
                    r.updated_at = now;
                    Ok(())
                })?
            {
                s.emit_room(ChangeAction::Updated, &room);
            }
            if let Some(sub) = s.store.subscription(&room.id, other)?
                && sub.archived != read_only
                && let Some(sub) = s.store.modify_subscription(&room.id, other, &mut |sub| {
                    sub.archived = read_only;
                    sub.updated_at = now;
                    Ok(())
                })?
            {
                s.emit_subscription(ChangeAction::Updated, &sub);
            }
        }
        Ok(())
    }

    /// What becomes of the rooms (other than direct messages) the user is the last owner or the
    /// only member of, when they leave for good (upstream's `getSubscribedRoomsForUserWithDetails`).
    fn room_fates(&self, user: &User) -> Result<Vec<RoomFate>> {
        let s = self.0;
        let mut out = Vec::new();
        for sub in s.store.subscriptions_of_user(&user.id)? {
            if sub.t == RoomType::Direct {
                continue;
            }
            let Some(room) = s.store.room_by_id(&sub.rid)? else { continue };
            let mut fate = RoomFate { room, new_owner: None, remove: false };
            if sub.has_role("owner") {
                if s.store.subscriptions_with_role(&sub.rid, "owner")?.len() != 1 {
                    continue;
                }
                let mut members = s.store.subscriptions_of_room(&sub.rid)?;
                members.sort_by_key(|m| m.ts.0);
                for m in members.iter().filter(|m| m.u.id != user.id) {
                    if s.store.user_by_id(&m.u.id)?.is_some_and(|u| u.active) {
                        fate.new_owner = Some(m.u.id.clone());
                        break;
                    }
                }
                fate.remove = fate.new_owner.is_none();
            } else {
                fate.remove = s.store.subscriptions_of_room(&sub.rid)?.iter().all(|m| m.u.id == user.id);
            }
            if fate.remove || fate.new_owner.is_some() {
                out.push(fate);
            }
        }
        Ok(out)
    }

    /// Without `confirm`, refuses to leave rooms ownerless: `user-last-owner` with the names of
    /// the rooms that would change owner and those that would be deleted.
    fn confirm_fates(fates: &[RoomFate], confirm: bool) -> Result<()> {
        if fates.is_empty() || confirm {
            return Ok(());
        }
        let name = |r: &Room| r.fname.clone().or_else(|| r.name.clone()).unwrap_or_default();
        let removed: Vec<String> = fates.iter().filter(|f| f.remove).map(|f| name(&f.room)).collect();
        let changed: Vec<String> = fates.iter().filter(|f| f.new_owner.is_some()).map(|f| name(&f.room)).collect();
        Err(Kind::UserLastOwner
            .with_details(serde_json::json!({"shouldBeRemoved": removed, "shouldChangeOwner": changed})))
    }

    /// Gives each room the user is the last owner of to its oldest active member, and deletes
    /// the rooms nobody would be left in (a team's main room goes with its team).
    fn relinquish(&self, actor: &User, user: &User, fates: &[RoomFate]) -> Result<()> {
        let s = self.0;
        let now = Date::now();
        for fate in fates {
            let room = &fate.room;
            if let Some(owner) = &fate.new_owner {
                let sub = s.store.modify_subscription(&room.id, owner, &mut |sub| {
                    if !sub.has_role("owner") {
                        sub.roles.push("owner".into());
                    }
                    sub.updated_at = now;
                    Ok(())
                })?;
                let Some(sub) = sub else { continue };
                s.emit_subscription(ChangeAction::Updated, &sub);
                s.bus.publish(Event::UserRoleChanged {
                    action: "added",
                    role: "owner".into(),
                    user_id: owner.clone(),
                    username: sub.u.username.clone(),
                    scope: Some(room.id.clone()),
                });
                if room.team_main
                    && let Some(team_id) = &room.team_id
                    && let Some(mut member) = s.store.team_member(team_id, owner)?
                    && !member.roles.iter().any(|r| r == "owner")
                {
                    member.roles.push("owner".into());
                    member.updated_at = now;
                    s.store.put_team_member(&member)?;
                }
            } else if fate.remove {
                let team = match (&room.team_main, &room.team_id) {
                    (true, Some(team_id)) => s.store.team_by_id(team_id)?,
                    _ => None,
                };
                match team {
                    Some(team) => {
                        // Deleting a team takes `delete-team` in its main room; whoever can't,
                        // leaves the room to the admins instead of deleting it.
                        let by = if s.authz().can(actor, "delete-team", Some(&room.id))? { actor } else { user };
                        if let Err(e) = s.teams().delete(by, &team, &[]) {
                            tracing::warn!(team = %team.id, user = %user.id, "team of a departing last member kept: {e}");
                        }
                    }
                    None => s.rooms().erase_unchecked(actor, room)?,
                }
            }
        }
        Ok(())
    }

    /// `users.delete`: `actor` (with `delete-user`) deletes a user. `rocket.cat` stays.
    pub fn delete(&self, actor: &User, user_id: &str, confirm_relinquish: bool) -> Result<()> {
        if !self.0.authz().can(actor, "delete-user", None)? {
            return Err(super::authz::unauthorized());
        }
        let user = self.target(user_id)?;
        self.erase(actor, &user, confirm_relinquish)
    }

    /// `users.deleteOwnAccount`: the caller deletes their account after confirming their
    /// password (hex SHA-256 or plain; their username when they have no password), when
    /// `Accounts_AllowDeleteOwnAccount` is on.
    pub fn delete_own(&self, user: &User, password: &str, confirm_relinquish: bool) -> Result<()> {
        let s = self.0;
        if !s.settings.bool("Accounts_AllowDeleteOwnAccount") {
            return Err(Kind::NotAllowed.into());
        }
        let creds = s.store.credentials(&user.id)?;
        if let Some(hash) = creds.password {
            let digest = if password.len() == 64 && password.bytes().all(|b| b.is_ascii_hexdigit()) {
                password.to_ascii_lowercase()
            } else {
                ids::sha256_hex(password)
            };
            if !verify_password(&digest, &hash) {
                return Err(Kind::InvalidPassword.into());
            }
        } else if password.trim() != user.username {
            // Accounts without a password (OAuth, LDAP) confirm with their username.
            return Err(Kind::InvalidUsername.into());
        }
        self.erase(user, user, confirm_relinquish)
    }

    /// Removes an account (upstream's `deleteUser`): refuses `rocket.cat` and the last admin;
    /// settles the rooms the user is the last owner of (`user-last-owner` without
    /// `confirm_relinquish`); deletes or unlinks their messages (`Message_ErasureType`: `Delete`,
    /// `Unlink` to `rocket.cat`, or `Keep`) and their reactions; deletes their one-to-one direct
    /// messages and takes them out of group ones; removes them from every room; deletes the
    /// user with credentials and tokens; publishes `UserDeleted`.
    fn erase(&self, actor: &User, user: &User, confirm_relinquish: bool) -> Result<()> {
        let s = self.0;
        if user.id == "rocket.cat" {
            return Err(Kind::ActionNotAllowed.with_message("Deleting the rocket.cat user is not allowed"));
        }
        if self.last_active_admin(user)? {
            return Err(Kind::ActionNotAllowed.with_message("Leaving the app without admins is not allowed"));
        }
        let fates = self.room_fates(user)?;
        Self::confirm_fates(&fates, confirm_relinquish)?;
        self.relinquish(actor, user, &fates)?;
        match s.settings.string("Message_ErasureType").as_str() {
            "Keep" => {}
            "Unlink" => {
                let cat = s.store.user_by_username("rocket.cat")?;
                let to = cat.map(|c| c.as_ref_named()).unwrap_or(UserRef {
                    id: "rocket.cat".into(),
                    username: "rocket.cat".into(),
                    name: None,
                });
                s.store.unlink_messages_of_user(&user.id, &to)?;
            }
            _ => {
                let deleted = s.store.delete_messages_of_user(&user.id)?;
                let ids: Vec<String> = deleted.iter().map(|(_, id)| id.clone()).collect();
                s.files().remove_message_files(&ids)?;
                for (rid, id) in deleted {
                    s.bus.publish(Event::MessageDeleted { rid, message_id: id });
                }
            }
        }
        s.store.remove_reactions_of(&user.username)?;
        let directs = s.store.rooms_of_user(&user.id, &[RoomType::Direct])?;
        for room in &directs {
            if room.uids.len() <= 2 {
                s.rooms().erase_unchecked(actor, room)?;
            }
        }
        s.rooms().remove_from_all_rooms(user)?;
        for room in directs.iter().filter(|r| r.uids.len() > 2) {
            self.leave_group_direct(user, room)?;
        }
        s.store.delete_user(&user.id)?;
        s.bus.publish(Event::UserDeleted { user_id: user.id.clone(), username: user.username.clone() });
        Ok(())
    }

    /// Takes a deleted user out of a group direct message: out of its `uids` and `usernames`,
    /// and out of the other members' subscription names.
    fn leave_group_direct(&self, user: &User, room: &Room) -> Result<()> {
        let s = self.0;
        let mut members = s.store.users_by_ids(&room.uids)?;
        members.retain(|m| m.id != user.id);
        members.sort_by_key(|m| m.display_name().to_lowercase());
        let now = Date::now();
        s.change_room_and_subscriptions(
            &room.id,
            &mut |r| {
                r.uids.retain(|u| *u != user.id);
                r.usernames.retain(|u| *u != user.username);
                r.updated_at = now;
                Ok(())
            },
            &mut |sub| {
                let others: Vec<&User> = members.iter().filter(|m| m.id != sub.u.id).collect();
                if others.is_empty() {
                    return false;
                }
                sub.name = others.iter().map(|u| u.username.as_str()).collect::<Vec<_>>().join(", ");
                sub.fname = Some(others.iter().map(|u| u.display_name()).collect::<Vec<_>>().join(", "));
                sub.updated_at = now;
                true
            },
        )?;
        Ok(())
    }

    /// `users.createToken`: a session token for a user, when the server was started with
    /// `CREATE_TOKENS_FOR_USERS=true` or a `CREATE_TOKENS_FOR_USERS_SECRET` (which the caller must
    /// then give as `secret`). A token for someone else takes `user-generate-access-token`.
    /// Returns `(userId, token)`.
    pub fn create_token(&self, actor: &User, user_id: &str, secret: Option<&str>) -> Result<(String, String)> {
        let s = self.0;
        let refused = || Error::from(Kind::NotAuthorizedForbidden);
        if !s.config.create_tokens_for_users && s.config.create_tokens_secret.is_none() {
            return Err(refused());
        }
        if let Some(expected) = &s.config.create_tokens_secret
            && secret != Some(expected.as_str())
        {
            return Err(refused());
        }
        if user_id != actor.id {
            s.authz().require(actor, "user-generate-access-token", None)?;
        }
        let user = self.target(user_id)?;
        let session = s.accounts().issue_session(user)?;
        Ok((session.user.id, session.token))
    }

    /// Whether a username is free (valid, not blocked, not a user's or a team's name).
    pub fn username_available(&self, username: &str) -> Result<bool> {
        let valid = self.0.accounts().validate_username(username).is_ok();
        Ok(valid
            && self.0.store.user_by_username(username)?.is_none()
            && self.0.store.team_by_name(username)?.is_none())
    }

    /// `users.checkUsernameAvailability`: whether `user` could take `username`. Their own name
    /// is available to them; a blocked or malformed one is an error (`error-blocked-username`);
    /// with `Accounts_AllowUsernameChange` off the question is refused (`error-not-allowed`).
    pub fn check_username_availability(&self, user: &User, username: &str) -> Result<bool> {
        let s = self.0;
        if username.is_empty() {
            return Err(Kind::InvalidUsername.into());
        }
        if !s.settings.bool("Accounts_AllowUsernameChange") {
            return Err(Kind::NotAllowed.into());
        }
        if user.username == username {
            return Ok(true);
        }
        if s.accounts().validate_username(username).is_err() {
            let shown = username.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
            return Err(Kind::BlockedUsername.with_message(format!("{shown} is blocked and can't be used!")));
        }
        Ok(s.store.user_by_username(username)?.is_none() && s.store.team_by_name(username)?.is_none())
    }

    /// `users.getUsernameSuggestion`: a free username from the user's name, then their email,
    /// then `user-<n>`.
    pub fn username_suggestion(&self, user: &User) -> Result<String> {
        let slug = |text: &str| -> String {
            let mut out = String::new();
            for c in text.trim().to_lowercase().chars() {
                if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                    out.push(c);
                } else if c.is_whitespace() && !out.ends_with('.') {
                    out.push('.');
                }
            }
            out.trim_matches('.').to_string()
        };
        let mut candidates = Vec::new();
        if let Some(name) = &user.name {
            candidates.push(slug(name));
        }
        if let Some(email) = user.email() {
            candidates.push(slug(email.split('@').next().unwrap_or_default()));
        }
        for c in candidates.into_iter().filter(|c| !c.is_empty()) {
            if c == user.username || self.username_available(&c)? {
                return Ok(c);
            }
            for n in 1..100 {
                let numbered = format!("{c}-{n}");
                if self.username_available(&numbered)? {
                    return Ok(numbered);
                }
            }
        }
        loop {
            let candidate = format!("user-{}", ids::random_id().to_lowercase());
            if self.username_available(&candidate)? {
                return Ok(candidate);
            }
        }
    }

    /// `users.forgotPassword`: when the email belongs to a user, stores a reset token (hashed,
    /// valid for a day) and mails the reset link. Answers the same either way, so addresses
    /// can't be probed.
    pub fn forgot_password(&self, email: &str) -> Result<()> {
        let s = self.0;
        if !s.settings.bool("Accounts_PasswordReset") {
            return Err(Kind::NotAllowed.with_message("Password reset is not enabled"));
        }
        let Some(user) = s.store.user_by_email(email.trim())? else { return Ok(()) };
        let token = ids::random_token();
        let mut creds = s.store.credentials(&user.id)?;
        creds.reset_token = Some((ids::hash_token(&token), Date(Date::now().0 + 86_400_000)));
        s.store.set_credentials(&user.id, &creds)?;
        let link = format!("{}/reset-password/{token}", s.config.root_url.trim_end_matches('/'));
        let text = format!(
            "Hi {},\n\nSomeone asked to reset the password of your account. To choose a new one, open:\n\n{link}\n\nIf it wasn't you, ignore this email.",
            user.display_name()
        );
        s.mail().send(email.trim(), "Reset your password", &text)
    }

    /// `resetPassword(token, password)`: sets a new password with a reset token and ends the
    /// user's sessions. Returns the user.
    pub fn reset_password(&self, token: &str, password: &str) -> Result<User> {
        let s = self.0;
        let hashed = ids::hash_token(token);
        let invalid = || Error::from(Kind::InvalidToken);
        let user = s
            .store
            .all_users()?
            .into_iter()
            .find(|u| {
                s.store.credentials(&u.id).is_ok_and(|c| c.reset_token.as_ref().is_some_and(|(h, _)| *h == hashed))
            })
            .ok_or_else(invalid)?;
        let mut creds = s.store.credentials(&user.id)?;
        if creds.reset_token.as_ref().is_none_or(|(_, exp)| *exp < Date::now()) {
            return Err(invalid());
        }
        s.accounts().validate_password(password)?;
        creds.password = Some(hash_password(&ids::sha256_hex(password), s.config.bcrypt_cost)?);
        creds.reset_token = None;
        s.store.set_credentials(&user.id, &creds)?;
        s.store.delete_sessions_except(&user.id, None)?;
        Ok(user)
    }

    /// Self-service registration (`users.register`, `registerUser`): allowed by
    /// `Accounts_RegistrationForm` (`Public`, or `Secret URL` with the matching `secret_url`).
    /// Without a username one is suggested from the name and email. The first user becomes
    /// admin when none exists.
    pub fn register(&self, form: Registration) -> Result<User> {
        let s = self.0;
        let mode = s.settings.string("Accounts_RegistrationForm");
        let secret_ok = mode == "Secret URL"
            && form
                .secret_url
                .as_deref()
                .is_some_and(|u| u == s.settings.string("Accounts_RegistrationForm_SecretURL"));
        if mode == "Disabled" || (mode != "Public" && !secret_ok) {
            return Err(Kind::UserRegistrationDisabled.into());
        }
        let name = match form.name.filter(|n| !n.trim().is_empty()) {
            Some(n) => Some(n),
            None if s.settings.bool("Accounts_RequireNameForSignUp") => return Err(Kind::param_required("name")),
            None => None,
        };
        let username = match form.username.filter(|u| !u.trim().is_empty()) {
            Some(u) => u,
            None => {
                let probe = User {
                    name: name.clone(),
                    emails: vec![Email { address: form.email.clone(), verified: false }],
                    ..Default::default()
                };
                self.username_suggestion(&probe)?
            }
        };
        s.accounts().insert(super::accounts::NewUser {
            username,
            email: Some(form.email),
            name,
            password: Some(form.password),
            join_default_channels: true,
            ..Default::default()
        })
    }

    /// Ends every session of `user` but the caller's current one (`users.removeOtherTokens`).
    pub fn remove_other_tokens(&self, user: &User, keep: &LoginToken) -> Result<()> {
        self.0.store.delete_sessions_except(&user.id, Some(&keep.hashed_token))
    }
}

/// Finding users by what a request names, and showing them to a viewer.
impl Users<'_> {
    /// The user named by an id or, without one, a username (`getUserFromParams`). Both are
    /// trimmed and a username may start with `@`. Fails with `error-user-param-not-provided`
    /// when neither is given and `error-invalid-user` when nobody matches.
    pub fn find_by_id_or_username(&self, user_id: Option<&str>, username: Option<&str>) -> Result<User> {
        let user = match (user_id, username) {
            (Some(id), _) => self.by_id(id.trim())?,
            (None, Some(name)) => self.by_username(name.trim())?,
            (None, None) => {
                return Err(Kind::UserParamNotProvided.into());
            }
        };
        user.ok_or_else(|| {
            Kind::InvalidUser
                .with_message("The required \"userId\" or \"username\" param provided does not match any users")
        })
    }

    /// The users named by `ids`, then by `usernames` (`getUserListFromParams`), trimmed, a
    /// username possibly starting with `@`; a user named twice in a row is listed once. Fails
    /// with `error-invalid-user` when one of them does not exist.
    pub fn find_all(&self, ids: &[String], usernames: &[String]) -> Result<Vec<User>> {
        let invalid = || Error::from(Kind::InvalidUser);
        let mut out: Vec<User> = Vec::with_capacity(ids.len() + usernames.len());
        for id in ids {
            out.push(self.0.store.user_by_id(id.trim())?.ok_or_else(invalid)?);
        }
        for name in usernames {
            out.push(self.0.store.user_by_username(name.trim().trim_start_matches('@'))?.ok_or_else(invalid)?);
        }
        out.dedup_by(|a, b| a.id == b.id);
        Ok(out)
    }

    /// `user` as `viewer` may see them: emails and other private fields for themselves and
    /// holders of `view-full-other-user-info`.
    pub fn view_as(&self, viewer: &User, user: &User) -> Result<UserView> {
        let full = user.id == viewer.id || self.0.authz().can(viewer, "view-full-other-user-info", None)?;
        Ok(self.0.accounts().public_view(user, full))
    }
}
