//! The page cache (`web/pages.rs`): pages just shown are kept per session and
//! address, and never outlive a change.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::connect_info::MockConnectInfo;
use axum::http::StatusCode;

use crate::both_engines;
use crate::conversations::team;
use crate::helpers::{Client, TestApp};

both_engines!(
    a_change_shows_at_once_on_a_page_just_seen,
    pages_are_kept_for_one_session_only,
    a_kept_page_ends_with_its_session,
    the_cache_keeps_within_its_memory,
    a_kept_page_goes_gzipped_with_a_fresh_token_that_works,
    a_session_noting_its_last_use_keeps_every_kept_page
);

/// Sessions note their last use once a minute; that changes nothing a page shows, so
/// it must not throw away everyone's kept pages (any other write does).
async fn a_session_noting_its_last_use_keeps_every_kept_page(app: TestApp) {
    let t = team(&app).await;
    let token = t
        .lead
        .cookies
        .get(tandem::web::extract::SESSION_COOKIE)
        .expect("signed in");
    let hash = tandem::security::token_hash(token);
    // A touch that moved the generation would move it every time, at once. On
    // PostgreSQL other tests' changes are heard too (the notification channel is the
    // database's), so one quiet try among several is enough.
    let mut quiet = false;
    for n in 0..20 {
        let before = app.db.data_generation().expect("a generation");
        app.db
            .touch_session(&hash, tandem::domain::now() + 120 * (n + 1))
            .await
            .unwrap();
        if app.db.data_generation() == Some(before) {
            quiet = true;
            break;
        }
    }
    assert!(quiet, "every touch moved the generation");
    let before = app.db.data_generation().expect("a generation");
    app.db
        .add_organisation(t.pid, "Ayr Carers", "charity", tandem::domain::now())
        .await
        .unwrap();
    assert_ne!(
        app.db.data_generation(),
        Some(before),
        "a write did not move it"
    );
}

async fn a_change_shows_at_once_on_a_page_just_seen(app: TestApp) {
    let mut t = team(&app).await;
    let home = format!("/p/{}", t.slug);
    for _ in 0..3 {
        t.bea.get(&home).await.assert_lacks("NHS Ayrshire");
    }
    assert!(!app.state.pages.is_empty(), "the home page was kept");
    // Someone else adds an organisation: the very next look shows it.
    let r = t
        .lead
        .post(
            &format!("/p/{}/organisations", t.slug),
            &[("name", "NHS Ayrshire"), ("kind", "health")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    t.bea.get(&home).await.assert_contains("NHS Ayrshire");
    // Leaving the partnership shows at once too.
    let membership = app
        .db
        .membership(&t.slug, t.bea_id)
        .await
        .unwrap()
        .expect("a member")
        .1;
    app.db.remove_member(t.pid, membership.id).await.unwrap();
    assert_eq!(t.bea.get(&home).await.status, StatusCode::NOT_FOUND);
}

async fn pages_are_kept_for_one_session_only(app: TestApp) {
    let mut t = team(&app).await;
    let home = format!("/p/{}", t.slug);
    for _ in 0..2 {
        t.lead.get(&home).await.assert_contains("Lena Lead");
        let r = t.bea.get(&home).await;
        r.assert_contains("Bea Brown");
        r.assert_lacks("Lena Lead</");
    }
    // A kept page's forms still work: its CSRF token is masked afresh, and valid.
    let token = |body: &str| {
        regex::Regex::new(r#"name="_csrf" value="([0-9a-f]+)""#)
            .unwrap()
            .captures(body)
            .map(|c| c[1].to_string())
    };
    let page = format!("/p/{}/people", t.slug);
    let one = token(&t.lead.get(&page).await.body).expect("a form");
    let two = token(&t.lead.get(&page).await.body).expect("a form");
    assert_ne!(one, two, "a kept page repeated its masked token");
    let r = t
        .lead
        .post_raw(
            &format!("/p/{}/organisations", t.slug),
            &[("_csrf", &two), ("name", "Ayr Carers"), ("kind", "charity")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
}

/// A browser asking for gzip gets a kept page gzipped (unzipping whole: the client
/// panics otherwise), each time with a new masked token that a form accepts; one not
/// asking gets it plain; a change shows at once either way.
async fn a_kept_page_goes_gzipped_with_a_fresh_token_that_works(app: TestApp) {
    let mut t = team(&app).await;
    let page = format!("/p/{}/people", t.slug);
    let token = |body: &str| {
        regex::Regex::new(r#"name="_csrf" value="([0-9a-f]+)""#)
            .unwrap()
            .captures(body)
            .map(|c| c[1].to_string())
            .expect("a form")
    };
    let encoding = |r: &crate::helpers::Resp| {
        r.headers
            .get(axum::http::header::CONTENT_ENCODING)
            .map(|v| v.to_str().unwrap().to_string())
    };
    t.lead.accept_encoding = Some("gzip, deflate, br".into());
    let mut seen = Vec::new();
    for _ in 0..3 {
        let r = t.lead.get(&page).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(encoding(&r).as_deref(), Some("gzip"));
        r.assert_contains("Lena Lead");
        r.assert_contains("</html>");
        seen.push(token(&r.body));
    }
    assert!(!app.state.pages.is_empty(), "the page was kept");
    seen.dedup();
    assert_eq!(seen.len(), 3, "a kept page repeated its masked token");
    let r = t
        .lead
        .post_raw(
            &format!("/p/{}/organisations", t.slug),
            &[
                ("_csrf", &seen[2]),
                ("name", "Ayr Carers"),
                ("kind", "charity"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = t.lead.get(&page).await;
    assert_eq!(encoding(&r).as_deref(), Some("gzip"));
    r.assert_contains("Ayr Carers");
    // Refusing gzip, or not asking: plain.
    t.lead.accept_encoding = Some("gzip;q=0, identity".into());
    let r = t.lead.get(&page).await;
    assert_eq!(encoding(&r), None);
    r.assert_contains("Ayr Carers");
    t.lead.accept_encoding = None;
    assert_eq!(encoding(&t.lead.get(&page).await), None);
}

async fn a_kept_page_ends_with_its_session(app: TestApp) {
    let mut t = team(&app).await;
    let home = format!("/p/{}", t.slug);
    t.lead.get(&home).await.assert_contains("Lena Lead");
    t.lead.get(&home).await.assert_contains("Lena Lead");
    let old = t.lead.cookies.clone();
    let r = t.lead.post("/logout", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let mut stale = Client::with_router(app.router.clone(), old);
    let r = stale.get(&home).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(r.location().starts_with("/login"), "{}", r.location());
}

async fn the_cache_keeps_within_its_memory(app: TestApp) {
    let app = TestApp::spawn_with(app.engine, |s| s.page_cache_mb = 1).await;
    let mut t = team(&app).await;
    // Many different addresses: the cache never holds more than its megabyte.
    for n in 0..300 {
        let r = t
            .lead
            .get(&format!("/p/{}/actions?status=open&n={n}", t.slug))
            .await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(app.state.pages.bytes() <= 1024 * 1024);
    }
    assert!(!app.state.pages.is_empty());
    // Off means off.
    let app = TestApp::spawn_with(app.engine, |s| s.page_cache_mb = 0).await;
    let mut t = team(&app).await;
    for _ in 0..3 {
        assert_eq!(
            t.lead.get(&format!("/p/{}", t.slug)).await.status,
            StatusCode::OK
        );
    }
    assert!(app.state.pages.is_empty());
}

/// Two nodes on one PostgreSQL database, each with its own store and caches: a change
/// made through one shows on the other within moments (the database notifies every
/// node when it commits), long before the cache's own two-second limit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_nodes_hear_each_others_changes() {
    let app = TestApp::spawn(tandem::db::Engine::Postgres).await;
    let mut t = team(&app).await;
    let db_b = tandem::startup::open_database(&app.state.settings)
        .await
        .unwrap();
    let state_b = tandem::web::AppState::new(
        Arc::clone(&db_b),
        (*app.state.settings).clone(),
        &app.public_url,
    );
    let router_b = tandem::startup::build_router(state_b).layer(MockConnectInfo(
        std::net::SocketAddr::from(([192, 0, 2, 2], 1)),
    ));

    // Both listeners connect in the background.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let plan = format!("/p/{}", t.slug);
    for _ in 0..3 {
        t.bea.get(&plan).await.assert_lacks("Print the leaflets");
    }
    let mut lead_b = Client::with_router(router_b.clone(), t.lead.cookies.clone());
    let r = lead_b
        .post(
            &format!("/p/{}/organisations", t.slug),
            &[("name", "Print the leaflets"), ("kind", "charity")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(
        shows_within_a_second(&mut t.bea, &plan, "Print the leaflets").await,
        "node A kept showing its page after node B's change"
    );
    // A change made outside Tandem (by hand in psql, say) is heard the same way.
    crate::conversations::plan(&mut t.lead, &t.slug, "Spring check-in", "2031-03-04").await;
    let plan = format!("/p/{}/conversations", t.slug);
    for _ in 0..2 {
        t.bea.get(&plan).await.assert_contains("Spring check-in");
    }
    app.sql("UPDATE conversations SET title = 'Print the posters'")
        .await;
    assert!(
        shows_within_a_second(&mut t.bea, &plan, "Print the posters").await,
        "a change made in the database itself went unseen"
    );
}

/// Does `page` come to show `text` within a second (asked every 10 ms)?
async fn shows_within_a_second(c: &mut Client, page: &str, text: &str) -> bool {
    let started = std::time::Instant::now();
    while started.elapsed() < Duration::from_millis(1000) {
        if c.get(page).await.body.contains(text) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    false
}

/// Every table tells the nodes when it changes (migrations 0009 and 0010), so a table
/// added later without its trigger fails here rather than leaving pages stale.
#[tokio::test]
async fn postgres_every_table_announces_its_changes() {
    let app = TestApp::spawn(tandem::db::Engine::Postgres).await;
    use sqlx::Connection;
    let mut c = sqlx::PgConnection::connect(&app.state.settings.effective_database_url())
        .await
        .unwrap();
    let silent: Vec<(String,)> = sqlx::query_as(
        "SELECT c.relname::text FROM pg_class c
         JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
           AND c.relname NOT LIKE '\\_sqlx%'
           AND NOT EXISTS (
             SELECT 1 FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
             WHERE t.tgrelid = c.oid
               AND p.proname IN ('tandem_data_changed', 'tandem_session_tables_changed'))
         ORDER BY 1",
    )
    .fetch_all(&mut c)
    .await
    .unwrap();
    assert!(
        silent.is_empty(),
        "tables without a change trigger: {silent:?}"
    );
    let (tables,): (i64,) = sqlx::query_as(
        "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = current_schema() AND c.relkind = 'r'",
    )
    .fetch_one(&mut c)
    .await
    .unwrap();
    assert!(tables >= 30, "only {tables} tables seen");
}
