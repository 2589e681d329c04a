//! App packages: a zip holding `app.json`, the component and an optional icon, read safely.

use std::io::{Cursor, Read};

use crate::manifest::Manifest;
use crate::{AppError, Result};

/// Size limits applied while reading a package.
#[derive(Clone, Debug)]
pub struct PackageLimits {
    /// Largest accepted zip (default 64 MiB).
    pub max_zip_bytes: usize,
    /// Largest uncompressed file (default 64 MiB).
    pub max_file_bytes: u64,
    /// Most entries in the zip (default 256).
    pub max_entries: usize,
}

impl Default for PackageLimits {
    fn default() -> Self {
        PackageLimits { max_zip_bytes: 64 << 20, max_file_bytes: 64 << 20, max_entries: 256 }
    }
}

/// A package's contents.
#[derive(Clone, Debug)]
pub struct AppPackage {
    pub manifest: Manifest,
    /// The component's bytes (at `manifest.component`).
    pub component: Vec<u8>,
    /// The icon's bytes (at `manifest.icon_file`), when the manifest names one.
    pub icon: Option<Vec<u8>>,
}

impl AppPackage {
    /// Reads and validates a package from zip bytes.
    pub fn from_zip(bytes: &[u8], limits: &PackageLimits) -> Result<AppPackage> {
        if bytes.len() > limits.max_zip_bytes {
            return Err(bad(format!("the zip is larger than {} bytes", limits.max_zip_bytes)));
        }
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| bad(format!("not a readable zip: {e}")))?;
        if zip.len() > limits.max_entries {
            return Err(bad(format!("more than {} entries", limits.max_entries)));
        }
        // The reader keeps one entry per name: more entries declared than read means two of
        // one name, and which one counts would depend on the reader.
        if declared_entries(bytes).is_some_and(|declared| declared > zip.len()) {
            return Err(bad("two entries have the same name".into()));
        }
        for i in 0..zip.len() {
            let entry = zip.by_index(i).map_err(|e| bad(format!("entry {i}: {e}")))?;
            if entry.enclosed_name().is_none() || entry.name().contains('\\') {
                return Err(bad(format!("unsafe path `{}`", entry.name())));
            }
        }
        let manifest = Manifest::parse(&read_entry(&mut zip, "app.json", limits)?)?;
        let component = read_entry(&mut zip, &manifest.component, limits)?;
        let icon = match &manifest.icon_file {
            Some(icon) => Some(read_entry(&mut zip, icon, limits)?),
            None => None,
        };
        Ok(AppPackage { manifest, component, icon })
    }
}

/// The entry count the zip's end-of-central-directory record declares (`None` when it can't
/// be found, or for ZIP64 archives, which record the count elsewhere).
fn declared_entries(bytes: &[u8]) -> Option<usize> {
    const EOCD: &[u8] = b"PK\x05\x06";
    let tail_start = bytes.len().saturating_sub(22 + u16::MAX as usize);
    let at = bytes[tail_start..].windows(4).rposition(|w| w == EOCD)? + tail_start;
    let count = u16::from_le_bytes([*bytes.get(at + 10)?, *bytes.get(at + 11)?]);
    (count != u16::MAX).then_some(count as usize)
}

fn bad(reason: String) -> AppError {
    AppError::Package(reason)
}

/// Reads one file, refusing anything larger than the limit whatever its header claims.
fn read_entry(zip: &mut zip::ZipArchive<Cursor<&[u8]>>, name: &str, limits: &PackageLimits) -> Result<Vec<u8>> {
    let entry = zip.by_name(name).map_err(|_| bad(format!("`{name}` is missing")))?;
    if entry.is_dir() {
        return Err(bad(format!("`{name}` is a directory")));
    }
    let mut data = Vec::new();
    entry
        .take(limits.max_file_bytes + 1)
        .read_to_end(&mut data)
        .map_err(|e| bad(format!("`{name}` is corrupt: {e}")))?;
    if data.len() as u64 > limits.max_file_bytes {
        return Err(bad(format!("`{name}` is larger than {} bytes", limits.max_file_bytes)));
    }
    Ok(data)
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    const MANIFEST: &str = r#"{"id":"6f1d0c3e-8a0b-4c55-9a57-2f3b7c1e9d01","name":"Hello","nameSlug":"hello",
        "version":"0.1.0","requiredApiVersion":"^0.1.0","author":{"name":"Orbit"},
        "permissions":[{"name":"slashcommand"}],"component":"app.wasm","iconFile":"icon.png"}"#;

    fn zip_of(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, data) in files {
            out.start_file(*name, zip::write::SimpleFileOptions::default()).unwrap();
            out.write_all(data).unwrap();
        }
        out.finish().unwrap().into_inner()
    }

    #[test]
    fn reads_manifest_component_and_icon() {
        let zip = zip_of(&[("app.json", MANIFEST.as_bytes()), ("app.wasm", b"\0asm"), ("icon.png", b"png")]);
        let package = AppPackage::from_zip(&zip, &PackageLimits::default()).unwrap();
        assert_eq!(package.manifest.name, "Hello");
        assert_eq!(package.component, b"\0asm");
        assert_eq!(package.icon.as_deref(), Some(&b"png"[..]));
    }

    #[test]
    fn refuses_bad_packages_with_reasons() {
        let limits = PackageLimits::default();
        let err = |zip: Vec<u8>| AppPackage::from_zip(&zip, &limits).unwrap_err().to_string();
        assert!(err(b"garbage".to_vec()).contains("not a readable zip"));
        assert!(err(zip_of(&[("app.wasm", b"x")])).contains("`app.json` is missing"));
        assert!(err(zip_of(&[("app.json", MANIFEST.as_bytes())])).contains("`app.wasm` is missing"));
        assert!(err(zip_of(&[("../evil", b"x"), ("app.json", MANIFEST.as_bytes())])).contains("unsafe path"));
        // Two `app.json` entries (a second one renamed in place: zip writers refuse to make it).
        let mut zip = zip_of(&[("app.json", MANIFEST.as_bytes()), ("xpp.json", MANIFEST.as_bytes())]);
        for i in 0..zip.len() - 8 {
            if &zip[i..i + 8] == b"xpp.json" {
                zip[i] = b'a';
            }
        }
        let e = err(zip);
        assert!(e.contains("two entries have the same name"), "{e}");
        let small = PackageLimits { max_file_bytes: 3, ..PackageLimits::default() };
        let zip = zip_of(&[("app.json", MANIFEST.as_bytes())]);
        assert!(AppPackage::from_zip(&zip, &small).unwrap_err().to_string().contains("larger than 3 bytes"));
    }
}
