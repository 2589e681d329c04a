//! Devices registered for push notifications (`push.token`): one record per device, tied to the
//! user and the login that registered it, as upstream's app tokens. Sending pushes through a
//! gateway is not part of Orbit yet; the records are what a push service will read.

use serde_json::{Value, json};

use super::Services;
use super::accounts::Caller;
use crate::error::Result;
use crate::ids;
use crate::models::User;
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

/// A record as clients see it (without the login it is tied to).
fn public(mut doc: Value) -> Value {
    if let Some(o) = doc.as_object_mut() {
        o.remove("authToken");
    }
    doc
}

impl PushTokens<'_> {
    /// Registers a device for the caller, or updates the record with the same device id or the
    /// same token (a device belongs to whoever registered it last). Returns the record.
    pub fn register(&self, caller: &Caller, device: Device<'_>) -> Result<Value> {
        let existing = self
            .0
            .store
            .docs(COLLECTION)?
            .into_iter()
            .find(|d| device.id.is_some_and(|id| d["_id"] == id) || d["token"][device.kind] == device.token);
        let now = Date::now();
        let mut doc = existing
            .unwrap_or_else(|| json!({"_id": device.id.map_or_else(ids::random_id, String::from), "createdAt": now}));
        doc["token"] = json!({ device.kind: device.token });
        doc["appName"] = json!(device.app_name);
        doc["userId"] = json!(caller.user.id);
        doc["authToken"] = json!(caller.token.hashed_token);
        doc["enabled"] = json!(true);
        doc["updatedAt"] = json!(now);
        let id = doc["_id"].as_str().unwrap_or_default().to_string();
        self.0.store.put_doc(COLLECTION, &id, &doc)?;
        Ok(public(doc))
    }

    /// Drops the devices registered by a login that ends (logout), so they get no more pushes.
    pub fn forget_login(&self, hashed_token: &str) -> Result<()> {
        for doc in self.0.store.docs(COLLECTION)? {
            if doc["authToken"] == hashed_token {
                self.0.store.delete_doc(COLLECTION, doc["_id"].as_str().unwrap_or_default())?;
            }
        }
        Ok(())
    }

    /// Removes the user's records of a token (either kind). Whether there were any.
    pub fn remove(&self, user: &User, token: &str) -> Result<bool> {
        let mut removed = false;
        for doc in self.0.store.docs(COLLECTION)? {
            let matches = doc["token"]["apn"] == token || doc["token"]["gcm"] == token;
            if matches && doc["userId"] == user.id.as_str() {
                self.0.store.delete_doc(COLLECTION, doc["_id"].as_str().unwrap_or_default())?;
                removed = true;
            }
        }
        Ok(removed)
    }
}
