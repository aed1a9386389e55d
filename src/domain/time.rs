//! Dates and times as people type and read them, in a partnership's time zone:
//! the zones offered, parsing a typed day or time, meeting starts, and durations.

use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;

use super::Timestamp;

/// Time zones offered for meetings (any IANA name is accepted if typed in a URL).
pub const TIME_ZONES: &[&str] = &[
    "Europe/London",
    "Europe/Dublin",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Madrid",
    "Europe/Warsaw",
    "Europe/Athens",
    "UTC",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Toronto",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Australia/Sydney",
    "Pacific/Auckland",
];

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Is this a time zone we know?
pub fn valid_time_zone(name: &str) -> bool {
    TimeZone::get(name).is_ok()
}

/// The ways of writing a date we read, for messages.
pub const DAY_EXAMPLE: &str = "for example 31/12/2026 or 31 Dec 2026";

/// Read a day as people in the UK write it: 31/12/2026 (also with dots or dashes, or
/// a two-digit year), 31 Dec 2026, 31st December 2026, December 31, 2026, and
/// 2026-12-31 (what a browser's date box sends). Wrong dates are explained in plain
/// words.
pub fn parse_day(s: &str) -> Result<Date, String> {
    let Some((y, m, d)) = day_parts(s) else {
        return Err(format!(
            "Enter the date as day, month and year, {DAY_EXAMPLE}"
        ));
    };
    if !(1900..=2200).contains(&y) {
        return Err("Enter a year between 1900 and 2200".into());
    }
    if !(1..=12).contains(&m) {
        return Err("The month must be between 1 and 12".into());
    }
    Date::new(y as i16, m as i8, d as i8).map_err(|_| {
        let month = MONTHS[(m - 1) as usize];
        if (1..=31).contains(&d) {
            format!("There is no {d} {month} in {y}. Check the day.")
        } else {
            "The day must be between 1 and 31".to_string()
        }
    })
}

/// (year, month, day) from any of the forms [`parse_day`] reads; not yet checked.
fn day_parts(s: &str) -> Option<(i64, i64, i64)> {
    let s = s.trim().to_lowercase();
    let words: Vec<&str> = s
        .split(|c: char| c.is_whitespace() || matches!(c, '/' | '.' | '-' | ','))
        .filter(|w| !w.is_empty())
        .collect();
    let [a, b, c] = words.as_slice() else {
        return None;
    };
    let number = |w: &str| -> Option<i64> {
        let w = ["st", "nd", "rd", "th"]
            .iter()
            .find_map(|end| w.strip_suffix(end).filter(|n| !n.is_empty()))
            .unwrap_or(w);
        if w.is_empty() || w.len() > 4 || !w.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        w.parse().ok()
    };
    let month = |w: &str| -> Option<i64> {
        let w = w.trim_end_matches('.');
        if w.len() < 3 {
            return None;
        }
        MONTHS
            .iter()
            .position(|m| m.to_lowercase().starts_with(w) || (w == "sept" && m.starts_with("Sep")))
            .map(|i| i as i64 + 1)
    };
    let year = |w: &str| -> Option<i64> {
        let y = number(w)?;
        match w.len() {
            2 => Some(2000 + y),
            4 => Some(y),
            _ => None,
        }
    };
    // 2026-12-31: the year first only when written in full.
    if a.len() == 4 && a.bytes().all(|b| b.is_ascii_digit()) {
        return Some((number(a)?, number(b)?, number(c)?));
    }
    // 31/12/2026, 31 Dec 2026: the day first, then the month.
    if let Some(d) = number(a) {
        let m = number(b).or_else(|| month(b))?;
        return Some((year(c)?, m, d));
    }
    // December 31, 2026
    let m = month(a)?;
    Some((year(c)?, m, number(b)?))
}

/// Read a time typed as HH:MM.
pub fn parse_time(s: &str) -> Result<Time, String> {
    let s = s.trim();
    let Some((h, m)) = s.split_once(':') else {
        return Err("Enter the time as hours and minutes, for example 14:30".into());
    };
    let (Ok(h), Ok(m)) = (h.parse::<i8>(), m.get(..2).unwrap_or(m).parse::<i8>()) else {
        return Err("Enter the time as hours and minutes, for example 14:30".into());
    };
    Time::new(h, m, 0, 0).map_err(|_| "Hours go from 0 to 23 and minutes from 0 to 59".into())
}

/// The moment a meeting starts, from a date, a time and a time zone.
pub fn meeting_start(day: Date, at: Time, tz: &str) -> Result<Timestamp, String> {
    let zone = TimeZone::get(tz).map_err(|_| "Choose a time zone from the list".to_string())?;
    let zoned = day
        .to_datetime(at)
        .to_zoned(zone)
        .map_err(|_| "That date and time cannot be shown in this time zone".to_string())?;
    Ok(zoned.timestamp().as_second())
}

/// (date YYYY-MM-DD, time HH:MM) of a timestamp in a time zone, for form fields.
pub fn meeting_fields(ts: Timestamp, tz: &str) -> (String, String) {
    let Some(z) = zoned(ts, tz) else {
        return (String::new(), String::new());
    };
    (
        z.date().to_string(),
        format!("{:02}:{:02}", z.hour(), z.minute()),
    )
}

fn zoned(ts: Timestamp, tz: &str) -> Option<jiff::Zoned> {
    let zone = TimeZone::get(tz).unwrap_or(TimeZone::UTC);
    jiff::Timestamp::from_second(ts)
        .ok()
        .map(|t| t.to_zoned(zone))
}

/// E.g. "Tuesday 3 March 2026, 14:30 GMT".
pub fn format_meeting(ts: Timestamp, tz: &str) -> String {
    let Some(z) = zoned(ts, tz) else {
        return String::new();
    };
    let abbrev = z.strftime("%Z").to_string();
    format!(
        "{} {} {} {}, {:02}:{:02} {}",
        weekday(z.date()),
        z.day(),
        MONTHS[(z.month() - 1) as usize],
        z.year(),
        z.hour(),
        z.minute(),
        abbrev
    )
}

fn weekday(d: Date) -> &'static str {
    use jiff::civil::Weekday::*;
    match d.weekday() {
        Monday => "Monday",
        Tuesday => "Tuesday",
        Wednesday => "Wednesday",
        Thursday => "Thursday",
        Friday => "Friday",
        Saturday => "Saturday",
        Sunday => "Sunday",
    }
}

/// "2026-03-14" as "14 March 2026" (unchanged if it is not a date).
pub fn format_day(s: &str) -> String {
    match s.parse::<Date>() {
        Ok(d) => format!(
            "{} {} {}",
            d.day(),
            MONTHS[(d.month() - 1) as usize],
            d.year()
        ),
        Err(_) => s.to_string(),
    }
}

impl super::model::Partnership {
    /// "Today" in the partnership's time zone, as `YYYY-MM-DD`: the day that decides
    /// overdue actions and rounds opening and closing.
    pub fn today(&self) -> String {
        today(&self.time_zone)
    }
}

/// A day `days` after `day` (YYYY-MM-DD; a day that does not parse comes back as it was).
pub fn add_days(day: &str, days: i64) -> String {
    parse_day(day)
        .ok()
        .and_then(|d| d.checked_add(jiff::Span::new().days(days)).ok())
        .map(|d| d.to_string())
        .unwrap_or_else(|| day.to_string())
}

/// Today as YYYY-MM-DD in a time zone (for "overdue").
pub fn today(tz: &str) -> String {
    zoned(super::now(), tz)
        .map(|z| z.date().to_string())
        .unwrap_or_default()
}

/// Minutes as people say them: "1 hour 15 minutes".
pub fn duration(minutes: i64) -> String {
    let (h, m) = (minutes / 60, minutes % 60);
    let hours = match h {
        0 => String::new(),
        1 => "1 hour".into(),
        n => format!("{n} hours"),
    };
    let mins = match m {
        0 => String::new(),
        1 => "1 minute".into(),
        n => format!("{n} minutes"),
    };
    match (hours.is_empty(), mins.is_empty()) {
        (true, true) => "0 minutes".into(),
        (false, true) => hours,
        (true, false) => mins,
        (false, false) => format!("{hours} {mins}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn impossible_dates_say_why() {
        assert_eq!(
            parse_day("2026-02-30").unwrap_err(),
            "There is no 30 February in 2026. Check the day."
        );
        assert!(parse_day("2026-13-01").unwrap_err().contains("month"));
        assert!(parse_day("tomorrow").is_err());
        for typed in [
            "2026-12-31",
            "31/12/2026",
            "31/12/26",
            " 31.12.2026 ",
            "31-12-2026",
            "31 Dec 2026",
            "31 dec. 2026",
            "31st December 2026",
            "December 31, 2026",
            "31 december 26",
        ] {
            assert_eq!(
                parse_day(typed).unwrap().to_string(),
                "2026-12-31",
                "{typed}"
            );
        }
        assert_eq!(parse_day("3 Sept 2026").unwrap().to_string(), "2026-09-03");
        assert_eq!(parse_day("1/2/2026").unwrap().to_string(), "2026-02-01");
        for bad in [
            "31/12",
            "12/31/2026",
            "31 Decx 2026",
            "31 De 2026",
            "31/12/202",
            "2026/12",
        ] {
            assert!(parse_day(bad).is_err(), "{bad}");
        }
        assert!(parse_day("12/31/2026").unwrap_err().contains("month"));
        assert!(parse_day("2028-02-29").is_ok());
        assert!(parse_time("25:00").is_err());
        assert_eq!(parse_time("09:05").unwrap(), Time::new(9, 5, 0, 0).unwrap());
    }

    #[test]
    fn meeting_times_keep_their_zone() {
        let day = parse_day("2026-07-01").unwrap();
        let t = parse_time("14:30").unwrap();
        let ts = meeting_start(day, t, "Europe/London").unwrap();
        // 14:30 BST is 13:30 UTC.
        assert_eq!(ts % 86400, 13 * 3600 + 30 * 60);
        assert_eq!(
            format_meeting(ts, "Europe/London"),
            "Wednesday 1 July 2026, 14:30 BST"
        );
        assert_eq!(
            meeting_fields(ts, "Europe/London"),
            ("2026-07-01".into(), "14:30".into())
        );
        assert!(format_meeting(ts, "America/New_York").contains("09:30"));
        assert!(meeting_start(day, t, "Mars/Olympus").is_err());
    }

    #[test]
    fn durations_read_well() {
        assert_eq!(duration(0), "0 minutes");
        assert_eq!(duration(75), "1 hour 15 minutes");
        assert_eq!(duration(120), "2 hours");
    }
}
