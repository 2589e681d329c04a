//! Accounts: creating users, passwords, login tokens and who is calling.

use std::net::IpAddr;

use serde::Serialize;
use serde_json::{Map, Value, json};

use super::Services;
use super::field_limits::{MAX_USERNAME_CHARS, check_name};
use crate::bus::Event;
use crate::error::{Error, Kind, Result};
use crate::ids;
use crate::models::{Email, User};
use crate::store::{Credentials, LoginToken};
use crate::time::Date;

/// A user as others see them: the account without its settings and, unless the viewer may see
/// everything, without emails, custom fields and `requirePasswordChange`.
#[derive(Debug, Clone, Serialize)]
#[serde(transparent)]
pub struct UserView(User);

/// The caller's own user (`me`, login answers): the account with its email, preferences,
/// avatar URL and which sign-in factors it has.
#[derive(Debug, Clone, Serialize)]
pub struct MeView {
    #[serde(flatten)]
    user: User,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<String>,
    settings: UserSettings,
    #[serde(rename = "customFields")]
    custom_fields: Map<String, Value>,
    #[serde(rename = "avatarUrl")]
    avatar_url: String,
    /// Absent when the credentials could not be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    services: Option<SignInFactors>,
}

/// `{preferences}`: the user's preferences over the defaults.
#[derive(Debug, Clone, Serialize)]
pub struct UserSettings {
    pub preferences: Map<String, Value>,
}

/// Which sign-in factors an account has (clients show the 2FA state from it); never the
/// secrets themselves.
#[derive(Debug, Clone, Serialize)]
pub struct SignInFactors {
    pub password: FactorExists,
    pub totp: FactorEnabled,
    pub email2fa: FactorEnabled,
}

/// `{exists}`.
#[derive(Debug, Clone, Serialize)]
pub struct FactorExists {
    pub exists: bool,
}

/// `{enabled}`.
#[derive(Debug, Clone, Serialize)]
pub struct FactorEnabled {
    pub enabled: bool,
}

/// What is needed to create a user.
#[derive(Debug, Clone, Default)]
pub struct NewUser {
    pub username: String,
    pub email: Option<String>,
    pub name: Option<String>,
    /// Plain text; hashed here.
    pub password: Option<String>,
    pub roles: Vec<String>,
    pub active: Option<bool>,
    pub verified: bool,
    pub require_password_change: bool,
    pub join_default_channels: bool,
    pub custom_fields: Option<Map<String, Value>>,
    /// `user` or `bot`.
    pub kind: Option<String>,
}

/// A successful login.
#[derive(Debug, Clone)]
pub struct LoginResult {
    pub user: User,
    /// The plain token, returned once to the client.
    pub token: String,
    pub expires: Date,
}

/// A resolved caller: the user and the token they presented.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: User,
    pub token: LoginToken,
}

/// Accounts operations.
pub struct Accounts<'a>(pub &'a Services);

impl Services {
    /// Accounts operations.
    pub fn accounts(&self) -> Accounts<'_> {
        Accounts(self)
    }
}

/// bcrypt over the hex SHA-256 of the password, as Rocket.Chat stores passwords.
pub fn hash_password(sha256_hex: &str, cost: u32) -> Result<String> {
    bcrypt::hash(sha256_hex, cost).map_err(|e| Error::Internal(e.into()))
}

/// Checks a password digest (hex SHA-256) against a stored bcrypt hash. At most half the cores
/// (at least one) verify at once, so a flood of logins leaves the others to everyone else.
pub fn verify_password(sha256_hex: &str, hash: &str) -> bool {
    static HASHING: HashingSlots = HashingSlots::new();
    let _slot = HASHING.take();
    bcrypt::verify(sha256_hex, hash).unwrap_or(false)
}

/// A counting semaphore for the blocking threads that hash passwords.
struct HashingSlots {
    busy: parking_lot::Mutex<usize>,
    freed: parking_lot::Condvar,
}

/// A taken hashing slot, given back when dropped.
struct HashingSlot<'a>(&'a HashingSlots);

impl HashingSlots {
    const fn new() -> Self {
        HashingSlots { busy: parking_lot::const_mutex(0), freed: parking_lot::Condvar::new() }
    }

    fn take(&self) -> HashingSlot<'_> {
        // Read once: on Linux the answer comes from cgroup files.
        static SLOTS: std::sync::LazyLock<usize> =
            std::sync::LazyLock::new(|| std::thread::available_parallelism().map_or(1, |n| (n.get() / 2).max(1)));
        let mut busy = self.busy.lock();
        while *busy >= *SLOTS {
            self.freed.wait(&mut busy);
        }
        *busy += 1;
        HashingSlot(self)
    }
}

impl Drop for HashingSlot<'_> {
    fn drop(&mut self) {
        *self.0.busy.lock() -= 1;
        self.0.freed.notify_one();
    }
}

/// A password as clients send it: plain text or `{digest, algorithm: "sha-256"}`. Returns the
/// lower-case hex SHA-256.
pub fn password_digest(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(ids::sha256_hex(s)),
        Value::Object(o) => {
            let digest = o.get("digest")?.as_str()?;
            (digest.len() == 64 && digest.bytes().all(|b| b.is_ascii_hexdigit())).then(|| digest.to_ascii_lowercase())
        }
        _ => None,
    }
}

fn valid_email(email: &str) -> bool {
    let re = regex::Regex::new(r"^[^\s@]+@[^\s@]+\.[^\s@]+$|^[^\s@]+@localhost$").expect("valid regex");
    re.is_match(email)
}

impl Accounts<'_> {
    /// Checks a username against its length, `UTF8_User_Names_Validation` and reserved names.
    pub fn validate_username(&self, username: &str) -> Result<()> {
        if username.chars().count() > MAX_USERNAME_CHARS {
            // Not echoed back: the refusal stays small whatever was sent.
            return Err(
                Kind::InvalidUsername.with_message(format!("A username has at most {MAX_USERNAME_CHARS} characters"))
            );
        }
        let pattern = self.0.settings.string("UTF8_User_Names_Validation");
        let re = regex::Regex::new(&format!("^(?:{pattern})$"))
            .unwrap_or_else(|_| regex::Regex::new("^[0-9a-zA-Z-_.]+$").expect("valid regex"));
        if username.is_empty() || !re.is_match(username) || ["all", "here"].contains(&username) {
            return Err(Kind::InvalidUsername.with_message(format!("{username} is not a valid username")));
        }
        if self.username_blocked(username) {
            return Err(Kind::BlockedUsername.with_message(format!("{username} is blocked and can't be used!")));
        }
        Ok(())
    }

    /// Whether a username is reserved: `all`, `here` and the comma-separated
    /// `Accounts_BlockedUsernameList`, compared without case.
    pub fn username_blocked(&self, username: &str) -> bool {
        let list = self.0.settings.string("Accounts_BlockedUsernameList");
        let name = username.trim();
        ["all", "here"]
            .iter()
            .copied()
            .chain(list.split(','))
            .map(str::trim)
            .any(|b| !b.is_empty() && b.eq_ignore_ascii_case(name))
    }

    /// Checks a new password against the password policy settings.
    pub fn validate_password(&self, password: &str) -> Result<()> {
        let s = &self.0.settings;
        if password.is_empty() {
            return Err(Kind::PasswordPolicyNotMet.into());
        }
        if !s.bool("Accounts_Password_Policy_Enabled") {
            return Ok(());
        }
        let fail = |kind: Kind, msg: &str| Err(kind.with_message(msg));
        let len = password.chars().count() as i64;
        let min = s.int("Accounts_Password_Policy_MinLength", 7);
        let max = s.int("Accounts_Password_Policy_MaxLength", -1);
        if min > 0 && len < min {
            return fail(
                Kind::PasswordPolicyMinLength,
                "The password does not meet the minimum length password policy.",
            );
        }
        if max > 0 && len > max {
            return fail(
                Kind::PasswordPolicyMaxLength,
                "The password does not meet the maximum length password policy.",
            );
        }
        if s.bool("Accounts_Password_Policy_ForbidRepeatingCharacters") {
            let limit = s.int("Accounts_Password_Policy_ForbidRepeatingCharactersCount", 3).max(1) as usize;
            let chars: Vec<char> = password.chars().collect();
            if chars.windows(limit).any(|w| w.iter().all(|c| *c == w[0])) {
                return fail(
                    Kind::PasswordPolicyRepeatingCharacters,
                    "The password contains repeating characters which is against the password policy.",
                );
            }
        }
        type Rule = (&'static str, fn(char) -> bool, Kind);
        let checks: [Rule; 4] = [
            ("Accounts_Password_Policy_AtLeastOneLowercase", |c| c.is_lowercase(), Kind::PasswordPolicyOneLowercase),
            ("Accounts_Password_Policy_AtLeastOneUppercase", |c| c.is_uppercase(), Kind::PasswordPolicyOneUppercase),
            ("Accounts_Password_Policy_AtLeastOneNumber", |c| c.is_ascii_digit(), Kind::PasswordPolicyOneNumber),
            (
                "Accounts_Password_Policy_AtLeastOneSpecialCharacter",
                |c| !c.is_alphanumeric(),
                Kind::PasswordPolicyOneSpecial,
            ),
        ];
        for (setting, ok, kind) in checks {
            if s.bool(setting) && !password.chars().any(ok) {
                return fail(kind, "The password does not meet the password policy.");
            }
        }
        Ok(())
    }

    /// Fails when a username or email is already used by another user.
    pub fn ensure_available(&self, username: Option<&str>, email: Option<&str>, except: Option<&str>) -> Result<()> {
        if let Some(u) = username
            && let Some(other) = self.0.store.user_by_username(u)?
            && Some(other.id.as_str()) != except
        {
            return Err(Kind::FieldUnavailable.with_message(format!("{u} is already in use :(")));
        }
        // A team's name is taken too: mentions of both would collide.
        if let Some(u) = username
            && self.0.store.team_by_name(u)?.is_some()
        {
            return Err(Kind::FieldUnavailable.with_message(format!("{u} is already in use :(")));
        }
        if let Some(e) = email {
            if !valid_email(e) {
                return Err(Kind::InvalidEmail.with_message(format!("Invalid email {e}")));
            }
            if let Some(other) = self.0.store.user_by_email(e)?
                && Some(other.id.as_str()) != except
            {
                return Err(Kind::FieldUnavailable.with_message(format!("{e} is already in use :(")));
            }
        }
        Ok(())
    }

    /// Creates a user after validating the username, email and password. The first human user
    /// becomes admin when no admin exists. Publishes `UserUpdated`.
    pub fn insert(&self, new: NewUser) -> Result<User> {
        self.validate_username(&new.username)?;
        if let Some(name) = &new.name {
            check_name(name)?;
        }
        self.ensure_available(Some(&new.username), new.email.as_deref(), None)?;
        if let Some(p) = &new.password {
            self.validate_password(p)?;
        }
        let mut roles = if new.roles.is_empty() { vec!["user".to_string()] } else { new.roles.clone() };
        let kind = new
            .kind
            .clone()
            .unwrap_or_else(|| if roles.iter().any(|r| r == "bot") { "bot".into() } else { "user".into() });
        if kind == "user" && !roles.iter().any(|r| r == "admin") && self.0.store.count_users_with_role("admin")? == 0 {
            roles.push("admin".into());
        }
        let now = Date::now();
        let user = User {
            id: ids::random_id(),
            created_at: now,
            kind,
            username: new.username.clone(),
            emails: new.email.iter().map(|a| Email { address: a.to_lowercase(), verified: new.verified }).collect(),
            name: new.name.clone().or_else(|| Some(new.username.clone())),
            status: "offline".into(),
            status_connection: "offline".into(),
            active: new.active.unwrap_or(true),
            roles,
            require_password_change: new.require_password_change,
            custom_fields: new.custom_fields.clone(),
            settings: Some(json!({"preferences": {}})),
            updated_at: now,
            ..Default::default()
        };
        let credentials = Credentials {
            password: new
                .password
                .as_deref()
                .map(|p| hash_password(&ids::sha256_hex(p), self.0.config.bcrypt_cost))
                .transpose()?,
            email_2fa_enabled: false,
            ..Default::default()
        };
        self.0.store.insert_user(&user, &credentials)?;
        if new.join_default_channels {
            self.0.rooms().join_defaults(&user)?;
        }
        self.0.bus.publish(Event::UserUpdated { user: user.clone().into(), fields: vec![] });
        self.0.bus.publish(Event::UserCreated { user: user.clone().into() });
        Ok(user)
    }

    /// Finds a user by username or email (what login forms accept).
    pub fn find_by_username_or_email(&self, user: &str) -> Result<Option<User>> {
        if user.contains('@')
            && let Some(u) = self.0.store.user_by_email(user)?
        {
            return Ok(Some(u));
        }
        self.0.store.user_by_username(user)
    }

    /// Checks a password login from the client address `client` and returns the user. Does not
    /// issue a token. Blocked addresses and accounts are refused before any password is checked
    /// ([`crate::services::login_guard`]), and each failure counts towards a block.
    pub fn check_password(&self, user: &str, digest: &str, client: Option<IpAddr>) -> Result<User> {
        let fail = || Error::LoginFailed("Unauthorized".into());
        let guard = self.0.login_guard();
        guard.admit_address(client)?;
        let Some(user) = self.find_by_username_or_email(user)? else {
            guard.failed(client, None);
            return Err(fail());
        };
        guard.admit_account(&user)?;
        let hash = self.0.store.credentials(&user.id)?.password;
        if !hash.is_some_and(|hash| verify_password(digest, &hash)) {
            guard.failed(client, Some(&user));
            return Err(fail());
        }
        guard.succeeded(client, &user);
        if !user.active {
            return Err(Error::LoginFailed("User has no password set or is deactivated".into()));
        }
        Ok(user)
    }

    /// A password login (`login` over REST and DDP): checks the password of the user found by
    /// username or email ([`Accounts::check_password`]), then the second factor with `code`,
    /// then issues a session.
    pub fn login_with_password(
        &self,
        user: &str,
        digest: &str,
        code: Option<&str>,
        client: Option<IpAddr>,
    ) -> Result<LoginResult> {
        let user = self.check_password(user, digest, client)?;
        self.0.two_factor().check_login(&user, code)?;
        self.issue_session(user)
    }

    /// Issues a new session token for `user` and records the login time.
    pub fn issue_session(&self, mut user: User) -> Result<LoginResult> {
        let token = ids::random_token();
        let days = self.0.settings.int("Accounts_LoginExpiration", 90).max(1);
        let now = Date::now();
        let expires = Date(now.0 + days * 86_400_000);
        self.0.store.insert_token(&LoginToken {
            hashed_token: ids::hash_token(&token),
            user_id: user.id.clone(),
            kind: "session".into(),
            created_at: now,
            expires_at: Some(expires),
            name: None,
            last_token_part: None,
            bypass_two_factor: false,
        })?;
        // Only the login time changes: concurrent changes (presence) are kept.
        if let Some(fresh) = self.0.store.modify_user(&user.id, &mut |u| {
            u.last_login = Some(now);
            u.updated_at = now;
        })? {
            user = fresh;
        }
        Ok(LoginResult { user, token, expires })
    }

    /// Logs in with a resume token: the same token comes back with its expiry.
    pub fn resume(&self, token: &str) -> Result<LoginResult> {
        let fail = || Error::LoginFailed("You've been logged out by the server. Please log in again.".into());
        let stored = self.0.store.token(&ids::hash_token(token))?.ok_or_else(fail)?;
        if stored.expires_at.is_some_and(|e| e < Date::now()) {
            self.0.store.delete_token(&stored.hashed_token)?;
            return Err(fail());
        }
        let mut user = self.0.store.user_by_id(&stored.user_id)?.ok_or_else(fail)?;
        if !user.active {
            return Err(Error::LoginFailed("User is deactivated".into()));
        }
        let now = Date::now();
        if let Some(fresh) = self.0.store.modify_user(&user.id, &mut |u| u.last_login = Some(now))? {
            user = fresh;
        }
        let expires = stored.expires_at.unwrap_or(Date(i64::MAX / 2));
        Ok(LoginResult { user, token: token.to_string(), expires })
    }

    /// Resolves `X-User-Id` + `X-Auth-Token` (REST, file routes) to the caller, or fails with
    /// 401: [`Accounts::authenticate_hashed`] with the token's hash.
    pub fn authenticate(&self, user_id: &str, token: &str) -> Result<Caller> {
        self.authenticate_hashed(user_id, &ids::hash_token(token))
    }

    /// The one session check: the token must exist, belong to `user_id` and not have expired,
    /// and the user must exist and be active; otherwise `Error::Unauthenticated`. REST checks
    /// each request with it, and a realtime connection re-checks its login with it before every
    /// call and periodically, so a token deleted elsewhere or a deactivation ends that login.
    pub fn authenticate_hashed(&self, user_id: &str, hashed_token: &str) -> Result<Caller> {
        let stored = self.0.store.token(hashed_token)?.ok_or(Error::Unauthenticated)?;
        if stored.user_id != user_id || stored.expires_at.is_some_and(|e| e < Date::now()) {
            return Err(Error::Unauthenticated);
        }
        let user = self.0.store.user_by_id(user_id)?.ok_or(Error::Unauthenticated)?;
        if !user.active {
            return Err(Error::Unauthenticated);
        }
        Ok(Caller { user, token: stored })
    }

    /// The caller a login just made (`login`, `resetPassword` over DDP): the user and the stored
    /// token of `result`, or `LoginFailed` when the token is already gone.
    pub fn logged_in(&self, result: &LoginResult) -> Result<Caller> {
        let token =
            self.0.store.token(&ids::hash_token(&result.token))?.ok_or_else(|| {
                Error::LoginFailed("You've been logged out by the server. Please log in again.".into())
            })?;
        Ok(Caller { user: result.user.clone(), token })
    }

    /// Ends the session of the presented token.
    pub fn logout(&self, caller: &Caller) -> Result<()> {
        self.0.store.delete_token(&caller.token.hashed_token)?;
        self.0.push_tokens().forget_login(&caller.token.hashed_token)
    }

    /// The public view of a user, as `users.info` and `users.list` show it. Emails are included
    /// when `full` (the caller is the user or may see full user info).
    pub fn public_view(&self, user: &User, full: bool) -> UserView {
        let mut user = User { settings: None, ..user.clone() };
        if !full {
            user.emails.clear();
            user.custom_fields = None;
            user.require_password_change = false;
        }
        UserView(user)
    }

    /// The caller's own user, as `me` and login answers show it.
    pub fn me_view(&self, user: &User) -> MeView {
        MeView {
            email: user.email().map(String::from),
            settings: UserSettings { preferences: self.preferences(user) },
            custom_fields: user.custom_fields.clone().unwrap_or_default(),
            avatar_url: format!("{}/avatar/{}", self.0.config.root_url, user.username),
            services: self.0.store.credentials(&user.id).ok().map(|creds| SignInFactors {
                password: FactorExists { exists: creds.password.is_some() },
                totp: FactorEnabled { enabled: creds.totp_enabled },
                email2fa: FactorEnabled { enabled: creds.email_2fa_enabled },
            }),
            user: User { settings: None, custom_fields: None, ..user.clone() },
        }
    }

    /// The user's preferences over the `Accounts_Default_User_Preferences_*` defaults.
    pub fn preferences(&self, user: &User) -> Map<String, Value> {
        let mut prefs = Map::new();
        for doc in self.0.settings.all() {
            if let Some(key) = doc["_id"].as_str().and_then(|id| id.strip_prefix("Accounts_Default_User_Preferences_"))
            {
                prefs.insert(key.to_string(), doc["value"].clone());
            }
        }
        prefs.extend(user.preferences());
        prefs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests() {
        assert_eq!(password_digest(&json!("abc")).unwrap(), ids::sha256_hex("abc"));
        let d = ids::sha256_hex("abc");
        assert_eq!(password_digest(&json!({"digest": d.to_uppercase(), "algorithm": "sha-256"})).unwrap(), d);
        assert!(password_digest(&json!({"digest": "nothex"})).is_none());
        let h = hash_password(&d, 4).unwrap();
        assert!(verify_password(&d, &h));
        assert!(!verify_password(&ids::sha256_hex("abd"), &h));
    }
}
