//! A partnership's own decks: make one, edit its themes and cards, reorder, copy any
//! deck to adapt it, delete, and (site administrators) share one with everyone.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::browse::{ThemeView, visible_deck};
use crate::db::{Move, Saved};
use crate::domain::decks::{self, DeckData, PALETTE, split_keywords, tidy};
use crate::domain::model::{CardRow, DeckRow, Id};
use crate::domain::now;
use crate::domain::roles::Action;
use crate::error::AppError;
use crate::web::conflict::ConflictField;
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
        .post_keeping("/p/{slug}/decks/{deck}/themes", add_theme)
        .post_keeping("/p/{slug}/decks/{deck}/themes/{theme}", save_theme)
        .post("/p/{slug}/decks/{deck}/themes/{theme}/delete", delete_theme)
        .post("/p/{slug}/decks/{deck}/themes/{theme}/move", move_theme)
        .post_keeping("/p/{slug}/decks/{deck}/themes/{theme}/cards", add_card)
        .post_keeping("/p/{slug}/decks/{deck}/cards/{card}", save_card)
        .post("/p/{slug}/decks/{deck}/cards/{card}/delete", delete_card)
        .post("/p/{slug}/decks/{deck}/cards/{card}/move", move_card)
}

/// Names for the palette colours, for the colour picker.
pub const COLOUR_NAMES: &[&str] = &[
    "Blue", "Rust", "Green", "Purple", "Berry", "Teal", "Olive", "Amber",
];

/// A deck this partnership owns and the member may edit; 404 if it cannot be seen,
/// 403 if it can be seen but is not theirs to change (copy it instead).
async fn own_deck(state: &AppState, m: &Member, id: Id) -> Result<DeckRow, AppError> {
    m.require(Action::EditContent)?;
    let deck = visible_deck(state, m, id).await?;
    if deck.partnership_id == Some(m.partnership.id) {
        Ok(deck)
    } else {
        Err(AppError::Forbidden)
    }
}

async fn own_theme(state: &AppState, deck: &DeckRow, theme: Id) -> Result<Id, AppError> {
    state
        .db
        .theme(theme)
        .await?
        .filter(|t| t.deck_id == deck.id)
        .map(|t| t.id)
        .ok_or(AppError::NotFound)
}

async fn own_card(state: &AppState, deck: &DeckRow, card: Id) -> Result<CardRow, AppError> {
    state
        .db
        .card(card)
        .await?
        .filter(|c| c.deck_id == deck.id)
        .ok_or(AppError::NotFound)
}

fn edit_url(m: &Member, deck: Id) -> String {
    format!("/p/{}/decks/{deck}/edit", m.partnership.slug)
}

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

async fn edit_page_with(
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
    SafeForm(_): SafeForm<NoFields>,
) -> Result<Response, AppError> {
    let deck = own_deck(&state, &m, id).await?;
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

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ThemeForm {
    name: String,
    keywords: String,
    colour: String,
    /// The version the person started editing from (absent when adding a theme).
    version: i64,
}

fn check_theme(f: &ThemeForm, fallback_colour: usize) -> Result<(String, String, String), String> {
    let name = tidy(&f.name);
    if name.is_empty() {
        return Err("Enter a name for the theme".into());
    }
    if name.chars().count() > 120 {
        return Err("Theme names must be 120 characters or fewer".into());
    }
    let keywords = split_keywords(&f.keywords).join(", ");
    if keywords.chars().count() > 200 {
        return Err("Keywords must be 200 characters or fewer".into());
    }
    let colour = f
        .colour
        .parse::<usize>()
        .ok()
        .and_then(|i| PALETTE.get(i))
        .unwrap_or(&PALETTE[fallback_colour % PALETTE.len()]);
    Ok((name, keywords, colour.to_string()))
}

async fn add_theme(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
    SafeForm(f): SafeForm<ThemeForm>,
) -> Result<Response, AppError> {
    let deck = own_deck(&state, &m, id).await?;
    match check_theme(&f, deck.theme_count as usize) {
        Ok((name, keywords, colour)) => {
            state
                .db
                .add_theme(deck.id, &name, &keywords, &colour, now())
                .await?;
            Ok(redirect_with_flash(
                &edit_url(&m, deck.id),
                &format!("The theme \u{201c}{name}\u{201d} has been added."),
            ))
        }
        Err(e) => {
            let mut errors = Errors::default();
            errors.add("new-theme-name", e);
            edit_page_with(&state, &m, deck, errors, None).await
        }
    }
}

async fn save_theme(
    State(state): State<AppState>,
    m: Member,
    Path((_, id, theme)): Path<(String, Id, Id)>,
    SafeForm(f): SafeForm<ThemeForm>,
) -> Result<Response, AppError> {
    let deck = own_deck(&state, &m, id).await?;
    let theme_id = own_theme(&state, &deck, theme).await?;
    let (name, keywords, colour) = match check_theme(&f, 0) {
        Ok(v) => v,
        Err(e) => {
            return Ok(redirect_with_flash(
                &edit_url(&m, deck.id),
                &format!("The theme was not saved: {e}."),
            ));
        }
    };
    match state
        .db
        .update_theme(theme_id, f.version, &name, &keywords, &colour, now())
        .await?
    {
        Saved::Saved => Ok(redirect_with_flash(
            &format!("{}#theme-{theme_id}", edit_url(&m, deck.id)),
            "The theme has been saved.",
        )),
        Saved::Stale => {
            let current = state.db.theme(theme_id).await?.ok_or(AppError::NotFound)?;
            conflict(
                &m,
                &deck,
                ConflictKind::Theme(theme_id, f.colour.clone()),
                [
                    ("Theme name", current.name, name),
                    ("Keywords", current.keywords, keywords),
                ],
                current.version,
            )
        }
    }
}

async fn delete_theme(
    State(state): State<AppState>,
    m: Member,
    Path((_, id, theme)): Path<(String, Id, Id)>,
    SafeForm(_): SafeForm<NoFields>,
) -> Result<Response, AppError> {
    let deck = own_deck(&state, &m, id).await?;
    let theme = own_theme(&state, &deck, theme).await?;
    state.db.delete_theme(theme, now()).await?;
    Ok(redirect_with_flash(
        &edit_url(&m, deck.id),
        "The theme and its cards have been deleted.",
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MoveForm {
    direction: String,
}

fn direction(f: &MoveForm) -> Result<Move, AppError> {
    match f.direction.as_str() {
        "up" => Ok(Move::Up),
        "down" => Ok(Move::Down),
        _ => Err(AppError::BadRequest("direction must be up or down".into())),
    }
}

async fn move_theme(
    State(state): State<AppState>,
    m: Member,
    Path((_, id, theme)): Path<(String, Id, Id)>,
    SafeForm(f): SafeForm<MoveForm>,
) -> Result<Response, AppError> {
    let deck = own_deck(&state, &m, id).await?;
    let theme = own_theme(&state, &deck, theme).await?;
    state.db.move_theme(theme, direction(&f)?, now()).await?;
    Ok(Redirect::to(&format!("{}#theme-{theme}", edit_url(&m, deck.id))).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CardForm {
    text: String,
    prompt: String,
    /// The version the person started editing from.
    version: i64,
}

fn check_card(f: &CardForm) -> Result<(String, Option<String>), String> {
    let text = tidy(&f.text);
    let prompt = Some(tidy(&f.prompt)).filter(|p| !p.is_empty());
    if text.is_empty() {
        return Err("Write the card's question".into());
    }
    if text.chars().count() > decks::MAX_CARD_CHARS
        || prompt
            .as_ref()
            .is_some_and(|p| p.chars().count() > decks::MAX_CARD_CHARS)
    {
        return Err(format!(
            "A question or prompt must be {} characters or fewer",
            decks::MAX_CARD_CHARS
        ));
    }
    Ok((text, prompt))
}

async fn add_card(
    State(state): State<AppState>,
    m: Member,
    Path((_, id, theme)): Path<(String, Id, Id)>,
    SafeForm(f): SafeForm<CardForm>,
) -> Result<Response, AppError> {
    let deck = own_deck(&state, &m, id).await?;
    let theme = own_theme(&state, &deck, theme).await?;
    match check_card(&f) {
        Ok((text, prompt)) => {
            state
                .db
                .add_card(theme, &text, prompt.as_deref(), now())
                .await?;
            Ok(Redirect::to(&format!("{}#theme-{theme}", edit_url(&m, deck.id))).into_response())
        }
        Err(e) => {
            let mut errors = Errors::default();
            errors.add("new-card", e);
            edit_page_with(&state, &m, deck, errors, None).await
        }
    }
}

async fn save_card(
    State(state): State<AppState>,
    m: Member,
    Path((_, id, card)): Path<(String, Id, Id)>,
    SafeForm(f): SafeForm<CardForm>,
) -> Result<Response, AppError> {
    let deck = own_deck(&state, &m, id).await?;
    let card = own_card(&state, &deck, card).await?;
    let (text, prompt) = match check_card(&f) {
        Ok(v) => v,
        Err(e) => {
            return Ok(redirect_with_flash(
                &edit_url(&m, deck.id),
                &format!("The card was not saved: {e}."),
            ));
        }
    };
    match state
        .db
        .update_card(card.id, f.version, &text, prompt.as_deref(), now())
        .await?
    {
        Saved::Saved => Ok(redirect_with_flash(
            &format!("{}#card-{}", edit_url(&m, deck.id), card.id),
            "The card has been saved.",
        )),
        Saved::Stale => conflict(
            &m,
            &deck,
            ConflictKind::Card(card.id),
            [
                ("Question", card.text.clone(), text),
                (
                    "Prompt",
                    card.prompt.clone().unwrap_or_default(),
                    prompt.unwrap_or_default(),
                ),
            ],
            card.version,
        ),
    }
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
fn conflict(
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

async fn delete_card(
    State(state): State<AppState>,
    m: Member,
    Path((_, id, card)): Path<(String, Id, Id)>,
    SafeForm(_): SafeForm<NoFields>,
) -> Result<Response, AppError> {
    let deck = own_deck(&state, &m, id).await?;
    let card = own_card(&state, &deck, card).await?;
    state.db.delete_card(card.id, now()).await?;
    Ok(redirect_with_flash(
        &format!("{}#theme-{}", edit_url(&m, deck.id), card.theme_id),
        "The card has been deleted.",
    ))
}

async fn move_card(
    State(state): State<AppState>,
    m: Member,
    Path((_, id, card)): Path<(String, Id, Id)>,
    SafeForm(f): SafeForm<MoveForm>,
) -> Result<Response, AppError> {
    let deck = own_deck(&state, &m, id).await?;
    let card = own_card(&state, &deck, card).await?;
    state.db.move_card(card.id, direction(&f)?, now()).await?;
    Ok(Redirect::to(&format!("{}#card-{}", edit_url(&m, deck.id), card.id)).into_response())
}
