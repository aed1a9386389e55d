//! What we have talked about: for each deck and theme, which cards have been discussed
//! (in held or written-up conversations), when and where; cards not yet discussed are
//! offered for the next agenda.

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::response::Response;

use super::extract::Member;
use super::{AppState, PageCtx, Routes, render};
use crate::domain::conversations::*;
use crate::domain::model::Id;
use crate::domain::roles::{Action, can};
use crate::error::AppError;

pub fn routes(r: Routes) -> Routes {
    r.get("/p/{slug}/coverage", coverage)
}

/// Where a card was last discussed, and how often.
#[derive(Clone)]
pub struct Last {
    pub conversation_id: Id,
    pub title: String,
    pub date: String,
    pub times: usize,
}

pub struct CoverCard {
    pub id: Id,
    pub text: String,
    pub last: Option<Last>,
}

pub struct CoverTheme {
    pub name: String,
    pub colour: String,
    pub text_class: &'static str,
    pub cards: Vec<CoverCard>,
    pub discussed: usize,
}

pub struct CoverDeck {
    pub id: Id,
    pub title: String,
    pub themes: Vec<CoverTheme>,
    pub discussed: usize,
    pub total: usize,
}

/// A card not yet discussed, offered for the next agenda.
pub struct Suggestion {
    pub card_id: Id,
    pub text: String,
    pub deck: String,
    pub theme: String,
}

fn discussed_map(rows: Vec<Discussed>) -> HashMap<Id, Last> {
    rows.into_iter()
        .map(|d| {
            (
                d.card_id,
                Last {
                    conversation_id: d.conversation_id,
                    title: d.conversation_title,
                    date: d.starts_at.map(super::date).unwrap_or_default(),
                    times: d.times as usize,
                },
            )
        })
        .collect()
}

/// Coverage of every deck the partnership can see (decks with no cards left out).
async fn decks(state: &AppState, m: &Member) -> Result<Vec<CoverDeck>, AppError> {
    let (decks, discussed) = tokio::try_join!(
        state.db.decks_for(m.partnership.id),
        state.db.discussed_cards(m.partnership.id)
    )?;
    let map = discussed_map(discussed);
    let mut out = Vec::new();
    for d in decks.into_iter().filter(|d| d.card_count > 0) {
        let (themes, cards) = tokio::try_join!(state.db.themes(d.id), state.db.deck_cards(d.id))?;
        let themes: Vec<CoverTheme> = themes
            .into_iter()
            .map(|t| {
                let cards: Vec<CoverCard> = cards
                    .iter()
                    .filter(|c| c.theme_id == t.id)
                    .map(|c| CoverCard {
                        id: c.id,
                        text: c.text.clone(),
                        last: map.get(&c.id).cloned(),
                    })
                    .collect();
                CoverTheme {
                    discussed: cards.iter().filter(|c| c.last.is_some()).count(),
                    text_class: crate::domain::colour::text_on(&t.colour).css_class(),
                    name: t.name,
                    colour: t.colour,
                    cards,
                }
            })
            .collect();
        out.push(CoverDeck {
            id: d.id,
            title: d.title,
            discussed: themes.iter().map(|t| t.discussed).sum(),
            total: themes.iter().map(|t| t.cards.len()).sum(),
            themes,
        });
    }
    Ok(out)
}

/// Up to `n` cards not yet discussed, taking one from each theme in turn (the
/// partnership's own decks first, then the shipped ones), so suggestions spread
/// across topics.
fn pick(decks: &[CoverDeck], n: usize) -> Vec<Suggestion> {
    let mut queues: Vec<(&CoverDeck, &CoverTheme, Vec<&CoverCard>)> = decks
        .iter()
        .flat_map(|d| {
            d.themes.iter().map(move |t| {
                (
                    d,
                    t,
                    t.cards
                        .iter()
                        .filter(|c| c.last.is_none())
                        .collect::<Vec<_>>(),
                )
            })
        })
        .filter(|(_, _, q)| !q.is_empty())
        .collect();
    let mut out = Vec::new();
    let mut round = 0;
    while out.len() < n && queues.iter().any(|(_, _, q)| q.len() > round) {
        for (d, t, q) in queues.iter_mut() {
            if let Some(c) = q.get(round)
                && out.len() < n
            {
                out.push(Suggestion {
                    card_id: c.id,
                    text: c.text.clone(),
                    deck: d.title.clone(),
                    theme: t.name.clone(),
                });
            }
        }
        round += 1;
    }
    out
}

/// Suggestions for the next agenda.
pub async fn suggestions(
    state: &AppState,
    m: &Member,
    n: usize,
) -> Result<Vec<Suggestion>, AppError> {
    Ok(pick(&decks(state, m).await?, n))
}

#[derive(Template)]
#[template(path = "coverage/coverage.html")]
struct CoveragePage {
    c: PageCtx,
    slug: String,
    decks: Vec<CoverDeck>,
    suggestions: Vec<Suggestion>,
    /// Planned conversations to add a suggestion to: (id, title).
    planned: Vec<(Id, String)>,
    can_edit: bool,
}

async fn coverage(State(state): State<AppState>, m: Member) -> Result<Response, AppError> {
    let decks = decks(&state, &m).await?;
    let suggestions = pick(&decks, 8);
    let planned = planned_conversations(&state, &m).await?;
    render(&CoveragePage {
        c: m.page("What we have talked about"),
        slug: m.partnership.slug.clone(),
        decks,
        suggestions,
        planned,
        can_edit: can(m.role(), Action::EditContent),
    })
}

/// Conversations still being planned, soonest first: (id, "Title (date)").
pub async fn planned_conversations(
    state: &AppState,
    m: &Member,
) -> Result<Vec<(Id, String)>, AppError> {
    Ok(state
        .db
        .planned_conversations(m.partnership.id)
        .await?
        .into_iter()
        .map(|(id, title, starts_at)| {
            let label = match starts_at {
                Some(t) => format!("{title} ({})", super::date(t)),
                None => title,
            };
            (id, label)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deck(themes: &[(&str, &[bool])]) -> CoverDeck {
        let mut id = 0;
        let themes = themes
            .iter()
            .map(|(name, cards)| CoverTheme {
                name: name.to_string(),
                colour: "#000000".into(),
                text_class: "on-dark",
                discussed: 0,
                cards: cards
                    .iter()
                    .map(|done| {
                        id += 1;
                        CoverCard {
                            id,
                            text: format!("card {id}"),
                            last: done.then(|| Last {
                                conversation_id: 1,
                                title: "x".into(),
                                date: String::new(),
                                times: 1,
                            }),
                        }
                    })
                    .collect(),
            })
            .collect();
        CoverDeck {
            id: 1,
            title: "D".into(),
            themes,
            discussed: 0,
            total: 0,
        }
    }

    #[test]
    fn suggestions_skip_discussed_cards_and_spread_across_themes() {
        let d = deck(&[
            ("A", &[true, false, false]),
            ("B", &[false, false]),
            ("C", &[true]),
        ]);
        let s = pick(&[d], 3);
        let ids: Vec<Id> = s.iter().map(|s| s.card_id).collect();
        assert_eq!(ids, vec![2, 4, 3], "one from A, one from B, then A again");
        assert!(s.iter().all(|s| s.theme != "C"));
    }
}
