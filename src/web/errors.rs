//! How an [`AppError`] becomes a response: the right status and a friendly page in
//! plain words, with the same header as every other page. Internal errors are logged
//! once, here, and never shown.

use askama::Template;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

use crate::error::AppError;

/// A page that explains something went wrong, in plain words.
#[derive(Template)]
#[template(path = "errors/error.html")]
pub struct ErrorPage {
    pub title: &'static str,
    pub lead: &'static str,
    pub detail: String,
    pub c: super::PageCtx,
}

/// Status, title, lead and detail for each kind of error.
fn page(e: &AppError) -> (StatusCode, &'static str, &'static str, String) {
    match e {
            AppError::NotFound => (
                StatusCode::NOT_FOUND,
                "Page not found",
                "We could not find that page.",
                "If you typed the address, check it is right. If you followed a link from a partnership, you may not be a member of it — ask its lead to invite you.".into(),
            ),
            AppError::Forbidden => (
                StatusCode::FORBIDDEN,
                "Not something your role can do",
                "Your role in this partnership does not allow this.",
                "If you think you should be able to do this, ask one of the partnership's leads.".into(),
            ),
            AppError::Csrf => (
                StatusCode::FORBIDDEN,
                "This form has expired",
                "For your safety we did not save it.",
                "This happens when a page was open for a long time, or you signed out in another tab. Go back, reload the page, and send the form again — what you typed is usually still there when you go back.".into(),
            ),
            AppError::TooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "That was too much to send at once",
                "What you sent is larger than this server accepts.",
                "Go back and try a shorter text or a smaller file.".into(),
            ),
            AppError::BadRequest(_) => (
                StatusCode::BAD_REQUEST,
                "Something was wrong with that request",
                "We could not understand what the browser sent.",
                "Go back, reload the page and try again.".into(),
            ),
            AppError::Busy => (
                StatusCode::SERVICE_UNAVAILABLE,
                "Tandem is busy right now",
                "Nothing was saved or changed.",
                "Many people are doing something at once. Wait a few seconds, then go back and try again.".into(),
            ),
            AppError::Internal(_) | AppError::LoginRequired(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Sorry, something went wrong on our side",
                "Nothing you did caused this.",
                "Please try again in a moment. If it keeps happening, tell whoever runs this Tandem site.".into(),
            ),
        }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        match &self {
            AppError::LoginRequired(next) => {
                let to = format!("/login?next={}", super::urlencode(next));
                return Redirect::to(&to).into_response();
            }
            AppError::Internal(e) => tracing::error!(error = ?e, "request failed"),
            AppError::BadRequest(why) => tracing::info!(why, "bad request"),
            _ => {}
        }
        let (status, title, lead, detail) = page(&self);
        let c = super::extract::CURRENT
            .try_with(|ctx| ctx.page(title))
            .unwrap_or_else(|_| super::PageCtx::bare(title));
        let body = ErrorPage {
            title,
            lead,
            detail,
            c,
        }
        .render()
        .unwrap_or_else(|_| title.to_string());
        let mut resp = (
            status,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            body,
        )
            .into_response();
        if matches!(self, AppError::Busy) {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from_static("5"));
        }
        resp
    }
}
