use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::models::User;
use crate::time::Date;

/// A stored login token: a session (resume) token or a personal access token. Only the hash
/// of the token is stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoginToken {
    /// Base64 SHA-256 of the token (see [`crate::ids::hash_token`]).
    pub hashed_token: String,
    pub user_id: String,
    /// `session` or `personalAccessToken`.
    pub kind: String,
    pub created_at: Date,
    /// Sessions expire; personal access tokens don't.
    pub expires_at: Option<Date>,
    /// Name of a personal access token.
    pub name: Option<String>,
    /// Last characters of a personal access token, shown in lists.
    pub last_token_part: Option<String>,
    /// Whether a personal access token skips two-factor checks.
    pub bypass_two_factor: bool,
}

/// A user's secrets, kept apart from the user document so they can never leak with it.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct Credentials {
    /// bcrypt of the hex SHA-256 of the password.
    pub password: Option<String>,
    /// Base32 TOTP secret, once enrolment started.
    pub totp_secret: Option<String>,
    /// Whether TOTP is enabled (enrolment verified).
    pub totp_enabled: bool,
    /// Hashes of unused backup codes (hex SHA-256 of `<salt>:<code>`; of the bare code when
    /// there is no salt, as older versions stored them).
    pub totp_backup_codes: Vec<String>,
    /// The random salt of the current backup codes, new with each set.
    #[serde(default)]
    pub totp_backup_salt: Option<String>,
    /// Whether email codes are enabled as a second factor.
    pub email_2fa_enabled: bool,
    /// Pending email codes: (hash of the code, expiry).
    pub email_codes: Vec<(String, Date)>,
    /// A pending password-reset token hash and its expiry.
    pub reset_token: Option<(String, Date)>,
    /// Wrong email codes entered since the last one was sent.
    #[serde(default)]
    pub email_code_attempts: u32,
    /// Login tokens that passed a second-factor check recently, so the next protected actions
    /// from the same client skip it (`Accounts_TwoFactorAuthentication_RememberFor`).
    #[serde(default)]
    pub two_factor_remembered: Vec<RememberedToken>,
}

/// A login token trusted for second-factor checks until `until`, from one client (`fingerprint`
/// of its address and user agent).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RememberedToken {
    pub hashed_token: String,
    pub fingerprint: String,
    pub until: Date,
}

/// Users, their credentials and login tokens.
pub trait AccountStore {
    /// Inserts a user with its credentials. Fails with `error-field-unavailable` style errors
    /// when the username or email is taken (the caller checks first; this is the last guard).
    fn insert_user(&self, user: &User, credentials: &Credentials) -> Result<()>;
    /// Replaces a user document. Prefer [`AccountStore::modify_user`] for changes of a stored
    /// user that others may change at the same time.
    fn update_user(&self, user: &User) -> Result<()>;
    /// Applies `f` to the stored user inside one transaction and returns the new state (`None`
    /// when the user does not exist).
    fn modify_user(&self, id: &str, f: &mut dyn FnMut(&mut User)) -> Result<Option<User>>;
    /// Deletes a user, their credentials and tokens.
    fn delete_user(&self, id: &str) -> Result<()>;
    fn user_by_id(&self, id: &str) -> Result<Option<User>>;
    /// Case-insensitive.
    fn user_by_username(&self, username: &str) -> Result<Option<User>>;
    /// Case-insensitive.
    fn user_by_email(&self, email: &str) -> Result<Option<User>>;
    /// Users whose ids are listed (missing ids are skipped).
    fn users_by_ids(&self, ids: &[String]) -> Result<Vec<User>>;
    /// Every user, in creation order. Callers filter and page.
    fn all_users(&self) -> Result<Vec<User>>;
    /// Number of users holding a global role.
    fn count_users_with_role(&self, role: &str) -> Result<i64>;
    fn credentials(&self, user_id: &str) -> Result<Credentials>;
    fn set_credentials(&self, user_id: &str, credentials: &Credentials) -> Result<()>;
    fn insert_token(&self, token: &LoginToken) -> Result<()>;
    fn token(&self, hashed_token: &str) -> Result<Option<LoginToken>>;
    fn delete_token(&self, hashed_token: &str) -> Result<()>;
    /// Tokens of a user, optionally of one kind.
    fn user_tokens(&self, user_id: &str, kind: Option<&str>) -> Result<Vec<LoginToken>>;
    /// Deletes every token of a user: sessions and personal access tokens.
    fn delete_user_tokens(&self, user_id: &str) -> Result<()>;
    /// Deletes a user's session tokens except `keep`. Personal access tokens stay.
    fn delete_sessions_except(&self, user_id: &str, keep: Option<&str>) -> Result<()>;
    /// Carries a username change to the copies outside messages, in one transaction: the
    /// user's subscriptions (`u.username`), other members' direct-message subscriptions (`name`,
    /// and `fname` when the user has no display name (`named` false); group ones'
    /// comma-separated names), rooms (`u.username`, `lastMessage.u.username`, direct messages'
    /// `usernames`, `muted`). The messages' copies (`u.username`, `editedBy.username`,
    /// `mentions` with the `@name` in the text, reactions' `usernames`) are queued in the same
    /// transaction for [`AccountStore::rename_messages_step`].
    fn rename_user(&self, user_id: &str, old: &str, new: &str, named: bool) -> Result<()>;
    /// Carries a display-name change (`old` → `new`, each the name or else the username) to
    /// the copies: other members' direct-message subscriptions (`fname`), the user's
    /// subscriptions and rooms' last messages (`u.name`), in one transaction; the messages'
    /// `u.name` is queued for [`AccountStore::rename_messages_step`].
    fn rename_display_name(&self, user_id: &str, old: &str, new: &str) -> Result<()>;
    /// Carries the oldest queued rename one batch further into the messages: at most
    /// `max_rows` messages rewritten, in one short transaction, so other writers go between
    /// batches. Jobs run in the order they were queued and resume after a restart. Returns
    /// whether any job is left.
    fn rename_messages_step(&self, max_rows: usize) -> Result<bool>;
    /// Takes a (deleted) user's username out of every message's reactions, dropping reactions
    /// left without anyone.
    fn remove_reactions_of(&self, username: &str) -> Result<()>;
    /// Applies `f` to a user's credentials inside one transaction and returns the new state
    /// (read-modify-write without lost updates: a backup code is consumed once).
    fn modify_credentials(&self, user_id: &str, f: &mut dyn FnMut(&mut Credentials)) -> Result<Credentials>;
}
