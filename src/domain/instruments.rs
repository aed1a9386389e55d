//! Self-assessment instruments (readiness check, partnership spectrum, health check)
//! defined as data: TOML files in `instruments/`, written in our own words and
//! versioned, so answers stay tied to the wording they answered.
//!
//! A file has answer **scales** (named once, used by sections or single items),
//! **sections** of **items** with guidance shown beside each, optional per-section
//! **checklists** (the action checklist of a health-check principle), and `suggest`
//! links from sections and items to card themes (`deck-key/theme-key`), so results can
//! offer cards to discuss. Problems are reported as `line N: what is wrong`.

use std::collections::{BTreeMap, HashSet};

use serde::Deserialize;
use toml::Spanned;

use super::decks::{LineError, err, line_of};

/// One possible answer.
#[derive(Debug, Clone, PartialEq)]
pub struct ScaleOption {
    /// How the answer is stored.
    pub key: String,
    /// The words people choose.
    pub label: String,
    /// Points towards a score (0 = worst); `None` for "don't know" and the like, which
    /// count as answered but not scored.
    pub points: Option<i64>,
    /// A longer description (for a choice among described options).
    pub description: Option<String>,
}

/// A set of answers people choose from.
#[derive(Debug, Clone, PartialEq)]
pub struct Scale {
    /// How items name this scale.
    pub key: String,
    /// The answers, in the order they are offered.
    pub options: Vec<ScaleOption>,
}

impl Scale {
    /// The highest points any option gives (for turning points into a 0–100 score).
    pub fn max_points(&self) -> i64 {
        self.options
            .iter()
            .filter_map(|o| o.points)
            .max()
            .unwrap_or(0)
    }

    /// Is `answer` one of this scale's options?
    pub fn option(&self, answer: &str) -> Option<&ScaleOption> {
        self.options.iter().find(|o| o.key == answer)
    }
}

/// One statement or question people answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// Its key, unique in the instrument.
    pub key: String,
    /// The statement people answer.
    pub text: String,
    /// What a low score usually means and what helps (shown with results, for
    /// whoever runs the round).
    pub guidance: String,
    /// Help for the person answering (shown on the form and the paper copy).
    pub help: String,
    /// Key of the item's scale (its own, or its section's).
    pub scale: String,
    /// Card themes (`deck/theme`) to talk it through with.
    pub suggest: Vec<String>,
}

/// One statement of a section's checklist ("we have a signed agreement").
#[derive(Debug, Clone, PartialEq)]
pub struct ChecklistEntry {
    /// Its key, unique in the section.
    pub key: String,
    /// The statement.
    pub text: String,
}

/// A part of an instrument: a principle of the health check, a readiness area, a spectrum row.
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    /// Its key, unique in the instrument.
    pub key: String,
    /// Its heading.
    pub title: String,
    /// A sentence or two introducing it.
    pub intro: String,
    /// People may leave the whole section out.
    pub optional: bool,
    /// Whether the section gets a score (spectrum answers are positions, not scores).
    pub scored: bool,
    /// What people answer.
    pub items: Vec<Item>,
    /// Statements the partnership ticks off together.
    pub checklist: Vec<ChecklistEntry>,
    /// Card themes (`deck/theme`) for the whole section.
    pub suggest: Vec<String>,
}

/// A whole instrument.
#[derive(Debug, Clone, PartialEq)]
pub struct Instrument {
    /// Its key (`readiness`, `spectrum`, `health-check`, …).
    pub key: String,
    /// Its wording's version; a change of wording needs a new one.
    pub version: i64,
    /// Its title.
    pub title: String,
    /// What it is for, shown before the questions.
    pub intro: String,
    /// The answer scales its items use.
    pub scales: Vec<Scale>,
    /// Its sections, in order.
    pub sections: Vec<Section>,
}

impl Instrument {
    /// The scale with this key.
    pub fn scale(&self, key: &str) -> Option<&Scale> {
        self.scales.iter().find(|s| s.key == key)
    }

    /// Every `deck/theme` reference, with where it was made (for checking against
    /// the shipped decks).
    pub fn suggestions(&self) -> Vec<(&str, &str)> {
        let mut out = Vec::new();
        for s in &self.sections {
            out.extend(s.suggest.iter().map(|r| (s.key.as_str(), r.as_str())));
            for i in &s.items {
                out.extend(i.suggest.iter().map(|r| (i.key.as_str(), r.as_str())));
            }
        }
        out
    }
}

// ---------------------------------------------------------------- the file

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileInstrument {
    key: Spanned<String>,
    version: i64,
    title: Spanned<String>,
    #[serde(default)]
    intro: String,
    #[serde(default)]
    scales: BTreeMap<String, Spanned<FileScale>>,
    #[serde(default)]
    sections: Vec<Spanned<FileSection>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileScale {
    options: Vec<Spanned<FileOption>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileOption {
    key: String,
    label: String,
    points: Option<i64>,
    description: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSection {
    key: String,
    title: String,
    #[serde(default)]
    intro: String,
    #[serde(default)]
    optional: bool,
    #[serde(default = "yes")]
    scored: bool,
    scale: Option<Spanned<String>>,
    #[serde(default)]
    suggest: Vec<Spanned<String>>,
    #[serde(default)]
    items: Vec<Spanned<FileItem>>,
    #[serde(default)]
    checklist: Vec<Spanned<FileCheck>>,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileItem {
    key: String,
    text: String,
    #[serde(default)]
    guidance: String,
    #[serde(default)]
    help: String,
    scale: Option<Spanned<String>>,
    #[serde(default)]
    suggest: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileCheck {
    key: String,
    text: String,
}

/// A key: lower-case letters, digits and dashes, 1–40 long.
fn good_key(k: &str) -> bool {
    !k.is_empty()
        && k.len() <= 40
        && k.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

/// Read an instrument file, listing every problem found (not just the first).
pub fn parse(text: &str) -> Result<Instrument, Vec<LineError>> {
    let f: FileInstrument = toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| line_of(text, s.start)).unwrap_or(0);
        vec![err(line, e.message().trim().to_string())]
    })?;
    let mut problems = Vec::new();
    let at = |offset: usize| line_of(text, offset);
    if !good_key(f.key.get_ref()) {
        problems.push(err(
            at(f.key.span().start),
            "the key must be lower-case letters, digits and dashes",
        ));
    }
    if f.version < 1 {
        problems.push(err(1, "the version must be 1 or more"));
    }
    if f.title.get_ref().trim().is_empty() {
        problems.push(err(at(f.title.span().start), "the title is empty"));
    }
    let mut scales = Vec::new();
    for (key, s) in &f.scales {
        let line = at(s.span().start);
        let fs = s.get_ref();
        if fs.options.len() < 2 {
            problems.push(err(
                line,
                format!("the scale \"{key}\" needs at least two options"),
            ));
        }
        let mut seen = HashSet::new();
        let mut options = Vec::new();
        for o in &fs.options {
            let fo = o.get_ref();
            let oline = at(o.span().start);
            if !good_key(&fo.key) {
                problems.push(err(
                    oline,
                    format!(
                        "the option key \"{}\" must be lower-case letters, digits and dashes",
                        fo.key
                    ),
                ));
            }
            if !seen.insert(fo.key.clone()) {
                problems.push(err(
                    oline,
                    format!(
                        "the option \"{}\" appears twice in the scale \"{key}\"",
                        fo.key
                    ),
                ));
            }
            if fo.label.trim().is_empty() {
                problems.push(err(oline, "this option has an empty label"));
            }
            if fo.points.is_some_and(|p| !(0..=100).contains(&p)) {
                problems.push(err(oline, "points must be between 0 and 100"));
            }
            options.push(ScaleOption {
                key: fo.key.clone(),
                label: fo.label.trim().to_string(),
                points: fo.points,
                description: fo.description.as_ref().map(|d| d.trim().to_string()),
            });
        }
        scales.push(Scale {
            key: key.clone(),
            options,
        });
    }
    let scale_known = |k: &str| f.scales.contains_key(k);
    let check_ref = |r: &Spanned<String>, problems: &mut Vec<LineError>| {
        let v = r.get_ref();
        let ok = v
            .split_once('/')
            .is_some_and(|(d, t)| good_key(d) && good_key(t));
        if !ok {
            problems.push(err(
                at(r.span().start),
                format!("\"{v}\" is not a card theme: write deck-key/theme-key"),
            ));
        }
        v.clone()
    };
    let mut keys = HashSet::new();
    let mut sections = Vec::new();
    if f.sections.is_empty() {
        problems.push(err(1, "there are no sections: add [[sections]]"));
    }
    for s in &f.sections {
        let sline = at(s.span().start);
        let fs = s.get_ref();
        if !good_key(&fs.key) {
            problems.push(err(
                sline,
                format!(
                    "the section key \"{}\" must be lower-case letters, digits and dashes",
                    fs.key
                ),
            ));
        }
        if !keys.insert(fs.key.clone()) {
            problems.push(err(sline, format!("the key \"{}\" is used twice", fs.key)));
        }
        if fs.title.trim().is_empty() {
            problems.push(err(sline, "this section has an empty title"));
        }
        if fs.items.is_empty() {
            problems.push(err(
                sline,
                format!(
                    "the section \"{}\" has no items: add [[sections.items]]",
                    fs.key
                ),
            ));
        }
        if let Some(sc) = &fs.scale
            && !scale_known(sc.get_ref())
        {
            problems.push(err(
                at(sc.span().start),
                format!("there is no scale called \"{}\"", sc.get_ref()),
            ));
        }
        let suggest = fs
            .suggest
            .iter()
            .map(|r| check_ref(r, &mut problems))
            .collect();
        let mut items = Vec::new();
        for i in &fs.items {
            let iline = at(i.span().start);
            let fi = i.get_ref();
            if !good_key(&fi.key) {
                problems.push(err(
                    iline,
                    format!(
                        "the item key \"{}\" must be lower-case letters, digits and dashes",
                        fi.key
                    ),
                ));
            }
            if !keys.insert(fi.key.clone()) {
                problems.push(err(iline, format!("the key \"{}\" is used twice", fi.key)));
            }
            if fi.text.trim().is_empty() {
                problems.push(err(iline, "this item's text is empty"));
            }
            let scale = match (&fi.scale, &fs.scale) {
                (Some(sc), _) => {
                    if !scale_known(sc.get_ref()) {
                        problems.push(err(
                            at(sc.span().start),
                            format!("there is no scale called \"{}\"", sc.get_ref()),
                        ));
                    }
                    sc.get_ref().clone()
                }
                (None, Some(sc)) => sc.get_ref().clone(),
                (None, None) => {
                    problems.push(err(
                        iline,
                        "this item has no scale: give it `scale = \"…\"` or give its section one",
                    ));
                    String::new()
                }
            };
            items.push(Item {
                key: fi.key.clone(),
                text: fi.text.trim().to_string(),
                guidance: fi.guidance.trim().to_string(),
                help: fi.help.trim().to_string(),
                scale,
                suggest: fi
                    .suggest
                    .iter()
                    .map(|r| check_ref(r, &mut problems))
                    .collect(),
            });
        }
        let mut checklist = Vec::new();
        for c in &fs.checklist {
            let fc = c.get_ref();
            let cline = at(c.span().start);
            if !good_key(&fc.key) || !keys.insert(fc.key.clone()) {
                problems.push(err(
                    cline,
                    format!(
                        "the checklist key \"{}\" must be a new lower-case key",
                        fc.key
                    ),
                ));
            }
            if fc.text.trim().is_empty() {
                problems.push(err(cline, "this checklist statement is empty"));
            }
            checklist.push(ChecklistEntry {
                key: fc.key.clone(),
                text: fc.text.trim().to_string(),
            });
        }
        sections.push(Section {
            key: fs.key.clone(),
            title: fs.title.trim().to_string(),
            intro: fs.intro.trim().to_string(),
            optional: fs.optional,
            scored: fs.scored,
            items,
            checklist,
            suggest,
        });
    }
    if !problems.is_empty() {
        problems.sort_by_key(|p| p.line);
        return Err(problems);
    }
    Ok(Instrument {
        key: f.key.into_inner(),
        version: f.version,
        title: f.title.into_inner().trim().to_string(),
        intro: f.intro.trim().to_string(),
        scales,
        sections,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str = r#"key = "tiny"
version = 1
title = "Tiny check"

[scales.yn]
options = [
  { key = "yes", label = "Yes", points = 2 },
  { key = "no", label = "No", points = 0 },
  { key = "unsure", label = "Not sure" },
]

[[sections]]
key = "one"
title = "One"
scale = "yn"
suggest = ["openers/culture"]

[[sections.items]]
key = "q1"
text = "Do we meet?"
guidance = "If not, start with a short call."

[[sections.checklist]]
key = "c1"
text = "We meet every month."
"#;

    #[test]
    fn reads_a_small_instrument() {
        let i = parse(SMALL).unwrap();
        assert_eq!(i.key, "tiny");
        assert_eq!(i.sections[0].items[0].scale, "yn");
        assert_eq!(i.scale("yn").unwrap().max_points(), 2);
        assert_eq!(
            i.scale("yn").unwrap().option("unsure").unwrap().points,
            None
        );
        assert_eq!(i.sections[0].checklist.len(), 1);
        assert_eq!(i.suggestions(), vec![("one", "openers/culture")]);
    }

    #[test]
    fn problems_name_their_lines() {
        let bad = SMALL
            .replace("scale = \"yn\"", "scale = \"yesno\"")
            .replace("openers/culture", "culture")
            .replace("key = \"c1\"", "key = \"q1\"");
        let errs = parse(&bad).unwrap_err();
        let text: Vec<String> = errs
            .iter()
            .map(|e| format!("{}: {}", e.line, e.message))
            .collect();
        assert!(
            text.iter()
                .any(|t| t == "15: there is no scale called \"yesno\""),
            "{text:?}"
        );
        assert!(
            text.iter()
                .any(|t| t.starts_with("16: \"culture\" is not a card theme")),
            "{text:?}"
        );
        assert!(
            text.iter()
                .any(|t| t.starts_with("23: the checklist key \"q1\"")),
            "{text:?}"
        );
        let errs = parse("key = \"x\"\nversion = 1\ntitle = \"X\"\nsurprise = 3\n").unwrap_err();
        assert_eq!(errs[0].line, 4, "{errs:?}");
        assert!(errs[0].message.contains("surprise"), "{errs:?}");
    }
}
