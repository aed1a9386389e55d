//! People in a partnership: organisations, members and their roles, invitations
//! (making, revoking and accepting them) and leaving.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::auth::{check_new_account, hash, start_session};
use super::extract::{Ctx, Member, NoFields, RequestCtx, SafeForm};
use super::{
    AppState, Errors, MessagePage, PageCtx, Routes, date, redirect_with_flash, render,
    render_status,
};
use crate::db::{AcceptInvite, Joiner, MemberChange, RemoveOrganisation};
use crate::domain::model::{Id, Invite, NewInvite, NewUser, ORG_KINDS, org_kind_label};
use crate::domain::roles::{Action, Role, can};
use crate::domain::{now, validate};
use crate::error::AppError;
use crate::security;
use crate::web::compress::uncompressed;

/// How long an invitation link works.
pub const INVITE_DAYS: i64 = 7;

pub fn routes(r: Routes) -> Routes {
    r.get("/p/{slug}/people", people)
        .post("/p/{slug}/organisations", add_organisation)
        .post("/p/{slug}/organisations/{id}/remove", remove_organisation)
        .post("/p/{slug}/invites", create_invite)
        .post("/p/{slug}/invites/{id}/revoke", revoke_invite)
        .post("/p/{slug}/members/{id}", update_member)
        .post("/p/{slug}/members/{id}/remove", remove_member)
        .post("/p/{slug}/leave", leave)
        .get("/invite/{token}", invite_page)
        .post("/invite/{token}", accept_invite)
}

struct OrgRow {
    id: Id,
    name: String,
    kind: &'static str,
    member_count: i64,
}

struct MemberRow {
    id: Id,
    name: String,
    email: String,
    organisation_id: Id,
    organisation: String,
    role: Role,
    joined: String,
    is_me: bool,
}

struct InviteRow {
    id: Id,
    organisation: String,
    role: &'static str,
    note: String,
    made_by: String,
    expires: String,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct OrgForm {
    name: String,
    kind: String,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct InviteForm {
    organisation_id: String,
    role: String,
    note: String,
}

#[derive(Template)]
#[template(path = "partnerships/people.html")]
struct PeoplePage {
    c: PageCtx,
    slug: String,
    orgs: Vec<OrgRow>,
    members: Vec<MemberRow>,
    invites: Vec<InviteRow>,
    is_lead: bool,
    roles: [Role; 3],
    kinds: &'static [(&'static str, &'static str)],
    org_errors: Errors,
    org_form: OrgForm,
    invite_errors: Errors,
    invite_form: InviteForm,
}

impl PeoplePage {
    fn selected_org(&self, id: &Id) -> bool {
        self.invite_form.organisation_id == id.to_string()
    }
}

async fn people_page(
    state: &AppState,
    m: &Member,
    org: (Errors, OrgForm),
    invite: (Errors, InviteForm),
) -> Result<Response, AppError> {
    let pid = m.partnership.id;
    let is_lead = can(m.role(), Action::ManageMembers);
    let dir = state
        .directory
        .get(state.db.as_ref(), &m.partnership)
        .await?;
    let (orgs, members) = (dir.organisations.clone(), dir.members.clone());
    let invites = if can(m.role(), Action::ManageInvites) {
        state.db.open_invites(pid, now()).await?
    } else {
        Vec::new()
    };
    let status = if org.0.is_empty() && invite.0.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut invite_form = invite.1;
    if invite_form.role.is_empty() {
        invite_form.role = "member".into();
    }
    render_status(
        status,
        &PeoplePage {
            c: m.page("People and organisations"),
            slug: m.partnership.slug.clone(),
            orgs: orgs
                .into_iter()
                .map(|o| OrgRow {
                    id: o.id,
                    kind: org_kind_label(&o.kind),
                    name: o.name,
                    member_count: o.member_count,
                })
                .collect(),
            members: members
                .into_iter()
                .map(|x| MemberRow {
                    id: x.id,
                    is_me: x.user_id == m.user.id,
                    name: x.display_name,
                    // Email addresses are for leads, who manage the list.
                    email: if is_lead { x.email } else { String::new() },
                    organisation_id: x.organisation_id,
                    organisation: x.organisation_name,
                    role: x.role,
                    joined: date(x.joined_at),
                })
                .collect(),
            invites: invites
                .into_iter()
                .map(|i: Invite| InviteRow {
                    id: i.id,
                    organisation: i.organisation_name,
                    role: i.role.label(),
                    note: i.note,
                    made_by: i.created_by_name,
                    expires: date(i.expires_at),
                })
                .collect(),
            is_lead,
            roles: Role::ALL,
            kinds: ORG_KINDS,
            org_errors: org.0,
            org_form: org.1,
            invite_errors: invite.0,
            invite_form,
        },
    )
}

async fn people(State(state): State<AppState>, m: Member) -> Result<Response, AppError> {
    m.require(Action::View)?;
    people_page(&state, &m, Default::default(), Default::default()).await
}

fn people_url(m: &Member) -> String {
    format!("/p/{}/people", m.partnership.slug)
}

async fn add_organisation(
    State(state): State<AppState>,
    m: Member,
    SafeForm(f): SafeForm<OrgForm>,
) -> Result<Response, AppError> {
    m.require(Action::ManageOrganisations)?;
    let mut errors = Errors::default();
    let name = errors.check("name", validate::organisation_name(&f.name));
    let kind = errors.check("kind", validate::organisation_kind(&f.kind));
    if errors.is_empty()
        && state
            .db
            .add_organisation(m.partnership.id, &name, &kind, now())
            .await?
            .is_none()
    {
        errors.add(
            "name",
            "This partnership already has an organisation with that name",
        );
    }
    if !errors.is_empty() {
        return people_page(&state, &m, (errors, f), Default::default()).await;
    }
    Ok(redirect_with_flash(
        &people_url(&m),
        &format!("{name} has been added."),
    ))
}

async fn remove_organisation(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
    SafeForm(_): SafeForm<NoFields>,
) -> Result<Response, AppError> {
    m.require(Action::ManageOrganisations)?;
    match state.db.remove_organisation(m.partnership.id, id).await? {
        RemoveOrganisation::Removed => Ok(redirect_with_flash(
            &people_url(&m),
            "The organisation has been removed.",
        )),
        RemoveOrganisation::InUse => Ok(redirect_with_flash(
            &people_url(&m),
            "That organisation still has members or open invitations. Move or remove them first.",
        )),
        RemoveOrganisation::NotFound => Err(AppError::NotFound),
    }
}

#[derive(Template)]
#[template(path = "partnerships/invite_created.html")]
struct InviteCreatedPage {
    c: PageCtx,
    slug: String,
    link: String,
    organisation: String,
    role: &'static str,
    expires: String,
}

async fn create_invite(
    State(state): State<AppState>,
    m: Member,
    SafeForm(f): SafeForm<InviteForm>,
) -> Result<Response, AppError> {
    m.require(Action::ManageInvites)?;
    let mut errors = Errors::default();
    let orgs = state.db.organisations(m.partnership.id).await?;
    let org = f
        .organisation_id
        .parse::<Id>()
        .ok()
        .and_then(|id| orgs.iter().find(|o| o.id == id));
    if org.is_none() {
        errors.add(
            "organisation_id",
            "Choose which organisation the person belongs to",
        );
    }
    let role = Role::parse(&f.role);
    if role.is_none() {
        errors.add("role", "Choose a role");
    }
    let note = errors.check("note", validate::invite_note(&f.note));
    let (Some(org), Some(role), true) = (org, role, errors.is_empty()) else {
        return people_page(&state, &m, Default::default(), (errors, f)).await;
    };
    let token = security::new_token();
    let t = now();
    let expires_at = t + INVITE_DAYS * 86_400;
    state
        .db
        .create_invite(
            &NewInvite {
                partnership_id: m.partnership.id,
                organisation_id: org.id,
                role,
                note,
                token_hash: security::token_hash(&token),
                created_by: m.user.id,
                expires_at,
            },
            t,
        )
        .await?;
    tracing::info!(
        partnership_id = m.partnership.id,
        by = m.user.id,
        "invitation made"
    );
    // The page shows the invitation link once: never compressed (see `compress`).
    render(&InviteCreatedPage {
        c: m.page("Invitation link"),
        slug: m.partnership.slug.clone(),
        link: format!("{}/invite/{token}", state.public_url),
        organisation: org.name.clone(),
        role: role.label(),
        expires: date(expires_at),
    })
    .map(uncompressed)
}

async fn revoke_invite(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
    SafeForm(_): SafeForm<NoFields>,
) -> Result<Response, AppError> {
    m.require(Action::ManageInvites)?;
    if state.db.revoke_invite(m.partnership.id, id, now()).await? {
        Ok(redirect_with_flash(
            &people_url(&m),
            "The invitation has been cancelled. Its link no longer works.",
        ))
    } else {
        Err(AppError::NotFound)
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MemberForm {
    role: String,
    organisation_id: String,
}

fn last_lead_message(m: &Member) -> Response {
    crate::web::redirect_with_problem(
        &people_url(m),
        "A partnership needs at least one lead. Make someone else a lead first.",
    )
}

async fn update_member(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
    SafeForm(f): SafeForm<MemberForm>,
) -> Result<Response, AppError> {
    m.require(Action::ManageMembers)?;
    let role = Role::parse(&f.role).ok_or_else(|| AppError::BadRequest("unknown role".into()))?;
    let org_id = f
        .organisation_id
        .parse::<Id>()
        .map_err(|_| AppError::BadRequest("bad organisation".into()))?;
    match state
        .db
        .update_member(m.partnership.id, id, role, org_id)
        .await?
    {
        MemberChange::Done => Ok(redirect_with_flash(
            &people_url(&m),
            "The change has been saved.",
        )),
        MemberChange::LastLead => Ok(last_lead_message(&m)),
        MemberChange::NotFound => Err(AppError::NotFound),
    }
}

async fn remove_member(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
    SafeForm(f): SafeForm<crate::web::Confirmed>,
) -> Result<Response, AppError> {
    m.require(Action::ManageMembers)?;
    if !f.yes() {
        let remove = format!("/p/{}/members/{id}/remove", m.partnership.slug);
        if id == m.membership.id {
            return crate::web::render(&confirm_leaving(&m, remove));
        }
        let members = state.db.members(m.partnership.id).await?;
        let who = members
            .iter()
            .find(|x| x.id == id)
            .ok_or(AppError::NotFound)?;
        let heading = format!("Remove {} from the partnership?", who.display_name);
        return crate::web::render(&crate::web::ConfirmPage {
            c: m.page(&heading),
            heading,
            lines: vec![format!(
                "{} ({}) will no longer see anything in this partnership. What they \
                 wrote stays, with their name; actions they own keep them as owner \
                 until someone changes it. To come back they would need a new \
                 invitation.",
                who.display_name, who.organisation_name
            )],
            fields: Vec::new(),
            action: remove,
            button: "Yes, remove them",
            warning: true,
            back: people_url(&m),
            back_label: "No, go back",
        });
    }
    match state.db.remove_member(m.partnership.id, id).await? {
        MemberChange::Done if id == m.membership.id => Ok(redirect_with_flash(
            "/partnerships",
            "You have left the partnership.",
        )),
        MemberChange::Done => Ok(redirect_with_flash(
            &people_url(&m),
            "They have been removed from the partnership.",
        )),
        MemberChange::LastLead => Ok(last_lead_message(&m)),
        MemberChange::NotFound => Err(AppError::NotFound),
    }
}

/// "Leave this partnership?", asked before leaving (from the Leave button, or a lead
/// removing themself from the member list); the form posts to `action`.
fn confirm_leaving(m: &Member, action: String) -> crate::web::ConfirmPage {
    let heading = format!("Leave {}?", m.partnership.name);
    crate::web::ConfirmPage {
        c: m.page(&heading),
        heading,
        lines: vec![
            "You will no longer see anything in this partnership. What you wrote stays, \
             with your name. To come back, a lead would have to invite you again."
                .into(),
        ],
        fields: Vec::new(),
        action,
        button: "Yes, leave",
        warning: true,
        back: people_url(m),
        back_label: "No, stay",
    }
}

async fn leave(
    State(state): State<AppState>,
    m: Member,
    SafeForm(f): SafeForm<crate::web::Confirmed>,
) -> Result<Response, AppError> {
    m.require(Action::Leave)?;
    if !f.yes() {
        let leave = format!("/p/{}/leave", m.partnership.slug);
        return crate::web::render(&confirm_leaving(&m, leave));
    }
    match state
        .db
        .remove_member(m.partnership.id, m.membership.id)
        .await?
    {
        MemberChange::Done => {
            tracing::info!(
                partnership_id = m.partnership.id,
                user_id = m.user.id,
                "left partnership"
            );
            Ok(redirect_with_flash(
                "/partnerships",
                &format!("You have left {}.", m.partnership.name),
            ))
        }
        MemberChange::LastLead => Ok(crate::web::redirect_with_problem(
            &people_url(&m),
            "You are the only lead, so you cannot leave yet. Make someone else a lead first.",
        )),
        MemberChange::NotFound => Err(AppError::NotFound),
    }
}

#[derive(Template)]
#[template(path = "auth/invite.html")]
struct InvitePage {
    c: PageCtx,
    token: String,
    partnership: String,
    organisation: String,
    role_phrase: &'static str,
    role_explain: &'static str,
    invited_by: String,
    errors: Errors,
    email: String,
    display_name: String,
}

fn invite_is_open(i: &Invite) -> bool {
    i.used_at.is_none() && i.revoked_at.is_none() && i.expires_at > now()
}

fn invite_gone(ctx: &RequestCtx) -> Result<Response, AppError> {
    render_status(
        StatusCode::GONE,
        &MessagePage {
            c: ctx.page("This invitation no longer works"),
            lead: "This invitation link has already been used, was cancelled, or has expired.".into(),
            detail: "Invitation links work once and for 7 days. Ask the partnership's lead to send you a new one.".into(),
            link: Some(("/".into(), "Go to Tandem's front page".into())),
        },
    )
}

fn invite_view(
    ctx: &RequestCtx,
    token: &str,
    i: &Invite,
    errors: Errors,
    email: String,
    display_name: String,
) -> InvitePage {
    InvitePage {
        c: ctx.page(&format!("Join {}", i.partnership_name)),
        token: token.to_string(),
        partnership: i.partnership_name.clone(),
        organisation: i.organisation_name.clone(),
        role_phrase: i.role.with_article(),
        role_explain: i.role.explain(),
        invited_by: i.created_by_name.clone(),
        errors,
        email,
        display_name,
    }
}

async fn invite_page(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    match state
        .db
        .invite_by_token(&security::token_hash(&token))
        .await?
    {
        Some(i) if invite_is_open(&i) => render(&invite_view(
            &ctx,
            &token,
            &i,
            Errors::default(),
            String::new(),
            String::new(),
        )),
        _ => invite_gone(&ctx),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct JoinForm {
    email: String,
    display_name: String,
    password: String,
    confirm: String,
}

async fn accept_invite(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    Path(token): Path<String>,
    SafeForm(f): SafeForm<JoinForm>,
) -> Result<Response, AppError> {
    let token_hash = security::token_hash(&token);
    let Some(invite) = state
        .db
        .invite_by_token(&token_hash)
        .await?
        .filter(invite_is_open)
    else {
        return invite_gone(&ctx);
    };
    let joiner = match &ctx.user {
        Some(u) => Joiner::Existing(u.id),
        None => {
            let mut errors = Errors::default();
            let (email, display_name) = check_new_account(
                &f.email,
                &f.display_name,
                &f.password,
                &f.confirm,
                &mut errors,
            );
            if !errors.is_empty() {
                return render_status(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    &invite_view(&ctx, &token, &invite, errors, f.email, f.display_name),
                );
            }
            Joiner::New(NewUser {
                email,
                display_name,
                password_hash: hash(f.password.clone()).await?,
                is_admin: false,
            })
        }
    };
    match state.db.accept_invite(&token_hash, &joiner, now()).await? {
        AcceptInvite::Joined { user_id, slug } => {
            tracing::info!(
                partnership_id = invite.partnership_id,
                user_id,
                "invitation accepted"
            );
            let to = format!("/p/{slug}");
            let msg = format!("Welcome to {}.", invite.partnership_name);
            match joiner {
                Joiner::New(_) => start_session(&state, &ctx, user_id, &to, Some(&msg)).await,
                Joiner::Existing(_) => Ok(redirect_with_flash(&to, &msg)),
            }
        }
        AcceptInvite::AlreadyMember { slug } => Ok(redirect_with_flash(
            &format!("/p/{slug}"),
            "You are already a member of this partnership, so the invitation was not used.",
        )),
        AcceptInvite::EmailTaken => {
            let mut errors = Errors::default();
            errors.add("email", "There is already an account with this email address. Sign in first, then open the invitation link again");
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &invite_view(&ctx, &token, &invite, errors, f.email, f.display_name),
            )
        }
        AcceptInvite::NotValid => invite_gone(&ctx),
    }
}
