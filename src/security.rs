//! Secrets: random tokens, their stored hashes, password hashing and CSRF tokens.

use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use sha2::{Digest, Sha256};

/// A fresh random token: 256 bits from the operating system's CSPRNG, as hex.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system's random source failed");
    to_hex(&bytes)
}

/// What the database keeps instead of a token: its SHA-256, as hex. Tokens are long and
/// random, so a fast hash is enough; a leaked table does not give working tokens.
pub fn token_hash(token: &str) -> String {
    to_hex(&Sha256::digest(token.as_bytes()))
}

/// The CSRF token that belongs to a session (or anonymous-visitor) token. Only someone
/// who holds the cookie can compute it, and a new sign-in gives a new one.
pub fn csrf_for(cookie_token: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"tandem-csrf\0");
    h.update(cookie_token.as_bytes());
    to_hex(&h.finalize())[..32].to_string()
}

/// Compare two strings in time that does not depend on where they differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn to_hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(HEX[(b >> 4) as usize] as char);
        s.push(HEX[(b & 15) as usize] as char);
    }
    s
}

/// Hash a password with argon2id (the crate's default parameters, a random salt).
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("could not hash password: {e}"))
}

/// Check a password against a stored hash. A malformed hash counts as "no".
pub fn verify_password(password: &str, hash: &str) -> bool {
    Argon2::default()
        .verify_password(password.as_bytes(), hash)
        .is_ok()
}

/// A hash of a password nobody has, checked when an email is unknown so that a wrong
/// email takes as long as a wrong password.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password(&new_token()).expect("hashing works"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_hashed() {
        let a = new_token();
        let b = new_token();
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert_ne!(token_hash(&a), a);
        assert_eq!(token_hash(&a), token_hash(&a));
    }

    #[test]
    fn passwords_verify() {
        let h = hash_password("a long and unusual phrase").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("a long and unusual phrase", &h));
        assert!(!verify_password("a long and unusual phrasE", &h));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn csrf_depends_on_cookie() {
        assert_ne!(csrf_for("one"), csrf_for("two"));
        assert!(constant_time_eq(&csrf_for("one"), &csrf_for("one")));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "ab"));
    }
}
