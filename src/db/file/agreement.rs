//! The partnership agreement in storage: its numbered versions and their sign-offs.

use crate::db::*;
use crate::domain::Timestamp;
use crate::domain::file::*;
use crate::domain::model::*;

const VERSION_SELECT: &str = "SELECT id, partnership_id, number, purpose, roles, decisions,
        money, information, disagreements, joining, review_on, partners, requested_at,
        created_at, updated_at, version
 FROM agreement_versions";

/// What saving the agreement did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgreementSaved {
    /// The latest version changed in place (nobody had signed it).
    Changed(i64),
    /// A new version with this number (the first, or one after a signed version).
    NewVersion(i64),
    /// Someone else saved first; nothing written.
    Stale,
}

impl Store {
    /// Every version of a partnership's agreement, the latest first.
    pub async fn agreement_versions(&self, pid: Id) -> DbResult<Vec<AgreementRow>> {
        reader!(self, |r| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{VERSION_SELECT} WHERE partnership_id = $1 ORDER BY number DESC"
            )))
            .bind(pid)
            .fetch_all(r)
            .await
        })
    }

    /// Every sign-off of every version of a partnership's agreement, oldest first.
    pub async fn agreement_signoffs(&self, pid: Id) -> DbResult<Vec<SignoffRow>> {
        reader!(self, |r| {
            sqlx::query_as(
                "SELECT agreement_version_id, organisation_id, organisation_name, signer_name,
                        signed_at
                 FROM agreement_signoffs WHERE partnership_id = $1 ORDER BY signed_at, id",
            )
            .bind(pid)
            .fetch_all(r)
            .await
        })
    }

    /// Save the agreement. `started_from` is the (number, edit version) of the latest
    /// version the form was opened on, or None for the first. The latest version changes
    /// in place unless an organisation has signed it; then the next version is made.
    pub async fn save_agreement(
        &self,
        pid: Id,
        started_from: Option<(i64, i64)>,
        f: &AgreementFields,
        user_id: Id,
        now: Timestamp,
    ) -> DbResult<AgreementSaved> {
        writer!(self, |w| {
            let mut tx = w.begin().await?;
            let latest: Option<(Id, i64, i64)> = sqlx::query_as(
                "SELECT id, number, version FROM agreement_versions WHERE partnership_id = $1
                 ORDER BY number DESC LIMIT 1",
            )
            .bind(pid)
            .fetch_optional(&mut *tx)
            .await?;
            if latest.map(|(_, n, v)| (n, v)) != started_from {
                return Ok(AgreementSaved::Stale);
            }
            let signed: i64 =
                match latest {
                    Some((id, _, _)) => sqlx::query_scalar(
                        "SELECT COUNT(*) FROM agreement_signoffs WHERE agreement_version_id = $1",
                    )
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await?,
                    None => 0,
                };
            let [roles, decisions, money, information, disagreements, joining] = &f.sections;
            let saved = match latest {
                Some((id, number, version)) if signed == 0 => {
                    let r = sqlx::query(
                        "UPDATE agreement_versions SET purpose = $1, roles = $2, decisions = $3,
                             money = $4, information = $5, disagreements = $6, joining = $7,
                             review_on = $8, partners = $9, updated_at = $10,
                             version = version + 1
                         WHERE id = $11 AND version = $12",
                    )
                    .bind(&f.purpose)
                    .bind(roles)
                    .bind(decisions)
                    .bind(money)
                    .bind(information)
                    .bind(disagreements)
                    .bind(joining)
                    .bind(f.review_on.as_deref())
                    .bind(&f.partners)
                    .bind(now)
                    .bind(id)
                    .bind(version)
                    .execute(&mut *tx)
                    .await?;
                    if r.rows_affected() != 1 {
                        return Ok(AgreementSaved::Stale);
                    }
                    AgreementSaved::Changed(number)
                }
                _ => {
                    let number = latest.map_or(1, |(_, n, _)| n + 1);
                    sqlx::query(
                        "INSERT INTO agreement_versions (partnership_id, number, purpose, roles,
                             decisions, money, information, disagreements, joining, review_on,
                             partners, created_by, created_at, updated_at)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13)",
                    )
                    .bind(pid)
                    .bind(number)
                    .bind(&f.purpose)
                    .bind(roles)
                    .bind(decisions)
                    .bind(money)
                    .bind(information)
                    .bind(disagreements)
                    .bind(joining)
                    .bind(f.review_on.as_deref())
                    .bind(&f.partners)
                    .bind(user_id)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                    AgreementSaved::NewVersion(number)
                }
            };
            tx.commit().await?;
            Ok(saved)
        })
    }

    /// A lead asks the partners to sign a version.
    pub async fn request_signoff(&self, version_id: Id, now: Timestamp) -> DbResult<()> {
        writer!(self, |w| {
            sqlx::query(
                "UPDATE agreement_versions SET requested_at = $1
                 WHERE id = $2 AND requested_at IS NULL",
            )
            .bind(now)
            .bind(version_id)
            .execute(w)
            .await?;
            Ok(())
        })
    }

    /// Record an organisation's sign-off of a version; false if it had already signed.
    pub async fn sign_agreement(
        &self,
        v: &AgreementRow,
        org: (Id, &str),
        signer: (Id, &str),
        now: Timestamp,
    ) -> DbResult<bool> {
        writer!(self, |w| {
            let r = sqlx::query(
                "INSERT INTO agreement_signoffs (agreement_version_id, partnership_id,
                     organisation_id, organisation_name, signed_by, signer_name, signed_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)
                 ON CONFLICT (agreement_version_id, organisation_id) DO NOTHING",
            )
            .bind(v.id)
            .bind(v.partnership_id)
            .bind(org.0)
            .bind(org.1)
            .bind(signer.0)
            .bind(signer.1)
            .bind(now)
            .execute(w)
            .await?;
            Ok(r.rows_affected() == 1)
        })
    }
}
