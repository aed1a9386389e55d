//! The TOML deck format (the same one as the decks Tandem ships in `decks/`).
//!
//! ```toml
//! title = "Garden Club Cards"
//! notes = "These cards help a new garden club find its feet."
//!
//! [[themes]]
//! name = "Soil"
//! keywords = ["roots", "ground", "basics"]
//! colour = "#2f6b2f"
//!
//! [[themes.cards]]
//! text = "What does each member already grow at home?"
//! prompt = "Go round the room."
//! ```

use serde::Deserialize;
use toml::Spanned;

use super::{
    CardData, DeckData, LineError, LineIndex, MAX_CARDS, MAX_THEMES, ThemeData, err, line_of, tidy,
};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileDeck {
    key: Option<String>,
    version: Option<i64>,
    title: Spanned<String>,
    #[serde(default)]
    notes: String,
    steps: Option<Steps>,
    #[serde(default)]
    themes: Vec<Spanned<FileTheme>>,
}

/// The three steps of using a deck, in the deck's own words.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Steps {
    pub choose: String,
    pub discuss: String,
    pub act: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileTheme {
    key: Option<String>,
    name: String,
    #[serde(default)]
    keywords: Vec<String>,
    colour: Option<String>,
    #[serde(default)]
    cards: Vec<Spanned<FileCard>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileCard {
    key: Option<String>,
    text: String,
    prompt: Option<String>,
}

/// A deck shipped with Tandem: stable keys for the deck, its themes and cards, a version,
/// and the three steps.
#[derive(Debug, Clone)]
pub struct ShippedDeck {
    /// Its key, for keeping ids stable across releases.
    pub key: String,
    /// Bumped when its wording changes.
    pub version: i64,
    /// How to use the deck, in three steps.
    pub steps: Steps,
    /// Its themes and cards.
    pub deck: DeckData,
    /// Keys of themes, in order, and of each theme's cards.
    pub theme_keys: Vec<String>,
    /// Each card's key, theme by theme, to keep ids stable.
    pub card_keys: Vec<Vec<String>>,
}

/// Count `[[themes]]` and `[[themes.cards]]` headers before parsing: the TOML parser
/// builds the whole document in memory first, so a file of 100,000 tables is refused
/// here, at the first table past the limit, in one quick pass.
fn check_table_counts(text: &str) -> Result<(), Vec<LineError>> {
    let (mut themes, mut cards) = (0, 0);
    for (i, line) in text.lines().enumerate() {
        let t = line.trim_start();
        if !t.starts_with("[[") {
            continue;
        }
        let header: String = t.chars().filter(|c| !c.is_whitespace()).collect();
        if header.starts_with("[[themes]]") {
            themes += 1;
            if themes > MAX_THEMES {
                return Err(vec![err(
                    i + 1,
                    format!("a deck can have at most {MAX_THEMES} themes; this is one more"),
                )]);
            }
        } else if header.starts_with("[[themes.cards]]") {
            cards += 1;
            if cards > MAX_CARDS {
                return Err(vec![err(
                    i + 1,
                    format!("a deck can have at most {MAX_CARDS} cards; this is one more"),
                )]);
            }
        }
    }
    Ok(())
}

/// Most keys, tables and lists one deck file may hold. The largest deck allowed
/// (100 themes, 2,000 cards with keys and prompts) needs about 12,000; a file of many
/// tiny inline tables, which the parser would hold in memory at about 100 bytes each,
/// is refused before parsing.
const MAX_ENTRIES: usize = 40_000;

/// Count `=`, `{`, `[` and `,` outside strings and comments: an upper bound on the
/// entries the parser would build. Returns the line where the limit is passed.
fn too_many_entries(text: &str) -> Option<usize> {
    let b = text.as_bytes();
    let (mut i, mut line, mut entries) = (0, 1, 0);
    while i < b.len() {
        match b[i] {
            b'\n' => line += 1,
            b'#' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            q @ (b'"' | b'\'') => {
                let multi = b[i..].starts_with(if q == b'"' { b"\"\"\"" } else { b"'''" });
                let step = if multi { 3 } else { 1 };
                i += step;
                while i < b.len() {
                    if b[i] == b'\\' && q == b'"' {
                        i += 2;
                        continue;
                    }
                    if b[i] == b'\n' {
                        if !multi {
                            break;
                        }
                        line += 1;
                    }
                    if b[i] == q && (!multi || b[i..].starts_with(&[q, q, q])) {
                        i += step;
                        break;
                    }
                    i += 1;
                }
                continue;
            }
            b'=' | b'{' | b'[' | b',' => {
                entries += 1;
                if entries > MAX_ENTRIES {
                    return Some(line);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

fn read(text: &str) -> Result<FileDeck, Vec<LineError>> {
    check_table_counts(text)?;
    if let Some(line) = too_many_entries(text) {
        return Err(vec![err(
            line,
            format!(
                "the file holds more than {MAX_ENTRIES} entries, far more than any deck needs (at most {MAX_THEMES} themes and {MAX_CARDS} cards)"
            ),
        )]);
    }
    toml::from_str::<FileDeck>(text).map_err(|e| {
        let line = e.span().map(|s| line_of(text, s.start)).unwrap_or(0);
        vec![err(line, e.message().trim().to_string())]
    })
}

fn convert(text: &str, f: &FileDeck) -> Result<DeckData, Vec<LineError>> {
    let lines = LineIndex::new(text);
    let mut problems = Vec::new();
    let title = tidy(f.title.get_ref());
    if title.is_empty() {
        problems.push(err(lines.line(f.title.span().start), "the title is empty"));
    }
    let mut themes = Vec::new();
    for t in &f.themes {
        let t_line = lines.line(t.span().start);
        let ft = t.get_ref();
        let name = tidy(&ft.name);
        if name.is_empty() {
            problems.push(err(t_line, "this theme has an empty name"));
        }
        if ft.cards.is_empty() {
            problems.push(err(
                t_line,
                format!("the theme \"{name}\" has no cards: add [[themes.cards]] entries"),
            ));
        }
        let mut cards = Vec::new();
        for c in &ft.cards {
            let fc = c.get_ref();
            let card_text = tidy(&fc.text);
            if card_text.is_empty() {
                problems.push(err(lines.line(c.span().start), "this card's text is empty"));
            }
            cards.push(CardData {
                text: card_text,
                prompt: fc.prompt.as_deref().map(tidy).filter(|p| !p.is_empty()),
            });
        }
        themes.push(ThemeData {
            name,
            keywords: ft
                .keywords
                .iter()
                .map(|k| tidy(k))
                .filter(|k| !k.is_empty())
                .collect(),
            colour: ft.colour.clone(),
            cards,
        });
    }
    if f.themes.is_empty() {
        problems.push(err(0, "the file has no [[themes]]"));
    }
    if problems.is_empty() {
        Ok(DeckData {
            title,
            notes: f.notes.trim().to_string(),
            themes,
        })
    } else {
        Err(problems)
    }
}

/// Parse a deck in the TOML format.
pub fn parse_toml(text: &str) -> Result<DeckData, Vec<LineError>> {
    let f = read(text)?;
    convert(text, &f)
}

/// Parse one of the decks Tandem ships: keys, version and steps are required.
pub fn parse_shipped(text: &str) -> Result<ShippedDeck, Vec<LineError>> {
    let f = read(text)?;
    let deck = convert(text, &f)?;
    let mut problems = Vec::new();
    let key = f.key.clone().unwrap_or_default();
    if key.is_empty() {
        problems.push(err(1, "a shipped deck needs key = \"…\""));
    }
    let version = f.version.unwrap_or(0);
    if version < 1 {
        problems.push(err(1, "a shipped deck needs version = 1 or more"));
    }
    let Some(steps) = f.steps.clone() else {
        problems.push(err(
            1,
            "a shipped deck needs a [steps] table with choose, discuss and act",
        ));
        return Err(problems);
    };
    let lines = LineIndex::new(text);
    let mut theme_keys = Vec::new();
    let mut card_keys = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for t in &f.themes {
        let ft = t.get_ref();
        let tk = ft.key.clone().unwrap_or_default();
        if tk.is_empty() || !seen.insert(format!("theme:{tk}")) {
            problems.push(err(
                lines.line(t.span().start),
                "each theme needs its own key = \"…\"",
            ));
        }
        theme_keys.push(tk);
        let mut keys = Vec::new();
        for c in &ft.cards {
            let ck = c.get_ref().key.clone().unwrap_or_default();
            if ck.is_empty() || !seen.insert(format!("card:{ck}")) {
                problems.push(err(
                    lines.line(c.span().start),
                    "each card needs its own key = \"…\"",
                ));
            }
            keys.push(ck);
        }
        card_keys.push(keys);
    }
    if let Err(mut more) = super::check(&deck) {
        problems.append(&mut more);
    }
    if problems.is_empty() {
        Ok(ShippedDeck {
            key,
            version,
            steps,
            deck,
            theme_keys,
            card_keys,
        })
    } else {
        Err(problems)
    }
}

/// Write a deck in the TOML format.
pub fn to_toml(deck: &DeckData) -> String {
    use std::fmt::Write;
    let q = |s: &str| toml::Value::String(s.to_string()).to_string();
    let mut out = String::new();
    let _ = writeln!(out, "title = {}", q(&deck.title));
    if !deck.notes.is_empty() {
        let _ = writeln!(out, "notes = {}", q(&deck.notes));
    }
    for t in &deck.themes {
        let _ = writeln!(out, "\n[[themes]]\nname = {}", q(&t.name));
        let kw: Vec<String> = t.keywords.iter().map(|k| q(k)).collect();
        let _ = writeln!(out, "keywords = [{}]", kw.join(", "));
        if let Some(c) = &t.colour {
            let _ = writeln!(out, "colour = {}", q(c));
        }
        for c in &t.cards {
            let _ = writeln!(out, "\n[[themes.cards]]\ntext = {}", q(&c.text));
            if let Some(p) = &c.prompt {
                let _ = writeln!(out, "prompt = {}", q(p));
            }
        }
    }
    out
}
