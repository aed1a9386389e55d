//! Integration tests: one binary, a file per feature. Every test that touches storage
//! runs on SQLite and on PostgreSQL (`both_engines!`).

mod helpers;

mod auth;
mod authz;
mod conversations;
mod decks;
mod file;
mod first_hour;
mod live;
mod ops;
mod pages;
mod partnerships;
mod people;
mod security;
mod stock;
