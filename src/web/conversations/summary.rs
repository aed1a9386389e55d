//! A conversation's summary, fit to send to a board: purpose, who came from which
//! organisation, and each item with its decisions, differences and actions. As a page
//! (which prints), Markdown, PDF, and the whole conversation as JSON.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::in_the_room::{LiveRecord, LiveStepRecord, conversation_record};
use super::{open_views, own_conversation};
use crate::domain::model::Id;
use crate::domain::{actions::*, conversations::*, time::*};
use crate::error::AppError;
use crate::pdf::Block;
use crate::web::download::file_name;
use crate::web::extract::Member;
use crate::web::{AppState, PageCtx, Routes, render};

pub fn routes(r: Routes) -> Routes {
    r.get("/p/{slug}/conversations/{conv}/summary", page)
        .get("/p/{slug}/conversations/{conv}/summary.md", markdown)
        .get("/p/{slug}/conversations/{conv}/summary.pdf", pdf)
        .get("/p/{slug}/conversations/{conv}/export.json", json_export)
}

/// Everything a summary needs, loaded once.
/// Said when nobody has recorded who came.
const NOT_RECORDED: &str = "Who came has not been recorded; these are the people invited.";

pub struct Summary {
    pub conv: Conversation,
    pub partnership: String,
    pub when: String,
    /// (organisation, names), organisations in order.
    pub groups: Vec<(String, Vec<String>)>,
    /// Whether anyone's attendance was recorded; if not, `groups` is who was invited.
    pub recorded: bool,
    /// Who sent apologies ("Name (Organisation)").
    pub apologies: Vec<String>,
    pub attendees: Vec<Attendee>,
    pub items: Vec<SummaryItem>,
    pub other_actions: Vec<ActionRow>,
    /// The live sessions run for it.
    pub live: Vec<LiveRecord>,
}

impl Summary {
    /// The live steps run for an agenda item whose results are not already kept in
    /// its notes.
    pub fn live_for(&self, item: &Id) -> Vec<&LiveStepRecord> {
        self.live
            .iter()
            .flat_map(|l| &l.steps)
            .filter(|s| s.step.item_id == Some(*item) && !s.kept())
            .collect()
    }

    /// Live steps (not kept) for no item on this agenda.
    pub fn live_loose(&self) -> Vec<&LiveStepRecord> {
        self.live
            .iter()
            .flat_map(|l| &l.steps)
            .filter(|s| {
                !s.kept()
                    && !s
                        .step
                        .item_id
                        .is_some_and(|i| self.items.iter().any(|x| x.item.id == i))
            })
            .collect()
    }
}

pub struct SummaryItem {
    pub item: AgendaItem,
    pub notes_html: String,
    pub agreed: Vec<String>,
    pub differ: Vec<String>,
    pub actions: Vec<ActionRow>,
}

pub async fn load(state: &AppState, m: &Member, id: Id) -> Result<Summary, AppError> {
    let conv = own_conversation(state, m, id).await?;
    let (items, attendees, actions) = tokio::try_join!(
        state.db.agenda(id),
        state.db.attendees(id),
        state.db.conversation_actions(id)
    )?;
    let live = conversation_record(state, id).await?;
    let mut by_org: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let recorded = attendees.iter().any(|a| a.came() || a.sent_apologies());
    let apologies = attendees
        .iter()
        .filter(|a| a.sent_apologies())
        .map(|a| {
            if a.organisation.is_empty() {
                a.name.clone()
            } else {
                format!("{} ({})", a.name, a.organisation)
            }
        })
        .collect();
    for a in attendees.iter().filter(|a| !recorded || a.came()) {
        let org = if a.organisation.is_empty() {
            "Guests".to_string()
        } else {
            a.organisation.clone()
        };
        by_org.entry(org).or_default().push(a.name.clone());
    }
    let items: Vec<SummaryItem> = items
        .into_iter()
        .map(|item| SummaryItem {
            notes_html: crate::web::markdown::to_html(&item.notes),
            agreed: item.agreed_lines(),
            differ: item.differ_lines(),
            actions: actions
                .iter()
                .filter(|a| a.item_id == Some(item.id))
                .cloned()
                .collect(),
            item,
        })
        .collect();
    let other_actions = actions
        .into_iter()
        .filter(|a| !items.iter().any(|i| Some(i.item.id) == a.item_id))
        .collect();
    Ok(Summary {
        when: conv.when(),
        partnership: m.partnership.name.clone(),
        groups: by_org.into_iter().collect(),
        recorded,
        apologies,
        attendees,
        items,
        other_actions,
        live,
        conv,
    })
}

fn action_line(a: &ActionRow) -> String {
    let due = a
        .due_on
        .as_deref()
        .map(|d| format!(", due {}", format_day(d)))
        .unwrap_or_default();
    format!(
        "{} — {}{} ({})",
        a.title,
        a.owner_label(),
        due,
        a.status.label().to_lowercase()
    )
}

#[derive(Template)]
#[template(path = "conversations/summary.html")]
struct SummaryPage {
    c: PageCtx,
    slug: String,
    s: Summary,
}

async fn page(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
) -> Result<Response, AppError> {
    let s = load(&state, &m, id).await?;
    render(&SummaryPage {
        c: m.page(&format!("Summary: {}", s.conv.title)),
        slug: m.partnership.slug.clone(),
        s,
    })
}

/// The summary as Markdown.
pub fn to_markdown(s: &Summary) -> String {
    let mut out = format!("# {}\n\n", s.conv.title);
    out.push_str(&format!("*{}* — {}", s.partnership, s.when));
    if !s.conv.place.is_empty() {
        out.push_str(&format!(" — {}", s.conv.place));
    }
    out.push_str("\n\n");
    if s.conv.status != ConversationStatus::WrittenUp {
        out.push_str("> Draft: this conversation has not been written up yet.\n\n");
    }
    if !s.conv.purpose.is_empty() {
        out.push_str(&format!("## Purpose\n\n{}\n\n", s.conv.purpose));
    }
    if let Some(f) = &s.conv.facilitator_name {
        out.push_str(&format!("Facilitated by {f}.\n\n"));
    }
    out.push_str("## Who came\n\n");
    if s.groups.is_empty() {
        out.push_str("Nobody was recorded as attending.\n\n");
    } else if !s.recorded {
        out.push_str(&format!("{NOT_RECORDED}\n\n"));
    }
    for (org, names) in &s.groups {
        out.push_str(&format!("- **{org}**: {}\n", names.join(", ")));
    }
    if !s.apologies.is_empty() {
        out.push_str(&format!("\nApologies: {}.\n", s.apologies.join(", ")));
    }
    out.push('\n');
    if !s.live.is_empty() {
        out.push_str("## In the room\n\n");
        for l in &s.live {
            out.push_str(&format!("- {}\n", l.line()));
        }
        out.push('\n');
        for st in s.live_loose() {
            live_markdown(&mut out, st, "");
        }
    }
    for (n, i) in s.items.iter().enumerate() {
        out.push_str(&format!("## {}. {}\n\n", n + 1, i.item.title));
        if i.item.is_card {
            out.push_str(&format!(
                "*Card from {} — {}*\n\n",
                i.item.deck_title, i.item.theme_name
            ));
        }
        if !i.item.notes.trim().is_empty() {
            out.push_str(&format!(
                "{}\n\n",
                crate::web::markdown::with_line_breaks(i.item.notes.trim())
            ));
        }
        for (title, list) in [
            ("What we agreed", &i.agreed),
            ("Where we differ", &i.differ),
        ] {
            if !list.is_empty() {
                out.push_str(&format!("**{title}**\n\n"));
                for l in list {
                    out.push_str(&format!("- {l}\n"));
                }
                out.push('\n');
            }
        }
        if !i.actions.is_empty() {
            out.push_str("**Actions**\n\n");
            for a in &i.actions {
                out.push_str(&format!("- {}\n", action_line(a)));
            }
            out.push('\n');
        }
        for st in s.live_for(&i.item.id) {
            live_markdown(&mut out, st, &i.item.title);
        }
    }
    if !s.other_actions.is_empty() {
        out.push_str("## Other actions\n\n");
        for a in &s.other_actions {
            out.push_str(&format!("- {}\n", action_line(a)));
        }
        out.push('\n');
    }
    out
}

fn live_markdown(out: &mut String, st: &LiveStepRecord, item_title: &str) {
    out.push_str(&format!(
        "**{}** ({})\n\n",
        st.heading(item_title),
        st.counted()
    ));
    for l in st.lines() {
        out.push_str(&format!("- {l}\n"));
    }
    out.push('\n');
}

async fn markdown(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
) -> Result<Response, AppError> {
    let s = load(&state, &m, id).await?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "text/markdown; charset=utf-8".to_string(),
            ),
            (header::CONTENT_DISPOSITION, file_name(&s.conv.title, "md")),
        ],
        to_markdown(&s),
    )
        .into_response())
}

/// The summary as blocks for the PDF writer.
fn blocks(s: &Summary) -> Vec<Block> {
    let mut b = vec![Block::Title(s.conv.title.clone())];
    let mut meta = format!("{} — {}", s.partnership, s.when);
    if !s.conv.place.is_empty() {
        meta.push_str(&format!(" — {}", s.conv.place));
    }
    b.push(Block::Meta(meta));
    if s.conv.status != ConversationStatus::WrittenUp {
        b.push(Block::Meta("Draft: not yet written up.".into()));
    }
    if !s.conv.purpose.is_empty() {
        b.push(Block::Heading("Purpose".into()));
        for p in s.conv.purpose.split("\n\n") {
            b.push(Block::Para(p.replace('\n', " ")));
        }
    }
    b.push(Block::Heading("Who came".into()));
    if s.groups.is_empty() {
        b.push(Block::Para("Nobody was recorded as attending.".into()));
    } else if !s.recorded {
        b.push(Block::Para(NOT_RECORDED.into()));
    }
    for (org, names) in &s.groups {
        b.push(Block::Bullet(format!("{org}: {}", names.join(", "))));
    }
    if !s.apologies.is_empty() {
        b.push(Block::Para(format!(
            "Apologies: {}.",
            s.apologies.join(", ")
        )));
    }
    if !s.live.is_empty() {
        b.push(Block::Heading("In the room".into()));
        b.extend(s.live.iter().map(|l| Block::Bullet(l.line())));
        for st in s.live_loose() {
            live_blocks(&mut b, st, "");
        }
    }
    for (n, i) in s.items.iter().enumerate() {
        b.push(Block::Heading(format!("{}. {}", n + 1, i.item.title)));
        if i.item.is_card {
            b.push(Block::Meta(format!(
                "Card from {} — {}",
                i.item.deck_title, i.item.theme_name
            )));
        }
        b.extend(crate::web::markdown::to_blocks(&i.item.notes));
        for (title, list) in [
            ("What we agreed", &i.agreed),
            ("Where we differ", &i.differ),
        ] {
            if !list.is_empty() {
                b.push(Block::Label(title.into()));
                b.extend(list.iter().map(|l| Block::Bullet(l.clone())));
            }
        }
        if !i.actions.is_empty() {
            b.push(Block::Label("Actions".into()));
            b.extend(i.actions.iter().map(|a| Block::Bullet(action_line(a))));
        }
        for st in s.live_for(&i.item.id) {
            live_blocks(&mut b, st, &i.item.title);
        }
    }
    if !s.other_actions.is_empty() {
        b.push(Block::Heading("Other actions".into()));
        b.extend(
            s.other_actions
                .iter()
                .map(|a| Block::Bullet(action_line(a))),
        );
    }
    b
}

fn live_blocks(b: &mut Vec<Block>, st: &LiveStepRecord, item_title: &str) {
    b.push(Block::Label(st.heading(item_title)));
    b.push(Block::Meta(st.counted()));
    b.extend(st.lines().into_iter().map(Block::Bullet));
}

async fn pdf(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
) -> Result<Response, AppError> {
    let s = load(&state, &m, id).await?;
    let title = s.conv.title.clone();
    let b = blocks(&s);
    let bytes = crate::work::file(move || crate::pdf::document_pdf(&title, &b)).await??;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (header::CONTENT_DISPOSITION, file_name(&s.conv.title, "pdf")),
        ],
        bytes,
    )
        .into_response())
}

/// Everything about the conversation as JSON (pre-meeting views only once they may be
/// read, and names only if the conversation shows names).
async fn json_export(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
) -> Result<Response, AppError> {
    let s = load(&state, &m, id).await?;
    let views = open_views(&s.conv, state.db.views(id).await?);
    let action_json = |a: &ActionRow| {
        json!({
            "id": a.id,
            "title": a.title,
            "detail": a.detail,
            "contingency": a.contingency,
            "owner": a.owner_label(),
            "due": a.due_on,
            "status": a.status.as_str(),
        })
    };
    let c = &s.conv;
    let doc = json!({
        "format": "tandem-conversation",
        "version": 1,
        "partnership": s.partnership,
        "title": c.title,
        "starts_at": c.starts_at.and_then(|t| jiff::Timestamp::from_second(t).ok()).map(|t| t.to_string()),
        "time_zone": c.time_zone,
        "place": c.place,
        "facilitator": c.facilitator_name,
        "purpose": c.purpose,
        "status": c.status.as_str(),
        "views": if c.views_named { "named" } else { "anonymous" },
        "attendees": s.attendees.iter().map(|a| json!({
            "name": a.name,
            "organisation": a.organisation,
            "guest": a.user_id.is_none(),
            "attendance": match a.attendance.as_str() {
                "came" => "came",
                "apologies" => "apologies",
                _ => "not recorded",
            },
        })).collect::<Vec<_>>(),
        "agenda": s.items.iter().map(|i| json!({
            "position": i.item.position,
            "kind": if i.item.is_card { "card" } else { "item" },
            "title": i.item.title,
            "prompt": i.item.prompt,
            "deck": (i.item.is_card).then_some(&i.item.deck_title),
            "theme": (i.item.is_card).then_some(&i.item.theme_name),
            "card_id": i.item.card_id,
            "minutes": i.item.minutes,
            "notes": i.item.notes,
            "agreed": i.agreed,
            "differ": i.differ,
            "views": views.get(&i.item.id).map(|v| v.iter().map(|(who, body)| json!({"by": who, "body": body})).collect::<Vec<_>>()).unwrap_or_default(),
            "actions": i.actions.iter().map(action_json).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "other_actions": s.other_actions.iter().map(action_json).collect::<Vec<_>>(),
        "live_sessions": s.live.iter().map(|l| json!({
            "title": l.session.title,
            "started_at": jiff::Timestamp::from_second(l.session.created_at).ok().map(|t| t.to_string()),
            "ended_at": l.session.ended_at.and_then(|t| jiff::Timestamp::from_second(t).ok()).map(|t| t.to_string()),
            "phones": l.phones,
            "steps": l.steps.iter().map(|st| json!({
                "position": st.step.position,
                "title": st.step.title,
                "kind": st.step.kind.as_str(),
                "anonymous": st.step.anonymous,
                "agenda_position": st.step.item_id.and_then(|id| s.items.iter().find(|i| i.item.id == id)).map(|i| i.item.position),
                "answered_on_phones": st.answered,
                "by_show_of_hands": st.hands,
                "results": st.results,
                "thoughts": st.thoughts,
                "kept_in_notes": st.kept(),
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    });
    let body = serde_json::to_string_pretty(&doc).map_err(|e| AppError::Internal(e.into()))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/json".to_string()),
            (
                header::CONTENT_DISPOSITION,
                file_name(&s.conv.title, "json"),
            ),
        ],
        body,
    )
        .into_response())
}
