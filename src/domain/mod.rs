//! Plain types and rules with no I/O: who may do what, what valid input looks like.

pub mod colour;
pub mod decks;
pub mod instruments;
pub mod model;
pub mod roles;
pub mod stock;
pub mod talk;
pub mod validate;

/// Seconds since the Unix epoch: how every timestamp is stored on both engines.
pub type Timestamp = i64;

/// The current time as a [`Timestamp`].
pub fn now() -> Timestamp {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// A timestamp as people read it, e.g. "4 March 2026".
pub fn format_date(ts: Timestamp) -> String {
    let Ok(t) = time::OffsetDateTime::from_unix_timestamp(ts) else {
        return String::new();
    };
    let fmt = time::macros::format_description!("[day padding:none] [month repr:long] [year]");
    t.format(&fmt).unwrap_or_default()
}
