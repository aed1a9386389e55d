//! Card decks as data: the model, the three import formats (TOML, Markdown, printed-card
//! text), export, and the limits every import obeys. No I/O here.
//!
//! Every parser returns either a whole deck or a list of `line N: what is wrong`
//! problems — never half a deck — and none of them panics on any input (property tests
//! below feed them random and mutated text).

mod markdown;
mod printed;
mod toml_format;

use std::fmt;

use serde::{Deserialize, Serialize};

pub use markdown::{parse_markdown, to_markdown};
pub use printed::{parse_printed, parse_printed_report};
pub use toml_format::{ShippedDeck, parse_shipped, parse_toml, to_toml};

/// Largest file accepted for import.
pub const MAX_BYTES: usize = 2 * 1024 * 1024;
/// Most themes in one deck.
pub const MAX_THEMES: usize = 100;
/// Most cards in one deck.
pub const MAX_CARDS: usize = 2000;
/// Longest card question or prompt, in characters.
pub const MAX_CARD_CHARS: usize = 1000;

/// A deck as written in a file: title, notes and themes of cards.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DeckData {
    /// Its title.
    pub title: String,
    /// Free text: about the deck, guidance, background.
    pub notes: String,
    /// Its themes, in order.
    pub themes: Vec<ThemeData>,
}

/// A theme: a name, a line of keywords, a colour and its cards in order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ThemeData {
    /// Its name.
    pub name: String,
    /// Words that help find it.
    pub keywords: Vec<String>,
    /// `#rrggbb`; `None` lets Tandem choose.
    pub colour: Option<String>,
    /// Its cards, in order.
    pub cards: Vec<CardData>,
}

/// One question card, with an optional prompt for the facilitator.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CardData {
    /// The question.
    pub text: String,
    /// A follow-up prompt, if any.
    pub prompt: Option<String>,
}

impl DeckData {
    /// How many cards in all.
    pub fn card_count(&self) -> usize {
        self.themes.iter().map(|t| t.cards.len()).sum()
    }

    /// The deck as the exact JSON `tandem deck check --json` prints.
    pub fn to_json(&self) -> serde_json::Value {
        #[derive(Serialize)]
        struct J<'a> {
            title: &'a str,
            notes: &'a str,
            themes: Vec<JT<'a>>,
        }
        #[derive(Serialize)]
        struct JT<'a> {
            name: &'a str,
            keywords: &'a [String],
            cards: Vec<JC<'a>>,
        }
        #[derive(Serialize)]
        struct JC<'a> {
            text: &'a str,
            prompt: Option<&'a str>,
        }
        serde_json::to_value(J {
            title: &self.title,
            notes: &self.notes,
            themes: self
                .themes
                .iter()
                .map(|t| JT {
                    name: &t.name,
                    keywords: &t.keywords,
                    cards: t
                        .cards
                        .iter()
                        .map(|c| JC {
                            text: &c.text,
                            prompt: c.prompt.as_deref(),
                        })
                        .collect(),
                })
                .collect(),
        })
        .expect("plain data serialises")
    }
}

/// A problem found in an import file, tied to a line (1-based; 0 when it is about the
/// whole file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineError {
    /// The line of the file (from 1).
    pub line: usize,
    /// What is wrong there and what was expected.
    pub message: String,
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}", self.message)
        } else {
            write!(f, "line {}: {}", self.line, self.message)
        }
    }
}

/// The 1-based line of a byte offset (for one TOML span; use [`LineIndex`] for many).
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// Where each line starts, found once, so that turning many byte offsets into line
/// numbers costs a binary search each instead of a rescan of the file.
pub(crate) struct LineIndex(Vec<usize>);

impl LineIndex {
    pub(crate) fn new(text: &str) -> Self {
        LineIndex(
            text.bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i)
                .collect(),
        )
    }

    /// The 1-based line of a byte offset.
    pub(crate) fn line(&self, offset: usize) -> usize {
        self.0.partition_point(|&nl| nl < offset) + 1
    }
}

/// Most problems listed for one file: past this, a line says how many more there are.
pub const MAX_PROBLEMS: usize = 50;

/// Keep the first [`MAX_PROBLEMS`] problems and say how many were left out.
pub(crate) fn cap_problems(mut problems: Vec<LineError>) -> Vec<LineError> {
    if problems.len() > MAX_PROBLEMS {
        let more = problems.len() - MAX_PROBLEMS;
        problems.truncate(MAX_PROBLEMS);
        problems.push(err(
            0,
            format!("… and {more} more problems like these. Fix the ones above first"),
        ));
    }
    problems
}

/// The first control character (other than tab and line breaks) in `text`, as
/// (line, code). Form feeds are not counted: text copied out of PDFs has one per page.
fn first_control(text: &str) -> Option<(usize, u32)> {
    let mut line = 1;
    for c in text.chars() {
        if c == '\n' {
            line += 1;
        } else if c != '\u{c}' && crate::domain::validate::is_unwanted_control(c) {
            return Some((line, c as u32));
        }
    }
    None
}

pub(crate) fn err(line: usize, message: impl Into<String>) -> LineError {
    LineError {
        line,
        message: message.into(),
    }
}

/// The file formats Tandem reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Tandem's own TOML deck file.
    Toml,
    /// A Markdown file: themes as headings, cards as list items.
    Markdown,
    /// Text copied from a printed deck.
    Printed,
}

impl Format {
    /// Parse a format name (`toml`, `markdown`/`md`, `printed`/`text`).
    pub fn parse(s: &str) -> Option<Format> {
        match s.trim().to_lowercase().as_str() {
            "toml" => Some(Format::Toml),
            "markdown" | "md" => Some(Format::Markdown),
            "printed" | "text" | "txt" => Some(Format::Printed),
            _ => None,
        }
    }

    /// The word people see.
    pub fn label(self) -> &'static str {
        match self {
            Format::Toml => "TOML",
            Format::Markdown => "Markdown",
            Format::Printed => "printed-card text",
        }
    }
}

/// Guess the format: TOML if it has `[[themes]]` or `title =`; Markdown if it has
/// list items under `## ` headings; otherwise printed-card text.
pub fn detect(text: &str) -> Format {
    let mut list_items_after_heading = false;
    let mut seen_heading = false;
    for line in text.lines() {
        let t = line.trim();
        if t.starts_with("[[themes]]") || t.starts_with("title =") || t.starts_with("title=") {
            return Format::Toml;
        }
        if t.starts_with("## ") {
            seen_heading = true;
        } else if seen_heading && (t.starts_with("- ") || t.starts_with("* ")) {
            list_items_after_heading = true;
        }
    }
    if list_items_after_heading {
        Format::Markdown
    } else {
        Format::Printed
    }
}

/// Read bytes as a deck: checks size and encoding, then parses in `format` (or the
/// detected one), then checks the limits and required fields.
pub fn parse_bytes(
    bytes: &[u8],
    format: Option<Format>,
) -> Result<(Format, DeckData), Vec<LineError>> {
    parse_bytes_report(bytes, format).map(|(format, deck, _)| (format, deck))
}

/// Like [`parse_bytes`], also returning the lines left out as page furniture (printed-card
/// text only; empty for the other formats), for the import preview.
pub fn parse_bytes_report(
    bytes: &[u8],
    format: Option<Format>,
) -> Result<(Format, DeckData, Vec<String>), Vec<LineError>> {
    if bytes.len() > MAX_BYTES {
        return Err(vec![err(
            0,
            format!(
                "the file is {} KB; the most Tandem accepts is 2 MB (2048 KB)",
                bytes.len() / 1024
            ),
        )]);
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let line = bytes[..e.valid_up_to()]
                .iter()
                .filter(|b| **b == b'\n')
                .count()
                + 1;
            return Err(vec![err(
                line,
                "this is not UTF-8 text. Save the file as \"UTF-8\" (most editors offer it under Save As, or Encoding) and try again",
            )]);
        }
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if let Some((line, code)) = first_control(text) {
        return Err(vec![err(
            line,
            format!(
                "this line holds an invisible control character (code {code}) that text files do not normally have. Open the file in a text editor, delete the odd character, save it and try again"
            ),
        )]);
    }
    // Form feeds (one per page of text copied out of a PDF, at the start of a line) are
    // dropped, keeping every line where an editor shows it.
    let text: std::borrow::Cow<str> = if text.contains('\u{c}') {
        text.replace('\u{c}', "").into()
    } else {
        text.into()
    };
    let format = format.unwrap_or_else(|| detect(&text));
    let parsed = match format {
        Format::Toml => parse_toml(&text).map(|d| (d, Vec::new())),
        Format::Markdown => parse_markdown(&text).map(|d| (d, Vec::new())),
        Format::Printed => parse_printed_report(&text),
    };
    let (deck, ignored) = parsed.map_err(cap_problems)?;
    check(&deck).map_err(cap_problems)?;
    Ok((format, deck, ignored))
}

/// The rules every deck obeys, whatever it came from.
pub fn check(deck: &DeckData) -> Result<(), Vec<LineError>> {
    let mut problems = Vec::new();
    if deck.title.trim().is_empty() {
        problems.push(err(0, "the deck has no title"));
    }
    if deck.title.chars().count() > 200 {
        problems.push(err(0, "the deck's title is longer than 200 characters"));
    }
    if deck.themes.is_empty() {
        problems.push(err(0, "the deck has no themes with cards"));
    }
    if deck.themes.len() > MAX_THEMES {
        problems.push(err(
            0,
            format!(
                "the deck has {} themes; the most is {MAX_THEMES}",
                deck.themes.len()
            ),
        ));
    }
    if deck.card_count() > MAX_CARDS {
        problems.push(err(
            0,
            format!(
                "the deck has {} cards; the most is {MAX_CARDS}",
                deck.card_count()
            ),
        ));
    }
    for t in &deck.themes {
        if t.name.trim().is_empty() {
            problems.push(err(0, "a theme has no name"));
        }
        if t.cards.is_empty() {
            problems.push(err(0, format!("the theme \"{}\" has no cards", t.name)));
        }
        if let Some(c) = &t.colour
            && !is_colour(c)
        {
            problems.push(err(
                0,
                format!(
                    "the theme \"{}\" has colour {c:?}; use the form #1a7f64",
                    t.name
                ),
            ));
        }
        for c in &t.cards {
            if c.text.chars().count() > MAX_CARD_CHARS {
                problems.push(err(
                    0,
                    format!(
                        "a card in \"{}\" is longer than {MAX_CARD_CHARS} characters",
                        t.name
                    ),
                ));
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// `#rrggbb`.
pub fn is_colour(s: &str) -> bool {
    s.len() == 7 && s.starts_with('#') && s[1..].chars().all(|c| c.is_ascii_hexdigit())
}

/// Colours given to themes that have none, in turn: calm, and dark enough for white text.
pub const PALETTE: &[&str] = &[
    "#1d5c8c", "#8a3b12", "#2f6b2f", "#6b3a7a", "#9b2c4b", "#0f6a70", "#5b5b16", "#7a4b00",
];

/// Split a keyword line: "gaps, strengths, risks" → ["gaps", "strengths", "risks"].
pub fn split_keywords(line: &str) -> Vec<String> {
    line.split([',', ';'])
        .map(|k| k.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|k| !k.is_empty())
        .collect()
}

/// Collapse runs of whitespace (including non-breaking spaces) to single spaces.
pub fn tidy(s: &str) -> String {
    s.split(|c: char| c.is_whitespace() || c == '\u{a0}')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests;
