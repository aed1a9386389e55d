//! The route recorder: each feature adds its routes to a [`Routes`], so the full list
//! is known (the authorisation matrix test walks it), and which forms are worth
//! holding when a session has ended.

use axum::Router;
use axum::handler::Handler;
use axum::http::Method;
use axum::routing::MethodRouter;

use crate::web::{
    AppState, account, actions, admin, auth, checklists, conversations, coverage, decks, held,
    partnerships, people, stock,
};

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
    let r = people::routes(r);
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
