//! Live sessions: a meeting run in the room. Steps (a card or a question) go on the
//! projector one at a time; people who joined by a short code answer from their
//! phones. The rules here: join codes, what each kind of step takes as an answer, and
//! how answers are counted.

use std::fmt;

use super::Timestamp;
use super::model::Id;

/// Join codes use these 31 characters: no 0/O, 1/I/L, so a code read off a projector
/// at the back of a room is typed right.
pub const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
/// Characters in a join code.
pub const CODE_LENGTH: usize = 6;
/// Longest thought.
pub const MAX_THOUGHT: usize = 280;
/// Thoughts one person may send on one step.
pub const MAX_THOUGHTS_EACH: i64 = 5;
/// Longest first name a participant may give.
pub const MAX_NAME: usize = 40;
/// Options a poll may have.
pub const MAX_OPTIONS: usize = 12;
/// Most dots one person may have in a dot vote.
pub const MAX_DOTS: i64 = 10;
/// Points on each scale of a grid.
pub const GRID_POINTS: usize = 5;
/// Longest answer to a one-word step.
pub const MAX_WORD: usize = 30;
/// Most words shown in a word cloud.
pub const MAX_CLOUD: usize = 40;
/// Longest option.
pub const MAX_OPTION: usize = 100;

/// A join code made from random bytes (one character per byte; the bias of 256 mod
/// 31 is harmless for a code that only has to be hard to guess within its session's
/// life and the join rate limit).
pub fn code_from(bytes: [u8; CODE_LENGTH]) -> String {
    bytes
        .iter()
        .map(|b| CODE_ALPHABET[*b as usize % CODE_ALPHABET.len()] as char)
        .collect()
}

/// What someone typed as a code, as it is stored: upper case, spaces and dashes
/// dropped, the look-alikes read as what they must have meant (O as 0 is not in the
/// alphabet, so O, 0 and Q stay wrong rather than guessed). `None` if it cannot be a
/// code.
pub fn normalise_code(typed: &str) -> Option<String> {
    let code: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (code.len() == CODE_LENGTH && code.bytes().all(|b| CODE_ALPHABET.contains(&b))).then_some(code)
}

/// What a step asks of the room.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepKind {
    /// Only shows the card or question; people talk.
    Show,
    /// Short written thoughts, held for the facilitator until released.
    Thoughts,
    /// One word (or a few) each, drawn as a word cloud.
    Words,
    /// One choice from a list.
    Poll,
    /// Any number of choices from a list.
    Choices,
    /// A point from "strongly disagree" to "strongly agree".
    Scale,
    /// A few dots each, spread over the options.
    Dots,
    /// The options put in order.
    Ranking,
    /// Where the partnership is and where it should be, from cooperating to integrating.
    Spectrum,
    /// Each option placed on a two-by-two grid (say, influence and interest).
    Grid,
}

impl StepKind {
    /// Every kind, in the order the facilitator is offered them.
    pub const ALL: [StepKind; 10] = [
        StepKind::Thoughts,
        StepKind::Words,
        StepKind::Poll,
        StepKind::Choices,
        StepKind::Scale,
        StepKind::Dots,
        StepKind::Ranking,
        StepKind::Spectrum,
        StepKind::Grid,
        StepKind::Show,
    ];

    /// The stored and submitted value.
    pub fn as_str(self) -> &'static str {
        match self {
            StepKind::Show => "show",
            StepKind::Thoughts => "thoughts",
            StepKind::Words => "words",
            StepKind::Poll => "poll",
            StepKind::Choices => "choices",
            StepKind::Scale => "scale",
            StepKind::Dots => "dots",
            StepKind::Ranking => "ranking",
            StepKind::Spectrum => "spectrum",
            StepKind::Grid => "grid",
        }
    }

    /// What the facilitator reads in the list of kinds.
    pub fn label(self) -> &'static str {
        match self {
            StepKind::Show => "Just show it: people talk, nobody answers on a phone",
            StepKind::Thoughts => "Thoughts: short written answers you release to the screen",
            StepKind::Words => "One word: what people type, drawn as a word cloud",
            StepKind::Poll => "Poll: each person picks one option",
            StepKind::Choices => "Choices: each person picks as many options as they like",
            StepKind::Scale => {
                "A scale: strongly disagree to strongly agree, or one of the health check's scales"
            }
            StepKind::Dots => "Dot vote: each person spreads a few dots over the options",
            StepKind::Ranking => "Ranking: each person puts the options in order",
            StepKind::Spectrum => {
                "Spectrum: where we are now and where we want to be, cooperating to integrating"
            }
            StepKind::Grid => "Grid: each person places the options on a two-by-two grid",
        }
    }

    /// Whether the kind needs a list of options.
    pub fn has_options(self) -> bool {
        matches!(
            self,
            StepKind::Poll
                | StepKind::Choices
                | StepKind::Dots
                | StepKind::Ranking
                | StepKind::Grid
        )
    }

    /// Whether people answer it on their phones.
    pub fn takes_answers(self) -> bool {
        !matches!(self, StepKind::Show)
    }

    /// Whether counts by hand can be added to its results (one number per option).
    pub fn takes_hands(self) -> bool {
        matches!(
            self,
            StepKind::Poll | StepKind::Choices | StepKind::Scale | StepKind::Dots
        )
    }

    /// Whether its results can be broken down by organisation (one count per option).
    pub fn by_organisation(self) -> bool {
        matches!(
            self,
            StepKind::Poll
                | StepKind::Choices
                | StepKind::Scale
                | StepKind::Dots
                | StepKind::Spectrum
        )
    }

    /// Parse a stored or submitted value.
    pub fn parse(s: &str) -> Option<StepKind> {
        StepKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl TryFrom<String> for StepKind {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Self::parse(&s).ok_or_else(|| format!("unknown step kind {s:?}"))
    }
}

impl fmt::Display for StepKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a step is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepState {
    /// Not asked yet.
    Ready,
    /// Taking answers.
    Open,
    /// No more answers (it can be opened again).
    Closed,
}

impl StepState {
    /// The stored value.
    pub fn as_str(self) -> &'static str {
        match self {
            StepState::Ready => "ready",
            StepState::Open => "open",
            StepState::Closed => "closed",
        }
    }

    /// Parse a stored value.
    pub fn parse(s: &str) -> Option<StepState> {
        [StepState::Ready, StepState::Open, StepState::Closed]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

impl TryFrom<String> for StepState {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Self::parse(&s).ok_or_else(|| format!("unknown step state {s:?}"))
    }
}

/// The five points of the agreement scale, from 1.
pub const SCALE: [&str; 5] = [
    "Strongly disagree",
    "Disagree",
    "Not sure",
    "Agree",
    "Strongly agree",
];

/// The spectrum's four points, from 1, with what each means.
pub const SPECTRUM: [(&str, &str); 4] = [
    (
        "Cooperating",
        "We keep in touch, swap news and point people to each other.",
    ),
    (
        "Co-ordinating",
        "We plan some things together while each keeps its own way of working.",
    ),
    (
        "Collaborating",
        "We share a vision and put in resources together to reach it.",
    ),
    (
        "Integrating",
        "Joint programmes, shared budgets or joint bids, for the long term.",
    ),
];

/// A grid's scales when the step names none: across, then up.
pub const GRID_AXES: [&str; 2] = ["Interest", "Influence"];

/// A live session.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LiveSession {
    /// Its id.
    pub id: Id,
    /// The partnership it belongs to.
    pub partnership_id: Id,
    /// The conversation it runs (and records into).
    pub conversation_id: Option<Id>,
    /// Its title: the card's question or the item's own words.
    pub title: String,
    /// The join code.
    pub code: String,
    /// "open" or "ended".
    pub status: String,
    /// The step on the screen (None: the welcome).
    pub current_step: Option<Id>,
    /// Whether the join code is on the screen.
    pub show_join: bool,
    /// The session's change counter (the events' id).
    pub changes: i64,
    /// When it was made.
    pub created_at: Timestamp,
    /// When it ended.
    pub ended_at: Option<Timestamp>,
    /// The session plan it was started from, if any.
    pub plan_key: Option<String>,
}

impl LiveSession {
    /// Whether it has ended (its code no longer lets anyone in).
    pub fn ended(&self) -> bool {
        self.status == "ended"
    }

    /// The day it started, as people read it.
    pub fn started_on(&self) -> String {
        super::format_date(self.created_at)
    }
}

/// One step of a session.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Step {
    /// Its id.
    pub id: Id,
    /// The session it belongs to.
    pub session_id: Id,
    /// Its place in the session, from 1.
    pub position: i64,
    /// The agenda item it came from (what is kept goes into its record).
    pub item_id: Option<Id>,
    /// Its title: the card's question or the item's own words.
    pub title: String,
    /// A follow-up prompt shown under it.
    pub prompt: String,
    /// The card's theme, if from a card.
    pub theme_name: String,
    /// The theme's colour, as #rrggbb.
    pub colour: String,
    #[sqlx(try_from = "String")]
    /// What it asks of the room.
    pub kind: StepKind,
    /// For polls and choices: one option per line.
    pub options: String,
    /// Whether answers carry no names for anyone.
    pub anonymous: bool,
    #[sqlx(try_from = "String")]
    /// The current step's state, if there is one.
    pub state: StepState,
    /// Whether its results are shown to the room.
    pub revealed: bool,
    /// Minutes on its timer (0: none).
    pub minutes: i64,
    /// When its timer runs out, if running.
    pub timer_ends: Option<Timestamp>,
    /// How many times the step has been opened.
    pub opening: i64,
    /// When its results were last kept in the record.
    pub kept_at: Option<Timestamp>,
    /// Dots each person has, for a dot vote.
    pub dots: i64,
    /// For a grid: its two scales' names, one per line (empty: [`GRID_AXES`]).
    pub axes: String,
    /// What the facilitator might say or do (console only).
    pub script: String,
}

impl Step {
    /// The options people choose from, rank or place: the step's own list, the
    /// scale's points or the spectrum's.
    pub fn choices(&self) -> Vec<String> {
        match self.kind {
            k if k.has_options() => option_lines(&self.options),
            StepKind::Scale if !self.options.trim().is_empty() => option_lines(&self.options),
            StepKind::Scale => SCALE.iter().map(|s| s.to_string()).collect(),
            StepKind::Spectrum => SPECTRUM.iter().map(|(s, _)| s.to_string()).collect(),
            _ => Vec::new(),
        }
    }

    /// A grid's two scales: across, then up.
    pub fn axes(&self) -> [String; 2] {
        let lines = option_lines(&self.axes);
        match lines.as_slice() {
            [a, b, ..] => [a.clone(), b.clone()],
            _ => GRID_AXES.map(str::to_string),
        }
    }

    /// Whether answers are taken now.
    pub fn is_open(&self) -> bool {
        self.state == StepState::Open && self.kind.takes_answers()
    }

    /// Seconds left on the timer at `now` (None: no timer running).
    pub fn seconds_left(&self, now: Timestamp) -> Option<i64> {
        self.timer_ends.map(|t| (t - now).max(0))
    }
}

/// A phone that joined.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Participant {
    /// Its id.
    pub id: Id,
    /// The session it belongs to.
    pub session_id: Id,
    /// The first name they gave (may be empty).
    pub name: String,
    /// The organisation they chose, if any.
    pub organisation_id: Option<Id>,
    /// That organisation's name.
    pub organisation_name: Option<String>,
    /// When they joined.
    pub joined_at: Timestamp,
    /// Whether the facilitator removed them.
    pub removed: bool,
}

impl Participant {
    /// How the facilitator sees them in a named step.
    pub fn shown_name(&self) -> String {
        shown_name(&self.name, self.organisation_name.as_deref())
    }
}

/// A participant as the facilitator sees them in a named step, from the first name
/// they gave (may be empty) and their organisation's name.
pub fn shown_name(name: &str, organisation: Option<&str>) -> String {
    match (name.is_empty(), organisation) {
        (false, Some(o)) => format!("{name} ({o})"),
        (false, None) => name.to_string(),
        (true, Some(o)) => format!("Someone from {o}"),
        (true, None) => "Someone".into(),
    }
}

/// A thought sent on a step.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Thought {
    /// Its id.
    pub id: Id,
    /// The step it answers.
    pub step_id: Id,
    /// The phone that sent it.
    pub participant_id: Id,
    /// What they wrote.
    pub body: String,
    /// When it was made.
    pub created_at: Timestamp,
    /// When it went on the screen (None: held).
    pub released_at: Option<Timestamp>,
    /// The first thought of the group the facilitator put it in, if any.
    pub grouped_into: Option<Id>,
    /// The sender, for named steps (the store fills it in; never shown for anonymous
    /// steps).
    pub author: String,
}

/// Thoughts as the room sees them: each group once, under its first thought, with how
/// many more in `thoughts` said much the same. A thought whose group's first thought
/// is not in `thoughts` (held, or deleted) stands on its own.
pub fn grouped_thoughts<'a>(thoughts: &[&'a Thought]) -> Vec<(&'a Thought, usize)> {
    let present = |id: Id| thoughts.iter().any(|t| t.id == id);
    let mut out: Vec<(&'a Thought, usize)> = Vec::new();
    for &t in thoughts {
        match t.grouped_into.filter(|h| present(*h)) {
            Some(_) => {}
            None => out.push((t, 0)),
        }
    }
    for t in thoughts {
        if let Some(h) = t.grouped_into.filter(|h| present(*h))
            && let Some(entry) = out.iter_mut().find(|(head, _)| head.id == h)
        {
            entry.1 += 1;
        }
    }
    out
}

/// Thoughts as `step` lets them be seen: without their senders in an anonymous step
/// (for everyone, the facilitator too), and, unless `held_too`, only those released
/// to the screen.
pub fn thoughts_as_shown(mut thoughts: Vec<Thought>, step: &Step, held_too: bool) -> Vec<Thought> {
    if !held_too {
        thoughts.retain(|t| t.released_at.is_some());
    }
    if step.anonymous {
        for t in &mut thoughts {
            t.author.clear();
        }
    }
    thoughts
}

/// A thought as the record gives it: its words, its sender in named steps, and how
/// many more said much the same.
pub fn thought_line(t: &Thought, similar: usize) -> String {
    let mut line = t.body.clone();
    if !t.author.is_empty() {
        line.push_str(&format!(" ({})", t.author));
    }
    if similar > 0 {
        line.push(' ');
        line.push_str(&similar_label(&similar));
    }
    line
}

/// "(+2 similar)", or nothing for a thought on its own.
pub fn similar_label(n: &usize) -> String {
    match n {
        0 => String::new(),
        n => format!("(+{n} similar)"),
    }
}

/// The lines of an options box, trimmed, blank lines dropped.
pub fn option_lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// Check a poll's options as typed: the cleaned list, or what is wrong.
pub fn check_options(text: &str) -> Result<String, &'static str> {
    let lines = option_lines(text);
    if lines.len() < 2 {
        return Err("Give at least two options, one on each line");
    }
    if lines.len() > MAX_OPTIONS {
        return Err("Give 12 options or fewer");
    }
    if lines.iter().any(|l| l.chars().count() > MAX_OPTION) {
        return Err("Keep each option to 100 characters or fewer");
    }
    Ok(lines.join("\n"))
}

/// A form's value for `name`, trimmed ("" when it was not sent).
fn form_value<'a>(form: &'a [(String, String)], name: &str) -> &'a str {
    form.iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.trim())
}

/// `v` as a number from 1 to `max`.
fn number_upto(v: &str, max: usize) -> Option<usize> {
    v.parse::<usize>().ok().filter(|i| (1..=max).contains(i))
}

/// Check an answer sent from a phone's form (`form`: its fields) for a step that
/// takes one: the value as it is stored, or what is wrong, in words for the person
/// holding the phone.
///
/// Stored values: poll, choices, scale: the chosen option numbers (from 1) joined by
/// commas; one word: the word, in lower case; dot vote: `option:dots` pairs; ranking:
/// the option numbers, first place first; spectrum: `now,wanted`; grid:
/// `option:across:up` triples.
pub fn check_answer(step: &Step, form: &[(String, String)]) -> Result<String, String> {
    let n = step.choices().len();
    let field = |name: &str| form_value(form, name);
    let join = |v: Vec<String>| v.join(",");
    match step.kind {
        StepKind::Show | StepKind::Thoughts => Err("This step takes no answer here.".into()),
        StepKind::Poll | StepKind::Choices | StepKind::Scale => {
            let mut picked: Vec<usize> = Vec::new();
            for (_, c) in form
                .iter()
                .filter(|(k, c)| k == "choice" && !c.trim().is_empty())
            {
                match number_upto(c.trim(), n) {
                    Some(i) => {
                        if !picked.contains(&i) {
                            picked.push(i)
                        }
                    }
                    None => {
                        return Err(
                            "That option is not on the list. Choose from the options shown.".into(),
                        );
                    }
                }
            }
            picked.sort_unstable();
            match (step.kind, picked.len()) {
                (_, 0) => Err("Choose an option first".into()),
                (StepKind::Poll | StepKind::Scale, 1) | (StepKind::Choices, _) => {
                    Ok(join(picked.iter().map(|i| i.to_string()).collect()))
                }
                _ => Err("Choose one option only".into()),
            }
        }
        StepKind::Words => check_word(field("word")).map_err(str::to_string),
        StepKind::Dots => {
            let mut placed = Vec::new();
            let mut total = 0;
            for i in 1..=n {
                match field(&format!("dots_{i}")) {
                    "" | "0" => {}
                    v => match v.parse::<i64>() {
                        Ok(d) if (1..=step.dots).contains(&d) => {
                            placed.push(format!("{i}:{d}"));
                            total += d;
                        }
                        _ => {
                            return Err(format!(
                                "Put from 0 to {} dots on each option.",
                                step.dots
                            ));
                        }
                    },
                }
            }
            if total == 0 {
                Err("Put at least one dot on an option.".into())
            } else if total > step.dots {
                Err(format!(
                    "You have {} dots and placed {total}. Take {} off, then send again.",
                    step.dots,
                    total - step.dots
                ))
            } else {
                Ok(join(placed))
            }
        }
        StepKind::Ranking => {
            // order[place - 1] = option number.
            let mut order = vec![0usize; n];
            for i in 1..=n {
                match number_upto(field(&format!("rank_{i}")), n) {
                    Some(place) if order[place - 1] == 0 => order[place - 1] = i,
                    Some(_) => {
                        return Err(
                            "Two options have the same place. Give each option its own place."
                                .into(),
                        );
                    }
                    None => return Err(format!("Give every option a place from 1 to {n}.")),
                }
            }
            Ok(join(order.iter().map(|i| i.to_string()).collect()))
        }
        StepKind::Spectrum => match (
            number_upto(field("now"), n),
            number_upto(field("wanted"), n),
        ) {
            (Some(a), Some(b)) => Ok(format!("{a},{b}")),
            (None, _) => Err("Choose where the partnership is now.".into()),
            (_, None) => Err("Choose where you want the partnership to be.".into()),
        },
        StepKind::Grid => {
            let mut out = Vec::new();
            for i in 1..=n {
                let (x, y) = (field(&format!("x_{i}")), field(&format!("y_{i}")));
                match (x.is_empty(), y.is_empty()) {
                    (true, true) => {}
                    (false, false) => {
                        match (number_upto(x, GRID_POINTS), number_upto(y, GRID_POINTS)) {
                            (Some(x), Some(y)) => out.push(format!("{i}:{x}:{y}")),
                            _ => {
                                return Err(format!(
                                    "Use a number from 1 to {GRID_POINTS} on each scale."
                                ));
                            }
                        }
                    }
                    _ => {
                        return Err("Place each option on both scales, or leave both empty.".into());
                    }
                }
            }
            if out.is_empty() {
                Err("Place at least one option on the grid.".into())
            } else {
                Ok(join(out))
            }
        }
    }
}

/// Check a one-word answer as typed: the word as kept (lower case, single spaces),
/// or what is wrong.
pub fn check_word(typed: &str) -> Result<String, &'static str> {
    let word = typed
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    if word.is_empty() {
        Err("Type a word first")
    } else if word.chars().count() > MAX_WORD || word.split(' ').count() > 3 {
        Err("Keep it to one word, or three at most (30 characters)")
    } else {
        Ok(word)
    }
}

/// The option numbers in a stored answer (poll, choices, scale, ranking, spectrum).
pub fn answer_numbers(value: &str) -> Vec<usize> {
    value.split(',').filter_map(|v| v.parse().ok()).collect()
}

/// The numbers in each comma-separated, colon-joined part of a stored answer (dot
/// votes and grids).
fn answer_parts(value: &str) -> Vec<Vec<i64>> {
    value
        .split(',')
        .map(|p| p.split(':').filter_map(|v| v.parse().ok()).collect())
        .collect()
}

/// A stored answer as the form fields that would send it again, so a phone's form
/// shows its answer (and a refused one shows what was sent).
pub fn answer_fields(step: &Step, value: &str) -> Vec<(String, String)> {
    let pair = |k: String, v: String| (k, v);
    match step.kind {
        StepKind::Show | StepKind::Thoughts => Vec::new(),
        StepKind::Poll | StepKind::Choices | StepKind::Scale => answer_numbers(value)
            .into_iter()
            .map(|i| pair("choice".into(), i.to_string()))
            .collect(),
        StepKind::Words => vec![pair("word".into(), value.to_string())],
        StepKind::Dots => answer_parts(value)
            .into_iter()
            .filter_map(|p| match p[..] {
                [i, d] => Some(pair(format!("dots_{i}"), d.to_string())),
                _ => None,
            })
            .collect(),
        StepKind::Ranking => answer_numbers(value)
            .into_iter()
            .enumerate()
            .map(|(place, i)| pair(format!("rank_{i}"), (place + 1).to_string()))
            .collect(),
        StepKind::Spectrum => match answer_numbers(value)[..] {
            [a, b] => vec![
                pair("now".into(), a.to_string()),
                pair("wanted".into(), b.to_string()),
            ],
            _ => Vec::new(),
        },
        StepKind::Grid => answer_parts(value)
            .into_iter()
            .filter_map(|p| match p[..] {
                [i, x, y] => Some([
                    pair(format!("x_{i}"), x.to_string()),
                    pair(format!("y_{i}"), y.to_string()),
                ]),
                _ => None,
            })
            .flatten()
            .collect(),
    }
}

/// A stored answer in words ("Collaborating now, Integrating wanted"), for a late
/// answer shown back to its sender.
pub fn describe_answer(step: &Step, value: &str) -> String {
    let choices = step.choices();
    let label = |i: usize| choices.get(i.wrapping_sub(1)).cloned().unwrap_or_default();
    match step.kind {
        StepKind::Show | StepKind::Thoughts => String::new(),
        StepKind::Words => format!("“{value}”"),
        StepKind::Poll | StepKind::Choices | StepKind::Scale => answer_numbers(value)
            .into_iter()
            .map(label)
            .collect::<Vec<_>>()
            .join(", "),
        StepKind::Ranking => answer_numbers(value)
            .into_iter()
            .enumerate()
            .map(|(p, i)| format!("{}. {}", p + 1, label(i)))
            .collect::<Vec<_>>()
            .join("; "),
        StepKind::Spectrum => match answer_numbers(value)[..] {
            [a, b] => format!("{} now, {} wanted", label(a), label(b)),
            _ => String::new(),
        },
        StepKind::Dots => answer_parts(value)
            .into_iter()
            .filter_map(|p| match p[..] {
                [i, d] => Some(format!("{}: {d}", label(i as usize))),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join(", "),
        StepKind::Grid => answer_parts(value)
            .into_iter()
            .filter_map(|p| match p[..] {
                [i, x, y] => Some(format!("{} at {x}, {y}", label(i as usize))),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join("; "),
    }
}

/// Check a thought as typed: the text to keep, or what is wrong.
pub fn check_thought(typed: &str) -> Result<String, &'static str> {
    let t = typed.trim();
    if t.is_empty() {
        return Err("Write your thought first");
    }
    if t.chars().count() > MAX_THOUGHT {
        return Err("Keep a thought to 280 characters or fewer (send a second one for more)");
    }
    Ok(t.to_string())
}

/// One phone's answer to a step, as the results are counted from it.
#[derive(Debug, Clone)]
pub struct LiveAnswer {
    /// The phone.
    pub participant_id: Id,
    /// The stored value (see [`check_answer`]).
    pub value: String,
    /// The sender as the facilitator sees them in a named step.
    pub name: String,
    /// The organisation they chose, if any.
    pub organisation: Option<String>,
}

/// One option's count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Count {
    /// The option's words.
    pub label: String,
    /// Chosen on phones (for a dot vote, dots; for a ranking, points).
    pub phones: i64,
    /// Counted by hand (a show of hands, paper slips).
    pub hands: i64,
    /// Who chose it, for named steps (empty for anonymous ones).
    pub names: Vec<String>,
}

impl Count {
    /// Phones and hands together.
    pub fn total(&self) -> i64 {
        self.phones + self.hands
    }
}

/// Where people placed one option of a grid.
#[derive(Debug, Clone, PartialEq)]
pub struct Place {
    /// The option's words.
    pub label: String,
    /// Each placement: (across, up), 1 to [`GRID_POINTS`].
    pub points: Vec<(i64, i64)>,
    /// Who placed it, for named steps.
    pub names: Vec<String>,
}

impl Place {
    /// The average placement, if anyone placed it.
    pub fn mean(&self) -> Option<(f64, f64)> {
        let n = self.points.len() as f64;
        (n > 0.0).then(|| {
            let (x, y) = self
                .points
                .iter()
                .fold((0, 0), |(a, b), (x, y)| (a + x, b + y));
            (x as f64 / n, y as f64 / n)
        })
    }
}

/// One organisation's answers, shown only for groups of [`super::stock::MIN_GROUP`]
/// or more people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// The organisation's name.
    pub name: String,
    /// People from it who answered.
    pub people: i64,
    /// Per option, its count among them (the spectrum: where they are now).
    pub counts: Vec<i64>,
    /// The spectrum only: where they want to be.
    pub wanted: Vec<i64>,
}

/// A step's answers counted per option.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tally {
    /// Each option's count, in order (a ranking: most points first; one word: the
    /// most common words first; the spectrum: where we are now).
    pub counts: Vec<Count>,
    /// The spectrum only: where people want the partnership to be.
    pub wanted: Vec<Count>,
    /// A grid only: where each option was placed.
    pub places: Vec<Place>,
    /// Organisations with enough people answering to be shown apart.
    pub groups: Vec<Group>,
    /// People who answered on a phone.
    pub answered: i64,
    /// Answers counted by hand.
    pub hands: i64,
}

/// What the numbers in a step's results count.
pub fn unit(kind: StepKind) -> &'static str {
    match kind {
        StepKind::Dots => "Dots",
        StepKind::Ranking => "Points",
        _ => "People",
    }
}

/// Counts, wanted counts (spectrum) and places (grid) of `answers`.
fn count_answers(step: &Step, answers: &[&LiveAnswer]) -> (Vec<Count>, Vec<Count>, Vec<Place>) {
    let labels = step.choices();
    let blank = || -> Vec<Count> {
        labels
            .iter()
            .map(|label| Count {
                label: label.clone(),
                phones: 0,
                hands: 0,
                names: Vec::new(),
            })
            .collect()
    };
    let named = !step.anonymous;
    let add = |counts: &mut Vec<Count>, i: usize, n: i64, name: &str| {
        if let Some(c) = counts.get_mut(i.wrapping_sub(1)) {
            c.phones += n;
            if named {
                c.names.push(name.to_string());
            }
        }
    };
    let mut counts = Vec::new();
    let mut wanted = Vec::new();
    let mut places = Vec::new();
    match step.kind {
        StepKind::Show | StepKind::Thoughts => {}
        StepKind::Poll | StepKind::Choices | StepKind::Scale => {
            counts = blank();
            for a in answers {
                for i in answer_numbers(&a.value) {
                    add(&mut counts, i, 1, &a.name);
                }
            }
        }
        StepKind::Dots => {
            counts = blank();
            for a in answers {
                for p in answer_parts(&a.value) {
                    if let [i, d] = p[..] {
                        let name = if d > 1 {
                            format!("{} ×{d}", a.name)
                        } else {
                            a.name.clone()
                        };
                        add(&mut counts, i as usize, d, &name);
                    }
                }
            }
        }
        StepKind::Ranking => {
            // A first place earns as many points as there are options, the last one.
            counts = blank();
            let n = labels.len();
            for a in answers {
                for (place, i) in answer_numbers(&a.value).into_iter().enumerate() {
                    let name = format!("{} ({})", a.name, place + 1);
                    add(&mut counts, i, n.saturating_sub(place) as i64, &name);
                }
            }
            counts.sort_by_key(|c| std::cmp::Reverse(c.phones));
        }
        StepKind::Spectrum => {
            counts = blank();
            wanted = blank();
            for a in answers {
                if let [now, want] = answer_numbers(&a.value)[..] {
                    add(&mut counts, now, 1, &a.name);
                    add(&mut wanted, want, 1, &a.name);
                }
            }
        }
        StepKind::Words => {
            let mut words: Vec<Count> = Vec::new();
            for a in answers {
                match words.iter_mut().find(|c| c.label == a.value) {
                    Some(c) => {
                        c.phones += 1;
                        if named {
                            c.names.push(a.name.clone());
                        }
                    }
                    None => words.push(Count {
                        label: a.value.clone(),
                        phones: 1,
                        hands: 0,
                        names: if named {
                            vec![a.name.clone()]
                        } else {
                            Vec::new()
                        },
                    }),
                }
            }
            words.sort_by(|x, y| y.phones.cmp(&x.phones).then_with(|| x.label.cmp(&y.label)));
            counts = words;
        }
        StepKind::Grid => {
            places = labels
                .iter()
                .map(|label| Place {
                    label: label.clone(),
                    points: Vec::new(),
                    names: Vec::new(),
                })
                .collect();
            for a in answers {
                for p in answer_parts(&a.value) {
                    if let [i, x, y] = p[..]
                        && let Some(place) = places.get_mut((i as usize).wrapping_sub(1))
                    {
                        place.points.push((x, y));
                        if named {
                            place.names.push(a.name.clone());
                        }
                    }
                }
            }
        }
    }
    (counts, wanted, places)
}

impl Tally {
    /// Count `answers` and `hands` ((option number, count)) for `step`. Names are
    /// kept only for named steps; organisations are shown apart only where
    /// [`super::stock::MIN_GROUP`] or more of their people answered.
    pub fn count(step: &Step, answers: &[LiveAnswer], hands: &[(i64, i64)]) -> Tally {
        let all: Vec<&LiveAnswer> = answers.iter().collect();
        let (mut counts, wanted, places) = count_answers(step, &all);
        let mut hand_total = 0;
        if step.kind.takes_hands() {
            for (choice, n) in hands {
                if let Some(c) = counts.get_mut((*choice as usize).wrapping_sub(1)) {
                    c.hands += n;
                    hand_total += n;
                }
            }
        }
        let mut groups = Vec::new();
        if step.kind.by_organisation() {
            let mut names: Vec<&str> = answers
                .iter()
                .filter_map(|a| a.organisation.as_deref())
                .collect();
            names.sort_unstable();
            names.dedup();
            for name in names {
                let theirs: Vec<&LiveAnswer> = answers
                    .iter()
                    .filter(|a| a.organisation.as_deref() == Some(name))
                    .collect();
                if (theirs.len() as i64) < super::stock::MIN_GROUP {
                    continue;
                }
                let (c, w, _) = count_answers(step, &theirs);
                groups.push(Group {
                    name: name.to_string(),
                    people: theirs.len() as i64,
                    counts: c.iter().map(|c| c.phones).collect(),
                    wanted: w.iter().map(|c| c.phones).collect(),
                });
            }
        }
        Tally {
            counts,
            wanted,
            places,
            groups,
            answered: answers.len() as i64,
            hands: hand_total,
        }
    }

    /// The largest option's total (for drawing bars).
    pub fn most(&self) -> i64 {
        self.counts
            .iter()
            .chain(&self.wanted)
            .map(Count::total)
            .max()
            .unwrap_or(0)
    }

    /// For an agreement scale: the mean point (1 to 5), if anyone answered.
    pub fn mean(&self) -> Option<f64> {
        mean_point(&self.counts)
    }

    /// The tally as the room may see it: nobody's name beside what they chose (names
    /// are the facilitator's to see, in named steps only).
    pub fn without_names(mut self) -> Self {
        for c in self.counts.iter_mut().chain(self.wanted.iter_mut()) {
            c.names.clear();
        }
        for p in &mut self.places {
            p.names.clear();
        }
        self
    }

    /// The results in words, for the record and for screen readers: "Agree: 5 (+2 by
    /// show of hands)".
    pub fn lines(&self, kind: StepKind) -> Vec<String> {
        let unit = match kind {
            StepKind::Dots => " dots",
            StepKind::Ranking => " points",
            _ => "",
        };
        let line = |prefix: &str, c: &Count| {
            let mut s = format!("{prefix}{}: {}{unit}", c.label, c.total());
            if c.hands > 0 {
                s.push_str(&format!(" (+{} by show of hands)", c.hands));
            }
            if !c.names.is_empty() {
                s.push_str(&format!(" — {}", c.names.join(", ")));
            }
            s
        };
        match kind {
            StepKind::Spectrum => self
                .counts
                .iter()
                .map(|c| line("Now, ", c))
                .chain(self.wanted.iter().map(|c| line("Wanted, ", c)))
                .collect(),
            StepKind::Grid => self
                .places
                .iter()
                .map(|p| match p.mean() {
                    Some((x, y)) => {
                        let mut s = format!(
                            "{}: placed by {}, on average {x:.1} across and {y:.1} up",
                            p.label,
                            p.points.len()
                        );
                        if !p.names.is_empty() {
                            s.push_str(&format!(" — {}", p.names.join(", ")));
                        }
                        s
                    }
                    None => format!("{}: not placed", p.label),
                })
                .collect(),
            _ => self.counts.iter().map(|c| line("", c)).collect(),
        }
    }
}

/// The mean point (from 1) of counts over a scale's points, if any were chosen.
pub fn mean_point(counts: &[Count]) -> Option<f64> {
    let (sum, n) = counts
        .iter()
        .enumerate()
        .fold((0i64, 0i64), |(s, n), (i, c)| {
            (s + (i as i64 + 1) * c.total(), n + c.total())
        });
    (n > 0).then(|| sum as f64 / n as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn thought(id: Id, grouped_into: Option<Id>) -> Thought {
        Thought {
            id,
            step_id: 1,
            participant_id: id,
            body: format!("thought {id}"),
            created_at: 0,
            released_at: Some(1),
            grouped_into,
            author: String::new(),
        }
    }

    #[test]
    fn groups_show_once_with_how_many_said_the_same() {
        let all = vec![
            thought(1, None),
            thought(2, Some(1)),
            thought(3, None),
            thought(4, Some(1)),
            thought(5, Some(9)),
        ];
        let shown: Vec<(Id, usize)> = grouped_thoughts(&all.iter().collect::<Vec<_>>())
            .into_iter()
            .map(|(t, n)| (t.id, n))
            .collect();
        // 5's group starts with a thought not shown (held or deleted): it stands alone.
        assert_eq!(shown, vec![(1, 2), (3, 0), (5, 0)]);
        // Without the first thought (still held), its group's others stand alone.
        let released: Vec<Thought> = all.into_iter().filter(|t| t.id != 1).collect();
        let shown: Vec<(Id, usize)> = grouped_thoughts(&released.iter().collect::<Vec<_>>())
            .into_iter()
            .map(|(t, n)| (t.id, n))
            .collect();
        assert_eq!(shown, vec![(2, 0), (3, 0), (4, 0), (5, 0)]);
        assert_eq!(similar_label(&2), "(+2 similar)");
        assert_eq!(similar_label(&0), "");
    }

    fn step(kind: StepKind, options: &str) -> Step {
        Step {
            id: 1,
            session_id: 1,
            position: 1,
            item_id: None,
            title: "Q".into(),
            prompt: String::new(),
            theme_name: String::new(),
            colour: String::new(),
            kind,
            options: options.into(),
            anonymous: true,
            state: StepState::Open,
            revealed: false,
            minutes: 0,
            timer_ends: None,
            opening: 1,
            kept_at: None,
            dots: 3,
            axes: String::new(),
            script: String::new(),
        }
    }

    fn form(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn answer(value: &str, name: &str, org: Option<&str>) -> LiveAnswer {
        LiveAnswer {
            participant_id: 1,
            value: value.into(),
            name: name.into(),
            organisation: org.map(str::to_string),
        }
    }

    #[test]
    fn codes_have_no_look_alikes() {
        for c in [b'0', b'O', b'1', b'I', b'L'] {
            assert!(!CODE_ALPHABET.contains(&c));
        }
        assert_eq!(CODE_ALPHABET.len(), 31);
        let code = code_from([0, 30, 31, 255, 100, 7]);
        assert_eq!(code.len(), 6);
        assert_eq!(normalise_code(&code.to_lowercase()), Some(code.clone()));
        assert_eq!(
            normalise_code(&format!(" {}-{} ", &code[..3], &code[3..])),
            Some(code)
        );
        assert_eq!(normalise_code("ABC12"), None);
        assert_eq!(normalise_code("ABCDE0"), None);
        assert_eq!(normalise_code("ABCDEFG"), None);
    }

    #[test]
    fn answers_are_checked_against_the_options() {
        let poll = step(StepKind::Poll, "Yes\nNo\n\n Maybe ");
        assert_eq!(poll.choices(), ["Yes", "No", "Maybe"]);
        let pick = |s: &Step, v: &[&str]| {
            let f: Vec<(&str, &str)> = v.iter().map(|v| ("choice", *v)).collect();
            check_answer(s, &form(&f))
        };
        assert_eq!(pick(&poll, &["2"]), Ok("2".into()));
        assert!(pick(&poll, &["4"]).is_err());
        assert!(pick(&poll, &["0"]).is_err());
        assert!(pick(&poll, &["x"]).is_err());
        assert!(pick(&poll, &[]).is_err());
        assert!(pick(&poll, &["1", "2"]).is_err());
        let many = step(StepKind::Choices, "A\nB\nC");
        assert_eq!(pick(&many, &["3", "1", "3"]), Ok("1,3".into()));
        let scale = step(StepKind::Scale, "");
        assert_eq!(pick(&scale, &["5"]), Ok("5".into()));
        assert!(pick(&scale, &["6"]).is_err());
    }

    #[test]
    fn every_kind_reads_back_what_it_stored() {
        type Case<'a> = (Step, Vec<(&'a str, &'a str)>, &'a str);
        let cases: Vec<Case> = vec![
            (
                step(StepKind::Words, ""),
                vec![("word", "  Trust  Me ")],
                "trust me",
            ),
            (
                step(StepKind::Dots, "A\nB\nC"),
                vec![("dots_1", "2"), ("dots_2", "0"), ("dots_3", "1")],
                "1:2,3:1",
            ),
            (
                step(StepKind::Ranking, "A\nB\nC"),
                vec![("rank_1", "2"), ("rank_2", "3"), ("rank_3", "1")],
                "3,1,2",
            ),
            (
                step(StepKind::Spectrum, ""),
                vec![("now", "2"), ("wanted", "3")],
                "2,3",
            ),
            (
                step(StepKind::Grid, "A\nB"),
                vec![("x_1", "5"), ("y_1", "1"), ("x_2", ""), ("y_2", "")],
                "1:5:1",
            ),
        ];
        for (s, f, stored) in cases {
            assert_eq!(
                check_answer(&s, &form(&f)).as_deref(),
                Ok(stored),
                "{:?}",
                s.kind
            );
            let again = answer_fields(&s, stored);
            assert_eq!(
                check_answer(&s, &again).as_deref(),
                Ok(stored),
                "{:?}",
                s.kind
            );
            assert!(!describe_answer(&s, stored).is_empty());
        }
        let s = step(StepKind::Spectrum, "");
        assert_eq!(
            describe_answer(&s, "2,3"),
            "Co-ordinating now, Collaborating wanted"
        );
    }

    #[test]
    fn impossible_answers_say_why() {
        let dots = step(StepKind::Dots, "A\nB");
        let e = check_answer(&dots, &form(&[("dots_1", "3"), ("dots_2", "2")])).unwrap_err();
        assert!(e.contains("placed 5"), "{e}");
        assert!(check_answer(&dots, &form(&[("dots_1", "-1")])).is_err());
        assert!(check_answer(&dots, &form(&[("dots_9", "1")])).is_err());
        let rank = step(StepKind::Ranking, "A\nB");
        assert!(check_answer(&rank, &form(&[("rank_1", "1"), ("rank_2", "1")])).is_err());
        assert!(check_answer(&rank, &form(&[("rank_1", "1")])).is_err());
        let spec = step(StepKind::Spectrum, "");
        assert!(check_answer(&spec, &form(&[("now", "5"), ("wanted", "1")])).is_err());
        let grid = step(StepKind::Grid, "A");
        assert!(check_answer(&grid, &form(&[("x_1", "3")])).is_err());
        assert!(check_answer(&grid, &form(&[("x_1", "6"), ("y_1", "1")])).is_err());
        assert!(check_answer(&grid, &form(&[])).is_err());
        let words = step(StepKind::Words, "");
        assert!(check_answer(&words, &form(&[("word", " ")])).is_err());
        assert!(check_answer(&words, &form(&[("word", "one two three four")])).is_err());
        assert!(check_answer(&step(StepKind::Show, ""), &[]).is_err());
    }

    #[test]
    fn options_and_thoughts_have_limits() {
        assert!(check_options("Only one").is_err());
        assert_eq!(check_options(" A \n\nB"), Ok("A\nB".into()));
        assert!(check_options(&"x\n".repeat(13)).is_err());
        assert!(check_thought("   ").is_err());
        assert!(check_thought(&"a".repeat(281)).is_err());
        assert_eq!(check_thought(" fine "), Ok("fine".into()));
    }

    #[test]
    fn tallies_add_hands_and_keep_names_only_when_named() {
        let mut poll = step(StepKind::Poll, "Yes\nNo");
        let answers = vec![
            answer("1", "Ann", None),
            answer("1", "Bo", None),
            answer("2", "Cy", None),
        ];
        let t = Tally::count(&poll, &answers, &[(2, 7), (9, 4)]);
        assert_eq!(t.counts[0].total(), 2);
        assert_eq!(t.counts[1].total(), 8);
        assert_eq!(t.hands, 7);
        assert!(t.counts.iter().all(|c| c.names.is_empty()));
        assert_eq!(t.lines(poll.kind)[1], "No: 8 (+7 by show of hands)");
        poll.anonymous = false;
        let named = Tally::count(&poll, &answers, &[]);
        assert_eq!(named.counts[0].names, ["Ann", "Bo"]);
        let scale = step(StepKind::Scale, "");
        let s = Tally::count(&scale, &[answer("4", "", None), answer("2", "", None)], &[]);
        assert_eq!(s.mean(), Some(3.0));
        assert_eq!(s.most(), 1);
    }

    #[test]
    fn each_kind_counts_its_own_way() {
        let dots = step(StepKind::Dots, "A\nB");
        let t = Tally::count(
            &dots,
            &[answer("1:2,2:1", "", None), answer("2:3", "", None)],
            &[(1, 4)],
        );
        assert_eq!(t.counts[0].total(), 6);
        assert_eq!(t.counts[1].total(), 4);
        assert_eq!(t.lines(dots.kind)[0], "A: 6 dots (+4 by show of hands)");

        let rank = step(StepKind::Ranking, "A\nB\nC");
        let t = Tally::count(
            &rank,
            &[answer("3,1,2", "", None), answer("3,2,1", "", None)],
            &[(1, 9)],
        );
        // C first twice: 3 + 3; A: 2 + 1; B: 1 + 2. Hands never count in a ranking.
        assert_eq!(t.counts[0].label, "C");
        assert_eq!(t.counts[0].total(), 6);
        assert_eq!(t.hands, 0);

        let words = step(StepKind::Words, "");
        let t = Tally::count(
            &words,
            &[
                answer("trust", "", None),
                answer("time", "", None),
                answer("trust", "", None),
            ],
            &[],
        );
        assert_eq!(t.counts[0].label, "trust");
        assert_eq!(t.counts[0].total(), 2);

        let spec = step(StepKind::Spectrum, "");
        let t = Tally::count(
            &spec,
            &[answer("1,3", "", None), answer("2,3", "", None)],
            &[],
        );
        assert_eq!(
            t.counts.iter().map(|c| c.phones).collect::<Vec<_>>(),
            [1, 1, 0, 0]
        );
        assert_eq!(t.wanted[2].phones, 2);
        assert_eq!(mean_point(&t.wanted), Some(3.0));

        let grid = step(StepKind::Grid, "A\nB");
        let t = Tally::count(
            &grid,
            &[answer("1:5:1", "", None), answer("1:3:3,2:1:1", "", None)],
            &[],
        );
        assert_eq!(t.places[0].mean(), Some((4.0, 2.0)));
        assert_eq!(t.places[1].points, [(1, 1)]);
        assert_eq!(grid.axes(), ["Interest", "Influence"]);
    }

    #[test]
    fn organisations_are_shown_apart_only_in_threes() {
        let poll = step(StepKind::Poll, "Yes\nNo");
        let mut answers = vec![
            answer("1", "", Some("Council")),
            answer("2", "", Some("Council")),
            answer("1", "", Some("Council")),
            answer("2", "", Some("Trust")),
            answer("2", "", Some("Trust")),
            answer("1", "", None),
        ];
        let t = Tally::count(&poll, &answers, &[]);
        assert_eq!(t.groups.len(), 1);
        assert_eq!(t.groups[0].name, "Council");
        assert_eq!(t.groups[0].counts, [2, 1]);
        answers.push(answer("1", "", Some("Trust")));
        assert_eq!(Tally::count(&poll, &answers, &[]).groups.len(), 2);
        let words = step(StepKind::Words, "");
        assert!(Tally::count(&words, &answers, &[]).groups.is_empty());
    }
}
