//! Conversation cards: decks, their themes and cards. Browse and draw (`browse`), make
//! and edit a partnership's own decks (`edit`) and their themes and cards
//! (`contents`), and get decks in and out — import with preview, export, print view
//! and PDF (`files`). Other features use only what this file offers: `visible_deck`,
//! `on_colour` and `search_words`.

pub mod browse;
pub mod contents;
pub mod edit;
pub mod files;

use crate::domain::model::{CardRow, DeckRow, Id};
use crate::domain::roles::Action;
use crate::error::AppError;
use crate::web::extract::Member;
use axum::response::Response;

use crate::web::conflict::ConflictField;
use crate::web::{AppState, Routes};

/// Every `/p/{slug}/cards/…` and `/p/{slug}/decks/…` route.
pub fn routes(r: Routes) -> Routes {
    files::routes(contents::routes(edit::routes(browse::routes(r))))
}

/// A deck this partnership may read (shipped, its own, or published), else 404.
pub async fn visible_deck(state: &AppState, m: &Member, id: Id) -> Result<DeckRow, AppError> {
    match state.db.deck(id).await? {
        Some(d)
            if d.partnership_id.is_none()
                || d.partnership_id == Some(m.partnership.id)
                || d.published =>
        {
            Ok(d)
        }
        _ => Err(AppError::NotFound),
    }
}

/// A deck this partnership owns and the member may edit; 404 if it cannot be seen,
/// 403 if it can be seen but is not theirs to change (copy it instead).
pub(super) async fn own_deck(state: &AppState, m: &Member, id: Id) -> Result<DeckRow, AppError> {
    m.require(Action::EditContent)?;
    let deck = visible_deck(state, m, id).await?;
    if deck.partnership_id == Some(m.partnership.id) {
        Ok(deck)
    } else {
        Err(AppError::Forbidden)
    }
}

/// A theme of `deck`, else 404.
pub(super) async fn own_theme(state: &AppState, deck: &DeckRow, theme: Id) -> Result<Id, AppError> {
    state
        .db
        .theme(theme)
        .await?
        .filter(|t| t.deck_id == deck.id)
        .map(|t| t.id)
        .ok_or(AppError::NotFound)
}

/// A card of `deck`, else 404.
pub(super) async fn own_card(
    state: &AppState,
    deck: &DeckRow,
    card: Id,
) -> Result<CardRow, AppError> {
    state
        .db
        .card(card)
        .await?
        .filter(|c| c.deck_id == deck.id)
        .ok_or(AppError::NotFound)
}

/// Where a deck is edited.
pub(super) fn edit_url(m: &Member, deck: Id) -> String {
    format!("/p/{}/decks/{deck}/edit", m.partnership.slug)
}

/// The style-sheet class for text on a theme colour (the one rule in `domain::colour`).
pub fn on_colour(hex: &str) -> &'static str {
    crate::domain::colour::text_on(hex).css_class()
}

/// Plain lower-case words from what someone typed (at most eight).
pub fn search_words(q: &str) -> Vec<String> {
    q.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .take(8)
        .collect()
}

/// What a conflict is about.
#[derive(Clone)]
pub enum ConflictKind {
    Deck,
    Card(Id),
    /// A theme, with the colour the person chose (carried through unchanged).
    Theme(Id, String),
}

/// One field in a conflict: (label, saved by someone else, yours).
type Pair = (&'static str, String, String);

/// Someone saved first: show both versions side by side, keep what this person typed,
/// and let them save theirs on top of the newer one, or leave it.
pub(super) fn conflict(
    m: &Member,
    deck: &DeckRow,
    kind: ConflictKind,
    fields: [Pair; 2],
    current_version: i64,
) -> Result<Response, AppError> {
    let slug = &m.partnership.slug;
    let (action, names, hidden) = match kind {
        ConflictKind::Deck => (
            format!("/p/{slug}/decks/{}/edit", deck.id),
            ["title", "notes"],
            vec![],
        ),
        ConflictKind::Card(card) => (
            format!("/p/{slug}/decks/{}/cards/{card}", deck.id),
            ["text", "prompt"],
            vec![],
        ),
        ConflictKind::Theme(theme, colour) => (
            format!("/p/{slug}/decks/{}/themes/{theme}", deck.id),
            ["name", "keywords"],
            vec![("colour".to_string(), colour)],
        ),
    };
    let fields = fields
        .into_iter()
        .zip(names)
        .map(|((label, theirs, yours), name)| ConflictField::text(label, name, &theirs, &yours))
        .collect();
    crate::web::conflict::conflict(
        m,
        &action,
        &edit_url(m, deck.id),
        current_version,
        fields,
        hidden,
    )
}
