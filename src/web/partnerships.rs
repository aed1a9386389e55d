//! Partnerships: "my partnerships", creating one, its home page and its details.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::extract::{Member, SafeForm, SignedIn};
use super::{AppState, Errors, PageCtx, Routes, redirect_with_flash, render, render_status};
use crate::db::CreatePartnership;
use crate::domain::model::{
    MyPartnership, NewPartnership, ORG_KINDS, Organisation, org_kind_label,
};
use crate::domain::roles::{Action, can};
use crate::domain::{now, validate};
use crate::error::AppError;

pub fn routes(r: Routes) -> Routes {
    r.get("/partnerships", mine)
        .get("/partnerships/new", new_page)
        .post("/partnerships", create)
        .get("/p/{slug}", home)
        .get("/p/{slug}/settings", settings_page)
        .post("/p/{slug}/settings", save_settings)
}

#[derive(Template)]
#[template(path = "partnerships/mine.html")]
struct MinePage {
    c: PageCtx,
    partnerships: Vec<MyPartnership>,
    waiting: Vec<super::foryou::Waiting>,
}

async fn mine(
    State(state): State<AppState>,
    SignedIn { user, ctx }: SignedIn,
) -> Result<Response, AppError> {
    let partnerships = state.db.my_partnerships(user.id).await?;
    let waiting = if partnerships.is_empty() {
        Vec::new()
    } else {
        super::foryou::waiting(&state, user.id, None).await?
    };
    render(&MinePage {
        c: ctx.page("Your partnerships"),
        partnerships,
        waiting,
    })
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct NewForm {
    name: String,
    slug: String,
    aim: String,
    description: String,
    organisation_name: String,
    organisation_kind: String,
}

#[derive(Template)]
#[template(path = "partnerships/new.html")]
struct NewPage {
    c: PageCtx,
    errors: Errors,
    f: NewForm,
    kinds: &'static [(&'static str, &'static str)],
}

async fn new_page(SignedIn { ctx, .. }: SignedIn) -> Result<Response, AppError> {
    render(&NewPage {
        c: ctx.page("Start a partnership"),
        errors: Errors::default(),
        f: NewForm::default(),
        kinds: ORG_KINDS,
    })
}

async fn create(
    State(state): State<AppState>,
    SignedIn { user, ctx }: SignedIn,
    SafeForm(f): SafeForm<NewForm>,
) -> Result<Response, AppError> {
    let mut errors = Errors::default();
    let name = errors.check("name", validate::partnership_name(&f.name));
    let slug_input = if f.slug.trim().is_empty() {
        validate::suggest_slug(&f.name)
    } else {
        f.slug.clone()
    };
    let slug = if name.is_empty() && f.slug.trim().is_empty() {
        String::new()
    } else {
        errors.check("slug", validate::slug(&slug_input))
    };
    let aim = errors.check("aim", validate::aim(&f.aim));
    let description = errors.check("description", validate::description(&f.description));
    let organisation_name = errors.check(
        "organisation_name",
        validate::organisation_name(&f.organisation_name),
    );
    let organisation_kind = errors.check(
        "organisation_kind",
        validate::organisation_kind(&f.organisation_kind),
    );
    let again = |errors: Errors, f: NewForm| {
        render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &NewPage {
                c: ctx.page("Start a partnership"),
                errors,
                f,
                kinds: ORG_KINDS,
            },
        )
    };
    if !errors.is_empty() {
        return again(errors, f);
    }
    let new = NewPartnership {
        slug,
        name,
        aim,
        description,
        organisation_name,
        organisation_kind,
    };
    match state.db.create_partnership(&new, user.id, now()).await? {
        CreatePartnership::Created(p) => {
            tracing::info!(partnership_id = p.id, by = user.id, "partnership created");
            Ok(redirect_with_flash(
                &format!("/p/{}", p.slug),
                "Your partnership is ready. The getting-started list below shows what to do next.",
            ))
        }
        CreatePartnership::SlugTaken => {
            errors.add(
                "slug",
                "Another partnership already uses this web address. Try adding your area or a year",
            );
            let mut f = f;
            f.slug = slug_input;
            again(errors, f)
        }
    }
}

/// An organisation with the people in it, for the home page.
pub struct OrgGroup {
    pub name: String,
    pub kind: &'static str,
    pub people: Vec<(String, &'static str)>,
}

#[derive(Template)]
#[template(path = "partnerships/home.html")]
struct HomePage {
    c: PageCtx,
    slug: String,
    name: String,
    aim: String,
    description: String,
    role_phrase: &'static str,
    member_count: usize,
    groups: Vec<OrgGroup>,
    can_manage: bool,
    can_edit_details: bool,
    /// Checklist progress per principle, with the latest health-check score.
    principles: Vec<(super::checklists::Principle, Option<i64>)>,
    /// The round those scores come from: (id, title).
    scores_from: Option<(crate::domain::model::Id, String)>,
    /// What is waiting for the reader here.
    waiting: Vec<super::foryou::Waiting>,
    /// A new partnership's first steps (leads only; empty once all are done).
    steps: Vec<super::foryou::Step>,
}

/// Organisations with their members, in order (organisations without members included).
pub fn group_members(
    orgs: &[Organisation],
    members: &[crate::domain::model::Member],
) -> Vec<OrgGroup> {
    orgs.iter()
        .map(|o| OrgGroup {
            name: o.name.clone(),
            kind: org_kind_label(&o.kind),
            people: members
                .iter()
                .filter(|m| m.organisation_id == o.id)
                .map(|m| (m.display_name.clone(), m.role.label()))
                .collect(),
        })
        .collect()
}

async fn home(State(state): State<AppState>, m: Member) -> Result<Response, AppError> {
    m.require(Action::View)?;
    let dir = state
        .directory
        .get(state.db.as_ref(), &m.partnership)
        .await?;
    let (orgs, members) = (&dir.organisations, &dir.members);
    let latest = super::stock::latest_scores(&state, &m.partnership, "health-check").await?;
    let principles = super::checklists::principles(&state, &m.partnership)
        .await?
        .into_iter()
        .map(|p| {
            let score = latest
                .as_ref()
                .and_then(|(_, scores)| scores.iter().find(|(k, _)| *k == p.key))
                .and_then(|(_, v)| *v);
            (p, score)
        })
        .collect();
    let waiting = super::foryou::waiting(&state, m.user.id, Some(m.partnership.id)).await?;
    let steps = if can(m.role(), Action::ManageInvites) {
        super::foryou::getting_started(
            &state,
            m.partnership.id,
            &m.partnership.slug,
            orgs.len(),
            members.len(),
        )
        .await?
    } else {
        Vec::new()
    };
    render(&HomePage {
        c: m.page(&m.partnership.name),
        slug: m.partnership.slug.clone(),
        name: m.partnership.name.clone(),
        aim: m.partnership.aim.clone(),
        description: m.partnership.description.clone(),
        role_phrase: m.role().with_article(),
        member_count: members.len(),
        groups: group_members(orgs, members),
        can_manage: can(m.role(), Action::ManageInvites),
        can_edit_details: can(m.role(), Action::EditDetails),
        principles,
        scores_from: latest.map(|(r, _)| (r.id, r.title)),
        waiting,
        steps,
    })
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct SettingsForm {
    name: String,
    aim: String,
    description: String,
    time_zone: String,
}

#[derive(Template)]
#[template(path = "partnerships/settings.html")]
struct SettingsPage {
    zones: &'static [&'static str],
    c: PageCtx,
    slug: String,
    errors: Errors,
    f: SettingsForm,
}

async fn settings_page(m: Member) -> Result<Response, AppError> {
    m.require(Action::EditDetails)?;
    let f = SettingsForm {
        name: m.partnership.name.clone(),
        aim: m.partnership.aim.clone(),
        description: m.partnership.description.clone(),
        time_zone: m.partnership.time_zone.clone(),
    };
    render(&SettingsPage {
        zones: crate::domain::time::TIME_ZONES,
        c: m.page("Partnership details"),
        slug: m.partnership.slug.clone(),
        errors: Errors::default(),
        f,
    })
}

async fn save_settings(
    State(state): State<AppState>,
    m: Member,
    SafeForm(f): SafeForm<SettingsForm>,
) -> Result<Response, AppError> {
    m.require(Action::EditDetails)?;
    let mut errors = Errors::default();
    let name = errors.check("name", validate::partnership_name(&f.name));
    let aim = errors.check("aim", validate::aim(&f.aim));
    let description = errors.check("description", validate::description(&f.description));
    let time_zone = errors.check("time_zone", validate::time_zone(&f.time_zone));
    if !errors.is_empty() {
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &SettingsPage {
                zones: crate::domain::time::TIME_ZONES,
                c: m.page("Partnership details"),
                slug: m.partnership.slug.clone(),
                errors,
                f,
            },
        );
    }
    state
        .db
        .update_partnership(
            m.partnership.id,
            &name,
            &aim,
            &description,
            &time_zone,
            now(),
        )
        .await?;
    Ok(redirect_with_flash(
        &format!("/p/{}", m.partnership.slug),
        "The partnership's details have been saved.",
    ))
}
