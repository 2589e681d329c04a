//! `app.json`: the Apps-Engine manifest plus the component's path, parsed and validated.

use semver::{Version, VersionReq};
use serde::{Deserialize, Serialize};

use crate::permissions::{Grants, Permission};
use crate::{API_VERSION, AppError, Result};

/// Largest accepted `app.json`.
const MAX_MANIFEST_BYTES: usize = 64 << 10;

/// The app's author (`author`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Author {
    pub name: String,
    #[serde(default)]
    pub homepage: String,
    #[serde(default)]
    pub support: String,
}

/// One entry of `permissions`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PermissionEntry {
    pub name: String,
}

/// A validated `app.json`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    /// UUID identifying the app across versions.
    pub id: String,
    pub name: String,
    pub name_slug: String,
    /// The app's own semver version.
    pub version: String,
    /// Semver range of the `orbit:apps` WIT version the app needs, e.g. `^0.1.0`.
    pub required_api_version: String,
    pub author: Author,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub permissions: Vec<PermissionEntry>,
    /// Path of the icon inside the package.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon_file: Option<String>,
    /// Path of the wasm component inside the package.
    pub component: String,
}

impl Manifest {
    /// Parses and validates `app.json` bytes.
    pub fn parse(bytes: &[u8]) -> Result<Manifest> {
        if bytes.len() > MAX_MANIFEST_BYTES {
            return Err(invalid(format!("larger than {MAX_MANIFEST_BYTES} bytes")));
        }
        let manifest: Manifest = serde_json::from_slice(bytes).map_err(|e| invalid(e.to_string()))?;
        manifest.validate()?;
        Ok(manifest)
    }

    /// Checks every field; the first problem found is returned.
    pub fn validate(&self) -> Result<()> {
        if !is_uuid(&self.id) {
            return Err(invalid(format!("`id` must be a UUID, got `{}`", self.id)));
        }
        if self.name.trim().is_empty() {
            return Err(invalid("`name` is empty".into()));
        }
        let slug_ok = !self.name_slug.is_empty()
            && self.name_slug.len() <= 64
            && self.name_slug.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-_.".contains(&b));
        if !slug_ok {
            return Err(invalid(format!(
                "`nameSlug` must be 1-64 characters of a-z, 0-9, `-`, `_`, `.`; got `{}`",
                self.name_slug
            )));
        }
        Version::parse(&self.version)
            .map_err(|e| invalid(format!("`version` `{}` is not semver: {e}", self.version)))?;
        let required = VersionReq::parse(&self.required_api_version).map_err(|e| {
            invalid(format!("`requiredApiVersion` `{}` is not a semver range: {e}", self.required_api_version))
        })?;
        let api = Version::parse(API_VERSION).expect("API_VERSION is semver");
        if !required.matches(&api) {
            return Err(invalid(format!(
                "`requiredApiVersion` `{}` does not match this server's app API {API_VERSION}",
                self.required_api_version
            )));
        }
        if self.author.name.trim().is_empty() {
            return Err(invalid("`author.name` is empty".into()));
        }
        for entry in &self.permissions {
            entry.name.parse::<Permission>().map_err(invalid)?;
        }
        check_inner_path("component", &self.component)?;
        if let Some(icon) = &self.icon_file {
            check_inner_path("iconFile", icon)?;
        }
        Ok(())
    }

    /// The declared permissions.
    pub fn grants(&self) -> Grants {
        Grants::new(self.permissions.iter().filter_map(|p| p.name.parse().ok()))
    }
}

fn invalid(reason: String) -> AppError {
    AppError::Manifest(reason)
}

/// A relative path with no `..`, backslash or empty segment.
fn check_inner_path(field: &str, path: &str) -> Result<()> {
    let ok = !path.is_empty()
        && !path.starts_with('/')
        && !path.contains('\\')
        && path.split('/').all(|seg| !seg.is_empty() && seg != ".." && seg != ".");
    if ok {
        Ok(())
    } else {
        Err(invalid(format!("`{field}` must be a relative path inside the package, got `{path}`")))
    }
}

/// `8-4-4-4-12` hexadecimal digits.
fn is_uuid(id: &str) -> bool {
    let groups: Vec<&str> = id.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, len)| g.len() == len && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> serde_json::Value {
        serde_json::json!({
            "id": "6f1d0c3e-8a0b-4c55-9a57-2f3b7c1e9d01",
            "name": "Hello",
            "nameSlug": "hello",
            "version": "0.1.0",
            "requiredApiVersion": "^0.1.0",
            "author": {"name": "Orbit", "homepage": "h", "support": "s"},
            "description": "d",
            "permissions": [{"name": "slashcommand"}, {"name": "message.write"}],
            "component": "hello.wasm"
        })
    }

    fn parse(value: serde_json::Value) -> Result<Manifest> {
        Manifest::parse(&serde_json::to_vec(&value).unwrap())
    }

    fn error_of(change: impl FnOnce(&mut serde_json::Value)) -> String {
        let mut value = sample();
        change(&mut value);
        parse(value).unwrap_err().to_string()
    }

    #[test]
    fn accepts_a_valid_manifest() {
        let manifest = parse(sample()).unwrap();
        assert_eq!(manifest.name_slug, "hello");
        assert!(manifest.grants().allows(Permission::MessageWrite));
        assert!(!manifest.grants().allows(Permission::RoomRead));
    }

    #[test]
    fn explains_each_problem() {
        assert!(error_of(|v| v["id"] = "nope".into()).contains("`id` must be a UUID"));
        assert!(error_of(|v| v["version"] = "1.x".into()).contains("not semver"));
        assert!(error_of(|v| v["requiredApiVersion"] = "^2.0.0".into()).contains("does not match"));
        assert!(error_of(|v| v["permissions"][0]["name"] = "root".into()).contains("unknown permission `root`"));
        assert!(error_of(|v| v["component"] = "../x.wasm".into()).contains("relative path"));
        assert!(error_of(|v| v["nameSlug"] = "Hello World".into()).contains("nameSlug"));
        assert!(
            error_of(|v| {
                v.as_object_mut().unwrap().remove("component");
            })
            .contains("missing field `component`")
        );
        assert!(Manifest::parse(b"{not json").unwrap_err().to_string().contains("invalid app.json"));
    }
}
