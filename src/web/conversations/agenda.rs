//! The agenda: adding cards and items, drawing, reordering, editing and removing items.

use crate::db::{Move, Saved};
use crate::domain::conversations::*;
use crate::domain::decks::tidy;
use crate::domain::model::{DeckRow, Id, SearchHit};
use crate::domain::now;
use crate::domain::roles::Action;
use crate::error::AppError;
use crate::web::conflict::{ConflictField, conflict};
use crate::web::decks::visible_deck;
use crate::web::extract::{Member, SafeForm};
use crate::web::short;
use crate::web::{AppState, Errors, PageCtx, redirect_with_flash, render_status};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::Deserialize;

use super::*;

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct AddQuery {
    q: String,
    deck: Option<Id>,
}

pub(super) struct BrowseTheme {
    name: String,
    colour: String,
    text_class: &'static str,
    cards: Vec<(Id, String)>,
}

#[derive(Template)]
#[template(path = "conversations/add.html")]
pub(super) struct AddPage {
    c: PageCtx,
    slug: String,
    conv: Conversation,
    q: String,
    hits: Vec<SearchHit>,
    searched: bool,
    decks: Vec<DeckRow>,
    browse: Option<(DeckRow, Vec<BrowseTheme>)>,
    /// Cards on the agenda already.
    on_agenda: Vec<Id>,
    suggestions: Vec<crate::web::coverage::Suggestion>,
    errors: Errors,
    title: String,
    minutes: String,
}

pub(super) async fn add_page(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
    Query(q): Query<AddQuery>,
) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    let conv = own_conversation(&state, &m, id).await?;
    add_page_with(
        &state,
        &m,
        conv,
        q,
        Errors::default(),
        String::new(),
        String::new(),
    )
    .await
}

pub(super) async fn add_page_with(
    state: &AppState,
    m: &Member,
    conv: Conversation,
    q: AddQuery,
    errors: Errors,
    title: String,
    minutes: String,
) -> Result<Response, AppError> {
    let words = crate::web::decks::search_words(&q.q);
    let hits = state.db.search_cards(m.partnership.id, &words, 30).await?;
    let decks = state.db.decks_for(m.partnership.id).await?;
    let browse = match q.deck {
        Some(deck_id) => {
            let deck = visible_deck(state, m, deck_id).await?;
            let (themes, cards) =
                tokio::try_join!(state.db.themes(deck.id), state.db.deck_cards(deck.id))?;
            let themes = themes
                .into_iter()
                .map(|t| BrowseTheme {
                    text_class: crate::web::decks::on_colour(&t.colour),
                    cards: cards
                        .iter()
                        .filter(|c| c.theme_id == t.id)
                        .map(|c| (c.id, c.text.clone()))
                        .collect(),
                    name: t.name,
                    colour: t.colour,
                })
                .collect();
            Some((deck, themes))
        }
        None => None,
    };
    let on_agenda: Vec<Id> = state
        .db
        .agenda(conv.id)
        .await?
        .iter()
        .filter_map(|i| i.card_id)
        .collect();
    let suggestions = crate::web::coverage::suggestions(state, m, 6).await?;
    let status = errors.status();
    render_status(
        status,
        &AddPage {
            c: m.page(&format!("Add to the agenda of {}", conv.title)),
            slug: m.partnership.slug.clone(),
            searched: !words.is_empty(),
            q: q.q,
            hits,
            decks,
            browse,
            on_agenda,
            suggestions,
            conv,
            errors,
            title,
            minutes,
        },
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct AddItemForm {
    card: Option<Id>,
    title: String,
    minutes: String,
    /// Where to go afterwards: "add" (stay adding) or the conversation page.
    back: String,
}

/// Minutes as typed: blank is 0; anything else must be a whole number up to 8 hours.
pub(super) fn parse_minutes(s: &str) -> Result<i64, String> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(0);
    }
    match s.parse::<i64>() {
        Ok(n) if (0..=480).contains(&n) => Ok(n),
        Ok(_) => Err("Minutes must be between 0 and 480".into()),
        Err(_) => Err("Enter minutes as a whole number, for example 15".into()),
    }
}

/// Copy a card's words for an agenda item (the card must be one this partnership can see).
pub async fn card_snapshot(
    state: &AppState,
    m: &Member,
    card_id: Id,
) -> Result<CardSnapshot, AppError> {
    let card = state.db.card(card_id).await?.ok_or(AppError::NotFound)?;
    let deck = visible_deck(state, m, card.deck_id).await?;
    let theme = state
        .db
        .theme(card.theme_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(CardSnapshot {
        card_id: card.id,
        text: card.text,
        prompt: card.prompt,
        deck_title: deck.title,
        theme_name: theme.name,
        colour: theme.colour,
    })
}

pub(super) async fn add_item(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
    SafeForm(f): SafeForm<AddItemForm>,
) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    let conv = own_conversation(&state, &m, id).await?;
    let mut errors = Errors::default();
    let minutes = match parse_minutes(&f.minutes) {
        Ok(n) => n,
        Err(e) => {
            errors.add("minutes", e);
            0
        }
    };
    let url = conv_url(&m.partnership.slug, id);
    let what = match f.card {
        Some(card_id) => {
            let snap = card_snapshot(&state, &m, card_id).await?;
            if errors.is_empty() {
                state.db.add_card_item(id, &snap, minutes, now()).await?;
            }
            snap.text
        }
        None => {
            let title = tidy(&f.title);
            if title.is_empty() {
                errors.add("title", "Enter what the item is about");
            } else if title.chars().count() > 300 {
                errors.add("title", "An item's title must be 300 characters or fewer");
            }
            if errors.is_empty() {
                state.db.add_free_item(id, &title, minutes, now()).await?;
            }
            title
        }
    };
    if !errors.is_empty() {
        return add_page_with(
            &state,
            &m,
            conv,
            AddQuery::default(),
            errors,
            f.title,
            f.minutes,
        )
        .await;
    }
    log(
        &state,
        &m,
        format!("added “{}” to the agenda of “{}”", short(&what), conv.title),
        &url,
    )
    .await?;
    let to = if f.back == "add" {
        format!("{url}/add")
    } else {
        format!("{url}#agenda")
    };
    Ok(redirect_with_flash(&to, "Added to the agenda."))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct DrawForm {
    /// "deck:ID" or "theme:ID".
    from: String,
}

pub(super) async fn draw(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
    SafeForm(f): SafeForm<DrawForm>,
) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    let conv = own_conversation(&state, &m, id).await?;
    let (deck_id, theme_id) = match f.from.split_once(':') {
        Some(("deck", d)) => (d.parse().map_err(|_| AppError::NotFound)?, None),
        Some(("theme", t)) => {
            let theme = state
                .db
                .theme(t.parse().map_err(|_| AppError::NotFound)?)
                .await?
                .ok_or(AppError::NotFound)?;
            (theme.deck_id, Some(theme.id))
        }
        _ => return Err(AppError::BadRequest("choose a deck".into())),
    };
    visible_deck(&state, &m, deck_id).await?;
    let url = conv_url(&m.partnership.slug, id);
    let Some(card_id) = state
        .db
        .draw_card(m.partnership.id, deck_id, theme_id, m.user.id, now())
        .await?
    else {
        return Ok(redirect_with_flash(
            &format!("{url}/add"),
            "That deck has no cards to draw.",
        ));
    };
    let snap = card_snapshot(&state, &m, card_id).await?;
    state.db.add_card_item(id, &snap, 0, now()).await?;
    log(
        &state,
        &m,
        format!(
            "drew “{}” for the agenda of “{}”",
            short(&snap.text),
            conv.title
        ),
        &url,
    )
    .await?;
    Ok(redirect_with_flash(
        &format!("{url}/add"),
        &format!("Drawn and added to the agenda: “{}”", snap.text),
    ))
}

#[derive(Deserialize)]
pub(super) struct UseForm {
    conversation: Id,
}

/// "Use in a conversation" from a card page.
pub(super) async fn use_card(
    State(state): State<AppState>,
    m: Member,
    Path((_, card)): Path<(String, Id)>,
    SafeForm(f): SafeForm<UseForm>,
) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    let conv = own_conversation(&state, &m, f.conversation).await?;
    let snap = card_snapshot(&state, &m, card).await?;
    state.db.add_card_item(conv.id, &snap, 0, now()).await?;
    let url = conv_url(&m.partnership.slug, conv.id);
    log(
        &state,
        &m,
        format!(
            "added “{}” to the agenda of “{}”",
            short(&snap.text),
            conv.title
        ),
        &url,
    )
    .await?;
    Ok(redirect_with_flash(
        &format!("{url}#agenda"),
        "The card is on the agenda.",
    ))
}

// ---------------------------------------------------------------- agenda edits

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub(super) struct PlanForm {
    title: String,
    minutes: String,
    version: i64,
}

pub(super) async fn save_plan(
    State(state): State<AppState>,
    m: Member,
    Path((_, id, item)): Path<(String, Id, Id)>,
    SafeForm(f): SafeForm<PlanForm>,
) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    let conv = own_conversation(&state, &m, id).await?;
    let it = own_item(&state, &conv, item).await?;
    let url = conv_url(&m.partnership.slug, id);
    let title = if it.is_card {
        it.title.clone()
    } else {
        tidy(&f.title)
    };
    let mut bounced = crate::web::Bounced::at(format!("item-{item}"));
    if title.is_empty() || title.chars().count() > 300 {
        bounced = bounced.error(
            "title",
            format!("title-{item}"),
            "An item needs a title of up to 300 characters",
        );
    }
    let minutes = match parse_minutes(&f.minutes) {
        Ok(n) => n,
        Err(e) => {
            bounced = bounced.error("minutes", format!("minutes-{item}"), e);
            0
        }
    };
    if bounced.has_problems() {
        let bounced = bounced
            .typed("title", f.title.clone())
            .typed("minutes", f.minutes.clone());
        return super::page::page_with(&state, &m, id, bounced).await;
    }
    match state
        .db
        .update_item_plan(item, f.version, &title, minutes, now())
        .await?
    {
        Saved::Saved => Ok(redirect_with_flash(
            &format!("{url}#item-{item}"),
            "Agenda item saved.",
        )),
        Saved::Stale => conflict(
            &m,
            &format!("{url}/items/{item}"),
            &url,
            it.version,
            vec![
                ConflictField::line("Title", "title", &it.title, &f.title),
                ConflictField::line("Minutes", "minutes", &it.minutes.to_string(), &f.minutes),
            ],
            vec![],
        ),
    }
}

#[derive(Deserialize)]
pub(super) struct MoveForm {
    direction: String,
}

pub(super) async fn move_item(
    State(state): State<AppState>,
    m: Member,
    Path((_, id, item)): Path<(String, Id, Id)>,
    SafeForm(f): SafeForm<MoveForm>,
) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    let conv = own_conversation(&state, &m, id).await?;
    own_item(&state, &conv, item).await?;
    let direction = match f.direction.as_str() {
        "up" => Move::Up,
        "down" => Move::Down,
        _ => return Err(AppError::BadRequest("direction".into())),
    };
    state.db.move_item(item, direction).await?;
    Ok(redirect_with_flash(
        &format!("{}#item-{item}", conv_url(&m.partnership.slug, id)),
        "Agenda order changed.",
    ))
}

pub(super) async fn delete_item(
    State(state): State<AppState>,
    m: Member,
    Path((_, id, item)): Path<(String, Id, Id)>,
    SafeForm(f): SafeForm<crate::web::Confirmed>,
) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    let conv = own_conversation(&state, &m, id).await?;
    let it = own_item(&state, &conv, item).await?;
    let url = conv_url(&m.partnership.slug, id);
    // An item with nothing written on it goes at once; one with notes, decisions or
    // people's views asks first, saying what would be lost.
    let views = state
        .db
        .views(conv.id)
        .await?
        .into_iter()
        .filter(|v| v.item_id == item)
        .count();
    if !f.yes() && (it.has_record() || views > 0) {
        let mut lost = Vec::new();
        if it.has_record() {
            lost.push("the notes of what was said, agreed and left open");
        }
        if views > 0 {
            lost.push("the thoughts people added before the meeting");
        }
        return crate::web::render(&crate::web::ConfirmPage {
            c: m.page(&format!("Take “{}” off the agenda?", short(&it.title))),
            heading: format!("Take “{}” off the agenda?", it.title),
            lines: vec![format!(
                "This deletes {} on this item, for good: it cannot be undone. Actions \
                     from it stay on the action plan.",
                lost.join(" and ")
            )],
            fields: Vec::new(),
            action: format!("{}/delete", item_url(&m.partnership.slug, id, item)),
            button: "Yes, take it off",
            warning: true,
            back: format!("{url}#agenda"),
            back_label: "No, keep it",
        });
    }
    state.db.delete_item(item).await?;
    log(
        &state,
        &m,
        format!(
            "took “{}” off the agenda of “{}”",
            short(&it.title),
            conv.title
        ),
        &url,
    )
    .await?;
    Ok(redirect_with_flash(
        &format!("{url}#agenda"),
        "Taken off the agenda.",
    ))
}
