//! Two-factor authentication: TOTP (authenticator apps, with one-time backup codes), email codes,
//! and the password fallback, as Rocket.Chat's `checkCodeForUser` decides.
//!
//! A protected action without a code fails with `totp-required`, a wrong code with
//! `totp-invalid` (`totp-max-attempts` once too many wrong email codes were tried). Both carry
//! `details: {method, codeGenerated, availableMethods, …}` so clients know what to ask for.
//! Email codes are generated (and mailed through the outbox) when that error is produced and no
//! code is pending.
//!
//! A check made for a logged-in client ([`Origin`]) can be skipped, as upstream's "remember me":
//! a personal access token created with `bypassTwoFactor`, an account registered less than
//! `Accounts_TwoFactorAuthentication_RememberFor` seconds ago, or a login token that passed a
//! check from the same client within that time.

use serde::Serialize;
use serde_json::{Value, json};
use totp_rs::{Algorithm, Secret, TOTP};

use super::Services;
use super::accounts::{Caller, verify_password};
use crate::error::{Error, Kind, Result};
use crate::ids;
use crate::models::User;
use crate::store::{Credentials, LoginToken, RememberedToken};
use crate::time::Date;

/// Backup codes are Meteor ids of 8 characters (`Random.id(8)`).
const BACKUP_ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTWXYZabcdefghijkmnopqrstuvwxyz";
/// Number of backup codes handed out at once.
const BACKUP_CODES: usize = 12;

/// Two-factor operations.
pub struct TwoFactor<'a>(pub &'a Services);

impl Services {
    /// Two-factor operations.
    pub fn two_factor(&self) -> TwoFactor<'_> {
        TwoFactor(self)
    }
}

/// How one protected action is checked (upstream's `twoFactorOptions`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Users without a second factor pass instead of being asked for their password.
    pub disable_password_fallback: bool,
    /// No "remember me": every call needs a code.
    pub disable_remember_me: bool,
    /// A second factor (or the password) is needed even when none is set up.
    pub require_second_factor: bool,
}

impl Options {
    /// Actions that must not be remembered (`users.2fa.disableEmail`).
    pub const NO_REMEMBER: Options =
        Options { disable_password_fallback: false, disable_remember_me: true, require_second_factor: false };
}

/// The client a protected action comes from: the login token it presented and a fingerprint of
/// its address and user agent (for "remember me").
#[derive(Debug, Clone, Copy)]
pub struct Origin<'a> {
    pub token: &'a LoginToken,
    pub fingerprint: Option<&'a str>,
}

/// A TOTP enrolment under way (`2fa:enable`): the new secret (base32) and its `otpauth://` URL.
#[derive(Debug, Clone, Serialize)]
pub struct TotpEnrolment {
    pub secret: String,
    pub url: String,
}

/// A fingerprint of a client: its address and user agent, hashed.
pub fn fingerprint(address: Option<&str>, user_agent: Option<&str>) -> String {
    ids::sha256_hex(&json!({"userAgent": user_agent, "clientAddress": address}).to_string())
}

/// A TOTP generator for a base32 secret: SHA-1, 6 digits, 30 s steps, `skew` steps either way.
pub fn totp_for(secret_b32: &str, skew: u8) -> Result<TOTP> {
    let bytes = Secret::Encoded(secret_b32.to_string()).to_bytes().map_err(|_| Kind::InvalidTotpSecret)?;
    Ok(TOTP::new_unchecked(Algorithm::SHA1, 6, skew, 30, bytes, None, String::new()))
}

/// The `otpauth://` URL an authenticator app scans.
fn otpauth_url(site: &str, username: &str, secret_b32: &str) -> String {
    let label: String = format!("{site}:{username}")
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'!' | b'~' | b'*' | b'\'' | b'(' | b')' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect();
    format!("otpauth://totp/{label}?secret={secret_b32}")
}

/// `invalid-totp`, as the TOTP enrolment methods fail.
fn invalid_totp() -> Error {
    Error::from(Kind::InvalidTotp)
}

/// The second factors, in upstream's order of preference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Method {
    Totp,
    Email,
    Password,
}

impl Method {
    fn name(self) -> &'static str {
        match self {
            Method::Totp => "totp",
            Method::Email => "email",
            Method::Password => "password",
        }
    }

    /// A method a client may ask for by name (`X-2fa-method`). The password is never chosen by
    /// name: it is only the fallback.
    fn named(name: &str) -> Option<Method> {
        match name {
            "totp" => Some(Method::Totp),
            "email" => Some(Method::Email),
            _ => None,
        }
    }
}

impl TwoFactor<'_> {
    fn setting(&self, id: &str) -> bool {
        self.0.settings.bool(id)
    }

    fn skew(&self) -> u8 {
        self.0.settings.int("Accounts_TwoFactorAuthentication_MaxDelta", 1).clamp(0, 10) as u8
    }

    fn totp_enabled(&self, creds: &Credentials) -> bool {
        self.setting("Accounts_TwoFactorAuthentication_By_TOTP_Enabled") && creds.totp_enabled
    }

    fn email_enabled(&self, user: &User, creds: &Credentials) -> bool {
        self.setting("Accounts_TwoFactorAuthentication_By_Email_Enabled")
            && creds.email_2fa_enabled
            && user.emails.iter().any(|e| e.verified)
    }

    fn enabled(&self, method: Method, user: &User, creds: &Credentials) -> bool {
        match method {
            Method::Totp => self.totp_enabled(creds),
            Method::Email => self.email_enabled(user, creds),
            Method::Password => creds.password.is_some(),
        }
    }

    /// The second factors a user has set up (`availableMethods`), whether or not two-factor
    /// authentication is on server-wide.
    fn available(&self, user: &User, creds: &Credentials) -> Vec<&'static str> {
        [Method::Totp, Method::Email].into_iter().filter(|m| self.enabled(*m, user, creds)).map(Method::name).collect()
    }

    /// The second factors a user must pass at login, in preference order (empty when
    /// two-factor authentication is off server-wide).
    pub fn methods(&self, user: &User) -> Result<Vec<&'static str>> {
        if !self.setting("Accounts_TwoFactorAuthentication_Enabled") {
            return Ok(vec![]);
        }
        Ok(self.available(user, &self.0.store.credentials(&user.id)?))
    }

    /// Login-time check: users with a second factor must send a valid `code` (of their first
    /// method). The password is not a fallback here.
    pub fn check_login(&self, user: &User, code: Option<&str>) -> Result<()> {
        let opts = Options { disable_password_fallback: true, ..Options::default() };
        self.check(user, code, None, opts, None)
    }

    /// Checks a code for a protected action without a client context (no "remember me").
    /// `method` is what the client says it used (`X-2fa-method`).
    pub fn check_action(&self, user: &User, code: Option<&str>, method: Option<&str>) -> Result<()> {
        self.check(user, code, method, Options::default(), None)
    }

    /// [`TwoFactor::check_action`] for a caller: a personal access token created with
    /// `bypassTwoFactor` skips the check.
    pub fn check_caller(&self, caller: &Caller, code: Option<&str>, method: Option<&str>) -> Result<()> {
        if caller.token.kind == super::tokens::PERSONAL && caller.token.bypass_two_factor {
            return Ok(());
        }
        self.check_action(&caller.user, code, method)
    }

    /// Checks a protected action of a logged-in client, "remember me" included (see the module
    /// documentation). A passed check is remembered for the client unless `opts` says not to.
    pub fn check_request(
        &self,
        caller: &Caller,
        code: Option<&str>,
        method: Option<&str>,
        fingerprint: Option<&str>,
        opts: Options,
    ) -> Result<()> {
        let origin = Origin { token: &caller.token, fingerprint };
        self.check(&caller.user, code, method, opts, Some(origin))
    }

    /// Upstream's `checkCodeForUser`.
    pub fn check(
        &self,
        user: &User,
        code: Option<&str>,
        method: Option<&str>,
        opts: Options,
        origin: Option<Origin<'_>>,
    ) -> Result<()> {
        if !self.setting("Accounts_TwoFactorAuthentication_Enabled") {
            return Ok(());
        }
        let creds = self.0.store.credentials(&user.id)?;
        if let Some(origin) = origin
            && self.remembered(user, &creds, origin, opts)
        {
            return Ok(());
        }
        let chosen = method
            .and_then(Method::named)
            .or_else(|| [Method::Totp, Method::Email].into_iter().find(|m| self.enabled(*m, user, &creds)));
        let selected = match chosen {
            Some(m) => m,
            None if opts.require_second_factor => Method::Password,
            None if !opts.disable_password_fallback
                && self.setting("Accounts_TwoFactorAuthentication_Enforce_Password_Fallback")
                && creds.password.is_some() =>
            {
                Method::Password
            }
            None => return Ok(()),
        };
        let mut details = self.prepare(selected, user, &creds)?;
        details["method"] = json!(selected.name());
        details["availableMethods"] = json!(self.available(user, &creds));
        let Some(code) = code.map(str::trim).filter(|c| !c.is_empty()) else {
            return Err(Kind::TotpRequired.with_details(details));
        };
        let valid = match selected {
            Method::Totp => self.totp_enabled(&creds) && self.verify_totp(user, code)?,
            Method::Email => self.email_enabled(user, &creds) && self.verify_email_code(user, code)?,
            Method::Password => {
                let digest = if code.len() == 64 && code.bytes().all(|b| b.is_ascii_hexdigit()) {
                    code.to_ascii_lowercase()
                } else {
                    ids::sha256_hex(code)
                };
                creds.password.as_deref().is_some_and(|hash| verify_password(&digest, hash))
            }
        };
        if !valid {
            if selected == Method::Email && self.max_attempts_reached(&self.0.store.credentials(&user.id)?) {
                return Err(Kind::TotpMaxAttempts.with_details(details));
            }
            return Err(Kind::TotpInvalid.with_details(details));
        }
        if let Some(origin) = origin
            && !opts.disable_remember_me
        {
            self.remember(user, origin)?;
        }
        Ok(())
    }

    /// Whether the client's token is trusted without a code (upstream's `isAuthorizedForToken`).
    fn remembered(&self, user: &User, creds: &Credentials, origin: Origin<'_>, opts: Options) -> bool {
        if opts.require_second_factor {
            return false;
        }
        if origin.token.kind == super::tokens::PERSONAL && origin.token.bypass_two_factor {
            return true;
        }
        if opts.disable_remember_me {
            return false;
        }
        let remember_ms = self.0.settings.int("Accounts_TwoFactorAuthentication_RememberFor", 1800) * 1000;
        if remember_ms <= 0 {
            return false;
        }
        let now = Date::now();
        if user.created_at.0 + remember_ms >= now.0 {
            return true;
        }
        let Some(fingerprint) = origin.fingerprint else { return false };
        creds
            .two_factor_remembered
            .iter()
            .any(|r| r.hashed_token == origin.token.hashed_token && r.fingerprint == fingerprint && r.until > now)
    }

    /// Trusts the client's token for `RememberFor` seconds after a passed check.
    fn remember(&self, user: &User, origin: Origin<'_>) -> Result<()> {
        let remember_ms = self.0.settings.int("Accounts_TwoFactorAuthentication_RememberFor", 1800) * 1000;
        let Some(fingerprint) = origin.fingerprint.filter(|_| remember_ms > 0) else { return Ok(()) };
        let now = Date::now();
        let entry = RememberedToken {
            hashed_token: origin.token.hashed_token.clone(),
            fingerprint: fingerprint.to_string(),
            until: Date(now.0 + remember_ms),
        };
        self.0.store.modify_credentials(&user.id, &mut |c| {
            c.two_factor_remembered.retain(|r| r.until > now && r.hashed_token != entry.hashed_token);
            c.two_factor_remembered.push(entry.clone());
        })?;
        Ok(())
    }

    /// What a method does before asking for a code (upstream's `processInvalidCode`): email
    /// mails a code unless one is pending. Returns the method's part of the error details.
    fn prepare(&self, method: Method, user: &User, creds: &Credentials) -> Result<Value> {
        if method != Method::Email {
            return Ok(json!({"codeGenerated": false}));
        }
        let now = Date::now();
        let email_or_username = if user.username.is_empty() {
            json!(user.emails.iter().find(|e| e.verified).map(|e| e.address.clone()))
        } else {
            json!(user.username)
        };
        let pending = creds.email_codes.iter().filter(|(_, exp)| *exp > now).map(|(_, exp)| *exp).max();
        if let Some(expires) = pending
            && !self.max_attempts_reached(creds)
        {
            return Ok(json!({"emailOrUsername": email_or_username, "codeGenerated": false, "codeExpires": expires}));
        }
        self.send_email_code(user)?;
        Ok(json!({"codeGenerated": true, "emailOrUsername": email_or_username}))
    }

    fn max_attempts_reached(&self, creds: &Credentials) -> bool {
        let max = self.0.settings.int("Accounts_TwoFactorAuthentication_Max_Invalid_Email_Code_Attempts", 5);
        max > 0 && i64::from(creds.email_code_attempts) >= max
    }

    /// How many unused backup codes the user has (`2fa:checkCodesRemaining`).
    pub fn backup_codes_remaining(&self, user: &User) -> Result<usize> {
        let creds = self.0.store.credentials(&user.id)?;
        if !creds.totp_enabled {
            return Err(invalid_totp());
        }
        Ok(creds.totp_backup_codes.len())
    }

    /// New backup codes after checking a current TOTP or backup code (`2fa:regenerateCodes`);
    /// `None` when the code is wrong.
    pub fn regenerate_backup_codes(&self, user: &User, code: &str) -> Result<Option<Vec<String>>> {
        if !self.0.store.credentials(&user.id)?.totp_enabled {
            return Err(invalid_totp());
        }
        if !self.verify_totp(user, code)? {
            return Ok(None);
        }
        let backup = BackupCodes::new();
        self.0.store.modify_credentials(&user.id, &mut |c| backup.store_in(c))?;
        Ok(Some(backup.codes))
    }

    /// Checks a TOTP code of the enabled secret, or consumes a backup code (8 characters; each
    /// works once, also under concurrent use).
    pub fn verify_totp(&self, user: &User, code: &str) -> Result<bool> {
        let code = code.trim();
        if code.chars().count() == 8 {
            let mut consumed = false;
            self.0.store.modify_credentials(&user.id, &mut |c| {
                consumed = false;
                let hashed = hash_backup_code(c.totp_backup_salt.as_deref(), code);
                if let Some(pos) = c.totp_backup_codes.iter().position(|h| *h == hashed) {
                    c.totp_backup_codes.remove(pos);
                    consumed = true;
                }
            })?;
            return Ok(consumed);
        }
        let creds = self.0.store.credentials(&user.id)?;
        let Some(secret) = creds.totp_secret.as_deref().and_then(|s| self.0.secrets.open(s)) else { return Ok(false) };
        Ok(totp_for(&secret, self.skew())?.check_current(code).unwrap_or(false))
    }

    /// Checks an email code (non-digits ignored, so `123-456` works). A right code is used up; a
    /// wrong one counts as an attempt.
    fn verify_email_code(&self, user: &User, code: &str) -> Result<bool> {
        let digits: String = code.chars().filter(char::is_ascii_digit).collect();
        let now = Date::now();
        let creds = self.0.store.credentials(&user.id)?;
        let valid = !digits.is_empty()
            && creds.email_codes.iter().any(|(hash, exp)| *exp > now && bcrypt::verify(&digits, hash).unwrap_or(false));
        self.0.store.modify_credentials(&user.id, &mut |c| {
            if valid {
                c.email_codes.clear();
                c.email_code_attempts = 0;
            } else {
                c.email_codes.retain(|(_, exp)| *exp > now);
                c.email_code_attempts = c.email_code_attempts.saturating_add(1);
            }
        })?;
        Ok(valid)
    }

    /// Generates a 6-digit email code (replacing any pending one), stores its bcrypt hash and
    /// mails it to the user's verified addresses. Returns whether any address got it.
    pub fn send_email_code(&self, user: &User) -> Result<bool> {
        let code = ids::random_from(b"0123456789", 6);
        let hash = bcrypt::hash(&code, self.0.config.bcrypt_cost)
            .map_err(|e| Error::Internal(anyhow::anyhow!("bcrypt failed: {e}")))?;
        let ttl = self.0.settings.int("Accounts_TwoFactorAuthentication_By_Email_Code_Expiration", 3600).max(1);
        let expires = Date(Date::now().0 + ttl * 1000);
        self.0.store.modify_credentials(&user.id, &mut |c| {
            c.email_codes = vec![(hash.clone(), expires)];
            c.email_code_attempts = 0;
        })?;
        let shown = format!("{}-{}", &code[..3], &code[3..]);
        let text = format!(
            "Here is your authentication code:\n\n{shown}\n\nDo not provide this code to anyone.\nIf you didn't try to login in your account please ignore this email."
        );
        let mut sent = false;
        for email in user.emails.iter().filter(|e| e.verified) {
            self.0.mail().send(&email.address, "Authentication code", &text)?;
            sent = true;
        }
        Ok(sent)
    }

    /// `users.2fa.sendEmailCode`: mails a fresh code to the user with this email address (when
    /// it contains `@`) or username. Does nothing for an unknown user, so the answer tells
    /// nobody who has an account.
    pub fn send_email_code_to(&self, email_or_username: &str) -> Result<()> {
        let who = email_or_username.trim();
        let store = &self.0.store;
        let user = if who.contains('@') { store.user_by_email(who)? } else { store.user_by_username(who)? };
        if let Some(user) = user {
            self.send_email_code(&user)?;
        }
        Ok(())
    }

    /// Starts TOTP enrolment (`2fa:enable`): a new secret, not active until confirmed with
    /// [`TwoFactor::verify_totp_enrolment`]; `{secret, url}`.
    pub fn enable_totp(&self, user: &User) -> Result<TotpEnrolment> {
        if user.username.is_empty() {
            return Err(Kind::InvalidUser.into());
        }
        let secret = Secret::generate_secret().to_encoded().to_string();
        let sealed = self.0.secrets.seal(&secret);
        let mut already = false;
        self.0.store.modify_credentials(&user.id, &mut |c| {
            already = c.totp_enabled;
            if !already {
                c.totp_secret = Some(sealed.clone());
                c.totp_backup_codes.clear();
            }
        })?;
        if already {
            return Err(Kind::TwoFactorAlreadyEnabled.into());
        }
        let site = self.0.settings.string("Site_Name");
        let site = if site.is_empty() { "Orbit".to_string() } else { site };
        let url = otpauth_url(&site, &user.username, &secret);
        Ok(TotpEnrolment { secret, url })
    }

    /// Finishes TOTP enrolment with a first code (`2fa:validateTempToken`): TOTP is on, other
    /// sessions but `keep` end, and 12 fresh backup codes are returned.
    pub fn verify_totp_enrolment(&self, user: &User, code: &str, keep: Option<&LoginToken>) -> Result<Vec<String>> {
        let creds = self.0.store.credentials(&user.id)?;
        let stored = match (&creds.totp_secret, creds.totp_enabled) {
            (Some(stored), false) => stored.clone(),
            _ => return Err(invalid_totp()),
        };
        let secret = self.0.secrets.open(&stored).ok_or_else(invalid_totp)?;
        if !totp_for(&secret, self.skew())?.check_current(code.trim()).unwrap_or(false) {
            return Err(invalid_totp());
        }
        let backup = BackupCodes::new();
        let mut raced = false;
        self.0.store.modify_credentials(&user.id, &mut |c| {
            raced = c.totp_enabled || c.totp_secret.as_deref() != Some(stored.as_str());
            if !raced {
                c.totp_enabled = true;
                backup.store_in(c);
            }
        })?;
        if raced {
            return Err(invalid_totp());
        }
        if let Some(keep) = keep {
            self.0.store.delete_sessions_except(&user.id, Some(&keep.hashed_token))?;
        }
        Ok(backup.codes)
    }

    /// Turns TOTP off after checking a current TOTP or backup code (`2fa:disable`). Returns
    /// whether it was turned off (`false`: not enabled, or a wrong code).
    pub fn disable_totp(&self, user: &User, code: &str) -> Result<bool> {
        if !self.0.store.credentials(&user.id)?.totp_enabled || !self.verify_totp(user, code)? {
            return Ok(false);
        }
        let mut changed = false;
        self.0.store.modify_credentials(&user.id, &mut |c| {
            changed = c.totp_enabled;
            c.totp_enabled = false;
            c.totp_secret = None;
            c.totp_backup_codes.clear();
        })?;
        Ok(changed)
    }

    /// Resets a user's TOTP (`users.resetTOTP`): enrolment, secret and backup codes are gone.
    /// When anything was reset, every login of the user ends, personal access tokens included.
    /// `other` names someone else (by `userId`, else `username`): that needs
    /// `edit-other-user-totp` and mails them a notice. Returns whether there was anything to
    /// reset.
    pub fn reset_totp(&self, actor: &User, other: Option<(Option<&str>, Option<&str>)>) -> Result<bool> {
        let target = match other {
            None => actor.clone(),
            Some((user_id, username)) => {
                if !self.0.authz().can(actor, "edit-other-user-totp", None)? {
                    return Err(Kind::NotAllowed.into());
                }
                if !self.setting("Accounts_TwoFactorAuthentication_Enabled") {
                    return Err(Kind::TwoFactorNotEnabled.into());
                }
                let found = match (user_id, username) {
                    (Some(id), _) => self.0.store.user_by_id(id)?,
                    (None, Some(name)) => self.0.store.user_by_username(name)?,
                    (None, None) => None,
                };
                let target = found.ok_or(Kind::InvalidUserId)?;
                let text = "Your TOTP has been reset.\n\nYou must configure a new authenticator key before you can use two-factor authentication with TOTP again.";
                for email in target.emails.iter().filter(|e| e.verified) {
                    self.0.mail().send(&email.address, "TOTP reset", text)?;
                }
                target
            }
        };
        let target = &target;
        let mut reset = false;
        self.0.store.modify_credentials(&target.id, &mut |c| {
            reset = c.totp_enabled || c.totp_secret.is_some() || !c.totp_backup_codes.is_empty();
            c.totp_enabled = false;
            c.totp_secret = None;
            c.totp_backup_codes.clear();
        })?;
        if reset {
            self.0.store.delete_user_tokens(&target.id)?;
        }
        Ok(reset)
    }

    /// Turns email codes on (`users.2fa.enableEmail`): the user's addresses must be verified.
    /// Other sessions but `keep` end.
    pub fn enable_email(&self, user: &User, keep: Option<&LoginToken>) -> Result<()> {
        if user.emails.iter().any(|e| !e.verified) {
            return Err(Kind::InvalidUser.with_message("You need to verify your emails before setting up 2FA"));
        }
        self.set_email_enabled(user, true)?;
        if let Some(keep) = keep {
            self.0.store.delete_sessions_except(&user.id, Some(&keep.hashed_token))?;
        }
        Ok(())
    }

    /// Turns email codes on or off.
    pub fn set_email_enabled(&self, user: &User, enabled: bool) -> Result<()> {
        self.0.store.modify_credentials(&user.id, &mut |c| c.email_2fa_enabled = enabled)?;
        Ok(())
    }
}

/// A fresh set of backup codes: the codes shown once, a new random salt, and the salted
/// hashes that are stored.
struct BackupCodes {
    codes: Vec<String>,
    salt: String,
    hashed: Vec<String>,
}

impl BackupCodes {
    /// Twelve codes of 8 characters.
    fn new() -> Self {
        let codes: Vec<String> = (0..BACKUP_CODES).map(|_| ids::random_from(BACKUP_ALPHABET, 8)).collect();
        let salt = ids::random_id();
        let hashed = codes.iter().map(|c| hash_backup_code(Some(&salt), c)).collect();
        BackupCodes { codes, salt, hashed }
    }

    /// Replaces the stored backup codes with these.
    fn store_in(&self, c: &mut crate::store::Credentials) {
        c.totp_backup_codes = self.hashed.clone();
        c.totp_backup_salt = Some(self.salt.clone());
    }
}

/// The stored form of a backup code: hex SHA-256 of `<salt>:<code>`, or of the bare code for
/// codes stored before salts.
fn hash_backup_code(salt: Option<&str>, code: &str) -> String {
    match salt {
        Some(salt) => ids::sha256_hex(&format!("{salt}:{code}")),
        None => ids::sha256_hex(code),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn otpauth_label_is_escaped() {
        assert_eq!(otpauth_url("My Chat", "bob", "ABC"), "otpauth://totp/My%20Chat%3Abob?secret=ABC");
    }

    #[test]
    fn totp_codes_round_trip_with_skew() {
        let secret = Secret::generate_secret().to_encoded().to_string();
        let t = totp_for(&secret, 1).unwrap();
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
        assert!(t.check(&t.generate(now - 30), now));
        assert!(!totp_for(&secret, 0).unwrap().check(&t.generate(now - 60), now));
        assert!(totp_for("not base32!", 1).is_err());
    }

    #[test]
    fn backup_codes_are_meteor_ids_hashed_with_a_salt_of_their_own() {
        let (a, b) = (BackupCodes::new(), BackupCodes::new());
        assert_eq!(a.codes.len(), 12);
        assert!(a.codes.iter().all(|c| c.len() == 8 && c.bytes().all(|b| BACKUP_ALPHABET.contains(&b))));
        assert_ne!(a.salt, b.salt);
        assert_eq!(a.hashed[0], ids::sha256_hex(&format!("{}:{}", a.salt, a.codes[0])));
        assert_ne!(hash_backup_code(Some(&a.salt), "ABCDEFGH"), hash_backup_code(Some(&b.salt), "ABCDEFGH"));
    }

    /// Services on a fresh database in a temporary directory (removed on drop).
    struct TempServices(std::sync::Arc<Services>, std::path::PathBuf);

    impl Drop for TempServices {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.1);
        }
    }

    fn services() -> TempServices {
        let dir = std::env::temp_dir().join(format!("orbit-2fa-{}", ids::random_id()));
        let config = crate::config::Config::from_vars([
            ("ORBIT_DATA_DIR".to_string(), dir.display().to_string()),
            ("ORBIT_BCRYPT_COST".into(), "4".into()),
        ]);
        TempServices(crate::server::open(config).unwrap(), dir)
    }

    /// A user registered an hour ago (outside the fresh-account window) and one session.
    fn old_user(s: &Services, name: &str) -> Caller {
        let user = s
            .accounts()
            .insert(super::super::accounts::NewUser {
                username: name.into(),
                email: Some(format!("{name}@example.com")),
                password: Some("Passw0rd!x".into()),
                verified: true,
                ..Default::default()
            })
            .unwrap();
        let user = s.store.modify_user(&user.id, &mut |u| u.created_at = Date(Date::now().0 - 3_600_000)).unwrap();
        let login = s.accounts().issue_session(user.unwrap()).unwrap();
        let token = s.store.token(&ids::hash_token(&login.token)).unwrap().unwrap();
        Caller { user: login.user, token }
    }

    fn error_id(r: Result<()>) -> String {
        r.err().map(|e| e.id().to_string()).unwrap_or_default()
    }

    #[test]
    fn a_passed_check_is_remembered_for_the_same_token_and_client() {
        let t = services();
        let s = &*t.0;
        let bob = old_user(s, "bob");
        let tf = s.two_factor();
        let pass = ids::sha256_hex("Passw0rd!x");
        let here = fingerprint(Some("10.0.0.1"), Some("cli"));
        let elsewhere = fingerprint(Some("10.0.0.2"), Some("cli"));
        let none = Options::default();
        // An old account is not trusted: the password is asked for.
        assert_eq!(error_id(tf.check_request(&bob, None, None, Some(&here), none)), "totp-required");
        tf.check_request(&bob, Some(&pass), Some("password"), Some(&here), none).unwrap();
        // Remembered for this token and client only.
        tf.check_request(&bob, None, None, Some(&here), none).unwrap();
        assert_eq!(error_id(tf.check_request(&bob, None, None, Some(&elsewhere), none)), "totp-required");
        assert_eq!(error_id(tf.check_request(&bob, None, None, None, none)), "totp-required");
        let other_session = {
            let login = s.accounts().issue_session(bob.user.clone()).unwrap();
            Caller { user: bob.user.clone(), token: s.store.token(&ids::hash_token(&login.token)).unwrap().unwrap() }
        };
        assert_eq!(error_id(tf.check_request(&other_session, None, None, Some(&here), none)), "totp-required");
        // Never for actions that disable it, nor when the setting is 0.
        assert_eq!(error_id(tf.check_request(&bob, None, None, Some(&here), Options::NO_REMEMBER)), "totp-required");
        let forced = Options { require_second_factor: true, ..none };
        assert_eq!(error_id(tf.check_request(&bob, None, None, Some(&here), forced)), "totp-required");
        s.settings.put(json!({"_id": "Accounts_TwoFactorAuthentication_RememberFor", "value": 0}));
        assert_eq!(error_id(tf.check_request(&bob, None, None, Some(&here), none)), "totp-required");
    }

    #[test]
    fn fresh_accounts_are_trusted_and_logins_never_remembered() {
        let t = services();
        let s = &*t.0;
        let bob = old_user(s, "bob");
        let fresh = s.store.modify_user(&bob.user.id, &mut |u| u.created_at = Date::now()).unwrap().unwrap();
        let fresh = Caller { user: fresh, token: bob.token.clone() };
        let here = fingerprint(None, None);
        s.two_factor().check_request(&fresh, None, None, Some(&here), Options::default()).unwrap();
        // Without a client context (no "remember me") the password is still asked for.
        assert_eq!(error_id(s.two_factor().check_action(&fresh.user, None, None)), "totp-required");
        // Login has no password fallback.
        s.two_factor().check_login(&bob.user, None).unwrap();
    }

    #[test]
    fn backup_codes_are_consumed_once_under_concurrency() {
        let t = services();
        let s = t.0.clone();
        let bob = old_user(&s, "bob");
        let backup = BackupCodes::new();
        let codes = backup.codes.clone();
        s.store
            .modify_credentials(&bob.user.id, &mut |c| {
                c.totp_enabled = true;
                c.totp_secret = Some(s.secrets.seal(&Secret::generate_secret().to_encoded().to_string()));
                backup.store_in(c);
            })
            .unwrap();
        let wins: usize = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..8)
                .map(|_| scope.spawn(|| s.two_factor().verify_totp(&bob.user, &codes[0]).unwrap() as usize))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).sum()
        });
        assert_eq!(wins, 1);
        assert_eq!(s.two_factor().backup_codes_remaining(&bob.user).unwrap(), 11);
    }

    #[test]
    fn fingerprints_differ_by_client() {
        assert_ne!(fingerprint(Some("1.2.3.4"), Some("a")), fingerprint(Some("1.2.3.4"), Some("b")));
        assert_eq!(fingerprint(None, Some("a")), fingerprint(None, Some("a")));
    }
}
