//! The Markdown deck format.
//!
//! ```markdown
//! # Garden Club Cards
//!
//! These cards help a new garden club find its feet.
//!
//! ## Soil
//! Keywords: roots, ground, basics
//!
//! - What does each member already grow at home?
//!   Prompt: Go round the room.
//! - Who looks after the tools, and where do they live?
//! ```
//!
//! Text before the first `## ` heading is the deck's notes. Under a theme, an optional
//! `Keywords:` line (and `Colour: #rrggbb`), then one card per list item (`-`, `*`, `+`
//! or `1.`). Indented lines continue the item; an indented `Prompt:` line starts the
//! facilitator's prompt.

use std::fmt::Write;

use super::{
    CardData, DeckData, LineError, MAX_CARD_CHARS, MAX_CARDS, MAX_THEMES, ThemeData, err,
    split_keywords, tidy,
};

fn list_item(line: &str) -> Option<&str> {
    let t = line.trim_start();
    for marker in ["- ", "* ", "+ "] {
        if let Some(rest) = t.strip_prefix(marker) {
            return Some(rest);
        }
    }
    let digits = t.chars().take_while(|c| c.is_ascii_digit()).count();
    if digits > 0 && digits < 4 {
        let rest = &t[digits..];
        if let Some(r) = rest.strip_prefix(". ").or_else(|| rest.strip_prefix(") ")) {
            return Some(r);
        }
    }
    None
}

fn field<'a>(line: &'a str, names: &[&str]) -> Option<&'a str> {
    let t = line.trim();
    let (k, v) = t.split_once(':')?;
    names
        .iter()
        .any(|n| k.trim().eq_ignore_ascii_case(n))
        .then_some(v.trim())
}

/// Parse a deck in the Markdown format.
pub fn parse_markdown(text: &str) -> Result<DeckData, Vec<LineError>> {
    let mut problems = Vec::new();
    let mut title: Option<String> = None;
    let mut notes: Vec<String> = Vec::new();
    let mut themes: Vec<ThemeData> = Vec::new();
    // Where the open card's text is going: false = question, true = prompt.
    let mut in_prompt = false;
    let mut card_open = false;
    let mut cards = 0;
    for (i, raw) in text.lines().enumerate() {
        let n = i + 1;
        let line = raw.replace('\u{a0}', " ");
        let trimmed = line.trim();
        if let Some(h) = trimmed.strip_prefix("## ") {
            if themes.len() == MAX_THEMES {
                return Err(vec![err(
                    n,
                    format!("a deck can have at most {MAX_THEMES} themes; this is one more"),
                )]);
            }
            themes.push(ThemeData {
                name: tidy(h),
                ..Default::default()
            });
            card_open = false;
            continue;
        }
        if themes.is_empty() {
            match trimmed.strip_prefix("# ") {
                Some(t) if title.is_none() => title = Some(tidy(t)),
                _ => notes.push(line.trim_end().to_string()),
            }
            continue;
        }
        let theme = themes.last_mut().expect("checked above");
        if trimmed.is_empty() {
            continue;
        }
        if let Some(item) = list_item(&line) {
            cards += 1;
            if cards > MAX_CARDS {
                return Err(vec![err(
                    n,
                    format!("a deck can have at most {MAX_CARDS} cards; this is one more"),
                )]);
            }
            theme.cards.push(CardData {
                text: tidy(item),
                prompt: None,
            });
            card_open = true;
            in_prompt = false;
            continue;
        }
        let indented = line.starts_with(' ') || line.starts_with('\t');
        if card_open && indented {
            let card = theme.cards.last_mut().expect("card_open");
            if let Some(p) = field(&line, &["prompt"]) {
                card.prompt = Some(tidy(p));
                in_prompt = true;
            } else if in_prompt {
                let p = card.prompt.get_or_insert_with(String::new);
                append_words(p, trimmed);
            } else {
                append_words(&mut card.text, trimmed);
            }
            continue;
        }
        if let Some(k) = field(&line, &["keywords", "keyword"]) {
            theme.keywords = split_keywords(k);
        } else if let Some(c) = field(&line, &["colour", "color"]) {
            theme.colour = Some(c.to_string());
        } else {
            problems.push(err(
                n,
                format!(
                    "expected a card as a list item (\"- …\") under \"## {}\", found {:?}",
                    theme.name,
                    short(trimmed)
                ),
            ));
        }
    }
    for t in &themes {
        for c in &t.cards {
            if c.text.is_empty() {
                problems.push(err(0, format!("a card under \"## {}\" is empty", t.name)));
            }
        }
    }
    let Some(title) = title.filter(|t| !t.is_empty()) else {
        problems.insert(
            0,
            err(
                1,
                "the file must start with the deck's title as \"# Title\"",
            ),
        );
        return Err(problems);
    };
    if themes.is_empty() {
        problems.push(err(
            0,
            "no themes found: each theme starts with a \"## Theme name\" line",
        ));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(DeckData {
        title,
        notes: notes.join("\n").trim().to_string(),
        themes,
    })
}

/// Add a continuation line's words to a card's text. Past the longest a card may be,
/// nothing more is added (the length check reports it): appending to an ever-longer
/// text would make a hostile file of one endless card quadratic.
fn append_words(text: &mut String, more: &str) {
    if text.len() > 4 * MAX_CARD_CHARS + 4 {
        return;
    }
    let more = tidy(more);
    if !more.is_empty() {
        if !text.is_empty() {
            text.push(' ');
        }
        text.push_str(&more);
    }
}

fn short(s: &str) -> String {
    let mut out: String = s.chars().take(40).collect();
    if s.chars().count() > 40 {
        out.push('…');
    }
    out
}

/// Write a deck in the Markdown format.
pub fn to_markdown(deck: &DeckData) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {}\n", deck.title);
    if !deck.notes.is_empty() {
        let _ = writeln!(out, "{}\n", deck.notes);
    }
    for t in &deck.themes {
        let _ = writeln!(out, "## {}", t.name);
        if !t.keywords.is_empty() {
            let _ = writeln!(out, "Keywords: {}", t.keywords.join(", "));
        }
        if let Some(c) = &t.colour {
            let _ = writeln!(out, "Colour: {c}");
        }
        out.push('\n');
        for c in &t.cards {
            let _ = writeln!(out, "- {}", c.text);
            if let Some(p) = &c.prompt {
                let _ = writeln!(out, "  Prompt: {p}");
            }
        }
        out.push('\n');
    }
    out
}
