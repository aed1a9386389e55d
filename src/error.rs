//! `AppError`: everything a handler can fail with. How each becomes a status and a
//! friendly page is the web layer's business (`web/errors.rs`).

/// Why a request could not be served.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Missing — or not yours to see, which must look exactly the same.
    #[error("not found")]
    NotFound,
    /// Yours to see, but your role does not allow this.
    #[error("forbidden")]
    Forbidden,
    /// Not signed in; go to the sign-in page and come back to `next`.
    #[error("sign-in required")]
    LoginRequired(String),
    /// The form's CSRF token was missing or wrong.
    #[error("csrf check failed")]
    Csrf,
    /// The request body was over the limit.
    #[error("request too large")]
    TooLarge,
    /// A malformed request that no form of ours sends.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// Too much heavy work at once (see `work`): nothing was done; try again shortly.
    #[error("busy")]
    Busy,
    /// Something broke on our side.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<crate::work::Busy> for AppError {
    fn from(_: crate::work::Busy) -> Self {
        AppError::Busy
    }
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        AppError::Internal(e.into())
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::Internal(e.into())
    }
}
