use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::time::Date;

/// A role (`IRole`): global (`Users` scope) or held in one room (`Subscriptions` scope).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Role {
    #[serde(rename = "_id")]
    pub id: String,
    pub name: String,
    pub scope: String,
    #[serde(default)]
    pub description: String,
    /// Default roles are protected: they keep their name and scope and cannot be deleted.
    #[serde(default)]
    pub protected: bool,
    #[serde(default)]
    pub mandatory2fa: bool,
    #[serde(rename = "_updatedAt")]
    pub updated_at: Date,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A permission (`IPermission`) and the roles that hold it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Permission {
    #[serde(rename = "_id")]
    pub id: String,
    #[serde(default)]
    pub roles: Vec<String>,
    #[serde(rename = "_updatedAt")]
    pub updated_at: Date,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn stored_documents_round_trip() {
        let role = json!({
            "_id": "moderator", "name": "moderator", "scope": "Subscriptions", "description": "Moderator",
            "protected": true, "mandatory2fa": false, "_updatedAt": "2016-11-29T00:00:01.000Z", "extra": {"a": 1},
        });
        let typed: Role = serde_json::from_value(role.clone()).unwrap();
        assert_eq!(serde_json::to_value(&typed).unwrap(), role);
        let permission = json!({
            "_id": "view-statistics", "roles": ["admin"], "_updatedAt": "2016-11-29T00:00:01.000Z",
            "group": "admin", "level": 1,
        });
        let typed: Permission = serde_json::from_value(permission.clone()).unwrap();
        assert_eq!(serde_json::to_value(&typed).unwrap(), permission);
    }
}
