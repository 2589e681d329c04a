//! Secrets sealed at rest (TOTP secrets): XChaCha20-Poly1305 under a server key, which is
//! `ORBIT_SECRET_KEY` (64 hex digits) or else `<data dir>/secret.key`, created on first start
//! (mode 0600). Keep the key out of the data dir's backups, or set `ORBIT_SECRET_KEY`, so a
//! copy of the database alone reveals no secret. Losing the key makes sealed secrets
//! unreadable: their users enrol again.

use std::path::Path;

use anyhow::{Context, bail};
use base64::Engine;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

use crate::config::Config;

/// The prefix of a sealed value; a stored value without it is an older plain one.
const PREFIX: &str = "sealed:v1:";
const NONCE_LEN: usize = 24;

/// Seals and opens secrets with the server key.
pub struct SecretBox(XChaCha20Poly1305);

impl SecretBox {
    /// The box for the configured key, creating the key file when there is none.
    pub fn load(config: &Config) -> anyhow::Result<Self> {
        let hex_key = match &config.secret_key {
            Some(key) => key.trim().to_string(),
            None => key_file(&config.data_dir)?,
        };
        let key = hex::decode(&hex_key).context("the secret key is not hex")?;
        if key.len() != 32 {
            bail!("the secret key must be 32 bytes (64 hex digits), not {}", key.len());
        }
        Ok(SecretBox(XChaCha20Poly1305::new_from_slice(&key).context("secret key")?))
    }

    /// A box with a fixed key (tests).
    pub fn with_key(key: [u8; 32]) -> Self {
        SecretBox(XChaCha20Poly1305::new(&key.into()))
    }

    /// `plain`, sealed: `sealed:v1:` and base64 of a random nonce and the ciphertext.
    pub fn seal(&self, plain: &str) -> String {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let sealed = self.0.encrypt(&nonce, plain.as_bytes()).expect("in-memory encryption cannot fail");
        let mut bytes = nonce.to_vec();
        bytes.extend(sealed);
        format!("{PREFIX}{}", base64::engine::general_purpose::STANDARD_NO_PAD.encode(bytes))
    }

    /// The plain text of a stored value: opened when sealed, as is when stored plain by an
    /// older version. `None` when it was sealed with another key or was altered.
    pub fn open(&self, stored: &str) -> Option<String> {
        let Some(sealed) = stored.strip_prefix(PREFIX) else { return Some(stored.to_string()) };
        let bytes = base64::engine::general_purpose::STANDARD_NO_PAD.decode(sealed).ok()?;
        if bytes.len() < NONCE_LEN {
            return None;
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        let plain = self.0.decrypt(XNonce::from_slice(nonce), ciphertext).ok()?;
        String::from_utf8(plain).ok()
    }
}

/// The hex key in `<dir>/secret.key`, created (32 random bytes, owner-only) if missing.
fn key_file(dir: &Path) -> anyhow::Result<String> {
    let path = dir.join("secret.key");
    if let Ok(key) = std::fs::read_to_string(&path) {
        return Ok(key.trim().to_string());
    }
    std::fs::create_dir_all(dir)?;
    let key = hex::encode(XChaCha20Poly1305::generate_key(&mut OsRng));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&path).with_context(|| format!("creating {}", path.display()))?;
    std::io::Write::write_all(&mut file, key.as_bytes())?;
    file.sync_all()?;
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seals_opens_and_refuses_other_keys() {
        let a = SecretBox::with_key([7; 32]);
        let sealed = a.seal("JBSWY3DPEHPK3PXP");
        assert!(sealed.starts_with(PREFIX) && !sealed.contains("JBSWY3DPEHPK3PXP"));
        assert_ne!(sealed, a.seal("JBSWY3DPEHPK3PXP"), "a fresh nonce each time");
        assert_eq!(a.open(&sealed).as_deref(), Some("JBSWY3DPEHPK3PXP"));
        assert_eq!(SecretBox::with_key([8; 32]).open(&sealed), None);
        assert_eq!(a.open(&format!("{sealed}A")), None);
        assert_eq!(a.open("PLAINOLD").as_deref(), Some("PLAINOLD"));
    }

    #[test]
    fn the_key_file_is_made_once() {
        let dir = std::env::temp_dir().join(format!("orbit-sealed-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let first = key_file(&dir).unwrap();
        assert_eq!(first.len(), 64);
        assert_eq!(key_file(&dir).unwrap(), first);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
