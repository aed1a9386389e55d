//! The route recorder: each feature adds its routes to a [`Routes`], so the full list
//! is known (the authorisation matrix test walks it), and which forms are worth
//! holding when a session has ended. `app.rs` puts the features together.

use axum::Router;
use axum::handler::Handler;
use axum::http::Method;
use axum::routing::MethodRouter;

use crate::web::state::AppState;

/// Records each route as it is added, so tests can list them all.
pub struct Routes {
    pub(super) router: Router<AppState>,
    pub(super) list: Vec<(Method, &'static str)>,
    pub(super) keeps_typing: Vec<&'static str>,
}

impl Routes {
    pub(super) fn new() -> Self {
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
    /// saving after signing in again (see [`crate::web::held`]). Never for changes to roles,
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
