//! Services: one per domain. They hold the rules and permission checks, call the store and
//! publish events on the bus. Both transports (REST and DDP) call them; neither holds rules.
//!
//! Service functions are synchronous (they do blocking database work). Async transports call them
//! through [`Services::blocking`], which runs them on tokio's blocking pool, never on the executor.
//!
//! Services reach one another through the accessors on [`Services`] (`svc.rooms()`,
//! `svc.messages()`, …), and only along [`DEPENDENCIES`]: layers, each service calling services of
//! lower layers only, so there is no loop between them. A unit test holds the sources to it.

pub mod accounts;
pub mod app_hooks;
pub mod app_storage;
pub mod apps;
pub mod authz;
pub mod avatars;
pub mod commands;
pub mod custom_emoji;
pub mod custom_statuses;
pub mod defaults;
pub mod directory;
pub mod discussions;
pub mod field_limits;
pub mod files;
pub mod login_guard;
pub mod mail;
pub mod messages;
pub mod notices;
pub mod preferences;
pub mod presence;
pub mod push_tokens;
pub mod roles;
pub mod rooms;
pub mod settings;
pub mod shields;
pub mod statistics;
pub mod subscriptions;
pub mod system_messages;
pub mod teams;
pub mod tokens;
pub mod two_factor;
pub mod uploads;
pub mod users;

/// Which services each service may call (`svc.<name>()`): `(layer, service, dependencies)`. Each
/// dependency is in a lower layer, so the graph has no cycle. A service is a file or folder of
/// this module (`defaults` has no accessor of its own: it seeds through the others). To let a
/// service call another, add the callee here; if that needs a lower layer than the callee's, the
/// call goes the wrong way: move the shared part down (as [`system_messages`] and [`files`] are).
pub const DEPENDENCIES: &[(u8, &str, &[&str])] = &[
    (0, "app_hooks", &[]),
    (0, "app_storage", &[]),
    (0, "authz", &[]),
    (0, "field_limits", &[]),
    (0, "files", &[]),
    (0, "login_guard", &[]),
    (0, "mail", &[]),
    (0, "notices", &[]),
    (0, "push_tokens", &[]),
    (0, "shields", &[]),
    (0, "system_messages", &[]),
    (1, "avatars", &["authz"]),
    (1, "custom_statuses", &["authz"]),
    (1, "directory", &["authz"]),
    (1, "roles", &["authz"]),
    (1, "rooms", &["authz", "files", "notices", "system_messages"]),
    (1, "settings", &["authz"]),
    (1, "statistics", &["authz"]),
    (1, "tokens", &["authz"]),
    (1, "two_factor", &["authz", "mail"]),
    (2, "accounts", &["login_guard", "push_tokens", "rooms", "two_factor"]),
    (2, "custom_emoji", &["authz", "avatars"]),
    (2, "messages", &["app_hooks", "authz", "files", "rooms", "system_messages"]),
    (2, "presence", &["authz", "rooms"]),
    (2, "subscriptions", &["rooms"]),
    (2, "teams", &["authz", "rooms", "system_messages"]),
    (3, "apps", &["accounts", "app_storage", "authz", "messages", "notices", "presence", "rooms"]),
    (3, "defaults", &["accounts", "settings"]),
    (3, "discussions", &["messages", "rooms"]),
    (3, "preferences", &["accounts", "authz"]),
    (3, "uploads", &["files", "messages", "rooms"]),
    (3, "users", &["accounts", "authz", "files", "mail", "roles", "rooms", "teams", "two_factor"]),
    (4, "commands", &["apps", "authz", "messages", "notices", "rooms"]),
];

use std::sync::Arc;

use crate::bus::Bus;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::store::Store;

/// The server's shared state: configuration, store, bus and the caches services keep.
pub struct Services {
    pub config: Config,
    /// The store: private to the services, the only code that reads or writes it.
    pub(in crate::services) store: Arc<dyn Store>,
    pub bus: Arc<dyn Bus>,
    pub settings: settings::SettingsCache,
    pub permissions: authz::PermissionCache,
    /// The app runtime and installed apps ([`apps::start`] fills it once the server starts);
    /// private to the services, like the store.
    pub(in crate::services) apps: apps::AppsState,
    /// Failed logins per address and account ([`login_guard`]).
    pub(in crate::services) failed_logins: login_guard::FailedLogins,
    /// Seals secrets kept at rest (TOTP secrets).
    pub(in crate::services) secrets: crate::sealed::SecretBox,
}

impl Services {
    /// Opens the services on a store and a bus: loads caches and seeds a fresh database.
    pub fn start(config: Config, store: Arc<dyn Store>, bus: Arc<dyn Bus>) -> Result<Arc<Self>> {
        let secrets = crate::sealed::SecretBox::load(&config).map_err(Error::Internal)?;
        let svc = Arc::new(Self {
            secrets,
            config,
            store,
            bus,
            settings: settings::SettingsCache::default(),
            permissions: authz::PermissionCache::default(),
            apps: apps::AppsState::default(),
            failed_logins: login_guard::FailedLogins::default(),
        });
        defaults::seed(&svc)?;
        Ok(svc)
    }

    /// Runs blocking service work on the blocking pool and awaits it.
    pub async fn blocking<T: Send + 'static>(
        self: &Arc<Self>,
        f: impl FnOnce(&Services) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let svc = self.clone();
        tokio::task::spawn_blocking(move || f(&svc))
            .await
            .map_err(|e| Error::Internal(anyhow::anyhow!("service task failed: {e}")))?
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};
    use std::path::Path;

    use super::DEPENDENCIES;

    fn declared(service: &str) -> Option<(u8, &'static [&'static str])> {
        DEPENDENCIES.iter().find(|(_, name, _)| *name == service).map(|(layer, _, deps)| (*layer, *deps))
    }

    /// Every `.rs` file under `dir`, with its path relative to the services folder.
    fn sources(dir: &Path, out: &mut Vec<(String, String)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/services");
                let relative = path.strip_prefix(&root).unwrap().display().to_string();
                out.push((relative, std::fs::read_to_string(&path).unwrap()));
            }
        }
    }

    /// The services a source calls through accessors on `self.0`, `s` or `svc`, outside comments
    /// and unit tests.
    fn accessor_calls(source: &str) -> BTreeSet<String> {
        let tests = regex::Regex::new(r"#\[cfg\(test\)\]\s*mod\s").unwrap();
        let code = tests.split(source).next().unwrap_or_default();
        let code: String =
            code.lines().map(|l| l.split("//").next().unwrap_or_default()).collect::<Vec<_>>().join("\n");
        let code = regex::Regex::new(r"\s*\.\s*").unwrap().replace_all(&code, ".");
        let call = regex::Regex::new(r"(?:^|[^\w.])(?:self\.0|s|svc)\.(\w+)\(\)").unwrap();
        call.captures_iter(&code).map(|c| c[1].to_string()).filter(|name| declared(name).is_some()).collect()
    }

    #[test]
    fn declared_dependencies_are_layered_so_without_cycles() {
        let mut seen = BTreeSet::new();
        for (layer, service, deps) in DEPENDENCIES {
            assert!(seen.insert(*service), "{service} is listed twice");
            for dep in *deps {
                let (dep_layer, _) = declared(dep).unwrap_or_else(|| panic!("{service} depends on unknown {dep}"));
                assert!(
                    dep_layer < *layer,
                    "{service} (layer {layer}) depends on {dep} (layer {dep_layer}), not below it"
                );
            }
        }
    }

    #[test]
    fn services_call_only_their_declared_dependencies() {
        let mut files = Vec::new();
        sources(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src/services"), &mut files);
        let mut calls: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (path, source) in &files {
            if path == "mod.rs" {
                continue;
            }
            let service = path.split('/').next().unwrap().trim_end_matches(".rs");
            assert!(declared(service).is_some(), "services/{path}: add `{service}` to DEPENDENCIES");
            calls.entry(service.to_string()).or_default().extend(accessor_calls(source));
        }
        let mut wrong = Vec::new();
        for (service, callees) in &calls {
            let (_, deps) = declared(service).unwrap();
            for callee in callees {
                if callee != service && !deps.contains(&callee.as_str()) {
                    wrong.push(format!("{service} calls {callee}()"));
                }
            }
        }
        assert!(wrong.is_empty(), "calls outside DEPENDENCIES: {}", wrong.join(", "));
    }

    #[test]
    fn accessor_calls_are_found_across_lines_and_not_in_comments() {
        let source = "let a = self.0.rooms().get(x);\n// s.users()\nsvc\n    .messages()\n    .send();\nself.0.store.teams();\nuser.preferences();\n#[cfg(test)]\nmod tests { s.uploads(); }";
        let found: Vec<String> = accessor_calls(source).into_iter().collect();
        assert_eq!(found, ["messages", "rooms"]);
    }
}
