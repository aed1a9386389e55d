//! Creating partnerships, the home page, "my partnerships", editing details.

use axum::http::StatusCode;

use crate::both_engines;
use crate::helpers::TestApp;

both_engines!(
    creator_becomes_lead_with_their_organisation,
    bad_partnership_input_is_explained_and_kept,
    slug_must_be_unique_and_can_be_suggested,
    leads_edit_details_and_others_cannot,
    my_partnerships_lists_only_mine,
    a_partnership_keeps_its_own_time_zone,
);

/// The time zone is the partnership's: its "today" for overdue actions and the zone
/// its new meetings start in.
async fn a_partnership_keeps_its_own_time_zone(app: TestApp) {
    use tandem::domain::time::today;
    let ann = app.user("ann@example.org", "Ann", false).await;
    let mut a = app.signed_in(ann).await;
    let slug = app.partnership(&mut a, "Far Away", "far-away").await;
    let settings = format!("/p/{slug}/settings");
    let page = a.get(&settings).await;
    page.assert_contains("<option value=\"Europe/London\" selected>");
    let form = |zone: &'static str| {
        [
            ("name", "Far Away"),
            ("aim", "Work together across the world."),
            ("description", ""),
            ("time_zone", zone),
        ]
    };
    let r = a.post(&settings, &form("Mars/Olympus_Mons")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("Choose a time zone from the list");
    r.assert_contains("value=\"Far Away\"");
    // An action due "today" in Los Angeles, the latest of the zones offered.
    let due = today("America/Los_Angeles");
    let r = a
        .post(
            &format!("/p/{slug}/actions"),
            &[
                ("title", "Call the carers' centre"),
                ("owner", ""),
                ("due", &due),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    for zone in ["Pacific/Auckland", "America/Los_Angeles"] {
        let r = a.post(&settings, &form(zone)).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let pid = app.partnership_id(&slug, ann).await;
        let (p, _) = app.db.membership(&slug, ann).await.unwrap().unwrap();
        assert_eq!((p.id, p.time_zone.as_str()), (pid, zone));
        a.get(&settings)
            .await
            .assert_contains(&format!("<option value=\"{zone}\" selected>"));
        a.get(&format!("/p/{slug}/conversations/new"))
            .await
            .assert_contains(&format!("<option value=\"{zone}\" selected>"));
        // Overdue exactly when the due day is before today in the partnership's zone
        // (Auckland is a day ahead of Los Angeles for most of each day).
        let plan = a.get(&format!("/p/{slug}/actions")).await;
        plan.assert_contains("Call the carers&#39; centre");
        assert_eq!(
            plan.body.contains("tag-overdue"),
            due < today(zone),
            "{zone}: due {due}, today there {}",
            today(zone)
        );
    }
}

async fn creator_becomes_lead_with_their_organisation(app: TestApp) {
    let ann = app.user("ann@example.org", "Ann Lee", false).await;
    let mut c = app.signed_in(ann).await;
    assert_eq!(c.get("/partnerships/new").await.status, StatusCode::OK);
    let r = c
        .post(
            "/partnerships",
            &[
                ("name", "Ayr Carers Network"),
                ("slug", "ayr-carers"),
                ("aim", "Carers in Ayr get support before they reach crisis."),
                ("description", "Started in 2026.\nMeets monthly."),
                ("organisation_name", "Ayr Carers Centre"),
                ("organisation_kind", "charity"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), "/p/ayr-carers");
    let (p, m) = app.db.membership("ayr-carers", ann).await.unwrap().unwrap();
    assert_eq!(p.name, "Ayr Carers Network");
    assert_eq!(m.role, tandem::domain::roles::Role::Lead);
    let home = c.get("/p/ayr-carers").await;
    assert_eq!(home.status, StatusCode::OK);
    home.assert_contains("Your partnership is ready");
    home.assert_contains("Carers in Ayr get support before they reach crisis.");
    home.assert_contains("Ayr Carers Centre");
    home.assert_contains("Charity or voluntary organisation");
    home.assert_contains("Ann Lee");
    home.assert_contains("<p>Meets monthly.</p>");
    // The flash message shows once.
    assert!(
        !c.get("/p/ayr-carers")
            .await
            .body
            .contains("Your partnership is ready")
    );
}

async fn bad_partnership_input_is_explained_and_kept(app: TestApp) {
    let ann = app.user("ann@example.org", "Ann", false).await;
    let mut c = app.signed_in(ann).await;
    let r = c
        .post(
            "/partnerships",
            &[
                ("name", "A"),
                ("slug", "Bad Slug!"),
                ("aim", "short"),
                ("description", "<script>alert(1)</script>"),
                ("organisation_name", ""),
                ("organisation_kind", "army"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("There is a problem");
    r.assert_contains("must be at least 2 characters");
    r.assert_contains("can only use letters a to z");
    r.assert_contains("Shared aim must be at least 10 characters");
    r.assert_contains("Enter the organisation&#39;s name");
    r.assert_contains("Choose what kind of organisation it is");
    r.assert_contains("value=\"Bad Slug!\"");
    r.assert_contains("&#60;script&#62;alert(1)&#60;/script&#62;");
    assert!(!r.body.contains("<script>alert(1)"), "user text is escaped");
    assert!(app.db.my_partnerships(ann).await.unwrap().is_empty());
}

async fn slug_must_be_unique_and_can_be_suggested(app: TestApp) {
    let ann = app.user("ann@example.org", "Ann", false).await;
    let bob = app.user("bob@example.org", "Bob", false).await;
    let mut a = app.signed_in(ann).await;
    let mut b = app.signed_in(bob).await;
    app.partnership(&mut a, "Ayr Carers", "ayr-carers").await;
    let r = b
        .post(
            "/partnerships",
            &[
                ("name", "Ayr Carers"),
                ("slug", ""),
                ("aim", "Another aim for another group."),
                ("organisation_name", "Bob's Trust"),
                ("organisation_kind", "charity"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("Another partnership already uses this web address");
    r.assert_contains("value=\"ayr-carers\"");
    r.assert_contains("Bob&#39;s Trust");
    let r = b
        .post(
            "/partnerships",
            &[
                ("name", "Ayr Carers"),
                ("slug", "ayr-carers-2"),
                ("aim", "Another aim for another group."),
                ("organisation_name", "Bob's Trust"),
                ("organisation_kind", "charity"),
            ],
        )
        .await;
    assert_eq!(r.location(), "/p/ayr-carers-2");
    // An empty slug is made from the name.
    let r = b
        .post(
            "/partnerships",
            &[
                ("name", "Troon Food Share"),
                ("slug", ""),
                ("aim", "Nobody in Troon goes hungry."),
                ("organisation_name", "Troon Larder"),
                ("organisation_kind", "community"),
            ],
        )
        .await;
    assert_eq!(r.location(), "/p/troon-food-share");
}

async fn leads_edit_details_and_others_cannot(app: TestApp) {
    let ann = app.user("ann@example.org", "Ann", false).await;
    let mut a = app.signed_in(ann).await;
    let slug = app.partnership(&mut a, "Ayr Carers", "ayr-carers").await;
    let page = a.get(&format!("/p/{slug}/settings")).await;
    page.assert_contains("value=\"Ayr Carers\"");
    let r = a
        .post(
            &format!("/p/{slug}/settings"),
            &[
                ("name", ""),
                ("aim", "A new and better aim."),
                ("description", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("A new and better aim.");
    let r = a
        .post(
            &format!("/p/{slug}/settings"),
            &[
                ("name", "Ayr Carers Partnership"),
                ("aim", "A new and better aim."),
                ("description", "More."),
                ("time_zone", "Europe/London"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let home = a.get(&format!("/p/{slug}")).await;
    home.assert_contains("Ayr Carers Partnership");
    home.assert_contains("A new and better aim.");
}

async fn my_partnerships_lists_only_mine(app: TestApp) {
    let ann = app.user("ann@example.org", "Ann", false).await;
    let bob = app.user("bob@example.org", "Bob", false).await;
    let mut a = app.signed_in(ann).await;
    let mut b = app.signed_in(bob).await;
    let empty = b.get("/partnerships").await;
    empty.assert_contains("You are not in a partnership yet");
    app.partnership(&mut a, "Ayr Carers", "ayr-carers").await;
    app.partnership(&mut b, "Troon Food Share", "troon-food")
        .await;
    let mine = a.get("/partnerships").await;
    mine.assert_contains("Ayr Carers");
    mine.assert_lacks("Troon");
    mine.assert_contains("You are a lead from Ayr Carers Council");
}

both_engines!(two_nodes_never_show_stale_member_lists);

/// Two `serve` nodes on one database: a change made through one shows at once on the
/// other, whose cache of organisations and members is checked against the version.
async fn two_nodes_never_show_stale_member_lists(app: TestApp) {
    let ann = app.user("ann@example.org", "Ann", false).await;
    let mut node_a = app.signed_in(ann).await;
    let slug = app.partnership(&mut node_a, "Ayr", "ayr").await;
    // A second node: same database, its own (empty) cache.
    let state_b = tandem::web::AppState::new(
        app.db.clone(),
        (*app.state.settings).clone(),
        &app.public_url,
    );
    let router_b =
        tandem::startup::build_router(state_b).layer(axum::extract::connect_info::MockConnectInfo(
            std::net::SocketAddr::from(([192, 0, 2, 2], 1)),
        ));
    let mut node_b = crate::helpers::Client::with_router(router_b, node_a.cookies.clone());

    node_a
        .get(&format!("/p/{slug}"))
        .await
        .assert_contains("Ann");
    node_b
        .post(
            &format!("/p/{slug}/organisations"),
            &[("name", "NHS Ayrshire"), ("kind", "health")],
        )
        .await;
    node_a
        .get(&format!("/p/{slug}"))
        .await
        .assert_contains("NHS Ayrshire");
    node_b
        .post("/account/name", &[("display_name", "Ann Renamed")])
        .await;
    node_a
        .get(&format!("/p/{slug}"))
        .await
        .assert_contains("Ann Renamed");
    node_a
        .get(&format!("/p/{slug}/people"))
        .await
        .assert_contains("Ann Renamed");
}
