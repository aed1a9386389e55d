//! The partnership file (`/p/{slug}/file/…`): the tools a partnership writes down how
//! it works with: the risk register (`risks`) and the stakeholder map (`stakeholders`).

mod overview;
mod risks;
mod stakeholders;

use crate::web::Routes;

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
}
