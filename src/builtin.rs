//! Content Tandem ships: the card decks in `decks/`, embedded in the binary and brought
//! into the database at start-up (added, or updated when a file's version goes up).

use anyhow::bail;
use rust_embed::RustEmbed;

use crate::db::Database;
use crate::domain::decks::{ShippedDeck, parse_shipped};
use crate::domain::now;

#[derive(RustEmbed)]
#[folder = "decks/"]
struct DeckFiles;

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
pub async fn sync_decks(db: &dyn Database) -> anyhow::Result<()> {
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
}
