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
    /// One choice from a list.
    Poll,
    /// Any number of choices from a list.
    Choices,
    /// A point from "strongly disagree" to "strongly agree".
    Scale,
}

impl StepKind {
    /// Every kind, in the order the facilitator is offered them.
    pub const ALL: [StepKind; 5] = [
        StepKind::Thoughts,
        StepKind::Poll,
        StepKind::Choices,
        StepKind::Scale,
        StepKind::Show,
    ];

    /// The stored and submitted value.
    pub fn as_str(self) -> &'static str {
        match self {
            StepKind::Show => "show",
            StepKind::Thoughts => "thoughts",
            StepKind::Poll => "poll",
            StepKind::Choices => "choices",
            StepKind::Scale => "scale",
        }
    }

    /// What the facilitator reads in the list of kinds.
    pub fn label(self) -> &'static str {
        match self {
            StepKind::Show => "Just show it: people talk, nobody answers on a phone",
            StepKind::Thoughts => "Thoughts: short written answers you release to the screen",
            StepKind::Poll => "Poll: each person picks one option",
            StepKind::Choices => "Choices: each person picks as many options as they like",
            StepKind::Scale => "Agreement: from strongly disagree to strongly agree",
        }
    }

    /// Whether the kind needs a list of options.
    pub fn has_options(self) -> bool {
        matches!(self, StepKind::Poll | StepKind::Choices)
    }

    /// Whether people answer it on their phones.
    pub fn takes_answers(self) -> bool {
        !matches!(self, StepKind::Show)
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
}

impl Step {
    /// The options people choose from: the poll's own list, or the scale's points.
    pub fn choices(&self) -> Vec<String> {
        match self.kind {
            StepKind::Poll | StepKind::Choices => option_lines(&self.options),
            StepKind::Scale => SCALE.iter().map(|s| s.to_string()).collect(),
            _ => Vec::new(),
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
    /// The sender, for named steps (the store fills it in; never shown for anonymous
    /// steps).
    pub author: String,
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

/// Check an answer to a poll, choices or scale step: the numbers chosen (from 1) as
/// they are stored, or what is wrong. `chosen` is what the form sent.
pub fn check_answer(step: &Step, chosen: &[String]) -> Result<String, &'static str> {
    let n = step.choices().len();
    let mut picked: Vec<usize> = Vec::new();
    for c in chosen.iter().filter(|c| !c.trim().is_empty()) {
        match c.trim().parse::<usize>() {
            Ok(i) if (1..=n).contains(&i) => {
                if !picked.contains(&i) {
                    picked.push(i)
                }
            }
            _ => return Err("That option is not on the list. Choose from the options shown."),
        }
    }
    picked.sort_unstable();
    match (step.kind, picked.len()) {
        (_, 0) => Err("Choose an option first"),
        (StepKind::Poll | StepKind::Scale, 1) | (StepKind::Choices, _) => Ok(picked
            .iter()
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(",")),
        _ => Err("Choose one option only"),
    }
}

/// The option numbers in a stored answer.
pub fn answer_numbers(value: &str) -> Vec<usize> {
    value.split(',').filter_map(|v| v.parse().ok()).collect()
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

/// One option's count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Count {
    /// The option's words.
    pub label: String,
    /// Chosen on phones.
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

/// A step's answers counted per option.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    /// Each option's count, in order.
    pub counts: Vec<Count>,
    /// People who answered on a phone.
    pub answered: i64,
    /// Answers counted by hand.
    pub hands: i64,
}

impl Tally {
    /// Count `answers` ((value, name) per phone; names are used only for named steps)
    /// and `hands` ((option number, count)) for `step`.
    pub fn count(step: &Step, answers: &[(String, String)], hands: &[(i64, i64)]) -> Tally {
        let mut counts: Vec<Count> = step
            .choices()
            .into_iter()
            .map(|label| Count {
                label,
                phones: 0,
                hands: 0,
                names: Vec::new(),
            })
            .collect();
        for (value, name) in answers {
            for i in answer_numbers(value) {
                if let Some(c) = counts.get_mut(i.wrapping_sub(1)) {
                    c.phones += 1;
                    if !step.anonymous {
                        c.names.push(name.clone());
                    }
                }
            }
        }
        let mut hand_total = 0;
        for (choice, n) in hands {
            if let Some(c) = counts.get_mut((*choice as usize).wrapping_sub(1)) {
                c.hands += n;
                hand_total += n;
            }
        }
        Tally {
            counts,
            answered: answers.len() as i64,
            hands: hand_total,
        }
    }

    /// The largest option's total (for drawing bars).
    pub fn most(&self) -> i64 {
        self.counts.iter().map(Count::total).max().unwrap_or(0)
    }

    /// For an agreement scale: the mean point (1 to 5), if anyone answered.
    pub fn mean(&self) -> Option<f64> {
        let (sum, n) = self
            .counts
            .iter()
            .enumerate()
            .fold((0i64, 0i64), |(s, n), (i, c)| {
                (s + (i as i64 + 1) * c.total(), n + c.total())
            });
        (n > 0).then(|| sum as f64 / n as f64)
    }

    /// The results in words, for the record and for screen readers: "Agree: 5 (+2 by
    /// show of hands)".
    pub fn lines(&self) -> Vec<String> {
        self.counts
            .iter()
            .map(|c| {
                let mut s = format!("{}: {}", c.label, c.total());
                if c.hands > 0 {
                    s.push_str(&format!(" (+{} by show of hands)", c.hands));
                }
                if !c.names.is_empty() {
                    s.push_str(&format!(" — {}", c.names.join(", ")));
                }
                s
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(check_answer(&poll, &["2".into()]), Ok("2".into()));
        assert!(check_answer(&poll, &["4".into()]).is_err());
        assert!(check_answer(&poll, &["0".into()]).is_err());
        assert!(check_answer(&poll, &["x".into()]).is_err());
        assert!(check_answer(&poll, &[]).is_err());
        assert!(check_answer(&poll, &["1".into(), "2".into()]).is_err());
        let many = step(StepKind::Choices, "A\nB\nC");
        assert_eq!(
            check_answer(&many, &["3".into(), "1".into(), "3".into()]),
            Ok("1,3".into())
        );
        let scale = step(StepKind::Scale, "");
        assert_eq!(check_answer(&scale, &["5".into()]), Ok("5".into()));
        assert!(check_answer(&scale, &["6".into()]).is_err());
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
            ("1".to_string(), "Ann".to_string()),
            ("1".to_string(), "Bo".to_string()),
            ("2".to_string(), "Cy".to_string()),
        ];
        let t = Tally::count(&poll, &answers, &[(2, 7), (9, 4)]);
        assert_eq!(t.counts[0].total(), 2);
        assert_eq!(t.counts[1].total(), 8);
        assert_eq!(t.hands, 7);
        assert!(t.counts.iter().all(|c| c.names.is_empty()));
        assert_eq!(t.lines()[1], "No: 8 (+7 by show of hands)");
        poll.anonymous = false;
        let named = Tally::count(&poll, &answers, &[]);
        assert_eq!(named.counts[0].names, ["Ann", "Bo"]);
        let scale = step(StepKind::Scale, "");
        let s = Tally::count(
            &scale,
            &[("4".into(), String::new()), ("2".into(), String::new())],
            &[],
        );
        assert_eq!(s.mean(), Some(3.0));
        assert_eq!(s.most(), 1);
    }
}
