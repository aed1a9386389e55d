//! Tandem: a workspace where partnerships of organisations talk well, take stock
//! and follow through. The binary in `main.rs` is a thin shell around this library.

pub mod builtin;
pub mod cli;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod pdf;
pub mod security;
pub mod startup;
pub mod telemetry;
pub mod web;
pub mod work;
