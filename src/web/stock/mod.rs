//! Taking stock: instruments (readiness check, partnership spectrum, health check),
//! rounds a lead opens, answering (drafts, sending, changing until close), paper
//! tallies, results with charts and divergence, suggested cards, trends and exports.

mod answer;
mod instruments;
mod open;
mod overview;
mod paper;
mod plan;
mod results;
mod round;
mod trends;

pub use self::instruments::InstrumentCache;
pub use self::results::{day, day_time, latest_scores, score_text, status_label};
use self::{
    answer::*, instruments::*, open::*, overview::*, paper::*, plan::*, results::*, round::*,
    trends::*,
};

use crate::web::Routes;

pub fn routes(r: Routes) -> Routes {
    r.get("/p/{slug}/stock", index)
        .get("/p/{slug}/stock/new", new_page)
        .post("/p/{slug}/stock", create)
        .get("/p/{slug}/stock/trends/{instrument}", trends)
        .get("/p/{slug}/instruments/{instrument}", instrument_copy)
        .get("/p/{slug}/stock/{round}", round_page)
        .get("/p/{slug}/stock/{round}/answer", answer_page)
        .post_keeping("/p/{slug}/stock/{round}/answer", answer_save)
        .post("/p/{slug}/stock/{round}/close", close)
        .post("/p/{slug}/stock/{round}/reveal", reveal)
        .get("/p/{slug}/stock/{round}/paper", paper_copy)
        .get("/p/{slug}/stock/{round}/tally", tally_page)
        .post_keeping("/p/{slug}/stock/{round}/tally", tally_save)
        .post("/p/{slug}/stock/{round}/tally/{batch}/delete", tally_delete)
        .get("/p/{slug}/stock/{round}/results", results_page)
        .get("/p/{slug}/stock/{round}/results.csv", results_csv)
        .get("/p/{slug}/stock/{round}/results.pdf", results_pdf)
        .get("/p/{slug}/stock/{round}/answers.csv", answers_csv)
        .post("/p/{slug}/stock/{round}/plan", plan_conversation)
}
