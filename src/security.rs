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

/// The CSRF token as one page carries it: a fresh random mask, then the token XORed
/// with that mask, both as hex. Every response carries different bytes, so a
/// compressed page never repeats the secret for an attacker to guess at (BREACH).
pub fn mask_csrf(token: &str) -> String {
    let t = token.as_bytes();
    let mut mask = vec![0u8; t.len()];
    getrandom::fill(&mut mask).expect("the operating system's random source failed");
    let masked: Vec<u8> = mask.iter().zip(t).map(|(m, b)| m ^ b).collect();
    format!("{}{}", to_hex(&mask), to_hex(&masked))
}

/// Does a token sent back with a form, masked by [`mask_csrf`], carry `token`?
/// Unmasked tokens are refused: pages only ever hold masked ones.
pub fn csrf_matches(sent: &str, token: &str) -> bool {
    let Some(bytes) = from_hex(sent) else {
        return false;
    };
    if token.is_empty() || bytes.len() != 2 * token.len() {
        return false;
    }
    let (mask, masked) = bytes.split_at(token.len());
    let unmasked: Vec<u8> = mask.iter().zip(masked).map(|(m, x)| m ^ x).collect();
    bytes_eq(&unmasked, token.as_bytes())
}

fn from_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Compare two strings in time that does not depend on where they differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    bytes_eq(a.as_bytes(), b.as_bytes())
}

/// [`constant_time_eq`] for bytes.
fn bytes_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
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
    fn masked_csrf_differs_every_time_and_still_matches() {
        let token = csrf_for("cookie");
        let (a, b) = (mask_csrf(&token), mask_csrf(&token));
        assert_ne!(a, b);
        assert!(!a.contains(&token) && !b.contains(&token));
        assert!(csrf_matches(&a, &token) && csrf_matches(&b, &token));
        assert!(!csrf_matches(&a, &csrf_for("other cookie")));
        // The bare token, a truncated one, junk and empty values are all refused.
        assert!(!csrf_matches(&token, &token));
        assert!(!csrf_matches(&a[..a.len() - 2], &token));
        assert!(!csrf_matches(&"zz".repeat(a.len() / 2), &token));
        assert!(!csrf_matches("", &token));
        assert!(!csrf_matches("", ""));
    }

    #[test]
    fn csrf_depends_on_cookie() {
        assert_ne!(csrf_for("one"), csrf_for("two"));
        assert!(constant_time_eq(&csrf_for("one"), &csrf_for("one")));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "ab"));
    }
}
