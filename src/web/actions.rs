//! Actions: the partnership's action plan (filters, sorting, overdue), one action with
//! its history, adding and editing (version-checked), status and progress notes, a
//! person's actions across partnerships, CSV, and a secret calendar feed of due dates.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::conflict::{ConflictField, conflict};
use super::conversations::{conv_url, item_url, own_conversation, own_item};
use super::extract::{Member, NoFields, SafeForm, SignedIn};
use super::{AppState, Errors, PageCtx, Routes, redirect_with_flash, render, render_status};
use super::{activity::log, short};
use crate::db::cards::Saved;
use crate::domain::decks::tidy;
use crate::domain::model::Id;
use crate::domain::now;
use crate::domain::roles::{Action, can};
use crate::domain::talk::*;
use crate::error::AppError;
use crate::security;

pub fn routes(r: Routes) -> Routes {
    r.get("/p/{slug}/actions", plan)
        .get("/p/{slug}/actions.csv", csv_export)
        .get("/p/{slug}/actions/new", new_page)
        .post_keeping("/p/{slug}/actions", create)
        .get("/p/{slug}/actions/{action}", show)
        .get("/p/{slug}/actions/{action}/edit", edit_page)
        .post_keeping("/p/{slug}/actions/{action}/edit", save)
        .post_keeping("/p/{slug}/actions/{action}/status", status)
        .get("/actions", mine)
        .post("/actions/calendar", new_calendar)
        .get("/calendar/{token}", calendar)
}

/// Actions per page of the plan.
pub const PAGE_SIZE: i64 = 50;

/// The partnership's idea of "today" (meetings default to UK time; so do due dates).
fn today_here() -> String {
    today(TIME_ZONES[0])
}

async fn own_action(state: &AppState, m: &Member, id: Id) -> Result<ActionRow, AppError> {
    state
        .db
        .talk()
        .action(id)
        .await?
        .filter(|a| a.partnership_id == m.partnership.id)
        .ok_or(AppError::NotFound)
}

fn owner_key(a: &ActionRow) -> String {
    match (a.owner_user_id, a.owner_org_id) {
        (Some(u), _) => format!("u:{u}"),
        (None, Some(o)) => format!("o:{o}"),
        _ => String::new(),
    }
}

// ---------------------------------------------------------------- the plan

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct PlanQuery {
    owner: String,
    organisation: String,
    status: String,
    overdue: String,
    sort: String,
    page: i64,
}

impl PlanQuery {
    fn filter(&self, today: &str) -> ActionFilter {
        let owner_user_id = self.owner.strip_prefix("u:").and_then(|s| s.parse().ok());
        let owner_org_id = self
            .organisation
            .parse()
            .ok()
            .or_else(|| self.owner.strip_prefix("o:").and_then(|s| s.parse().ok()));
        ActionFilter {
            owner_user_id,
            owner_org_id,
            status: ActionStatus::parse(&self.status),
            overdue_before: (self.overdue == "yes").then(|| today.to_string()),
            sort: ActionSort::parse(&self.sort).unwrap_or_default(),
            limit: PAGE_SIZE,
            offset: (self.page.max(1) - 1) * PAGE_SIZE,
            skip_count: false,
        }
    }

    /// The query string for the same filters on another page (or as CSV).
    fn query(&self, page: i64) -> String {
        let mut s = form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("owner", &self.owner),
            ("organisation", &self.organisation),
            ("status", &self.status),
            ("overdue", &self.overdue),
            ("sort", &self.sort),
        ] {
            if !v.is_empty() {
                s.append_pair(k, v);
            }
        }
        if page > 1 {
            s.append_pair("page", &page.to_string());
        }
        s.finish()
    }
}

#[derive(Template)]
#[template(path = "actions/plan.html")]
struct PlanPage {
    c: PageCtx,
    slug: String,
    q: PlanQuery,
    rows: Vec<ActionRow>,
    matching: i64,
    counts: ActionCounts,
    today: String,
    owners: Vec<(String, String)>,
    organisations: Vec<(Id, String)>,
    statuses: Vec<ActionStatus>,
    sorts: Vec<ActionSort>,
    page: i64,
    pages: i64,
    prev_query: Option<String>,
    next_query: Option<String>,
    csv_query: String,
    filtered: bool,
    can_edit: bool,
}

async fn plan(
    State(state): State<AppState>,
    m: Member,
    Query(q): Query<PlanQuery>,
) -> Result<Response, AppError> {
    let today = today_here();
    let mut filter = q.filter(&today);
    // Unfiltered, the counts at the top already say how many match.
    filter.skip_count = filter.is_everything();
    let talk = state.db.talk();
    let ((rows, matching), counts) = tokio::try_join!(
        talk.actions(m.partnership.id, &filter),
        talk.action_counts(m.partnership.id, &today)
    )?;
    let d = state
        .directory
        .get(state.db.as_ref(), &m.partnership)
        .await?;
    let mut owners: Vec<(String, String)> = d
        .members
        .iter()
        .map(|p| (format!("u:{}", p.user_id), p.display_name.clone()))
        .collect();
    owners.sort_by_key(|p| p.1.to_lowercase());
    let organisations = d
        .organisations
        .iter()
        .map(|o| (o.id, o.name.clone()))
        .collect();
    let matching = if matching < 0 { counts.total } else { matching };
    let page = q.page.max(1);
    let pages = ((matching + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    render(&PlanPage {
        c: m.page("Action plan"),
        slug: m.partnership.slug.clone(),
        filtered: !q.query(1).is_empty(),
        prev_query: (page > 1).then(|| q.query(page - 1)),
        next_query: (page < pages).then(|| q.query(page + 1)),
        csv_query: q.query(1),
        q,
        rows,
        matching,
        counts,
        today,
        owners,
        organisations,
        statuses: ActionStatus::ALL.to_vec(),
        sorts: ActionSort::ALL.to_vec(),
        page,
        pages,
        can_edit: can(m.role(), Action::EditContent),
    })
}

/// The plan as CSV (the same filters; every matching row, not one page).
async fn csv_export(
    State(state): State<AppState>,
    m: Member,
    Query(q): Query<PlanQuery>,
) -> Result<Response, AppError> {
    let today = today_here();
    let mut filter = q.filter(&today);
    filter.limit = 1_000_000;
    filter.offset = 0;
    let (rows, _) = state.db.talk().actions(m.partnership.id, &filter).await?;
    let bytes =
        actions_csv(&rows, &today, &state.public_url).map_err(|e| AppError::Internal(e.into()))?;
    let name = format!(
        "attachment; filename=\"{}-actions.csv\"",
        m.partnership.slug
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, name),
        ],
        bytes,
    )
        .into_response())
}

/// A CSV cell that a spreadsheet would run as a formula gets a leading apostrophe.
pub fn csv_safe(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

/// Actions as CSV, with a header row. Cells that a spreadsheet would run as a formula
/// get a leading apostrophe.
pub fn actions_csv(rows: &[ActionRow], today: &str, base: &str) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "Title",
        "Detail",
        "Owner",
        "Organisation",
        "Due",
        "Status",
        "Overdue",
        "Came from",
        "Link",
    ])?;
    let safe = csv_safe;
    for a in rows {
        w.write_record([
            safe(&a.title),
            safe(&a.detail),
            safe(&a.owner_label()),
            safe(a.owner_org_name.as_deref().unwrap_or("")),
            a.due_on.clone().unwrap_or_default(),
            a.status.label().to_string(),
            if a.is_overdue(today) { "Yes" } else { "No" }.to_string(),
            safe(&a.source),
            format!("{base}/p/{}/actions/{}", a.p_slug, a.id),
        ])?;
    }
    w.into_inner().map_err(|e| e.into_error().into())
}

// ---------------------------------------------------------------- new and edit

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct ActionForm {
    title: String,
    detail: String,
    owner: String,
    due: String,
    version: i64,
    conversation: Option<Id>,
    item: Option<Id>,
}

#[derive(Template)]
#[template(path = "actions/form.html")]
struct FormPage {
    c: PageCtx,
    slug: String,
    action_id: Option<Id>,
    source: String,
    errors: Errors,
    f: ActionForm,
    owners: Vec<(String, String)>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NewQuery {
    conversation: Option<Id>,
    item: Option<Id>,
    title: String,
}

async fn source_for(
    state: &AppState,
    m: &Member,
    conversation: Option<Id>,
    item: Option<Id>,
) -> Result<ActionSource, AppError> {
    let Some(cid) = conversation else {
        return Ok(ActionSource::default());
    };
    let conv = own_conversation(state, m, cid).await?;
    let mut label = format!("Conversation: {}", conv.title);
    let item_id = match item {
        Some(iid) => {
            let it = own_item(state, &conv, iid).await?;
            label.push_str(&format!(" — {}", short(&it.title)));
            Some(it.id)
        }
        None => None,
    };
    Ok(ActionSource {
        conversation_id: Some(conv.id),
        item_id,
        label,
    })
}

async fn form_page(
    state: &AppState,
    m: &Member,
    action: Option<&ActionRow>,
    source: String,
    errors: Errors,
    f: ActionForm,
) -> Result<Response, AppError> {
    let status = errors.status();
    render_status(
        status,
        &FormPage {
            c: m.page(if action.is_some() {
                "Change an action"
            } else {
                "Add an action"
            }),
            slug: m.partnership.slug.clone(),
            action_id: action.map(|a| a.id),
            source,
            errors,
            f,
            owners: state
                .directory
                .get(state.db.as_ref(), &m.partnership)
                .await?
                .owner_choices(action),
        },
    )
}

async fn new_page(
    State(state): State<AppState>,
    m: Member,
    Query(q): Query<NewQuery>,
) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    let source = source_for(&state, &m, q.conversation, q.item).await?;
    let f = ActionForm {
        title: q.title,
        conversation: q.conversation,
        item: q.item,
        ..Default::default()
    };
    form_page(&state, &m, None, source.label, Errors::default(), f).await
}

/// Check the form against the partnership's people and organisations.
async fn check(
    state: &AppState,
    m: &Member,
    f: &ActionForm,
    current: Option<&ActionRow>,
    errors: &mut Errors,
) -> Result<ActionFields, AppError> {
    let title = tidy(&f.title);
    if title.is_empty() {
        errors.add("title", "Enter what needs doing");
    } else if title.chars().count() > 300 {
        errors.add(
            "title",
            "Keep the title to 300 characters or fewer; put more in the detail",
        );
    }
    let detail = f.detail.trim().to_string();
    if detail.chars().count() > 10_000 {
        errors.add("detail", "Detail must be 10,000 characters or fewer");
    }
    let choices = state
        .directory
        .get(state.db.as_ref(), &m.partnership)
        .await?
        .owner_choices(current);
    let owner = f.owner.trim();
    let (mut owner_user_id, mut owner_org_id) = (None, None);
    if !owner.is_empty() {
        if !choices.iter().any(|(k, _)| k == owner) {
            errors.add(
                "owner",
                "Choose someone in the partnership, or one of its organisations",
            );
        } else if let Some(u) = owner.strip_prefix("u:") {
            owner_user_id = u.parse().ok();
        } else if let Some(o) = owner.strip_prefix("o:") {
            owner_org_id = o.parse().ok();
        }
    }
    let due_on = match f.due.trim() {
        "" => None,
        s => match parse_day(s) {
            Ok(d) => Some(d.to_string()),
            Err(e) => {
                errors.add("due", e);
                None
            }
        },
    };
    Ok(ActionFields {
        title,
        detail,
        owner_user_id,
        owner_org_id,
        due_on,
    })
}

async fn create(
    State(state): State<AppState>,
    m: Member,
    SafeForm(f): SafeForm<ActionForm>,
) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    let source = source_for(&state, &m, f.conversation, f.item).await?;
    let mut errors = Errors::default();
    let fields = check(&state, &m, &f, None, &mut errors).await?;
    if !errors.is_empty() {
        return form_page(&state, &m, None, source.label, errors, f).await;
    }
    let id = state
        .db
        .talk()
        .create_action(m.partnership.id, &fields, &source, m.user.id, now())
        .await?;
    let url = format!("/p/{}/actions/{id}", m.partnership.slug);
    log(
        &state,
        &m,
        format!("added the action “{}”", short(&fields.title)),
        &url,
    )
    .await?;
    let back = match (source.conversation_id, source.item_id) {
        (Some(c), Some(i)) => format!("{}#actions", item_url(&m.partnership.slug, c, i)),
        (Some(c), None) => format!("{}#actions", conv_url(&m.partnership.slug, c)),
        _ => url,
    };
    Ok(redirect_with_flash(
        &back,
        "Action added to the action plan.",
    ))
}

async fn edit_page(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    let a = own_action(&state, &m, id).await?;
    let f = ActionForm {
        title: a.title.clone(),
        detail: a.detail.clone(),
        owner: owner_key(&a),
        due: a.due_on.clone().unwrap_or_default(),
        version: a.version,
        conversation: None,
        item: None,
    };
    form_page(&state, &m, Some(&a), a.source.clone(), Errors::default(), f).await
}

async fn save(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
    SafeForm(f): SafeForm<ActionForm>,
) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    let a = own_action(&state, &m, id).await?;
    let mut errors = Errors::default();
    let fields = check(&state, &m, &f, Some(&a), &mut errors).await?;
    if !errors.is_empty() {
        return form_page(&state, &m, Some(&a), a.source.clone(), errors, f).await;
    }
    let url = format!("/p/{}/actions/{id}", m.partnership.slug);
    match state
        .db
        .talk()
        .update_action(id, f.version, &fields, m.user.id, now())
        .await?
    {
        Saved::Saved => {
            log(
                &state,
                &m,
                format!("changed the action “{}”", short(&fields.title)),
                &url,
            )
            .await?;
            Ok(redirect_with_flash(&url, "Action saved."))
        }
        Saved::Stale => conflict(
            &m,
            &format!("{url}/edit"),
            &url,
            a.version,
            vec![
                ConflictField::line("Title", "title", &a.title, &f.title),
                ConflictField::text("Detail", "detail", &a.detail, &f.detail),
                ConflictField::line(
                    "Due (year-month-day)",
                    "due",
                    a.due_on.as_deref().unwrap_or(""),
                    &f.due,
                ),
            ],
            vec![("owner".into(), f.owner.clone())],
        ),
    }
}

// ---------------------------------------------------------------- one action

#[derive(Template)]
#[template(path = "actions/show.html")]
struct ShowPage {
    c: PageCtx,
    slug: String,
    a: ActionRow,
    events: Vec<ActionEvent>,
    overdue: bool,
    statuses: Vec<ActionStatus>,
    can_edit: bool,
    source_link: Option<String>,
}

async fn show(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
) -> Result<Response, AppError> {
    let a = own_action(&state, &m, id).await?;
    let events = state.db.talk().action_events(id).await?;
    let source_link = match (a.conversation_id, a.item_id) {
        (Some(c), Some(i)) => Some(item_url(&m.partnership.slug, c, i)),
        (Some(c), None) => Some(conv_url(&m.partnership.slug, c)),
        _ => None,
    };
    render(&ShowPage {
        c: m.page(&short(&a.title)),
        slug: m.partnership.slug.clone(),
        overdue: a.is_overdue(&today_here()),
        events,
        statuses: ActionStatus::ALL.to_vec(),
        can_edit: can(m.role(), Action::EditContent),
        source_link,
        a,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct StatusForm {
    status: String,
    note: String,
}

async fn status(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
    SafeForm(f): SafeForm<StatusForm>,
) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    let a = own_action(&state, &m, id).await?;
    let url = format!("/p/{}/actions/{id}", m.partnership.slug);
    let Some(new_status) = ActionStatus::parse(&f.status) else {
        return Ok(redirect_with_flash(&url, "Choose a status."));
    };
    let note = f.note.trim();
    if note.chars().count() > 2_000 {
        return Ok(redirect_with_flash(
            &url,
            "A progress note must be 2,000 characters or fewer. Nothing was changed.",
        ));
    }
    if new_status == a.status && note.is_empty() {
        return Ok(redirect_with_flash(
            &url,
            "Nothing to save: the status is the same and the note is empty.",
        ));
    }
    state
        .db
        .talk()
        .update_action_status(id, new_status, note, m.user.id, now())
        .await?;
    let what = if new_status != a.status {
        format!(
            "marked the action “{}” as {}",
            short(&a.title),
            new_status.label().to_lowercase()
        )
    } else {
        format!("added a progress note to “{}”", short(&a.title))
    };
    log(&state, &m, what, &url).await?;
    Ok(redirect_with_flash(&url, "Progress saved."))
}

// ---------------------------------------------------------------- my actions and calendar

#[derive(Template)]
#[template(path = "actions/mine.html")]
struct MinePage {
    c: PageCtx,
    rows: Vec<ActionRow>,
    today: String,
    has_calendar: bool,
    /// Shown once, right after it is made.
    new_feed: Option<String>,
}

async fn mine_page(
    state: &AppState,
    s: &SignedIn,
    new_feed: Option<String>,
) -> Result<Response, AppError> {
    let talk = state.db.talk();
    let (rows, has_calendar) =
        tokio::try_join!(talk.my_actions(s.user.id), talk.has_calendar(s.user.id))?;
    render(&MinePage {
        c: s.ctx.page("My actions"),
        rows,
        today: today_here(),
        has_calendar,
        new_feed,
    })
}

async fn mine(State(state): State<AppState>, s: SignedIn) -> Result<Response, AppError> {
    mine_page(&state, &s, None).await
}

/// Make (or replace) the person's calendar link; the old one stops working.
async fn new_calendar(
    State(state): State<AppState>,
    s: SignedIn,
    SafeForm(_): SafeForm<NoFields>,
) -> Result<Response, AppError> {
    let token = security::new_token();
    state
        .db
        .talk()
        .set_calendar_token(s.user.id, &security::token_hash(&token), now())
        .await?;
    let url = format!("{}/calendar/{token}", state.public_url);
    mine_page(&state, &s, Some(url)).await
}

/// The calendar feed: one all-day event per dated action the person owns.
async fn calendar(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    if token.len() != 64 {
        return Err(AppError::NotFound);
    }
    let talk = state.db.talk();
    let user = talk
        .calendar_owner(&security::token_hash(&token))
        .await?
        .ok_or(AppError::NotFound)?;
    let rows = talk.my_actions(user).await?;
    let body = ics(&rows, &state.public_url, now());
    Ok((
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "inline; filename=\"tandem-actions.ics\"",
            ),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response())
}

/// RFC 5545 text escaping.
fn ics_text(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace(';', "\\;")
        .replace(',', "\\,")
        .replace("\r\n", "\\n")
        .replace('\n', "\\n")
        .replace('\r', "")
}

/// Fold a content line at 75 octets (on character boundaries), as RFC 5545 asks.
fn fold(line: &str) -> String {
    let mut out = String::new();
    let mut width = 0;
    for ch in line.chars() {
        let n = ch.len_utf8();
        if width + n > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(ch);
        width += n;
    }
    out.push_str("\r\n");
    out
}

/// A calendar of due dates: live actions with a date, as all-day events.
pub fn ics(rows: &[ActionRow], base: &str, now: i64) -> String {
    let stamp = jiff::Timestamp::from_second(now)
        .map(|t| t.strftime("%Y%m%dT%H%M%SZ").to_string())
        .unwrap_or_default();
    let host = base
        .split("://")
        .nth(1)
        .unwrap_or("tandem")
        .split('/')
        .next()
        .unwrap_or("tandem")
        .to_string();
    let mut out = String::new();
    for l in [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Tandem//Action due dates//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "X-WR-CALNAME:Tandem actions",
    ] {
        out.push_str(&fold(l));
    }
    for a in rows.iter().filter(|a| a.status.is_live()) {
        let Some(due) = a
            .due_on
            .as_deref()
            .and_then(|d| d.parse::<jiff::civil::Date>().ok())
        else {
            continue;
        };
        let next = due.tomorrow().unwrap_or(due);
        let url = format!("{base}/p/{}/actions/{}", a.p_slug, a.id);
        out.push_str(&fold("BEGIN:VEVENT"));
        out.push_str(&fold(&format!("UID:action-{}@{host}", a.id)));
        out.push_str(&fold(&format!("DTSTAMP:{stamp}")));
        out.push_str(&fold(&format!(
            "DTSTART;VALUE=DATE:{}",
            due.strftime("%Y%m%d")
        )));
        out.push_str(&fold(&format!(
            "DTEND;VALUE=DATE:{}",
            next.strftime("%Y%m%d")
        )));
        out.push_str(&fold(&format!(
            "SUMMARY:{}",
            ics_text(&format!("Due: {}", a.title))
        )));
        let desc = format!("{} — {}\n{}\n{}", a.p_name, a.status.label(), a.detail, url);
        out.push_str(&fold(&format!("DESCRIPTION:{}", ics_text(desc.trim()))));
        out.push_str(&fold(&format!("URL:{url}")));
        out.push_str(&fold("END:VEVENT"));
    }
    out.push_str(&fold("END:VCALENDAR"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(title: &str, due: Option<&str>, status: ActionStatus) -> ActionRow {
        ActionRow {
            id: 7,
            partnership_id: 1,
            title: title.into(),
            detail: "Line one\nLine two; with, punctuation".into(),
            owner_user_id: Some(3),
            owner_org_id: None,
            owner_name: Some("Ana".into()),
            owner_org_name: None,
            owner_is_member: false,
            due_on: due.map(String::from),
            status,
            conversation_id: None,
            item_id: None,
            source: String::new(),
            created_at: 0,
            updated_at: 0,
            version: 1,
            p_slug: "p".into(),
            p_name: "Partners".into(),
        }
    }

    #[test]
    fn calendar_lines_are_escaped_and_folded() {
        let long = "A very long action title that goes on and on well past the seventy-five octet limit of a line";
        let cal = ics(
            &[
                row(long, Some("2026-03-14"), ActionStatus::Open),
                row("Done already", Some("2026-03-01"), ActionStatus::Done),
                row("No date", None, ActionStatus::Open),
            ],
            "https://tandem.example.org",
            1_700_000_000,
        );
        assert_eq!(cal.matches("BEGIN:VEVENT").count(), 1, "{cal}");
        assert!(cal.contains("DTSTART;VALUE=DATE:20260314\r\n"));
        assert!(cal.contains("DTEND;VALUE=DATE:20260315\r\n"));
        assert!(cal.contains("Line two\\; with\\, punctuation"));
        assert!(cal.lines().all(|l| l.len() <= 75), "{cal}");
        assert!(cal.contains("UID:action-7@tandem.example.org"));
    }

    #[test]
    fn csv_guards_against_formulas_and_names_former_members() {
        let bytes = actions_csv(
            &[row(
                "=HYPERLINK(\"x\")",
                Some("2020-01-01"),
                ActionStatus::Open,
            )],
            "2026-01-01",
            "http://h",
        )
        .unwrap();
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.contains("'=HYPERLINK"), "{text}");
        assert!(text.contains("Ana (former member)"));
        assert!(text.contains(",Yes,"), "overdue: {text}");
    }
}
