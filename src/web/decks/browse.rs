//! Conversation cards: the deck list, a deck, a theme, a card (large enough for a
//! projector), drawing a card at random, and search.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{on_colour, search_words, visible_deck};
use crate::domain::model::{CardRow, DeckRow, Id, SearchHit, ThemeRow};
use crate::domain::now;
use crate::domain::roles::{Action, can};
use crate::error::AppError;
use crate::web::extract::{Member, SafeForm};
use crate::web::{AppState, PageCtx, Routes, render};

pub fn routes(r: Routes) -> Routes {
    r.get("/p/{slug}/cards", index)
        .get("/p/{slug}/cards/search", search)
        .get("/p/{slug}/cards/{card}", card_page)
        .get("/p/{slug}/decks/{deck}", deck_page)
        .get("/p/{slug}/decks/{deck}/themes/{theme}", theme_page)
        .post("/p/{slug}/decks/{deck}/draw", draw)
}

/// A theme as pages show it.
pub struct ThemeView {
    pub id: Id,
    pub version: i64,
    pub name: String,
    pub keywords: String,
    pub colour: String,
    pub text_class: &'static str,
    pub card_count: i64,
}

impl From<ThemeRow> for ThemeView {
    fn from(t: ThemeRow) -> Self {
        ThemeView {
            id: t.id,
            version: t.version,
            text_class: on_colour(&t.colour),
            name: t.name,
            keywords: t.keywords,
            colour: t.colour,
            card_count: t.card_count,
        }
    }
}

/// Who a deck belongs to, in words.
pub fn deck_source(d: &DeckRow, pid: Id) -> String {
    match (d.partnership_id, d.published) {
        (None, _) => "Comes with Tandem".into(),
        (Some(p), _) if p == pid => "Made by this partnership".into(),
        _ => format!(
            "Shared by {}",
            d.owner_name
                .clone()
                .unwrap_or_else(|| "another partnership".into())
        ),
    }
}

struct DeckItem {
    id: Id,
    title: String,
    source: String,
    theme_count: i64,
    card_count: i64,
}

#[derive(Template)]
#[template(path = "decks/index.html")]
struct IndexPage {
    c: PageCtx,
    slug: String,
    decks: Vec<DeckItem>,
    can_edit: bool,
}

async fn index(State(state): State<AppState>, m: Member) -> Result<Response, AppError> {
    m.require(Action::View)?;
    let pid = m.partnership.id;
    let decks = state
        .db
        .decks_for(pid)
        .await?
        .into_iter()
        .map(|d| DeckItem {
            source: deck_source(&d, pid),
            id: d.id,
            title: d.title,
            theme_count: d.theme_count,
            card_count: d.card_count,
        })
        .collect();
    render(&IndexPage {
        c: m.page("Conversation cards"),
        slug: m.partnership.slug.clone(),
        decks,
        can_edit: can(m.role(), Action::EditContent),
    })
}

#[derive(Template)]
#[template(path = "decks/deck.html")]
struct DeckPage {
    c: PageCtx,
    slug: String,
    deck: DeckRow,
    source: String,
    themes: Vec<ThemeView>,
    can_draw: bool,
    can_edit: bool,
    can_publish: bool,
    undrawn: usize,
}

async fn deck_page(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
) -> Result<Response, AppError> {
    m.require(Action::View)?;
    let deck = visible_deck(&state, &m, id).await?;
    let (themes, counts) = tokio::try_join!(
        state.db.themes(id),
        state.db.draw_counts(m.partnership.id, id)
    )?;
    let own = deck.partnership_id == Some(m.partnership.id);
    render(&DeckPage {
        c: m.page(&deck.title),
        slug: m.partnership.slug.clone(),
        source: deck_source(&deck, m.partnership.id),
        themes: themes.into_iter().map(ThemeView::from).collect(),
        can_draw: can(m.role(), Action::EditContent),
        can_edit: own && can(m.role(), Action::EditContent),
        can_publish: own && m.user.is_admin,
        undrawn: (deck.card_count.max(0) as usize).saturating_sub(counts.len()),
        deck,
    })
}

#[derive(Template)]
#[template(path = "decks/theme.html")]
struct ThemePage {
    c: PageCtx,
    slug: String,
    deck: DeckRow,
    theme: ThemeView,
    cards: Vec<CardRow>,
    can_draw: bool,
}

async fn theme_page(
    State(state): State<AppState>,
    m: Member,
    Path((_, deck_id, theme_id)): Path<(String, Id, Id)>,
) -> Result<Response, AppError> {
    m.require(Action::View)?;
    let deck = visible_deck(&state, &m, deck_id).await?;
    let theme = state
        .db
        .theme(theme_id)
        .await?
        .filter(|t| t.deck_id == deck.id)
        .ok_or(AppError::NotFound)?;
    let cards = state.db.theme_cards(theme.id).await?;
    render(&ThemePage {
        c: m.page(&format!("{} (a theme) – {}", theme.name, deck.title)),
        slug: m.partnership.slug.clone(),
        deck,
        theme: theme.into(),
        cards,
        can_draw: can(m.role(), Action::EditContent),
    })
}

#[derive(Template)]
#[template(path = "decks/card.html")]
struct CardPage {
    c: PageCtx,
    slug: String,
    deck: DeckRow,
    theme: ThemeView,
    card: CardRow,
    number: usize,
    total: usize,
    /// Its place in its theme ("card 1 of 10 in Culture").
    in_theme: usize,
    theme_total: usize,
    previous: Option<Id>,
    next: Option<Id>,
    drawn: bool,
    can_draw: bool,
    /// Conversations being planned, to put this card on the agenda of: (id, label).
    planned: Vec<(Id, String)>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CardQuery {
    drawn: Option<String>,
}

async fn card_page(
    State(state): State<AppState>,
    m: Member,
    Path((_, card_id)): Path<(String, Id)>,
    Query(q): Query<CardQuery>,
) -> Result<Response, AppError> {
    m.require(Action::View)?;
    let card = state.db.card(card_id).await?.ok_or(AppError::NotFound)?;
    let deck = visible_deck(&state, &m, card.deck_id).await?;
    let theme = state
        .db
        .theme(card.theme_id)
        .await?
        .ok_or(AppError::NotFound)?;
    // Its place in the deck: one row, however big the deck.
    let place = state.db.card_place(deck.id, card.id).await?;
    render(&CardPage {
        c: m.page(&match place {
            Some(p) => format!(
                "Card {} of {} in {} – {}",
                p.in_theme, p.theme_total, theme.name, deck.title
            ),
            None => format!("A card in {} – {}", theme.name, deck.title),
        }),
        slug: m.partnership.slug.clone(),
        number: place.map_or(0, |p| p.number as usize),
        total: place.map_or(0, |p| p.total as usize),
        in_theme: place.map_or(0, |p| p.in_theme as usize),
        theme_total: place.map_or(0, |p| p.theme_total as usize),
        previous: place.and_then(|p| p.previous),
        next: place.and_then(|p| p.next),
        drawn: q.drawn.is_some(),
        can_draw: can(m.role(), Action::EditContent),
        planned: if can(m.role(), Action::EditContent) {
            crate::web::coverage::planned_conversations(&state, &m).await?
        } else {
            Vec::new()
        },
        theme: theme.into(),
        deck,
        card,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DrawForm {
    theme: Option<String>,
}

async fn draw(
    State(state): State<AppState>,
    m: Member,
    Path((_, deck_id)): Path<(String, Id)>,
    SafeForm(f): SafeForm<DrawForm>,
) -> Result<Response, AppError> {
    // Drawing leaves a trace (so the partnership sees fresh cards first): observers
    // read only, so they browse instead.
    m.require(Action::EditContent)?;
    let deck = visible_deck(&state, &m, deck_id).await?;
    let theme = match f.theme.as_deref().filter(|t| !t.is_empty()) {
        Some(t) => {
            let id: Id = t
                .parse()
                .map_err(|_| AppError::BadRequest("bad theme".into()))?;
            Some(
                state
                    .db
                    .theme(id)
                    .await?
                    .filter(|t| t.deck_id == deck.id)
                    .ok_or(AppError::NotFound)?
                    .id,
            )
        }
        None => None,
    };
    match state
        .db
        .draw_card(m.partnership.id, deck.id, theme, m.user.id, now())
        .await?
    {
        Some(card) => Ok(
            Redirect::to(&format!("/p/{}/cards/{card}?drawn=1", m.partnership.slug))
                .into_response(),
        ),
        None => Ok(crate::web::redirect_with_flash(
            &format!("/p/{}/decks/{}", m.partnership.slug, deck.id),
            "This deck has no cards to draw yet.",
        )),
    }
}

#[derive(Template)]
#[template(path = "decks/search.html")]
struct SearchPage {
    c: PageCtx,
    slug: String,
    q: String,
    hits: Vec<(SearchHit, &'static str)>,
    searched: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SearchQuery {
    q: String,
}

async fn search(
    State(state): State<AppState>,
    m: Member,
    Query(q): Query<SearchQuery>,
) -> Result<Response, AppError> {
    m.require(Action::View)?;
    let words = search_words(&q.q);
    let hits = state.db.search_cards(m.partnership.id, &words, 50).await?;
    let title = if words.is_empty() {
        "Search cards".to_string()
    } else {
        format!("Cards matching \u{201c}{}\u{201d}", q.q.trim())
    };
    render(&SearchPage {
        c: m.page(&title),
        slug: m.partnership.slug.clone(),
        searched: !words.is_empty(),
        hits: hits
            .into_iter()
            .map(|h| {
                let class = on_colour(&h.theme_colour);
                (h, class)
            })
            .collect(),
        q: q.q,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_colour_has_contrast() {
        assert_eq!(on_colour("#1d5c8c"), "on-dark");
        assert_eq!(on_colour("#ffdd00"), "on-light");
        assert_eq!(on_colour("#ffffff"), "on-light");
        assert_eq!(on_colour("#000000"), "on-dark");
        assert_eq!(
            search_words("Who's leading?  Money!"),
            ["who", "s", "leading", "money"]
        );
    }
}
