//! The whole application's routes: every feature, added to one [`Routes`] recorder.
//! The only file of `web/` that knows every feature (startup serves what it builds).

use axum::Router;
use axum::http::Method;

use crate::web::routes::Routes;
use crate::web::{
    AppState, account, actions, activity, admin, auth, checklists, conversations, coverage, decks,
    file, held, live, partnerships, people, stock,
};

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
    let r = actions::routes(r);
    let r = coverage::routes(r);
    let r = activity::routes(r);
    let r = held::routes(r);
    let r = stock::routes(r);
    let r = checklists::routes(r);
    let r = live::routes(r);
    let r = file::routes(r);
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
