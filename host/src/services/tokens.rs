//! Personal access tokens: long-lived tokens a user creates for scripts and integrations. Only
//! their hash is stored; the token itself is shown once.

use super::Services;
use crate::error::{Error, Result};
use crate::ids;
use crate::models::User;
use crate::store::LoginToken;
use crate::time::Date;

/// The token kind of personal access tokens.
pub const PERSONAL: &str = "personalAccessToken";

/// Personal access token operations.
pub struct Tokens<'a>(pub &'a Services);

impl Services {
    /// Personal access token operations.
    pub fn tokens(&self) -> Tokens<'_> {
        Tokens(self)
    }
}

fn not_authorized() -> Error {
    Error::forbidden("not-authorized", "Not Authorized")
}

impl Tokens<'_> {
    fn require(&self, user: &User) -> Result<()> {
        if self.0.authz().can(user, "create-personal-access-tokens", None)? { Ok(()) } else { Err(not_authorized()) }
    }

    fn find(&self, user: &User, name: &str) -> Result<Option<LoginToken>> {
        Ok(self.0.store.user_tokens(&user.id, Some(PERSONAL))?.into_iter().find(|t| t.name.as_deref() == Some(name)))
    }

    /// Creates a token named `name`; returns the token (shown once).
    pub fn generate(&self, user: &User, name: &str, bypass_two_factor: bool) -> Result<String> {
        self.require(user)?;
        let name = name.trim();
        if name.is_empty() {
            return Err(Error::param_required("tokenName"));
        }
        if self.find(user, name)?.is_some() {
            return Err(Error::bad("error-token-already-exists", "A token with this name already exists"));
        }
        let token = ids::random_token();
        self.0.store.insert_token(&LoginToken {
            hashed_token: ids::hash_token(&token),
            user_id: user.id.clone(),
            kind: PERSONAL.into(),
            created_at: Date::now(),
            expires_at: None,
            name: Some(name.to_string()),
            last_token_part: Some(token[token.len() - 6..].to_string()),
            bypass_two_factor,
        })?;
        Ok(token)
    }

    /// Replaces the token named `name` with a new one (same name and two-factor bypass).
    pub fn regenerate(&self, user: &User, name: &str) -> Result<String> {
        self.require(user)?;
        let old = self
            .find(user, name.trim())?
            .ok_or_else(|| Error::bad("error-token-does-not-exists", "Token does not exist"))?;
        self.0.store.delete_token(&old.hashed_token)?;
        self.generate(user, name, old.bypass_two_factor)
    }

    /// The user's tokens, without the secrets.
    pub fn list(&self, user: &User) -> Result<Vec<LoginToken>> {
        self.require(user)?;
        self.0.store.user_tokens(&user.id, Some(PERSONAL))
    }

    /// Deletes the token named `name`.
    pub fn remove(&self, user: &User, name: &str) -> Result<()> {
        self.require(user)?;
        let old = self
            .find(user, name.trim())?
            .ok_or_else(|| Error::bad("error-token-does-not-exists", "Token does not exist"))?;
        self.0.store.delete_token(&old.hashed_token)
    }
}
