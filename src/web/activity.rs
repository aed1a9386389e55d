//! The partnership's activity feed: who changed what, and when.

use crate::domain::now;
use crate::error::AppError;
use crate::web::AppState;
use crate::web::extract::Member;

/// Note a change in the partnership's activity feed.
pub async fn log(state: &AppState, m: &Member, what: String, link: &str) -> Result<(), AppError> {
    state
        .db
        .record_activity(m.partnership.id, Some(m.user.id), &what, link, now())
        .await?;
    Ok(())
}
