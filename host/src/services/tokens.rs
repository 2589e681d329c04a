//! Personal access tokens: long-lived tokens a user creates for scripts and integrations. Only
//! their hash is stored; the token itself is shown once.

use serde_json::json;

use super::Services;
use super::accounts::Caller;
use crate::error::{Error, Kind, Result};
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

/// `not-authorized`, as upstream's token functions refuse a caller without the permission
/// (a 400 naming the method, like every error they throw).
fn not_authorized(method: &str) -> Error {
    Kind::MethodNotAuthorized.with_details(json!({"method": method}))
}

fn does_not_exist(method: &str) -> Error {
    Kind::TokenDoesNotExists.with_details(json!({"method": method}))
}

impl Tokens<'_> {
    fn require(&self, user: &User, method: &str) -> Result<()> {
        if self.0.authz().can(user, "create-personal-access-tokens", None)? {
            Ok(())
        } else {
            Err(not_authorized(method))
        }
    }

    fn find(&self, user: &User, name: &str) -> Result<Option<LoginToken>> {
        Ok(self.0.store.user_tokens(&user.id, Some(PERSONAL))?.into_iter().find(|t| t.name.as_deref() == Some(name)))
    }

    /// Creates a token named `name` (`personalAccessTokens:generateToken`); returns the token,
    /// shown this once. A second token of the same name is refused.
    pub fn generate(&self, user: &User, name: &str, bypass_two_factor: bool) -> Result<String> {
        const METHOD: &str = "personalAccessTokens:generateToken";
        self.require(user, METHOD)?;
        if name.trim().is_empty() {
            return Err(Kind::param_required("tokenName"));
        }
        if self.find(user, name)?.is_some() {
            return Err(Kind::TokenAlreadyExists.with_details(json!({"method": METHOD})));
        }
        self.insert(user, name, bypass_two_factor)
    }

    fn insert(&self, user: &User, name: &str, bypass_two_factor: bool) -> Result<String> {
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

    /// Replaces the token named `name` with a new one of the same name and two-factor bypass
    /// (`personalAccessTokens:regenerateToken`); the old token stops working.
    pub fn regenerate(&self, user: &User, name: &str) -> Result<String> {
        const METHOD: &str = "personalAccessTokens:regenerateToken";
        self.require(user, METHOD)?;
        let old = self.find(user, name)?.ok_or_else(|| does_not_exist(METHOD))?;
        self.0.store.delete_token(&old.hashed_token)?;
        self.insert(user, name, old.bypass_two_factor)
    }

    /// The user's personal access tokens, without the secrets (`users.getPersonalAccessTokens`
    /// answers 403 without the permission).
    pub fn list(&self, user: &User) -> Result<Vec<LoginToken>> {
        if !self.0.authz().can(user, "create-personal-access-tokens", None)? {
            return Err(super::authz::unauthorized());
        }
        self.0.store.user_tokens(&user.id, Some(PERSONAL))
    }

    /// Deletes the token named `name` (`personalAccessTokens:removeToken`).
    pub fn remove(&self, user: &User, name: &str) -> Result<()> {
        const METHOD: &str = "personalAccessTokens:removeToken";
        self.require(user, METHOD)?;
        let old = self.find(user, name)?.ok_or_else(|| does_not_exist(METHOD))?;
        self.0.store.delete_token(&old.hashed_token)
    }

    /// Ends every session (login token) of the caller except the one presented; personal
    /// access tokens stay (`users.removeOtherTokens`, `users.logoutOtherClients`).
    pub fn remove_other_sessions(&self, caller: &Caller) -> Result<()> {
        self.0.store.delete_sessions_except(&caller.user.id, Some(&caller.token.hashed_token))
    }
}
