//! The partnership file in storage: the risk register, the stakeholder map, the
//! evaluation plan, and the counts the file's overview reads.

mod agreement;
mod comms;
mod evaluation;
mod logic;

pub use agreement::AgreementSaved;
mod risks;
mod skills;
mod stakeholders;

use crate::db::*;
use crate::domain::file::{ASSUMPTION_STALE_DAYS, Band, FileSummary, HIGH_FROM};
use crate::domain::model::Id;
use crate::domain::time::add_days;

impl Store {
    /// Only the counts that answer checklist statements (`FileSummary::evidence`), the
    /// rest left at zero: the checklists and the home page read these on every page
    /// they draw, so they ask for seven counts, not the overview's two dozen.
    pub async fn checklist_facts(&self, pid: Id) -> DbResult<FileSummary> {
        let (
            stakeholders,
            open_actions,
            actions_with_fallback,
            agreement_number,
            agreement_signed,
            organisations,
            comms_lines,
        ): (i64, i64, i64, Option<i64>, i64, i64, i64) = reader!(self, |r| {
            sqlx::query_as(
                "SELECT
                   (SELECT COUNT(*) FROM stakeholders WHERE partnership_id = $1),
                   (SELECT COUNT(*) FROM actions WHERE partnership_id = $1
                        AND status IN ('open', 'in_progress')),
                   (SELECT COUNT(*) FROM actions WHERE partnership_id = $1
                        AND status IN ('open', 'in_progress')
                        AND (owner_user_id IS NOT NULL OR owner_org_id IS NOT NULL)
                        AND contingency <> ''),
                   (SELECT MAX(number) FROM agreement_versions WHERE partnership_id = $1),
                   (SELECT COUNT(*) FROM agreement_signoffs s
                        JOIN agreement_versions v ON v.id = s.agreement_version_id
                        WHERE v.partnership_id = $1
                          AND v.number = (SELECT MAX(number) FROM agreement_versions
                                          WHERE partnership_id = $1)
                          AND s.organisation_id IN (SELECT id FROM organisations
                                                    WHERE partnership_id = $1)),
                   (SELECT COUNT(*) FROM organisations WHERE partnership_id = $1),
                   (SELECT COUNT(*) FROM comms_items WHERE partnership_id = $1)",
            )
            .bind(pid)
            .fetch_one(r)
            .await
        })?;
        Ok(FileSummary {
            stakeholders,
            open_actions,
            actions_with_fallback,
            agreement_number,
            agreement_signed,
            organisations,
            comms_lines,
            ..Default::default()
        })
    }

    /// Counts across the partnership's file, in one query; `today` (YYYY-MM-DD) decides
    /// which reviews are overdue. Each count is one pass over its table (no per-row
    /// subquery over evidence: with a fresh database's statistics PostgreSQL ran the
    /// "no evidence this year" count as 120 scans of 6,000 entries, 27 ms).
    pub async fn file_summary(&self, pid: Id, today: &str) -> DbResult<FileSummary> {
        // The lowest score of a high risk, and the map's line between low and high.
        let high_score = (1..=25).find(|s| Band::of(*s) >= Band::High).unwrap_or(10);
        reader!(self, |r| {
            sqlx::query_as(
                "SELECT
                   (SELECT COUNT(*) FROM risks WHERE partnership_id = $1 AND status = 'open') AS open_risks,
                   (SELECT COUNT(*) FROM risks WHERE partnership_id = $1 AND status = 'open'
                        AND review_on < $2) AS risks_overdue,
                   (SELECT COUNT(*) FROM risks WHERE partnership_id = $1 AND status = 'open'
                        AND likelihood * impact >= $3) AS serious_risks,
                   (SELECT COUNT(*) FROM risks WHERE partnership_id = $1 AND status = 'open'
                        AND likelihood * impact >= $3 AND owner_user_id IS NULL
                        AND owner_org_id IS NULL) AS serious_unowned,
                   (SELECT COUNT(*) FROM stakeholders WHERE partnership_id = $1) AS stakeholders,
                   (SELECT COUNT(*) FROM stakeholders WHERE partnership_id = $1
                        AND influence >= $4 AND interest >= $4) AS manage_closely,
                   (SELECT COUNT(*) FROM stakeholders s WHERE s.partnership_id = $1
                        AND s.influence >= $4 AND s.interest >= $4
                        AND NOT EXISTS (SELECT 1 FROM memberships m
                            WHERE m.partnership_id = s.partnership_id
                              AND m.user_id = s.owner_user_id)) AS close_unowned,
                   (SELECT COUNT(*) FROM stakeholders WHERE partnership_id = $1
                        AND influence >= $4 AND stance = 'opposed') AS influential_opposed,
                   (SELECT MAX(moved_at) FROM stakeholder_moves WHERE partnership_id = $1) AS last_move,
                   (SELECT COUNT(*) FROM actions WHERE partnership_id = $1
                        AND status IN ('open', 'in_progress')) AS open_actions,
                   (SELECT COUNT(*) FROM actions WHERE partnership_id = $1
                        AND status IN ('open', 'in_progress')
                        AND (owner_user_id IS NOT NULL OR owner_org_id IS NOT NULL)
                        AND contingency <> '') AS actions_with_fallback,
                   (SELECT COUNT(*) FROM outcomes WHERE partnership_id = $1) AS outcomes,
                   (SELECT COUNT(*) FROM indicators WHERE partnership_id = $1) AS indicators,
                   (SELECT MAX(recorded_on) FROM evidence WHERE partnership_id = $1) AS last_evidence,
                   (SELECT COUNT(*) FROM indicators i
                        LEFT JOIN (SELECT indicator_id, MAX(recorded_on) AS latest FROM evidence
                                   WHERE partnership_id = $1 GROUP BY indicator_id) e
                          ON e.indicator_id = i.id
                        WHERE i.partnership_id = $1
                          AND (e.latest IS NULL OR e.latest < $5)) AS indicators_quiet,
                   (SELECT COUNT(*) FROM logic_items WHERE partnership_id = $1
                        AND kind <> 'assumption') AS logic_items,
                   (SELECT COUNT(*) FROM logic_items WHERE partnership_id = $1
                        AND kind = 'assumption') AS assumptions,
                   (SELECT COUNT(*) FROM logic_items WHERE partnership_id = $1
                        AND kind = 'assumption'
                        AND (checked_on IS NULL OR checked_on < $6)) AS assumptions_stale,
                   (SELECT MAX(number) FROM agreement_versions
                        WHERE partnership_id = $1) AS agreement_number,
                   (SELECT COUNT(*) FROM agreement_signoffs s
                        JOIN agreement_versions v ON v.id = s.agreement_version_id
                        WHERE v.partnership_id = $1
                          AND v.number = (SELECT MAX(number) FROM agreement_versions
                                          WHERE partnership_id = $1)
                          AND s.organisation_id IN (SELECT id FROM organisations
                                                    WHERE partnership_id = $1)) AS agreement_signed,
                   (SELECT COUNT(*) FROM organisations WHERE partnership_id = $1) AS organisations,
                   (SELECT COUNT(*) FROM comms_items WHERE partnership_id = $1) AS comms_lines,
                   (SELECT MIN(next_on) FROM comms_items WHERE partnership_id = $1
                        AND next_on >= $2) AS comms_next,
                   (SELECT COUNT(*) FROM skills WHERE partnership_id = $1) AS skill_rows,
                   (SELECT COUNT(*) FROM skills s WHERE s.partnership_id = $1
                        AND EXISTS (SELECT 1 FROM skill_cells c WHERE c.skill_id = s.id AND c.wants)
                        AND NOT EXISTS (SELECT 1 FROM skill_cells c
                                        WHERE c.skill_id = s.id AND c.offers)) AS skill_gaps",
            )
            .bind(pid)
            .bind(today)
            .bind(high_score)
            .bind(HIGH_FROM)
            .bind(format!("{}-01-01", today.get(..4).unwrap_or("0000")))
            .bind(add_days(today, -ASSUMPTION_STALE_DAYS))
            .fetch_one(r)
            .await
        })
    }
}
