//! Session plans: ready-made live sessions (a warm-up, the questions, the timings and
//! a line or two for the facilitator at each step), shipped as TOML files in `plans/`
//! and written in our own words. Starting one makes a conversation whose agenda is the
//! plan's steps, and a live session over that agenda; both can then be changed.
//!
//! A step either names a shipped card (`card = "deck-key/card-key"`: its question,
//! prompt and theme colour) or gives its own `title`. Problems are reported as
//! `line N: what is wrong`.

use serde::Deserialize;
use toml::Spanned;

use super::decks::{LineError, err, line_of};
use super::live::{MAX_DOTS, MAX_OPTION, MAX_OPTIONS, StepKind};

/// Most steps a plan may have.
pub const MAX_STEPS: usize = 40;
/// Longest facilitator's note on one step.
pub const MAX_SCRIPT: usize = 600;
/// Longest title or prompt.
pub const MAX_TITLE: usize = 300;

/// A shipped session plan.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// Its key, used in addresses.
    pub key: String,
    /// Raised when its wording changes.
    pub version: i64,
    /// Its title.
    pub title: String,
    /// What it is for, shown before starting it.
    pub about: String,
    /// Its steps, in order.
    pub steps: Vec<PlanStep>,
}

impl Plan {
    /// Minutes in all, from the steps' timers.
    pub fn minutes(&self) -> i64 {
        self.steps.iter().map(|s| s.minutes).sum()
    }
}

/// One step of a plan.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanStep {
    /// The shipped card it shows (`deck-key/card-key`), if any.
    pub card: Option<String>,
    /// Its title (a card's question, once the card is looked up).
    pub title: String,
    /// A line under the title.
    pub prompt: String,
    /// The card's theme name (filled in from the card).
    pub theme_name: String,
    /// The card's theme colour, `#rrggbb` (filled in from the card).
    pub colour: String,
    /// What it asks of the room.
    pub kind: StepKind,
    /// The options people choose from or place, for the kinds that have them.
    pub options: Vec<String>,
    /// Dots each person has, for a dot vote.
    pub dots: i64,
    /// Minutes on its timer.
    pub minutes: i64,
    /// Whether answers carry no names (the default).
    pub anonymous: bool,
    /// What the facilitator might say or do, on the console only.
    pub script: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FilePlan {
    key: Spanned<String>,
    version: i64,
    title: Spanned<String>,
    #[serde(default)]
    about: String,
    #[serde(default)]
    steps: Vec<Spanned<FileStep>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileStep {
    card: Option<String>,
    title: Option<String>,
    #[serde(default)]
    prompt: String,
    ask: String,
    #[serde(default)]
    options: Vec<String>,
    dots: Option<i64>,
    #[serde(default)]
    minutes: i64,
    #[serde(default)]
    named: bool,
    #[serde(default)]
    script: String,
}

/// Read a plan file, listing every problem found (not just the first). Card steps
/// keep the card's reference with an empty title; [`Plan::fill_cards`] looks them up.
pub fn parse(text: &str) -> Result<Plan, Vec<LineError>> {
    let f: FilePlan = toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| line_of(text, s.start)).unwrap_or(0);
        vec![err(line, e.message().trim().to_string())]
    })?;
    let at = |offset: usize| line_of(text, offset);
    let mut problems = Vec::new();
    let key = f.key.get_ref();
    if key.is_empty()
        || key.len() > 40
        || !key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
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
    if f.steps.is_empty() {
        problems.push(err(0, "there are no steps: add [[steps]]"));
    }
    if f.steps.len() > MAX_STEPS {
        problems.push(err(0, format!("a plan has at most {MAX_STEPS} steps")));
    }
    let mut steps = Vec::new();
    for s in &f.steps {
        let line = at(s.span().start);
        let fs = s.get_ref();
        let mut bad = |m: String| problems.push(err(line, m));
        let Some(kind) = StepKind::parse(&fs.ask) else {
            bad(format!(
                "ask = \"{}\" is not a kind of step; use one of {}",
                fs.ask,
                StepKind::ALL.map(StepKind::as_str).join(", ")
            ));
            continue;
        };
        let title = fs.title.as_deref().unwrap_or("").trim().to_string();
        match (&fs.card, title.is_empty()) {
            (Some(_), false) => bad("give a card or a title, not both".into()),
            (None, true) => bad("this step needs a card or a title".into()),
            (Some(c), true) if c.split_once('/').is_none() => bad(format!(
                "card = \"{c}\" is not a card: write deck-key/card-key"
            )),
            _ => {}
        }
        if title.chars().count() > MAX_TITLE || fs.prompt.chars().count() > MAX_TITLE {
            bad(format!(
                "keep the title and prompt to {MAX_TITLE} characters each"
            ));
        }
        if kind.has_options() {
            if fs.options.len() < 2 || fs.options.len() > MAX_OPTIONS {
                bad(format!(
                    "a {} step needs 2 to {MAX_OPTIONS} options",
                    kind.as_str()
                ));
            }
            if fs
                .options
                .iter()
                .any(|o| o.trim().is_empty() || o.chars().count() > MAX_OPTION || o.contains('\n'))
            {
                bad(format!(
                    "each option is one line of 1 to {MAX_OPTION} characters"
                ));
            }
        } else if !fs.options.is_empty() {
            bad(format!("a {} step has no options", kind.as_str()));
        }
        let dots = match (kind, fs.dots) {
            (StepKind::Dots, Some(d)) if (1..=MAX_DOTS).contains(&d) => d,
            (StepKind::Dots, None) => 3,
            (StepKind::Dots, Some(_)) => {
                bad(format!("dots must be from 1 to {MAX_DOTS}"));
                3
            }
            (_, Some(_)) => {
                bad("only a dots step has dots".into());
                3
            }
            (_, None) => 3,
        };
        if !(0..=240).contains(&fs.minutes) {
            bad("minutes must be from 0 to 240".into());
        }
        if fs.script.chars().count() > MAX_SCRIPT {
            bad(format!("keep the script to {MAX_SCRIPT} characters"));
        }
        steps.push(PlanStep {
            card: fs.card.clone(),
            title,
            prompt: fs.prompt.trim().to_string(),
            theme_name: String::new(),
            colour: String::new(),
            kind,
            options: fs.options.iter().map(|o| o.trim().to_string()).collect(),
            dots,
            minutes: fs.minutes,
            anonymous: !fs.named,
            script: fs.script.trim().to_string(),
        });
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(Plan {
        key: key.clone(),
        version: f.version,
        title: f.title.get_ref().trim().to_string(),
        about: f.about.trim().to_string(),
        steps,
    })
}

/// A shipped card as a plan step needs it.
pub struct CardRef<'a> {
    /// The question.
    pub text: &'a str,
    /// Its prompt.
    pub prompt: Option<&'a str>,
    /// Its theme's name.
    pub theme_name: &'a str,
    /// Its theme's colour.
    pub colour: Option<&'a str>,
}

impl Plan {
    /// Fill in each card step's question, prompt and theme from `find`, which looks a
    /// `deck-key/card-key` up; the steps whose card is unknown, by position from 1.
    pub fn fill_cards<'a>(
        &mut self,
        find: impl Fn(&str) -> Option<CardRef<'a>>,
    ) -> Result<(), Vec<usize>> {
        let mut unknown = Vec::new();
        for (i, s) in self.steps.iter_mut().enumerate() {
            let Some(r) = s.card.as_deref() else { continue };
            match find(r) {
                Some(c) => {
                    s.title = c.text.to_string();
                    if s.prompt.is_empty() {
                        s.prompt = c.prompt.unwrap_or_default().to_string();
                    }
                    s.theme_name = c.theme_name.to_string();
                    s.colour = c.colour.unwrap_or_default().to_string();
                }
                None => unknown.push(i + 1),
            }
        }
        if unknown.is_empty() {
            Ok(())
        } else {
            Err(unknown)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plan_reads_and_its_problems_name_lines() {
        let p = parse(
            r#"key = "k"
version = 1
title = "T"

[[steps]]
title = "Hello"
ask = "show"
minutes = 3

[[steps]]
card = "d/c"
ask = "dots"
options = ["A", "B"]
"#,
        )
        .unwrap();
        assert_eq!(p.steps.len(), 2);
        assert_eq!(p.minutes(), 3);
        assert_eq!(p.steps[1].dots, 3);
        assert!(p.steps[0].anonymous);

        let e = parse(
            r#"key = "k"
version = 1
title = "T"

[[steps]]
title = "Hello"
ask = "sing"

[[steps]]
ask = "poll"
options = ["only one"]
dots = 4
"#,
        )
        .unwrap_err();
        let lines: Vec<usize> = e.iter().map(|e| e.line).collect();
        assert_eq!(lines, [5, 9, 9, 9], "{e:?}");
        assert!(e[0].message.contains("sing"));
        assert!(e[1].message.contains("card or a title"));
        assert!(parse("key = 1").unwrap_err()[0].line == 1);
    }
}
