//! Page furniture: the layout's context, rendering, redirects with a one-off message,
//! `next=` after sign-in, a plain message page, and dates and short texts as people
//! read them.

use askama::Template;
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Redirect, Response};

use crate::error::AppError;
use crate::web::cookies::FLASH_COOKIE;

/// What the page layout needs: who is signed in, the CSRF token, any one-off message.
#[derive(Debug, Clone, Default)]
pub struct PageCtx {
    pub title: String,
    pub user_name: Option<String>,
    pub is_admin: bool,
    pub csrf: String,
    pub flash: Option<String>,
    /// Shown in the header when inside a partnership: (slug, name).
    pub partnership: Option<(String, String)>,
}

impl PageCtx {
    /// For error pages rendered without a request at hand.
    pub fn bare(title: &str) -> Self {
        PageCtx {
            title: title.to_string(),
            ..Default::default()
        }
    }

    /// For a form sent back with a problem (`bounced`): no one-off message from before
    /// (it would read as if the form had worked).
    pub fn quiet(mut self, bounced: bool) -> Self {
        if bounced {
            self.flash = None;
        }
        self
    }

    /// The page title as the browser tab shows it.
    pub fn full_title(&self) -> String {
        if self.title.is_empty() {
            "Tandem".into()
        } else {
            format!("{} – Tandem", self.title)
        }
    }

    /// Is someone signed in?
    pub fn signed_in(&self) -> bool {
        self.user_name.is_some()
    }
}

/// Render a template to a response.
pub fn render<T: Template>(t: &T) -> Result<Response, AppError> {
    Ok(Html(t.render()?).into_response())
}

/// Render with a status other than 200 (e.g. 422 for a form with errors).
pub fn render_status<T: Template>(
    status: axum::http::StatusCode,
    t: &T,
) -> Result<Response, AppError> {
    Ok((status, Html(t.render()?)).into_response())
}

/// Redirect after a successful POST, leaving a message for the next page.
pub fn redirect_with_flash(to: &str, message: &str) -> Response {
    let mut resp = Redirect::to(to).into_response();
    let cookie = format!(
        "{}={}; Path=/; HttpOnly; SameSite=Lax; Max-Age=120",
        FLASH_COOKIE,
        urlencode(message)
    );
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

/// Like [`redirect_with_flash`], for a problem that belongs to no one field (the last
/// lead trying to leave): the message is shown as a problem, not as a success.
pub fn redirect_with_problem(to: &str, message: &str) -> Response {
    redirect_with_flash(to, &format!("!{message}"))
}

/// Percent-encode for a query string or cookie value.
pub fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Where `next=` leads when it is missing or not one of our own pages.
pub const NEXT_HOME: &str = "/partnerships";

/// Only follow `next=` to our own pages: a path on this site, rebuilt from its parsed
/// form. Browsers drop tabs and line breaks from addresses and read `\` as `/`, so
/// `/\t/evil.test` or `/\evil.test` would take people to another site: anything but
/// visible ASCII without a backslash is refused outright, which also keeps the value
/// safe to put in a `Location` header.
pub fn safe_next(next: Option<&str>) -> String {
    let Some(n) = next else {
        return NEXT_HOME.into();
    };
    if n.is_empty() || !n.bytes().all(|b| b.is_ascii_graphic() && b != b'\\') {
        return NEXT_HOME.into();
    }
    match n.parse::<axum::http::uri::PathAndQuery>() {
        Ok(pq) if pq.path().starts_with('/') && !pq.path().starts_with("//") => pq.to_string(),
        _ => NEXT_HOME.into(),
    }
}

/// A simple page of text: a title, a lead sentence and an optional link.
#[derive(Template)]
#[template(path = "message.html")]
pub struct MessagePage {
    pub c: PageCtx,
    pub lead: String,
    pub detail: String,
    pub link: Option<(String, String)>,
}

/// "Are you sure?": a page that asks before something that cannot be undone, and
/// works without JavaScript. Its form posts back to the action's own address.
#[derive(Template)]
#[template(path = "confirm.html")]
pub struct ConfirmPage {
    pub c: PageCtx,
    pub heading: String,
    /// What will happen, a paragraph each.
    pub lines: Vec<String>,
    /// Where the form posts.
    pub action: String,
    /// Other fields the form sends again, as (name, value).
    pub fields: Vec<(String, String)>,
    /// The button's words, and whether it is drawn as a warning.
    pub button: &'static str,
    pub warning: bool,
    /// Where "no" goes back to, and its words.
    pub back: String,
    pub back_label: &'static str,
}

/// The form of an action that asks first: the confirmation page sends `confirm=yes`;
/// the first press of the button (without it) gets the confirmation page instead.
#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct Confirmed {
    confirm: String,
}

impl Confirmed {
    /// The person has said yes on the confirmation page.
    pub fn yes(&self) -> bool {
        self.confirm == "yes"
    }
}

/// Format a timestamp for people.
pub fn date(ts: i64) -> String {
    crate::domain::format_date(ts)
}

/// A timestamp with its time of day in `zone` (a partnership's time zone), e.g.
/// "4 March 2026 at 14:05". Date and time are both read in the zone.
pub fn date_time(ts: i64, zone: &str) -> String {
    let zone = jiff::tz::TimeZone::get(zone).unwrap_or(jiff::tz::TimeZone::UTC);
    match jiff::Timestamp::from_second(ts) {
        Ok(t) => {
            let z = t.to_zoned(zone);
            format!(
                "{} at {:02}:{:02}",
                crate::domain::time::format_day(&z.date().to_string()),
                z.hour(),
                z.minute()
            )
        }
        Err(_) => String::new(),
    }
}

/// The first words of a long text, for the activity feed.
pub fn short(s: &str) -> String {
    if s.chars().count() <= 60 {
        s.to_string()
    } else {
        // Cut at the last space within the first 57 characters (not mid-word), and
        // drop punctuation left at the cut.
        let cut: String = s.chars().take(57).collect();
        let at = cut.rfind(' ').filter(|&i| i >= 20).unwrap_or(cut.len());
        format!(
            "{}…",
            cut[..at].trim_end_matches(|c: char| c.is_whitespace() || ",.;:-–".contains(c))
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn short_cuts_between_words() {
        assert_eq!(short("A short title"), "A short title");
        let long = "The organisations we need to reach our shared aim are realistic. Yes.";
        assert_eq!(
            short(long),
            "The organisations we need to reach our shared aim are…"
        );
        let one_word = "x".repeat(80);
        assert_eq!(short(&one_word).chars().count(), 58);
    }

    /// Where a browser would go for a `Location: value` sent by https://tandem.test.
    fn lands_on(value: &str) -> Option<String> {
        let base = url::Url::parse("https://tandem.test/login").ok()?;
        base.join(value).ok()?.host_str().map(str::to_string)
    }

    #[test]
    fn next_refuses_other_sites_and_odd_characters() {
        for bad in [
            "//evil.test",
            "/\\evil.test",
            "/\t/evil.test",
            "/\n/evil.test",
            "/\r\n/evil.test",
            "/\u{b}/evil.test",
            "/\u{0}x",
            "\\\\evil.test",
            "https://evil.test/",
            "evil.test",
            " /x",
            "/caf\u{e9}",
            "",
        ] {
            assert_eq!(safe_next(Some(bad)), NEXT_HOME, "{bad:?}");
        }
        assert_eq!(safe_next(None), NEXT_HOME);
        for good in ["/p/carers/actions?status=open", "/held/abc", "/p/x%2F%2Fy"] {
            assert_eq!(safe_next(Some(good)), good);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]
        /// Whatever is sent, the answer is a header-safe path that a browser resolves to
        /// this site.
        #[test]
        fn next_always_stays_on_this_site(
            s in prop::string::string_regex("[/\\\\\t\n\r\u{b}\u{c} a-z.:@%?#\u{0}-\u{1f}\u{7f}\u{85}\u{3000}]{0,12}").unwrap()
        ) {
            let next = safe_next(Some(&s));
            prop_assert!(axum::http::HeaderValue::from_str(&next).is_ok());
            let host = lands_on(&next);
            prop_assert_eq!(host.as_deref(), Some("tandem.test"), "{:?} -> {:?}", s, next);
        }
    }
}
