//! Live sessions: the meeting itself. A member starts a session from a planned
//! conversation (its agenda items become the steps) or from a shipped session plan
//! (which makes the conversation too) and runs it from the console; the
//! projector shows the step, the join code and the answers; people join from their
//! phones by the code, without an account, and answer (`phone`). Everything is kept in
//! the database and followed over server-sent events (`events`), so several nodes on
//! one PostgreSQL serve the same session.

mod console;
pub mod events;
mod phone;

use self::{console::*, phone::*};

use crate::domain::live::{LiveSession, Step};
use crate::domain::model::Id;
use crate::error::AppError;
use crate::web::extract::Member;
use crate::web::{AppState, Routes};

pub fn routes(r: Routes) -> Routes {
    r.get("/p/{slug}/live", list)
        .post("/p/{slug}/live", start)
        .get("/p/{slug}/live/plans/{plan}", plan)
        .post("/p/{slug}/live/plans/{plan}", start_plan)
        .get("/p/{slug}/live/{live}", console)
        .get("/p/{slug}/live/{live}/screen", screen)
        .get("/p/{slug}/live/{live}/events", screen_events)
        .post("/p/{slug}/live/{live}/show", show)
        .post("/p/{slug}/live/{live}/join-code", join_code)
        .post("/p/{slug}/live/{live}/end", end)
        .post("/p/{slug}/live/{live}/steps/{step}", set_up)
        .post("/p/{slug}/live/{live}/steps/{step}/state", change)
        .post("/p/{slug}/live/{live}/steps/{step}/hands", hands)
        .post("/p/{slug}/live/{live}/steps/{step}/release", release_all)
        .post("/p/{slug}/live/{live}/steps/{step}/keep", keep)
        .post(
            "/p/{slug}/live/{live}/steps/{step}/thoughts/{thought}",
            thought,
        )
        .post(
            "/p/{slug}/live/{live}/steps/{step}/thoughts/{thought}/keep",
            keep_thought,
        )
        .post(
            "/p/{slug}/live/{live}/participants/{participant}/remove",
            remove,
        )
        .get("/live", code_page)
        .post("/live", find_code)
        .get("/live/{code}", phone_page)
        .post("/live/{code}/join", join)
        .post("/live/{code}/answer", answer)
        .get("/live/{code}/events", phone_events)
}

/// The console's address.
pub fn live_url(slug: &str, id: Id) -> String {
    format!("/p/{slug}/live/{id}")
}

/// A session of this partnership, else 404.
pub async fn own_live(state: &AppState, m: &Member, id: Id) -> Result<LiveSession, AppError> {
    state
        .db
        .live_session(id)
        .await?
        .filter(|s| s.partnership_id == m.partnership.id)
        .ok_or(AppError::NotFound)
}

/// A step of this session, else 404.
pub async fn own_step(state: &AppState, live: &LiveSession, id: Id) -> Result<Step, AppError> {
    state
        .db
        .live_step(id)
        .await?
        .filter(|s| s.session_id == live.id)
        .ok_or(AppError::NotFound)
}
