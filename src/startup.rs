//! Building the app and serving it.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request};
use axum::response::IntoResponse;
use axum::routing::get;
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::config::Settings;
use crate::db::Store;
use crate::domain::model::TokenKind;
use crate::domain::now;
use crate::error::AppError;
use crate::security;
use crate::web::{self, AppState, ops};

/// How long a first-run set-up link works.
pub const SETUP_LINK_HOURS: i64 = 24;

/// The whole application as a router.
pub fn build_router(state: AppState) -> Router {
    let routes = web::app::app_routes();
    let app = routes
        .router
        .fallback(ops::not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            web::reuse::page_cache_layer,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            web::session::session_layer,
        ))
        .layer(axum::Extension(routes.keeps_typing));
    let request_id = axum::http::HeaderName::from_static("x-request-id");
    Router::new()
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/static/{*path}", get(ops::static_file))
        .merge(app)
        .layer(DefaultBodyLimit::max(state.settings.max_body_bytes.max(
            state.settings.upload_max_bytes + web::guard::UPLOAD_FORM_ROOM,
        )))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            web::guard::request_guard,
        ))
        .layer(CatchPanicLayer::custom(
            |_: Box<dyn std::any::Any + Send>| {
                AppError::Internal(anyhow::anyhow!("a request handler panicked")).into_response()
            },
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            ops::security_headers,
        ))
        .layer(axum::middleware::from_fn(web::compress::secret_addresses))
        .layer(web::compress::layer())
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &Request| {
                    // Log the route pattern, not the address: addresses can carry one-time tokens.
                    let route = req
                        .extensions()
                        .get::<MatchedPath>()
                        .map(|p| p.as_str().to_string())
                        .unwrap_or_else(|| "(no route)".into());
                    let id = req
                        .headers()
                        .get("x-request-id")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("-");
                    tracing::info_span!("request", method = %req.method(), route, request_id = id)
                })
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        .with_state(state)
}

/// Open the database, apply migrations and bring in the shipped card decks.
pub async fn open_database(settings: &Settings) -> anyhow::Result<Arc<Store>> {
    let url = settings.effective_database_url();
    let db = Arc::new(Store::connect(&url).await?);
    db.migrate()
        .await
        .context("could not apply database migrations")?;
    crate::builtin::sync_decks(db.as_ref()).await?;
    // A broken instrument file stops start-up with `instruments/FILE:LINE: …`.
    crate::builtin::sync_instruments(db.as_ref()).await?;
    // So does a broken session plan, with `plans/FILE:LINE: …`.
    crate::builtin::shipped_plans()?;
    Ok(db)
}

/// If no site administrator exists yet, make a set-up link and return it.
pub async fn setup_link_if_needed(db: &Store, public_url: &str) -> anyhow::Result<Option<String>> {
    if db.count_admins().await? > 0 {
        return Ok(None);
    }
    let token = security::new_token();
    let t = now();
    db.create_token(
        &security::token_hash(&token),
        TokenKind::Setup,
        None,
        t,
        t + SETUP_LINK_HOURS * 3600,
    )
    .await?;
    Ok(Some(format!("{public_url}/setup/{token}")))
}

/// Run `tandem serve` until Ctrl-C or SIGTERM, letting requests in flight finish.
pub async fn serve(settings: Settings) -> anyhow::Result<()> {
    crate::work::return_large_blocks_to_the_system();
    // The address first: a port already taken stops start-up before anything (a data
    // folder, a database file) is made.
    let listener = TcpListener::bind(settings.listen).await.map_err(|e| {
        let why = if e.kind() == std::io::ErrorKind::AddrInUse {
            "another program is already using that port".to_string()
        } else {
            e.to_string()
        };
        anyhow::anyhow!(
            "could not listen on {}: {why}. Choose another address with TANDEM_LISTEN \
             (for example TANDEM_LISTEN=127.0.0.1:8090) or `listen` in the config file",
            settings.listen
        )
    })?;
    let db = open_database(&settings).await?;
    let bound = listener.local_addr()?;
    let public_url = settings.effective_public_url(bound);
    tracing::info!(engine = ?db.engine(), address = %bound, public_url, "Tandem is listening on http://{bound}");
    for address in crate::config::room_addresses(bound) {
        tracing::info!(
            %address,
            "people on this network can join a live session at http://{address}/live"
        );
    }
    if let Some(link) = setup_link_if_needed(db.as_ref(), &public_url).await? {
        // The one secret we log on purpose: there is no other way to reach a fresh install.
        tracing::warn!(
            "No administrator yet. Open this one-time link to create one (valid {SETUP_LINK_HOURS} hours): {link}"
        );
    }
    let state = AppState::new(db.clone(), settings.clone(), &public_url);
    spawn_housekeeping(db.clone(), settings.clone());
    let live = state.live.clone();
    let app = build_router(state);
    crate::server::run(listener, app, shutdown_signal(), move || live.close()).await;
    tracing::info!("stopped");
    Ok(())
}

fn spawn_housekeeping(db: Arc<Store>, settings: Settings) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(3600));
        loop {
            tick.tick().await;
            let t = now();
            // Ended sessions are kept a day longer (never usable again: the session
            // layer checks their age), so a form sent from a page left open overnight
            // can still be recognised as that person's and held for them.
            let grace = web::held::KEEP_SECONDS;
            match db
                .delete_expired_sessions(
                    t - settings.session_idle_minutes * 60 - grace,
                    t - settings.session_max_hours * 3600 - grace,
                )
                .await
            {
                Ok(n) if n > 0 => tracing::info!(removed = n, "expired sessions removed"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "could not remove expired sessions"),
            }
            // Sign-in attempts count for 15 minutes; a day is plenty to keep them.
            if let Err(e) = db.delete_old_attempts(t - 86_400).await {
                tracing::warn!(error = %e, "could not remove old sign-in attempts");
            }
            match db.delete_expired_held(t).await {
                Ok(n) if n > 0 => tracing::info!(removed = n, "expired held forms removed"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "could not remove expired held forms"),
            }
        }
    });
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
