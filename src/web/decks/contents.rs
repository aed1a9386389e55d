//! A deck's contents: add, change, reorder and remove its themes and cards, each
//! from the deck's edit page, with "someone else saved first" handled per field.

use super::edit::edit_page_with;
use super::{ConflictKind, conflict, edit_url, own_card, own_deck, own_theme};
use crate::db::{Move, Saved};
use crate::domain::decks::{self, PALETTE, split_keywords, tidy};
use crate::domain::model::Id;
use crate::domain::now;
use crate::error::AppError;
use crate::web::extract::{Member, SafeForm};
use crate::web::{AppState, Errors, Routes, redirect_with_flash};
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

pub fn routes(r: Routes) -> Routes {
    r.post_keeping("/p/{slug}/decks/{deck}/themes", add_theme)
        .post_keeping("/p/{slug}/decks/{deck}/themes/{theme}", save_theme)
        .post("/p/{slug}/decks/{deck}/themes/{theme}/delete", delete_theme)
        .post("/p/{slug}/decks/{deck}/themes/{theme}/move", move_theme)
        .post_keeping("/p/{slug}/decks/{deck}/themes/{theme}/cards", add_card)
        .post_keeping("/p/{slug}/decks/{deck}/cards/{card}", save_card)
        .post("/p/{slug}/decks/{deck}/cards/{card}/delete", delete_card)
        .post("/p/{slug}/decks/{deck}/cards/{card}/move", move_card)
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
    SafeForm(f): SafeForm<crate::web::Confirmed>,
) -> Result<Response, AppError> {
    let deck = own_deck(&state, &m, id).await?;
    let theme = own_theme(&state, &deck, theme).await?;
    if !f.yes() {
        let name = state
            .db
            .theme(theme)
            .await?
            .map(|t| t.name)
            .unwrap_or_default();
        return crate::web::render(&crate::web::ConfirmPage {
            c: m.page(&format!("Delete “{}”?", crate::web::short(&name))),
            heading: format!("Delete the theme “{name}” and its cards?"),
            lines: vec![
                "Its cards go with it, for good: it cannot be undone. Conversations that \
                 used them keep their text."
                    .into(),
            ],
            fields: Vec::new(),
            action: format!(
                "/p/{}/decks/{}/themes/{theme}/delete",
                m.partnership.slug, deck.id
            ),
            button: "Yes, delete the theme",
            warning: true,
            back: edit_url(&m, deck.id),
            back_label: "No, keep it",
        });
    }
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

async fn delete_card(
    State(state): State<AppState>,
    m: Member,
    Path((_, id, card)): Path<(String, Id, Id)>,
    SafeForm(f): SafeForm<crate::web::Confirmed>,
) -> Result<Response, AppError> {
    let deck = own_deck(&state, &m, id).await?;
    let card = own_card(&state, &deck, card).await?;
    if !f.yes() {
        let back = format!("{}#card-{}", edit_url(&m, deck.id), card.id);
        return crate::web::render(&crate::web::ConfirmPage {
            c: m.page("Delete this card?"),
            heading: "Delete this card?".into(),
            lines: vec![
                format!("“{}”", card.text),
                "It goes from the deck for good: it cannot be undone. Conversations that \
                 used it keep its words."
                    .into(),
            ],
            fields: Vec::new(),
            action: format!(
                "/p/{}/decks/{}/cards/{}/delete",
                m.partnership.slug, deck.id, card.id
            ),
            button: "Yes, delete the card",
            warning: true,
            back,
            back_label: "No, keep it",
        });
    }
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
