//! Content Tandem ships: the card decks in `decks/`, embedded in the binary and brought
//! into the database at start-up (added, or updated when a file's version goes up), and
//! the self-assessment instruments in `instruments/`, and the live session plans in
//! `plans/`, both checked at start-up.

use anyhow::bail;
use rust_embed::RustEmbed;

use crate::db::Store;
use crate::domain::decks::{ShippedDeck, parse_shipped};
use crate::domain::instruments::{Instrument, parse as parse_instrument};
use crate::domain::now;
use crate::domain::plans::{CardRef, Plan, parse as parse_plan};

#[derive(RustEmbed)]
#[folder = "decks/"]
struct DeckFiles;

#[derive(RustEmbed)]
#[folder = "instruments/"]
struct InstrumentFiles;

#[derive(RustEmbed)]
#[folder = "plans/"]
struct PlanFiles;

/// Every shipped session plan, parsed, with each card step's question and theme
/// filled in from the shipped decks; a broken file is an error naming
/// `plans/FILE:LINE`. Parsing the few small files takes well under a millisecond, so
/// pages that list plans call this rather than keep a copy.
pub fn shipped_plans() -> anyhow::Result<Vec<Plan>> {
    let decks = shipped_decks()?;
    let find = |r: &str| -> Option<CardRef<'_>> {
        let (deck_key, card_key) = r.split_once('/')?;
        let d = decks.iter().find(|d| d.key == deck_key)?;
        d.card_keys.iter().enumerate().find_map(|(ti, keys)| {
            let ci = keys.iter().position(|k| k == card_key)?;
            let theme = d.deck.themes.get(ti)?;
            let card = theme.cards.get(ci)?;
            Some(CardRef {
                text: &card.text,
                prompt: card.prompt.as_deref(),
                theme_name: &theme.name,
                colour: theme.colour.as_deref(),
            })
        })
    };
    let mut names: Vec<_> = PlanFiles::iter().collect();
    names.sort();
    let mut plans = Vec::new();
    let mut problems = Vec::new();
    for name in names {
        let file = PlanFiles::get(&name).expect("listed files exist");
        let text = String::from_utf8_lossy(&file.data).into_owned();
        match parse_plan(&text) {
            Ok(mut p) => {
                if let Err(unknown) = p.fill_cards(find) {
                    for n in unknown {
                        let r = p.steps[n - 1].card.clone().unwrap_or_default();
                        let line = text
                            .lines()
                            .position(|l| l.contains(&format!("\"{r}\"")))
                            .map_or(0, |i| i + 1);
                        problems.push(format!(
                            "plans/{name}:{line}: step {n} shows the card \"{r}\", which is not a card of a shipped deck (write deck-key/card-key)"
                        ));
                    }
                }
                if plans.iter().any(|q: &Plan| q.key == p.key) {
                    problems.push(format!(
                        "plans/{name}:1: the key \"{}\" is used by another plan",
                        p.key
                    ));
                }
                plans.push(p);
            }
            Err(errs) => problems.extend(
                errs.into_iter()
                    .map(|e| format!("plans/{name}:{}: {}", e.line, e.message)),
            ),
        }
    }
    if !problems.is_empty() {
        bail!(
            "the shipped session plans have errors:\n{}",
            problems.join("\n")
        );
    }
    Ok(plans)
}

/// Every shipped instrument, parsed, with each card suggestion checked against the
/// shipped decks; a broken file is an error naming `instruments/FILE:LINE`.
pub fn shipped_instruments() -> anyhow::Result<Vec<Instrument>> {
    Ok(instrument_files()?.into_iter().map(|(_, _, i)| i).collect())
}

/// Like [`shipped_instruments`], with each one's file name and text: (name, text, parsed).
fn instrument_files() -> anyhow::Result<Vec<(String, String, Instrument)>> {
    let decks = shipped_decks()?;
    let theme_known = |r: &str| {
        r.split_once('/').is_some_and(|(d, t)| {
            decks
                .iter()
                .any(|sd| sd.key == d && sd.theme_keys.iter().any(|k| k == t))
        })
    };
    let mut names: Vec<_> = InstrumentFiles::iter().collect();
    names.sort();
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for name in names {
        let file = InstrumentFiles::get(&name).expect("listed files exist");
        let text = String::from_utf8_lossy(&file.data).into_owned();
        match parse_instrument(&text) {
            Ok(i) => {
                for (at, r) in i.suggestions() {
                    if !theme_known(r) {
                        let line = text
                            .lines()
                            .position(|l| l.contains(&format!("\"{r}\"")))
                            .map_or(0, |n| n + 1);
                        problems.push(format!(
                            "instruments/{name}:{line}: \"{at}\" suggests \"{r}\", which is not a theme of a shipped deck"
                        ));
                    }
                }
                out.push((name.to_string(), text, i));
            }
            Err(errs) => problems.extend(
                errs.into_iter()
                    .map(|e| format!("instruments/{name}:{}: {}", e.line, e.message)),
            ),
        }
    }
    if !problems.is_empty() {
        bail!(
            "the shipped instruments have errors:\n{}",
            problems.join("\n")
        );
    }
    Ok(out)
}

/// Store each shipped instrument's wording (a new version becomes a new row; rounds
/// keep the version they were opened with). A file whose wording changed while its
/// `version` stayed the same is refused, so answers never silently change meaning.
pub async fn sync_instruments(db: &Store) -> anyhow::Result<()> {
    let mut problems = Vec::new();
    for (name, text, i) in instrument_files()? {
        let row = db
            .ensure_instrument(&i.key, i.version, &i.title, &text, now())
            .await?;
        if row.source != text {
            let line = text
                .lines()
                .position(|l| l.trim_start().starts_with("version"))
                .map_or(0, |n| n + 1);
            problems.push(format!(
                "instruments/{name}:{line}: the wording changed but version is still {}; raise the version so answers already given keep the wording they answered",
                i.version
            ));
        }
    }
    if !problems.is_empty() {
        bail!(
            "the shipped instruments have errors:\n{}",
            problems.join("\n")
        );
    }
    Ok(())
}

/// Every shipped deck, parsed; a broken file is an error naming `file:line`.
pub fn shipped_decks() -> anyhow::Result<Vec<ShippedDeck>> {
    let mut names: Vec<_> = DeckFiles::iter().collect();
    names.sort();
    let mut decks = Vec::new();
    let mut problems = Vec::new();
    for name in names {
        let file = DeckFiles::get(&name).expect("listed files exist");
        let text = String::from_utf8_lossy(&file.data).into_owned();
        match parse_shipped(&text) {
            Ok(d) => decks.push(d),
            Err(errs) => problems.extend(
                errs.into_iter()
                    .map(|e| format!("decks/{name}:{}: {}", e.line, e.message)),
            ),
        }
    }
    if !problems.is_empty() {
        bail!(
            "the shipped card decks have errors:\n{}",
            problems.join("\n")
        );
    }
    Ok(decks)
}

/// Bring the shipped decks into the database.
pub async fn sync_decks(db: &Store) -> anyhow::Result<()> {
    for d in shipped_decks()? {
        if db.sync_builtin_deck(&d, now()).await? {
            tracing::info!(
                deck = d.key,
                version = d.version,
                "card deck installed or updated"
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_instruments_are_complete() {
        let all = shipped_instruments().unwrap();
        let by_key = |k: &str| {
            all.iter()
                .find(|i| i.key == k)
                .unwrap_or_else(|| panic!("{k}"))
        };
        let readiness = by_key("readiness");
        assert_eq!(readiness.sections[0].items.len(), 9, "nine questions");
        assert!(
            readiness.sections[0]
                .items
                .iter()
                .all(|i| !i.guidance.is_empty())
        );
        assert!(readiness.sections[1].optional && !readiness.sections[1].scored);
        let spectrum = by_key("spectrum");
        let kinds: Vec<&str> = spectrum.scales[0]
            .options
            .iter()
            .filter(|o| o.points.is_some())
            .map(|o| o.label.as_str())
            .collect();
        assert_eq!(
            kinds,
            [
                "Cooperating",
                "Co-ordinating",
                "Collaborating",
                "Integrating"
            ]
        );
        let health = by_key("health-check");
        assert_eq!(health.sections.len(), 6, "six principles");
        for s in &health.sections {
            assert!(
                (5..=7).contains(&s.checklist.len()),
                "{}: {}",
                s.key,
                s.checklist.len()
            );
            assert!(s.items.len() >= 3 && !s.suggest.is_empty(), "{}", s.key);
        }
    }

    #[test]
    fn shipped_decks_are_complete() {
        let decks = shipped_decks().unwrap();
        let by_key = |k: &str| {
            decks
                .iter()
                .find(|d| d.key == k)
                .unwrap_or_else(|| panic!("deck {k}"))
        };
        let openers = by_key("openers");
        let names: Vec<&str> = openers
            .deck
            .themes
            .iter()
            .map(|t| t.name.as_str())
            .collect();
        assert_eq!(
            names,
            [
                "Drivers",
                "Practicalities",
                "Culture",
                "Recording & measuring",
                "Impact"
            ]
        );
        for t in &openers.deck.themes {
            assert_eq!(t.cards.len(), 10, "{} has ten cards", t.name);
            assert_eq!(t.keywords.len(), 3, "{} has its keyword line", t.name);
        }
        assert_eq!(by_key("first-meetings").deck.themes.len(), 7);
        assert_eq!(by_key("worth-it").deck.themes.len(), 4);
        assert!(by_key("warm-ups").deck.card_count() >= 6);
        for d in &decks {
            assert!(
                !d.steps.choose.is_empty()
                    && !d.steps.discuss.is_empty()
                    && !d.steps.act.is_empty()
            );
        }
    }

    #[test]
    fn shipped_plans_are_complete() {
        let plans = shipped_plans().unwrap();
        let keys: Vec<&str> = plans.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(
            keys,
            ["first-meeting", "health-workshop", "worth-it-review"]
        );
        for p in &plans {
            assert!(!p.about.is_empty(), "{}", p.key);
            assert!(p.minutes() >= 30, "{} lasts {} minutes", p.key, p.minutes());
            for s in &p.steps {
                assert!(!s.title.is_empty(), "{}", p.key);
                assert!(!s.script.is_empty(), "{}: {}", p.key, s.title);
                if s.card.is_some() {
                    assert!(s.colour.starts_with('#'), "{}: {}", p.key, s.title);
                }
            }
        }
        // The health workshop asks which principles matter most and where we are.
        let kinds: Vec<&str> = plans[1].steps.iter().map(|s| s.kind.as_str()).collect();
        assert!(
            kinds.contains(&"dots") && kinds.contains(&"spectrum"),
            "{kinds:?}"
        );
    }
}
