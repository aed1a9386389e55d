//! The instrument cache: instrument versions parsed once and kept for the life of the
//! process (stored wording never changes), the newest version of each, and each
//! round's results (and their charts, once drawn) until its answers change. Shared by
//! the stock pages, the checklists and the partnership home page.

use std::collections::HashMap;
use std::ops::Deref;
use std::sync::{Arc, OnceLock, RwLock};

use crate::db::Store;
use crate::db::stock::ShippedCard;
use crate::domain::instruments::{Instrument, parse as parse_instrument};
use crate::domain::model::Id;
use crate::domain::stock::*;
use crate::error::AppError;
use crate::web::charts::ResultCharts;

/// An instrument version's id with its parsed wording.
pub type Current = (Id, Arc<Instrument>);

/// Parsed instrument versions, by id (stored wording never changes, so they are kept
/// for the life of the process), and the newest version of each.
#[derive(Default)]
pub struct InstrumentCache {
    by_id: RwLock<HashMap<Id, Arc<Instrument>>>,
    latest: RwLock<Option<Vec<Current>>>,
    /// A round's results, keyed by round id and tagged with what they were computed
    /// from (the round's `changes`, whether it is anonymous, and its instrument and
    /// birth, so a new round given a deleted one's id is not taken for it): the home
    /// page and a
    /// results page cost no counting and no drawing until an answer changes. Every
    /// member of the partnership sees the same results, so they are shared.
    results: RwLock<HashMap<Id, (Tag, Arc<RoundResults>)>>,
    /// The shipped decks' cards (results suggest them), tagged with the decks'
    /// versions: one small query instead of every card's row.
    shipped: RwLock<Option<(ShippedVersion, Arc<Vec<ShippedCard>>)>>,
}

/// What the shipped decks are at (`Store::shipped_version`).
type ShippedVersion = (i64, i64);

/// What a round's results were computed from.
type Tag = (i64, bool, Id, i64);

/// Rounds whose results are kept at once (all are dropped beyond this; the charts of
/// one are ~150 KB, so this bounds the cache at ~10 MB).
const ROUNDS_KEPT: usize = 64;

/// A round's results, and their charts once a results page has drawn them.
pub struct RoundResults {
    pub results: Results,
    charts: OnceLock<ResultCharts>,
}

impl RoundResults {
    /// The charts, drawn by `draw` the first time they are asked for.
    pub fn charts(&self, draw: impl FnOnce(&Results) -> ResultCharts) -> &ResultCharts {
        self.charts.get_or_init(|| draw(&self.results))
    }
}

impl Deref for RoundResults {
    type Target = Results;
    fn deref(&self) -> &Results {
        &self.results
    }
}

impl InstrumentCache {
    /// The instrument version with this id.
    pub async fn get(&self, db: &Store, id: Id) -> Result<Arc<Instrument>, AppError> {
        if let Some(i) = self.by_id.read().ok().and_then(|m| m.get(&id).cloned()) {
            return Ok(i);
        }
        let row = db.instrument(id).await?.ok_or(AppError::NotFound)?;
        let parsed = parse_instrument(&row.source).map_err(|e| {
            AppError::Internal(anyhow::anyhow!(
                "stored instrument {} v{} does not parse: line {}: {}",
                row.key,
                row.version,
                e.first().map_or(0, |e| e.line),
                e.first().map_or("", |e| e.message.as_str())
            ))
        })?;
        let parsed = Arc::new(parsed);
        if let Ok(mut m) = self.by_id.write() {
            m.insert(id, parsed.clone());
        }
        Ok(parsed)
    }

    /// The newest version of every instrument: (version id, instrument).
    pub async fn latest(&self, db: &Store) -> Result<Vec<Current>, AppError> {
        if let Some(l) = self.latest.read().ok().and_then(|l| l.clone()) {
            return Ok(l);
        }
        let mut out = Vec::new();
        for row in db.latest_instruments().await? {
            out.push((row.id, self.get(db, row.id).await?));
        }
        // Readiness, spectrum, health check: the order a partnership meets them.
        let rank = |k: &str| match k {
            "readiness" => 0,
            "spectrum" => 1,
            "health-check" => 2,
            _ => 3,
        };
        out.sort_by_key(|(_, i)| (rank(&i.key), i.key.clone()));
        if let Ok(mut l) = self.latest.write() {
            *l = Some(out.clone());
        }
        Ok(out)
    }

    /// A round's instrument and results, from memory if nothing changed since they
    /// were computed.
    pub async fn results(
        &self,
        db: &Store,
        r: &Round,
    ) -> Result<(Arc<Instrument>, Arc<RoundResults>), AppError> {
        let i = self.get(db, r.instrument_id).await?;
        let tag = (r.changes, r.anonymous, r.instrument_id, r.created_at);
        if let Some((t, res)) = self.results.read().ok().and_then(|m| m.get(&r.id).cloned())
            && t == tag
        {
            return Ok((i, res));
        }
        let (tallies, sizes) = tokio::try_join!(db.tallies(r.id), db.group_sizes(r.id))?;
        let res = Arc::new(RoundResults {
            results: compute(&i, &tallies, plan_groups(&sizes, r.anonymous)),
            charts: OnceLock::new(),
        });
        if let Ok(mut m) = self.results.write() {
            if m.len() >= ROUNDS_KEPT && !m.contains_key(&r.id) {
                m.clear();
            }
            m.insert(r.id, (tag, res.clone()));
        }
        Ok((i, res))
    }

    /// Every card of the shipped decks (`Store::shipped_cards`), from memory while
    /// no shipped deck has a new version.
    pub async fn shipped_cards(&self, db: &Store) -> Result<Arc<Vec<ShippedCard>>, AppError> {
        let version = db.shipped_version().await?;
        if let Some((v, cards)) = self.shipped.read().ok().and_then(|s| s.clone())
            && v == version
        {
            return Ok(cards);
        }
        let cards = Arc::new(db.shipped_cards().await?);
        if let Ok(mut s) = self.shipped.write() {
            *s = Some((version, cards.clone()));
        }
        Ok(cards)
    }

    /// The newest version of the instrument `key`.
    pub async fn latest_by_key(&self, db: &Store, key: &str) -> Result<Current, AppError> {
        self.latest(db)
            .await?
            .into_iter()
            .find(|(_, i)| i.key == key)
            .ok_or(AppError::NotFound)
    }
}
