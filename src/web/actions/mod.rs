//! Actions: the partnership's action plan (filters, sorting, overdue), one action with
//! its history, adding and editing (version-checked), status and progress notes, a
//! person's actions across partnerships, CSV, and a secret calendar feed of due dates.

mod edit;
pub(crate) use edit::{ActionForm, check as check_action, source_for};
mod mine;
mod plan;
mod show;

use self::{edit::*, mine::*, plan::*, show::*};

use crate::domain::actions::*;
use crate::domain::model::Id;
use crate::error::AppError;
use crate::web::extract::Member;
use crate::web::{AppState, Routes};

pub fn routes(r: Routes) -> Routes {
    r.get("/p/{slug}/actions", plan)
        .get("/p/{slug}/actions.csv", csv_export)
        .get("/p/{slug}/actions/new", new_page)
        .post_keeping("/p/{slug}/actions", create)
        .get("/p/{slug}/actions/{action}", show)
        .get("/p/{slug}/actions/{action}/edit", edit_page)
        .post_keeping("/p/{slug}/actions/{action}/edit", save)
        .post_keeping("/p/{slug}/actions/{action}/status", status)
        .get("/actions", mine)
        .post("/actions/calendar", new_calendar)
        .get("/calendar/{token}", calendar)
}

/// Actions per page of the plan.
pub const PAGE_SIZE: i64 = 50;

async fn own_action(state: &AppState, m: &Member, id: Id) -> Result<ActionRow, AppError> {
    state
        .db
        .action(id)
        .await?
        .filter(|a| a.partnership_id == m.partnership.id)
        .ok_or(AppError::NotFound)
}
