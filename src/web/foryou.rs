//! "For you": the short list at the top of a partnership's home page and of "Your
//! partnerships" of what is waiting for the person reading it, and the getting-started
//! list a new partnership's leads see.

use crate::db::foryou::ForYou;
use crate::domain::model::Id;
use crate::domain::stock::{RoundState, day_words, round_state};
use crate::domain::time::{add_days, today};
use crate::domain::{Timestamp, now};
use crate::error::AppError;
use crate::web::AppState;
use crate::web::conversations::{conv_url, item_url};
use crate::web::stock::round_url;

/// Actions due within this many days are listed (overdue ones always are).
const DUE_WITHIN_DAYS: i64 = 14;

/// One thing waiting, as a line with a link.
pub struct Waiting {
    /// Where to do it.
    pub href: String,
    /// What to do, in words.
    pub text: String,
    /// When, in words ("closes at the end of 4 March", "overdue since …").
    pub when: String,
    /// Overdue or closing today: shown with a warning tag.
    pub urgent: bool,
    /// The partnership's name (shown on "Your partnerships").
    pub partnership: String,
}

/// What is waiting for `user`, in one partnership or in all of theirs.
pub async fn waiting(
    state: &AppState,
    user: Id,
    partnership: Option<Id>,
) -> Result<Vec<Waiting>, AppError> {
    // The widest "today" anywhere is yesterday or tomorrow in UTC; each line is then
    // judged on its own partnership's today.
    let utc_today = today("UTC");
    let since = add_days(&utc_today, -1);
    let due_by = add_days(&utc_today, DUE_WITHIN_DAYS + 1);
    let from: Timestamp = now() - 6 * 3600;
    let f = state
        .db
        .for_you(user, partnership, &since, &due_by, from)
        .await?;
    Ok(lines(f))
}

/// The lines, most pressing kind first: rounds to answer, actions, conversations,
/// drafts.
fn lines(f: ForYou) -> Vec<Waiting> {
    let mut out = Vec::new();
    for r in f.rounds {
        let today = today(&r.p_time_zone);
        // Not closed early: the query leaves those out.
        if round_state(&r.opens_on, &r.closes_on, false, &today) != RoundState::Open {
            continue;
        }
        out.push(Waiting {
            href: format!("{}/answer", round_url(&r.p_slug, r.id)),
            text: if r.started {
                format!("Finish and send your answers to “{}”", r.title)
            } else {
                format!("Answer “{}”", r.title)
            },
            when: if today == r.closes_on {
                "closes at the end of today".into()
            } else {
                format!("closes at the end of {}", day_words(&r.closes_on))
            },
            urgent: today == r.closes_on,
            partnership: r.p_name,
        });
    }
    for a in f.actions {
        let today = today(&a.p_time_zone);
        if a.due_on > add_days(&today, DUE_WITHIN_DAYS) {
            continue;
        }
        let overdue = a.due_on < today;
        out.push(Waiting {
            href: format!("/p/{}/actions/{}", a.p_slug, a.id),
            text: a.title,
            when: if overdue {
                format!("overdue: it was due on {}", day_words(&a.due_on))
            } else if a.due_on == today {
                "due today".into()
            } else {
                format!("due on {}", day_words(&a.due_on))
            },
            urgent: overdue || a.due_on == today,
            partnership: a.p_name,
        });
    }
    for c in f.conversations {
        let to_add = c.items - c.my_views;
        out.push(Waiting {
            href: conv_url(&c.p_slug, c.id),
            text: if c.items > 0 && to_add > 0 {
                format!(
                    "Add your views before “{}” ({} of {} agenda {} done)",
                    c.title,
                    c.my_views,
                    c.items,
                    if c.items == 1 { "item" } else { "items" }
                )
            } else {
                format!("You are invited to “{}”", c.title)
            },
            when: match c.starts_at {
                Some(t) => crate::web::date_time(t, &c.time_zone),
                None => "no date set yet".into(),
            },
            urgent: false,
            partnership: c.p_name,
        });
    }
    for d in f.drafts {
        out.push(Waiting {
            href: item_url(&d.p_slug, d.conversation_id, d.item_id),
            text: format!(
                "Finish your notes on “{}” ({})",
                d.item_title, d.conversation_title
            ),
            when: format!("draft kept on {}", crate::web::date(d.saved_at)),
            urgent: false,
            partnership: d.p_name,
        });
    }
    out
}

/// One step of the getting-started list.
pub struct Step {
    /// What to do.
    pub text: &'static str,
    /// Where to do it.
    pub href: String,
    /// Why, in a few words.
    pub hint: &'static str,
    /// Done already.
    pub done: bool,
}

/// The four first steps for a new partnership, or nothing once all are done.
pub async fn getting_started(
    state: &AppState,
    pid: Id,
    slug: &str,
    organisations: usize,
    members: usize,
) -> Result<Vec<Step>, AppError> {
    let done = state.db.first_steps(pid).await?;
    let invited = members > 1 || done.invited;
    let (readiness, conversations) = (done.readiness, done.conversation);
    if organisations > 1 && invited && readiness && conversations {
        return Ok(Vec::new());
    }
    let deck = match done.deck {
        Some(id) => format!("/p/{slug}/decks/{id}"),
        None => format!("/p/{slug}/cards"),
    };
    Ok(vec![
        Step {
            text: "Add the other organisations",
            href: format!("/p/{slug}/people#orgs-heading"),
            hint: "Everyone in the partnership, so people can join as part of theirs.",
            done: organisations > 1,
        },
        Step {
            text: "Invite people",
            href: format!("/p/{slug}/people#invites-heading"),
            hint: "Make an invitation link for each person and send it to them.",
            done: invited,
        },
        Step {
            text: "Try the readiness check",
            href: format!("/p/{slug}/stock/new?instrument=readiness"),
            hint: "A short set of questions on whether a partnership is the right way forward.",
            done: readiness,
        },
        Step {
            text: "Plan a first conversation",
            href: deck,
            hint: "The “Seven conversations for a new partnership” deck has a card for each first talk.",
            done: conversations,
        },
    ])
}
