//! What valid input looks like, with messages written for the person who typed it.

use super::model::ORG_KINDS;

/// Shortest password accepted.
pub const PASSWORD_MIN: usize = 8;
/// Longest password accepted (long passphrases are welcome).
pub const PASSWORD_MAX: usize = 128;

/// A character no text of ours should hold: control characters (C0, DEL and C1) other
/// than tab, line feed and carriage return. PostgreSQL refuses NUL outright and SQLite
/// stores it, so these are removed where input is decoded and both engines agree.
pub fn is_unwanted_control(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r')
}

/// `value` without [`is_unwanted_control`] characters (borrowed when there are none).
pub fn strip_controls(value: &str) -> std::borrow::Cow<'_, str> {
    if value.chars().any(is_unwanted_control) {
        value
            .chars()
            .filter(|c| !is_unwanted_control(*c))
            .collect::<String>()
            .into()
    } else {
        value.into()
    }
}

/// A time zone from the list Tandem offers (`time::TIME_ZONES`).
pub fn time_zone(value: &str) -> Result<String, String> {
    let v = value.trim();
    if super::time::TIME_ZONES.contains(&v) {
        Ok(v.to_string())
    } else {
        Err("Choose a time zone from the list".into())
    }
}

fn length_between(value: &str, min: usize, max: usize, what: &str) -> Result<String, String> {
    let v = value.trim();
    let n = v.chars().count();
    if n == 0 && min > 0 {
        Err(format!("Enter {what}"))
    } else if n < min {
        Err(format!(
            "{} must be at least {min} characters",
            capitalise(what)
        ))
    } else if n > max {
        Err(format!(
            "{} must be {max} characters or fewer",
            capitalise(what)
        ))
    } else {
        Ok(v.to_string())
    }
}

fn capitalise(s: &str) -> String {
    let s = s
        .strip_prefix("a ")
        .or_else(|| s.strip_prefix("an "))
        .or_else(|| s.strip_prefix("the "))
        .or_else(|| s.strip_prefix("your "))
        .unwrap_or(s);
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// An email address, trimmed and lower-cased.
pub fn email(value: &str) -> Result<String, String> {
    let v = value.trim().to_lowercase();
    if v.is_empty() {
        return Err("Enter an email address".into());
    }
    if v.len() > 254 {
        return Err("Email address must be 254 characters or fewer".into());
    }
    let ok = match v.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !v.chars().any(|c| c.is_whitespace() || c.is_control())
        }
        None => false,
    };
    if ok {
        Ok(v)
    } else {
        Err("Enter an email address in the right form, like name@example.org".into())
    }
}

/// The name shown to other people.
pub fn display_name(value: &str) -> Result<String, String> {
    no_control(length_between(value, 1, 80, "your name")?, "Your name")
}

/// A new password. `context` holds words the password must not lean on (email, name).
pub fn password(value: &str, context: &[&str]) -> Result<(), String> {
    let n = value.chars().count();
    if n == 0 {
        return Err("Enter a password".into());
    }
    if n < PASSWORD_MIN {
        return Err(format!(
            "Password must be at least {PASSWORD_MIN} characters"
        ));
    }
    if n > PASSWORD_MAX {
        return Err(format!(
            "Password must be {PASSWORD_MAX} characters or fewer"
        ));
    }
    let estimate = zxcvbn::zxcvbn(value, context);
    if estimate.score() < zxcvbn::Score::Two {
        let why = estimate
            .feedback()
            .and_then(|f| f.warning())
            .map(|w| format!(" ({w})"))
            .unwrap_or_default();
        return Err(format!(
            "That password is too easy to guess{why}. Try three or four unrelated words"
        ));
    }
    Ok(())
}

/// A partnership's web address part, e.g. `north-ayr-carers`.
pub fn slug(value: &str) -> Result<String, String> {
    // "café" is taken as `cafe`: an accent is not worth a refusal.
    let v = deunicode::deunicode(value.trim()).to_lowercase();
    if v.is_empty() {
        return Err("Enter a web address".into());
    }
    if v.len() < 3 || v.len() > 40 {
        return Err("Web address must be between 3 and 40 characters".into());
    }
    if !v
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err("Web address can only use letters a to z, numbers and hyphens (-)".into());
    }
    if v.starts_with('-') || v.ends_with('-') || v.contains("--") {
        return Err("Web address cannot start or end with a hyphen, or have two in a row".into());
    }
    Ok(v)
}

/// Suggest a web address from a name: "Ayr Carers' Network" → `ayr-carers-network`,
/// "Café Côte" → `cafe-cote` (letters with accents, and other scripts, are written in
/// a to z rather than dropped).
pub fn suggest_slug(name: &str) -> String {
    let mut out = String::new();
    for c in deunicode::deunicode(name).to_lowercase().chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if (c.is_whitespace() || c == '-' || c == '_' || c == '/')
            && !out.ends_with('-')
            && !out.is_empty()
        {
            out.push('-');
        }
    }
    let mut s: String = out.trim_end_matches('-').chars().take(40).collect();
    while s.ends_with('-') {
        s.pop();
    }
    s
}

fn no_control(v: String, what: &str) -> Result<String, String> {
    if v.chars().any(|c| c.is_control()) {
        Err(format!(
            "{what} cannot contain line breaks or control characters"
        ))
    } else {
        Ok(v)
    }
}

/// A partnership's name.
pub fn partnership_name(value: &str) -> Result<String, String> {
    no_control(
        length_between(value, 2, 120, "a name for the partnership")?,
        "The name",
    )
}

/// The shared aim: a short paragraph.
pub fn aim(value: &str) -> Result<String, String> {
    length_between(value, 10, 1000, "the shared aim")
}

/// An optional longer description.
pub fn description(value: &str) -> Result<String, String> {
    length_between(value, 0, 5000, "the description")
}

/// An organisation's name.
pub fn organisation_name(value: &str) -> Result<String, String> {
    no_control(
        length_between(value, 2, 120, "the organisation's name")?,
        "The organisation's name",
    )
}

/// One of [`ORG_KINDS`].
pub fn organisation_kind(value: &str) -> Result<String, String> {
    if ORG_KINDS.iter().any(|(k, _)| *k == value) {
        Ok(value.to_string())
    } else {
        Err("Choose what kind of organisation it is".into())
    }
}

/// A lead's note on who an invitation is for.
pub fn invite_note(value: &str) -> Result<String, String> {
    no_control(length_between(value, 0, 200, "the note")?, "The note")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_removed_but_tab_and_newlines_kept() {
        assert_eq!(strip_controls("a\0b\u{1}c\u{7f}d\u{85}e\u{9f}"), "abcde");
        assert_eq!(
            strip_controls("line one\r\nline two\tend"),
            "line one\r\nline two\tend"
        );
        assert!(matches!(
            strip_controls("plain"),
            std::borrow::Cow::Borrowed(_)
        ));
        // Every control character but the three is removed; nothing else is.
        for code in 0u32..0x2000 {
            let Some(c) = char::from_u32(code) else {
                continue;
            };
            let kept = strip_controls(&c.to_string()).into_owned();
            let expected = !c.is_control() || matches!(c, '\t' | '\n' | '\r');
            assert_eq!(kept.is_empty(), !expected, "U+{code:04X}");
        }
    }

    #[test]
    fn emails() {
        assert_eq!(email("  Ann@Example.ORG ").unwrap(), "ann@example.org");
        for bad in [
            "",
            "ann",
            "ann@",
            "@x.org",
            "ann@x",
            "a b@x.org",
            "a@b@c.org",
            "a@.org",
        ] {
            assert!(email(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn passwords() {
        assert!(password("short", &[]).unwrap_err().contains("at least 8"));
        assert!(password("password", &[]).unwrap_err().contains("too easy"));
        assert!(password("12345678", &[]).is_err());
        assert!(password("ann@example.org", &["ann@example.org"]).is_err());
        assert!(password("kettle otter lantern violet", &[]).is_ok());
        assert!(password(&"x".repeat(129), &[]).unwrap_err().contains("128"));
        let sixty_four = "Tandem partnership passphrase with plenty of words in it, ok!!";
        assert!(sixty_four.len() >= 60);
        assert!(password(sixty_four, &[]).is_ok());
    }

    #[test]
    fn slugs() {
        assert_eq!(slug("North-Ayr").unwrap(), "north-ayr");
        for bad in ["", "ab", "-abc", "abc-", "a--b", "a b c", &"a".repeat(41)] {
            assert!(slug(bad).is_err(), "{bad:?} should be refused");
        }
        assert_eq!(suggest_slug("Ayr Carers' Network"), "ayr-carers-network");
        assert_eq!(suggest_slug("  --Hello__World--  "), "hello-world");
        assert_eq!(suggest_slug("Café Côte Carers"), "cafe-cote-carers");
        assert_eq!(suggest_slug("Łódź Ülkü"), "lodz-ulku");
        assert_eq!(slug("Café-Club").unwrap(), "cafe-club");
        assert!(slug(&suggest_slug("Ayr Carers' Network")).is_ok());
    }

    #[test]
    fn lengths_and_messages() {
        assert_eq!(
            partnership_name("").unwrap_err(),
            "Enter a name for the partnership"
        );
        assert!(
            partnership_name("x")
                .unwrap_err()
                .starts_with("Name for the partnership must be at least")
        );
        assert!(aim("too short").is_err());
        assert!(description("").is_ok());
        assert!(organisation_kind("council").is_ok());
        assert!(organisation_kind("army").is_err());
        assert!(display_name("Ann\nBee").is_err());
    }
}
