use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A login service's configuration (`ILoginServiceConfiguration`): the service and its own
/// fields (client id, button colours, endpoints of custom OAuth, …).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LoginService {
    #[serde(rename = "_id")]
    pub id: String,
    pub service: String,
    #[serde(flatten)]
    pub fields: Map<String, Value>,
}

impl LoginService {
    /// Whether clients need the whole configuration: custom OAuth, SAML, CAS and WordPress.
    pub fn is_custom(&self) -> bool {
        self.fields.get("custom").and_then(Value::as_bool) == Some(true)
            || matches!(self.service.as_str(), "saml" | "cas" | "wordpress")
    }
}
