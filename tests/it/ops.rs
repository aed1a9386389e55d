//! Health checks, static files, security headers, error pages, start-up checks.

use axum::http::StatusCode;

use crate::both_engines;
use crate::helpers::TestApp;

both_engines!(
    health_and_readiness,
    pages_carry_security_headers,
    oversized_bodies_get_a_friendly_413,
    migrations_can_run_twice
);

async fn health_and_readiness(app: TestApp) {
    let mut c = app.client();
    let r = c.get("/healthz").await;
    assert_eq!((r.status, r.body.as_str()), (StatusCode::OK, "ok"));
    let r = c.get("/readyz").await;
    assert_eq!((r.status, r.body.as_str()), (StatusCode::OK, "ready"));
    assert!(r.headers.contains_key("x-request-id"));
}

async fn pages_carry_security_headers(app: TestApp) {
    let mut c = app.client();
    let r = c.get("/login").await;
    let h = |k: &str| {
        r.headers
            .get(k)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default()
    };
    assert!(h("content-security-policy").contains("frame-ancestors 'none'"));
    assert!(h("content-security-policy").contains("script-src 'self'"));
    assert!(!h("content-security-policy").contains("unsafe-inline"));
    assert_eq!(h("x-content-type-options"), "nosniff");
    assert_eq!(h("referrer-policy"), "same-origin");
    assert_eq!(h("cache-control"), "no-store");
    r.assert_lacks("<script>");
    r.assert_lacks("style=\"");

    let css = c.get("/static/app.css").await;
    assert_eq!(css.status, StatusCode::OK);
    assert!(
        css.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    assert_eq!(css.headers["cache-control"], "public, max-age=86400");
    let etag = css.headers["etag"].to_str().unwrap().to_string();
    let mut req = c;
    let again = req
        .request_with_header("/static/app.css", "if-none-match", &etag)
        .await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert_eq!(
        req.get("/static/nope.css").await.status,
        StatusCode::NOT_FOUND
    );

    let missing = req.get("/no/such/page").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    missing.assert_contains("Page not found");
}

async fn oversized_bodies_get_a_friendly_413(app: TestApp) {
    let ann = app.user("ann@example.org", "Ann", false).await;
    let mut c = app.signed_in(ann).await;
    let huge = "x".repeat(app.state.settings.max_body_bytes + 10);
    let r = c.post("/account/name", &[("display_name", &huge)]).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    r.assert_contains("too much to send at once");
    assert_eq!(
        app.db.user_by_id(ann).await.unwrap().unwrap().display_name,
        "Ann"
    );
}

async fn migrations_can_run_twice(app: TestApp) {
    let ann = app.user("ann@example.org", "Ann", false).await;
    let mut c = app.signed_in(ann).await;
    let slug = app.partnership(&mut c, "Twice Over", "twice-over").await;
    let pid = app.partnership_id(&slug, ann).await;
    let decks = app.db.decks_for(pid).await.unwrap().len();
    assert!(decks >= 4, "the shipped decks are there: {decks}");
    app.db.migrate().await.unwrap();
    // A whole second start-up on the same database: migrations, shipped decks and
    // instruments are brought in again without duplicating or losing anything.
    let again = tandem::startup::open_database(&app.state.settings)
        .await
        .unwrap();
    assert_eq!(again.decks_for(pid).await.unwrap().len(), decks);
    let (p, m) = again.membership(&slug, ann).await.unwrap().unwrap();
    assert_eq!(p.name, "Twice Over");
    assert_eq!(m.role, tandem::domain::roles::Role::Lead);
    let home = c.get(&format!("/p/{slug}")).await;
    assert_eq!(home.status, StatusCode::OK);
    home.assert_contains("Twice Over");
}

#[test]
fn migration_sets_match_between_engines() {
    let list = |dir: &str| -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".sql"))
            .collect();
        v.sort();
        v
    };
    let sqlite = list(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/sqlite"));
    let postgres = list(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/postgres"));
    assert!(!sqlite.is_empty());
    assert_eq!(
        sqlite, postgres,
        "every migration needs a twin with the same version and name on the other engine"
    );
}

#[tokio::test]
async fn unknown_database_scheme_is_a_clear_error() {
    let err = tandem::db::Store::connect("mysql://localhost/tandem")
        .await
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("must start with sqlite: or postgres://"),
        "{err}"
    );
}

#[test]
fn help_explains_every_setting() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tandem"))
        .arg("--help")
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    for (var, _, _) in tandem::config::TABLE {
        assert!(text.contains(var), "--help should mention {var}");
    }
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    for (var, _, _) in tandem::config::TABLE {
        assert!(
            readme.contains(var),
            "README's configuration table should mention {var}"
        );
    }
}

#[test]
fn config_command_hides_passwords() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tandem"))
        .arg("config")
        .env(
            "TANDEM_DATABASE_URL",
            "postgres://tandem:hunter2secret@db.internal/tandem",
        )
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("postgres://tandem:********@db.internal/tandem"),
        "{text}"
    );
    assert!(!text.contains("hunter2secret"));
}

#[tokio::test]
async fn sqlite_backup_is_a_consistent_copy() {
    let app = TestApp::spawn(tandem::db::Engine::Sqlite).await;
    app.user("ann@example.org", "Ann", true).await;
    let file = app.state.settings.data_dir.join("copy.db");
    app.db.backup(&file).await.unwrap();
    let copy = tandem::db::Store::connect(&format!("sqlite://{}", file.display()))
        .await
        .unwrap();
    let ann = copy
        .user_by_email("ann@example.org")
        .await
        .unwrap()
        .expect("user in backup");
    assert!(ann.is_admin);
    // Never overwrite an existing file.
    let err = app.db.backup(&file).await.unwrap_err().to_string();
    assert!(err.contains("already exists"), "{err}");
}

#[tokio::test]
async fn postgres_backup_explains_pg_dump() {
    let app = TestApp::spawn(tandem::db::Engine::Postgres).await;
    let err = app
        .db
        .backup(std::path::Path::new("/tmp/never.db"))
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("pg_dump"), "{err}");
}

/// Two nodes on one PostgreSQL database, each with its own session cache: a change made
/// on one reaches the other through NOTIFY, and the other stops trusting its cache.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_nodes_hear_each_others_changes() {
    use tandem::security;
    let app = TestApp::spawn(tandem::db::Engine::Postgres).await;
    let other_node = tandem::db::Store::connect(&app.state.settings.database_url)
        .await
        .unwrap();
    let ann = app.user("ann@example.org", "Ann", false).await;
    let token = security::new_token();
    let hash = security::token_hash(&token);
    app.db
        .create_session(&hash, ann, tandem::domain::now())
        .await
        .unwrap();
    // Let the other node's listener connect, then warm its cache.
    for _ in 0..50 {
        if other_node.session_user(&hash).await.unwrap().is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(other_node.session_user(&hash).await.unwrap().is_some());
    // Sign out on the first node: the other node must stop accepting the session promptly.
    app.db.delete_session(&hash).await.unwrap();
    let mut gone = false;
    for _ in 0..100 {
        if other_node.session_user(&hash).await.unwrap().is_none() {
            gone = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert!(gone, "the other node kept a signed-out session");
}

/// The database itself announces changes to the tables behind the session cache: a
/// membership removed outside Tandem (by hand in psql, say) stops working on a node
/// within moments, not after the cache's 30-second backstop.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_cache_hears_changes_made_outside_tandem() {
    let app = TestApp::spawn(tandem::db::Engine::Postgres).await;
    let ann = app.user("ann@example.org", "Ann", false).await;
    let mut c = app.signed_in(ann).await;
    let slug = app.partnership(&mut c, "Ring", "ring").await;
    // Warm the cache (the listener connects in the background).
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    for _ in 0..3 {
        assert_eq!(c.get(&format!("/p/{slug}")).await.status, StatusCode::OK);
    }
    app.sql("DELETE FROM memberships").await;
    let mut gone = false;
    for _ in 0..100 {
        if c.get(&format!("/p/{slug}")).await.status == StatusCode::NOT_FOUND {
            gone = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert!(gone, "the node kept a membership removed in the database");
}

/// A port already taken stops `tandem serve` with a message naming TANDEM_LISTEN, and
/// before anything is made: no data folder is left behind.
#[test]
fn a_taken_port_names_the_setting_and_makes_nothing() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap();
    let dir = crate::helpers::TempDir(
        std::env::temp_dir().join(format!("tandem-port-{}", uuid::Uuid::new_v4())),
    );
    std::fs::create_dir_all(&dir.0).unwrap();
    let data = dir.0.join("data");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tandem"))
        .arg("serve")
        .env_remove("TANDEM_DATABASE_URL")
        .env_remove("TANDEM_CONFIG")
        .env("TANDEM_LISTEN", addr.to_string())
        .env("TANDEM_DATA_DIR", &data)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("another program is already using that port"),
        "{err}"
    );
    assert!(err.contains("TANDEM_LISTEN"), "{err}");
    assert!(!data.exists(), "a data folder was made: {err}");
    drop(taken);
}
