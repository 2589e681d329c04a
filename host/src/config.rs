//! Server configuration, read once from the environment the way Rocket.Chat operators know it.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

/// Everything the server reads from its environment at start.
#[derive(Debug, Clone)]
pub struct Config {
    /// `PORT` (default 3000). `0` picks a free port; the bound address is printed on stdout.
    pub port: u16,
    /// `BIND_IP` (default `0.0.0.0`).
    pub bind_ip: String,
    /// `ROOT_URL` (default `http://localhost:<port>`), used for absolute links such as avatars.
    pub root_url: String,
    /// `ORBIT_DATA_DIR` (default `./data`), created if missing. Holds the database, uploads and apps.
    pub data_dir: PathBuf,
    /// `ADMIN_USERNAME` / `ADMIN_PASS` / `ADMIN_EMAIL`: an admin created on first start.
    pub admin: Option<AdminSeed>,
    /// `OVERWRITE_SETTING_<id>=<value>`: settings forced at every start.
    pub overwrite_settings: BTreeMap<String, String>,
    /// `CREATE_TOKENS_FOR_USERS=true`: enables `users.createToken`.
    pub create_tokens_for_users: bool,
    /// `CREATE_TOKENS_FOR_USERS_SECRET`: the secret `users.createToken` requires when set.
    pub create_tokens_secret: Option<String>,
    /// `ORBIT_MAX_BODY_BYTES` (default 100 MiB): the largest request body accepted.
    pub max_body_bytes: usize,
    /// `ORBIT_BCRYPT_COST` (default 10, Rocket.Chat's cost).
    pub bcrypt_cost: u32,
    /// `ORBIT_APPS_DIR` (default `<data dir>/apps`): packages dropped here are installed live.
    pub apps_dir: PathBuf,
    /// `ORBIT_PRELOAD_APPS` (optional): a folder whose `*.zip` app packages are installed at start.
    pub preload_apps: Option<PathBuf>,
    /// `ORBIT_MAX_CONNECTIONS_PER_IP` (default 1000; `0`: no cap): connections, HTTP and
    /// WebSocket, one client address may hold at once. Behind a reverse proxy every client has
    /// the proxy's address: raise it there, and let the proxy cap its clients.
    pub max_connections_per_ip: usize,
    /// `ORBIT_HEADER_READ_TIMEOUT_SECS` (default 10): how long a client may take to send a
    /// request's head, on a new connection and between keep-alive requests.
    pub header_read_timeout: Duration,
    /// `ORBIT_RENAME_BATCH_ROWS` (default 200): messages rewritten per transaction when a
    /// rename is carried into the messages; other writers go between batches.
    pub rename_batch_rows: usize,
    /// `ORBIT_SECRET_KEY` (64 hex digits): the key that seals secrets at rest; without it,
    /// `<data dir>/secret.key` (see [`crate::sealed`]).
    pub secret_key: Option<String>,
}

/// The admin account requested through `ADMIN_*` variables.
#[derive(Debug, Clone)]
pub struct AdminSeed {
    pub username: String,
    pub password: String,
    pub email: String,
}

impl Config {
    /// Reads the configuration from the process environment.
    pub fn from_env() -> Self {
        Self::from_vars(std::env::vars())
    }

    /// Reads the configuration from the given variables (tests pass their own).
    pub fn from_vars(vars: impl IntoIterator<Item = (String, String)>) -> Self {
        let vars: BTreeMap<String, String> = vars.into_iter().collect();
        let get = |k: &str| vars.get(k).filter(|v| !v.is_empty()).cloned();
        let port = get("PORT").and_then(|p| p.parse().ok()).unwrap_or(3000);
        let data_dir = PathBuf::from(get("ORBIT_DATA_DIR").unwrap_or_else(|| "./data".into()));
        let overwrite_settings = vars
            .iter()
            .filter_map(|(k, v)| Some((k.strip_prefix("OVERWRITE_SETTING_")?.to_string(), v.clone())))
            .collect();
        let admin = match (get("ADMIN_USERNAME"), get("ADMIN_PASS")) {
            (Some(username), Some(password)) => Some(AdminSeed {
                email: get("ADMIN_EMAIL").unwrap_or_else(|| format!("{username}@localhost")),
                username,
                password,
            }),
            _ => None,
        };
        Config {
            port,
            bind_ip: get("BIND_IP").unwrap_or_else(|| "0.0.0.0".into()),
            root_url: get("ROOT_URL")
                .map(|u| u.trim_end_matches('/').to_string())
                .unwrap_or_else(|| format!("http://localhost:{port}")),
            apps_dir: get("ORBIT_APPS_DIR").map(PathBuf::from).unwrap_or_else(|| data_dir.join("apps")),
            preload_apps: get("ORBIT_PRELOAD_APPS").map(PathBuf::from),
            data_dir,
            admin,
            overwrite_settings,
            create_tokens_for_users: get("CREATE_TOKENS_FOR_USERS").is_some_and(|v| v == "true"),
            create_tokens_secret: get("CREATE_TOKENS_FOR_USERS_SECRET"),
            max_body_bytes: get("ORBIT_MAX_BODY_BYTES").and_then(|v| v.parse().ok()).unwrap_or(100 * 1024 * 1024),
            max_connections_per_ip: get("ORBIT_MAX_CONNECTIONS_PER_IP").and_then(|v| v.parse().ok()).unwrap_or(1000),
            header_read_timeout: Duration::from_secs(
                get("ORBIT_HEADER_READ_TIMEOUT_SECS").and_then(|v| v.parse().ok()).filter(|s| *s > 0).unwrap_or(10),
            ),
            secret_key: get("ORBIT_SECRET_KEY"),
            rename_batch_rows: get("ORBIT_RENAME_BATCH_ROWS")
                .and_then(|v| v.parse().ok())
                .filter(|n| *n > 0)
                .unwrap_or(200),
            bcrypt_cost: get("ORBIT_BCRYPT_COST")
                .and_then(|v| v.parse().ok())
                .filter(|c| (4..=31).contains(c))
                .unwrap_or(10),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_overwrites_and_defaults() {
        let c = Config::from_vars([
            ("OVERWRITE_SETTING_API_Enable_Rate_Limiter".to_string(), "false".to_string()),
            ("ADMIN_USERNAME".into(), "boss".into()),
            ("ADMIN_PASS".into(), "pw".into()),
        ]);
        assert_eq!(c.port, 3000);
        assert_eq!(c.overwrite_settings["API_Enable_Rate_Limiter"], "false");
        assert_eq!(c.admin.unwrap().email, "boss@localhost");
        assert_eq!(c.root_url, "http://localhost:3000");
    }
}
