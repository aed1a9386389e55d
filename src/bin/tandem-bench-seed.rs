//! Seeds a database for `scripts/bench`: N partnerships with M members each, through
//! the same `Database` trait the app uses. Prints one lead's partnership slug and a
//! session token, so the load generator can fetch that partnership's home page.
//!
//! Usage: tandem-bench-seed DATABASE_URL PARTNERSHIPS MEMBERS_EACH [CARDS_EACH]
//!
//! With CARDS_EACH, each partnership also gets its own deck of that many cards in five
//! themes, and the deck id of partnership 0 is printed after the token.
//!
//! With BENCH_CONVERSATIONS=N and BENCH_ACTIONS=M in the environment, partnership 0
//! also gets N conversations (five cards each from the shipped openers deck, nine in
//! ten held) and M actions spread over its members, organisations, statuses and dates.
//!
//! With BENCH_ANSWER_SETS=N, partnership 0 also gets a closed, anonymous round of the
//! health check with N sent answer sets from N people spread over its organisations
//! (answers drawn from a fixed pseudo-random sequence, so runs compare), and an open
//! round of it that nobody has answered yet (for the answer form).
//!
//! With BENCH_STAKEHOLDERS=N and BENCH_RISKS=M, partnership 0's file gets N
//! stakeholders with five places each (added, then moved four times over the past
//! months) and M risks spread over the grid, owners and review dates. With
//! BENCH_OUTCOMES=K, its evaluation plan gets K outcomes (over the four levels) with
//! three indicators each and fifty evidence entries per indicator.

use std::sync::Arc;

use anyhow::{Context, bail};
use tandem::db::{AcceptInvite, CreatePartnership, CreateUser, Engine, Joiner, Store};
use tandem::domain::model::{NewInvite, NewPartnership, NewUser};
use tandem::domain::now;
use tandem::domain::roles::Role;
use tandem::security;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 4 && args.len() != 5 {
        bail!("usage: tandem-bench-seed DATABASE_URL PARTNERSHIPS MEMBERS_EACH [CARDS_EACH]");
    }
    let cards_each: usize = args
        .get(4)
        .map(|a| a.parse())
        .transpose()
        .context("CARDS_EACH")?
        .unwrap_or(0);
    let partnerships: usize = args[2].parse().context("PARTNERSHIPS")?;
    let members: usize = args[3].parse().context("MEMBERS_EACH")?;
    let db = Arc::new(Store::connect(&args[1]).await?);
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
                if cards_each > 0 {
                    seed_deck(db.as_ref(), p, cards_each).await?;
                }
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
    let env_n = |k: &str| {
        std::env::var(k)
            .ok()
            .and_then(|v| v.parse::<usize>().ok())
            .unwrap_or(0)
    };
    let (conversations, actions) = (env_n("BENCH_CONVERSATIONS"), env_n("BENCH_ACTIONS"));
    if conversations + actions > 0 {
        seed_talk(db.as_ref(), lead.id, conversations, actions).await?;
    }
    let answer_sets = env_n("BENCH_ANSWER_SETS");
    if answer_sets > 0 {
        seed_stock(db.as_ref(), &hash, lead.id, answer_sets).await?;
    }
    let (stakeholders, risks) = (env_n("BENCH_STAKEHOLDERS"), env_n("BENCH_RISKS"));
    let outcomes = env_n("BENCH_OUTCOMES");
    if stakeholders + risks + outcomes > 0 {
        seed_file(db.as_ref(), lead.id, stakeholders, risks, outcomes).await?;
    }
    if cards_each > 0 {
        let pid = db
            .partnership_id_by_slug("bench-0")
            .await?
            .context("bench-0")?;
        let deck = db
            .decks_for(pid)
            .await?
            .into_iter()
            .find(|d| d.partnership_id == Some(pid))
            .context("deck")?;
        println!("bench-0 {token} {}", deck.id);
    } else {
        println!("bench-0 {token}");
    }
    let _keep: Arc<Store> = db;
    Ok(())
}

async fn user(db: &Store, email: String, name: String, hash: &str) -> anyhow::Result<i64> {
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

async fn seed_one(db: &Store, hash: &str, p: usize, members: usize) -> anyhow::Result<()> {
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

/// Words for made-up questions: each appears in roughly one card in three to one in
/// ten, so searches have a realistic spread of matches.
const WORDS: &[&str] = &[
    "partners",
    "meeting",
    "people",
    "support",
    "money",
    "funding",
    "time",
    "trust",
    "shared",
    "plan",
    "carers",
    "housing",
    "health",
    "council",
    "volunteers",
    "evidence",
    "risk",
    "learning",
    "goal",
    "budget",
    "referrals",
    "community",
    "staff",
    "board",
    "review",
    "outcomes",
    "access",
    "training",
    "rooms",
    "transport",
];

async fn seed_deck(db: &Store, p: usize, cards: usize) -> anyhow::Result<()> {
    use tandem::domain::decks::{CardData, DeckData, ThemeData};
    let mut seed = p as u64 * 7919 + 1;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut themes: Vec<ThemeData> = (0..5)
        .map(|t| ThemeData {
            name: format!("Theme {t}"),
            keywords: vec!["one".into(), "two".into()],
            colour: None,
            cards: vec![],
        })
        .collect();
    for c in 0..cards {
        let n = 3 + (next() % 5) as usize;
        let words: Vec<&str> = (0..n)
            .map(|_| WORDS[(next() % WORDS.len() as u64) as usize])
            .collect();
        let text = format!(
            "How do our {} work for card {c} of partnership {p}?",
            words.join(" ")
        );
        themes[c % 5].cards.push(CardData { text, prompt: None });
    }
    let pid = db
        .partnership_id_by_slug(&format!("bench-{p}"))
        .await?
        .context("partnership")?;
    db.create_deck(
        pid,
        None,
        &DeckData {
            title: format!("Our questions {p}"),
            notes: String::new(),
            themes,
        },
        now(),
    )
    .await?;
    Ok(())
}

/// Conversations and actions for partnership 0.
async fn seed_talk(
    db: &Store,
    lead: i64,
    conversations: usize,
    actions: usize,
) -> anyhow::Result<()> {
    use tandem::domain::{actions::*, conversations::*};
    let started = std::time::Instant::now();
    let pid = db
        .partnership_id_by_slug("bench-0")
        .await?
        .context("bench-0")?;
    tandem::builtin::sync_decks(db).await?;
    let deck = db
        .decks_for(pid)
        .await?
        .into_iter()
        .find(|d| d.title == "Partnership conversation openers")
        .context("openers deck")?;
    let cards = db.deck_cards(deck.id).await?;
    let themes = db.themes(deck.id).await?;
    let talk = db;
    let t0 = now() - 400 * 86400;
    for i in 0..conversations {
        let id = talk
            .create_conversation(
                pid,
                &ConversationFields {
                    title: format!("Meeting {i}"),
                    starts_at: Some(t0 + i as i64 * 86400 / 2),
                    time_zone: "Europe/London".into(),
                    place: "Town hall".into(),
                    facilitator_id: Some(lead),
                    purpose: "Benchmark meeting.".into(),
                },
                lead,
                now(),
            )
            .await?;
        for k in 0..5 {
            // Cover some cards often and leave others alone, as real use would.
            let c = &cards[(i * 7 + k * 3) % 40];
            let theme = themes
                .iter()
                .find(|t| t.id == c.theme_id)
                .context("theme")?;
            talk.add_card_item(
                id,
                &CardSnapshot {
                    card_id: c.id,
                    text: c.text.clone(),
                    prompt: c.prompt.clone(),
                    deck_title: deck.title.clone(),
                    theme_name: theme.name.clone(),
                    colour: theme.colour.clone(),
                },
                10,
                now(),
            )
            .await?;
        }
        if i % 10 != 0 {
            talk.set_conversation_status(id, ConversationStatus::Held, now())
                .await?;
        }
    }
    let dir = db.members(pid).await?;
    let orgs = db.organisations(pid).await?;
    for i in 0..actions {
        let (owner_user_id, owner_org_id) = if i % 4 == 3 {
            (None, Some(orgs[i % orgs.len()].id))
        } else {
            (Some(dir[i % dir.len()].user_id), None)
        };
        let due = jiff::civil::date(2025, 1, 1)
            .checked_add(jiff::Span::new().days((i % 900) as i64))
            .map(|d| d.to_string())
            .ok();
        let id = talk
            .create_action(
                pid,
                &ActionFields {
                    title: format!("Action number {i}: follow up with the partners"),
                    detail: "Made up for the benchmark.".into(),
                    contingency: String::new(),
                    owner_user_id,
                    owner_org_id,
                    due_on: due,
                },
                &ActionSource::default(),
                lead,
                now(),
            )
            .await?;
        let status = ActionStatus::ALL[i % 4];
        if status != ActionStatus::Open {
            talk.update_action_status(id, status, "", lead, now())
                .await?;
        }
    }
    eprintln!(
        "seeded {conversations} conversations and {actions} actions in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

async fn seed_stock(db: &Store, hash: &str, lead: i64, n: usize) -> anyhow::Result<()> {
    use tandem::domain::stock::RoundFields;
    tandem::builtin::sync_instruments(db).await?;
    let started = std::time::Instant::now();
    let pid = db
        .partnership_id_by_slug("bench-0")
        .await?
        .context("bench-0")?;
    let orgs: Vec<String> = db
        .organisations(pid)
        .await?
        .into_iter()
        .map(|o| o.name)
        .collect();
    let stock = db;
    let hc = stock
        .latest_instruments()
        .await?
        .into_iter()
        .find(|i| i.key == "health-check")
        .context("health-check instrument")?;
    let inst = tandem::domain::instruments::parse(&hc.source)
        .map_err(|e| anyhow::anyhow!("health check: {:?}", e.first().map(|e| &e.message)))?;
    let round = stock
        .create_round(
            pid,
            &RoundFields {
                instrument_id: hc.id,
                title: "Benchmark health check".into(),
                opens_on: "2020-01-01".into(),
                closes_on: "2020-01-31".into(),
                anonymous: true,
            },
            lead,
            now(),
        )
        .await?;
    stock
        .create_round(
            pid,
            &RoundFields {
                instrument_id: hc.id,
                title: "Open health check".into(),
                opens_on: "2020-01-01".into(),
                closes_on: "2099-12-31".into(),
                anonymous: true,
            },
            lead,
            now(),
        )
        .await?;
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    for p in 0..n {
        let uid = user(
            db,
            format!("answer{p}@bench.test"),
            format!("Answerer {p}"),
            hash,
        )
        .await?;
        let org = &orgs[p % orgs.len()];
        let mut answers = Vec::new();
        for s in &inst.sections {
            for it in &s.items {
                // xorshift: a fixed sequence, leaning each organisation a different way.
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let options = &inst.scale(&it.scale).context("scale")?.options;
                let k = ((seed % 5) as usize + p % orgs.len()) % options.len();
                answers.push((it.key.clone(), options[k].key.clone()));
            }
        }
        stock
            .save_answers(round, uid, org, &answers, true, now())
            .await?;
    }
    eprintln!(
        "seeded a round with {n} answer sets in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Partnership 0's file: `stakeholders` with five places each, and `risks`.
async fn seed_file(
    db: &Store,
    lead: i64,
    stakeholders: usize,
    risks: usize,
    outcomes: usize,
) -> anyhow::Result<()> {
    use tandem::domain::file::{
        DIRECTIONS, EvidenceFields, IndicatorFields, LEVELS, OutcomeFields, RiskFields, STANCES,
        StakeholderFields, outcome_sentence,
    };
    use tandem::domain::time::add_days;
    let pid = db
        .partnership_id_by_slug("bench-0")
        .await?
        .context("bench-0")?;
    let members: Vec<i64> = db.members(pid).await?.iter().map(|m| m.user_id).collect();
    let today = tandem::domain::time::today("Europe/London");
    for n in 0..stakeholders {
        let place = |k: usize| StakeholderFields {
            name: format!("Stakeholder {n}"),
            group_name: format!("Group {}", n % 17),
            notes: "Cares most about waiting times and being asked early.".into(),
            influence: ((n + k * 3) % 5 + 1) as i64,
            interest: ((n * 7 + k) % 5 + 1) as i64,
            stance: STANCES[(n + k) % STANCES.len()].0.into(),
            owner_user_id: (n % 3 != 0).then(|| members[n % members.len()]),
            contact_every: "monthly".into(),
        };
        let id = db
            .create_stakeholder(pid, &place(0), lead, &add_days(&today, -300), now())
            .await?;
        for k in 1..5 {
            let current = db.stakeholder(id).await?.context("stakeholder")?;
            let day = add_days(&today, -300 + 60 * k as i64);
            db.update_stakeholder(&current, current.version, &place(k), lead, &day, now())
                .await?;
        }
    }
    for n in 0..outcomes {
        let (who, what) = (
            format!("carers in area {n}"),
            "confidence in asking for help",
        );
        let direction = DIRECTIONS[n % DIRECTIONS.len()];
        let o = db
            .create_outcome(
                pid,
                &OutcomeFields {
                    level: LEVELS[n % LEVELS.len()].0.into(),
                    statement: outcome_sentence(&who, direction, what),
                    who,
                    direction: direction.into(),
                    what: what.into(),
                    term: if n % 2 == 0 { "short" } else { "medium" }.into(),
                },
                lead,
                now(),
            )
            .await?;
        let o = db.outcome(o).await?.context("outcome")?;
        for k in 0..3 {
            let i = db
                .create_indicator(
                    &o,
                    &IndicatorFields {
                        name: format!("Indicator {k} of outcome {n}: carers who say so"),
                        method: "A short survey at the end of each session.".into(),
                        collector_user_id: Some(members[(n + k) % members.len()]),
                        collector_org_id: None,
                        collect_when: "Every three months".into(),
                        collect_where: "At the Thursday drop-in".into(),
                    },
                    lead,
                    now(),
                )
                .await?;
            let i = db.indicator(i).await?.context("indicator")?;
            for e in 0..50 {
                db.create_evidence(
                    &i,
                    &EvidenceFields {
                        recorded_on: add_days(&today, -(e as i64) * 7),
                        value: format!("{} of 10 said yes", (n + e) % 11),
                        note: "Fewer said they had nobody to ask than last time.".into(),
                        link: String::new(),
                        file: None,
                        file_path: None,
                    },
                    None,
                    lead,
                    now(),
                )
                .await?;
            }
        }
    }
    if outcomes > 0 {
        // An agreement with every section written, signed for one organisation.
        use tandem::domain::file::{AgreementFields, SECTIONS};
        let orgs = db.organisations(pid).await?;
        db.save_agreement(
            pid,
            None,
            &AgreementFields {
                purpose: "Everyone in the area gets joined-up support, sooner.".into(),
                sections: SECTIONS.map(|s| s.starter.repeat(3)),
                review_on: Some(add_days(&today, 365)),
                partners: orgs
                    .iter()
                    .map(|o| o.name.as_str())
                    .collect::<Vec<_>>()
                    .join("\n"),
            },
            lead,
            now(),
        )
        .await?;
        let v = db.agreement_versions(pid).await?.remove(0);
        db.request_signoff(v.id, now()).await?;
        db.sign_agreement(
            &v,
            (orgs[0].id, &orgs[0].name),
            (lead, "Lead Person 0"),
            now(),
        )
        .await?;
    }
    for n in 0..risks {
        db.create_risk(
            pid,
            &RiskFields {
                title: format!("Risk {n}: a partner's funding ends before the work does"),
                likelihood: (n % 5 + 1) as i64,
                impact: ((n * 3) % 5 + 1) as i64,
                owner_user_id: (n % 2 == 0).then(|| members[n % members.len()]),
                owner_org_id: None,
                prevention: "Each partner says early when money is in doubt.".into(),
                response: "Meet within two weeks and agree what stops.".into(),
                review_on: Some(add_days(&today, n as i64 - 50)),
                status: if n % 10 == 9 { "closed" } else { "open" }.into(),
            },
            lead,
            now(),
        )
        .await?;
    }
    Ok(())
}
