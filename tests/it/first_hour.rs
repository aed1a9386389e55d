//! What people meet in their first hour: "For you" on the home page and "Your
//! partnerships", a new partnership's getting-started list, who can own an action,
//! dates as people type them, and asking before what cannot be undone.

use axum::http::StatusCode;
use tandem::domain::time::{add_days, today};

use crate::both_engines;
use crate::conversations::{id_after, plan, planned_with_a_card, team};
use crate::helpers::TestApp;

both_engines!(
    for_you_lists_what_waits_for_me_and_nothing_else,
    getting_started_follows_what_has_happened,
    observers_cannot_own_actions_and_the_page_says_why,
    dates_are_read_as_people_type_them_and_kept_when_wrong,
    deleting_a_conversation_asks_first,
    a_form_on_a_long_page_comes_back_where_it_was_with_what_was_typed,
    the_answer_form_numbers_its_questions_and_names_them_in_full,
    results_lead_with_the_headline_and_fold_the_detail,
    the_record_says_who_came_and_a_meeting_far_ahead_asks_before_held,
    notes_can_be_previewed_without_saving_and_keep_their_lines,
);

async fn for_you_lists_what_waits_for_me_and_nothing_else(app: TestApp) {
    let mut t = team(&app).await;
    let slug = t.slug.clone();
    let home = format!("/p/{slug}");
    let today = today("Europe/London");
    let page = t.bea.get(&home).await;
    page.assert_contains("For you");
    page.assert_contains("Nothing is waiting for you");

    // A round to answer, until it is sent; never for an observer.
    let r = t
        .lead
        .post(
            &format!("/p/{slug}/stock"),
            &[
                ("instrument", "spectrum"),
                ("title", "Where we stand"),
                ("opens", &today),
                ("closes", &add_days(&today, 7)),
                ("mode", "named"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let round = id_after(r.location(), "/stock/");
    let answer = format!("/p/{slug}/stock/{round}/answer");
    let page = t.bea.get(&home).await;
    page.assert_contains(&format!("<a href=\"{answer}\">Answer “Where we stand”</a>"));
    page.assert_contains("closes at the end of");
    t.obs.get(&home).await.assert_lacks(&answer);

    // Actions: mine overdue and due soon are listed, far off and others' are not.
    for (title, owner, due) in [
        ("Book the venue", t.bea_id, add_days(&today, -3)),
        ("Draft the leaflet", t.bea_id, add_days(&today, 5)),
        ("Plan next year", t.bea_id, add_days(&today, 60)),
        ("Job for Cal", t.cal_id, add_days(&today, 1)),
    ] {
        let r = t
            .lead
            .post(
                &format!("/p/{slug}/actions"),
                &[
                    ("title", title),
                    ("owner", &format!("u:{owner}")),
                    ("due", &due),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
    let page = t.bea.get(&home).await;
    page.assert_contains("Book the venue");
    page.assert_contains("overdue: it was due on");
    page.assert_contains("Draft the leaflet");
    page.assert_lacks("Plan next year");
    page.assert_lacks("Job for Cal");

    // A conversation I am invited to, with a card to add my views to.
    let conv = plan(&mut t.lead, &slug, "Spring meeting", &add_days(&today, 10)).await;
    t.lead
        .post(
            &format!("/p/{slug}/conversations/{conv}/items"),
            &[("title", "Referrals"), ("minutes", "")],
        )
        .await;
    t.lead
        .post(
            &format!("/p/{slug}/conversations/{conv}/attendees"),
            &[("member", &t.bea_id.to_string())],
        )
        .await;
    let page = t.bea.get(&home).await;
    page.assert_contains("Add your views before “Spring meeting” (0 of 1 agenda item done)");
    t.cal.get(&home).await.assert_lacks("Spring meeting");

    // A draft of notes I left.
    let item = app.db.agenda(conv).await.unwrap()[0].id;
    let item_url = format!("/p/{slug}/conversations/{conv}/items/{item}");
    let r = t
        .bea
        .post(
            &format!("{item_url}/draft"),
            &[
                ("notes", "Half-typed thought"),
                ("agreed", ""),
                ("differ", ""),
                ("version", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let page = t.bea.get(&home).await;
    page.assert_contains(&format!(
        "<a href=\"{item_url}\">Finish your notes on “Referrals” (Spring meeting)</a>"
    ));

    // "Your partnerships" lists the same, naming the partnership; another partnership's
    // home does not.
    let page = t.bea.get("/partnerships").await;
    page.assert_contains("Answer “Where we stand”");
    page.assert_contains("Book the venue");
    page.assert_contains("Ayr · ");
    let mut other = app.signed_in(t.bea_id).await;
    let other_slug = app.partnership(&mut other, "Elsewhere", "elsewhere").await;
    let page = other.get(&format!("/p/{other_slug}")).await;
    page.assert_lacks("Book the venue");
    page.assert_lacks("Where we stand");

    // Once sent, the round leaves the list.
    let r = t
        .bea
        .post(
            &answer,
            &[
                ("a-now", "coordinating"),
                ("a-wanted", "collaborating"),
                ("intent", "send"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    t.bea.get(&home).await.assert_lacks(&answer);

    // Someone who has left the partnership sees nothing of it.
    t.cal
        .get("/partnerships")
        .await
        .assert_contains("Job for Cal");
    let r = t
        .cal
        .post(&format!("/p/{slug}/leave"), &[("confirm", "yes")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = t.cal.get("/partnerships").await;
    page.assert_lacks("Job for Cal");
    page.assert_lacks("Ayr · ");
}

async fn getting_started_follows_what_has_happened(app: TestApp) {
    let ann = app.user("ann@example.org", "Ann", false).await;
    let mut a = app.signed_in(ann).await;
    let slug = app.partnership(&mut a, "New Start", "new-start").await;
    let home = format!("/p/{slug}");
    let status = |page: &str, step: usize| -> bool {
        let at = page
            .find(&format!("id=\"task-{step}-status\""))
            .unwrap_or_else(|| panic!("no step {step}"));
        page[at..].starts_with(&format!("id=\"task-{step}-status\">Done"))
    };
    let page = a.get(&home).await;
    page.assert_contains("Getting started");
    page.assert_contains(&format!("href=\"/p/{slug}/people#orgs-heading\""));
    page.assert_contains(&format!(
        "href=\"/p/{slug}/stock/new?instrument=readiness\""
    ));
    assert!((1..=4).all(|s| !status(&page.body, s)), "{}", page.body);

    let pid = app.partnership_id(&slug, ann).await;
    app.db
        .add_organisation(pid, "Carers Centre", "charity", tandem::domain::now())
        .await
        .unwrap()
        .unwrap();
    let page = a.get(&home).await;
    assert!(status(&page.body, 1) && !status(&page.body, 2));

    let orgs = app.db.organisations(pid).await.unwrap();
    let r = a
        .post(
            &format!("/p/{slug}/invites"),
            &[
                ("organisation_id", &orgs[1].id.to_string()),
                ("role", "member"),
                ("note", ""),
            ],
        )
        .await;
    assert!(
        r.status.is_success() || r.status == StatusCode::SEE_OTHER,
        "{}",
        r.body
    );
    assert!(status(&a.get(&home).await.body, 2));

    let today = today("Europe/London");
    let r = a
        .post(
            &format!("/p/{slug}/stock"),
            &[
                ("instrument", "readiness"),
                ("title", ""),
                ("opens", &today),
                ("closes", &add_days(&today, 7)),
                ("mode", "anonymous"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = a.get(&home).await;
    assert!(status(&page.body, 3) && !status(&page.body, 4));
    // A member is not shown the leads' list.
    let bea = app.user("bea@example.org", "Bea", false).await;
    app.join(
        pid,
        orgs[1].id,
        ann,
        bea,
        tandem::domain::roles::Role::Member,
    )
    .await;
    app.signed_in(bea)
        .await
        .get(&home)
        .await
        .assert_lacks("Getting started");

    plan(&mut a, &slug, "First talk", &add_days(&today, 3)).await;
    a.get(&home).await.assert_lacks("Getting started");
}

/// Observers read everything and change nothing, so they are not offered as owners, a
/// crafted form naming one is refused, and an action whose owner was later made an
/// observer says why they cannot update it.
async fn observers_cannot_own_actions_and_the_page_says_why(app: TestApp) {
    let mut t = team(&app).await;
    let slug = t.slug.clone();
    let form = t.lead.get(&format!("/p/{slug}/actions/new")).await;
    form.assert_contains(&format!("value=\"u:{}\"", t.bea_id));
    form.assert_lacks("Olu Observer");
    form.assert_contains("Observers are not listed");
    let obs_id = app
        .db
        .members(t.pid)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.display_name == "Olu Observer")
        .unwrap();
    let r = t
        .lead
        .post(
            &format!("/p/{slug}/actions"),
            &[
                ("title", "Count the leaflets"),
                ("owner", &format!("u:{}", obs_id.user_id)),
                ("due", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    r.assert_contains("Choose someone in the partnership");
    r.assert_contains("value=\"Count the leaflets\"");

    let r = t
        .lead
        .post(
            &format!("/p/{slug}/actions"),
            &[
                ("title", "Count the leaflets"),
                ("owner", &format!("u:{}", t.bea_id)),
                ("due", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let action = r.location().to_string();
    t.lead.get(&action).await.assert_lacks("is an observer");
    let bea_m = app
        .db
        .membership(&slug, t.bea_id)
        .await
        .unwrap()
        .unwrap()
        .1
        .id;
    let r = t
        .lead
        .post(
            &format!("/p/{slug}/members/{bea_m}"),
            &[
                ("role", "observer"),
                ("organisation_id", &t.council.to_string()),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = t.bea.get(&action).await;
    page.assert_contains("is an observer: observers can read everything but change nothing");
    // Still shown as the owner when the action is edited, and marked.
    t.lead
        .get(&format!("{action}/edit"))
        .await
        .assert_contains("(an observer, who cannot update it)");
}

async fn dates_are_read_as_people_type_them_and_kept_when_wrong(app: TestApp) {
    let mut t = team(&app).await;
    let slug = t.slug.clone();
    let add = |due: &'static str| [("title", "Book the hall"), ("owner", ""), ("due", due)];
    let r = t
        .lead
        .post(&format!("/p/{slug}/actions"), &add("31/12/2031"))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = t
        .lead
        .post(&format!("/p/{slug}/actions"), &add("1 Feb 2032"))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let (rows, _) = app
        .db
        .actions(
            t.pid,
            &tandem::domain::actions::ActionFilter {
                limit: 100,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let mut days: Vec<_> = rows.iter().filter_map(|a| a.due_on.clone()).collect();
    days.sort();
    assert_eq!(days, ["2031-12-31", "2032-02-01"]);
    // A wrong date is explained beside the field and kept as typed.
    let r = t
        .lead
        .post(&format!("/p/{slug}/actions"), &add("31/13/2031"))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("The month must be between 1 and 12");
    r.assert_contains("value=\"31/13/2031\"");
    r.assert_contains("type=\"text\" value=\"31/13/2031\"");
    // The same rule for a meeting's date and a round's days.
    let r = t
        .lead
        .post(
            &format!("/p/{slug}/conversations"),
            &[
                ("title", "Winter meeting"),
                ("date", "14 March 2031"),
                ("time", "10:00"),
                ("time_zone", "Europe/London"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = t
        .lead
        .post(
            &format!("/p/{slug}/stock"),
            &[
                ("instrument", "spectrum"),
                ("title", ""),
                ("opens", "tomorrow"),
                ("closes", "31/12/2031"),
                ("mode", "named"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("Enter the date as day, month and year, for example 31/12/2026");
    r.assert_contains("value=\"tomorrow\"");
    r.assert_contains("value=\"31/12/2031\"");
}

async fn deleting_a_conversation_asks_first(app: TestApp) {
    let mut t = team(&app).await;
    let slug = t.slug.clone();
    let conv = plan(&mut t.lead, &slug, "To be deleted", "2031-06-01").await;
    let delete = format!("/p/{slug}/conversations/{conv}/delete");
    let r = t.lead.post(&delete, &[]).await;
    assert_eq!(r.status, StatusCode::OK);
    r.assert_contains("Delete “To be deleted”?");
    r.assert_contains("it cannot be undone");
    r.assert_contains(&format!("action=\"{delete}\""));
    r.assert_contains(&format!("href=\"/p/{slug}/conversations/{conv}\""));
    assert!(app.db.conversation(conv).await.unwrap().is_some());
    let r = t.lead.post(&delete, &[("confirm", "yes")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(app.db.conversation(conv).await.unwrap().is_none());
}

/// Forms that are one of many on a long page (an agenda item's time, the guest form,
/// an action's progress) come back as the same page with the message at that form and
/// what was typed kept; the form's address ends in its anchor, so the browser lands
/// there. Problems that belong to no field are shown as problems, not successes.
async fn a_form_on_a_long_page_comes_back_where_it_was_with_what_was_typed(app: TestApp) {
    let mut t = team(&app).await;
    let slug = t.slug.clone();
    let conv = plan(&mut t.lead, &slug, "Long page", "2031-06-01").await;
    for title in ["First", "Second", "Third"] {
        t.lead
            .post(
                &format!("/p/{slug}/conversations/{conv}/items"),
                &[("title", title), ("minutes", "10")],
            )
            .await;
    }
    let items = app.db.agenda(conv).await.unwrap();
    let item = items[2].id;
    let page = t.lead.get(&format!("/p/{slug}/conversations/{conv}")).await;
    page.assert_contains(&format!("/items/{item}#item-{item}\""));
    for (typed, message) in [
        ("abc", "Enter minutes as a whole number"),
        ("-5", "Minutes must be between 0 and 480"),
        ("100000", "Minutes must be between 0 and 480"),
    ] {
        let r = t
            .lead
            .post(
                &format!("/p/{slug}/conversations/{conv}/items/{item}"),
                &[
                    ("title", "Third, renamed"),
                    ("minutes", typed),
                    ("version", "1"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{typed}");
        r.assert_contains(&format!("<a href=\"#minutes-{item}\">{message}"));
        r.assert_contains(&format!("id=\"minutes-{item}-error\""));
        r.assert_contains(&format!("value=\"{typed}\""));
        r.assert_contains("value=\"Third, renamed\"");
        // The other items keep their own values, and nothing was saved.
        r.assert_contains("value=\"First\"");
        assert!(!r.body.contains("class=\"flash"), "{}", r.body);
    }
    assert_eq!(app.db.agenda_item(item).await.unwrap().unwrap().minutes, 10);

    let r = t
        .lead
        .post(
            &format!("/p/{slug}/conversations/{conv}/attendees"),
            &[("name", "  "), ("organisation", "Carers Centre")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("attendees#guest\"");
    r.assert_contains("<a href=\"#guest-name\">Enter the guest");
    r.assert_contains("id=\"guest-name-error\"");
    r.assert_contains("value=\"Carers Centre\"");

    let (rows, _) = app
        .db
        .actions(
            t.pid,
            &tandem::domain::actions::ActionFilter {
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(rows.is_empty());
    let r = t
        .lead
        .post(
            &format!("/p/{slug}/actions"),
            &[("title", "Write it up"), ("owner", ""), ("due", "")],
        )
        .await;
    let action = r.location().to_string();
    let long = "word ".repeat(500);
    let r = t
        .lead
        .post(
            &format!("{action}/status"),
            &[("status", "in_progress"), ("note", &long)],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("status#progress\"");
    r.assert_contains("Keep the progress note to 2,000 characters or fewer");
    r.assert_contains(&format!(">{long}</textarea>"));
    r.assert_contains("value=\"in_progress\" checked");

    // A problem with no field of its own reads as a problem.
    let r = t
        .lead
        .post(
            &format!("{action}/status"),
            &[("status", "open"), ("note", "")],
        )
        .await;
    let page = t.lead.get(r.location()).await;
    page.assert_contains("class=\"flash flash-problem\" role=\"alert\"><p>Nothing to save");
}

async fn the_answer_form_numbers_its_questions_and_names_them_in_full(app: TestApp) {
    let mut t = team(&app).await;
    let slug = t.slug.clone();
    let today = today("Europe/London");
    let r = t
        .lead
        .post(
            &format!("/p/{slug}/stock"),
            &[
                ("instrument", "health-check"),
                ("title", ""),
                ("opens", &today),
                ("closes", &add_days(&today, 7)),
                ("mode", "anonymous"),
            ],
        )
        .await;
    let round = id_after(r.location(), "/stock/");
    let form = t.bea.get(&format!("/p/{slug}/stock/{round}/answer")).await;
    let total = form.body.matches("<span class=\"q-number\">").count();
    assert!(total > 20, "{total}");
    form.assert_contains(&format!("Question 1 of {total}</span>"));
    form.assert_contains(&format!("Question {total} of {total}</span>"));
    form.assert_contains("class=\"radio choice-apart\"");
    // Facilitator tips stay with the results, not on the form.
    form.assert_lacks("write the versions side by side");
    let r = t
        .bea
        .post(
            &format!("/p/{slug}/stock/{round}/answer"),
            &[("intent", "send")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains(
        "Question 1, “We can describe, in plain words, the problem we are here…”: choose an answer",
    );
}

/// The results page: the scores first, then where people differ in plain words, then
/// every question folded away by part with one legend each; a range of answers that
/// does not reach both ends of the scale is not called "all the way".
async fn results_lead_with_the_headline_and_fold_the_detail(app: TestApp) {
    let mut t = team(&app).await;
    let slug = t.slug.clone();
    let today = today("Europe/London");
    let r = t
        .lead
        .post(
            &format!("/p/{slug}/stock"),
            &[
                ("instrument", "health-check"),
                ("title", "Autumn check"),
                ("opens", &today),
                ("closes", &add_days(&today, 7)),
                ("mode", "named"),
            ],
        )
        .await;
    let round = id_after(r.location(), "/stock/");
    let hc =
        tandem::domain::instruments::parse(include_str!("../../instruments/health-check.toml"))
            .unwrap();
    let keys: Vec<String> = hc
        .sections
        .iter()
        .filter(|s| !s.optional)
        .flat_map(|s| s.items.iter().map(|i| format!("a-{}", i.key)))
        .collect();
    for (c, pick) in [
        (&mut t.bea, "strongly-agree"),
        (&mut t.cal, "disagree"),
        (&mut t.lead, "agree"),
    ] {
        let mut fields: Vec<(&str, &str)> = keys.iter().map(|k| (k.as_str(), pick)).collect();
        fields.push(("intent", "send"));
        let r = c
            .post(&format!("/p/{slug}/stock/{round}/answer"), &fields)
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
    t.lead
        .post(
            &format!("/p/{slug}/stock/{round}/close"),
            &[("confirm", "yes")],
        )
        .await;
    let page = t.bea.get(&format!("/p/{slug}/stock/{round}/results")).await;
    let at = |needle: &str| {
        page.body
            .find(needle)
            .unwrap_or_else(|| panic!("no {needle:?}"))
    };
    assert!(at("The headline: scores by principle") < at("Where you differ most"));
    assert!(at("Where you differ most") < at("Question by question"));
    page.assert_contains("People answered quite differently.");
    page.assert_lacks("Divergence");
    assert_eq!(
        page.body
            .matches("<details class=\"result-section\"")
            .count(),
        6
    );
    assert_eq!(
        page.body
            .matches("<svg class=\"chart\" id=\"legend-")
            .count(),
        6
    );
    // One answer each: counts first, and equal shares read equal.
    page.assert_contains("1 <span class=\"meta\">(33%)</span>");
    page.assert_lacks("(34%)");
}

async fn the_record_says_who_came_and_a_meeting_far_ahead_asks_before_held(app: TestApp) {
    let mut t = team(&app).await;
    let slug = t.slug.clone();
    let conv = plan(&mut t.lead, &slug, "Far ahead", "2031-06-01").await;
    let base = format!("/p/{slug}/conversations/{conv}");
    t.lead
        .post(&format!("{base}/attendees"), &[("member", "all")])
        .await;
    t.lead
        .post(
            &format!("{base}/attendees"),
            &[("name", "Gail Guest"), ("organisation", "Carers Centre")],
        )
        .await;
    // Not held yet and in the future: no attendance form.
    t.lead.get(&base).await.assert_lacks("Save who came");
    // Held more than two weeks before it starts: asked first.
    let r = t
        .lead
        .post(&format!("{base}/status"), &[("status", "held")])
        .await;
    assert_eq!(r.status, StatusCode::OK);
    r.assert_contains("more than two weeks from now");
    r.assert_contains("name=\"status\" value=\"held\"");
    assert_eq!(
        app.db
            .conversation(conv)
            .await
            .unwrap()
            .unwrap()
            .status
            .as_str(),
        "planned"
    );
    let r = t
        .lead
        .post(
            &format!("{base}/status"),
            &[("status", "held"), ("confirm", "yes")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // Before anyone records who came, the summary says it is the invitation list.
    let summary = t.lead.get(&format!("{base}/summary")).await;
    summary.assert_contains("Who came has not been recorded; these are the people invited.");
    summary.assert_contains("Cal Clark");
    let page = t.lead.get(&base).await;
    page.assert_contains("Save who came");
    page.assert_contains("Who was invited");
    let list = app.db.attendees(conv).await.unwrap();
    let id_of = |name: &str| list.iter().find(|a| a.name == name).unwrap().id.to_string();
    let (bea, cal, gail) = (id_of("Bea Brown"), id_of("Cal Clark"), id_of("Gail Guest"));
    let r = t
        .lead
        .post(
            &format!("{base}/attendance"),
            &[
                (format!("came-{bea}").as_str(), "came"),
                (format!("came-{gail}").as_str(), "came"),
                (format!("came-{cal}").as_str(), "apologies"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let summary = t.lead.get(&format!("{base}/summary")).await;
    summary.assert_lacks("has not been recorded");
    summary.assert_contains("Gail Guest");
    summary.assert_contains("Apologies: Cal Clark (Ayr Health).");
    let who = &summary.body
        [summary.body.find("Who came").unwrap()..summary.body.find("Apologies").unwrap()];
    assert!(
        who.contains("Bea Brown") && !who.contains("Lena Lead") && !who.contains("Cal Clark"),
        "{who}"
    );
    let md = t.lead.get(&format!("{base}/summary.md")).await;
    md.assert_contains("Apologies: Cal Clark (Ayr Health).");
}

async fn notes_can_be_previewed_without_saving_and_keep_their_lines(app: TestApp) {
    let mut t = team(&app).await;
    let slug = t.slug.clone();
    let (conv, item) = planned_with_a_card(&app, &mut t, "Preview").await;
    let url = format!("/p/{slug}/conversations/{conv}/items/{item}");
    let page = t.bea.get(&url).await;
    page.assert_contains("Bold, lists and links");
    page.assert_contains(&format!("formaction=\"{url}/record#notes-preview\""));
    let typed = "Met at **the library**\nRoom 2\n\n- book the hall\n- ask Bea";
    let r = t
        .bea
        .post(
            &format!("{url}/record"),
            &[
                ("notes", typed),
                ("agreed", "Meet monthly"),
                ("version", "1"),
                ("preview", "1"),
            ],
        )
        .await;
    // Shown formatted, the typed text still in the boxes, nothing saved to the record.
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.assert_contains("id=\"notes-preview\"");
    r.assert_contains("Met at <strong>the library</strong><br>");
    r.assert_contains("<li>book the hall</li>");
    r.assert_contains("Met at **the library**\nRoom 2");
    r.assert_contains(">Meet monthly</textarea>");
    let saved = app.db.agenda(conv).await.unwrap();
    assert!(saved[0].notes.is_empty() && saved[0].version == 1);
    // The text is kept as Bea's draft, so leaving the page loses nothing.
    let draft = app.db.draft(t.bea_id, item).await.unwrap().unwrap();
    assert_eq!(draft.notes, typed);
    // Saving keeps each line: a new line stays a new line for everyone who reads it.
    let r = t
        .bea
        .post(
            &format!("{url}/record"),
            &[
                ("notes", typed),
                ("agreed", "Meet monthly"),
                ("version", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = t.obs.get(&url).await;
    page.assert_contains("Met at <strong>the library</strong><br>");
    page.assert_lacks("notes-preview");
    // An item with a record asks before it is taken off the agenda.
    let r = t.bea.post(&format!("{url}/delete"), &[]).await;
    assert_eq!(r.status, StatusCode::OK);
    r.assert_contains("off the agenda?");
    r.assert_contains("the notes of what was said");
    assert_eq!(app.db.agenda(conv).await.unwrap().len(), 1);
    let r = t
        .bea
        .post(&format!("{url}/delete"), &[("confirm", "yes")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(app.db.agenda(conv).await.unwrap().is_empty());
}
