//! Integration tests: one binary, a file per feature. Every test that touches storage
//! runs on SQLite and on PostgreSQL (`both_engines!`).

mod helpers;

mod auth;
mod authz;
mod cards;
mod members;
mod ops;
mod partnerships;
mod security;
mod stock;
mod talk;
