//! A person's own account: their name and password.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::auth::{check_new_password, hash};
use super::extract::{SafeForm, SignedIn};
use super::{AppState, Errors, PageCtx, Routes, redirect_with_flash, render, render_status};
use crate::domain::validate;
use crate::error::AppError;
use crate::security;

pub fn routes(r: Routes) -> Routes {
    r.get("/account", account_page)
        .post("/account/name", change_name)
        .post("/account/password", change_password)
}

#[derive(Template)]
#[template(path = "account/account.html")]
struct AccountPage {
    c: PageCtx,
    email: String,
    display_name: String,
    name_errors: Errors,
    password_errors: Errors,
}

async fn account_page(SignedIn { user, ctx }: SignedIn) -> Result<Response, AppError> {
    render(&AccountPage {
        c: ctx.page("Your account"),
        email: user.email,
        display_name: user.display_name,
        name_errors: Errors::default(),
        password_errors: Errors::default(),
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NameForm {
    display_name: String,
}

async fn change_name(
    State(state): State<AppState>,
    SignedIn { user, ctx }: SignedIn,
    SafeForm(f): SafeForm<NameForm>,
) -> Result<Response, AppError> {
    let mut errors = Errors::default();
    let name = errors.check("display_name", validate::display_name(&f.display_name));
    if !errors.is_empty() {
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &AccountPage {
                c: ctx.page("Your account"),
                email: user.email,
                display_name: f.display_name,
                name_errors: errors,
                password_errors: Errors::default(),
            },
        );
    }
    state.db.set_display_name(user.id, &name).await?;
    Ok(redirect_with_flash("/account", "Your name has been saved."))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PasswordForm {
    current: String,
    password: String,
    confirm: String,
}

async fn change_password(
    State(state): State<AppState>,
    SignedIn { user, ctx }: SignedIn,
    SafeForm(f): SafeForm<PasswordForm>,
) -> Result<Response, AppError> {
    let mut errors = Errors::default();
    let (current, stored) = (f.current.clone(), user.password_hash.clone());
    let current_ok =
        crate::work::password(move || security::verify_password(&current, &stored)).await?;
    if f.current.is_empty() {
        errors.add("current", "Enter your current password");
    } else if !current_ok {
        errors.add("current", "Your current password is not right");
    }
    check_new_password(
        &f.password,
        &f.confirm,
        &[&user.email, &user.display_name],
        &mut errors,
    );
    if !errors.is_empty() {
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &AccountPage {
                c: ctx.page("Your account"),
                email: user.email,
                display_name: user.display_name,
                name_errors: Errors::default(),
                password_errors: errors,
            },
        );
    }
    // Other browsers signed in as this person are signed out; this one stays.
    state
        .db
        .set_password(
            user.id,
            &hash(f.password).await?,
            ctx.session_hash.as_deref(),
        )
        .await?;
    tracing::info!(user_id = user.id, "password changed");
    Ok(redirect_with_flash(
        "/account",
        "Your password has been changed. Any other devices have been signed out.",
    ))
}
