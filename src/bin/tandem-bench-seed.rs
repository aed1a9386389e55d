//! Seeds a database for `scripts/bench`: N partnerships with M members each, through
//! the same `Database` trait the app uses. Prints one lead's partnership slug and a
//! session token, so the load generator can fetch that partnership's home page.
//!
//! Usage: tandem-bench-seed DATABASE_URL PARTNERSHIPS MEMBERS_EACH

use std::sync::Arc;

use anyhow::{Context, bail};
use tandem::db::{AcceptInvite, CreatePartnership, CreateUser, Database, Engine, Joiner};
use tandem::domain::model::{NewInvite, NewPartnership, NewUser};
use tandem::domain::now;
use tandem::domain::roles::Role;
use tandem::security;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 4 {
        bail!("usage: tandem-bench-seed DATABASE_URL PARTNERSHIPS MEMBERS_EACH");
    }
    let partnerships: usize = args[2].parse().context("PARTNERSHIPS")?;
    let members: usize = args[3].parse().context("MEMBERS_EACH")?;
    let db = tandem::db::connect(&args[1]).await?;
    db.migrate().await?;
    // One hash for everyone: seeding 20,000 argon2 hashes would take minutes.
    let hash = security::hash_password("bench password that nobody uses")?;
    let started = std::time::Instant::now();
    let workers = if db.engine() == Engine::Postgres {
        8
    } else {
        1
    };
    let mut tasks = Vec::new();
    for w in 0..workers {
        let db = db.clone();
        let hash = hash.clone();
        tasks.push(tokio::spawn(async move {
            for p in (w..partnerships).step_by(workers) {
                seed_one(db.as_ref(), &hash, p, members).await?;
            }
            anyhow::Ok(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    eprintln!(
        "seeded {partnerships} partnerships x {members} members in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    // A session for the lead of partnership 0.
    let lead = db
        .user_by_email("lead0@bench.test")
        .await?
        .context("lead0")?;
    let token = security::new_token();
    db.create_session(&security::token_hash(&token), lead.id, now())
        .await?;
    println!("bench-0 {token}");
    let _keep: Arc<dyn Database> = db;
    Ok(())
}

async fn user(db: &dyn Database, email: String, name: String, hash: &str) -> anyhow::Result<i64> {
    let new = NewUser {
        email,
        display_name: name,
        password_hash: hash.to_string(),
        is_admin: false,
    };
    match db.create_user(&new, now()).await? {
        CreateUser::Created(u) => Ok(u.id),
        CreateUser::EmailTaken => bail!("database already seeded; use an empty one"),
    }
}

async fn seed_one(db: &dyn Database, hash: &str, p: usize, members: usize) -> anyhow::Result<()> {
    let lead = user(
        db,
        format!("lead{p}@bench.test"),
        format!("Lead Person {p}"),
        hash,
    )
    .await?;
    let new = NewPartnership {
        slug: format!("bench-{p}"),
        name: format!("Bench Partnership {p}"),
        aim:
            "Everyone in the area gets joined-up support, sooner, with less repeating their story."
                .into(),
        description: "A partnership made up for the benchmark.".into(),
        organisation_name: format!("Council {p}"),
        organisation_kind: "council".into(),
    };
    let CreatePartnership::Created(part) = db.create_partnership(&new, lead, now()).await? else {
        bail!("slug taken: use an empty database");
    };
    let mut orgs = vec![db.organisations(part.id).await?[0].id];
    for (name, kind) in [
        ("Health Board", "health"),
        ("Carers Centre", "charity"),
        ("Housing Trust", "housing"),
    ] {
        if let Some(id) = db
            .add_organisation(part.id, &format!("{name} {p}"), kind, now())
            .await?
        {
            orgs.push(id);
        }
    }
    for m in 1..members {
        let token = security::new_token();
        let role = if m % 7 == 0 {
            Role::Observer
        } else {
            Role::Member
        };
        db.create_invite(
            &NewInvite {
                partnership_id: part.id,
                organisation_id: orgs[m % orgs.len()],
                role,
                note: String::new(),
                token_hash: security::token_hash(&token),
                created_by: lead,
                expires_at: now() + 86_400,
            },
            now(),
        )
        .await?;
        let id = user(
            db,
            format!("m{m}.p{p}@bench.test"),
            format!("Member {m} of {p}"),
            hash,
        )
        .await?;
        match db
            .accept_invite(&security::token_hash(&token), &Joiner::Existing(id), now())
            .await?
        {
            AcceptInvite::Joined { .. } => {}
            other => bail!("could not join: {other:?}"),
        }
    }
    Ok(())
}
