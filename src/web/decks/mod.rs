//! Conversation cards: decks, their themes and cards. Browse and draw (`browse`), make
//! and edit a partnership's own decks (`edit`), and get decks in and out — import with
//! preview, export, print view and PDF (`files`).

pub mod browse;
pub mod edit;
pub mod files;

use crate::web::Routes;

/// Every `/p/{slug}/cards/…` and `/p/{slug}/decks/…` route.
pub fn routes(r: Routes) -> Routes {
    files::routes(edit::routes(browse::routes(r)))
}
