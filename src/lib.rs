//! Tandem: a workspace where partnerships of organisations talk well, take stock
//! and follow through. The binary in `main.rs` is a thin shell around this library.

pub mod builtin;
pub mod cli;
pub mod config;
// Storage and the domain are what every feature builds on: every public item there
// says what it is (see also `[lints]` in Cargo.toml).
#[deny(missing_docs)]
pub mod db;
#[deny(missing_docs)]
pub mod domain;
pub mod error;
pub mod pdf;
pub mod security;
pub mod server;
pub mod startup;
pub mod telemetry;
pub mod web;
pub mod work;
