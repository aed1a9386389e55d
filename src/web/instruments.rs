//! The instrument cache: instrument versions parsed once and kept for the life of the
//! process (stored wording never changes), the newest version of each, and each
//! round's answer counts until its answers change. Shared by the stock pages, the
//! checklists and the partnership home page.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use crate::db::Store;
use crate::domain::instruments::{Instrument, parse as parse_instrument};
use crate::domain::model::Id;
use crate::domain::stock::*;
use crate::error::AppError;

/// An instrument version's id with its parsed wording.
pub type Current = (Id, Arc<Instrument>);

/// Parsed instrument versions, by id (stored wording never changes, so they are kept
/// for the life of the process), and the newest version of each.
#[derive(Default)]
pub struct InstrumentCache {
    by_id: RwLock<HashMap<Id, Arc<Instrument>>>,
    latest: RwLock<Option<Vec<Current>>>,
    /// A round's counts, keyed by round id and tagged with the round's `changes`
    /// when they were read: a results page costs one small query until something changes.
    counts: RwLock<HashMap<Id, (i64, Arc<Counts>)>>,
}

/// Counts per group × item × answer, and the size of each group.
pub type Counts = (Vec<Tally>, Vec<GroupSize>);

/// Rounds whose counts are kept at once (the oldest are dropped beyond this).
const COUNTS_KEPT: usize = 512;

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

    /// A round's counts, from memory if nothing changed since they were read.
    pub async fn counts(&self, db: &Store, r: &Round) -> Result<Arc<Counts>, AppError> {
        if let Some((changes, c)) = self.counts.read().ok().and_then(|m| m.get(&r.id).cloned())
            && changes == r.changes
        {
            return Ok(c);
        }

        let c = Arc::new(tokio::try_join!(db.tallies(r.id), db.group_sizes(r.id))?);
        if let Ok(mut m) = self.counts.write() {
            if m.len() >= COUNTS_KEPT {
                m.clear();
            }
            m.insert(r.id, (r.changes, c.clone()));
        }
        Ok(c)
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
