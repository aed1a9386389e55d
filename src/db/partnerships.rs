//! Partnerships in storage: creating one, finding the one behind a URL together with
//! the visitor's membership, and changing its details.
//!
//! Every transaction that changes a partnership's organisations or members starts with
//! [`lock_partnership`], which bumps `partnerships.version`. The write takes
//! PostgreSQL's row lock and SQLite's write lock, so two requests cannot both pass a
//! check such as "at least one lead remains", and the new version tells every node
//! that its cached lists for that partnership are stale.

use super::*;
use crate::domain::Timestamp;
use crate::domain::model::*;
use crate::domain::roles::Role;

/// Result of creating a partnership.
#[derive(Debug)]
pub enum CreatePartnership {
    /// The partnership was made, with its first organisation and lead.
    Created(Partnership),
    /// Another partnership already has that web address.
    SlugTaken,
}

/// A membership joined with its partnership.
#[derive(sqlx::FromRow)]
pub(super) struct MembershipRow {
    #[sqlx(flatten)]
    pub partnership: Partnership,
    pub m_id: Id,
    pub m_user_id: Id,
    pub m_organisation_id: Id,
    pub m_role: String,
    pub m_joined_at: i64,
}

impl Store {
    /// Create a partnership, its first organisation, and make `creator` its lead.
    pub async fn create_partnership(
        &self,
        new: &NewPartnership,
        creator: Id,
        now: Timestamp,
    ) -> DbResult<CreatePartnership> {
        access_writer!(self, |w| {
            let mut tx = w.begin().await?;
            let r = sqlx::query_as::<_, Partnership>(
                "INSERT INTO partnerships (slug, name, aim, description, created_by,
                     created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $6)
                 RETURNING id, slug, name, aim, description, created_at, version, time_zone",
            )
            .bind(&new.slug)
            .bind(&new.name)
            .bind(&new.aim)
            .bind(&new.description)
            .bind(creator)
            .bind(now)
            .fetch_one(&mut *tx)
            .await;
            let p = match r {
                Ok(p) => p,
                Err(e) if is_unique_violation(&e) => return Ok(CreatePartnership::SlugTaken),
                Err(e) => return Err(e),
            };
            let org_id: Id = sqlx::query_scalar(
                "INSERT INTO organisations (partnership_id, name, kind, created_at)
                 VALUES ($1, $2, $3, $4)
                 RETURNING id",
            )
            .bind(p.id)
            .bind(&new.organisation_name)
            .bind(&new.organisation_kind)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO memberships (partnership_id, user_id, organisation_id, role, joined_at)
                 VALUES ($1, $2, $3, 'lead', $4)",
            )
            .bind(p.id)
            .bind(creator)
            .bind(org_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(CreatePartnership::Created(p))
        })
    }

    /// The partnership with this slug and the user's membership of it — `None` when
    /// either is missing, so outsiders and missing partnerships look the same.
    pub async fn membership(
        &self,
        slug: &str,
        user_id: Id,
    ) -> DbResult<Option<(Partnership, Membership)>> {
        reader!(self, |r| {
            let row: Option<MembershipRow> = sqlx::query_as(
                "SELECT p.id, p.slug, p.name, p.aim, p.description, p.created_at, p.version,
                     p.time_zone,
                        m.id AS m_id, m.user_id AS m_user_id,
                            m.organisation_id AS m_organisation_id,
                        m.role AS m_role, m.joined_at AS m_joined_at
                 FROM partnerships p JOIN memberships m ON m.partnership_id = p.id
                     AND m.user_id = $2
                 WHERE p.slug = $1",
            )
            .bind(slug)
            .bind(user_id)
            .fetch_optional(r)
            .await?;
            let Some(r) = row else { return Ok(None) };
            let role = Role::parse(&r.m_role)
                .ok_or_else(|| sqlx::Error::Decode(format!("bad role {:?}", r.m_role).into()))?;
            let m = Membership {
                id: r.m_id,
                partnership_id: r.partnership.id,
                user_id: r.m_user_id,
                organisation_id: r.m_organisation_id,
                role,
                joined_at: r.m_joined_at,
            };
            Ok(Some((r.partnership, m)))
        })
    }

    /// The id of the partnership with this slug (for the command line; no access check).
    pub async fn partnership_id_by_slug(&self, slug: &str) -> DbResult<Option<Id>> {
        reader!(self, |r| {
            sqlx::query_scalar("SELECT id FROM partnerships WHERE slug = $1")
                .bind(slug)
                .fetch_optional(r)
                .await
        })
    }

    /// Partnerships the user belongs to.
    pub async fn my_partnerships(&self, user_id: Id) -> DbResult<Vec<MyPartnership>> {
        reader!(self, |r| {
            sqlx::query_as(
                "SELECT p.slug, p.name, p.aim, m.role, o.name AS organisation_name,
                        (SELECT COUNT(*) FROM memberships x WHERE x.partnership_id = p.id) AS member_count
                 FROM memberships m
                 JOIN partnerships p ON p.id = m.partnership_id
                 JOIN organisations o ON o.id = m.organisation_id
                 WHERE m.user_id = $1
                 ORDER BY lower(p.name), p.id",
            )
            .bind(user_id)
            .fetch_all(r)
            .await
        })
    }

    /// Change name, aim, description and time zone.
    pub async fn update_partnership(
        &self,
        id: Id,
        name: &str,
        aim: &str,
        description: &str,
        time_zone: &str,
        now: Timestamp,
    ) -> DbResult<()> {
        access_writer!(self, |w| {
            sqlx::query(
                "UPDATE partnerships
                 SET name = $1, aim = $2, description = $3, time_zone = $4, updated_at = $5
                 WHERE id = $6",
            )
            .bind(name)
            .bind(aim)
            .bind(description)
            .bind(time_zone)
            .bind(now)
            .bind(id)
            .execute(w)
            .await
            .map(|_| ())
        })
    }
}

/// Bump a partnership's version inside a transaction, taking its lock until commit.
pub(super) async fn lock_partnership(
    conn: impl Into<Conn<'_>>,
    partnership_id: Id,
) -> DbResult<()> {
    on_conn!(conn.into(), |c| {
        sqlx::query("UPDATE partnerships SET version = version + 1 WHERE id = $1")
            .bind(partnership_id)
            .execute(&mut *c)
            .await
            .map(|_| ())
    })
}
