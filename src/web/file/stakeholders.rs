//! The stakeholder map: who outside the partnership matters to its work, drawn on an
//! influence × interest grid with a table beside it, who has moved since a chosen day,
//! editing that is version-checked (each change of place kept as a move), removal
//! after a yes, and CSV.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::Deserialize;

use super::{owner_choices, points, scale_point};
use crate::db::Saved;
use crate::domain::decks::tidy;
use crate::domain::file::*;
use crate::domain::model::Id;
use crate::domain::now;
use crate::domain::roles::{Action, can};
use crate::domain::time::{add_days, format_day, parse_day};
use crate::error::AppError;
use crate::web::conflict::{ConflictField, conflict, gone};
use crate::web::directory::{chosen_owner, owner_key};
use crate::web::download::{csv_attachment, csv_safe};
use crate::web::extract::{Member, SafeForm};
use crate::web::{AppState, ConfirmPage, Confirmed, Errors, PageCtx, charts};
use crate::web::{activity::log, redirect_with_flash, render, render_status, short};

const MAX_NAME: usize = 200;
const MAX_NOTES: usize = 5_000;
/// How far back the map looks for movement unless asked otherwise.
const DEFAULT_SINCE_DAYS: i64 = 91;

fn map_url(slug: &str) -> String {
    format!("/p/{slug}/file/stakeholders")
}

async fn own_stakeholder(
    state: &AppState,
    m: &Member,
    id: Id,
) -> Result<Option<StakeholderRow>, AppError> {
    Ok(state
        .db
        .stakeholder(id)
        .await?
        .filter(|s| s.partnership_id == m.partnership.id))
}

// ---------------------------------------------------------------- the map

/// A stakeholder as the map lists them: numbered as on the drawing, with how they
/// moved since the chosen day.
pub(super) struct Listed {
    pub number: usize,
    pub s: StakeholderRow,
    pub movement: Option<Movement>,
}

impl Listed {
    pub fn movement_words(&self) -> String {
        self.movement
            .as_ref()
            .map(|m| m.describe(&self.s))
            .unwrap_or_default()
    }
}

/// The stakeholders in the map's order (quadrant, then name), numbered, each with their
/// movement since `since`.
pub(super) fn listed(
    stakeholders: Vec<StakeholderRow>,
    moves: &[MoveRow],
    since: &str,
) -> Vec<Listed> {
    let mut by_one: HashMap<Id, Vec<MoveRow>> = HashMap::new();
    for mv in moves {
        by_one
            .entry(mv.stakeholder_id)
            .or_default()
            .push(mv.clone());
    }
    let mut all = stakeholders;
    all.sort_by(|a, b| {
        a.quadrant()
            .cmp(&b.quadrant())
            .then_with(|| a.name.to_lowercase().cmp(&b.name.to_lowercase()))
            .then(a.id.cmp(&b.id))
    });
    all.into_iter()
        .enumerate()
        .map(|(i, s)| Listed {
            number: i + 1,
            movement: by_one
                .get(&s.id)
                .and_then(|moves| movement_since(moves, since)),
            s,
        })
        .collect()
}

/// One quadrant of the table.
struct Part {
    quadrant: Quadrant,
    rows: Vec<Listed>,
}

#[derive(Template)]
#[template(path = "file/stakeholders.html")]
struct MapPage {
    c: PageCtx,
    slug: String,
    can_edit: bool,
    total: usize,
    parts: Vec<Part>,
    map: String,
    since: String,
    since_typed: String,
    since_error: Option<String>,
    since_label: String,
    /// "moved from … on …" for each that moved, in the map's order.
    changes: Vec<(usize, String, String)>,
    stances: Vec<(&'static str, &'static str, &'static str)>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct SinceQuery {
    since: String,
}

/// The day movement is measured from: the one asked for, or three months ago.
fn since_day(today: &str, typed: &str) -> (String, Option<String>) {
    let default = add_days(today, -DEFAULT_SINCE_DAYS);
    match typed.trim() {
        "" => (default, None),
        s => match parse_day(s) {
            Ok(d) => (d.to_string(), None),
            Err(e) => (default, Some(e)),
        },
    }
}

pub(super) async fn map(
    State(state): State<AppState>,
    m: Member,
    Query(q): Query<SinceQuery>,
) -> Result<Response, AppError> {
    let today = m.partnership.today();
    let (since, since_error) = since_day(&today, &q.since);
    let (stakeholders, moves) = tokio::try_join!(
        state.db.stakeholders(m.partnership.id),
        state.db.stakeholder_moves_since(m.partnership.id, &since)
    )?;
    let all = listed(stakeholders, &moves, &since);
    let points: Vec<charts::MapPoint> = all
        .iter()
        .map(|l| charts::MapPoint {
            number: l.number,
            name: l.s.full_name(),
            influence: l.s.influence,
            interest: l.s.interest,
            stance: STANCES
                .iter()
                .find(|(k, _)| *k == l.s.stance)
                .map(|(k, _)| *k)
                .unwrap_or("unknown"),
            from: l.movement.as_ref().and_then(Movement::from_place),
        })
        .collect();
    let changes = all
        .iter()
        .filter(|l| matches!(l.movement, Some(Movement::Moved { .. })))
        .map(|l| (l.number, l.s.full_name(), l.movement_words()))
        .collect();
    let total = all.len();
    let since_label = format_day(&since);
    let map = charts::stakeholder_map(
        "stakeholder-map",
        "Stakeholders by influence and interest",
        &if total == 0 {
            "No stakeholders on the map yet.".to_string()
        } else {
            format!(
                "{total} stakeholders placed on a five by five grid, interest across and \
                 influence up, each a numbered dot; arrows show moves since {since_label}. \
                 The table below lists the same stakeholders by number."
            )
        },
        &points,
    );
    let mut parts: Vec<Part> = Quadrant::ALL
        .iter()
        .map(|q| Part {
            quadrant: *q,
            rows: Vec::new(),
        })
        .collect();
    for l in all {
        if let Some(p) = parts.iter_mut().find(|p| p.quadrant == l.s.quadrant()) {
            p.rows.push(l);
        }
    }
    let page = MapPage {
        c: m.page("Stakeholder map"),
        slug: m.partnership.slug.clone(),
        can_edit: can(m.role(), Action::EditContent),
        total,
        parts,
        map,
        since_typed: if since_error.is_some() {
            q.since.clone()
        } else {
            since.clone()
        },
        since,
        since_error,
        since_label,
        changes,
        stances: STANCES
            .iter()
            .map(|(k, l)| (*k, *l, charts::stance_fill(k).0))
            .collect(),
    };
    render(&page)
}

// ---------------------------------------------------------------- new and edit

/// Who keeps in touch: members only (an organisation cannot pick up the phone), the
/// stakeholder's own contact kept on offer if they have left.
fn keep(s: Option<&StakeholderRow>) -> Option<(Id, String)> {
    s.and_then(|s| s.owner_user_id.map(|u| (u, s.owner_label())))
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub(super) struct StakeholderForm {
    name: String,
    group: String,
    notes: String,
    influence: String,
    interest: String,
    stance: String,
    owner: String,
    contact: String,
    version: i64,
}

#[derive(Template)]
#[template(path = "file/stakeholder_form.html")]
struct FormPage {
    c: PageCtx,
    slug: String,
    stakeholder_id: Option<Id>,
    errors: Errors,
    f: StakeholderForm,
    owners: Vec<(String, String)>,
    influences: Vec<(String, &'static str)>,
    interests: Vec<(String, &'static str)>,
    stances: &'static [(&'static str, &'static str)],
    contacts: Vec<(&'static str, &'static str)>,
}

async fn form_page(
    state: &AppState,
    m: &Member,
    current: Option<&StakeholderRow>,
    errors: Errors,
    f: StakeholderForm,
) -> Result<Response, AppError> {
    let status = errors.status();
    render_status(
        status,
        &FormPage {
            c: m.page(if current.is_some() {
                "Change or move a stakeholder"
            } else {
                "Add a stakeholder"
            }),
            slug: m.partnership.slug.clone(),
            stakeholder_id: current.map(|s| s.id),
            errors,
            f,
            owners: owner_choices(state, m, true, keep(current)).await?,
            influences: points(&INFLUENCE),
            interests: points(&INTEREST),
            stances: &STANCES,
            contacts: CONTACT.iter().map(|(k, l, _)| (*k, *l)).collect(),
        },
    )
}

pub(super) async fn new_page(
    State(state): State<AppState>,
    m: Member,
) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    let f = StakeholderForm {
        stance: "unknown".into(),
        ..Default::default()
    };
    form_page(&state, &m, None, Errors::default(), f).await
}

async fn check(
    state: &AppState,
    m: &Member,
    f: &StakeholderForm,
    current: Option<&StakeholderRow>,
    errors: &mut Errors,
) -> Result<StakeholderFields, AppError> {
    let name = tidy(&f.name);
    if name.is_empty() {
        errors.add(
            "name",
            "Say who the stakeholder is: a person, a team or a group",
        );
    } else if name.chars().count() > MAX_NAME {
        errors.add("name", "Keep the name to 200 characters or fewer");
    }
    let group_name = tidy(&f.group);
    if group_name.chars().count() > MAX_NAME {
        errors.add(
            "group",
            "Keep the organisation or group to 200 characters or fewer",
        );
    }
    let influence = scale_point(
        errors,
        "influence",
        &f.influence,
        "Choose how much influence they have, from hardly any (1) to being able to decide it (5)",
    );
    let interest = scale_point(
        errors,
        "interest",
        &f.interest,
        "Choose how interested they are, from hardly at all (1) to it being central to them (5)",
    );
    let stance = match STANCES.iter().find(|(k, _)| *k == f.stance.trim()) {
        Some((k, _)) => k.to_string(),
        None => {
            errors.add("stance", "Choose where they stand, or “not known”");
            "unknown".into()
        }
    };
    let choices = owner_choices(state, m, true, keep(current)).await?;
    let owner_user_id = match chosen_owner(&choices, &f.owner) {
        Some((user, _)) => user,
        None => {
            errors.add(
                "owner",
                "Choose a member of the partnership to keep in touch, or decide later",
            );
            None
        }
    };
    let contact_every = match CONTACT.iter().find(|(k, _, _)| *k == f.contact.trim()) {
        Some((k, _, _)) => k.to_string(),
        None => {
            errors.add(
                "contact",
                "Choose how often to be in touch, or “not decided”",
            );
            String::new()
        }
    };
    let notes = f.notes.trim().to_string();
    if notes.chars().count() > MAX_NOTES {
        errors.add("notes", "Keep the notes to 5,000 characters or fewer");
    }
    Ok(StakeholderFields {
        name,
        group_name,
        notes,
        influence,
        interest,
        stance,
        owner_user_id,
        contact_every,
    })
}

pub(super) async fn create(
    State(state): State<AppState>,
    m: Member,
    SafeForm(f): SafeForm<StakeholderForm>,
) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    let mut errors = Errors::default();
    let fields = check(&state, &m, &f, None, &mut errors).await?;
    if !errors.is_empty() {
        return form_page(&state, &m, None, errors, f).await;
    }
    let id = state
        .db
        .create_stakeholder(
            m.partnership.id,
            &fields,
            m.user.id,
            &m.partnership.today(),
            now(),
        )
        .await?;
    let url = map_url(&m.partnership.slug);
    log(
        &state,
        &m,
        format!(
            "put {} on the stakeholder map ({})",
            short(&fields.name),
            Quadrant::of(fields.influence, fields.interest)
                .label()
                .to_lowercase()
        ),
        &format!("{url}#stakeholder-{id}"),
    )
    .await?;
    Ok(redirect_with_flash(
        &format!("{url}#stakeholder-{id}"),
        "Stakeholder added to the map.",
    ))
}

fn form_of(s: &StakeholderRow) -> StakeholderForm {
    StakeholderForm {
        name: s.name.clone(),
        group: s.group_name.clone(),
        notes: s.notes.clone(),
        influence: s.influence.to_string(),
        interest: s.interest.to_string(),
        stance: s.stance.clone(),
        owner: owner_key(s.owner_user_id, None),
        contact: s.contact_every.clone(),
        version: s.version,
    }
}

pub(super) async fn edit_page(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    let s = own_stakeholder(&state, &m, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let f = form_of(&s);
    form_page(&state, &m, Some(&s), Errors::default(), f).await
}

/// What was typed, for the page that says the stakeholder is no longer there.
fn typed(f: &StakeholderForm) -> Vec<(&'static str, String)> {
    vec![
        ("Who they are", f.name.clone()),
        ("Organisation or group", f.group.clone()),
        ("Influence (1 to 5)", f.influence.clone()),
        ("Interest (1 to 5)", f.interest.clone()),
        ("Where they stand", stance_label(&f.stance).to_string()),
        ("Notes", f.notes.clone()),
    ]
}

pub(super) async fn save(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
    SafeForm(f): SafeForm<StakeholderForm>,
) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    let url = map_url(&m.partnership.slug);
    let Some(s) = own_stakeholder(&state, &m, id).await? else {
        // Removed by someone else while this was being typed (or never ours: the
        // page shows only what was sent, so it tells nobody anything).
        return gone(
            &m,
            "This stakeholder is no longer on the map",
            "Someone removed them from the stakeholder map after you opened the form, so \
             your change was not saved. What you typed is below, if you want to add them again.",
            &url,
            typed(&f),
        );
    };
    let mut errors = Errors::default();
    let fields = check(&state, &m, &f, Some(&s), &mut errors).await?;
    if !errors.is_empty() {
        return form_page(&state, &m, Some(&s), errors, f).await;
    }
    let edit = format!("{url}/{id}/edit");
    let today = m.partnership.today();
    match state
        .db
        .update_stakeholder(&s, f.version, &fields, m.user.id, &today, now())
        .await?
    {
        Saved::Saved => {
            let (was, is) = (
                s.quadrant(),
                Quadrant::of(fields.influence, fields.interest),
            );
            let what = if was != is {
                format!(
                    "moved {} from {} to {}",
                    short(&fields.name),
                    was.label().to_lowercase(),
                    is.label().to_lowercase()
                )
            } else {
                format!("changed {} on the stakeholder map", short(&fields.name))
            };
            log(&state, &m, what, &format!("{url}#stakeholder-{id}")).await?;
            Ok(redirect_with_flash(
                &format!("{url}#stakeholder-{id}"),
                "Stakeholder saved.",
            ))
        }
        Saved::Stale => {
            // Removed between the check and the save: the same answer as above.
            let Some(now_saved) = own_stakeholder(&state, &m, id).await? else {
                return gone(
                    &m,
                    "This stakeholder is no longer on the map",
                    "Someone removed them from the stakeholder map after you opened the \
                     form, so your change was not saved. What you typed is below.",
                    &url,
                    typed(&f),
                );
            };
            let theirs = form_of(&now_saved);
            conflict(
                &m,
                &edit,
                &url,
                now_saved.version,
                vec![
                    ConflictField::line("Who they are", "name", &theirs.name, &f.name),
                    ConflictField::line("Organisation or group", "group", &theirs.group, &f.group),
                    ConflictField::line(
                        "Influence (1 to 5)",
                        "influence",
                        &theirs.influence,
                        &f.influence,
                    ),
                    ConflictField::line(
                        "Interest (1 to 5)",
                        "interest",
                        &theirs.interest,
                        &f.interest,
                    ),
                    ConflictField::text("Notes", "notes", &theirs.notes, &f.notes),
                ],
                vec![
                    ("stance".into(), f.stance.clone()),
                    ("owner".into(), f.owner.clone()),
                    ("contact".into(), f.contact.clone()),
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
    let s = own_stakeholder(&state, &m, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let url = map_url(&m.partnership.slug);
    if !f.yes() {
        return render(&ConfirmPage {
            c: m.page(&format!("Remove {}?", short(&s.name))),
            heading: format!("Remove {} from the stakeholder map?", s.full_name()),
            lines: vec![
                "This removes them, your notes about them and the record of where they \
                 have been on the map, for good: it cannot be undone."
                    .into(),
            ],
            fields: Vec::new(),
            action: format!("{url}/{id}/delete"),
            button: "Yes, remove them",
            warning: true,
            back: format!("{url}#stakeholder-{id}"),
            back_label: "No, keep them",
        });
    }
    state.db.delete_stakeholder(id).await?;
    log(
        &state,
        &m,
        format!("took {} off the stakeholder map", short(&s.name)),
        "",
    )
    .await?;
    Ok(redirect_with_flash(
        &url,
        "Stakeholder removed from the map.",
    ))
}

// ---------------------------------------------------------------- CSV

pub(super) async fn csv_export(
    State(state): State<AppState>,
    m: Member,
    Query(q): Query<SinceQuery>,
) -> Result<Response, AppError> {
    let (since, _) = since_day(&m.partnership.today(), &q.since);
    let (stakeholders, moves) = tokio::try_join!(
        state.db.stakeholders(m.partnership.id),
        state.db.stakeholder_moves_since(m.partnership.id, &since)
    )?;
    let all = listed(stakeholders, &moves, &since);
    let base = state.public_url.to_string();
    let mut w = csv::Writer::from_writer(Vec::new());
    let header = [
        "Number",
        "Stakeholder",
        "Organisation or group",
        "Influence",
        "Interest",
        "Quadrant",
        "What it means for contact",
        "Where they stand",
        "Who keeps in touch",
        "How often",
        &format!("Since {since}"),
        "Notes",
        "Link",
    ];
    w.write_record(header)
        .map_err(|e| AppError::Internal(e.into()))?;
    for l in &all {
        let s = &l.s;
        w.write_record([
            l.number.to_string(),
            csv_safe(&s.name),
            csv_safe(&s.group_name),
            s.influence.to_string(),
            s.interest.to_string(),
            s.quadrant().label().to_string(),
            s.quadrant().advice().to_string(),
            s.stance_label().to_string(),
            csv_safe(&s.owner_label()),
            s.contact_label().to_string(),
            l.movement_words(),
            csv_safe(&s.notes),
            format!(
                "{base}{}#stakeholder-{}",
                map_url(&m.partnership.slug),
                s.id
            ),
        ])
        .map_err(|e| AppError::Internal(e.into()))?;
    }
    csv_attachment(w, &format!("{} stakeholders", m.partnership.name))
}
