//! Conversations: plan a meeting (details, agenda of cards and free items, who is
//! coming), gather views before it, record notes, decisions and differences for each
//! item, and move it from planned to held to written up.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::cards::visible_deck;
use super::conflict::{ConflictField, conflict};
use super::extract::{Member, NoFields, SafeForm};
use super::{AppState, Errors, PageCtx, Routes, redirect_with_flash, render, render_status};
use crate::db::cards::{Move, Saved};
use crate::domain::decks::tidy;
use crate::domain::model::{DeckRow, Id, SearchHit};
use crate::domain::now;
use crate::domain::roles::{Action, can};
use crate::domain::talk::*;
use crate::error::AppError;

pub fn routes(r: Routes) -> Routes {
    r.get("/p/{slug}/conversations", list)
        .get("/p/{slug}/conversations/new", new_page)
        .post_keeping("/p/{slug}/conversations", create)
        .get("/p/{slug}/conversations/{conv}", page)
        .get("/p/{slug}/conversations/{conv}/edit", edit_page)
        .post_keeping("/p/{slug}/conversations/{conv}/edit", save_details)
        .post("/p/{slug}/conversations/{conv}/status", set_status)
        .post("/p/{slug}/conversations/{conv}/views", set_views)
        .post("/p/{slug}/conversations/{conv}/delete", delete)
        .get("/p/{slug}/conversations/{conv}/add", add_page)
        .post_keeping("/p/{slug}/conversations/{conv}/items", add_item)
        .post("/p/{slug}/conversations/{conv}/draw", draw)
        .get("/p/{slug}/conversations/{conv}/items/{item}", item_page)
        .post_keeping("/p/{slug}/conversations/{conv}/items/{item}", save_plan)
        .post(
            "/p/{slug}/conversations/{conv}/items/{item}/move",
            move_item,
        )
        .post(
            "/p/{slug}/conversations/{conv}/items/{item}/delete",
            delete_item,
        )
        .post_keeping(
            "/p/{slug}/conversations/{conv}/items/{item}/record",
            save_record,
        )
        .post(
            "/p/{slug}/conversations/{conv}/items/{item}/draft",
            save_draft,
        )
        .post_keeping(
            "/p/{slug}/conversations/{conv}/items/{item}/view",
            save_view,
        )
        .post("/p/{slug}/conversations/{conv}/attendees", add_attendee)
        .post(
            "/p/{slug}/conversations/{conv}/attendees/{attendee}/remove",
            remove_attendee,
        )
        .post("/p/{slug}/cards/{card}/use", use_card)
}

/// Longest notes we keep for one item (about 30 pages of text).
pub const MAX_NOTES: usize = 100_000;
/// Longest "agreed" or "differ" list, and pre-meeting view.
pub const MAX_LIST: usize = 20_000;

pub fn conv_url(slug: &str, id: Id) -> String {
    format!("/p/{slug}/conversations/{id}")
}

pub fn item_url(slug: &str, conv: Id, item: Id) -> String {
    format!("/p/{slug}/conversations/{conv}/items/{item}")
}

/// A conversation of this partnership, else 404.
pub async fn own_conversation(
    state: &AppState,
    m: &Member,
    id: Id,
) -> Result<Conversation, AppError> {
    state
        .db
        .talk()
        .conversation(id)
        .await?
        .filter(|c| c.partnership_id == m.partnership.id)
        .ok_or(AppError::NotFound)
}

/// An item of this conversation, else 404.
pub async fn own_item(
    state: &AppState,
    conv: &Conversation,
    id: Id,
) -> Result<AgendaItem, AppError> {
    state
        .db
        .talk()
        .agenda_item(id)
        .await?
        .filter(|i| i.conversation_id == conv.id)
        .ok_or(AppError::NotFound)
}

/// Note a change in the partnership's activity feed.
pub async fn log(state: &AppState, m: &Member, what: String, link: &str) -> Result<(), AppError> {
    state
        .db
        .talk()
        .record_activity(m.partnership.id, Some(m.user.id), &what, link, now())
        .await?;
    Ok(())
}

/// Text for a field: trimmed, and within `max` characters.
fn bounded(
    errors: &mut Errors,
    field: &'static str,
    label: &str,
    value: &str,
    max: usize,
) -> String {
    let v = value.trim().to_string();
    if v.chars().count() > max {
        errors.add(field, format!("{label} must be {max} characters or fewer"));
    }
    v
}

// ---------------------------------------------------------------- list

struct ListRow {
    c: Conversation,
    when: String,
}

#[derive(Template)]
#[template(path = "talk/list.html")]
struct ListPage {
    c: PageCtx,
    slug: String,
    upcoming: Vec<ListRow>,
    past: Vec<ListRow>,
    can_edit: bool,
}

async fn list(State(state): State<AppState>, m: Member) -> Result<Response, AppError> {
    let all = state.db.talk().conversations(m.partnership.id).await?;
    let now = now();
    let (mut upcoming, mut past) = (Vec::new(), Vec::new());
    for c in all {
        let row = ListRow { when: c.when(), c };
        if row.c.status == ConversationStatus::Planned
            && row.c.starts_at.is_none_or(|t| t + 6 * 3600 >= now)
        {
            upcoming.push(row);
        } else {
            past.push(row);
        }
    }
    // Soonest first for what is coming up.
    upcoming.reverse();
    render(&ListPage {
        c: m.page("Conversations"),
        slug: m.partnership.slug.clone(),
        upcoming,
        past,
        can_edit: can(m.role(), Action::EditContent),
    })
}

// ---------------------------------------------------------------- details

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct DetailsForm {
    title: String,
    date: String,
    time: String,
    time_zone: String,
    place: String,
    facilitator: String,
    purpose: String,
    version: i64,
}

#[derive(Template)]
#[template(path = "talk/details.html")]
struct DetailsPage {
    c: PageCtx,
    slug: String,
    /// None when making a new one.
    conv_id: Option<Id>,
    errors: Errors,
    f: DetailsForm,
    people: Vec<(Id, String)>,
    zones: Vec<&'static str>,
}

async fn people(state: &AppState, m: &Member) -> Result<Vec<(Id, String)>, AppError> {
    let d = state
        .directory
        .get(state.db.as_ref(), &m.partnership)
        .await?;
    let mut v: Vec<(Id, String)> = d
        .members
        .iter()
        .map(|p| {
            (
                p.user_id,
                format!("{} ({})", p.display_name, p.organisation_name),
            )
        })
        .collect();
    v.sort_by_key(|a| a.1.to_lowercase());
    Ok(v)
}

async fn details_page(
    state: &AppState,
    m: &Member,
    conv_id: Option<Id>,
    errors: Errors,
    f: DetailsForm,
) -> Result<Response, AppError> {
    let status = errors.status();
    let title = if conv_id.is_some() {
        "Change the conversation's details"
    } else {
        "Plan a conversation"
    };
    render_status(
        status,
        &DetailsPage {
            c: m.page(title),
            slug: m.partnership.slug.clone(),
            conv_id,
            errors,
            f,
            people: people(state, m).await?,
            zones: TIME_ZONES.to_vec(),
        },
    )
}

async fn new_page(State(state): State<AppState>, m: Member) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    let f = DetailsForm {
        time_zone: TIME_ZONES[0].into(),
        facilitator: m.user.id.to_string(),
        ..Default::default()
    };
    details_page(&state, &m, None, Errors::default(), f).await
}

/// Check the form; the fields to save, and a warning if the date is in the past.
async fn check_details(
    state: &AppState,
    m: &Member,
    f: &DetailsForm,
    errors: &mut Errors,
) -> Result<(ConversationFields, Option<String>), AppError> {
    let title = tidy(&f.title);
    if title.is_empty() {
        errors.add("title", "Enter a title, for example \"Autumn review\"");
    } else if title.chars().count() > 200 {
        errors.add("title", "Title must be 200 characters or fewer");
    }
    let time_zone = if valid_time_zone(f.time_zone.trim()) {
        f.time_zone.trim().to_string()
    } else {
        errors.add("time_zone", "Choose a time zone from the list");
        TIME_ZONES[0].to_string()
    };
    let mut starts_at = None;
    let mut warning = None;
    match (f.date.trim().is_empty(), f.time.trim().is_empty()) {
        (true, true) => {}
        (true, false) => errors.add("date", "Enter the date as well as the time"),
        (false, _) => {
            let day = parse_day(&f.date);
            let at = if f.time.trim().is_empty() {
                Ok(jiff::civil::Time::midnight())
            } else {
                parse_time(&f.time)
            };
            match (day, at) {
                (Err(e), _) => errors.add("date", e),
                (_, Err(e)) => errors.add("time", e),
                (Ok(d), Ok(t)) => match meeting_start(d, t, &time_zone) {
                    Ok(ts) => {
                        if ts < now() {
                            warning = Some(
                                "The date you gave is in the past. That is fine if you are recording a meeting that has already happened; otherwise, change the date."
                                    .to_string(),
                            );
                        }
                        starts_at = Some(ts);
                    }
                    Err(e) => errors.add("time", e),
                },
            }
        }
    }
    let place = bounded(errors, "place", "Place or link", &f.place, 500);
    let purpose = bounded(errors, "purpose", "Purpose", &f.purpose, 5_000);
    let facilitator_id = match f.facilitator.trim() {
        "" => None,
        s => {
            let id: Option<Id> = s.parse().ok();
            let d = state
                .directory
                .get(state.db.as_ref(), &m.partnership)
                .await?;
            match id.filter(|id| d.members.iter().any(|p| p.user_id == *id)) {
                Some(id) => Some(id),
                None => {
                    errors.add("facilitator", "Choose someone from the partnership");
                    None
                }
            }
        }
    };
    Ok((
        ConversationFields {
            title,
            starts_at,
            time_zone,
            place,
            facilitator_id,
            purpose,
        },
        warning,
    ))
}

async fn create(
    State(state): State<AppState>,
    m: Member,
    SafeForm(f): SafeForm<DetailsForm>,
) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    let mut errors = Errors::default();
    let (fields, warning) = check_details(&state, &m, &f, &mut errors).await?;
    if !errors.is_empty() {
        return details_page(&state, &m, None, errors, f).await;
    }
    let id = state
        .db
        .talk()
        .create_conversation(m.partnership.id, &fields, m.user.id, now())
        .await?;
    let url = conv_url(&m.partnership.slug, id);
    log(
        &state,
        &m,
        format!("planned the conversation “{}”", fields.title),
        &url,
    )
    .await?;
    let message = warning.unwrap_or_else(|| {
        "Conversation planned. Now add cards or items to its agenda.".to_string()
    });
    Ok(redirect_with_flash(&url, &message))
}

async fn edit_page(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    let conv = own_conversation(&state, &m, id).await?;
    let (date, time) = conv
        .starts_at
        .map(|t| meeting_fields(t, &conv.time_zone))
        .unwrap_or_default();
    let f = DetailsForm {
        title: conv.title.clone(),
        date,
        time,
        time_zone: conv.time_zone.clone(),
        place: conv.place.clone(),
        facilitator: conv
            .facilitator_id
            .map(|i| i.to_string())
            .unwrap_or_default(),
        purpose: conv.purpose.clone(),
        version: conv.version,
    };
    details_page(&state, &m, Some(id), Errors::default(), f).await
}

async fn save_details(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
    SafeForm(f): SafeForm<DetailsForm>,
) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    let conv = own_conversation(&state, &m, id).await?;
    let mut errors = Errors::default();
    let (fields, warning) = check_details(&state, &m, &f, &mut errors).await?;
    if !errors.is_empty() {
        return details_page(&state, &m, Some(id), errors, f).await;
    }
    let url = conv_url(&m.partnership.slug, id);
    match state
        .db
        .talk()
        .update_conversation(id, f.version, &fields, now())
        .await?
    {
        Saved::Saved => {
            log(
                &state,
                &m,
                format!("changed the details of “{}”", fields.title),
                &url,
            )
            .await?;
            Ok(redirect_with_flash(
                &url,
                warning.as_deref().unwrap_or("Details saved."),
            ))
        }
        Saved::Stale => {
            let (date, time) = conv
                .starts_at
                .map(|t| meeting_fields(t, &conv.time_zone))
                .unwrap_or_default();
            let theirs_when = format!("{date} {time} ({})", conv.time_zone);
            conflict(
                &m,
                &format!("{url}/edit"),
                &url,
                conv.version,
                vec![
                    ConflictField::line("Title", "title", &conv.title, &f.title),
                    ConflictField::line("Date", "date", &theirs_when, &f.date),
                    ConflictField::line("Place or meeting link", "place", &conv.place, &f.place),
                    ConflictField::text("Purpose", "purpose", &conv.purpose, &f.purpose),
                ],
                vec![
                    ("time".into(), f.time.clone()),
                    ("time_zone".into(), f.time_zone.clone()),
                    ("facilitator".into(), f.facilitator.clone()),
                ],
            )
        }
    }
}

// ---------------------------------------------------------------- the conversation page

/// An agenda item as the conversation page shows it.
pub struct ItemView {
    pub item: AgendaItem,
    pub text_class: &'static str,
    pub first: bool,
    pub last: bool,
    /// How many pre-meeting views it has.
    pub view_count: usize,
}

fn item_views(items: Vec<AgendaItem>, views: &[PriorView]) -> Vec<ItemView> {
    let n = items.len();
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| ItemView {
            text_class: super::cards::on_colour(&item.colour),
            first: i == 0,
            last: i + 1 == n,
            view_count: views.iter().filter(|v| v.item_id == item.id).count(),
            item,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "talk/conversation.html")]
struct ConversationPage {
    c: PageCtx,
    slug: String,
    conv: Conversation,
    when: String,
    place_is_link: bool,
    items: Vec<ItemView>,
    total: String,
    attendees: Vec<Attendee>,
    /// Members not yet on the list: (user id, "Name (Organisation)").
    invitable: Vec<(Id, String)>,
    actions: Vec<ActionRow>,
    today: String,
    views_open: bool,
    can_edit: bool,
    can_run: bool,
    statuses: Vec<ConversationStatus>,
}

async fn page(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
) -> Result<Response, AppError> {
    let conv = own_conversation(&state, &m, id).await?;
    let talk = state.db.talk();
    let (items, attendees, actions, views) = tokio::try_join!(
        talk.agenda(id),
        talk.attendees(id),
        talk.conversation_actions(id),
        talk.views(id),
    )?;
    let d = state
        .directory
        .get(state.db.as_ref(), &m.partnership)
        .await?;
    let invitable = d
        .members
        .iter()
        .filter(|p| !attendees.iter().any(|a| a.user_id == Some(p.user_id)))
        .map(|p| {
            (
                p.user_id,
                format!("{} ({})", p.display_name, p.organisation_name),
            )
        })
        .collect();
    let total: i64 = items.iter().map(|i| i.minutes).sum();
    render(&ConversationPage {
        c: m.page(&conv.title),
        slug: m.partnership.slug.clone(),
        when: conv.when(),
        place_is_link: conv.place.starts_with("https://") || conv.place.starts_with("http://"),
        views_open: conv.views_open(now()),
        items: item_views(items, &views),
        total: duration(total),
        attendees,
        invitable,
        actions,
        today: today(&conv.time_zone),
        can_edit: can(m.role(), Action::EditContent),
        can_run: can(m.role(), Action::RunConversation),
        statuses: ConversationStatus::ALL.to_vec(),
        conv,
    })
}

#[derive(Deserialize)]
struct StatusForm {
    status: String,
}

async fn set_status(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
    SafeForm(f): SafeForm<StatusForm>,
) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    let conv = own_conversation(&state, &m, id).await?;
    let status = ConversationStatus::parse(&f.status)
        .ok_or_else(|| AppError::BadRequest("unknown status".into()))?;
    state
        .db
        .talk()
        .set_conversation_status(id, status, now())
        .await?;
    let url = conv_url(&m.partnership.slug, id);
    log(
        &state,
        &m,
        format!(
            "marked “{}” as {}",
            conv.title,
            status.label().to_lowercase()
        ),
        &url,
    )
    .await?;
    let message = match status {
        ConversationStatus::Planned => "Marked as planned.",
        ConversationStatus::Held => {
            "Marked as held. Everyone's views before the meeting can now be read."
        }
        ConversationStatus::WrittenUp => "Written up. The summary is ready to share.",
    };
    Ok(redirect_with_flash(&url, message))
}

#[derive(Deserialize)]
struct ViewsForm {
    /// "named" or "anonymous".
    mode: String,
    /// "yes" to reveal now, "no" to keep hidden.
    #[serde(default)]
    reveal: String,
}

async fn set_views(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
    SafeForm(f): SafeForm<ViewsForm>,
) -> Result<Response, AppError> {
    m.require(Action::RunConversation)?;
    let conv = own_conversation(&state, &m, id).await?;
    let named = match f.mode.as_str() {
        "named" => true,
        "anonymous" => false,
        _ => return Err(AppError::BadRequest("unknown views mode".into())),
    };
    let reveal = f.reveal == "yes";
    state.db.talk().set_views(id, named, reveal, now()).await?;
    let url = conv_url(&m.partnership.slug, id);
    if reveal && !conv.views_revealed {
        log(
            &state,
            &m,
            format!("revealed the views for “{}”", conv.title),
            &url,
        )
        .await?;
    }
    let message = match (reveal, named) {
        (true, _) => "Views revealed: everyone in the partnership can now read them.",
        (false, true) => "Saved. Views will show people's names.",
        (false, false) => "Saved. Views will be shown without names.",
    };
    Ok(redirect_with_flash(&url, message))
}

async fn delete(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
    SafeForm(_): SafeForm<NoFields>,
) -> Result<Response, AppError> {
    m.require(Action::RunConversation)?;
    let conv = own_conversation(&state, &m, id).await?;
    state.db.talk().delete_conversation(id).await?;
    let url = format!("/p/{}/conversations", m.partnership.slug);
    log(
        &state,
        &m,
        format!("deleted the conversation “{}”", conv.title),
        "",
    )
    .await?;
    Ok(redirect_with_flash(
        &url,
        "Conversation deleted. Its actions stay on the action plan.",
    ))
}

// ---------------------------------------------------------------- adding to the agenda

#[derive(Deserialize, Default)]
#[serde(default)]
struct AddQuery {
    q: String,
    deck: Option<Id>,
}

struct BrowseTheme {
    name: String,
    colour: String,
    text_class: &'static str,
    cards: Vec<(Id, String)>,
}

#[derive(Template)]
#[template(path = "talk/add.html")]
struct AddPage {
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
    suggestions: Vec<super::coverage::Suggestion>,
    errors: Errors,
    title: String,
    minutes: String,
}

async fn add_page(
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

async fn add_page_with(
    state: &AppState,
    m: &Member,
    conv: Conversation,
    q: AddQuery,
    errors: Errors,
    title: String,
    minutes: String,
) -> Result<Response, AppError> {
    let words = super::cards::search_words(&q.q);
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
                    text_class: super::cards::on_colour(&t.colour),
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
        .talk()
        .agenda(conv.id)
        .await?
        .iter()
        .filter_map(|i| i.card_id)
        .collect();
    let suggestions = super::coverage::suggestions(state, m, 6).await?;
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
struct AddItemForm {
    card: Option<Id>,
    title: String,
    minutes: String,
    /// Where to go afterwards: "add" (stay adding) or the conversation page.
    back: String,
}

/// Minutes as typed: blank is 0; anything else must be a whole number up to 8 hours.
fn parse_minutes(s: &str) -> Result<i64, String> {
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

async fn add_item(
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
    let talk = state.db.talk();
    let url = conv_url(&m.partnership.slug, id);
    let what = match f.card {
        Some(card_id) => {
            let snap = card_snapshot(&state, &m, card_id).await?;
            if errors.is_empty() {
                talk.add_card_item(id, &snap, minutes, now()).await?;
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
                talk.add_free_item(id, &title, minutes, now()).await?;
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

/// The first words of a long text, for the activity feed.
pub fn short(s: &str) -> String {
    if s.chars().count() <= 60 {
        s.to_string()
    } else {
        let cut: String = s.chars().take(57).collect();
        format!("{}…", cut.trim_end())
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct DrawForm {
    /// "deck:ID" or "theme:ID".
    from: String,
}

async fn draw(
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
    state.db.talk().add_card_item(id, &snap, 0, now()).await?;
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
struct UseForm {
    conversation: Id,
}

/// "Use in a conversation" from a card page.
async fn use_card(
    State(state): State<AppState>,
    m: Member,
    Path((_, card)): Path<(String, Id)>,
    SafeForm(f): SafeForm<UseForm>,
) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    let conv = own_conversation(&state, &m, f.conversation).await?;
    let snap = card_snapshot(&state, &m, card).await?;
    state
        .db
        .talk()
        .add_card_item(conv.id, &snap, 0, now())
        .await?;
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
struct PlanForm {
    title: String,
    minutes: String,
    version: i64,
}

async fn save_plan(
    State(state): State<AppState>,
    m: Member,
    Path((_, id, item)): Path<(String, Id, Id)>,
    SafeForm(f): SafeForm<PlanForm>,
) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    let conv = own_conversation(&state, &m, id).await?;
    let it = own_item(&state, &conv, item).await?;
    let url = conv_url(&m.partnership.slug, id);
    let minutes = match parse_minutes(&f.minutes) {
        Ok(n) => n,
        Err(e) => return Ok(redirect_with_flash(&format!("{url}#item-{item}"), &e)),
    };
    let title = if it.is_card {
        it.title.clone()
    } else {
        tidy(&f.title)
    };
    if title.is_empty() || title.chars().count() > 300 {
        return Ok(redirect_with_flash(
            &format!("{url}#item-{item}"),
            "An item needs a title of up to 300 characters.",
        ));
    }
    match state
        .db
        .talk()
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
struct MoveForm {
    direction: String,
}

async fn move_item(
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
    state.db.talk().move_item(item, direction).await?;
    Ok(redirect_with_flash(
        &format!("{}#item-{item}", conv_url(&m.partnership.slug, id)),
        "Agenda order changed.",
    ))
}

async fn delete_item(
    State(state): State<AppState>,
    m: Member,
    Path((_, id, item)): Path<(String, Id, Id)>,
    SafeForm(_): SafeForm<NoFields>,
) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    let conv = own_conversation(&state, &m, id).await?;
    let it = own_item(&state, &conv, item).await?;
    state.db.talk().delete_item(item).await?;
    let url = conv_url(&m.partnership.slug, id);
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

// ---------------------------------------------------------------- an item: views and record

struct ViewShown {
    author: Option<String>,
    body: String,
    mine: bool,
}

#[derive(Template)]
#[template(path = "talk/item.html")]
struct ItemPage {
    c: PageCtx,
    slug: String,
    conv: Conversation,
    item: AgendaItem,
    text_class: &'static str,
    notes_html: String,
    saved_label: String,
    /// What is in the record form: the saved record, or a newer draft of yours.
    f: RecordForm,
    draft_note: Option<String>,
    errors: Errors,
    my_view: String,
    views: Vec<ViewShown>,
    hidden_views: usize,
    views_open: bool,
    actions: Vec<ActionRow>,
    today: String,
    owners: Vec<(String, String)>,
    previous: Option<Id>,
    next: Option<Id>,
    can_edit: bool,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct RecordForm {
    notes: String,
    agreed: String,
    differ: String,
    version: i64,
}

async fn item_page(
    State(state): State<AppState>,
    m: Member,
    Path((_, id, item)): Path<(String, Id, Id)>,
) -> Result<Response, AppError> {
    let conv = own_conversation(&state, &m, id).await?;
    let it = own_item(&state, &conv, item).await?;
    item_page_with(&state, &m, conv, it, None, Errors::default()).await
}

async fn item_page_with(
    state: &AppState,
    m: &Member,
    conv: Conversation,
    it: AgendaItem,
    form: Option<RecordForm>,
    errors: Errors,
) -> Result<Response, AppError> {
    let talk = state.db.talk();
    let (agenda, views, actions, draft) = tokio::try_join!(
        talk.agenda(conv.id),
        talk.views(conv.id),
        talk.conversation_actions(conv.id),
        talk.draft(m.user.id, it.id),
    )?;
    let pos = agenda.iter().position(|i| i.id == it.id).unwrap_or(0);
    let previous = pos.checked_sub(1).and_then(|p| agenda.get(p)).map(|i| i.id);
    let next = agenda.get(pos + 1).map(|i| i.id);
    let views_open = conv.views_open(now());
    let mut my_view = String::new();
    let mut shown = Vec::new();
    let mut hidden_views = 0;
    for v in views.into_iter().filter(|v| v.item_id == it.id) {
        let mine = v.user_id == m.user.id;
        if mine {
            my_view = v.body.clone();
        }
        if mine || views_open {
            shown.push(ViewShown {
                author: (conv.views_named || mine).then_some(if mine {
                    "You".to_string()
                } else {
                    v.author
                }),
                body: v.body,
                mine,
            });
        } else {
            hidden_views += 1;
        }
    }
    let mut draft_note = None;
    let f = match (form, draft) {
        (Some(f), _) => f,
        (None, Some(d)) if d.saved_at > it.updated_at || d.base_version == it.version => {
            draft_note = Some(format!(
                "We kept your unsaved draft from {}. It is in the boxes below; press Save to keep it.",
                super::date_time(d.saved_at)
            ));
            RecordForm {
                notes: d.notes,
                agreed: d.agreed,
                differ: d.differ,
                version: it.version,
            }
        }
        _ => RecordForm {
            notes: it.notes.clone(),
            agreed: it.agreed.clone(),
            differ: it.differ.clone(),
            version: it.version,
        },
    };
    let owners = state
        .directory
        .get(state.db.as_ref(), &m.partnership)
        .await?
        .owner_choices(None);
    let status = errors.status();
    render_status(
        status,
        &ItemPage {
            c: m.page(&short(&it.title)),
            slug: m.partnership.slug.clone(),
            text_class: super::cards::on_colour(&it.colour),
            notes_html: super::markdown::to_html(&it.notes),
            saved_label: super::date_time(it.updated_at),
            f,
            draft_note,
            errors,
            my_view,
            views: shown,
            hidden_views,
            views_open,
            actions: actions
                .into_iter()
                .filter(|a| a.item_id == Some(it.id))
                .collect(),
            today: today(&conv.time_zone),
            owners,
            previous,
            next,
            can_edit: can(m.role(), Action::EditContent),
            conv,
            item: it,
        },
    )
}

async fn save_record(
    State(state): State<AppState>,
    m: Member,
    Path((_, id, item)): Path<(String, Id, Id)>,
    SafeForm(f): SafeForm<RecordForm>,
) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    let conv = own_conversation(&state, &m, id).await?;
    let it = own_item(&state, &conv, item).await?;
    let mut errors = Errors::default();
    if f.notes.chars().count() > MAX_NOTES {
        errors.add(
            "notes",
            format!("Notes must be {MAX_NOTES} characters or fewer; split them across items"),
        );
    }
    if f.agreed.chars().count() > MAX_LIST {
        errors.add(
            "agreed",
            format!("This list must be {MAX_LIST} characters or fewer"),
        );
    }
    if f.differ.chars().count() > MAX_LIST {
        errors.add(
            "differ",
            format!("This list must be {MAX_LIST} characters or fewer"),
        );
    }
    if !errors.is_empty() {
        return item_page_with(&state, &m, conv, it, Some(f), errors).await;
    }
    let url = item_url(&m.partnership.slug, id, item);
    match state
        .db
        .talk()
        .save_record(
            item,
            f.version,
            &RecordText {
                notes: f.notes.trim_end().to_string(),
                agreed: f.agreed.trim().to_string(),
                differ: f.differ.trim().to_string(),
            },
            m.user.id,
            now(),
        )
        .await?
    {
        Saved::Saved => {
            log(
                &state,
                &m,
                format!(
                    "recorded notes on “{}” in “{}”",
                    short(&it.title),
                    conv.title
                ),
                &url,
            )
            .await?;
            Ok(redirect_with_flash(&url, "Saved."))
        }
        Saved::Stale => conflict(
            &m,
            &format!("{url}/record"),
            &url,
            it.version,
            vec![
                ConflictField::text("Notes", "notes", &it.notes, &f.notes),
                ConflictField::text("What we agreed", "agreed", &it.agreed, &f.agreed),
                ConflictField::text("Where we differ", "differ", &it.differ, &f.differ),
            ],
            vec![],
        ),
    }
}

/// Autosave (JavaScript): keep a draft of the record for this person; 204 when kept.
async fn save_draft(
    State(state): State<AppState>,
    m: Member,
    Path((_, id, item)): Path<(String, Id, Id)>,
    SafeForm(f): SafeForm<RecordForm>,
) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    let conv = own_conversation(&state, &m, id).await?;
    own_item(&state, &conv, item).await?;
    if f.notes.chars().count() > MAX_NOTES
        || f.agreed.chars().count() > MAX_LIST
        || f.differ.chars().count() > MAX_LIST
    {
        return Ok(StatusCode::UNPROCESSABLE_ENTITY.into_response());
    }
    state
        .db
        .talk()
        .save_draft(
            m.user.id,
            item,
            &Draft {
                notes: f.notes,
                agreed: f.agreed,
                differ: f.differ,
                base_version: f.version,
                saved_at: now(),
            },
        )
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ViewForm {
    body: String,
}

async fn save_view(
    State(state): State<AppState>,
    m: Member,
    Path((_, id, item)): Path<(String, Id, Id)>,
    SafeForm(f): SafeForm<ViewForm>,
) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    let conv = own_conversation(&state, &m, id).await?;
    let it = own_item(&state, &conv, item).await?;
    if f.body.chars().count() > MAX_LIST {
        let mut errors = Errors::default();
        errors.add(
            "body",
            format!("Your thoughts must be {MAX_LIST} characters or fewer"),
        );
        return item_page_with(&state, &m, conv, it, None, errors).await;
    }
    state
        .db
        .talk()
        .save_view(item, m.user.id, f.body.trim(), now())
        .await?;
    let url = item_url(&m.partnership.slug, id, item);
    let message = if f.body.trim().is_empty() {
        "Your thoughts on this item were removed."
    } else if conv.views_open(now()) {
        "Your thoughts are saved, and everyone can read them."
    } else {
        "Your thoughts are saved. Others will see them when the lead reveals views or the meeting starts."
    };
    Ok(redirect_with_flash(&format!("{url}#views"), message))
}

// ---------------------------------------------------------------- attendees

#[derive(Deserialize, Default)]
#[serde(default)]
struct AttendeeForm {
    /// A member's user id, or "all" for everyone.
    member: String,
    name: String,
    organisation: String,
}

async fn add_attendee(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
    SafeForm(f): SafeForm<AttendeeForm>,
) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    let conv = own_conversation(&state, &m, id).await?;
    let url = format!("{}#people", conv_url(&m.partnership.slug, id));
    let talk = state.db.talk();
    let d = state
        .directory
        .get(state.db.as_ref(), &m.partnership)
        .await?;
    if !f.member.is_empty() {
        let chosen: Vec<_> = if f.member == "all" {
            d.members.iter().collect()
        } else {
            let uid: Id = f.member.parse().map_err(|_| AppError::NotFound)?;
            let p = d
                .members
                .iter()
                .find(|p| p.user_id == uid)
                .ok_or(AppError::NotFound)?;
            vec![p]
        };
        let mut added = 0;
        for p in chosen {
            if talk
                .add_attendee(id, Some(p.user_id), &p.display_name, &p.organisation_name)
                .await?
            {
                added += 1;
            }
        }
        let message = match added {
            0 => "They were already on the list.".to_string(),
            1 => "Added to the list of people coming.".to_string(),
            n => format!("{n} people added to the list."),
        };
        return Ok(redirect_with_flash(&url, &message));
    }
    let name = tidy(&f.name);
    let organisation = tidy(&f.organisation);
    if name.is_empty() || name.chars().count() > 200 || organisation.chars().count() > 200 {
        return Ok(redirect_with_flash(
            &url,
            "To add a guest, enter their name (and their organisation if they have one), each up to 200 characters.",
        ));
    }
    talk.add_attendee(id, None, &name, &organisation).await?;
    log(
        &state,
        &m,
        format!("added the guest {name} to “{}”", conv.title),
        &url,
    )
    .await?;
    Ok(redirect_with_flash(
        &url,
        &format!("{name} added as a guest."),
    ))
}

async fn remove_attendee(
    State(state): State<AppState>,
    m: Member,
    Path((_, id, attendee)): Path<(String, Id, Id)>,
    SafeForm(_): SafeForm<NoFields>,
) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    own_conversation(&state, &m, id).await?;
    if !state.db.talk().remove_attendee(id, attendee).await? {
        return Err(AppError::NotFound);
    }
    Ok(redirect_with_flash(
        &format!("{}#people", conv_url(&m.partnership.slug, id)),
        "Taken off the list.",
    ))
}

/// Views grouped for exports: item id → (author if named, body).
pub fn open_views(
    conv: &Conversation,
    views: Vec<PriorView>,
) -> HashMap<Id, Vec<(Option<String>, String)>> {
    let mut out: HashMap<Id, Vec<(Option<String>, String)>> = HashMap::new();
    if !conv.views_open(now()) {
        return out;
    }
    for v in views {
        out.entry(v.item_id)
            .or_default()
            .push((conv.views_named.then_some(v.author), v.body));
    }
    out
}
