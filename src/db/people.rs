//! People in storage: a partnership's organisations, members and invitations. Each
//! change takes the partnership's lock first (see `partnerships::lock_partnership`).

use super::partnerships::lock_partnership;
use super::*;
use crate::domain::Timestamp;
use crate::domain::model::*;
use crate::domain::roles::Role;

/// Result of changing a partnership's membership.
#[derive(Debug, PartialEq, Eq)]
pub enum MemberChange {
    /// The change was made.
    Done,
    /// The change would leave the partnership with no lead.
    LastLead,
    /// No such member (or organisation) in this partnership.
    NotFound,
}

/// Result of removing an organisation.
#[derive(Debug, PartialEq, Eq)]
pub enum RemoveOrganisation {
    /// The organisation is gone.
    Removed,
    /// People or open invitations still belong to it.
    InUse,
    /// No such organisation in this partnership.
    NotFound,
}

/// Who is accepting an invitation.
#[derive(Debug, Clone)]
pub enum Joiner {
    /// Someone signed in already: their account id.
    Existing(Id),
    /// Someone new: the account to make.
    New(NewUser),
}

/// Result of accepting an invitation.
#[derive(Debug)]
pub enum AcceptInvite {
    /// They are now a member.
    Joined {
        /// The member's account.
        user_id: Id,
        /// The partnership's web address, to go to next.
        slug: String,
    },
    /// They were a member already; the invitation stays unused.
    AlreadyMember {
        /// The partnership's web address, to go to next.
        slug: String,
    },
    /// Used, revoked or expired (or never existed).
    NotValid,
    /// Another account already has the new account's email.
    EmailTaken,
}

impl Store {
    /// Organisations in a partnership, by name, with member counts.
    pub async fn organisations(&self, partnership_id: Id) -> DbResult<Vec<Organisation>> {
        reader!(self, |r| {
            sqlx::query_as(
                "SELECT o.id, o.partnership_id, o.name, o.kind,
                        (SELECT COUNT(*) FROM memberships m WHERE m.organisation_id = o.id) AS member_count
                 FROM organisations o WHERE o.partnership_id = $1
                 ORDER BY lower(o.name), o.id",
            )
            .bind(partnership_id)
            .fetch_all(r)
            .await
        })
    }

    /// Add an organisation; `None` when the name is already used in this partnership.
    pub async fn add_organisation(
        &self,
        partnership_id: Id,
        name: &str,
        kind: &str,
        now: Timestamp,
    ) -> DbResult<Option<Id>> {
        access_writer!(self, |w| {
            let mut tx = w.begin().await?;
            lock_partnership(&mut tx, partnership_id).await?;
            let r = sqlx::query_scalar(
                "INSERT INTO organisations (partnership_id, name, kind, created_at)
                 VALUES ($1, $2, $3, $4)
                 RETURNING id",
            )
            .bind(partnership_id)
            .bind(name)
            .bind(kind)
            .bind(now)
            .fetch_one(&mut *tx)
            .await;
            match r {
                Ok(id) => {
                    tx.commit().await?;
                    Ok(Some(id))
                }
                Err(e) if is_unique_violation(&e) => Ok(None),
                Err(e) => Err(e),
            }
        })
    }

    /// Remove an organisation nobody belongs to.
    pub async fn remove_organisation(
        &self,
        partnership_id: Id,
        organisation_id: Id,
    ) -> DbResult<RemoveOrganisation> {
        access_writer!(self, |w| {
            let mut tx = w.begin().await?;
            lock_partnership(&mut tx, partnership_id).await?;
            let found = sqlx::query(
                "SELECT id
                 FROM organisations
                 WHERE id = $1 AND partnership_id = $2",
            )
            .bind(organisation_id)
            .bind(partnership_id)
            .fetch_optional(&mut *tx)
            .await?;
            if found.is_none() {
                return Ok(RemoveOrganisation::NotFound);
            }
            let in_use: i64 = sqlx::query_scalar(
                "SELECT (SELECT COUNT(*) FROM memberships WHERE organisation_id = $1)
                 + (SELECT COUNT(*) FROM invites WHERE organisation_id = $1
                     AND used_at IS NULL AND revoked_at IS NULL)",
            )
            .bind(organisation_id)
            .fetch_one(&mut *tx)
            .await?;
            if in_use > 0 {
                return Ok(RemoveOrganisation::InUse);
            }
            // Old, finished invitations only point at it for the record.
            sqlx::query("DELETE FROM invites WHERE organisation_id = $1")
                .bind(organisation_id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM organisations WHERE id = $1")
                .bind(organisation_id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(RemoveOrganisation::Removed)
        })
    }

    /// Members of a partnership, by organisation then name.
    pub async fn members(&self, partnership_id: Id) -> DbResult<Vec<Member>> {
        reader!(self, |r| {
            sqlx::query_as(
                "SELECT m.id, m.user_id, u.display_name, u.email, m.organisation_id,
                     o.name AS organisation_name,
                        m.role, m.joined_at
                 FROM memberships m
                 JOIN users u ON u.id = m.user_id
                 JOIN organisations o ON o.id = m.organisation_id
                 WHERE m.partnership_id = $1
                 ORDER BY lower(o.name), o.id, lower(u.display_name), m.id",
            )
            .bind(partnership_id)
            .fetch_all(r)
            .await
        })
    }

    /// Change a member's role and organisation, keeping at least one lead.
    pub async fn update_member(
        &self,
        partnership_id: Id,
        membership_id: Id,
        role: Role,
        organisation_id: Id,
    ) -> DbResult<MemberChange> {
        access_writer!(self, |w| {
            let mut tx = w.begin().await?;
            lock_partnership(&mut tx, partnership_id).await?;
            let org_ok: i64 = sqlx::query_scalar(
                "SELECT COUNT(*)
                 FROM organisations
                 WHERE id = $1 AND partnership_id = $2",
            )
            .bind(organisation_id)
            .bind(partnership_id)
            .fetch_one(&mut *tx)
            .await?;
            if org_ok == 0 {
                return Ok(MemberChange::NotFound);
            }
            let changed = sqlx::query(
                "UPDATE memberships
                 SET role = $1, organisation_id = $2
                 WHERE id = $3 AND partnership_id = $4",
            )
            .bind(role.as_str())
            .bind(organisation_id)
            .bind(membership_id)
            .bind(partnership_id)
            .execute(&mut *tx)
            .await?;
            if changed.rows_affected() == 0 {
                return Ok(MemberChange::NotFound);
            }
            if count_leads(&mut tx, partnership_id).await? == 0 {
                return Ok(MemberChange::LastLead); // dropping tx rolls back
            }
            tx.commit().await?;
            Ok(MemberChange::Done)
        })
    }

    /// Remove a member (or let one leave), keeping at least one lead.
    pub async fn remove_member(
        &self,
        partnership_id: Id,
        membership_id: Id,
    ) -> DbResult<MemberChange> {
        access_writer!(self, |w| {
            let mut tx = w.begin().await?;
            lock_partnership(&mut tx, partnership_id).await?;
            let gone = sqlx::query("DELETE FROM memberships WHERE id = $1 AND partnership_id = $2")
                .bind(membership_id)
                .bind(partnership_id)
                .execute(&mut *tx)
                .await?;
            if gone.rows_affected() == 0 {
                return Ok(MemberChange::NotFound);
            }
            if count_leads(&mut tx, partnership_id).await? == 0 {
                return Ok(MemberChange::LastLead);
            }
            tx.commit().await?;
            Ok(MemberChange::Done)
        })
    }

    /// Store a new invitation.
    pub async fn create_invite(&self, new: &NewInvite, now: Timestamp) -> DbResult<Id> {
        writer!(self, |w| {
            sqlx::query_scalar(
                "INSERT INTO invites (partnership_id, token_hash, organisation_id, role, note,
                     created_by, created_at, expires_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            )
            .bind(new.partnership_id)
            .bind(&new.token_hash)
            .bind(new.organisation_id)
            .bind(new.role.as_str())
            .bind(&new.note)
            .bind(new.created_by)
            .bind(now)
            .bind(new.expires_at)
            .fetch_one(w)
            .await
        })
    }

    /// Invitations not yet used, revoked or expired.
    pub async fn open_invites(&self, partnership_id: Id, now: Timestamp) -> DbResult<Vec<Invite>> {
        reader!(self, |r| {
            sqlx::query_as(
                "SELECT i.id, i.partnership_id, p.name AS partnership_name,
                     p.slug AS partnership_slug,
                        i.organisation_id, o.name AS organisation_name, i.role, i.note,
                        COALESCE(u.display_name, 'a former member') AS created_by_name,
                        i.created_at, i.expires_at, i.used_at, i.revoked_at
                 FROM invites i
                 JOIN partnerships p ON p.id = i.partnership_id
                 JOIN organisations o ON o.id = i.organisation_id
                 LEFT JOIN users u ON u.id = i.created_by
                 WHERE i.partnership_id = $1 AND i.used_at IS NULL AND i.revoked_at IS NULL
                     AND i.expires_at > $2
                 ORDER BY i.created_at DESC, i.id DESC",
            )
            .bind(partnership_id)
            .bind(now)
            .fetch_all(r)
            .await
        })
    }

    /// Revoke an open invitation. Returns whether one was revoked.
    pub async fn revoke_invite(
        &self,
        partnership_id: Id,
        invite_id: Id,
        now: Timestamp,
    ) -> DbResult<bool> {
        writer!(self, |w| {
            sqlx::query(
                "UPDATE invites SET revoked_at = $1
                 WHERE id = $2 AND partnership_id = $3 AND used_at IS NULL AND revoked_at IS NULL",
            )
            .bind(now)
            .bind(invite_id)
            .bind(partnership_id)
            .execute(w)
            .await
            .map(|r| r.rows_affected() == 1)
        })
    }

    /// The invitation behind a link, whatever its state.
    pub async fn invite_by_token(&self, token_hash: &str) -> DbResult<Option<Invite>> {
        reader!(self, |r| {
            sqlx::query_as(
                "SELECT i.id, i.partnership_id, p.name AS partnership_name,
                     p.slug AS partnership_slug,
                        i.organisation_id, o.name AS organisation_name, i.role, i.note,
                        COALESCE(u.display_name, 'a former member') AS created_by_name,
                        i.created_at, i.expires_at, i.used_at, i.revoked_at
                 FROM invites i
                 JOIN partnerships p ON p.id = i.partnership_id
                 JOIN organisations o ON o.id = i.organisation_id
                 LEFT JOIN users u ON u.id = i.created_by
                 WHERE i.token_hash = $1",
            )
            .bind(token_hash)
            .fetch_optional(r)
            .await
        })
    }

    /// Use an invitation: join an existing account or create one, atomically and once.
    pub async fn accept_invite(
        &self,
        token_hash: &str,
        joiner: &Joiner,
        now: Timestamp,
    ) -> DbResult<AcceptInvite> {
        access_writer!(self, |w| {
            let mut tx = w.begin().await?;
            // Claim the invitation first: only one request can flip used_at.
            let claimed: Option<(Id, Id, String)> = sqlx::query_as(
                "UPDATE invites SET used_at = $1
                 WHERE token_hash = $2 AND used_at IS NULL AND revoked_at IS NULL
                     AND expires_at > $1
                 RETURNING partnership_id, organisation_id, role",
            )
            .bind(now)
            .bind(token_hash)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((pid, org_id, role)) = claimed else {
                return Ok(AcceptInvite::NotValid);
            };
            lock_partnership(&mut tx, pid).await?;
            let slug: String = sqlx::query_scalar("SELECT slug FROM partnerships WHERE id = $1")
                .bind(pid)
                .fetch_one(&mut *tx)
                .await?;
            let user_id = match joiner {
                Joiner::Existing(id) => {
                    let already: i64 = sqlx::query_scalar(
                        "SELECT COUNT(*)
                         FROM memberships
                         WHERE partnership_id = $1
                             AND user_id = $2",
                    )
                    .bind(pid)
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await?;
                    if already > 0 {
                        // Leave the invitation unused for whoever it was really for.
                        return Ok(AcceptInvite::AlreadyMember { slug });
                    }
                    *id
                }
                Joiner::New(new) => {
                    let r = sqlx::query_scalar(
                        "INSERT INTO users (email, display_name, password_hash, is_admin,
                             disabled, created_at)
                         VALUES ($1, $2, $3, FALSE, FALSE, $4) RETURNING id",
                    )
                    .bind(&new.email)
                    .bind(&new.display_name)
                    .bind(&new.password_hash)
                    .bind(now)
                    .fetch_one(&mut *tx)
                    .await;
                    match r {
                        Ok(id) => id,
                        Err(e) if is_unique_violation(&e) => return Ok(AcceptInvite::EmailTaken),
                        Err(e) => return Err(e),
                    }
                }
            };
            sqlx::query("UPDATE invites SET used_by = $1 WHERE token_hash = $2")
                .bind(user_id)
                .bind(token_hash)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO memberships (partnership_id, user_id, organisation_id, role, joined_at)
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(pid)
            .bind(user_id)
            .bind(org_id)
            .bind(role)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(AcceptInvite::Joined { user_id, slug })
        })
    }
}

/// How many leads a partnership has, inside a transaction.
async fn count_leads(conn: impl Into<Conn<'_>>, partnership_id: Id) -> DbResult<i64> {
    on_conn!(conn.into(), |c| {
        sqlx::query_scalar(
            "SELECT COUNT(*)
             FROM memberships
             WHERE partnership_id = $1 AND role = 'lead'",
        )
        .bind(partnership_id)
        .fetch_one(&mut *c)
        .await
    })
}
