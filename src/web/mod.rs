//! HTTP: one file per feature, each adding its routes to a [`Routes`] recorder so the
//! full list of routes is known (the authorisation matrix test walks it).

pub mod account;
pub mod actions;
pub mod activity;
pub mod admin;
pub mod auth;
pub mod charts;
pub mod checklists;
pub mod conflict;
pub mod conversations;
pub mod coverage;
pub mod decks;
pub mod directory;
pub mod download;
pub mod errors;
pub mod extract;
pub mod guard;
pub mod held;
pub mod markdown;
pub mod members;
pub mod ops;
pub mod partnerships;
pub mod session;
pub mod stock;

use std::sync::Arc;

use askama::Template;
use axum::Router;
use axum::handler::Handler;
use axum::http::{HeaderValue, Method, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::MethodRouter;

use crate::config::Settings;
use crate::db::Database;
use crate::error::AppError;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub db: Arc<dyn Database>,
    pub settings: Arc<Settings>,
    /// Base of links we hand out, without a trailing slash.
    pub public_url: Arc<str>,
    /// Organisations and members per partnership, checked against its version.
    pub directory: Arc<directory::DirectoryCache>,
    /// Instrument versions, parsed once.
    pub instruments: Arc<stock::InstrumentCache>,
}

impl AppState {
    /// State for a database and settings, with empty caches.
    pub fn new(db: Arc<dyn Database>, settings: Settings, public_url: &str) -> Self {
        AppState {
            db,
            settings: Arc::new(settings),
            public_url: public_url.into(),
            directory: Default::default(),
            instruments: Default::default(),
        }
    }
}

impl AppState {
    /// Cookies get `Secure` when people reach us over HTTPS.
    pub fn secure_cookies(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}

/// Records each route as it is added, so tests can list them all.
pub struct Routes {
    router: Router<AppState>,
    list: Vec<(Method, &'static str)>,
    keeps_typing: Vec<&'static str>,
}

impl Routes {
    fn new() -> Self {
        Routes {
            router: Router::new(),
            list: Vec::new(),
            keeps_typing: Vec::new(),
        }
    }

    fn add(mut self, method: Method, path: &'static str, mr: MethodRouter<AppState>) -> Self {
        self.list.push((method, path));
        self.router = self.router.route(path, mr);
        self
    }

    /// A page.
    pub fn get<H, T>(self, path: &'static str, h: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add(Method::GET, path, axum::routing::get(h))
    }

    /// A form target. Every POST handler takes a [`extract::SafeForm`], which checks CSRF.
    pub fn post<H, T>(self, path: &'static str, h: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add(Method::POST, path, axum::routing::post(h))
    }

    /// A form target where people type things worth keeping (notes, views, actions):
    /// if their session ended while they typed, the form is held for them to finish
    /// saving after signing in again (see [`held`]). Never for changes to roles,
    /// memberships, invitations, settings or accounts, and never for deletions.
    pub fn post_keeping<H, T>(mut self, path: &'static str, h: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.keeps_typing.push(path);
        self.post(path, h)
    }
}

/// The application's routes, as [`app_routes`] builds them.
pub struct AppRoutes {
    pub router: Router<AppState>,
    /// Every (method, pattern), sorted.
    pub list: Vec<(Method, &'static str)>,
    /// Patterns whose forms are held when a session has ended (see [`Routes::post_keeping`]).
    pub keeps_typing: held::KeepsTyping,
}

/// The application's routes (those behind the session layer), and their list.
pub fn app_routes() -> AppRoutes {
    let r = Routes::new();
    let r = auth::routes(r);
    let r = account::routes(r);
    let r = admin::routes(r);
    let r = partnerships::routes(r);
    let r = members::routes(r);
    let r = decks::routes(r);
    let r = conversations::routes(r);
    let r = conversations::summary::routes(r);
    let r = actions::routes(r);
    let r = coverage::routes(r);
    let r = held::routes(r);
    let r = stock::routes(r);
    let r = checklists::routes(r);
    let Routes {
        router,
        mut list,
        keeps_typing,
    } = r;
    // GET routes answer HEAD too; a route registered for GET and POST appears twice.
    list.sort_by(|a, b| (a.1, a.0.as_str()).cmp(&(b.1, b.0.as_str())));
    AppRoutes {
        router,
        list,
        keeps_typing: held::KeepsTyping::new(keeps_typing),
    }
}

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
        extract::FLASH_COOKIE,
        urlencode(message)
    );
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
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

/// Field errors for a form: shown in a summary at the top and beside each field.
#[derive(Debug, Default, Clone)]
pub struct Errors(Vec<(&'static str, String)>);

impl Errors {
    /// Record a problem with `field` (the first one for a field wins).
    pub fn add(&mut self, field: &'static str, message: impl Into<String>) {
        if self.get(field).is_none() {
            self.0.push((field, message.into()));
        }
    }

    /// Keep a validated value, or record its error and return an empty one.
    pub fn check(&mut self, field: &'static str, r: Result<String, String>) -> String {
        match r {
            Ok(v) => v,
            Err(e) => {
                self.add(field, e);
                String::new()
            }
        }
    }

    /// The message for one field.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }

    /// Does `field` have an error?
    pub fn has(&self, field: &str) -> bool {
        self.get(field).is_some()
    }

    /// No errors at all?
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// 200 for a clean form, 422 for one sent back with problems.
    pub fn status(&self) -> axum::http::StatusCode {
        if self.is_empty() {
            axum::http::StatusCode::OK
        } else {
            axum::http::StatusCode::UNPROCESSABLE_ENTITY
        }
    }

    /// All (field, message) pairs, in order.
    pub fn list(&self) -> &[(&'static str, String)] {
        &self.0
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

/// Format a timestamp for people.
pub fn date(ts: i64) -> String {
    crate::domain::format_date(ts)
}

/// A timestamp with its time of day (UK time), e.g. "4 March 2026 at 14:05".
pub fn date_time(ts: i64) -> String {
    let zone = jiff::tz::TimeZone::get(crate::domain::talk::TIME_ZONES[0])
        .unwrap_or(jiff::tz::TimeZone::UTC);
    match jiff::Timestamp::from_second(ts) {
        Ok(t) => {
            let z = t.to_zoned(zone);
            format!("{} at {:02}:{:02}", date(ts), z.hour(), z.minute())
        }
        Err(_) => String::new(),
    }
}

/// The first words of a long text, for the activity feed.
pub fn short(s: &str) -> String {
    if s.chars().count() <= 60 {
        s.to_string()
    } else {
        let cut: String = s.chars().take(57).collect();
        format!("{}…", cut.trim_end())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

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
