//! The communications plan (`/p/{slug}/file/communications`): per stakeholder on the
//! map, or a group not on it, what we want them to know, the channel, how often, who
//! and when next. Each next date is an action on the action plan (made or moved when
//! the line is saved), so it reaches "My actions" and the calendar feed. Lines are
//! version-checked; CSV.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use serde::Deserialize;

use super::owner_choices;
use crate::db::Saved;
use crate::domain::actions::{ActionFields, ActionSource};
use crate::domain::decks::tidy;
use crate::domain::file::*;
use crate::domain::model::Id;
use crate::domain::now;
use crate::domain::roles::{Action, can};
use crate::domain::time::parse_day;
use crate::error::AppError;
use crate::web::conflict::{ConflictField, conflict};
use crate::web::directory::{chosen_owner, owner_key};
use crate::web::download::{csv_attachment, csv_safe};
use crate::web::extract::{Member, SafeForm};
use crate::web::{AppState, ConfirmPage, Confirmed, Errors, PageCtx};
use crate::web::{activity::log, redirect_with_flash, render, render_status, short};

const MAX_LINE: usize = 300;
const MAX_TEXT: usize = 2_000;

fn plan_url(slug: &str) -> String {
    format!("/p/{slug}/file/communications")
}

async fn own_line(state: &AppState, m: &Member, id: Id) -> Result<CommsRow, AppError> {
    state
        .db
        .comms_item(id)
        .await?
        .filter(|c| c.partnership_id == m.partnership.id)
        .ok_or(AppError::NotFound)
}

/// Who does it: members only, the line's own person kept on offer if they have left.
fn keep(c: Option<&CommsRow>) -> Option<(Id, String)> {
    c.and_then(|c| c.owner_user_id.map(|u| (u, c.owner_label())))
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub(super) struct CommsForm {
    /// "s:ID" for a stakeholder on the map, or empty for a group typed in `group`.
    stakeholder: String,
    group: String,
    message: String,
    channel: String,
    frequency: String,
    owner: String,
    next: String,
    version: i64,
}

#[derive(Template)]
#[template(path = "file/communications.html")]
struct PlanPage {
    c: PageCtx,
    slug: String,
    can_edit: bool,
    lines: Vec<CommsRow>,
    today: String,
    /// The add form (or the edit form of one line).
    editing: Option<Id>,
    errors: Errors,
    f: CommsForm,
    stakeholders: Vec<(String, String)>,
    owners: Vec<(String, String)>,
    contacts: Vec<(&'static str, &'static str)>,
    /// Stakeholders to manage closely or keep informed with no line yet.
    uncovered: Vec<String>,
}

async fn plan_page(
    state: &AppState,
    m: &Member,
    editing: Option<&CommsRow>,
    errors: Errors,
    f: CommsForm,
) -> Result<Response, AppError> {
    let (lines, stakeholders) = tokio::try_join!(
        state.db.comms_items(m.partnership.id),
        state.db.stakeholders(m.partnership.id)
    )?;
    let uncovered = stakeholders
        .iter()
        .filter(|s| {
            matches!(
                s.quadrant(),
                Quadrant::ManageClosely | Quadrant::KeepInformed
            ) && !lines.iter().any(|l| l.stakeholder_id == Some(s.id))
        })
        .map(|s| s.full_name())
        .collect();
    let status = errors.status();
    render_status(
        status,
        &PlanPage {
            c: m.page(if editing.is_some() {
                "Change the communications plan"
            } else {
                "Communications plan"
            })
            .quiet(!errors.is_empty()),
            slug: m.partnership.slug.clone(),
            can_edit: can(m.role(), Action::EditContent),
            today: m.partnership.today(),
            editing: editing.map(|l| l.id),
            errors,
            f,
            stakeholders: stakeholders
                .iter()
                .map(|s| (format!("s:{}", s.id), s.full_name()))
                .collect(),
            owners: owner_choices(state, m, true, keep(editing)).await?,
            contacts: CONTACT.iter().map(|(k, l, _)| (*k, *l)).collect(),
            uncovered,
            lines,
        },
    )
}

pub(super) async fn page(State(state): State<AppState>, m: Member) -> Result<Response, AppError> {
    plan_page(&state, &m, None, Errors::default(), CommsForm::default()).await
}

async fn check(
    state: &AppState,
    m: &Member,
    f: &CommsForm,
    current: Option<&CommsRow>,
    errors: &mut Errors,
) -> Result<CommsFields, AppError> {
    let (stakeholder_id, audience) = match f.stakeholder.trim().strip_prefix("s:") {
        Some(id) => match id.parse::<Id>().ok() {
            Some(id) => match state.db.stakeholder(id).await? {
                Some(s) if s.partnership_id == m.partnership.id => (Some(s.id), s.full_name()),
                _ => {
                    errors.add(
                        "stakeholder",
                        "That stakeholder is no longer on the map: choose another, or type a group",
                    );
                    (None, String::new())
                }
            },
            None => {
                errors.add(
                    "stakeholder",
                    "Choose a stakeholder from the map, or type a group",
                );
                (None, String::new())
            }
        },
        None => {
            let group = tidy(&f.group);
            if group.is_empty() {
                errors.add(
                    "group",
                    "Choose a stakeholder from the map, or say which group this is for",
                );
            } else if group.chars().count() > MAX_LINE {
                errors.add("group", "Keep the group to 300 characters or fewer");
            }
            (None, group)
        }
    };
    let message = f.message.trim().to_string();
    if message.is_empty() {
        errors.add("message", "Say what you want them to know");
    } else if message.chars().count() > MAX_TEXT {
        errors.add("message", "Keep it to 2,000 characters or fewer");
    }
    let channel = tidy(&f.channel);
    if channel.chars().count() > MAX_LINE {
        errors.add("channel", "Keep the channel to 300 characters or fewer");
    }
    let frequency = match CONTACT.iter().find(|(k, _, _)| *k == f.frequency.trim()) {
        Some((k, _, _)) => k.to_string(),
        None => {
            errors.add("frequency", "Choose how often, or “not decided”");
            String::new()
        }
    };
    let choices = owner_choices(state, m, true, keep(current)).await?;
    let owner_user_id = match chosen_owner(&choices, &f.owner) {
        Some((user, _)) => user,
        None => {
            errors.add(
                "owner",
                "Choose a member of the partnership, or decide later",
            );
            None
        }
    };
    let next_on = match f.next.trim() {
        "" => None,
        s => match parse_day(s) {
            Ok(d) => Some(d.to_string()),
            Err(e) => {
                errors.add("next", e);
                None
            }
        },
    };
    Ok(CommsFields {
        stakeholder_id,
        audience,
        message,
        channel,
        frequency,
        owner_user_id,
        next_on,
    })
}

/// Make the action for the line's next date, or move the open one it has.
async fn sync_action(
    state: &AppState,
    m: &Member,
    id: Id,
    f: &CommsFields,
) -> Result<(), AppError> {
    let Some(due) = &f.next_on else {
        return Ok(());
    };
    let line = own_line(state, m, id).await?;
    let title = CommsRow::action_title(&f.audience, &short(&f.message));
    let detail = format!(
        "From the communications plan.{}",
        if f.channel.is_empty() {
            String::new()
        } else {
            format!(" Channel: {}.", f.channel)
        }
    );
    if let Some(aid) = line.action_id
        && let Some(a) = state.db.action(aid).await?
        && a.partnership_id == m.partnership.id
        && matches!(a.status.as_str(), "open" | "in_progress")
    {
        let fields = ActionFields {
            title,
            detail,
            contingency: a.contingency.clone(),
            owner_user_id: f.owner_user_id,
            owner_org_id: None,
            due_on: Some(due.clone()),
        };
        // Someone editing the action itself at this moment wins; the plan keeps its date.
        let _ = state
            .db
            .update_action(aid, a.version, &fields, m.user.id, now())
            .await?;
        return Ok(());
    }
    let aid = state
        .db
        .create_action(
            m.partnership.id,
            &ActionFields {
                title,
                detail,
                contingency: String::new(),
                owner_user_id: f.owner_user_id,
                owner_org_id: None,
                due_on: Some(due.clone()),
            },
            &ActionSource {
                conversation_id: None,
                item_id: None,
                label: "Communications plan".into(),
            },
            m.user.id,
            now(),
        )
        .await?;
    state.db.link_comms_action(id, aid).await?;
    Ok(())
}

pub(super) async fn create(
    State(state): State<AppState>,
    m: Member,
    SafeForm(f): SafeForm<CommsForm>,
) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    let mut errors = Errors::default();
    let fields = check(&state, &m, &f, None, &mut errors).await?;
    if !errors.is_empty() {
        return plan_page(&state, &m, None, errors, f).await;
    }
    let id = state
        .db
        .create_comms_item(m.partnership.id, &fields, m.user.id, now())
        .await?;
    sync_action(&state, &m, id, &fields).await?;
    let url = plan_url(&m.partnership.slug);
    log(
        &state,
        &m,
        format!("planned what to tell {}", short(&fields.audience)),
        &format!("{url}#comms-{id}"),
    )
    .await?;
    Ok(redirect_with_flash(
        &format!("{url}#comms-{id}"),
        if fields.next_on.is_some() {
            "Added to the communications plan, and the next date to the action plan."
        } else {
            "Added to the communications plan."
        },
    ))
}

fn form_of(c: &CommsRow) -> CommsForm {
    CommsForm {
        stakeholder: c
            .stakeholder_id
            .map(|s| format!("s:{s}"))
            .unwrap_or_default(),
        group: if c.stakeholder_id.is_some() {
            String::new()
        } else {
            c.audience.clone()
        },
        message: c.message.clone(),
        channel: c.channel.clone(),
        frequency: c.frequency.clone(),
        owner: owner_key(c.owner_user_id, None),
        next: c.next_on.clone().unwrap_or_default(),
        version: c.version,
    }
}

pub(super) async fn edit_page(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    let c = own_line(&state, &m, id).await?;
    let f = form_of(&c);
    plan_page(&state, &m, Some(&c), Errors::default(), f).await
}

pub(super) async fn save(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
    SafeForm(f): SafeForm<CommsForm>,
) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    let c = own_line(&state, &m, id).await?;
    let mut errors = Errors::default();
    let fields = check(&state, &m, &f, Some(&c), &mut errors).await?;
    if !errors.is_empty() {
        return plan_page(&state, &m, Some(&c), errors, f).await;
    }
    let url = plan_url(&m.partnership.slug);
    match state
        .db
        .update_comms_item(id, f.version, &fields, now())
        .await?
    {
        Saved::Saved => {
            sync_action(&state, &m, id, &fields).await?;
            log(
                &state,
                &m,
                format!("changed what to tell {}", short(&fields.audience)),
                &format!("{url}#comms-{id}"),
            )
            .await?;
            Ok(redirect_with_flash(
                &format!("{url}#comms-{id}"),
                "Communications plan saved.",
            ))
        }
        Saved::Stale => {
            let theirs = form_of(&c);
            conflict(
                &m,
                &format!("{url}/{id}/edit"),
                &url,
                c.version,
                vec![
                    ConflictField::text(
                        "What we want them to know",
                        "message",
                        &theirs.message,
                        &f.message,
                    ),
                    ConflictField::line("Channel", "channel", &theirs.channel, &f.channel),
                    ConflictField::line("Next time", "next", &theirs.next, &f.next),
                ],
                vec![
                    ("stakeholder".into(), f.stakeholder.clone()),
                    ("group".into(), f.group.clone()),
                    ("frequency".into(), f.frequency.clone()),
                    ("owner".into(), f.owner.clone()),
                ],
            )
        }
    }
}

pub(super) async fn delete(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
    SafeForm(f): SafeForm<Confirmed>,
) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    let c = own_line(&state, &m, id).await?;
    let url = plan_url(&m.partnership.slug);
    if !f.yes() {
        return render(&ConfirmPage {
            c: m.page("Remove this from the communications plan?"),
            heading: format!("Stop planning what to tell {}?", c.audience),
            lines: vec![
                "This removes the line from the plan. An action already on the action plan stays there."
                    .into(),
            ],
            fields: Vec::new(),
            action: format!("{url}/{id}/delete"),
            button: "Yes, remove it",
            warning: true,
            back: format!("{url}#comms-{id}"),
            back_label: "No, keep it",
        });
    }
    state.db.delete_comms_item(id).await?;
    log(
        &state,
        &m,
        format!("took {} off the communications plan", short(&c.audience)),
        &url,
    )
    .await?;
    Ok(redirect_with_flash(
        &url,
        "Removed from the communications plan.",
    ))
}

pub(super) async fn csv_export(
    State(state): State<AppState>,
    m: Member,
) -> Result<Response, AppError> {
    let lines = state.db.comms_items(m.partnership.id).await?;
    let base = state.public_url.to_string();
    let url = plan_url(&m.partnership.slug);
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "Who it is for",
        "What we want them to know",
        "Channel",
        "How often",
        "Who does it",
        "Next time",
        "Action",
        "Link",
    ])
    .map_err(|e| AppError::Internal(e.into()))?;
    for c in &lines {
        w.write_record([
            csv_safe(&c.audience),
            csv_safe(&c.message),
            csv_safe(&c.channel),
            c.frequency_label().to_string(),
            csv_safe(&c.owner_label()),
            c.next_on.clone().unwrap_or_default(),
            c.action_id
                .map(|a| format!("{base}/p/{}/actions/{a}", m.partnership.slug))
                .unwrap_or_default(),
            format!("{base}{url}#comms-{}", c.id),
        ])
        .map_err(|e| AppError::Internal(e.into()))?;
    }
    csv_attachment(w, &format!("{} communications plan", m.partnership.name))
}
