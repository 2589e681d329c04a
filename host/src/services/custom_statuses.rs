//! Custom user statuses: named presets tied to a presence (`online`, `away`, `busy`, `offline`)
//! that admins manage (`manage-user-status`) and every user may pick (upstream's
//! `insertOrUpdateUserStatus` and `deleteCustomUserStatus`).

use std::sync::Arc;

use super::Services;
use super::authz::not_authorized;
use crate::bus::Event;
use crate::error::{Error, Kind, Result};
use crate::ids;
use crate::models::{CustomStatus, User};
use crate::store::{record_doc, records};
use crate::time::Date;

const COLLECTION: &str = "custom_user_status";
const STATUS_TYPES: [&str; 4] = ["online", "away", "busy", "offline"];

/// Custom status operations.
pub struct CustomStatuses<'a>(pub &'a Services);

impl Services {
    /// Custom status operations.
    pub fn custom_statuses(&self) -> CustomStatuses<'_> {
        CustomStatuses(self)
    }
}

/// What a create or an update asks for.
pub struct StatusChange<'a> {
    /// The status to update; `None` creates one.
    pub id: Option<&'a str>,
    pub name: &'a str,
    /// `None` keeps the current type (creating without one stores `""`, as upstream).
    pub status_type: Option<&'a str>,
}

fn invalid_field(message: String) -> Error {
    Kind::InputIsNotAValidField.with_message(message)
}

impl CustomStatuses<'_> {
    /// Every custom status, for any logged-in user.
    pub fn all(&self) -> Result<Vec<CustomStatus>> {
        records(self.0.store.docs(COLLECTION)?)
    }

    /// Creates or updates a status and announces it (`updateCustomUserStatus`). The name is
    /// required, unique and free of `<>&"'`; the type is one of the four presences.
    pub fn save(&self, user: &User, change: StatusChange<'_>) -> Result<CustomStatus> {
        self.0.authz().require_or(user, "manage-user-status", None, not_authorized)?;
        let name = change.name.trim();
        if name.is_empty() {
            return Err(Kind::TheFieldIsRequired.into());
        }
        if name.contains(['<', '>', '&', '"', '\'']) {
            return Err(invalid_field(format!("{name} is not a valid name")));
        }
        let all = self.all()?;
        let taken = all.iter().any(|s| s.name == name && Some(s.id.as_str()) != change.id);
        if taken {
            return Err(Kind::CustomUserStatusNameInUse.into());
        }
        if let Some(t) = change.status_type.filter(|t| !t.is_empty() && !STATUS_TYPES.contains(t)) {
            return Err(invalid_field(format!("{t} is not a valid status type")));
        }
        let mut status = match change.id {
            Some(id) => all.into_iter().find(|s| s.id == id).ok_or_else(|| not_found(id))?,
            None => CustomStatus {
                id: ids::random_id(),
                name: String::new(),
                status_type: String::new(),
                updated_at: Date::now(),
                extra: Default::default(),
            },
        };
        status.name = name.to_string();
        if let Some(t) = change.status_type {
            status.status_type = t.to_string();
        }
        status.updated_at = Date::now();
        self.0.store.put_doc(COLLECTION, &status.id, &record_doc(&status)?)?;
        self.0.bus.publish(Event::CustomStatusChanged { status: Arc::new(status.clone()), deleted: false });
        Ok(status)
    }

    /// Deletes a status and announces it (`deleteCustomUserStatus`).
    pub fn delete(&self, user: &User, id: &str) -> Result<()> {
        self.0.authz().require_or(user, "manage-user-status", None, not_authorized)?;
        let status: CustomStatus =
            serde_json::from_value(self.0.store.doc(COLLECTION, id)?.ok_or(Kind::CustomUserStatusInvalid)?)?;
        self.0.store.delete_doc(COLLECTION, id)?;
        self.0.bus.publish(Event::CustomStatusChanged { status: Arc::new(status), deleted: true });
        Ok(())
    }
}

fn not_found(id: &str) -> Error {
    Kind::InvalidCustomUserStatus.with_message(format!("No custom user status found with the id of \"{id}\"."))
}
