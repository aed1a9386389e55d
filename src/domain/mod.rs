//! Plain types and rules with no I/O: who may do what, what valid input looks like.

pub mod actions;
pub mod colour;
pub mod conversations;
pub mod decks;
pub mod file;
pub mod instruments;
pub mod live;
pub mod model;
pub mod plans;
pub mod roles;
pub mod stock;
pub mod time;
pub mod validate;

/// Seconds since the Unix epoch: how every timestamp is stored on both engines.
pub type Timestamp = i64;

/// The current time as a [`Timestamp`].
pub fn now() -> Timestamp {
    jiff::Timestamp::now().as_second()
}

/// A timestamp as people read it, e.g. "4 March 2026".
pub fn format_date(ts: Timestamp) -> String {
    match jiff::Timestamp::from_second(ts) {
        Ok(t) => time::format_day(&t.to_zoned(jiff::tz::TimeZone::UTC).date().to_string()),
        Err(_) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn dates_read_as_people_say_them() {
        assert_eq!(super::format_date(0), "1 January 1970");
        assert_eq!(super::format_date(1_772_668_740), "4 March 2026");
        assert!(super::now() > 1_772_668_740);
    }
}
