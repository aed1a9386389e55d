//! Tandem's cookies: their names, reading one from a request, and setting one with the
//! standard flags (`HttpOnly`, `SameSite=Lax`, and `Secure` over HTTPS).

use axum::http::{HeaderMap, HeaderValue, header};

/// Holds the session token of a signed-in browser.
pub const SESSION_COOKIE: &str = "tandem_session";
/// Holds a random value for visitors who are not signed in, so their forms get CSRF tokens too.
pub const ANON_COOKIE: &str = "tandem_visitor";
/// A one-off message for the next page ("Saved").
pub const FLASH_COOKIE: &str = "tandem_flash";

/// Read one cookie's value.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value with our standard flags.
pub fn set_cookie(name: &str, value: &str, secure: bool, max_age: Option<i64>) -> HeaderValue {
    let mut s = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if secure {
        s.push_str("; Secure");
    }
    if let Some(age) = max_age {
        s.push_str(&format!("; Max-Age={age}"));
    }
    HeaderValue::from_str(&s).expect("cookie values are hex or percent-encoded")
}
