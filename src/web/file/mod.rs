//! The partnership file (`/p/{slug}/file/…`): the tools a partnership writes down how
//! it works with: the overview, the risk register (`risks`), the stakeholder map
//! (`stakeholders`), the evaluation plan with its evidence log (`evaluation`) and the
//! logic model (`logic`), the partnership agreement (`agreement`) and the
//! communications plan (`comms`) and the skills and resources grid (`skills`).

mod agreement;
mod comms;
mod evaluation;
mod logic;
mod overview;
mod risks;
mod skills;
mod stakeholders;

use crate::domain::model::Id;
use crate::error::AppError;
use crate::web::extract::Member;
use crate::web::{AppState, Errors, Routes};

/// Who may own something in the file: the people (and, unless `people_only`, the
/// organisations) an action can have, and `keep` — the record's own person (id and
/// label) — if they are no longer among them. People only where an organisation
/// cannot do it (keeping in touch, sending a message).
async fn owner_choices(
    state: &AppState,
    m: &Member,
    people_only: bool,
    keep: Option<(Id, String)>,
) -> Result<Vec<(String, String)>, AppError> {
    let mut choices: Vec<(String, String)> = state
        .directory
        .get(state.db.as_ref(), &m.partnership)
        .await?
        .owner_choices(None)
        .into_iter()
        .filter(|(k, _)| !people_only || k.starts_with("u:"))
        .collect();
    if let Some((uid, label)) = keep
        && !choices.iter().any(|(k, _)| *k == format!("u:{uid}"))
    {
        choices.push((format!("u:{uid}"), label));
    }
    Ok(choices)
}

/// A five-point scale's choices for a form: ("1", its words) … ("5", …).
fn points(labels: &[&'static str; 5]) -> Vec<(String, &'static str)> {
    labels
        .iter()
        .enumerate()
        .map(|(i, l)| ((i + 1).to_string(), *l))
        .collect()
}

/// A point 1 to 5 as typed, or `message` beside `field` (and 0).
fn scale_point(errors: &mut Errors, field: &'static str, typed: &str, message: &str) -> i64 {
    match typed.trim().parse::<i64>() {
        Ok(n) if (1..=5).contains(&n) => n,
        _ => {
            errors.add(field, message.to_string());
            0
        }
    }
}

pub fn routes(r: Routes) -> Routes {
    r.get("/p/{slug}/file", overview::overview)
        .get("/p/{slug}/file/risks", risks::register)
        .get("/p/{slug}/file/risks.csv", risks::csv_export)
        .get("/p/{slug}/file/risks/new", risks::new_page)
        .post_keeping("/p/{slug}/file/risks", risks::create)
        .get("/p/{slug}/file/risks/{risk}/edit", risks::edit_page)
        .post_keeping("/p/{slug}/file/risks/{risk}/edit", risks::save)
        .post("/p/{slug}/file/risks/{risk}/delete", risks::delete)
        .get("/p/{slug}/file/stakeholders", stakeholders::map)
        .get("/p/{slug}/file/stakeholders.csv", stakeholders::csv_export)
        .get("/p/{slug}/file/stakeholders/new", stakeholders::new_page)
        .post_keeping("/p/{slug}/file/stakeholders", stakeholders::create)
        .get(
            "/p/{slug}/file/stakeholders/{stakeholder}/edit",
            stakeholders::edit_page,
        )
        .post_keeping(
            "/p/{slug}/file/stakeholders/{stakeholder}/edit",
            stakeholders::save,
        )
        .post(
            "/p/{slug}/file/stakeholders/{stakeholder}/delete",
            stakeholders::delete,
        )
        .get("/p/{slug}/file/evaluation", evaluation::plan)
        .get("/p/{slug}/file/evaluation.csv", evaluation::csv_export)
        .get(
            "/p/{slug}/file/evaluation/outcomes/new",
            evaluation::outcome_new,
        )
        .post_keeping(
            "/p/{slug}/file/evaluation/outcomes",
            evaluation::outcome_create,
        )
        .get(
            "/p/{slug}/file/evaluation/outcomes/{outcome}/edit",
            evaluation::outcome_edit,
        )
        .post_keeping(
            "/p/{slug}/file/evaluation/outcomes/{outcome}/edit",
            evaluation::outcome_save,
        )
        .post(
            "/p/{slug}/file/evaluation/outcomes/{outcome}/delete",
            evaluation::outcome_delete,
        )
        .get(
            "/p/{slug}/file/evaluation/outcomes/{outcome}/indicators/new",
            evaluation::indicator_new,
        )
        .post_keeping(
            "/p/{slug}/file/evaluation/outcomes/{outcome}/indicators",
            evaluation::indicator_create,
        )
        .get(
            "/p/{slug}/file/evaluation/indicators/{indicator}",
            evaluation::indicator_log,
        )
        .get(
            "/p/{slug}/file/evaluation/indicators/{indicator}/edit",
            evaluation::indicator_edit,
        )
        .post_keeping(
            "/p/{slug}/file/evaluation/indicators/{indicator}/edit",
            evaluation::indicator_save,
        )
        .post(
            "/p/{slug}/file/evaluation/indicators/{indicator}/delete",
            evaluation::indicator_delete,
        )
        .post(
            "/p/{slug}/file/evaluation/indicators/{indicator}/evidence",
            evaluation::evidence_add,
        )
        .get(
            "/p/{slug}/file/evaluation/evidence/{evidence}/file",
            evaluation::evidence_file,
        )
        .post(
            "/p/{slug}/file/evaluation/evidence/{evidence}/delete",
            evaluation::evidence_delete,
        )
        .get("/p/{slug}/file/logic-model", logic::page)
        .get("/p/{slug}/file/logic-model.csv", logic::csv_export)
        .post_keeping("/p/{slug}/file/logic-model/items", logic::create)
        .get(
            "/p/{slug}/file/logic-model/items/{logic}/edit",
            logic::edit_page,
        )
        .post_keeping("/p/{slug}/file/logic-model/items/{logic}/edit", logic::save)
        .post(
            "/p/{slug}/file/logic-model/items/{logic}/delete",
            logic::delete,
        )
        .get("/p/{slug}/file/agreement", agreement::page)
        .get("/p/{slug}/file/agreement.docx", agreement::download_docx)
        .get("/p/{slug}/file/agreement.pdf", agreement::download_pdf)
        .get("/p/{slug}/file/agreement/edit", agreement::edit_page)
        .post_keeping("/p/{slug}/file/agreement/edit", agreement::save)
        .post("/p/{slug}/file/agreement/request", agreement::request)
        .post("/p/{slug}/file/agreement/sign", agreement::sign)
        .get(
            "/p/{slug}/file/agreement/versions/{number}",
            agreement::old_version,
        )
        .get("/p/{slug}/file/communications", comms::page)
        .get("/p/{slug}/file/communications.csv", comms::csv_export)
        .post_keeping("/p/{slug}/file/communications", comms::create)
        .get(
            "/p/{slug}/file/communications/{comms}/edit",
            comms::edit_page,
        )
        .post_keeping("/p/{slug}/file/communications/{comms}/edit", comms::save)
        .post(
            "/p/{slug}/file/communications/{comms}/delete",
            comms::delete,
        )
        .get("/p/{slug}/file/skills", skills::page)
        .get("/p/{slug}/file/skills.csv", skills::csv_export)
        .post_keeping("/p/{slug}/file/skills", skills::create)
        .post("/p/{slug}/file/skills/{skill}/delete", skills::delete)
        .get(
            "/p/{slug}/file/skills/organisations/{org}",
            skills::column_page,
        )
        .post(
            "/p/{slug}/file/skills/organisations/{org}",
            skills::column_save,
        )
}
