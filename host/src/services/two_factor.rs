//! Two-factor authentication: TOTP (authenticator apps), email codes, and the password fallback.
//!
//! A protected action without a valid code fails with `totp-required` and `details` naming the
//! method to use; a wrong code fails with `totp-invalid`. Email codes are generated when that
//! error is produced and mailed through the outbox.

use serde_json::{Value, json};
use totp_rs::{Algorithm, Secret, TOTP};

use super::Services;
use super::accounts::Caller;
use crate::error::{Error, Result};
use crate::ids;
use crate::models::User;
use crate::time::Date;

/// Two-factor operations.
pub struct TwoFactor<'a>(pub &'a Services);

impl Services {
    /// Two-factor operations.
    pub fn two_factor(&self) -> TwoFactor<'_> {
        TwoFactor(self)
    }
}

/// A TOTP generator for a base32 secret: SHA-1, 6 digits, 30 s, one step of clock skew.
pub fn totp_for(secret_b32: &str, account: &str) -> Result<TOTP> {
    let bytes = Secret::Encoded(secret_b32.to_string())
        .to_bytes()
        .map_err(|_| Error::bad("error-invalid-totp-secret", "Invalid TOTP secret"))?;
    Ok(TOTP::new_unchecked(Algorithm::SHA1, 6, 1, 30, bytes, Some("Orbit".into()), account.to_string()))
}

fn required(method: &str, available: &[&str], code_generated: bool) -> Error {
    let mut details = json!({"method": method, "codeGenerated": code_generated, "availableMethods": available});
    if method == "email" {
        details["codeCount"] = json!(1);
    }
    Error::bad("totp-required", "TOTP Required").with_details(details)
}

fn invalid(method: &str) -> Error {
    Error::bad("totp-invalid", "TOTP Invalid").with_details(json!({"method": method}))
}

impl TwoFactor<'_> {
    /// The second factors a user has enabled, in preference order.
    pub fn methods(&self, user: &User) -> Result<Vec<&'static str>> {
        if !self.0.settings.bool("Accounts_TwoFactorAuthentication_Enabled") {
            return Ok(vec![]);
        }
        let creds = self.0.store.credentials(&user.id)?;
        let mut out = vec![];
        if creds.totp_enabled && self.0.settings.bool("Accounts_TwoFactorAuthentication_By_TOTP_Enabled") {
            out.push("totp");
        }
        if creds.email_2fa_enabled
            && self.0.settings.bool("Accounts_TwoFactorAuthentication_By_Email_Enabled")
            && user.emails.iter().any(|e| e.verified)
        {
            out.push("email");
        }
        Ok(out)
    }

    /// Login-time check: users with a second factor must send a valid `code`.
    pub fn check_login(&self, user: &User, code: Option<&str>) -> Result<()> {
        let methods = self.methods(user)?;
        if methods.is_empty() {
            return Ok(());
        }
        self.verify(user, &methods, code, None)
    }

    /// Checks a code for a protected action. `method` is what the client says it used
    /// (`X-2fa-method`); `password` is allowed as a fallback when the user has no second factor
    /// and the fallback setting is on.
    pub fn check_action(&self, user: &User, code: Option<&str>, method: Option<&str>) -> Result<()> {
        let methods = self.methods(user)?;
        if methods.is_empty() {
            if !self.0.settings.bool("Accounts_TwoFactorAuthentication_Enforce_Password_Fallback") {
                return Ok(());
            }
            let creds = self.0.store.credentials(&user.id)?;
            let Some(hash) = creds.password else { return Ok(()) };
            let Some(code) = code.filter(|c| !c.is_empty()) else {
                return Err(required("password", &[], false));
            };
            let digest = if code.len() == 64 { code.to_ascii_lowercase() } else { ids::sha256_hex(code) };
            return if super::accounts::verify_password(&digest, &hash) { Ok(()) } else { Err(invalid("password")) };
        }
        self.verify(user, &methods, code, method)
    }

    /// [`TwoFactor::check_action`] for a REST or DDP caller: a personal access token created
    /// with `bypassTwoFactor` skips the check.
    pub fn check_caller(&self, caller: &Caller, code: Option<&str>, method: Option<&str>) -> Result<()> {
        if caller.token.kind == super::tokens::PERSONAL && caller.token.bypass_two_factor {
            return Ok(());
        }
        self.check_action(&caller.user, code, method)
    }

    /// How many unused backup codes the user has (`2fa:checkCodesRemaining`).
    pub fn backup_codes_remaining(&self, user: &User) -> Result<usize> {
        let creds = self.0.store.credentials(&user.id)?;
        if !creds.totp_enabled {
            return Err(Error::bad("invalid-totp", "TOTP is not enabled"));
        }
        Ok(creds.totp_backup_codes.len())
    }

    /// New backup codes after checking a current TOTP code (`2fa:regenerateCodes`).
    pub fn regenerate_backup_codes(&self, user: &User, code: &str) -> Result<Vec<String>> {
        let creds = self.0.store.credentials(&user.id)?;
        if !creds.totp_enabled {
            return Err(Error::bad("invalid-totp", "TOTP is not enabled"));
        }
        if !self.verify_totp(user, code)? {
            return Err(invalid("totp"));
        }
        let codes: Vec<String> = (0..12).map(|_| ids::random_from(b"0123456789abcdef", 8)).collect();
        let mut creds = self.0.store.credentials(&user.id)?;
        creds.totp_backup_codes = codes.iter().map(|c| ids::sha256_hex(c)).collect();
        self.0.store.set_credentials(&user.id, &creds)?;
        Ok(codes)
    }

    fn verify(&self, user: &User, methods: &[&'static str], code: Option<&str>, method: Option<&str>) -> Result<()> {
        let method = method.filter(|m| methods.contains(m)).unwrap_or(methods[0]);
        let Some(code) = code.map(str::trim).filter(|c| !c.is_empty()) else {
            let generated = method == "email" && self.send_email_code(user)?;
            return Err(required(method, methods, generated));
        };
        let ok = match method {
            "totp" => self.verify_totp(user, code)?,
            "email" => self.verify_email_code(user, code)?,
            _ => false,
        };
        if ok { Ok(()) } else { Err(invalid(method)) }
    }

    /// Checks a TOTP code or consumes a backup code.
    pub fn verify_totp(&self, user: &User, code: &str) -> Result<bool> {
        let mut creds = self.0.store.credentials(&user.id)?;
        let Some(secret) = creds.totp_secret.clone() else { return Ok(false) };
        if totp_for(&secret, &user.username)?.check_current(code).unwrap_or(false) {
            return Ok(true);
        }
        let hashed = ids::sha256_hex(code);
        if let Some(pos) = creds.totp_backup_codes.iter().position(|c| *c == hashed) {
            creds.totp_backup_codes.remove(pos);
            self.0.store.set_credentials(&user.id, &creds)?;
            return Ok(true);
        }
        Ok(false)
    }

    fn verify_email_code(&self, user: &User, code: &str) -> Result<bool> {
        let mut creds = self.0.store.credentials(&user.id)?;
        let now = Date::now();
        let hashed = ids::sha256_hex(code);
        let valid = creds.email_codes.iter().any(|(h, exp)| *h == hashed && *exp > now);
        creds.email_codes.retain(|(h, exp)| *exp > now && *h != hashed);
        self.0.store.set_credentials(&user.id, &creds)?;
        Ok(valid)
    }

    /// Generates a 6-digit email code, stores its hash and queues the mail. Returns whether a
    /// code was sent (the user needs an email address).
    pub fn send_email_code(&self, user: &User) -> Result<bool> {
        let Some(email) = user.email() else { return Ok(false) };
        let code = ids::random_from(b"0123456789", 6);
        let ttl = self.0.settings.int("Accounts_TwoFactorAuthentication_By_Email_Code_Expiration", 3600);
        let mut creds = self.0.store.credentials(&user.id)?;
        creds.email_codes.push((ids::sha256_hex(&code), Date(Date::now().0 + ttl * 1000)));
        self.0.store.set_credentials(&user.id, &creds)?;
        self.0.mail().send(email, "Your login code", &format!("Here is your authentication code: {code}"))?;
        Ok(true)
    }

    /// Starts TOTP enrolment: a new secret and its `otpauth://` URL.
    pub fn enable_totp(&self, user: &User) -> Result<Value> {
        let secret = Secret::generate_secret().to_encoded().to_string();
        let mut creds = self.0.store.credentials(&user.id)?;
        creds.totp_secret = Some(secret.clone());
        creds.totp_enabled = false;
        self.0.store.set_credentials(&user.id, &creds)?;
        let url = totp_for(&secret, &user.username)?.get_url();
        Ok(json!({"secret": secret, "url": url}))
    }

    /// Finishes TOTP enrolment with a first code; returns fresh backup codes.
    pub fn verify_totp_enrolment(&self, user: &User, code: &str) -> Result<Vec<String>> {
        let mut creds = self.0.store.credentials(&user.id)?;
        let Some(secret) = creds.totp_secret.clone() else {
            return Err(Error::bad("error-totp-not-started", "TOTP enrolment was not started"));
        };
        if !totp_for(&secret, &user.username)?.check_current(code).unwrap_or(false) {
            return Err(invalid("totp"));
        }
        let codes: Vec<String> = (0..12).map(|_| ids::random_from(b"0123456789abcdef", 8)).collect();
        creds.totp_enabled = true;
        creds.totp_backup_codes = codes.iter().map(|c| ids::sha256_hex(c)).collect();
        self.0.store.set_credentials(&user.id, &creds)?;
        Ok(codes)
    }

    /// Turns TOTP off after checking a current code.
    pub fn disable_totp(&self, user: &User, code: &str) -> Result<()> {
        if !self.verify_totp(user, code)? {
            return Err(invalid("totp"));
        }
        let mut creds = self.0.store.credentials(&user.id)?;
        creds.totp_enabled = false;
        creds.totp_secret = None;
        creds.totp_backup_codes.clear();
        self.0.store.set_credentials(&user.id, &creds)
    }

    /// Turns email codes on or off.
    pub fn set_email_enabled(&self, user: &User, enabled: bool) -> Result<()> {
        let mut creds = self.0.store.credentials(&user.id)?;
        creds.email_2fa_enabled = enabled;
        self.0.store.set_credentials(&user.id, &creds)
    }
}
