//! A partnership's own decks: make one, edit its title and notes (the page also
//! holds the theme and card forms of `contents`), copy any deck to adapt it, delete,
//! and (site administrators) share one with everyone.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::browse::ThemeView;

use super::{ConflictKind, conflict, edit_url, own_deck, visible_deck};
use crate::db::Saved;
use crate::domain::decks::{DeckData, PALETTE, tidy};
use crate::domain::model::{CardRow, DeckRow, Id};
use crate::domain::now;
use crate::domain::roles::Action;
use crate::error::AppError;
use crate::web::extract::{Member, NoFields, SafeForm};
use crate::web::{AppState, Errors, PageCtx, Routes, redirect_with_flash, render, render_status};

pub fn routes(r: Routes) -> Routes {
    r.get("/p/{slug}/decks/new", new_page)
        .post_keeping("/p/{slug}/decks", create)
        .get("/p/{slug}/decks/{deck}/edit", edit_page)
        .post_keeping("/p/{slug}/decks/{deck}/edit", save_deck)
        .post("/p/{slug}/decks/{deck}/copy", copy)
        .post("/p/{slug}/decks/{deck}/delete", delete)
        .post("/p/{slug}/decks/{deck}/publish", publish)
}

/// Names for the palette colours, for the colour picker.
pub const COLOUR_NAMES: &[&str] = &[
    "Blue", "Rust", "Green", "Purple", "Berry", "Teal", "Olive", "Amber",
];

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct DeckForm {
    title: String,
    notes: String,
    /// The version the person started editing from.
    version: i64,
}

#[derive(Template)]
#[template(path = "decks/new_deck.html")]
struct NewDeckPage {
    c: PageCtx,
    slug: String,
    errors: Errors,
    f: DeckForm,
}

async fn new_page(m: Member) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    render(&NewDeckPage {
        c: m.page("Make a new deck"),
        slug: m.partnership.slug.clone(),
        errors: Errors::default(),
        f: DeckForm::default(),
    })
}

fn check_deck_form(f: &DeckForm, errors: &mut Errors) -> (String, String) {
    let title = tidy(&f.title);
    if title.is_empty() {
        errors.add("title", "Enter a title for the deck");
    } else if title.chars().count() > 200 {
        errors.add("title", "Title must be 200 characters or fewer");
    }
    let notes = f.notes.trim().to_string();
    if notes.chars().count() > 10_000 {
        errors.add("notes", "Notes must be 10,000 characters or fewer");
    }
    (title, notes)
}

async fn create(
    State(state): State<AppState>,
    m: Member,
    SafeForm(f): SafeForm<DeckForm>,
) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    let mut errors = Errors::default();
    let (title, notes) = check_deck_form(&f, &mut errors);
    if !errors.is_empty() {
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &NewDeckPage {
                c: m.page("Make a new deck"),
                slug: m.partnership.slug.clone(),
                errors,
                f,
            },
        );
    }
    let id = state
        .db
        .create_deck(
            m.partnership.id,
            Some(m.user.id),
            &DeckData {
                title,
                notes,
                themes: vec![],
            },
            now(),
        )
        .await?;
    Ok(redirect_with_flash(
        &edit_url(&m, id),
        "Your deck is ready. Add a theme, then its cards.",
    ))
}

struct EditTheme {
    theme: ThemeView,
    colour_index: usize,
    cards: Vec<CardRow>,
    first: bool,
    last: bool,
}

#[derive(Template)]
#[template(path = "decks/edit_deck.html")]
struct EditPage {
    c: PageCtx,
    slug: String,
    deck: DeckRow,
    themes: Vec<EditTheme>,
    colours: Vec<(usize, &'static str, &'static str)>,
    errors: Errors,
    f: DeckForm,
}

pub(super) async fn edit_page_with(
    state: &AppState,
    m: &Member,
    deck: DeckRow,
    errors: Errors,
    f: Option<DeckForm>,
) -> Result<Response, AppError> {
    let (themes, cards) = tokio::try_join!(state.db.themes(deck.id), state.db.deck_cards(deck.id))?;
    let n = themes.len();
    let themes = themes
        .into_iter()
        .enumerate()
        .map(|(i, t)| {
            let colour_index = PALETTE
                .iter()
                .position(|p| p.eq_ignore_ascii_case(&t.colour))
                .unwrap_or(usize::MAX);
            let cards = cards
                .iter()
                .filter(|c| c.theme_id == t.id)
                .cloned()
                .collect();
            EditTheme {
                theme: t.into(),
                colour_index,
                cards,
                first: i == 0,
                last: i + 1 == n,
            }
        })
        .collect();
    let status = errors.status();
    let f = f.unwrap_or(DeckForm {
        title: deck.title.clone(),
        notes: deck.notes.clone(),
        version: deck.version,
    });
    render_status(
        status,
        &EditPage {
            c: m.page(&format!("Edit {}", deck.title)),
            slug: m.partnership.slug.clone(),
            colours: PALETTE
                .iter()
                .zip(COLOUR_NAMES)
                .enumerate()
                .map(|(i, (hex, name))| (i, *hex, *name))
                .collect(),
            deck,
            themes,
            errors,
            f,
        },
    )
}

async fn edit_page(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
) -> Result<Response, AppError> {
    let deck = own_deck(&state, &m, id).await?;
    edit_page_with(&state, &m, deck, Errors::default(), None).await
}

async fn save_deck(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
    SafeForm(f): SafeForm<DeckForm>,
) -> Result<Response, AppError> {
    let deck = own_deck(&state, &m, id).await?;
    let mut errors = Errors::default();
    let (title, notes) = check_deck_form(&f, &mut errors);
    if !errors.is_empty() {
        return edit_page_with(&state, &m, deck, errors, Some(f)).await;
    }
    match state
        .db
        .update_deck(deck.id, f.version, &title, &notes, now())
        .await?
    {
        Saved::Saved => Ok(redirect_with_flash(
            &edit_url(&m, deck.id),
            "The deck's title and notes have been saved.",
        )),
        Saved::Stale => conflict(
            &m,
            &deck,
            ConflictKind::Deck,
            [
                ("Title", deck.title.clone(), title),
                ("Notes", deck.notes.clone(), notes),
            ],
            deck.version,
        ),
    }
}

async fn copy(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
    SafeForm(_): SafeForm<NoFields>,
) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    let deck = visible_deck(&state, &m, id).await?;
    let mut data = crate::db::decks::deck_data(state.db.as_ref(), &deck).await?;
    data.title = format!("{} (our copy)", data.title)
        .chars()
        .take(200)
        .collect();
    let new_id = state
        .db
        .create_deck(m.partnership.id, Some(m.user.id), &data, now())
        .await?;
    Ok(redirect_with_flash(
        &edit_url(&m, new_id),
        "This is your partnership's own copy. Change anything you like.",
    ))
}

async fn delete(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
    SafeForm(f): SafeForm<crate::web::Confirmed>,
) -> Result<Response, AppError> {
    let deck = own_deck(&state, &m, id).await?;
    if !f.yes() {
        let back = format!("/p/{}/decks/{}/edit", m.partnership.slug, deck.id);
        return crate::web::render(&crate::web::ConfirmPage {
            c: m.page(&format!("Delete “{}”?", crate::web::short(&deck.title))),
            heading: format!("Delete the deck “{}”?", deck.title),
            lines: vec![
                format!(
                    "This removes the deck with its {} themes and {} cards, for good: it \
                     cannot be undone. Conversations that used its cards keep their text.",
                    deck.theme_count, deck.card_count
                ),
                "If you might want it back, export it first (from the deck's page).".into(),
            ],
            fields: Vec::new(),
            action: format!("/p/{}/decks/{}/delete", m.partnership.slug, deck.id),
            button: "Yes, delete the deck",
            warning: true,
            back,
            back_label: "No, keep it",
        });
    }
    state.db.delete_deck(deck.id).await?;
    Ok(redirect_with_flash(
        &format!("/p/{}/cards", m.partnership.slug),
        &format!("The deck \u{201c}{}\u{201d} has been deleted.", deck.title),
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PublishForm {
    publish: String,
}

async fn publish(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
    SafeForm(f): SafeForm<PublishForm>,
) -> Result<Response, AppError> {
    let deck = own_deck(&state, &m, id).await?;
    if !m.user.is_admin {
        return Err(AppError::Forbidden);
    }
    let on = f.publish == "yes";
    state.db.set_deck_published(deck.id, on, now()).await?;
    let msg = if on {
        "Every partnership on this site can now see and copy this deck."
    } else {
        "This deck is now only visible to this partnership."
    };
    Ok(redirect_with_flash(
        &format!("/p/{}/decks/{}", m.partnership.slug, deck.id),
        msg,
    ))
}
