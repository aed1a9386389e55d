//! HTTP. A folder per URL word that needs more than one file (`conversations/`,
//! `decks/`, `stock/`, `actions/`), a file per smaller one (`people`, `partnerships`,
//! `checklists`, `coverage`, `live/` (sessions run in the room), `auth`, `account`, `admin`, `held`), and named furniture:
//! `app` (every feature's routes together), `state` (what handlers reach), `routes` (the
//! recorder every feature adds to), `instruments` (the instrument cache),
//! `session` (the session layer), `pages` (the page cache) and `reuse` (the layer answering from it), `cookies`, `extract` (who is asking, with what role), `guard`
//! (bodies and addresses before anything else), `page` and `form` (rendering, errors
//! beside fields), `errors` (error pages), `download`, `activity`, `conflict`, `charts`,
//! `directory` (the member cache), `markdown`, `ops` (health, static files, headers).
//! This file only names them and re-exports the furniture every page uses.

pub mod account;
pub mod actions;
pub mod activity;
pub mod admin;
pub mod app;
pub mod auth;
pub mod charts;
pub mod checklists;
pub mod compress;
pub mod conflict;
pub mod conversations;
pub mod cookies;
pub mod coverage;
pub mod decks;
pub mod directory;
pub mod download;
pub mod errors;
pub mod extract;
pub mod file;
pub mod form;
pub mod foryou;
pub mod guard;
pub mod held;
pub mod instruments;
pub mod live;
pub mod markdown;
pub mod ops;
pub mod page;
pub mod pages;
pub mod partnerships;
pub mod people;
pub mod reuse;
pub mod routes;
pub mod session;
pub mod state;
pub mod stock;

pub use form::{Bounced, Errors};
pub use page::{
    ConfirmPage, Confirmed, MessagePage, NEXT_HOME, PageCtx, date, date_time, redirect_with_flash,
    redirect_with_problem, render, render_status, safe_next, short, urlencode,
};
pub use routes::Routes;
pub use state::AppState;
