//! Getting decks in and out: import (upload or paste → preview → confirm; nothing is
//! saved until confirmed, and a file with errors saves nothing), export as TOML or
//! Markdown, and a print view that lays cards out on A4.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::browse::ThemeView;
use super::{on_colour, visible_deck};
use crate::domain::decks::{self, DeckData, Format, LineError};
use crate::domain::model::{CardRow, DeckRow, Id, ThemeRow};
use crate::domain::now;
use crate::domain::roles::Action;
use crate::error::AppError;
use crate::web::extract::{Member, SafeForm, SafeUpload};
use crate::web::{AppState, PageCtx, Routes, redirect_with_flash, render, render_status};

pub fn routes(r: Routes) -> Routes {
    r.get("/p/{slug}/decks/import", import_page)
        .post("/p/{slug}/decks/import", preview)
        .post("/p/{slug}/decks/import/confirm", confirm)
        .get("/p/{slug}/decks/{deck}/export", export)
        .get("/p/{slug}/decks/{deck}/print", print)
        .get("/p/{slug}/decks/{deck}/pdf", pdf)
}

#[derive(Template)]
#[template(path = "decks/import.html")]
struct ImportPage {
    c: PageCtx,
    slug: String,
    format: String,
    pasted: String,
    problems: Vec<LineError>,
    file_name: String,
}

async fn import_page(m: Member) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    render(&ImportPage {
        c: m.page("Import a deck"),
        slug: m.partnership.slug.clone(),
        format: "auto".into(),
        pasted: String::new(),
        problems: vec![],
        file_name: String::new(),
    })
}

struct PreviewTheme {
    name: String,
    keywords: String,
    text_class: &'static str,
    colour: String,
    card_count: usize,
    first_cards: Vec<String>,
}

#[derive(Template)]
#[template(path = "decks/import_preview.html")]
struct PreviewPage {
    c: PageCtx,
    slug: String,
    deck: DeckData,
    format_label: &'static str,
    format: &'static str,
    content: String,
    themes: Vec<PreviewTheme>,
    ignored: Vec<String>,
}

fn format_key(f: Format) -> &'static str {
    match f {
        Format::Toml => "toml",
        Format::Markdown => "markdown",
        Format::Printed => "printed",
    }
}

async fn preview(m: Member, upload: SafeUpload) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    let chosen = upload
        .fields
        .get("format")
        .cloned()
        .unwrap_or_else(|| "auto".into());
    let pasted = upload.fields.get("content").cloned().unwrap_or_default();
    let (file_name, bytes) = match upload.file {
        Some((name, bytes)) => (name, bytes),
        None => (String::new(), pasted.clone().into_bytes()),
    };
    let again = |problems: Vec<LineError>| {
        render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &ImportPage {
                c: m.page("Import a deck"),
                slug: m.partnership.slug.clone(),
                format: chosen.clone(),
                pasted: pasted.clone(),
                problems,
                file_name: file_name.clone(),
            },
        )
    };
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return again(vec![LineError {
            line: 0,
            message: "choose a file to upload, or paste the deck's text into the box".into(),
        }]);
    }
    let format = Format::parse(&chosen);
    let (bytes, parsed) = crate::work::file(move || {
        let parsed = decks::parse_bytes_report(&bytes, format);
        (bytes, parsed)
    })
    .await?;
    match parsed {
        Ok((format, deck, ignored)) => {
            let themes =
                deck.themes
                    .iter()
                    .enumerate()
                    .map(|(i, t)| {
                        let colour = t.colour.clone().unwrap_or_else(|| {
                            decks::PALETTE[i % decks::PALETTE.len()].to_string()
                        });
                        PreviewTheme {
                            name: t.name.clone(),
                            keywords: t.keywords.join(", "),
                            text_class: on_colour(&colour),
                            colour,
                            card_count: t.cards.len(),
                            first_cards: t.cards.iter().take(3).map(|c| c.text.clone()).collect(),
                        }
                    })
                    .collect();
            render(&PreviewPage {
                c: m.page("Check the deck before saving"),
                slug: m.partnership.slug.clone(),
                format_label: format.label(),
                format: format_key(format),
                content: String::from_utf8_lossy(&bytes).into_owned(),
                deck,
                themes,
                ignored,
            })
        }
        Err(problems) => again(problems),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ConfirmForm {
    content: String,
    format: String,
}

async fn confirm(
    State(state): State<AppState>,
    m: Member,
    SafeForm(f): SafeForm<ConfirmForm>,
) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    let (content, format) = (f.content.clone(), Format::parse(&f.format));
    match crate::work::file(move || decks::parse_bytes(content.as_bytes(), format)).await? {
        Ok((_, deck)) => {
            let id = state
                .db
                .create_deck(m.partnership.id, Some(m.user.id), &deck, now())
                .await?;
            tracing::info!(
                partnership_id = m.partnership.id,
                deck_id = id,
                cards = deck.card_count(),
                "deck imported"
            );
            Ok(redirect_with_flash(
                &format!("/p/{}/decks/{id}", m.partnership.slug),
                &format!(
                    "Imported \u{201c}{}\u{201d}: {} cards in {} themes.",
                    deck.title,
                    deck.card_count(),
                    deck.themes.len()
                ),
            ))
        }
        Err(problems) => render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &ImportPage {
                c: m.page("Import a deck"),
                slug: m.partnership.slug.clone(),
                format: f.format.clone(),
                pasted: f.content.clone(),
                problems,
                file_name: String::new(),
            },
        ),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ExportQuery {
    format: String,
}

/// A file name from a title: "Our Cards!" → "our-cards".
fn file_stem(title: &str) -> String {
    let s = crate::domain::validate::suggest_slug(title);
    if s.is_empty() { "deck".into() } else { s }
}

async fn export(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
    Query(q): Query<ExportQuery>,
) -> Result<Response, AppError> {
    m.require(Action::View)?;
    let deck = visible_deck(&state, &m, id).await?;
    let data = crate::db::decks::deck_data(state.db.as_ref(), &deck).await?;
    let (body, ext, mime) = match q.format.as_str() {
        "toml" => (
            decks::to_toml(&data),
            "toml",
            "application/toml; charset=utf-8",
        ),
        _ => (
            decks::to_markdown(&data),
            "md",
            "text/markdown; charset=utf-8",
        ),
    };
    let disposition = format!("attachment; filename=\"{}.{ext}\"", file_stem(&deck.title));
    Ok((
        [
            (header::CONTENT_TYPE, mime.to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "decks/print.html")]
struct PrintPage {
    c: PageCtx,
    slug: String,
    deck_id: Id,
    deck_title: String,
    theme_name: Option<String>,
    cards: Vec<(CardRow, ThemeView)>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PrintQuery {
    theme: Option<Id>,
}

/// A deck's cards (or one theme's) with their themes, for printing; 404 for a theme
/// that is not in the deck.
async fn printable(
    state: &AppState,
    m: &Member,
    id: Id,
    theme: Option<Id>,
) -> Result<(DeckRow, Vec<(CardRow, ThemeRow)>, Option<String>), AppError> {
    m.require(Action::View)?;
    let deck = visible_deck(state, m, id).await?;
    let (themes, cards) = tokio::try_join!(state.db.themes(deck.id), state.db.deck_cards(deck.id))?;
    let theme_name = match theme {
        Some(t) => Some(
            themes
                .iter()
                .find(|x| x.id == t)
                .ok_or(AppError::NotFound)?
                .name
                .clone(),
        ),
        None => None,
    };
    let cards = cards
        .into_iter()
        .filter(|c| theme.is_none_or(|t| c.theme_id == t))
        .filter_map(|c| {
            themes
                .iter()
                .find(|t| t.id == c.theme_id)
                .cloned()
                .map(|t| (c, t))
        })
        .collect();
    Ok((deck, cards, theme_name))
}

async fn print(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
    Query(q): Query<PrintQuery>,
) -> Result<Response, AppError> {
    let (deck, cards, theme_name) = printable(&state, &m, id, q.theme).await?;
    render(&PrintPage {
        c: m.page(&format!("Print: {}", deck.title)),
        slug: m.partnership.slug.clone(),
        deck_id: deck.id,
        deck_title: deck.title,
        theme_name,
        cards: cards
            .into_iter()
            .map(|(c, t)| (c, ThemeView::from(t)))
            .collect(),
    })
}

async fn pdf(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
    Query(q): Query<PrintQuery>,
) -> Result<Response, AppError> {
    let (deck, cards, _) = printable(&state, &m, id, q.theme).await?;
    let cards: Vec<crate::pdf::PdfCard> = cards
        .into_iter()
        .map(|(c, t)| crate::pdf::PdfCard {
            theme: t.name,
            keywords: t.keywords,
            colour: t.colour,
            text: c.text,
            prompt: c.prompt,
        })
        .collect();
    let title = deck.title.clone();
    let bytes = crate::work::file(move || crate::pdf::deck_pdf(&title, &cards)).await??;
    let disposition = format!("attachment; filename=\"{}.pdf\"", file_stem(&deck.title));
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response())
}
