//! My actions across partnerships, and the private calendar feed.

use crate::domain::now;
use crate::domain::{actions::*, time::*};
use crate::error::AppError;
use crate::security;
use crate::web::compress::uncompressed;
use crate::web::extract::{NoFields, SafeForm, SignedIn};
use crate::web::{AppState, PageCtx, render};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};

// ---------------------------------------------------------------- my actions and calendar

#[derive(Template)]
#[template(path = "actions/mine.html")]
pub(super) struct MinePage {
    c: PageCtx,
    rows: Vec<ActionRow>,
    today: String,
    has_calendar: bool,
    /// Shown once, right after it is made.
    new_feed: Option<String>,
}

pub(super) async fn mine_page(
    state: &AppState,
    s: &SignedIn,
    new_feed: Option<String>,
) -> Result<Response, AppError> {
    let (rows, has_calendar) = tokio::try_join!(
        state.db.my_actions(s.user.id),
        state.db.has_calendar(s.user.id)
    )?;
    render(&MinePage {
        c: s.ctx.page("My actions"),
        rows,
        // Across partnerships there is no one zone: UK time, as meetings default to.
        today: today(TIME_ZONES[0]),
        has_calendar,
        new_feed,
    })
}

pub(super) async fn mine(State(state): State<AppState>, s: SignedIn) -> Result<Response, AppError> {
    mine_page(&state, &s, None).await
}

/// Make (or replace) the person's calendar link; the old one stops working.
pub(super) async fn new_calendar(
    State(state): State<AppState>,
    s: SignedIn,
    SafeForm(_): SafeForm<NoFields>,
) -> Result<Response, AppError> {
    let token = security::new_token();
    state
        .db
        .set_calendar_token(s.user.id, &security::token_hash(&token), now())
        .await?;
    let url = format!("{}/calendar/{token}", state.public_url);
    // The page shows the new link once: never compressed (see `compress`).
    mine_page(&state, &s, Some(url)).await.map(uncompressed)
}

/// The calendar feed: one all-day event per dated action the person owns.
pub(super) async fn calendar(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    if token.len() != 64 {
        return Err(AppError::NotFound);
    }
    let user = state
        .db
        .calendar_owner(&security::token_hash(&token))
        .await?
        .ok_or(AppError::NotFound)?;
    let rows = state.db.my_actions(user).await?;
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
pub(super) fn ics_text(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace(';', "\\;")
        .replace(',', "\\,")
        .replace("\r\n", "\\n")
        .replace('\n', "\\n")
        .replace('\r', "")
}

/// Fold a content line at 75 octets (on character boundaries), as RFC 5545 asks.
pub(super) fn fold(line: &str) -> String {
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
    use super::super::*;
    use crate::domain::actions::{ActionRow, ActionStatus};

    fn row(title: &str, due: Option<&str>, status: ActionStatus) -> ActionRow {
        ActionRow {
            id: 7,
            partnership_id: 1,
            title: title.into(),
            detail: "Line one\nLine two; with, punctuation".into(),
            contingency: String::new(),
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
        let mut bytes = csv_header();
        bytes.extend(csv_rows(
            &[row(
                "=HYPERLINK(\"x\")",
                Some("2020-01-01"),
                ActionStatus::Open,
            )],
            "2026-01-01",
            "http://h",
        ));
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.contains("'=HYPERLINK"), "{text}");
        assert!(text.contains("Ana (former member)"));
        assert!(text.contains(",Yes,"), "overdue: {text}");
    }
}
