//! Identifiers and secrets in Meteor's formats.

use base64::Engine;
use rand::Rng;
use sha2::{Digest, Sha256};

const UNMISTAKABLE: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTWXYZabcdefghijkmnopqrstuvwxyz";
const BASE64URL: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// A Meteor-style random id: 17 characters of the unmistakable alphabet.
pub fn random_id() -> String {
    random_from(UNMISTAKABLE, 17)
}

/// A login token as Meteor issues them (43 characters, URL-safe).
pub fn random_token() -> String {
    random_from(BASE64URL, 43)
}

/// `len` random characters of `alphabet`, from the OS-seeded thread generator.
pub fn random_from(alphabet: &[u8], len: usize) -> String {
    let mut rng = rand::thread_rng();
    (0..len).map(|_| alphabet[rng.gen_range(0..alphabet.len())] as char).collect()
}

/// How a login token is stored: base64 of its SHA-256, as Meteor's `Accounts._hashLoginToken`.
pub fn hash_token(token: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(Sha256::digest(token.as_bytes()))
}

/// Lower-case hex SHA-256, the digest clients send instead of a plain password.
pub fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        let id = random_id();
        assert_eq!(id.len(), 17);
        assert!(id.bytes().all(|b| UNMISTAKABLE.contains(&b)));
        assert_eq!(random_token().len(), 43);
        assert_eq!(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert_eq!(hash_token("x").len(), 44);
    }
}
