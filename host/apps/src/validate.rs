//! Load-time checks of a component against the contract and the app's permissions.

use semver::Version;
use wasmtime::Engine;
use wasmtime::component::Component;

use crate::capabilities::requirement;
use crate::host_call::Requirement;
use crate::permissions::Grants;
use crate::{API_VERSION, AppError, Result};

/// WASI 0.2 packages a component may import. Filesystem and sockets are linked so that
/// ordinary `std` builds load, but every store gets no preopened directory and a network
/// policy that denies all addresses, so they can only fail.
const WASI_PACKAGES: &[&str] =
    &["wasi:cli", "wasi:io", "wasi:clocks", "wasi:random", "wasi:filesystem", "wasi:sockets"];

/// Interfaces the component must export.
const REQUIRED_EXPORTS: &[&str] = &["lifecycle", "commands"];

/// Checks the component's imports against `grants` and its exports against the contract.
/// All problems are reported together.
pub fn check_component(engine: &Engine, component: &Component, grants: &Grants) -> Result<()> {
    let ty = component.component_type();
    let mut problems: Vec<String> =
        ty.imports(engine).filter_map(|(name, _)| check_import(name, grants).err()).collect();
    let exports: Vec<String> = ty.exports(engine).map(|(name, _)| name.to_owned()).collect();
    for wanted in REQUIRED_EXPORTS {
        let found = exports.iter().any(|name| {
            matches!(split(name), Some(("orbit:apps", iface, Some(version))) if iface == *wanted && compatible(version))
        });
        if !found {
            problems.push(format!(
                "does not export `orbit:apps/{wanted}@{API_VERSION}` (exports: {})",
                if exports.is_empty() { "none".into() } else { exports.join(", ") }
            ));
        }
    }
    if problems.is_empty() { Ok(()) } else { Err(AppError::Component(problems.join("; "))) }
}

fn check_import(name: &str, grants: &Grants) -> std::result::Result<(), String> {
    let refused = |why: &str| Err(format!("imports `{name}`, {why}"));
    let Some((package, interface, version)) = split(name) else {
        return refused("which is not a WIT interface this server provides");
    };
    match package {
        "orbit:apps" => {
            if !version.is_some_and(compatible) {
                return refused(&format!("but this server provides app API {API_VERSION}"));
            }
            match requirement(interface) {
                None => refused("which this server does not provide"),
                Some(Requirement::Always) => Ok(()),
                Some(Requirement::Permission(p)) if grants.allows(p) => Ok(()),
                Some(Requirement::Permission(p)) => {
                    refused(&format!("which needs the `{p}` permission that app.json does not declare"))
                }
            }
        }
        wasi if WASI_PACKAGES.contains(&wasi) => match version.and_then(|v| Version::parse(v).ok()) {
            Some(v) if v.major == 0 && v.minor == 2 => Ok(()),
            _ => refused("only WASI 0.2 is supported"),
        },
        _ => refused("which is not allowed for apps"),
    }
}

/// Splits `ns:pkg/iface@version` into (`ns:pkg`, `iface`, `version`).
fn split(name: &str) -> Option<(&str, &str, Option<&str>)> {
    let (path, version) = match name.split_once('@') {
        Some((path, version)) => (path, Some(version)),
        None => (name, None),
    };
    let (package, interface) = path.split_once('/')?;
    package.contains(':').then_some((package, interface, version))
}

/// Whether a guest's `orbit:apps` version can run on this host's API version.
fn compatible(version: &str) -> bool {
    let (Ok(guest), Ok(host)) = (Version::parse(version), Version::parse(API_VERSION)) else {
        return false;
    };
    guest.major == host.major && (host.major > 0 || guest.minor == host.minor)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::permissions::Permission;

    #[test]
    fn imports_follow_permissions() {
        let grants = Grants::new([Permission::MessageWrite]);
        assert!(check_import("orbit:apps/message-writer@0.1.0", &grants).is_ok());
        assert!(check_import("orbit:apps/log@0.1.3", &grants).is_ok());
        let err = check_import("orbit:apps/rooms@0.1.0", &grants).unwrap_err();
        assert!(err.contains("`room.read`"), "{err}");
        assert!(check_import("orbit:apps/rooms@0.2.0", &Grants::new([Permission::RoomRead])).is_err());
        assert!(check_import("wasi:cli/stdout@0.2.6", &grants).is_ok());
        assert!(check_import("wasi:http/outgoing-handler@0.2.0", &grants).is_err());
        assert!(check_import("env", &grants).is_err());
    }
}
