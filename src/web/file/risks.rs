//! The risk register: what could go wrong, how likely and how bad, who watches it,
//! what prevents it and what we do if it happens (the contingency plan), with a heat
//! map, the common partnership risks offered as starting points, editing that is
//! version-checked, removal after a yes, and CSV.

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
use crate::domain::time::parse_day;
use crate::error::AppError;
use crate::web::conflict::{ConflictField, conflict};
use crate::web::directory::{chosen_owner, owner_key};
use crate::web::download::{csv_attachment, csv_safe};
use crate::web::extract::{Member, SafeForm};
use crate::web::{AppState, ConfirmPage, Confirmed, Errors, PageCtx, charts};
use crate::web::{activity::log, redirect_with_flash, render, render_status, short};

/// The longest title, and the longest "prevent" and "if it happens", in characters.
const MAX_TITLE: usize = 300;
const MAX_TEXT: usize = 5_000;

fn register_url(slug: &str) -> String {
    format!("/p/{slug}/file/risks")
}

async fn own_risk(state: &AppState, m: &Member, id: Id) -> Result<RiskRow, AppError> {
    state
        .db
        .risk(id)
        .await?
        .filter(|r| r.partnership_id == m.partnership.id)
        .ok_or(AppError::NotFound)
}

// ---------------------------------------------------------------- the register

#[derive(Template)]
#[template(path = "file/risks.html")]
struct RegisterPage {
    c: PageCtx,
    slug: String,
    can_edit: bool,
    open: Vec<RiskRow>,
    closed: Vec<RiskRow>,
    today: String,
    heat_map: String,
    /// The open risks in words, highest band first, for those who do not see the map.
    in_words: String,
    /// Suggestions whose title is not on the register yet.
    suggestions: Vec<&'static Suggestion>,
    overdue: usize,
}

pub(super) async fn register(
    State(state): State<AppState>,
    m: Member,
) -> Result<Response, AppError> {
    let all = state.db.risks(m.partnership.id).await?;
    let today = m.partnership.today();
    let (open, closed): (Vec<RiskRow>, Vec<RiskRow>) = all.into_iter().partition(|r| r.is_open());
    let mut cells = [[0usize; SCALE as usize]; SCALE as usize];
    for r in &open {
        if let (Ok(l), Ok(i)) = (
            usize::try_from(r.likelihood - 1),
            usize::try_from(r.impact - 1),
        ) && l < cells.len()
            && i < cells.len()
        {
            cells[i][l] += 1;
        }
    }
    let overdue = open.iter().filter(|r| r.review_overdue(&today)).count();
    let suggestions = SUGGESTIONS
        .iter()
        .filter(|s| {
            !open
                .iter()
                .chain(closed.iter())
                .any(|r| r.title.eq_ignore_ascii_case(s.title))
        })
        .collect();
    let page = RegisterPage {
        c: m.page("Risks and what we do about them"),
        slug: m.partnership.slug.clone(),
        can_edit: can(m.role(), Action::EditContent),
        heat_map: charts::heat_map(
            "risk-map",
            "Open risks by likelihood and impact",
            &heat_map_desc(&open),
            &cells,
        ),
        in_words: in_words(&open),
        open,
        closed,
        today,
        suggestions,
        overdue,
    };
    render(&page)
}

fn heat_map_desc(open: &[RiskRow]) -> String {
    if open.is_empty() {
        return "No open risks yet.".into();
    }
    format!(
        "{} open risks placed on a five by five grid, likelihood across and impact up; \
         the table below lists the same risks.",
        open.len()
    )
}

/// "2 very high, 1 high, 3 medium" (the bands that have any).
fn in_words(open: &[RiskRow]) -> String {
    let bands = [Band::VeryHigh, Band::High, Band::Medium, Band::Low];
    let parts: Vec<String> = bands
        .iter()
        .filter_map(|b| {
            let n = open.iter().filter(|r| r.band() == *b).count();
            (n > 0).then(|| format!("{n} {}", b.label().to_lowercase()))
        })
        .collect();
    parts.join(", ")
}

// ---------------------------------------------------------------- new and edit

/// The risk's own watcher, kept on offer if they have left.
fn keep(r: Option<&RiskRow>) -> Option<(Id, String)> {
    r.and_then(|r| r.owner_user_id.map(|u| (u, r.owner_label())))
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub(super) struct RiskForm {
    title: String,
    likelihood: String,
    impact: String,
    owner: String,
    prevention: String,
    response: String,
    review: String,
    status: String,
    version: i64,
}

#[derive(Template)]
#[template(path = "file/risk_form.html")]
struct FormPage {
    c: PageCtx,
    slug: String,
    risk_id: Option<Id>,
    errors: Errors,
    f: RiskForm,
    owners: Vec<(String, String)>,
    likelihoods: Vec<(String, &'static str)>,
    impacts: Vec<(String, &'static str)>,
}

async fn form_page(
    state: &AppState,
    m: &Member,
    risk: Option<&RiskRow>,
    errors: Errors,
    f: RiskForm,
) -> Result<Response, AppError> {
    let status = errors.status();
    render_status(
        status,
        &FormPage {
            c: m.page(if risk.is_some() {
                "Change a risk"
            } else {
                "Add a risk"
            }),
            slug: m.partnership.slug.clone(),
            risk_id: risk.map(|r| r.id),
            errors,
            f,
            owners: owner_choices(state, m, false, keep(risk)).await?,
            likelihoods: points(&LIKELIHOOD),
            impacts: points(&IMPACT),
        },
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct NewQuery {
    suggestion: String,
}

pub(super) async fn new_page(
    State(state): State<AppState>,
    m: Member,
    Query(q): Query<NewQuery>,
) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    let mut f = RiskForm {
        status: "open".into(),
        ..Default::default()
    };
    if let Some(s) = suggestion(&q.suggestion) {
        f.title = s.title.into();
        f.prevention = s.prevention.into();
        f.response = s.response.into();
    }
    form_page(&state, &m, None, Errors::default(), f).await
}

/// Check the form against the partnership's people and organisations.
async fn check(
    state: &AppState,
    m: &Member,
    f: &RiskForm,
    current: Option<&RiskRow>,
    errors: &mut Errors,
) -> Result<RiskFields, AppError> {
    let title = tidy(&f.title);
    if title.is_empty() {
        errors.add("title", "Say what could go wrong");
    } else if title.chars().count() > MAX_TITLE {
        errors.add(
            "title",
            "Keep the risk to 300 characters or fewer; put more in what prevents it",
        );
    }
    let likelihood = scale_point(
        errors,
        "likelihood",
        &f.likelihood,
        "Choose how likely it is, from very unlikely (1) to almost certain (5)",
    );
    let impact = scale_point(
        errors,
        "impact",
        &f.impact,
        "Choose how bad it would be, from very small (1) to very serious (5)",
    );
    let choices = owner_choices(state, m, false, keep(current)).await?;
    let (owner_user_id, owner_org_id) = chosen_owner(&choices, &f.owner).unwrap_or_else(|| {
        errors.add(
            "owner",
            "Choose someone in the partnership, or one of its organisations",
        );
        (None, None)
    });
    let prevention = f.prevention.trim().to_string();
    if prevention.chars().count() > MAX_TEXT {
        errors.add(
            "prevention",
            "Keep what prevents it to 5,000 characters or fewer",
        );
    }
    let response = f.response.trim().to_string();
    if response.chars().count() > MAX_TEXT {
        errors.add(
            "response",
            "Keep what you do if it happens to 5,000 characters or fewer",
        );
    }
    let review_on = match f.review.trim() {
        "" => None,
        s => match parse_day(s) {
            Ok(d) => Some(d.to_string()),
            Err(e) => {
                errors.add("review", e);
                None
            }
        },
    };
    let status = match f.status.as_str() {
        "" | "open" => "open",
        "closed" => "closed",
        _ => {
            errors.add("status", "Choose whether it is still a risk");
            "open"
        }
    };
    Ok(RiskFields {
        title,
        likelihood,
        impact,
        owner_user_id,
        owner_org_id,
        prevention,
        response,
        review_on,
        status: status.into(),
    })
}

pub(super) async fn create(
    State(state): State<AppState>,
    m: Member,
    SafeForm(f): SafeForm<RiskForm>,
) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    let mut errors = Errors::default();
    let fields = check(&state, &m, &f, None, &mut errors).await?;
    if !errors.is_empty() {
        return form_page(&state, &m, None, errors, f).await;
    }
    let id = state
        .db
        .create_risk(m.partnership.id, &fields, m.user.id, now())
        .await?;
    let url = register_url(&m.partnership.slug);
    log(
        &state,
        &m,
        format!("added the risk “{}”", short(&fields.title)),
        &format!("{url}#risk-{id}"),
    )
    .await?;
    Ok(redirect_with_flash(
        &format!("{url}#risk-{id}"),
        "Risk added to the register.",
    ))
}

fn form_of(r: &RiskRow) -> RiskForm {
    RiskForm {
        title: r.title.clone(),
        likelihood: r.likelihood.to_string(),
        impact: r.impact.to_string(),
        owner: owner_key(r.owner_user_id, r.owner_org_id),
        prevention: r.prevention.clone(),
        response: r.response.clone(),
        review: r.review_on.clone().unwrap_or_default(),
        status: r.status.clone(),
        version: r.version,
    }
}

pub(super) async fn edit_page(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    let r = own_risk(&state, &m, id).await?;
    let f = form_of(&r);
    form_page(&state, &m, Some(&r), Errors::default(), f).await
}

pub(super) async fn save(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
    SafeForm(f): SafeForm<RiskForm>,
) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    let r = own_risk(&state, &m, id).await?;
    let mut errors = Errors::default();
    let fields = check(&state, &m, &f, Some(&r), &mut errors).await?;
    if !errors.is_empty() {
        return form_page(&state, &m, Some(&r), errors, f).await;
    }
    let url = register_url(&m.partnership.slug);
    let edit = format!("{url}/{id}/edit");
    match state.db.update_risk(id, f.version, &fields, now()).await? {
        Saved::Saved => {
            let what = if r.is_open() && fields.status == "closed" {
                "closed the risk"
            } else {
                "changed the risk"
            };
            log(
                &state,
                &m,
                format!("{what} “{}”", short(&fields.title)),
                &format!("{url}#risk-{id}"),
            )
            .await?;
            Ok(redirect_with_flash(
                &format!("{url}#risk-{id}"),
                "Risk saved.",
            ))
        }
        Saved::Stale => {
            let theirs = form_of(&r);
            conflict(
                &m,
                &edit,
                &url,
                r.version,
                vec![
                    ConflictField::line("Risk", "title", &theirs.title, &f.title),
                    ConflictField::line(
                        "Likelihood (1 to 5)",
                        "likelihood",
                        &theirs.likelihood,
                        &f.likelihood,
                    ),
                    ConflictField::line("Impact (1 to 5)", "impact", &theirs.impact, &f.impact),
                    ConflictField::text(
                        "What prevents it",
                        "prevention",
                        &theirs.prevention,
                        &f.prevention,
                    ),
                    ConflictField::text(
                        "What we do if it happens",
                        "response",
                        &theirs.response,
                        &f.response,
                    ),
                    ConflictField::line("Review by", "review", &theirs.review, &f.review),
                ],
                vec![
                    ("owner".into(), f.owner.clone()),
                    ("status".into(), f.status.clone()),
                ],
            )
        }
    }
}

/// Take a risk off the register, once someone has said yes on a page that says what
/// goes. Closing it (still a risk? no) keeps it for the record instead.
pub(super) async fn delete(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
    SafeForm(f): SafeForm<Confirmed>,
) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    let r = own_risk(&state, &m, id).await?;
    let url = register_url(&m.partnership.slug);
    if !f.yes() {
        return render(&ConfirmPage {
            c: m.page(&format!("Remove “{}”?", short(&r.title))),
            heading: format!("Remove “{}” from the register?", r.title),
            lines: vec![
                "This removes the risk and what you wrote about preventing it and \
                 dealing with it, for good: it cannot be undone."
                    .into(),
                "If it is simply no longer a risk, change it and mark it closed instead: \
                 it stays in the register's record of closed risks."
                    .into(),
            ],
            fields: Vec::new(),
            action: format!("{url}/{id}/delete"),
            button: "Yes, remove it",
            warning: true,
            back: format!("{url}#risk-{id}"),
            back_label: "No, keep it",
        });
    }
    state.db.delete_risk(id).await?;
    log(
        &state,
        &m,
        format!("removed the risk “{}”", short(&r.title)),
        "",
    )
    .await?;
    Ok(redirect_with_flash(&url, "Risk removed from the register."))
}

// ---------------------------------------------------------------- CSV

pub(super) async fn csv_export(
    State(state): State<AppState>,
    m: Member,
) -> Result<Response, AppError> {
    let risks = state.db.risks(m.partnership.id).await?;
    let today = m.partnership.today();
    let base = state.public_url.to_string();
    let mut w = csv::Writer::from_writer(Vec::new());
    let header = [
        "Risk",
        "Likelihood",
        "Impact",
        "Score",
        "Band",
        "Who watches it",
        "What prevents it",
        "What we do if it happens",
        "Review by",
        "Review overdue",
        "Status",
        "Link",
    ];
    let mut rows = vec![header.map(String::from)];
    for r in &risks {
        rows.push([
            csv_safe(&r.title),
            r.likelihood.to_string(),
            r.impact.to_string(),
            r.score().to_string(),
            r.band().label().to_string(),
            csv_safe(&r.owner_label()),
            csv_safe(&r.prevention),
            csv_safe(&r.response),
            r.review_on.clone().unwrap_or_default(),
            if r.review_overdue(&today) {
                "Yes"
            } else {
                "No"
            }
            .to_string(),
            if r.is_open() { "Open" } else { "Closed" }.to_string(),
            format!("{base}{}#risk-{}", register_url(&m.partnership.slug), r.id),
        ]);
    }
    for row in rows {
        w.write_record(row)
            .map_err(|e| AppError::Internal(e.into()))?;
    }
    csv_attachment(w, &format!("{} risks", m.partnership.name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn risk(likelihood: i64, impact: i64) -> RiskRow {
        RiskRow {
            id: 1,
            partnership_id: 1,
            title: "t".into(),
            likelihood,
            impact,
            owner_user_id: None,
            owner_org_id: None,
            owner_name: None,
            owner_org_name: None,
            owner_is_member: false,
            prevention: String::new(),
            response: String::new(),
            review_on: None,
            status: "open".into(),
            created_at: 0,
            updated_at: 0,
            version: 1,
        }
    }

    #[test]
    fn the_register_in_words_names_each_band_it_has() {
        let open = [risk(5, 5), risk(4, 5), risk(3, 4), risk(1, 2)];
        assert_eq!(in_words(&open), "2 very high, 1 high, 1 low");
        assert_eq!(in_words(&[]), "");
    }
}
