//! The skills and resources grid (`/p/{slug}/file/skills`): organisations across,
//! skills, knowledge and resources down; for each, who offers it and who hopes to gain
//! it, with the gaps (needed, nobody offers) said in words as well as shown. Each
//! organisation's column is edited on its own page with checkboxes (no JavaScript); a
//! save over someone else's change to that column is caught, nothing overwritten.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use serde::Deserialize;

use crate::db::Saved;
use crate::domain::decks::tidy;
use crate::domain::file::*;
use crate::domain::model::{Id, Organisation};
use crate::domain::now;
use crate::domain::roles::{Action, can};
use crate::error::AppError;
use crate::web::download::{csv_attachment, csv_safe};
use crate::web::extract::{Member, SafeForm};
use crate::web::{AppState, ConfirmPage, Confirmed, Errors, PageCtx};
use crate::web::{activity::log, redirect_with_flash, render, render_status, short};

const MAX_NAME: usize = 200;

fn grid_url(slug: &str) -> String {
    format!("/p/{slug}/file/skills")
}

/// A row of the grid as shown: the row, each organisation's answer, where it stands.
pub(super) struct GridRow {
    pub skill: SkillRow,
    /// (offers, wants) per organisation, in the columns' order.
    pub cells: Vec<(bool, bool)>,
    pub cover: Cover,
}

struct Grid {
    organisations: Vec<Organisation>,
    rows: Vec<GridRow>,
    cells: Vec<SkillCell>,
}

async fn grid(state: &AppState, pid: Id) -> Result<Grid, AppError> {
    let (skills, cells, organisations) = tokio::try_join!(
        state.db.skills(pid),
        state.db.skill_cells(pid),
        state.db.organisations(pid)
    )?;
    let rows = skills
        .into_iter()
        .map(|skill| {
            let mine: Vec<&SkillCell> = cells.iter().filter(|c| c.skill_id == skill.id).collect();
            GridRow {
                cells: organisations
                    .iter()
                    .map(|o| {
                        mine.iter()
                            .find(|c| c.organisation_id == o.id)
                            .map_or((false, false), |c| (c.offers, c.wants))
                    })
                    .collect(),
                cover: Cover::of(&mine),
                skill,
            }
        })
        .collect();
    Ok(Grid {
        organisations,
        rows,
        cells,
    })
}

#[derive(Template)]
#[template(path = "file/skills.html")]
struct GridPage {
    c: PageCtx,
    slug: String,
    can_edit: bool,
    organisations: Vec<Organisation>,
    groups: Vec<(&'static str, Vec<GridRow>)>,
    /// Anything on the grid at all.
    any: bool,
    gaps: Vec<String>,
    errors: Errors,
    f: SkillForm,
    kinds: &'static [(&'static str, &'static str)],
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub(super) struct SkillForm {
    name: String,
    kind: String,
}

async fn grid_page(
    state: &AppState,
    m: &Member,
    errors: Errors,
    f: SkillForm,
) -> Result<Response, AppError> {
    let Grid {
        organisations,
        rows,
        ..
    } = grid(state, m.partnership.id).await?;
    let gaps = rows
        .iter()
        .filter(|r| r.cover == Cover::Gap)
        .map(|r| r.skill.name.clone())
        .collect();
    let mut groups: Vec<(&'static str, Vec<GridRow>)> =
        SKILL_KINDS.iter().map(|(_, h)| (*h, Vec::new())).collect();
    for r in rows {
        if let Some(i) = SKILL_KINDS.iter().position(|(k, _)| *k == r.skill.kind) {
            groups[i].1.push(r);
        }
    }
    let status = errors.status();
    render_status(
        status,
        &GridPage {
            c: m.page("Skills and resources").quiet(!errors.is_empty()),
            slug: m.partnership.slug.clone(),
            can_edit: can(m.role(), Action::EditContent),
            organisations,
            any: groups.iter().any(|g| !g.1.is_empty()),
            groups,
            gaps,
            errors,
            f,
            kinds: &SKILL_KINDS,
        },
    )
}

pub(super) async fn page(State(state): State<AppState>, m: Member) -> Result<Response, AppError> {
    grid_page(&state, &m, Errors::default(), SkillForm::default()).await
}

pub(super) async fn create(
    State(state): State<AppState>,
    m: Member,
    SafeForm(f): SafeForm<SkillForm>,
) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    let mut errors = Errors::default();
    let name = tidy(&f.name);
    if name.is_empty() {
        errors.add("name", "Name the skill, knowledge or resource");
    } else if name.chars().count() > MAX_NAME {
        errors.add("name", "Keep it to 200 characters or fewer");
    }
    if !SKILL_KINDS.iter().any(|(k, _)| *k == f.kind) {
        errors.add(
            "kind",
            "Choose whether it is a skill, knowledge or a resource",
        );
    }
    if !errors.is_empty() {
        return grid_page(&state, &m, errors, f).await;
    }
    let id = state
        .db
        .create_skill(m.partnership.id, &name, &f.kind, m.user.id, now())
        .await?;
    let url = grid_url(&m.partnership.slug);
    log(
        &state,
        &m,
        format!("added “{}” to the skills and resources grid", short(&name)),
        &url,
    )
    .await?;
    Ok(redirect_with_flash(
        &format!("{url}#skill-{id}"),
        "Added. Each organisation can now say whether it offers it or hopes to gain it.",
    ))
}

pub(super) async fn delete(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
    SafeForm(f): SafeForm<Confirmed>,
) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    let skill = state
        .db
        .skills(m.partnership.id)
        .await?
        .into_iter()
        .find(|s| s.id == id)
        .ok_or(AppError::NotFound)?;
    let url = grid_url(&m.partnership.slug);
    if !f.yes() {
        return render(&ConfirmPage {
            c: m.page("Remove this row?"),
            heading: format!("Remove “{}” from the grid?", skill.name),
            lines: vec![
                "Every organisation's answer for it goes too. This cannot be undone.".into(),
            ],
            fields: Vec::new(),
            action: format!("{url}/{id}/delete"),
            button: "Yes, remove it",
            warning: true,
            back: format!("{url}#skill-{id}"),
            back_label: "No, keep it",
        });
    }
    state.db.delete_skill(id).await?;
    log(
        &state,
        &m,
        format!(
            "removed “{}” from the skills and resources grid",
            short(&skill.name)
        ),
        &url,
    )
    .await?;
    Ok(redirect_with_flash(&url, "Removed from the grid."))
}

// ---------------------------------------------------------------- one organisation

#[derive(Template)]
#[template(path = "file/skills_column.html")]
struct ColumnPage {
    c: PageCtx,
    slug: String,
    organisation: Organisation,
    /// (row, offers, wants), as saved or as sent back.
    rows: Vec<(SkillRow, bool, bool)>,
    fingerprint: String,
    stale: bool,
}

async fn own_organisation(state: &AppState, m: &Member, id: Id) -> Result<Organisation, AppError> {
    state
        .db
        .organisations(m.partnership.id)
        .await?
        .into_iter()
        .find(|o| o.id == id)
        .ok_or(AppError::NotFound)
}

pub(super) async fn column_page(
    State(state): State<AppState>,
    m: Member,
    Path((_, org)): Path<(String, Id)>,
) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    let organisation = own_organisation(&state, &m, org).await?;
    let g = grid(&state, m.partnership.id).await?;
    let at = g
        .organisations
        .iter()
        .position(|o| o.id == org)
        .unwrap_or(0);
    render(&ColumnPage {
        c: m.page(&format!(
            "What {} offers and hopes to gain",
            organisation.name
        )),
        slug: m.partnership.slug.clone(),
        fingerprint: fingerprint(&g.cells, org),
        rows: g
            .rows
            .into_iter()
            .map(|r| {
                let (o, w) = r.cells.get(at).copied().unwrap_or_default();
                (r.skill, o, w)
            })
            .collect(),
        organisation,
        stale: false,
    })
}

pub(super) async fn column_save(
    State(state): State<AppState>,
    m: Member,
    Path((_, org)): Path<(String, Id)>,
    SafeForm(f): SafeForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    let organisation = own_organisation(&state, &m, org).await?;
    let skills = state.db.skills(m.partnership.id).await?;
    let sent = |name: String| f.iter().any(|(k, v)| *k == name && v == "yes");
    let cells: Vec<SkillCell> = skills
        .iter()
        .map(|s| SkillCell {
            skill_id: s.id,
            organisation_id: org,
            offers: sent(format!("offers-{}", s.id)),
            wants: sent(format!("wants-{}", s.id)),
        })
        .collect();
    let was = f
        .iter()
        .find(|(k, _)| k == "fingerprint")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let url = grid_url(&m.partnership.slug);
    match state
        .db
        .save_skill_column(m.partnership.id, org, &was, &cells, now())
        .await?
    {
        Saved::Saved => {
            log(
                &state,
                &m,
                format!("said what {} offers and hopes to gain", organisation.name),
                &url,
            )
            .await?;
            Ok(redirect_with_flash(&url, "Saved."))
        }
        Saved::Stale => {
            // Someone changed this column meanwhile: show the ticks as sent, with the
            // fingerprint of the column as it is now, so saving again is a choice.
            let now_cells = state.db.skill_cells(m.partnership.id).await?;
            render_status(
                axum::http::StatusCode::CONFLICT,
                &ColumnPage {
                    c: m.page(&format!(
                        "What {} offers and hopes to gain",
                        organisation.name
                    )),
                    slug: m.partnership.slug.clone(),
                    fingerprint: fingerprint(&now_cells, org),
                    rows: skills
                        .into_iter()
                        .zip(cells)
                        .map(|(s, c)| (s, c.offers, c.wants))
                        .collect(),
                    organisation,
                    stale: true,
                },
            )
        }
    }
}

// ---------------------------------------------------------------- CSV

pub(super) async fn csv_export(
    State(state): State<AppState>,
    m: Member,
) -> Result<Response, AppError> {
    let g = grid(&state, m.partnership.id).await?;
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec![
        "Kind".to_string(),
        "Skill, knowledge or resource".to_string(),
    ];
    header.extend(g.organisations.iter().map(|o| csv_safe(&o.name)));
    header.push("Where it stands".into());
    w.write_record(&header)
        .map_err(|e| AppError::Internal(e.into()))?;
    for r in &g.rows {
        let mut row = vec![
            SKILL_KINDS
                .iter()
                .find(|(k, _)| *k == r.skill.kind)
                .map_or("", |(_, h)| *h)
                .to_string(),
            csv_safe(&r.skill.name),
        ];
        row.extend(r.cells.iter().map(|(o, w)| {
            match (o, w) {
                (true, true) => "Offers and hopes to gain",
                (true, false) => "Offers",
                (false, true) => "Hopes to gain",
                (false, false) => "",
            }
            .to_string()
        }));
        row.push(r.cover.label().to_string());
        w.write_record(&row)
            .map_err(|e| AppError::Internal(e.into()))?;
    }
    csv_attachment(w, &format!("{} skills and resources", m.partnership.name))
}
