//! Taking stock: rounds, drafts and sending, hidden results and reveal, closed rounds,
//! paper tallies, anonymity in results, divergence into a conversation, exports,
//! trends, checklists and the instrument version guard.

use axum::http::StatusCode;
use tandem::domain::instruments::{Instrument, parse};
use tandem::domain::roles::Role;
use tandem::domain::time::today;

use crate::both_engines;
use crate::conversations::{Team, id_after, team};
use crate::helpers::{Client, TestApp};

both_engines!(
    a_round_opens_collects_drafts_and_answers_and_refuses_bad_input,
    results_stay_hidden_until_close_or_reveal_and_closed_rounds_keep_input,
    anonymous_results_never_show_small_groups_or_names,
    named_rounds_show_who_answered_and_leads_export_answers,
    paper_tallies_are_checked_counted_and_marked,
    differences_lead_to_suggested_cards_and_a_conversation,
    trends_and_exports_follow_the_rounds,
    checklists_tick_note_conflict_and_become_actions,
    changed_wording_needs_a_new_version,
);

fn health_check() -> Instrument {
    parse(include_str!("../../instruments/health-check.toml")).unwrap()
}

fn spectrum() -> Instrument {
    parse(include_str!("../../instruments/spectrum.toml")).unwrap()
}

fn in_days(n: i64) -> String {
    let d: jiff::civil::Date = today("Europe/London").parse().unwrap();
    d.checked_add(jiff::Span::new().days(n))
        .unwrap()
        .to_string()
}

/// Open a round through the form; its id.
async fn open_round(c: &mut Client, slug: &str, instrument: &str, mode: &str) -> i64 {
    let r = c
        .post(
            &format!("/p/{slug}/stock"),
            &[
                ("instrument", instrument),
                ("title", ""),
                ("opens", &today("Europe/London")),
                ("closes", &in_days(7)),
                ("mode", mode),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    id_after(r.location(), "/stock/")
}

/// Every item of the non-optional sections answered with `pick(item index)`.
fn answers(i: &Instrument, pick: impl Fn(usize) -> &'static str) -> Vec<(String, String)> {
    i.sections
        .iter()
        .filter(|s| !s.optional)
        .flat_map(|s| s.items.iter())
        .enumerate()
        .map(|(n, it)| (format!("a-{}", it.key), pick(n).to_string()))
        .collect()
}

async fn send(
    c: &mut Client,
    slug: &str,
    round: i64,
    a: &[(String, String)],
    intent: &str,
) -> crate::helpers::Resp {
    let mut fields: Vec<(&str, &str)> = a.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    fields.push(("intent", intent));
    c.post(&format!("/p/{slug}/stock/{round}/answer"), &fields)
        .await
}

async fn add_member(app: &TestApp, t: &Team, email: &str, name: &str, org: i64) -> Client {
    let id = app.user(email, name, false).await;
    app.join(t.pid, org, t.lead_id, id, Role::Member).await;
    app.signed_in(id).await
}

async fn a_round_opens_collects_drafts_and_answers_and_refuses_bad_input(app: TestApp) {
    let mut t = team(&app).await;
    let slug = t.slug.clone();
    // Only leads open rounds.
    let r = t.bea.get(&format!("/p/{slug}/stock/new")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Bad dates are explained, and what was typed stays.
    let r = t
        .lead
        .post(
            &format!("/p/{slug}/stock"),
            &[
                ("instrument", "health-check"),
                ("title", "Spring check"),
                ("opens", &in_days(3)),
                ("closes", &in_days(1)),
                ("mode", "anonymous"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("The closing day must be on or after the opening day");
    r.assert_contains("value=\"Spring check\"");
    let r = t
        .lead
        .post(
            &format!("/p/{slug}/stock"),
            &[
                ("instrument", "health-check"),
                ("opens", "2031-02-30"),
                ("closes", &in_days(1)),
                ("mode", "anonymous"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("There is no 30 February in 2031");

    let round = open_round(&mut t.lead, &slug, "health-check", "anonymous").await;
    let page = t.bea.get(&format!("/p/{slug}/stock")).await;
    page.assert_contains("Six-principles health check");
    page.assert_contains("Not answered — answer now");

    // A half-finished answer set is kept as a draft and comes back.
    let hc = health_check();
    let all = answers(&hc, |_| "agree");
    let r = send(&mut t.bea, &slug, round, &all[..3], "draft").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let form = t.bea.get(&format!("/p/{slug}/stock/{round}/answer")).await;
    form.assert_contains("here is your draft from");
    assert_eq!(form.body.matches("value=\"agree\" checked").count(), 3);
    // Drafts do not count.
    let page = t.bea.get(&format!("/p/{slug}/stock/{round}")).await;
    page.assert_contains(
        "<strong>0 of 3</strong> people in the partnership who can answer have sent",
    );

    // Sending with questions left out names them; nothing chosen is lost.
    let r = send(&mut t.bea, &slug, round, &all[..5], "send").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("choose an answer");
    assert_eq!(r.body.matches("value=\"agree\" checked").count(), 5);

    // An answer outside the scale is refused, even in a draft.
    let mut bad = all.clone();
    bad[0].1 = "totally".into();
    let r = send(&mut t.bea, &slug, round, &bad, "draft").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("Choose one of the answers listed");
    assert_eq!(
        r.body.matches("value=\"agree\" checked").count(),
        all.len() - 1
    );

    let r = send(&mut t.bea, &slug, round, &all, "send").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = t.bea.get(&format!("/p/{slug}/stock/{round}")).await;
    page.assert_contains("<strong>1 of 3</strong>");
    page.assert_contains("You sent your answers on");
    // Changing after sending keeps it sent.
    let changed = answers(&hc, |_| "strongly-agree");
    let r = send(&mut t.bea, &slug, round, &changed, "draft").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = t.bea.get(&format!("/p/{slug}/stock/{round}")).await;
    page.assert_contains("<strong>1 of 3</strong>");

    // Observers read but do not answer.
    let r = t.obs.get(&format!("/p/{slug}/stock/{round}/answer")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = send(&mut t.obs, &slug, round, &all, "send").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

async fn results_stay_hidden_until_close_or_reveal_and_closed_rounds_keep_input(app: TestApp) {
    let mut t = team(&app).await;
    let slug = t.slug.clone();
    let round = open_round(&mut t.lead, &slug, "health-check", "named").await;
    let hc = health_check();
    for c in [&mut t.bea, &mut t.cal, &mut t.lead] {
        let r = send(c, &slug, round, &answers(&hc, |_| "agree"), "send").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
    }
    let results = format!("/p/{slug}/stock/{round}/results");
    let r = t.bea.get(&results).await;
    r.assert_contains("Results stay hidden until the round closes");
    r.assert_lacks("Where you differ most");
    // Exports are refused while hidden.
    let r = t.bea.get(&format!("{results}.csv")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Members cannot reveal; the lead can.
    let r = t
        .bea
        .post(&format!("/p/{slug}/stock/{round}/reveal"), &[])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = t
        .lead
        .post(&format!("/p/{slug}/stock/{round}/reveal"), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = t.obs.get(&results).await;
    r.assert_contains("Where you differ most");
    r.assert_contains("Nothing stands out");
    // Revealed but still open: answers may change.
    let r = send(
        &mut t.cal,
        &slug,
        round,
        &answers(&hc, |_| "disagree"),
        "send",
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // The results follow at once (they are cached until something changes).
    let r = t.obs.get(&results).await;
    assert!(
        !r.body.contains("Nothing stands out"),
        "results must not be stale"
    );
    r.assert_contains("points apart");

    // Closed: answering is refused, and what was chosen is shown back.
    let r = t
        .bea
        .post(
            &format!("/p/{slug}/stock/{round}/close"),
            &[("confirm", "yes")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // The button asks first; nothing changes until the lead says yes.
    let r = t
        .lead
        .post(&format!("/p/{slug}/stock/{round}/close"), &[])
        .await;
    assert_eq!(r.status, StatusCode::OK);
    r.assert_contains("now?</h1>");
    r.assert_contains("nobody can send or change their answers");
    r.assert_contains("name=\"confirm\" value=\"yes\"");
    assert!(
        app.db
            .round(round)
            .await
            .unwrap()
            .unwrap()
            .closed_at
            .is_none()
    );
    let r = t
        .lead
        .post(
            &format!("/p/{slug}/stock/{round}/close"),
            &[("confirm", "yes")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = send(
        &mut t.bea,
        &slug,
        round,
        &answers(&hc, |_| "strongly-disagree"),
        "send",
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    r.assert_contains("This round has closed");
    r.assert_contains("not saved");
    r.assert_contains("Strongly disagree");
    r.assert_contains(&hc.sections[0].items[0].text.replace('\'', "&#39;"));
    // Nothing changed: Bea's answers are still "agree".
    let r = t.bea.get(&format!("/p/{slug}/stock/{round}/answer")).await;
    r.assert_contains("This round has closed");
    r.assert_contains("Agree");
    r.assert_lacks("Strongly disagree");
}

async fn anonymous_results_never_show_small_groups_or_names(app: TestApp) {
    let mut t = team(&app).await;
    let slug = t.slug.clone();
    let hc = health_check();
    let round = open_round(&mut t.lead, &slug, "health-check", "anonymous").await;
    // Council: lead and Bea. Health: Cal.
    for c in [&mut t.bea, &mut t.lead] {
        send(c, &slug, round, &answers(&hc, |_| "agree"), "send").await;
    }
    t.lead
        .post(&format!("/p/{slug}/stock/{round}/reveal"), &[])
        .await;
    let results = format!("/p/{slug}/stock/{round}/results");
    // Two people: nothing at all.
    let r = t.cal.get(&results).await;
    r.assert_contains("results appear once at least 3 people have answered");
    r.assert_lacks("Question by question");
    // Three people, but Health has one: everyone together only.
    send(
        &mut t.cal,
        &slug,
        round,
        &answers(&hc, |_| "strongly-disagree"),
        "send",
    )
    .await;
    let r = t.cal.get(&results).await;
    r.assert_contains("Question by question");
    r.assert_contains("results are shown for everyone together");
    assert!(
        !r.body.contains(">Ayr Health"),
        "a group of one must not show"
    );
    // No names anywhere in an anonymous round.
    for page in [results.clone(), format!("/p/{slug}/stock/{round}")] {
        let r = t.lead.get(&page).await;
        for name in ["Bea Brown", "Cal Clark"] {
            r.assert_lacks(name);
        }
    }
    let csv = t.lead.get(&format!("{results}.csv")).await;
    csv.assert_lacks("Ayr Health");
    csv.assert_lacks("Bea");
    // Leads cannot download who answered what in an anonymous round.
    let r = t
        .lead
        .get(&format!("/p/{slug}/stock/{round}/answers.csv"))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // Two more from Health and one from Council: Council (3) and Health (3) both show.
    let mut dee = add_member(&app, &t, "dee@example.org", "Dee Dunn", t.health).await;
    let mut eve = add_member(&app, &t, "eve@example.org", "Eve Evans", t.health).await;
    let mut fay = add_member(&app, &t, "fay@example.org", "Fay Ford", t.council).await;
    for c in [&mut dee, &mut eve] {
        send(
            c,
            &slug,
            round,
            &answers(&hc, |_| "strongly-disagree"),
            "send",
        )
        .await;
    }
    send(&mut fay, &slug, round, &answers(&hc, |_| "agree"), "send").await;
    let r = t.cal.get(&results).await;
    r.assert_contains("Ayr Health <span class=\"meta\">(3)</span>");
    r.assert_contains("Where you differ most");
    r.assert_contains("points apart");
    r.assert_lacks("Dee Dunn");
}

async fn named_rounds_show_who_answered_and_leads_export_answers(app: TestApp) {
    let mut t = team(&app).await;
    let slug = t.slug.clone();
    let sp = spectrum();
    let round = open_round(&mut t.lead, &slug, "spectrum", "named").await;
    let now_wanted = |now: &'static str, wanted: &'static str| {
        answers(&sp, move |i| if i == 0 { now } else { wanted })
    };
    send(
        &mut t.bea,
        &slug,
        round,
        &now_wanted("cooperating", "collaborating"),
        "send",
    )
    .await;
    send(
        &mut t.cal,
        &slug,
        round,
        &now_wanted("coordinating", "integrating"),
        "send",
    )
    .await;
    let page = t.obs.get(&format!("/p/{slug}/stock/{round}")).await;
    page.assert_contains("Bea Brown");
    page.assert_contains("Cal Clark");
    // Two of the three who can answer have; the lead has not, and the observer is not
    // asked. The round's address is there to send on.
    page.assert_contains("<strong>2 of 3</strong>");
    let not_yet = &page.body[page.body.find("Who has not answered yet").unwrap()..];
    let not_yet = &not_yet[..not_yet.find("Who has answered").unwrap()];
    assert!(not_yet.contains("Lena Lead"), "{not_yet}");
    assert!(
        !not_yet.contains("Bea Brown") && !not_yet.contains("Olu Observer"),
        "{not_yet}"
    );
    page.assert_contains(&format!("/p/{slug}/stock/{round}/answer\""));
    page.assert_contains("data-copy=\"round-link\"");
    t.lead
        .post(
            &format!("/p/{slug}/stock/{round}/close"),
            &[("confirm", "yes")],
        )
        .await;
    let r = t.obs.get(&format!("/p/{slug}/stock/{round}/results")).await;
    // Now vs wanted per organisation, named groups of any size.
    r.assert_contains("Most common answer, by organisation");
    r.assert_contains("<svg class=\"chart\" id=\"positions-position\"");
    // The spread, not only an average: how many chose each point, per group.
    r.assert_contains("how many chose each point, by group");
    r.assert_contains("Cooperating 1, Co-ordinating 1");
    r.assert_contains("Ayr Health");
    r.assert_contains("Co-ordinating");
    r.assert_contains("Integrating");
    assert!(
        !r.body.contains("answers.csv"),
        "only leads see the raw export link"
    );
    let raw = t
        .bea
        .get(&format!("/p/{slug}/stock/{round}/answers.csv"))
        .await;
    assert_eq!(raw.status, StatusCode::FORBIDDEN);
    let raw = t
        .lead
        .get(&format!("/p/{slug}/stock/{round}/answers.csv"))
        .await;
    assert_eq!(raw.status, StatusCode::OK);
    assert!(
        raw.body
            .starts_with("Person,Organisation,Section,Item,Answer,Sent")
    );
    assert!(raw.body.contains("Bea Brown,Ayr Council"), "{}", raw.body);
    assert!(raw.body.contains("Cal Clark,Ayr Health"));
    assert!(raw.body.contains("Collaborating"));
}

async fn paper_tallies_are_checked_counted_and_marked(app: TestApp) {
    let mut t = team(&app).await;
    let slug = t.slug.clone();
    let round = open_round(&mut t.lead, &slug, "readiness", "named").await;
    let tally = format!("/p/{slug}/stock/{round}/tally");
    let copy = t.obs.get(&format!("/p/{slug}/stock/{round}/paper")).await;
    copy.assert_contains("Tick one box for each question");
    copy.assert_contains("Your name:");
    let r = t.obs.get(&tally).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let form = t.bea.get(&tally).await;
    form.assert_contains("t-expectations-known-yes");
    // Too many for the copies, a word for a count, an answer that does not exist.
    let r = t
        .bea
        .post(
            &tally,
            &[
                ("organisation", "Ayr Health"),
                ("forms", "4"),
                ("t-expectations-known-yes", "3"),
                ("t-expectations-known-not-yet", "2"),
                ("t-expectations-match-yes", "three"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("These add up to 5, more than the 4 paper copies entered");
    r.assert_contains("is not a count");
    r.assert_contains("value=\"three\"");
    r.assert_contains("value=\"4\"");
    let r = t
        .bea
        .post(
            &tally,
            &[
                ("organisation", ""),
                ("forms", "4"),
                ("t-expectations-known-maybe", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("only the answers listed can be counted");
    let r = t
        .bea
        .post(
            &tally,
            &[
                ("organisation", "Nowhere Trust"),
                ("forms", "2"),
                ("t-expectations-known-yes", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // A good batch.
    let r = t
        .bea
        .post(
            &tally,
            &[
                ("organisation", "Ayr Health"),
                ("forms", "4"),
                ("note", "Board meeting"),
                ("t-expectations-known-yes", "3"),
                ("t-expectations-known-not-yet", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = t.cal.get(&format!("/p/{slug}/stock/{round}")).await;
    page.assert_contains("0 people answered, plus 4 on paper");
    page.assert_contains("entered by Bea Brown");
    t.lead
        .post(
            &format!("/p/{slug}/stock/{round}/close"),
            &[("confirm", "yes")],
        )
        .await;
    let r = t.cal.get(&format!("/p/{slug}/stock/{round}/results")).await;
    r.assert_contains("Includes answers from paper copies: 4 from Ayr Health");
    r.assert_contains("3 <span class=\"meta\">(75%)</span>");
    r.assert_contains("mostly");
    // Someone else's batch: only a lead may remove it.
    let batch = app.db.paper_batches(round).await.unwrap()[0].id;
    let del = format!("/p/{slug}/stock/{round}/tally/{batch}/delete");
    let r = t.cal.post(&del, &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = t.bea.post(&del, &[]).await;
    assert_eq!(r.status, StatusCode::OK);
    r.assert_contains("Remove 4 paper forms?");
    assert_eq!(app.db.paper_batches(round).await.unwrap().len(), 1);
    let r = t.bea.post(&del, &[("confirm", "yes")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = t.cal.get(&format!("/p/{slug}/stock/{round}")).await;
    page.assert_contains("<strong>0 of 3</strong>");
    page.assert_lacks("plus 4 on paper");
    // The results (kept until the round's answers change) and their charts follow.
    let r = t.cal.get(&format!("/p/{slug}/stock/{round}/results")).await;
    r.assert_lacks("Includes answers from paper copies");
    r.assert_lacks("(75%)");
    r.assert_lacks("mostly");
}

async fn differences_lead_to_suggested_cards_and_a_conversation(app: TestApp) {
    let mut t = team(&app).await;
    let slug = t.slug.clone();
    let hc = health_check();
    let round = open_round(&mut t.lead, &slug, "health-check", "named").await;
    // Council agrees strongly on the first item; Health strongly disagrees.
    let split = |first: &'static str| answers(&hc, move |i| if i == 0 { first } else { "agree" });
    send(&mut t.lead, &slug, round, &split("strongly-agree"), "send").await;
    send(&mut t.bea, &slug, round, &split("strongly-agree"), "send").await;
    send(
        &mut t.cal,
        &slug,
        round,
        &split("strongly-disagree"),
        "send",
    )
    .await;
    t.lead
        .post(
            &format!("/p/{slug}/stock/{round}/close"),
            &[("confirm", "yes")],
        )
        .await;
    let r = t.bea.get(&format!("/p/{slug}/stock/{round}/results")).await;
    let first = &hc.sections[0].items[0];
    let differ = r
        .body
        .split("id=\"differ\"")
        .nth(1)
        .unwrap()
        .split("id=\"scores\"")
        .next()
        .unwrap();
    // The split item is listed first, with the gap in words and cards from its themes.
    let first_h3 = differ.split("<h3>").nth(1).unwrap();
    assert!(
        first_h3.starts_with(&first.text.replace('\'', "&#39;")),
        "{first_h3}"
    );
    assert!(
        differ.contains(
            "Ayr Council scores this 100 out of 100 and Ayr Health 0 — 100 points apart."
        ),
        "{differ}"
    );
    assert!(differ.contains("Cards to talk it through"));
    assert!(differ.contains("/actions/new?title=Talk+through"));
    // Charts come with tables and sentences.
    r.assert_contains("<svg class=\"chart\" id=\"chart-scores\"");
    r.assert_contains("<caption>Scores out of 100</caption>");
    r.assert_contains("Highest:");
    // Plan a conversation with the suggested cards.
    let r = t
        .obs
        .post(
            &format!("/p/{slug}/stock/{round}/plan"),
            &[("section", "purpose"), ("item", &first.key)],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = t
        .bea
        .post(
            &format!("/p/{slug}/stock/{round}/plan"),
            &[("section", "purpose"), ("item", &first.key)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let conv = id_after(r.location(), "/conversations/");
    let agenda = app.db.agenda(conv).await.unwrap();
    assert!(!agenda.is_empty() && agenda.len() <= 3);
    assert!(agenda.iter().all(|i| i.card_id.is_some()));
    let c = app.db.conversation(conv).await.unwrap().unwrap();
    assert!(c.title.starts_with("Talking about:"));
    assert!(c.purpose.contains("points apart"));
    // Something nobody disagreed about cannot be planned from.
    let r = t
        .bea
        .post(
            &format!("/p/{slug}/stock/{round}/plan"),
            &[("section", "learning"), ("item", "nothing")],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

async fn trends_and_exports_follow_the_rounds(app: TestApp) {
    let mut t = team(&app).await;
    let slug = t.slug.clone();
    let hc = health_check();
    for (n, pick) in [(0, "disagree"), (1, "agree")] {
        let round = open_round(&mut t.lead, &slug, "health-check", "named").await;
        for c in [&mut t.bea, &mut t.cal] {
            send(c, &slug, round, &answers(&hc, |_| pick), "send").await;
        }
        t.lead
            .post(
                &format!("/p/{slug}/stock/{round}/close"),
                &[("confirm", "yes")],
            )
            .await;
        if n == 1 {
            let csv = t
                .obs
                .get(&format!("/p/{slug}/stock/{round}/results.csv"))
                .await;
            assert_eq!(csv.status, StatusCode::OK);
            assert!(
                csv.body
                    .starts_with("Section,Item,Group,People in group,Answer,Count,Score (0-100)")
            );
            assert!(
                csv.body
                    .contains("Clear purpose,(whole section),Everyone,2,,,75"),
                "{}",
                csv.body
            );
            csv.assert_lacks("Bea");
            let (status, pdf) = t
                .obs
                .request_bytes(&format!("/p/{slug}/stock/{round}/results.pdf"))
                .await;
            assert_eq!(status, StatusCode::OK);
            assert!(pdf.starts_with(b"%PDF"));
        }
    }
    let r = t
        .obs
        .get(&format!("/p/{slug}/stock/trends/health-check"))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    r.assert_contains("<svg class=\"chart\" id=\"chart-trend\"");
    r.assert_contains("Clear purpose rose by 50 to 75.");
    r.assert_contains("<td>25</td><td>75</td>");
    // The home page shows the latest scores beside checklist progress.
    let home = t.obs.get(&format!("/p/{slug}")).await;
    home.assert_contains("How the partnership is doing");
    home.assert_contains("0 of ");
    home.assert_contains("<td>75</td>");
}

async fn checklists_tick_note_conflict_and_become_actions(app: TestApp) {
    let mut t = team(&app).await;
    let slug = t.slug.clone();
    let hc = health_check();
    let entry = &hc.sections[0].checklist[0];
    let url = format!("/p/{slug}/checklists/health-check/{}", entry.key);
    let page = t.obs.get(&format!("/p/{slug}/checklists")).await;
    page.assert_contains(&entry.text);
    assert!(
        !page.body.contains("We have done this"),
        "observers get no forms"
    );
    let r = t.obs.post(&url, &[("done", "yes"), ("version", "0")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // A bad evidence link is refused beside the field, with what was typed kept.
    let r = t
        .bea
        .post(
            &url,
            &[
                ("done", "yes"),
                ("note", "Agreed at the May board"),
                ("evidence", "board minutes"),
                ("version", "0"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("Enter a web address starting with https://");
    r.assert_contains("Agreed at the May board");
    r.assert_contains("value=\"board minutes\"");
    let r = t
        .bea
        .post(
            &url,
            &[
                ("done", "yes"),
                ("note", "Agreed at the May board"),
                ("evidence", "https://example.org/minutes"),
                ("version", "0"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = t.obs.get(&format!("/p/{slug}/checklists")).await;
    page.assert_contains("Ticked by Bea Brown on");
    page.assert_contains("https://example.org/minutes");
    page.assert_contains("1 of 5 done");
    // Cal saves from a stale page: nothing is overwritten.
    let r = t
        .cal
        .post(
            &url,
            &[("done", ""), ("note", "Not yet, I think"), ("version", "0")],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    r.assert_contains("Agreed at the May board");
    r.assert_contains("Not yet, I think");
    let ticks = app.db.ticks(t.pid, "health-check").await.unwrap();
    assert!(ticks[0].done);
    assert_eq!(ticks[0].note, "Agreed at the May board");
    // An unticked statement becomes an action.
    let other = &hc.sections[0].checklist[1];
    let r = t
        .bea
        .post(
            &format!("/p/{slug}/checklists/health-check/{}/action", other.key),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.location().ends_with("/edit"));
    let page = t.obs.get(&format!("/p/{slug}/checklists")).await;
    page.assert_contains("Action: <a href=");
    let plan = t.obs.get(&format!("/p/{slug}/actions")).await;
    plan.assert_contains(&other.text.replace('\'', "&#39;"));
    let home = t.obs.get(&format!("/p/{slug}")).await;
    home.assert_contains("1 of 5");
    // Unknown statements are not there.
    let r = t
        .bea
        .post(
            &format!("/p/{slug}/checklists/health-check/nope"),
            &[("version", "0")],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

async fn changed_wording_needs_a_new_version(app: TestApp) {
    // Start-up stored each shipped file; starting again changes nothing.
    tandem::builtin::sync_instruments(app.db.as_ref())
        .await
        .unwrap();
    let rows = app.db.latest_instruments().await.unwrap();
    assert_eq!(rows.len(), 3);
    // Pretend the stored wording differs from the file while the version is the same.
    app.sql("UPDATE instrument_versions SET source = 'key = \"health-check\"' WHERE key = 'health-check'")
        .await;
    let e = tandem::builtin::sync_instruments(app.db.as_ref())
        .await
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("instruments/health-check.toml:2: the wording changed but version is still 1"),
        "{e}"
    );
}
