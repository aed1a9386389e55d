//! The partnership file (`/p/{slug}/file/…`): the tools a partnership writes down how
//! it works with. So far its risk register (`risks`).

mod risks;

use crate::web::Routes;

pub fn routes(r: Routes) -> Routes {
    r.get("/p/{slug}/file/risks", risks::register)
        .get("/p/{slug}/file/risks.csv", risks::csv_export)
        .get("/p/{slug}/file/risks/new", risks::new_page)
        .post_keeping("/p/{slug}/file/risks", risks::create)
        .get("/p/{slug}/file/risks/{risk}/edit", risks::edit_page)
        .post_keeping("/p/{slug}/file/risks/{risk}/edit", risks::save)
        .post("/p/{slug}/file/risks/{risk}/delete", risks::delete)
}
