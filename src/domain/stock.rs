//! Taking stock: rounds of an instrument, answers, paper tallies, and the rules that
//! turn counts of answers into results — scores, the spread of answers, the gaps
//! between organisations, and which items people disagree about most.
//!
//! Everything here works from counts (how many people in each group chose each
//! answer), so results pages aggregate in SQL and never walk every answer.

use std::collections::HashMap;

use super::instruments::{Instrument, Item, Scale, Section};
use super::model::Id;
use super::{Timestamp, format_date};

/// In anonymous rounds no group smaller than this is ever shown on its own.
pub const MIN_GROUP: i64 = 3;

/// Items and principles whose divergence reaches this are listed as "where you differ".
pub const DIVERGENCE_WORTH_TALKING: i64 = 20;

/// How far apart answers were, in words people use (for a divergence of 0–100).
pub fn differ_words(divergence: impl Plain<i64>) -> &'static str {
    match divergence.plain() {
        70.. => "People answered very differently",
        45..70 => "People answered quite differently",
        _ => "Some people answered differently",
    }
}

/// A round of an instrument, with how many have answered.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Round {
    /// Its id.
    pub id: Id,
    /// The partnership it belongs to.
    pub partnership_id: Id,
    /// The instrument version asked.
    pub instrument_id: Id,
    /// Which instrument.
    pub instrument_key: String,
    /// Which version of its wording.
    pub instrument_version: i64,
    /// The instrument's title.
    pub instrument_title: String,
    /// Its title.
    pub title: String,
    /// First and last day people may answer (YYYY-MM-DD, UK time).
    pub opens_on: String,
    /// Its last day (YYYY-MM-DD).
    pub closes_on: String,
    /// Whether names are kept from everyone.
    pub anonymous: bool,
    /// Whether every member may see the results (leads always can).
    pub revealed: bool,
    /// Set when a lead closes the round before its closing date.
    pub closed_at: Option<Timestamp>,
    /// Bumped by every change to the answers or paper tallies.
    pub changes: i64,
    /// Who opened it.
    pub created_by_name: Option<String>,
    /// When it was made.
    pub created_at: Timestamp,
    /// Answer sets sent (not drafts).
    pub answered: i64,
    /// People counted through paper tallies.
    pub paper: i64,
}

/// Where a round stands on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoundState {
    /// Before its first day.
    NotOpenYet,
    /// Taking answers.
    Open,
    /// Past its last day, or closed early.
    Closed,
}

/// Where a round with these days stands on `today` (all YYYY-MM-DD): closed early,
/// past its last day, before its first, or open.
pub fn round_state(opens_on: &str, closes_on: &str, closed_early: bool, today: &str) -> RoundState {
    if closed_early || today > closes_on {
        RoundState::Closed
    } else if today < opens_on {
        RoundState::NotOpenYet
    } else {
        RoundState::Open
    }
}

impl Round {
    /// Whether the round is open on `today` (YYYY-MM-DD in the partnership's zone).
    pub fn state(&self, today: &str) -> RoundState {
        round_state(
            &self.opens_on,
            &self.closes_on,
            self.closed_at.is_some(),
            today,
        )
    }

    /// Results show once the round has closed, or earlier if a lead reveals them.
    pub fn results_visible(&self, today: &str) -> bool {
        self.revealed || self.state(today) == RoundState::Closed
    }

    /// "Open until 14 March 2031", "Closed on 2 March 2031", "Opens on …".
    pub fn state_phrase(&self, today: &str) -> String {
        match self.state(today) {
            RoundState::NotOpenYet => format!("Opens on {}", day_words(&self.opens_on)),
            RoundState::Open => format!("Open until the end of {}", day_words(&self.closes_on)),
            RoundState::Closed => match self.closed_at {
                Some(t) => format!("Closed early on {}", format_date(t)),
                None => format!("Closed at the end of {}", day_words(&self.closes_on)),
            },
        }
    }

    /// How many people answered, in words.
    pub fn answered_phrase(&self) -> String {
        let online = match self.answered {
            1 => "1 person answered".to_string(),
            n => format!("{n} people answered"),
        };
        if self.paper > 0 {
            format!("{online}, plus {} on paper", self.paper)
        } else {
            online
        }
    }

    /// "Anonymous" or "Named".
    pub fn mode_label(&self) -> &'static str {
        if self.anonymous { "Anonymous" } else { "Named" }
    }
}

/// A YYYY-MM-DD day in words ("14 March 2031"), or as given if it does not parse.
pub fn day_words(day: &str) -> String {
    super::time::format_day(day)
}

/// What a lead chooses when opening a round.
#[derive(Debug, Clone, Default)]
pub struct RoundFields {
    /// The instrument version to ask.
    pub instrument_id: Id,
    /// Its title.
    pub title: String,
    /// Its first day (YYYY-MM-DD).
    pub opens_on: String,
    /// Its last day (YYYY-MM-DD).
    pub closes_on: String,
    /// Whether names are kept from everyone.
    pub anonymous: bool,
}

/// One person's answers to a round (sent, or a half-finished draft).
#[derive(Debug, Clone, Default)]
pub struct AnswerSet {
    /// Its id.
    pub id: Id,
    /// When it was sent; none while a draft.
    pub submitted_at: Option<Timestamp>,
    /// When it was last changed.
    pub updated_at: Timestamp,
    /// (item key, option key)
    pub answers: Vec<(String, String)>,
}

impl AnswerSet {
    /// The answer given to `item`, if any.
    pub fn get(&self, item: &str) -> Option<&str> {
        self.answers
            .iter()
            .find(|(i, _)| i == item)
            .map(|(_, o)| o.as_str())
    }
}

/// A batch of printed copies entered by hand.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PaperBatch {
    /// Its id.
    pub id: Id,
    /// The organisation the forms came from (may be empty).
    pub organisation_name: String,
    /// How many forms.
    pub forms: i64,
    /// A note for the record.
    pub note: String,
    /// Who typed them in.
    pub entered_by: Option<Id>,
    /// Their name.
    pub entered_by_name: Option<String>,
    /// When.
    pub entered_at: Timestamp,
}

/// How many in `group` chose `option` for `item`.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Tally {
    /// The organisation (the group results are split by).
    pub group_name: String,
    /// The item.
    pub item_key: String,
    /// The answer.
    pub option_key: String,
    /// How many gave it.
    pub count: i64,
}

/// How many answer sets (online and on paper) a group has.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct GroupSize {
    /// The organisation.
    pub group_name: String,
    /// People who answered online.
    pub people: i64,
    /// Paper forms.
    pub paper: i64,
}

/// One named answer, for the lead's raw export of a named round.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RawAnswer {
    /// Who answered.
    pub person: String,
    /// Their organisation.
    pub organisation: String,
    /// The item.
    pub item_key: String,
    /// The answer.
    pub option_key: String,
    /// When they sent it.
    pub submitted_at: Timestamp,
}

/// A checklist statement's state in one partnership.
#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct Tick {
    /// The checklist statement (`section/entry`).
    pub entry_key: String,
    /// Whether it is true now.
    pub done: bool,
    /// What the partnership wrote.
    pub note: String,
    /// Where the evidence is (may be empty).
    pub evidence_url: String,
    /// Who last marked it done.
    pub ticked_by_name: Option<String>,
    /// When.
    pub ticked_at: Option<Timestamp>,
    /// The action made from it, if any.
    pub action_id: Option<Id>,
    /// That action's title.
    pub action_title: Option<String>,
    /// That action's status.
    pub action_status: Option<String>,
    /// Bumped by every change; an edit names the version it started from, so two people never overwrite each other unseen.
    pub version: i64,
}

// ---------------------------------------------------------------- groups

/// A column of results: everyone, one organisation, or small organisations pooled.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// The column heading.
    pub name: String,
    /// The answer-set groups (organisation names) counted in this column.
    pub members: Vec<String>,
    /// People who answered online.
    pub people: i64,
    /// Paper forms.
    pub paper: i64,
    /// Whether this is the everyone column.
    pub everyone: bool,
}

/// Which columns results may show.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupPlan {
    /// Empty when nothing may be shown (an anonymous round with too few answers).
    pub shown: Vec<Group>,
    /// Why some breakdown is missing, in words.
    pub note: Option<String>,
}

/// Decide the columns. Named rounds show every organisation. Anonymous rounds show
/// nothing until [`MIN_GROUP`] people have answered, show an organisation only when it
/// has at least that many, and pool the smaller ones — unless the pool itself would be
/// smaller than that, in which case no organisation is shown apart from everyone (so
/// no small group can be worked out by subtraction either).
pub fn plan_groups(sizes: &[GroupSize], anonymous: bool) -> GroupPlan {
    let total: i64 = sizes.iter().map(|g| g.people).sum();
    let paper: i64 = sizes.iter().map(|g| g.paper).sum();
    if total == 0 {
        return GroupPlan {
            shown: vec![],
            note: Some("Nobody has answered yet.".into()),
        };
    }
    if anonymous && total < MIN_GROUP {
        return GroupPlan {
            shown: vec![],
            note: Some(format!(
                "This round is anonymous, so results appear once at least {MIN_GROUP} people have answered."
            )),
        };
    }
    let everyone = Group {
        name: "Everyone".into(),
        members: sizes.iter().map(|g| g.group_name.clone()).collect(),
        people: total,
        paper,
        everyone: true,
    };
    let mut sorted: Vec<&GroupSize> = sizes.iter().filter(|g| g.people > 0).collect();
    sorted.sort_by(|a, b| {
        a.group_name
            .to_lowercase()
            .cmp(&b.group_name.to_lowercase())
    });
    let one = |g: &GroupSize| Group {
        name: group_label(&g.group_name),
        members: vec![g.group_name.clone()],
        people: g.people,
        paper: g.paper,
        everyone: false,
    };
    if !anonymous {
        let mut shown = vec![everyone];
        shown.extend(sorted.into_iter().map(one));
        return GroupPlan { shown, note: None };
    }
    let (big, small): (Vec<&GroupSize>, Vec<&GroupSize>) =
        sorted.into_iter().partition(|g| g.people >= MIN_GROUP);
    let pooled: i64 = small.iter().map(|g| g.people).sum();
    let mut shown = vec![everyone];
    if small.is_empty() {
        shown.extend(big.into_iter().map(one));
        return GroupPlan { shown, note: None };
    }
    // With no organisation big enough on its own, a pool of everyone says nothing new.
    if pooled < MIN_GROUP || big.is_empty() {
        return GroupPlan {
            shown,
            note: Some(format!(
                "This round is anonymous. Some organisations had fewer than {MIN_GROUP} people answering, so results are shown for everyone together, not per organisation."
            )),
        };
    }
    shown.extend(big.into_iter().map(one));
    shown.push(Group {
        name: "Other organisations".into(),
        members: small.iter().map(|g| g.group_name.clone()).collect(),
        people: pooled,
        paper: small.iter().map(|g| g.paper).sum(),
        everyone: false,
    });
    GroupPlan {
        shown,
        note: Some(format!(
            "This round is anonymous. Organisations with fewer than {MIN_GROUP} people answering are counted together under \"Other organisations\"."
        )),
    }
}

/// The name shown for an answer-set group.
pub fn group_label(name: &str) -> String {
    if name.is_empty() {
        "Organisation not given".into()
    } else {
        name.to_string()
    }
}

// ---------------------------------------------------------------- results

/// One item's results.
#[derive(Debug, Clone)]
pub struct ItemResult {
    /// The item.
    pub key: String,
    /// Its statement.
    pub text: String,
    /// (key, label, points out of 100) per option, in the scale's order.
    pub options: Vec<(String, String, Option<i64>)>,
    /// Per shown group, a count per option.
    pub counts: Vec<Vec<i64>>,
    /// Per shown group, the share per option as whole percentages adding up to 100.
    pub shares: Vec<Vec<i64>>,
    /// Per shown group, the 0–100 score (None: nobody gave a scored answer).
    pub scores: Vec<Option<i64>>,
    /// How far people's answers spread (0 = all the same, 100 = split between ends).
    pub spread: i64,
    /// The largest gap between two organisations' scores.
    pub gap: i64,
    /// How much people differ on it: the larger of the spread and the gap.
    pub divergence: i64,
    /// Card themes (`deck/theme`) to talk it through with.
    pub suggest: Vec<String>,
    /// What a low score usually means and what helps.
    pub guidance: String,
}

/// A plain value, however many references deep: templates hand loop variables and
/// fields over by reference (one or two levels), and helpers take any of them.
pub trait Plain<T> {
    /// The value itself.
    fn plain(self) -> T;
}
impl<T> Plain<T> for T {
    fn plain(self) -> T {
        self
    }
}
impl<T: Copy> Plain<T> for &T {
    fn plain(self) -> T {
        *self
    }
}
impl<T: Copy> Plain<T> for &&T {
    fn plain(self) -> T {
        **self
    }
}

impl ItemResult {
    /// How many in group `g` answered.
    pub fn answered(&self, g: impl Plain<usize>) -> i64 {
        self.counts.get(g.plain()).map_or(0, |c| c.iter().sum())
    }

    /// Group `g`'s count per option.
    pub fn counts_of(&self, g: impl Plain<usize>) -> &[i64] {
        self.counts.get(g.plain()).map_or(&[], |c| c.as_slice())
    }

    /// Group `g`'s score.
    pub fn score_of(&self, g: impl Plain<usize>) -> Option<i64> {
        self.scores.get(g.plain()).copied().flatten()
    }

    /// The most chosen answer of group `g` ("Agree"; "Agree or Disagree, equally" on a
    /// tie of two; "split evenly between A, B and C" when more share the top).
    pub fn most_common(&self, g: impl Plain<usize>) -> String {
        let Some(c) = self.counts.get(g.plain()) else {
            return String::new();
        };
        let max = c.iter().copied().max().unwrap_or(0);
        if max == 0 {
            return "No answers".into();
        }
        let top: Vec<&str> = self
            .options
            .iter()
            .zip(c)
            .filter(|(_, n)| **n == max)
            .map(|(o, _)| o.1.as_str())
            .collect();
        match top.as_slice() {
            [one] => (*one).to_string(),
            [a, b] => format!("{a} or {b}, equally"),
            [first @ .., last] => format!("split evenly between {} and {last}", first.join(", ")),
            [] => String::new(),
        }
    }

    /// "mostly Agree", or the tie in words: for a sentence about group `g`.
    pub fn mostly(&self, g: impl Plain<usize>) -> String {
        let m = self.most_common(g);
        if m.starts_with("split") || m.ends_with("equally") || m == "No answers" {
            m
        } else {
            format!("mostly {m}")
        }
    }

    /// Share of group `g` choosing option `o`, as a whole percentage.
    pub fn percent(&self, g: impl Plain<usize>, o: impl Plain<usize>) -> i64 {
        self.percents(g.plain())
            .get(o.plain())
            .copied()
            .unwrap_or(0)
    }

    /// Group `g`'s shares per option as whole percentages (equal counts read equal).
    pub fn percents(&self, g: usize) -> &[i64] {
        self.shares.get(g).map_or(&[], |s| s.as_slice())
    }
}

/// Shares per option as whole percentages. Leftover points (from rounding down) go to
/// the largest remainders, so the shares usually add up to exactly 100, but never to
/// only some of a set of equal counts: equal counts always read equal (three answers
/// one each are 33, 33 and 33, not 34, 33 and 33). All 0 when nobody answered.
fn shares(counts: &[i64]) -> Vec<i64> {
    let total: i64 = counts.iter().sum();
    if total == 0 {
        return vec![0; counts.len()];
    }
    let mut out: Vec<i64> = counts.iter().map(|n| n * 100 / total).collect();
    let mut short = 100 - out.iter().sum::<i64>();
    let mut by_remainder: Vec<usize> = (0..counts.len()).collect();
    // Largest remainder first, equal counts side by side.
    by_remainder.sort_by_key(|&o| {
        (
            std::cmp::Reverse(counts[o] * 100 % total),
            std::cmp::Reverse(counts[o]),
            o,
        )
    });
    let mut i = 0;
    while short > 0 && i < by_remainder.len() {
        // All options with this count take a point together, or none does.
        let n = counts[by_remainder[i]];
        let same: Vec<usize> = by_remainder[i..]
            .iter()
            .copied()
            .take_while(|&o| counts[o] == n)
            .collect();
        if counts[by_remainder[i]] * 100 % total == 0 || same.len() as i64 > short {
            break;
        }
        for &o in &same {
            out[o] += 1;
        }
        short -= same.len() as i64;
        i += same.len();
    }
    out
}

/// One section's (principle's) results.
#[derive(Debug, Clone)]
pub struct SectionResult {
    /// The section.
    pub key: String,
    /// Its heading.
    pub title: String,
    /// Whether it gets a score.
    pub scored: bool,
    /// Per shown group, the mean of its items' scores.
    pub scores: Vec<Option<i64>>,
    /// The largest gap between two organisations' scores.
    pub gap: i64,
    /// How much people differ on it: the larger of the gap and the items' mean spread.
    pub divergence: i64,
    /// Its items' results.
    pub items: Vec<ItemResult>,
    /// Card themes for the whole section.
    pub suggest: Vec<String>,
}

/// Something people see differently, ranked for talking about.
#[derive(Debug, Clone)]
pub struct Difference {
    /// The section it is in.
    pub section_key: String,
    /// None for a whole principle or section.
    pub item_key: Option<String>,
    /// What it is about.
    pub title: String,
    /// How much people differ (0–100).
    pub divergence: i64,
    /// Plainly, why it is listed.
    pub reason: String,
    /// Card themes (`deck/theme`) to talk it through with.
    pub suggest: Vec<String>,
}

/// A round's results for the groups that may be shown.
#[derive(Debug, Clone)]
pub struct Results {
    /// The columns shown.
    pub groups: Vec<Group>,
    /// Why some breakdown is missing, in words.
    pub note: Option<String>,
    /// Per section, the results.
    pub sections: Vec<SectionResult>,
    /// Where people differ most, ranked.
    pub differences: Vec<Difference>,
}

impl Results {
    /// True when no group may be shown (too few answers in an anonymous round).
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// Organisations only (not "Everyone").
    pub fn org_count(&self) -> usize {
        self.groups.iter().filter(|g| !g.everyone).count()
    }
}

/// Points as a 0–100 share of the scale's top.
fn normalise(points: i64, max: i64) -> f64 {
    if max <= 0 {
        0.0
    } else {
        (points.clamp(0, max) as f64) * 100.0 / max as f64
    }
}

fn mean(xs: &[f64]) -> Option<f64> {
    (!xs.is_empty()).then(|| xs.iter().sum::<f64>() / xs.len() as f64)
}

fn round_score(x: f64) -> i64 {
    (x.round() as i64).clamp(0, 100)
}

/// Spread of answers on a 0–100 scale: twice the standard deviation of the normalised
/// points (answers split evenly between the two ends give 100; identical answers 0).
pub fn spread(weighted: &[(f64, i64)]) -> i64 {
    let n: i64 = weighted.iter().map(|(_, c)| *c).sum();
    if n < 2 {
        return 0;
    }
    let m = weighted.iter().map(|(v, c)| v * *c as f64).sum::<f64>() / n as f64;
    let var = weighted
        .iter()
        .map(|(v, c)| (v - m) * (v - m) * *c as f64)
        .sum::<f64>()
        / n as f64;
    round_score(2.0 * var.sqrt())
}

/// Largest minus smallest of the organisations' scores (0 with fewer than two).
fn org_gap(groups: &[Group], scores: &[Option<i64>]) -> (i64, Option<(usize, usize)>) {
    let orgs: Vec<(usize, i64)> = groups
        .iter()
        .zip(scores)
        .enumerate()
        .filter(|(_, (g, _))| !g.everyone)
        .filter_map(|(i, (_, s))| s.map(|s| (i, s)))
        .collect();
    if orgs.len() < 2 {
        return (0, None);
    }
    let hi = orgs
        .iter()
        .max_by_key(|(_, s)| *s)
        .copied()
        .unwrap_or((0, 0));
    let lo = orgs
        .iter()
        .min_by_key(|(_, s)| *s)
        .copied()
        .unwrap_or((0, 0));
    (hi.1 - lo.1, Some((hi.0, lo.0)))
}

fn item_result(item: &Item, scale: &Scale, groups: &[Group], counts: &CountMap) -> ItemResult {
    let max = scale.max_points();
    let options: Vec<(String, String, Option<i64>)> = scale
        .options
        .iter()
        .map(|o| {
            (
                o.key.clone(),
                o.label.clone(),
                o.points.map(|p| round_score(normalise(p, max))),
            )
        })
        .collect();
    let mut per_group = Vec::new();
    let mut scores = Vec::new();
    for g in groups {
        let c: Vec<i64> = scale
            .options
            .iter()
            .map(|o| {
                g.members
                    .iter()
                    .map(|m| {
                        counts
                            .get(&(m.as_str(), item.key.as_str(), o.key.as_str()))
                            .copied()
                            .unwrap_or(0)
                    })
                    .sum()
            })
            .collect();
        let weighted: Vec<(f64, i64)> = scale
            .options
            .iter()
            .zip(&c)
            .filter_map(|(o, n)| o.points.map(|p| (normalise(p, max), *n)))
            .filter(|(_, n)| *n > 0)
            .collect();
        let n: i64 = weighted.iter().map(|(_, n)| n).sum();
        scores.push((n > 0).then(|| {
            round_score(weighted.iter().map(|(v, c)| v * *c as f64).sum::<f64>() / n as f64)
        }));
        per_group.push(c);
    }
    // Spread across everyone (the first group), when shown.
    let everyone: Vec<(f64, i64)> = match per_group.first() {
        Some(c) if groups.first().is_some_and(|g| g.everyone) => scale
            .options
            .iter()
            .zip(c)
            .filter_map(|(o, n)| o.points.map(|p| (normalise(p, max), *n)))
            .collect(),
        _ => vec![],
    };
    let spread = spread(&everyone);
    let (gap, _) = org_gap(groups, &scores);
    ItemResult {
        key: item.key.clone(),
        text: item.text.clone(),
        options,
        shares: per_group.iter().map(|c| shares(c)).collect(),
        counts: per_group,
        scores,
        spread,
        gap,
        divergence: spread.max(gap),
        suggest: item.suggest.clone(),
        guidance: item.guidance.clone(),
    }
}

type CountMap<'a> = HashMap<(&'a str, &'a str, &'a str), i64>;

/// Turn counts into results for the groups the plan allows.
pub fn compute(instrument: &Instrument, tallies: &[Tally], plan: GroupPlan) -> Results {
    let counts: CountMap = tallies.iter().fold(HashMap::new(), |mut m, t| {
        *m.entry((
            t.group_name.as_str(),
            t.item_key.as_str(),
            t.option_key.as_str(),
        ))
        .or_insert(0) += t.count.max(0);
        m
    });
    let groups = plan.shown;
    let mut sections = Vec::new();
    if !groups.is_empty() {
        for s in &instrument.sections {
            sections.push(section_result(instrument, s, &groups, &counts));
        }
    }
    let differences = rank_differences(&groups, &sections);
    Results {
        groups,
        note: plan.note,
        sections,
        differences,
    }
}

fn section_result(
    instrument: &Instrument,
    s: &Section,
    groups: &[Group],
    counts: &CountMap,
) -> SectionResult {
    let items: Vec<ItemResult> = s
        .items
        .iter()
        .filter_map(|i| {
            instrument
                .scale(&i.scale)
                .map(|sc| item_result(i, sc, groups, counts))
        })
        .collect();
    let scores: Vec<Option<i64>> = (0..groups.len())
        .map(|g| {
            let xs: Vec<f64> = items
                .iter()
                .filter_map(|i| i.scores.get(g).copied().flatten())
                .map(|x| x as f64)
                .collect();
            if s.scored {
                mean(&xs).map(round_score)
            } else {
                None
            }
        })
        .collect();
    let (gap, _) = org_gap(groups, &scores);
    let spreads: Vec<f64> = items.iter().map(|i| i.spread as f64).collect();
    let divergence = if s.scored {
        gap.max(mean(&spreads).map(round_score).unwrap_or(0))
    } else {
        0
    };
    SectionResult {
        key: s.key.clone(),
        title: s.title.clone(),
        scored: s.scored,
        scores,
        gap,
        divergence,
        items,
        suggest: s.suggest.clone(),
    }
}

/// Items and scored sections that divide people, most divided first.
fn rank_differences(groups: &[Group], sections: &[SectionResult]) -> Vec<Difference> {
    let mut out = Vec::new();
    for s in sections {
        if s.scored && s.divergence >= DIVERGENCE_WORTH_TALKING && s.items.len() > 1 {
            let reason = match org_gap(groups, &s.scores) {
                (gap, Some((hi, lo))) if gap * 2 >= s.divergence && gap > 0 => format!(
                    "Across this principle, {} scores {} and {} {} — {} points apart.",
                    groups[hi].name,
                    s.scores[hi].unwrap_or(0),
                    groups[lo].name,
                    s.scores[lo].unwrap_or(0),
                    gap
                ),
                _ => "People's answers across this principle are spread widely.".to_string(),
            };
            out.push(Difference {
                section_key: s.key.clone(),
                item_key: None,
                title: s.title.clone(),
                divergence: s.divergence,
                reason,
                suggest: s.suggest.clone(),
            });
        }
        for i in &s.items {
            if i.divergence < DIVERGENCE_WORTH_TALKING {
                continue;
            }
            let reason = match org_gap(groups, &i.scores) {
                (gap, Some((hi, lo))) if gap >= i.spread => format!(
                    "{} scores this {} out of 100 and {} {} — {} points apart.",
                    groups[hi].name,
                    i.scores[hi].unwrap_or(0),
                    groups[lo].name,
                    i.scores[lo].unwrap_or(0),
                    gap
                ),
                _ => {
                    let chosen: Vec<&str> = i
                        .options
                        .iter()
                        .zip(i.counts.first().map(|c| c.as_slice()).unwrap_or(&[]))
                        .filter(|(o, n)| **n > 0 && o.2.is_some())
                        .map(|(o, _)| o.1.as_str())
                        .collect();
                    let scale: Vec<&str> = i
                        .options
                        .iter()
                        .filter(|o| o.2.is_some())
                        .map(|o| o.1.as_str())
                        .collect();
                    match (chosen.first(), chosen.last()) {
                        (Some(a), Some(b))
                            if a != b && scale.first() == Some(a) && scale.last() == Some(b) =>
                        {
                            format!("Answers ran all the way from \"{a}\" to \"{b}\".")
                        }
                        (Some(a), Some(b)) if a != b => {
                            format!("Answers ran from \"{a}\" to \"{b}\".")
                        }
                        _ => "People answered this very differently.".to_string(),
                    }
                }
            };
            out.push(Difference {
                section_key: s.key.clone(),
                item_key: Some(i.key.clone()),
                title: i.text.clone(),
                divergence: i.divergence,
                reason,
                suggest: if i.suggest.is_empty() {
                    s.suggest.clone()
                } else {
                    i.suggest.clone()
                },
            });
        }
    }
    out.sort_by(|a, b| b.divergence.cmp(&a.divergence).then(a.title.cmp(&b.title)));
    out
}

/// Check one submitted answer against the item's scale.
pub fn check_answer<'a>(
    instrument: &'a Instrument,
    item: &Item,
    answer: &str,
) -> Result<&'a str, String> {
    let scale = instrument
        .scale(&item.scale)
        .ok_or_else(|| "This question has no answers to choose from".to_string())?;
    scale
        .option(answer)
        .map(|o| o.key.as_str())
        .ok_or_else(|| "Choose one of the answers listed".to_string())
}

#[cfg(test)]
mod tests;
