//! The site administrator's pages: accounts. Administrators do not see partnership
//! content unless they are members.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use serde::Deserialize;

use super::auth::{check_new_account, hash};
use super::extract::{NoFields, SafeForm, SiteAdmin};
use super::{AppState, Errors, PageCtx, Routes, date, redirect_with_flash, render, render_status};
use crate::db::CreateUser;
use crate::domain::model::{Id, NewUser, User};
use crate::domain::now;
use crate::error::AppError;
use crate::web::compress::uncompressed;

use crate::db::RESET_LINK_HOURS;

pub fn routes(r: Routes) -> Routes {
    r.get("/admin/users", users_page)
        .post("/admin/users", create_user)
        .post("/admin/users/{id}/disable", disable_user)
        .post("/admin/users/{id}/enable", enable_user)
        .post("/admin/users/{id}/reset-link", reset_link)
}

struct UserRow {
    id: Id,
    email: String,
    display_name: String,
    is_admin: bool,
    disabled: bool,
    since: String,
    is_me: bool,
}

#[derive(Template)]
#[template(path = "admin/users.html")]
struct UsersPage {
    c: PageCtx,
    users: Vec<UserRow>,
    errors: Errors,
    email: String,
    display_name: String,
    is_admin: bool,
}

async fn users_page_with(
    state: &AppState,
    admin: &SiteAdmin,
    errors: Errors,
    form: Option<&CreateForm>,
) -> Result<Response, AppError> {
    let users = state
        .db
        .list_users()
        .await?
        .into_iter()
        .map(|u: User| UserRow {
            id: u.id,
            is_me: u.id == admin.user.id,
            email: u.email,
            display_name: u.display_name,
            is_admin: u.is_admin,
            disabled: u.disabled,
            since: date(u.created_at),
        })
        .collect();
    let status = errors.status();
    render_status(
        status,
        &UsersPage {
            c: admin.ctx.page("Accounts"),
            users,
            errors,
            email: form.map(|f| f.email.clone()).unwrap_or_default(),
            display_name: form.map(|f| f.display_name.clone()).unwrap_or_default(),
            is_admin: form.is_some_and(|f| f.is_admin.is_some()),
        },
    )
}

async fn users_page(State(state): State<AppState>, admin: SiteAdmin) -> Result<Response, AppError> {
    users_page_with(&state, &admin, Errors::default(), None).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CreateForm {
    email: String,
    display_name: String,
    password: String,
    confirm: String,
    is_admin: Option<String>,
}

async fn create_user(
    State(state): State<AppState>,
    admin: SiteAdmin,
    SafeForm(f): SafeForm<CreateForm>,
) -> Result<Response, AppError> {
    let mut errors = Errors::default();
    let (email, display_name) = check_new_account(
        &f.email,
        &f.display_name,
        &f.password,
        &f.confirm,
        &mut errors,
    );
    if !errors.is_empty() {
        return users_page_with(&state, &admin, errors, Some(&f)).await;
    }
    let new = NewUser {
        email,
        display_name,
        password_hash: hash(f.password.clone()).await?,
        is_admin: f.is_admin.is_some(),
    };
    match state.db.create_user(&new, now()).await? {
        CreateUser::Created(u) => {
            tracing::info!(user_id = u.id, by = admin.user.id, "account created");
            Ok(redirect_with_flash(
                "/admin/users",
                &format!("Account created for {}.", u.display_name),
            ))
        }
        CreateUser::EmailTaken => {
            errors.add("email", "An account with this email address already exists");
            users_page_with(&state, &admin, errors, Some(&f)).await
        }
    }
}

async fn target(state: &AppState, id: Id) -> Result<User, AppError> {
    state.db.user_by_id(id).await?.ok_or(AppError::NotFound)
}

async fn disable_user(
    State(state): State<AppState>,
    admin: SiteAdmin,
    Path(id): Path<Id>,
    SafeForm(_): SafeForm<NoFields>,
) -> Result<Response, AppError> {
    let u = target(&state, id).await?;
    if u.id == admin.user.id {
        return Ok(crate::web::redirect_with_problem(
            "/admin/users",
            "You cannot turn off your own account.",
        ));
    }
    state.db.set_disabled(u.id, true).await?;
    tracing::info!(user_id = u.id, by = admin.user.id, "account disabled");
    Ok(redirect_with_flash(
        "/admin/users",
        &format!(
            "{} can no longer sign in, and has been signed out everywhere.",
            u.display_name
        ),
    ))
}

async fn enable_user(
    State(state): State<AppState>,
    admin: SiteAdmin,
    Path(id): Path<Id>,
    SafeForm(_): SafeForm<NoFields>,
) -> Result<Response, AppError> {
    let u = target(&state, id).await?;
    state.db.set_disabled(u.id, false).await?;
    tracing::info!(user_id = u.id, by = admin.user.id, "account enabled");
    Ok(redirect_with_flash(
        "/admin/users",
        &format!("{} can sign in again.", u.display_name),
    ))
}

#[derive(Template)]
#[template(path = "admin/reset_link.html")]
struct ResetLinkPage {
    c: PageCtx,
    name: String,
    email: String,
    link: String,
    hours: i64,
}

async fn reset_link(
    State(state): State<AppState>,
    admin: SiteAdmin,
    Path(id): Path<Id>,
    SafeForm(_): SafeForm<NoFields>,
) -> Result<Response, AppError> {
    let u = target(&state, id).await?;
    let link = state.db.make_reset_link(&state.public_url, u.id).await?;
    tracing::info!(
        user_id = u.id,
        by = admin.user.id,
        "password reset link made"
    );
    // The page shows the reset link once: never compressed (see `compress`).
    render(&ResetLinkPage {
        c: admin.ctx.page("Password reset link"),
        name: u.display_name,
        email: u.email,
        link,
        hours: RESET_LINK_HOURS,
    })
    .map(uncompressed)
}
