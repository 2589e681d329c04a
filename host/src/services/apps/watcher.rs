//! Hot reload: the apps folder (`ORBIT_APPS_DIR`, default `<data dir>/apps`) mirrors installed
//! apps. A `*.zip` dropped there is installed (or updates the app with its id), a changed one
//! updates it, and removing the file uninstalls the app. The folder is reconciled once at start
//! (so changes made while the server was down apply) and after every burst of file events
//! (`notify`), once the folder has been quiet for [`QUIET`].

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;

use super::sha256_hex;
use crate::services::Services;
use crate::store::AppSource;

/// How long the folder must be quiet before it is reconciled: a zip being copied produces a
/// burst of events, and half-written files must not be read.
const QUIET: Duration = Duration::from_millis(300);

/// The `*.zip` files of a folder (hidden files skipped), sorted by name.
pub fn zips_in(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut zips: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            p.is_file() && !name.starts_with('.') && name.to_ascii_lowercase().ends_with(".zip")
        })
        .collect();
    zips.sort();
    zips
}

/// What the watcher already handled: path → sha256 of the content it last tried.
#[derive(Default)]
struct Seen(HashMap<PathBuf, String>);

/// Brings installed apps in line with the folder. Problems are logged (and kept in the app's
/// log when it exists); a package that fails is retried when its content changes.
fn reconcile(s: &Services, dir: &Path, seen: &Mutex<Seen>) {
    let mut seen = seen.lock();
    let present = zips_in(dir);
    for path in &present {
        let Ok(zip) = std::fs::read(path) else { continue };
        let sha = sha256_hex(&zip);
        if seen.0.get(path) == Some(&sha) {
            continue;
        }
        seen.0.insert(path.clone(), sha);
        match s.apps().install_or_update_from(&zip, AppSource::Folder { path: path.display().to_string() }) {
            Ok(Some(record)) => {
                tracing::info!(path = %path.display(), app = %record.id, status = %record.status, "apps folder: installed")
            }
            Ok(None) => {}
            Err(error) => {
                tracing::warn!(path = %path.display(), "apps folder: {} refused: {}", path.display(), error.reason())
            }
        }
    }
    seen.0.retain(|p, _| present.contains(p));
    let gone: Vec<String> = s
        .apps
        .records
        .read()
        .values()
        .filter(|r| matches!(&r.source, AppSource::Folder { path } if !Path::new(path).exists()))
        .map(|r| r.id.clone())
        .collect();
    for id in gone {
        match s.apps().uninstall_from_folder(&id) {
            Ok(()) => tracing::info!(app = %id, "apps folder: file removed, app uninstalled"),
            Err(error) => tracing::warn!(app = %id, "apps folder: uninstall failed: {}", error.reason()),
        }
    }
}

/// Reconciles the folder now, then watches it for changes for as long as the server runs.
pub async fn start(svc: Arc<Services>) -> anyhow::Result<()> {
    use notify::Watcher;

    let dir = svc.config.apps_dir.clone();
    std::fs::create_dir_all(&dir)?;
    let seen = Arc::new(Mutex::new(Seen::default()));
    {
        let (dir, seen) = (dir.clone(), seen.clone());
        svc.blocking(move |s| {
            reconcile(s, &dir, &seen);
            Ok(())
        })
        .await?;
    }
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        if let Ok(event) = event
            && !event.kind.is_access()
        {
            let _ = tx.send(());
        }
    })?;
    watcher.watch(&dir, notify::RecursiveMode::NonRecursive)?;
    tracing::info!(dir = %dir.display(), "watching the apps folder");
    tokio::spawn(async move {
        let _watcher = watcher;
        while rx.recv().await.is_some() {
            loop {
                match tokio::time::timeout(QUIET, rx.recv()).await {
                    Ok(Some(())) => continue,
                    Ok(None) => return,
                    Err(_) => break,
                }
            }
            let (dir, seen) = (dir.clone(), seen.clone());
            let _ = svc
                .blocking(move |s| {
                    reconcile(s, &dir, &seen);
                    Ok(())
                })
                .await;
        }
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_only_visible_zips_in_order() {
        let dir = std::env::temp_dir().join(format!("orbit-zips-{}", crate::ids::random_id()));
        std::fs::create_dir_all(&dir).unwrap();
        for name in ["b.zip", "a.ZIP", ".hidden.zip", "notes.txt"] {
            std::fs::write(dir.join(name), b"x").unwrap();
        }
        let names: Vec<String> =
            zips_in(&dir).iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
        assert_eq!(names, ["a.ZIP", "b.zip"]);
        let _ = std::fs::remove_dir_all(dir);
    }
}
