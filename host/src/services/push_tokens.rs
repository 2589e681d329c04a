//! Devices registered for push notifications (`push.token`): one record per device, tied to the
//! user and the login that registered it, as upstream's app tokens. Sending pushes through a
//! gateway is not part of Orbit yet; the records are what a push service will read.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::Services;
use super::accounts::Caller;
use crate::error::{Kind, Result};
use crate::ids;
use crate::models::User;
use crate::store::{record_doc, records};
use crate::time::Date;

const COLLECTION: &str = "push_app_tokens";

/// Push token operations.
pub struct PushTokens<'a>(pub &'a Services);

impl Services {
    /// Push token operations.
    pub fn push_tokens(&self) -> PushTokens<'_> {
        PushTokens(self)
    }
}

/// A device's registration: its id (new when absent), `apn` or `gcm`, the token and the app.
pub struct Device<'a> {
    pub id: Option<&'a str>,
    pub kind: &'a str,
    pub token: &'a str,
    pub app_name: &'a str,
}

/// A device's push token, by gateway: `{"apn": token}` or `{"gcm": token}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PushToken {
    Apn(String),
    Gcm(String),
}

impl PushToken {
    /// The token of a gateway kind (`apn` or `gcm`).
    fn new(kind: &str, token: &str) -> Result<Self> {
        match kind {
            "apn" => Ok(PushToken::Apn(token.into())),
            "gcm" => Ok(PushToken::Gcm(token.into())),
            _ => Err(Kind::TypeParamNotValid.into()),
        }
    }

    fn value(&self) -> &str {
        match self {
            PushToken::Apn(t) | PushToken::Gcm(t) => t,
        }
    }
}

/// A registered device as clients see it (`IAppsTokens` without the login it is tied to).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PushDevice {
    #[serde(rename = "_id")]
    pub id: String,
    #[serde(rename = "createdAt")]
    pub created_at: Date,
    pub token: PushToken,
    #[serde(rename = "appName")]
    pub app_name: String,
    #[serde(rename = "userId")]
    pub user_id: String,
    pub enabled: bool,
    #[serde(rename = "updatedAt")]
    pub updated_at: Date,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A stored registration: the device and the (hashed) login token that registered it.
#[derive(Serialize, Deserialize)]
struct Registration {
    #[serde(flatten)]
    device: PushDevice,
    #[serde(rename = "authToken")]
    auth_token: String,
}

impl PushTokens<'_> {
    /// Registers a device for the caller, or updates the record with the same device id or the
    /// same token (a device belongs to whoever registered it last). Returns the record.
    pub fn register(&self, caller: &Caller, device: Device<'_>) -> Result<PushDevice> {
        let token = PushToken::new(device.kind, device.token)?;
        let existing = self
            .registrations()?
            .into_iter()
            .map(|r| r.device)
            .find(|d| device.id.is_some_and(|id| d.id == id) || d.token == token);
        let now = Date::now();
        let (id, created_at, extra) = match existing {
            Some(d) => (d.id, d.created_at, d.extra),
            None => (device.id.map_or_else(ids::random_id, String::from), now, Map::new()),
        };
        let fresh = PushDevice {
            id,
            created_at,
            token,
            app_name: device.app_name.to_string(),
            user_id: caller.user.id.clone(),
            enabled: true,
            updated_at: now,
            extra,
        };
        let registration = Registration { device: fresh, auth_token: caller.token.hashed_token.clone() };
        self.0.store.put_doc(COLLECTION, &registration.device.id, &record_doc(&registration)?)?;
        Ok(registration.device)
    }

    fn registrations(&self) -> Result<Vec<Registration>> {
        records(self.0.store.docs(COLLECTION)?)
    }

    /// Drops the devices registered by a login that ends (logout), so they get no more pushes.
    pub fn forget_login(&self, hashed_token: &str) -> Result<()> {
        for r in self.registrations()? {
            if r.auth_token == hashed_token {
                self.0.store.delete_doc(COLLECTION, &r.device.id)?;
            }
        }
        Ok(())
    }

    /// Removes the user's records of a token (either kind). Whether there were any.
    pub fn remove(&self, user: &User, token: &str) -> Result<bool> {
        let mut removed = false;
        for r in self.registrations()? {
            if r.device.token.value() == token && r.device.user_id == user.id {
                self.0.store.delete_doc(COLLECTION, &r.device.id)?;
                removed = true;
            }
        }
        Ok(removed)
    }
}
