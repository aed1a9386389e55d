//! Signing in and out, the first-run set-up link and password-reset links.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::extract::{Ctx, NoFields, RequestCtx, SESSION_COOKIE, SafeForm, set_cookie};
use super::{
    AppState, Errors, MessagePage, PageCtx, Routes, redirect_with_flash, render, render_status,
    safe_next,
};
use crate::db::Setup;
use crate::domain::model::{NewUser, TokenKind};
use crate::domain::{now, validate};
use crate::error::AppError;
use crate::{security, work};

/// Failed sign-ins allowed for one account from one network address in the window,
/// before sign-in to that account from that address is paused.
pub const MAX_FAILURES_PER_PAIR: i64 = 5;
/// Failed sign-ins allowed for one account from all addresses together (a guesser
/// spread over many addresses); past this the account is paused for everyone.
pub const MAX_FAILURES_PER_ACCOUNT: i64 = 50;
/// Failed sign-ins allowed from one network address, whatever the accounts.
pub const MAX_FAILURES_PER_ADDRESS: i64 = 30;
/// The window, in seconds.
pub const FAILURE_WINDOW: i64 = 15 * 60;

pub fn routes(r: Routes) -> Routes {
    r.get("/", landing)
        .get("/login", login_page)
        .post("/login", login)
        .post("/logout", logout)
        .get("/setup/{token}", setup_page)
        .post("/setup/{token}", setup)
        .get("/reset/{token}", reset_page)
        .post("/reset/{token}", reset)
}

#[derive(Template)]
#[template(path = "landing.html")]
struct Landing {
    c: PageCtx,
}

async fn landing(Ctx(ctx): Ctx) -> Result<Response, AppError> {
    if ctx.user.is_some() {
        return Ok(Redirect::to("/partnerships").into_response());
    }
    render(&Landing { c: ctx.page("") })
}

#[derive(Template)]
#[template(path = "auth/login.html")]
struct LoginPage {
    c: PageCtx,
    errors: Errors,
    email: String,
    next: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NextQuery {
    next: Option<String>,
}

async fn login_page(Ctx(ctx): Ctx, Query(q): Query<NextQuery>) -> Result<Response, AppError> {
    if ctx.user.is_some() {
        return Ok(Redirect::to(&safe_next(q.next.as_deref())).into_response());
    }
    render(&LoginPage {
        c: ctx.page("Sign in"),
        errors: Errors::default(),
        email: String::new(),
        next: safe_next(q.next.as_deref()),
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LoginForm {
    email: String,
    password: String,
    next: String,
}

/// Start a session for `user_id`, replacing any the browser had, and redirect to `to`.
pub async fn start_session(
    state: &AppState,
    ctx: &RequestCtx,
    user_id: i64,
    to: &str,
    flash: Option<&str>,
) -> Result<Response, AppError> {
    if let Some(old) = &ctx.session_hash {
        state.db.delete_session(old).await?;
    }
    let token = security::new_token();
    state
        .db
        .create_session(&security::token_hash(&token), user_id, now())
        .await?;
    let mut resp = match flash {
        Some(m) => redirect_with_flash(to, m),
        None => Redirect::to(to).into_response(),
    };
    resp.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(SESSION_COOKIE, &token, state.secure_cookies(), None),
    );
    Ok(resp)
}

async fn login(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    SafeForm(f): SafeForm<LoginForm>,
) -> Result<Response, AppError> {
    let email = f.email.trim().to_lowercase();
    let next = safe_next(Some(&f.next));
    let mut errors = Errors::default();
    let page = |errors: Errors, status| {
        render_status(
            status,
            &LoginPage {
                c: ctx.page("Sign in"),
                errors,
                email: f.email.trim().to_string(),
                next: next.clone(),
            },
        )
    };
    if email.is_empty() {
        errors.add("email", "Enter your email address");
    }
    if f.password.is_empty() {
        errors.add("password", "Enter your password");
    }
    if !errors.is_empty() {
        return page(errors, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let t = now();
    let pair_key = format!("pair:{email}|{}", ctx.client_ip);
    let account_key = format!("account:{email}");
    let address_key = format!("address:{}", ctx.client_ip);
    // The attempt is counted before the password is checked, atomically with the
    // check, so a burst of parallel guesses gets no more tries than a patient guesser.
    let attempt = security::new_token();
    let taken = state
        .db
        .take_attempt(
            &attempt,
            &[
                (pair_key.clone(), MAX_FAILURES_PER_PAIR),
                (account_key, MAX_FAILURES_PER_ACCOUNT),
                (address_key, MAX_FAILURES_PER_ADDRESS),
            ],
            t,
            t - FAILURE_WINDOW,
        )
        .await?;
    if !taken {
        tracing::warn!(ip = %ctx.client_ip, "sign-in paused after repeated failures");
        errors.add(
            "email",
            "There have been too many attempts to sign in. For your safety, sign-in is paused for 15 minutes. If you have forgotten your password, ask your site administrator for a reset link",
        );
        return page(errors, StatusCode::TOO_MANY_REQUESTS);
    }
    let user = state.db.user_by_email(&email).await?;
    let password = f.password.clone();
    let hash = user.as_ref().map(|u| u.password_hash.clone());
    let check = move || {
        // The dummy hash is made (once) here too, off the async threads.
        let hash = hash.as_deref().unwrap_or_else(|| security::dummy_hash());
        security::verify_password(&password, hash)
    };
    let Ok(ok) = work::password(check).await else {
        state.db.forget_attempt(&attempt).await?;
        errors.add(
            "email",
            "Many people are signing in at once. Wait a few seconds and press Sign in again",
        );
        return page(errors, StatusCode::SERVICE_UNAVAILABLE);
    };
    match user {
        Some(u) if ok && !u.disabled => {
            state.db.forget_attempt(&attempt).await?;
            state.db.clear_failures(&pair_key).await?;
            tracing::info!(user_id = u.id, "signed in");
            start_session(&state, &ctx, u.id, &next, None).await
        }
        Some(u) if ok => {
            state.db.forget_attempt(&attempt).await?;
            tracing::info!(user_id = u.id, "sign-in refused: account disabled");
            errors.add(
                "email",
                "This account has been turned off. Ask your site administrator if you need it back",
            );
            page(errors, StatusCode::FORBIDDEN)
        }
        _ => {
            // The attempt stays recorded: it was a failure.
            errors.add(
                "email",
                "The email address or password is not right. Check them and try again",
            );
            errors.add("password", "Check your password");
            page(errors, StatusCode::UNPROCESSABLE_ENTITY)
        }
    }
}

async fn logout(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    SafeForm(_): SafeForm<NoFields>,
) -> Result<Response, AppError> {
    if let Some(hash) = &ctx.session_hash {
        state.db.delete_session(hash).await?;
    }
    let mut resp = redirect_with_flash("/login", "You have signed out.");
    resp.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(SESSION_COOKIE, "", state.secure_cookies(), Some(0)),
    );
    Ok(resp)
}

/// A link that no longer works: the same page whatever the reason.
fn dead_link(ctx: &RequestCtx, what: &str) -> Result<Response, AppError> {
    render_status(
        StatusCode::GONE,
        &MessagePage {
            c: ctx.page("This link no longer works"),
            lead: format!(
                "This {what} link has already been used, has expired, or was never right."
            ),
            detail: "Links like this work once. Ask the person who sent it for a new one.".into(),
            link: Some(("/login".into(), "Go to sign in".into())),
        },
    )
}

#[derive(Template)]
#[template(path = "auth/setup.html")]
struct SetupPage {
    c: PageCtx,
    errors: Errors,
    email: String,
    display_name: String,
}

async fn setup_page(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let valid = state
        .db
        .find_token(&security::token_hash(&token), TokenKind::Setup, now())
        .await?
        .is_some()
        && state.db.count_admins().await? == 0;
    if !valid {
        return dead_link(&ctx, "set-up");
    }
    render(&SetupPage {
        c: ctx.page("Set up Tandem"),
        errors: Errors::default(),
        email: String::new(),
        display_name: String::new(),
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AccountForm {
    email: String,
    display_name: String,
    password: String,
    confirm: String,
}

/// Check the fields of a new account (shared by set-up, admin create and invitations).
pub fn check_new_account(
    f_email: &str,
    f_name: &str,
    password: &str,
    confirm: &str,
    errors: &mut Errors,
) -> (String, String) {
    let email = errors.check("email", validate::email(f_email));
    let name = errors.check("display_name", validate::display_name(f_name));
    check_new_password(password, confirm, &[&email, &name], errors);
    (email, name)
}

/// Check a new password and its confirmation.
pub fn check_new_password(password: &str, confirm: &str, context: &[&str], errors: &mut Errors) {
    if let Err(e) = validate::password(password, context) {
        errors.add("password", e);
    } else if password != confirm {
        errors.add(
            "confirm",
            "The two passwords do not match. Type the same password in both boxes",
        );
    }
}

/// Hash off the async threads and bounded (see `work`): argon2 is deliberately slow
/// and memory-hungry.
pub async fn hash(password: String) -> Result<String, AppError> {
    work::password(move || security::hash_password(&password))
        .await?
        .map_err(AppError::Internal)
}

async fn setup(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    Path(token): Path<String>,
    SafeForm(f): SafeForm<AccountForm>,
) -> Result<Response, AppError> {
    let mut errors = Errors::default();
    let (email, name) = check_new_account(
        &f.email,
        &f.display_name,
        &f.password,
        &f.confirm,
        &mut errors,
    );
    let again = |errors: Errors| {
        render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &SetupPage {
                c: ctx.page("Set up Tandem"),
                errors,
                email: f.email.clone(),
                display_name: f.display_name.clone(),
            },
        )
    };
    if !errors.is_empty() {
        return again(errors);
    }
    let admin = NewUser {
        email,
        display_name: name,
        password_hash: hash(f.password.clone()).await?,
        is_admin: true,
    };
    match state
        .db
        .complete_setup(&security::token_hash(&token), &admin, now())
        .await?
    {
        Setup::Created(u) => {
            tracing::info!(user_id = u.id, "first site administrator created");
            start_session(
                &state,
                &ctx,
                u.id,
                "/partnerships",
                Some("Welcome to Tandem. Your administrator account is ready."),
            )
            .await
        }
        Setup::LinkNotValid => dead_link(&ctx, "set-up"),
        Setup::EmailTaken => {
            errors.add("email", "An account with this email address already exists");
            again(errors)
        }
    }
}

#[derive(Template)]
#[template(path = "auth/reset.html")]
struct ResetPage {
    c: PageCtx,
    errors: Errors,
}

async fn reset_page(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    if state
        .db
        .find_token(
            &security::token_hash(&token),
            TokenKind::PasswordReset,
            now(),
        )
        .await?
        .is_none()
    {
        return dead_link(&ctx, "password reset");
    }
    render(&ResetPage {
        c: ctx.page("Choose a new password"),
        errors: Errors::default(),
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ResetForm {
    password: String,
    confirm: String,
}

async fn reset(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    Path(token): Path<String>,
    SafeForm(f): SafeForm<ResetForm>,
) -> Result<Response, AppError> {
    let token_hash = security::token_hash(&token);
    let Some(t) = state
        .db
        .find_token(&token_hash, TokenKind::PasswordReset, now())
        .await?
    else {
        return dead_link(&ctx, "password reset");
    };
    let user = match t.user_id {
        Some(id) => state.db.user_by_id(id).await?,
        None => None,
    };
    let context: Vec<&str> = user
        .iter()
        .flat_map(|u| [u.email.as_str(), u.display_name.as_str()])
        .collect();
    let mut errors = Errors::default();
    check_new_password(&f.password, &f.confirm, &context, &mut errors);
    if !errors.is_empty() {
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &ResetPage {
                c: ctx.page("Choose a new password"),
                errors,
            },
        );
    }
    match state
        .db
        .complete_reset(&token_hash, &hash(f.password).await?, now())
        .await?
    {
        Some(user_id) => {
            tracing::info!(user_id, "password reset");
            Ok(redirect_with_flash(
                "/login",
                "Your password has been changed. Sign in with your new password.",
            ))
        }
        None => dead_link(&ctx, "password reset"),
    }
}
