//! Live sessions: joining by code, answering from phones, moderation, anonymity,
//! hand counts, keeping results in the record, codes that stop working, one
//! session's phone kept out of another's, and live events across nodes.

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use tandem::domain::model::Id;
use tower::ServiceExt;

use crate::both_engines;
use crate::conversations::{Team, planned_with_a_card, team};
use crate::helpers::{Client, TestApp};

both_engines!(
    a_room_joins_by_code_and_sends_thoughts_the_facilitator_releases,
    polls_take_one_answer_per_phone_until_they_close,
    anonymous_steps_show_names_to_nobody,
    results_kept_go_into_the_record_and_its_summary,
    codes_stop_working_when_the_session_ends_and_guessing_is_limited,
    a_phone_reaches_nothing_beyond_its_own_session,
    every_node_hears_a_change_to_a_session,
    a_plan_starts_a_session_with_its_own_record,
    every_kind_of_step_takes_and_counts_its_own_answers,
    organisations_are_shown_apart_only_in_groups_of_three,
    thoughts_are_kept_as_decisions_differences_and_actions,
    an_answered_anonymous_step_never_becomes_named,
    what_happened_live_is_in_the_summary_and_its_exports,
    similar_thoughts_group_and_the_room_votes_on_them,
    stopping_the_server_ends_the_event_streams,
    event_streams_are_written_apart_from_hyper
);

/// Start a live session from a planned conversation with one card; returns the
/// session's id, its code and its first step.
async fn started(app: &TestApp, t: &mut Team) -> (Id, String, Id) {
    let (conv, _) = planned_with_a_card(app, t, "Live meeting").await;
    let r = t
        .lead
        .post(
            &format!("/p/{}/live", t.slug),
            &[("conversation", &conv.to_string())],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let id: Id = r.location().rsplit('/').next().unwrap().parse().unwrap();
    let live = app.db.live_session(id).await.unwrap().unwrap();
    let step = app.db.live_steps(id).await.unwrap()[0].id;
    (id, live.code, step)
}

/// A phone that has joined with this name (and no organisation).
async fn phone(app: &TestApp, code: &str, name: &str) -> Client {
    let mut c = app.client();
    let r = c
        .post(
            &format!("/live/{code}/join"),
            &[("name", name), ("organisation", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(c.cookies.contains_key("tandem_live"));
    c
}

fn live(t: &Team, id: Id) -> String {
    format!("/p/{}/live/{id}", t.slug)
}

/// The opening number a phone's page carries in its answer form.
fn opening(body: &str) -> String {
    let at = body
        .find("name=\"opening\" value=\"")
        .expect("an answer form")
        + 22;
    body[at..].split('"').next().unwrap().to_string()
}

async fn a_room_joins_by_code_and_sends_thoughts_the_facilitator_releases(app: TestApp) {
    let mut t = team(&app).await;
    let (id, code, step) = started(&app, &mut t).await;
    let console = t.lead.get(&live(&t, id)).await;
    console.assert_contains(&code);
    // The code box: wrong codes are told so beside the box, with what was typed kept.
    let mut ann = app.client();
    let wrong = ann.post("/live", &[("code", "ZZZ-ZZZ")]).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    wrong.assert_contains("No session has that code");
    wrong.assert_contains("value=\"ZZZ-ZZZ\"");
    let typed = format!("{}-{}", &code[..3].to_lowercase(), &code[3..]);
    let right = ann.post("/live", &[("code", &typed)]).await;
    assert_eq!(right.location(), format!("/live/{code}"));
    let form = ann.get(&format!("/live/{code}")).await;
    form.assert_contains("Join the session");
    form.assert_contains("Rather not say");
    form.assert_contains("Ayr Health");
    // An over-long name is refused beside the box, kept as typed.
    let long = "N".repeat(41);
    let r = ann
        .post(&format!("/live/{code}/join"), &[("name", &long)])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("40 characters");
    r.assert_contains(&long);
    let mut ann = phone(&app, &code, "Ann").await;
    let mut bob = phone(&app, &code, "Bob").await;
    ann.get(&format!("/live/{code}"))
        .await
        .assert_contains("You are in");
    // The facilitator puts the card on the screen: it asks for thoughts.
    t.lead
        .post(
            &format!("{}/show", live(&t, id)),
            &[("step", &step.to_string())],
        )
        .await;
    let page = ann.get(&format!("/live/{code}")).await;
    page.assert_contains("Your thought");
    let at = opening(&page.body);
    let s = step.to_string();
    let empty = ann
        .post(
            &format!("/live/{code}/answer"),
            &[("step", &s), ("opening", &at), ("thought", "  ")],
        )
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    empty.assert_contains("Write your thought first");
    let too_long = "x".repeat(281);
    let r = ann
        .post(
            &format!("/live/{code}/answer"),
            &[("step", &s), ("opening", &at), ("thought", &too_long)],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains(&too_long);
    let secret = "We never share the minutes in time";
    let r = ann
        .post(
            &format!("/live/{code}/answer"),
            &[("step", &s), ("opening", &at), ("thought", secret)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // Held: the facilitator sees it; the screen and the other phones do not.
    let console = t.lead.get(&live(&t, id)).await;
    console.assert_contains(secret);
    console.assert_contains("1 held");
    t.lead
        .get(&format!("{}/screen", live(&t, id)))
        .await
        .assert_lacks(secret);
    bob.get(&format!("/live/{code}")).await.assert_lacks(secret);
    ann.get(&format!("/live/{code}"))
        .await
        .assert_contains("With the facilitator");
    // Released: on the screen and on every phone.
    let thought = app.db.live_thoughts(step).await.unwrap()[0].id;
    t.lead
        .post(
            &format!("{}/steps/{step}/thoughts/{thought}", live(&t, id)),
            &[("do", "release")],
        )
        .await;
    t.lead
        .get(&format!("{}/screen", live(&t, id)))
        .await
        .assert_contains(secret);
    bob.get(&format!("/live/{code}"))
        .await
        .assert_contains(secret);
    // Five thoughts each at most.
    for i in 0..4 {
        ann.post(
            &format!("/live/{code}/answer"),
            &[
                ("step", &s),
                ("opening", &at),
                ("thought", &format!("More {i}")),
            ],
        )
        .await;
    }
    let r = ann
        .post(
            &format!("/live/{code}/answer"),
            &[("step", &s), ("opening", &at), ("thought", "One too many")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("One too many");
    // Deleting a thought takes it off everything.
    t.lead
        .post(
            &format!("{}/steps/{step}/thoughts/{thought}", live(&t, id)),
            &[("do", "delete")],
        )
        .await;
    bob.get(&format!("/live/{code}")).await.assert_lacks(secret);
    // The screen shows the join code and a QR code of the join link.
    let screen = t.lead.get(&format!("{}/screen", live(&t, id))).await;
    screen.assert_contains(&code);
    screen.assert_contains("<svg");
    screen.assert_contains("tandem.test/live");
    // Observers cannot run it.
    assert_eq!(t.obs.get(&live(&t, id)).await.status, StatusCode::FORBIDDEN);
}

/// Set the first step up as a poll with these options.
async fn make_poll(t: &mut Team, id: Id, step: Id, kind: &str, options: &str, named: bool) {
    let mut fields = vec![
        ("title", "How often should we meet?"),
        ("kind", kind),
        ("options", options),
        ("minutes", ""),
    ];
    if named {
        fields.push(("named", "yes"));
    }
    let r = t
        .lead
        .post(&format!("{}/steps/{step}", live(t, id)), &fields)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    t.lead
        .post(
            &format!("{}/show", live(t, id)),
            &[("step", &step.to_string())],
        )
        .await;
}

async fn polls_take_one_answer_per_phone_until_they_close(app: TestApp) {
    let mut t = team(&app).await;
    let (id, code, step) = started(&app, &mut t).await;
    // A poll needs two options; the problem is shown beside the box, typing kept.
    let r = t
        .lead
        .post(
            &format!("{}/steps/{step}", live(&t, id)),
            &[
                ("title", "Q"),
                ("kind", "poll"),
                ("options", "Only one"),
                ("minutes", "2"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("at least two options");
    r.assert_contains("Only one");
    make_poll(
        &mut t,
        id,
        step,
        "poll",
        "Monthly\nQuarterly\nYearly",
        false,
    )
    .await;
    let mut ann = phone(&app, &code, "Ann").await;
    let page = ann.get(&format!("/live/{code}")).await;
    page.assert_contains("Quarterly");
    let at = opening(&page.body);
    let s = step.to_string();
    let send = |c: &str| {
        vec![
            ("step".to_string(), s.clone()),
            ("opening".to_string(), at.clone()),
            ("choice".to_string(), c.to_string()),
        ]
    };
    let post = async |who: &mut Client, f: Vec<(String, String)>| {
        let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        who.post(&format!("/live/{code}/answer"), &f).await
    };
    // An option that does not exist, or two on a poll: told, nothing kept.
    let r = post(&mut ann, send("9")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("not on the list");
    let mut two = send("1");
    two.push(("choice".into(), "2".into()));
    let r = post(&mut ann, two).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("one option only");
    assert!(app.db.live_answers(step).await.unwrap().is_empty());
    // An answer, then a change of mind: one answer per phone.
    post(&mut ann, send("2")).await;
    post(&mut ann, send("1")).await;
    let answers = app.db.live_answers(step).await.unwrap();
    assert_eq!(answers.len(), 1);
    assert_eq!(answers[0].value, "1");
    ann.get(&format!("/live/{code}"))
        .await
        .assert_contains("Change my answer");
    // People without phones: seven hands for "Yearly".
    let r = t
        .lead
        .post(
            &format!("{}/steps/{step}/hands", live(&t, id)),
            &[("hand_3", "7"), ("hand_1", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = t
        .lead
        .post(
            &format!("{}/steps/{step}/hands", live(&t, id)),
            &[("hand_3", "lots")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("whole number");
    r.assert_contains("lots");
    // Results stay off the screen until revealed.
    let screen = t.lead.get(&format!("{}/screen", live(&t, id))).await;
    screen.assert_lacks("by show of hands");
    t.lead
        .post(
            &format!("{}/steps/{step}/state", live(&t, id)),
            &[("do", "reveal")],
        )
        .await;
    let screen = t.lead.get(&format!("{}/screen", live(&t, id))).await;
    screen.assert_contains("(+7 by show of hands)");
    screen.assert_contains("1</span> of 1 answered");
    // Closed: a late answer is not saved, and the phone is shown what it chose.
    t.lead
        .post(
            &format!("{}/steps/{step}/state", live(&t, id)),
            &[("do", "close")],
        )
        .await;
    let late = post(&mut ann, send("3")).await;
    late.assert_contains("Not saved");
    late.assert_contains("You chose: Yearly");
    assert_eq!(app.db.live_answers(step).await.unwrap()[0].value, "1");
    // Opened again: a page loaded before is late; a fresh one is taken.
    t.lead
        .post(
            &format!("{}/steps/{step}/state", live(&t, id)),
            &[("do", "open")],
        )
        .await;
    post(&mut ann, send("3")).await.assert_contains("Not saved");
    let fresh = opening(&ann.get(&format!("/live/{code}")).await.body);
    assert_ne!(fresh, at);
    let r = ann
        .post(
            &format!("/live/{code}/answer"),
            &[("step", &s), ("opening", &fresh), ("choice", "3")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(app.db.live_answers(step).await.unwrap()[0].value, "3");
    // What the step asks cannot change once answered (its counts would be wrong).
    let r = t
        .lead
        .post(
            &format!("{}/steps/{step}", live(&t, id)),
            &[
                ("title", "Q"),
                ("kind", "poll"),
                ("options", "Yes\nNo"),
                ("minutes", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("already answered");
    // A scale and a choices step take their own kinds of answer.
    let steps = app.db.live_steps(id).await.unwrap();
    assert_eq!(steps.len(), 1);
}

async fn anonymous_steps_show_names_to_nobody(app: TestApp) {
    let mut t = team(&app).await;
    let (id, code, step) = started(&app, &mut t).await;
    make_poll(&mut t, id, step, "choices", "Trust\nMoney\nTime", false).await;
    let mut zed = phone(&app, &code, "Zebedee").await;
    let at = opening(&zed.get(&format!("/live/{code}")).await.body);
    let s = step.to_string();
    zed.post(
        &format!("/live/{code}/answer"),
        &[
            ("step", &s),
            ("opening", &at),
            ("choice", "1"),
            ("choice", "3"),
        ],
    )
    .await;
    t.lead
        .post(
            &format!("{}/steps/{step}/state", live(&t, id)),
            &[("do", "reveal")],
        )
        .await;
    // Anonymous: the name is on the list of who joined, and nowhere near an answer.
    let console = t.lead.get(&live(&t, id)).await;
    let now = &console.body[console.body.find("id=\"now\"").unwrap()..];
    let now = &now[..now.find("id=\"steps-heading\"").unwrap()];
    assert!(!now.contains("Zebedee"), "an anonymous step showed a name");
    for path in [format!("{}/screen", live(&t, id))] {
        t.lead.get(&path).await.assert_lacks("Zebedee");
    }
    zed.get(&format!("/live/{code}"))
        .await
        .assert_lacks("Zebedee");
    t.lead
        .post(&format!("{}/steps/{step}/keep", live(&t, id)), &[])
        .await;
    let item = app
        .db
        .live_step(step)
        .await
        .unwrap()
        .unwrap()
        .item_id
        .unwrap();
    let notes = app.db.agenda_item(item).await.unwrap().unwrap().notes;
    assert!(
        notes.contains("Trust: 1") && notes.contains("Time: 1"),
        "{notes}"
    );
    assert!(!notes.contains("Zebedee"), "{notes}");

    // Named: the facilitator (only) sees who chose what.
    let (id2, code2, step2) = started(&app, &mut t).await;
    make_poll(&mut t, id2, step2, "poll", "Yes\nNo", true).await;
    let mut zed = phone(&app, &code2, "Zebedee").await;
    let at = opening(&zed.get(&format!("/live/{code2}")).await.body);
    zed.post(
        &format!("/live/{code2}/answer"),
        &[
            ("step", &step2.to_string()),
            ("opening", &at),
            ("choice", "2"),
        ],
    )
    .await;
    t.lead
        .post(
            &format!("{}/steps/{step2}/state", live(&t, id2)),
            &[("do", "reveal")],
        )
        .await;
    t.lead.get(&live(&t, id2)).await.assert_contains("Zebedee");
    t.lead
        .get(&format!("{}/screen", live(&t, id2)))
        .await
        .assert_lacks("Zebedee");
    zed.get(&format!("/live/{code2}"))
        .await
        .assert_lacks("Zebedee");
}

async fn results_kept_go_into_the_record_and_its_summary(app: TestApp) {
    let mut t = team(&app).await;
    let (id, code, step) = started(&app, &mut t).await;
    t.lead
        .post(
            &format!("{}/show", live(&t, id)),
            &[("step", &step.to_string())],
        )
        .await;
    let mut ann = phone(&app, &code, "Ann").await;
    let at = opening(&ann.get(&format!("/live/{code}")).await.body);
    for words in ["Shared training days", "Held back, never released"] {
        ann.post(
            &format!("/live/{code}/answer"),
            &[
                ("step", &step.to_string()),
                ("opening", &at),
                ("thought", words),
            ],
        )
        .await;
    }
    let first = app.db.live_thoughts(step).await.unwrap()[0].id;
    t.lead
        .post(
            &format!("{}/steps/{step}/thoughts/{first}", live(&t, id)),
            &[("do", "release")],
        )
        .await;
    let r = t
        .lead
        .post(&format!("{}/steps/{step}/keep", live(&t, id)), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let s = app.db.live_step(step).await.unwrap().unwrap();
    assert!(s.kept_at.is_some());
    let live_row = app.db.live_session(id).await.unwrap().unwrap();
    let conv = live_row.conversation_id.unwrap();
    let summary = t
        .lead
        .get(&format!("/p/{}/conversations/{conv}/summary", t.slug))
        .await;
    summary.assert_contains("Shared training days");
    summary.assert_contains("From the live session");
    summary.assert_lacks("Held back, never released");
    // An edit made from the record as it was before is caught, not overwritten.
    let item = s.item_id.unwrap();
    let version = app.db.agenda_item(item).await.unwrap().unwrap().version;
    assert!(version >= 2);
}

async fn codes_stop_working_when_the_session_ends_and_guessing_is_limited(app: TestApp) {
    // Addresses come from X-Forwarded-For here, so two phones can be two addresses.
    let app = TestApp::spawn_with(app.engine, |s| s.trust_proxy = true).await;
    let mut t = team(&app).await;
    let (id, code, step) = started(&app, &mut t).await;
    t.lead
        .post(
            &format!("{}/show", live(&t, id)),
            &[("step", &step.to_string())],
        )
        .await;
    let mut ann = phone(&app, &code, "Ann").await;
    let at = opening(&ann.get(&format!("/live/{code}")).await.body);
    // Ending asks first.
    let ask = t.lead.post(&format!("{}/end", live(&t, id)), &[]).await;
    assert_eq!(ask.status, StatusCode::OK);
    ask.assert_contains("End “Live meeting”?");
    assert!(!app.db.live_session(id).await.unwrap().unwrap().ended());
    t.lead
        .post(&format!("{}/end", live(&t, id)), &[("confirm", "yes")])
        .await;
    assert!(app.db.live_session(id).await.unwrap().unwrap().ended());
    ann.get(&format!("/live/{code}"))
        .await
        .assert_contains("This session has ended");
    let late = ann
        .post(
            &format!("/live/{code}/answer"),
            &[
                ("step", &step.to_string()),
                ("opening", &at),
                ("thought", "Too late"),
            ],
        )
        .await;
    late.assert_contains("Not saved");
    assert!(app.db.live_thoughts(step).await.unwrap().is_empty());
    let mut newcomer = app.client();
    let r = newcomer.post("/live", &[("code", &code)]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("That session has ended");
    let r = newcomer
        .post(&format!("/live/{code}/join"), &[("name", "Late")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(!newcomer.cookies.contains_key("tandem_live"));

    // Wrong codes are limited per address, in parallel too; a right code then waits.
    let (_, open_code, _) = started(&app, &mut t).await;
    let mut guesses = Vec::new();
    for i in 0..40 {
        let mut c = app.client();
        c.ip = Some("198.51.100.7".into());
        guesses.push(tokio::spawn(async move {
            c.post("/live", &[("code", &format!("ZZZZ{:02}", 20 + i % 8))])
                .await
                .body
        }));
    }
    let mut refused = 0;
    for g in guesses {
        if g.await.unwrap().contains("Too many wrong codes") {
            refused += 1;
        }
    }
    assert_eq!(
        refused, 10,
        "30 wrong codes are allowed in ten minutes, no more"
    );
    let mut c = app.client();
    c.ip = Some("198.51.100.7".into());
    c.post("/live", &[("code", &open_code)])
        .await
        .assert_contains("Too many wrong codes");
    // Another address is not held up.
    let mut other = app.client();
    other.ip = Some("198.51.100.8".into());
    let r = other.post("/live", &[("code", &open_code)]).await;
    assert_eq!(r.location(), format!("/live/{open_code}"));
}

async fn a_phone_reaches_nothing_beyond_its_own_session(app: TestApp) {
    let mut t = team(&app).await;
    let (a, code_a, step_a) = started(&app, &mut t).await;
    let (b, code_b, step_b) = started(&app, &mut t).await;
    for (id, step) in [(a, step_a), (b, step_b)] {
        t.lead
            .post(
                &format!("{}/show", live(&t, id)),
                &[("step", &step.to_string())],
            )
            .await;
    }
    let mut ann = phone(&app, &code_a, "Ann").await;
    // Session B knows nothing of Ann's phone: it offers to join, and refuses answers.
    ann.get(&format!("/live/{code_b}"))
        .await
        .assert_contains("Join the session");
    let at_b = app
        .db
        .live_step(step_b)
        .await
        .unwrap()
        .unwrap()
        .opening
        .to_string();
    let r = ann
        .post(
            &format!("/live/{code_b}/answer"),
            &[
                ("step", &step_b.to_string()),
                ("opening", &at_b),
                ("thought", "Hi"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        ann.get(&format!("/live/{code_b}/events")).await.status,
        StatusCode::NOT_FOUND
    );
    // Nor can it name B's step under A's code.
    let r = ann
        .post(
            &format!("/live/{code_a}/answer"),
            &[
                ("step", &step_b.to_string()),
                ("opening", &at_b),
                ("thought", "Hi"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(app.db.live_thoughts(step_b).await.unwrap().is_empty());
    // A phone's page carries nothing of the partnership beyond the session.
    let page = ann.get(&format!("/live/{code_a}")).await;
    page.assert_lacks("Partnership");
    page.assert_lacks("/p/ayr");
    // Removed: nothing more from that phone, and what it sent is gone.
    let at_a = opening(&page.body);
    ann.post(
        &format!("/live/{code_a}/answer"),
        &[
            ("step", &step_a.to_string()),
            ("opening", &at_a),
            ("thought", "Rude words"),
        ],
    )
    .await;
    let who = app.db.live_participants(a).await.unwrap()[0].id;
    t.lead
        .post(&format!("{}/participants/{who}/remove", live(&t, a)), &[])
        .await;
    assert!(app.db.live_thoughts(step_a).await.unwrap().is_empty());
    let r = ann
        .post(
            &format!("/live/{code_a}/answer"),
            &[
                ("step", &step_a.to_string()),
                ("opening", &at_a),
                ("thought", "Again"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // A member of another partnership cannot see or run this one.
    let other = app.user("x@example.org", "Xan", false).await;
    let mut x = app.signed_in(other).await;
    assert_eq!(x.get(&live(&t, a)).await.status, StatusCode::NOT_FOUND);
}

/// Read server-sent events from a response body until one carries `want`.
async fn event_with(body: &mut Body, want: &str) -> String {
    let mut seen = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let frame = tokio::time::timeout_at(deadline, body.frame())
            .await
            .unwrap_or_else(|_| panic!("no event with {want:?} within 10 s; saw {seen:?}"))
            .expect("the stream stays open")
            .unwrap();
        if let Ok(data) = frame.into_data() {
            seen.push_str(&String::from_utf8_lossy(&data));
            if seen.contains(want) {
                return seen;
            }
        }
    }
}

async fn every_node_hears_a_change_to_a_session(app: TestApp) {
    let mut t = team(&app).await;
    let (id, code, step) = started(&app, &mut t).await;
    let mut ann = phone(&app, &code, "Ann").await;
    // A second node: its own store (on PostgreSQL its own listener) and caches.
    let db_b = match app.engine {
        tandem::db::Engine::Postgres => std::sync::Arc::new(
            tandem::db::Store::connect(&app.state.settings.database_url)
                .await
                .unwrap(),
        ),
        tandem::db::Engine::Sqlite => app.db.clone(),
    };
    let state_b = tandem::web::AppState::new(db_b, (*app.state.settings).clone(), &app.public_url);
    let router_b =
        tandem::startup::build_router(state_b).layer(axum::extract::connect_info::MockConnectInfo(
            std::net::SocketAddr::from(([192, 0, 2, 2], 1)),
        ));
    let cookie = |c: &Client| {
        c.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    };
    let open = |router: axum::Router, path: String, cookie: String| async move {
        let req = Request::builder()
            .uri(path)
            .header("cookie", cookie)
            .body(Body::empty())
            .unwrap();
        let resp = router.oneshot(req).await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        assert_eq!(resp.headers()["content-type"], "text/event-stream");
        resp.into_body()
    };
    // The phone follows on node B, the projector on node B too; the facilitator acts
    // on node A.
    let mut phone_b = open(
        router_b.clone(),
        format!("/live/{code}/events"),
        cookie(&ann),
    )
    .await;
    let mut screen_b = open(
        router_b,
        format!("{}/events", live(&t, id)),
        cookie(&t.lead),
    )
    .await;
    // The current state comes first (a client that reconnects has no gap).
    let first = event_with(&mut phone_b, "\"view\":\"open-0-").await;
    assert!(first.contains("event: live"), "{first}");
    event_with(&mut screen_b, "\"people\":1").await;
    t.lead
        .post(
            &format!("{}/show", live(&t, id)),
            &[("step", &step.to_string())],
        )
        .await;
    event_with(
        &mut phone_b,
        &format!("\"view\":\"open-{step}-open-1-0-0\""),
    )
    .await;
    // An answer reaches the projector, not the phones.
    let at = opening(&ann.get(&format!("/live/{code}")).await.body);
    ann.post(
        &format!("/live/{code}/answer"),
        &[
            ("step", &step.to_string()),
            ("opening", &at),
            ("thought", "Hello"),
        ],
    )
    .await;
    let v = app.db.live_session(id).await.unwrap().unwrap().changes;
    event_with(&mut screen_b, &format!("\"v\":{v},")).await;
    // Ending reaches everyone.
    t.lead
        .post(&format!("{}/end", live(&t, id)), &[("confirm", "yes")])
        .await;
    event_with(&mut phone_b, "\"ended\":true").await;
    event_with(&mut screen_b, "\"ended\":true").await;
}

/// A phone that joined as someone from an organisation.
async fn phone_of(app: &TestApp, code: &str, name: &str, org: Id) -> Client {
    let mut c = app.client();
    let r = c
        .post(
            &format!("/live/{code}/join"),
            &[("name", name), ("organisation", &org.to_string())],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    c
}

/// Set a step up as `kind` with `options` (and more fields), then show it.
async fn ask(t: &mut Team, id: Id, step: Id, kind: &str, options: &str, more: &[(&str, &str)]) {
    let mut fields = vec![
        ("title", "What do we think?"),
        ("kind", kind),
        ("options", options),
        ("minutes", ""),
    ];
    fields.extend_from_slice(more);
    let r = t
        .lead
        .post(&format!("{}/steps/{step}", live(t, id)), &fields)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    t.lead
        .post(
            &format!("{}/show", live(t, id)),
            &[("step", &step.to_string())],
        )
        .await;
}

/// Send an answer from a phone to the step on its page: the response.
async fn send(
    c: &mut Client,
    code: &str,
    step: Id,
    fields: &[(&str, &str)],
) -> crate::helpers::Resp {
    let page = c.get(&format!("/live/{code}")).await;
    let at = opening(&page.body);
    let s = step.to_string();
    let mut all = vec![("step", s.as_str()), ("opening", at.as_str())];
    all.extend_from_slice(fields);
    c.post(&format!("/live/{code}/answer"), &all).await
}

async fn a_plan_starts_a_session_with_its_own_record(app: TestApp) {
    let mut t = team(&app).await;
    let list = t.lead.get(&format!("/p/{}/live", t.slug)).await;
    list.assert_contains("A partnership health workshop");
    list.assert_contains("/live/plans/first-meeting");
    let page = t
        .lead
        .get(&format!("/p/{}/live/plans/health-workshop", t.slug))
        .await;
    page.assert_contains("Which of the six principles matter most");
    page.assert_contains("Further along is not always better");
    page.assert_contains("Start this plan now");
    assert_eq!(
        t.lead
            .get(&format!("/p/{}/live/plans/no-such-plan", t.slug))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let r = t
        .lead
        .post(&format!("/p/{}/live/plans/first-meeting", t.slug), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let id: Id = r.location().rsplit('/').next().unwrap().parse().unwrap();
    let session = app.db.live_session(id).await.unwrap().unwrap();
    assert_eq!(session.plan_key.as_deref(), Some("first-meeting"));
    let conv = session.conversation_id.expect("its own conversation");
    let steps = app.db.live_steps(id).await.unwrap();
    let agenda = app.db.agenda(conv).await.unwrap();
    assert_eq!(steps.len(), agenda.len());
    assert!(steps.len() >= 10);
    // Every step has a place in the record; card steps keep the card and its colour.
    for (s, i) in steps.iter().zip(&agenda) {
        assert_eq!(s.item_id, Some(i.id));
        assert_eq!(s.title, i.title);
    }
    let warm_up = &steps[1];
    assert!(agenda[1].is_card, "the warm-up is a shipped card");
    assert!(warm_up.colour.starts_with('#'));
    let dots = steps.iter().find(|s| s.kind.as_str() == "dots").unwrap();
    assert_eq!(dots.dots, 3);
    assert_eq!(dots.choices().len(), 7);
    // The facilitator's notes are on the console, not on the screen.
    t.lead
        .post(
            &format!("{}/show", live(&t, id)),
            &[("step", &warm_up.id.to_string())],
        )
        .await;
    let console = t.lead.get(&live(&t, id)).await;
    console.assert_contains("Your notes for this step");
    console.assert_contains(&warm_up.script);
    let screen = t.lead.get(&format!("{}/screen", live(&t, id))).await;
    screen.assert_lacks(&warm_up.script);
    let conv_page = t
        .lead
        .get(&format!("/p/{}/conversations/{conv}", t.slug))
        .await;
    conv_page.assert_contains("A first meeting for a new partnership");
}

async fn every_kind_of_step_takes_and_counts_its_own_answers(app: TestApp) {
    let mut t = team(&app).await;
    let (id, code, step) = started(&app, &mut t).await;
    let mut ann = phone(&app, &code, "Ann").await;
    let mut bob = phone(&app, &code, "Bob").await;

    // A dot vote: three dots each; five is refused with the count, the choice kept.
    ask(
        &mut t,
        id,
        step,
        "dots",
        "Purpose\nLeadership\nLearning",
        &[("dots", "3")],
    )
    .await;
    let page = ann.get(&format!("/live/{code}")).await;
    page.assert_contains("You have 3 dots");
    let r = send(&mut ann, &code, step, &[("dots_1", "3"), ("dots_2", "2")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("You have 3 dots and placed 5");
    r.assert_contains(r#"<option value="3" selected>3</option>"#);
    let r = send(&mut ann, &code, step, &[("dots_1", "2"), ("dots_3", "1")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    send(&mut bob, &code, step, &[("dots_1", "1")]).await;
    // More dots than the options, an option that is not there: refused.
    let r = send(&mut bob, &code, step, &[("dots_9", "1")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let console = t.lead.get(&live(&t, id)).await;
    console.assert_contains("Dots");
    let v = app.db.live_answers(step).await.unwrap();
    assert_eq!(v.len(), 2);
    // The phone shows its own answer again.
    ann.get(&format!("/live/{code}"))
        .await
        .assert_contains(r#"<option value="2" selected>2</option>"#);

    // A new step for each other kind (a step's kind stays once answered).
    let more = |kind: &str| tandem::db::live::NewStep {
        title: format!("A {kind} step"),
        kind: kind.into(),
        ..Default::default()
    };
    let second = app
        .db
        .start_live_session(
            &tandem::db::live::NewSession {
                partnership_id: t.pid,
                conversation_id: None,
                title: "Kinds",
                code: "KKKKKK",
                created_by: t.lead_id,
                plan_key: None,
            },
            &[
                more("ranking"),
                more("spectrum"),
                more("grid"),
                more("words"),
            ],
            tandem::domain::now(),
        )
        .await
        .unwrap()
        .unwrap();
    let steps: Vec<Id> = app
        .db
        .live_steps(second)
        .await
        .unwrap()
        .iter()
        .map(|s| s.id)
        .collect();
    let mut ann = phone(&app, "KKKKKK", "Ann").await;
    let mut bob = phone(&app, "KKKKKK", "Bob").await;
    let code = "KKKKKK";

    ask(
        &mut t,
        second,
        steps[0],
        "ranking",
        "Money\nTime\nTrust",
        &[],
    )
    .await;
    let r = send(
        &mut ann,
        code,
        steps[0],
        &[("rank_1", "1"), ("rank_2", "1"), ("rank_3", "2")],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("same place");
    send(
        &mut ann,
        code,
        steps[0],
        &[("rank_1", "3"), ("rank_2", "2"), ("rank_3", "1")],
    )
    .await;
    send(
        &mut bob,
        code,
        steps[0],
        &[("rank_1", "2"), ("rank_2", "3"), ("rank_3", "1")],
    )
    .await;
    t.lead
        .post(
            &format!("{}/steps/{}/state", live(&t, second), steps[0]),
            &[("do", "reveal")],
        )
        .await;
    let page = ann.get(&format!("/live/{code}")).await;
    // Trust first twice (3 + 3 points), then Time (2 + 1), then Money (1 + 2).
    let trust = page.body.find("1. Trust").expect("Trust ranked first");
    assert!(page.body[trust..].contains("6"));

    ask(&mut t, second, steps[1], "spectrum", "", &[]).await;
    let r = send(&mut ann, code, steps[1], &[("now", "1")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("where you want the partnership to be");
    send(&mut ann, code, steps[1], &[("now", "1"), ("wanted", "3")]).await;
    send(&mut bob, code, steps[1], &[("now", "2"), ("wanted", "3")]).await;
    let console = t.lead.get(&live(&t, second)).await;
    console.assert_contains(&format!("id=\"spectrum-{}\"", steps[1]));
    console.assert_contains("Collaborating");

    ask(
        &mut t,
        second,
        steps[2],
        "grid",
        "Council\nFunders",
        &[("axes", "Interest\nPower")],
    )
    .await;
    let r = send(&mut ann, code, steps[2], &[("x_1", "4")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("both scales");
    send(&mut ann, code, steps[2], &[("x_1", "4"), ("y_1", "5")]).await;
    send(
        &mut bob,
        code,
        steps[2],
        &[("x_1", "2"), ("y_1", "5"), ("x_2", "1"), ("y_2", "1")],
    )
    .await;
    let console = t.lead.get(&live(&t, second)).await;
    console.assert_contains(&format!("id=\"grid-{}\"", steps[2]));
    console.assert_contains("Power (average)");
    console.assert_contains("3.0");

    ask(&mut t, second, steps[3], "words", "", &[]).await;
    let r = send(&mut ann, code, steps[3], &[("word", "one two three four")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("one two three four");
    send(&mut ann, code, steps[3], &[("word", "Trust")]).await;
    send(&mut bob, code, steps[3], &[("word", " trust ")]).await;
    let console = t.lead.get(&live(&t, second)).await;
    console.assert_contains(&format!("id=\"cloud-{}\"", steps[3]));
    let answers = app.db.live_answers(steps[3]).await.unwrap();
    assert!(answers.iter().all(|a| a.value == "trust"));
    // Counts by hand are only for kinds counted per option.
    let r = t
        .lead
        .post(
            &format!("{}/steps/{}/hands", live(&t, second), steps[3]),
            &[("hand_1", "4")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(app.db.hand_counts(steps[3]).await.unwrap().is_empty());
}

async fn organisations_are_shown_apart_only_in_groups_of_three(app: TestApp) {
    let mut t = team(&app).await;
    let (id, code, step) = started(&app, &mut t).await;
    ask(&mut t, id, step, "poll", "Yes\nNo", &[]).await;
    let mut phones = Vec::new();
    for (name, org) in [
        ("A", t.health),
        ("B", t.health),
        ("C", t.council),
        ("D", t.council),
    ] {
        phones.push(phone_of(&app, &code, name, org).await);
    }
    for p in &mut phones {
        send(p, &code, step, &[("choice", "1")]).await;
    }
    t.lead
        .post(
            &format!("{}/steps/{step}/state", live(&t, id)),
            &[("do", "reveal")],
        )
        .await;
    let screen = t.lead.get(&format!("{}/screen", live(&t, id))).await;
    screen.assert_lacks("By organisation");
    // A third person from Ayr Health: their group is shown, the council's two are not.
    let mut third = phone_of(&app, &code, "E", t.health).await;
    send(&mut third, &code, step, &[("choice", "2")]).await;
    let screen = t.lead.get(&format!("{}/screen", live(&t, id))).await;
    screen.assert_contains("By organisation");
    screen.assert_contains("Ayr Health <span class=\"muted\">(3)</span>");
    let council = app.db.organisations(t.pid).await.unwrap()[0].name.clone();
    let table = &screen.body[screen.body.find("By organisation").unwrap()..];
    assert!(
        !table.contains(&council),
        "a group of two is never shown apart"
    );
}

async fn thoughts_are_kept_as_decisions_differences_and_actions(app: TestApp) {
    let mut t = team(&app).await;
    let (id, code, step) = started(&app, &mut t).await;
    t.lead
        .post(
            &format!("{}/show", live(&t, id)),
            &[("step", &step.to_string())],
        )
        .await;
    let mut ann = phone(&app, &code, "Ann").await;
    for words in [
        "Meet monthly in Ayr",
        "Budgets are not shared yet",
        "Draft the agreement",
    ] {
        send(&mut ann, &code, step, &[("thought", words)]).await;
    }
    let thoughts = app.db.live_thoughts(step).await.unwrap();
    let base = live(&t, id);
    let keep = |n: usize| format!("{base}/steps/{step}/thoughts/{}/keep", thoughts[n].id);
    let r = t.lead.post(&keep(0), &[("as", "decision")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    t.lead.post(&keep(1), &[("as", "differ")]).await;
    // An impossible date is told beside the box, with what was typed kept.
    let r = t
        .lead
        .post(
            &keep(2),
            &[("as", "action"), ("owner", ""), ("due", "2027-02-30")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("2027-02-30");
    let all = tandem::domain::actions::ActionFilter {
        limit: 100,
        ..Default::default()
    };
    assert!(app.db.actions(t.pid, &all).await.unwrap().0.is_empty());
    let owner = format!("u:{}", t.bea_id);
    let r = t
        .lead
        .post(
            &keep(2),
            &[("as", "action"), ("owner", &owner), ("due", "2027-03-01")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let actions = app.db.actions(t.pid, &all).await.unwrap().0;
    assert_eq!(actions.len(), 1);
    assert_eq!(actions[0].title, "Draft the agreement");
    // An observer cannot keep anything; another session's thought is not found.
    assert_eq!(
        t.obs.post(&keep(0), &[("as", "decision")]).await.status,
        StatusCode::FORBIDDEN
    );
    let item = app
        .db
        .live_step(step)
        .await
        .unwrap()
        .unwrap()
        .item_id
        .unwrap();
    let it = app.db.agenda_item(item).await.unwrap().unwrap();
    assert!(it.agreed.contains("Meet monthly in Ayr"), "{}", it.agreed);
    assert!(
        it.differ.contains("Budgets are not shared yet"),
        "{}",
        it.differ
    );
    let conv = app
        .db
        .live_session(id)
        .await
        .unwrap()
        .unwrap()
        .conversation_id
        .unwrap();
    let summary = t
        .lead
        .get(&format!("/p/{}/conversations/{conv}/summary", t.slug))
        .await;
    summary.assert_contains("Meet monthly in Ayr");
    summary.assert_contains("Budgets are not shared yet");
    summary.assert_contains("Draft the agreement");
}

async fn an_answered_anonymous_step_never_becomes_named(app: TestApp) {
    let mut t = team(&app).await;
    let (id, code, step) = started(&app, &mut t).await;
    ask(&mut t, id, step, "poll", "Yes\nNo", &[]).await;
    let mut zed = phone(&app, &code, "Zebedee").await;
    send(&mut zed, &code, step, &[("choice", "1")]).await;
    let r = t
        .lead
        .post(
            &format!("{}/steps/{step}", live(&t, id)),
            &[
                ("title", "What do we think?"),
                ("kind", "poll"),
                ("options", "Yes\nNo"),
                ("named", "yes"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("cannot start showing names");
    assert!(app.db.live_step(step).await.unwrap().unwrap().anonymous);
    t.lead.get(&live(&t, id)).await.assert_lacks("Zebedee (");
    // The words can still change.
    let r = t
        .lead
        .post(
            &format!("{}/steps/{step}", live(&t, id)),
            &[
                ("title", "Shall we meet monthly?"),
                ("kind", "poll"),
                ("options", "Yes\nNo"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
}

async fn what_happened_live_is_in_the_summary_and_its_exports(app: TestApp) {
    let mut t = team(&app).await;
    let (id, code, step) = started(&app, &mut t).await;
    make_poll(&mut t, id, step, "poll", "Monthly\nQuarterly", false).await;
    let s = step.to_string();
    for (name, choice) in [("Zebedee", "1"), ("Yolanda", "1"), ("Xavier", "2")] {
        let mut p = phone(&app, &code, name).await;
        let at = opening(&p.get(&format!("/live/{code}")).await.body);
        let r = p
            .post(
                &format!("/live/{code}/answer"),
                &[("step", &s), ("opening", &at), ("choice", choice)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
    let r = t
        .lead
        .post(
            &format!("{}/steps/{step}/hands", live(&t, id)),
            &[("hand_1", "0"), ("hand_2", "4")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let conv = app
        .db
        .live_session(id)
        .await
        .unwrap()
        .unwrap()
        .conversation_id
        .unwrap();
    let base = format!("/p/{}/conversations/{conv}", t.slug);

    // Not kept: the summary shows the results under the step's item, without names.
    let page = t.obs.get(&format!("{base}/summary")).await;
    page.assert_contains("In the room");
    page.assert_contains("3 phones joined, 1 step run; still running.");
    page.assert_contains("In the room: How often should we meet?");
    page.assert_contains("3 answered on phones, 4 by show of hands; anonymous");
    page.assert_contains("Monthly: 2");
    page.assert_contains("Quarterly: 5 (+4 by show of hands)");
    for name in ["Zebedee", "Yolanda", "Xavier"] {
        page.assert_lacks(name);
    }
    let md = t.obs.get(&format!("{base}/summary.md")).await;
    assert!(
        md.body.contains(
            "**In the room: How often should we meet?** (3 answered on phones, 4 by show of hands; anonymous)\n\n- Monthly: 2\n- Quarterly: 5 (+4 by show of hands)"
        ),
        "{}",
        md.body
    );
    let (status, pdf) = t.obs.request_bytes(&format!("{base}/summary.pdf")).await;
    assert_eq!(status, StatusCode::OK);
    let text = crate::helpers::pdf_text(&pdf);
    for needle in [
        "In the room: How often should we meet?",
        "Monthly: 2",
        "3 phones joined",
    ] {
        assert!(text.contains(needle), "{needle} not in {text}");
    }
    let json: serde_json::Value =
        serde_json::from_str(&t.obs.get(&format!("{base}/export.json")).await.body).unwrap();
    let session = &json["live_sessions"][0];
    assert_eq!(session["phones"], 3);
    let st = &session["steps"][0];
    assert_eq!(st["kind"], "poll");
    assert_eq!(st["anonymous"], true);
    assert_eq!(st["answered_on_phones"], 3);
    assert_eq!(st["by_show_of_hands"], 4);
    assert_eq!(st["agenda_position"], 1);
    assert_eq!(st["results"][0], "Monthly: 2");
    assert_eq!(st["kept_in_notes"], false);
    assert!(!json.to_string().contains("Zebedee"));

    // Kept: the item's notes carry the results, and they are not shown twice.
    t.lead
        .post(&format!("{}/steps/{step}/keep", live(&t, id)), &[])
        .await;
    let page = t.obs.get(&format!("{base}/summary")).await;
    page.assert_contains("From the live session");
    page.assert_lacks("In the room: How often should we meet?");
    assert_eq!(page.body.matches("Monthly: 2").count(), 1, "{}", page.body);

    // Ending the session: the meeting was held, so its card counts as discussed.
    let coverage = format!("/p/{}/coverage", t.slug);
    let before = t.obs.get(&coverage).await;
    before.assert_contains(" 0 of ");
    t.lead
        .post(&format!("{}/end", live(&t, id)), &[("confirm", "yes")])
        .await;
    let conv_row = app.db.conversation(conv).await.unwrap().unwrap();
    assert_eq!(conv_row.status.as_str(), "held");
    t.obs.get(&coverage).await.assert_contains(" 1 of ");
    t.obs
        .get(&format!("{base}/summary"))
        .await
        .assert_contains("3 phones joined, 1 step run.");
}

async fn similar_thoughts_group_and_the_room_votes_on_them(app: TestApp) {
    let mut t = team(&app).await;
    let r = t
        .lead
        .post(&format!("/p/{}/live/plans/first-meeting", t.slug), &[])
        .await;
    let id: Id = r.location().rsplit('/').next().unwrap().parse().unwrap();
    let code = app.db.live_session(id).await.unwrap().unwrap().code;
    let steps = app.db.live_steps(id).await.unwrap();
    let thoughts = steps
        .iter()
        .find(|s| s.kind.as_str() == "thoughts")
        .unwrap()
        .id;
    let later = steps.iter().find(|s| s.kind.as_str() == "dots").unwrap().id;
    t.lead
        .post(
            &format!("{}/show", live(&t, id)),
            &[("step", &thoughts.to_string())],
        )
        .await;
    let mut phones = Vec::new();
    for (name, words) in [
        ("Ann", "More joint training"),
        ("Bo", "Train together more often"),
        ("Cy", "Share one budget"),
    ] {
        let mut p = phone(&app, &code, name).await;
        let r = send(&mut p, &code, thoughts, &[("thought", words)]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        phones.push(p);
    }
    let sent = app.db.live_thoughts(thoughts).await.unwrap();
    let (first, second, third) = (sent[0].id, sent[1].id, sent[2].id);
    let console_url = live(&t, id);
    let at = |th: Id| format!("{console_url}/steps/{thoughts}/thoughts/{th}");
    // The console offers each thought the others to be grouped with.
    t.lead
        .get(&live(&t, id))
        .await
        .assert_contains("Group them");
    let r = t
        .lead
        .post(
            &at(second),
            &[("do", "group"), ("into", &first.to_string())],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // Another session's thought, or none, cannot be grouped with.
    assert_eq!(
        t.lead
            .post(&at(third), &[("do", "group"), ("into", "999999")])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    t.lead
        .post(&format!("{}/steps/{thoughts}/release", live(&t, id)), &[])
        .await;
    let screen = t.lead.get(&format!("{}/screen", live(&t, id))).await;
    screen.assert_contains("More joint training");
    screen.assert_contains("(+1 similar)");
    screen.assert_lacks("Train together more often");
    screen.assert_contains("Share one budget");
    phones[2]
        .get(&format!("/live/{code}"))
        .await
        .assert_contains("(+1 similar)");
    let console = t.lead.get(&live(&t, id)).await;
    console.assert_contains("Grouped with “More joint training”");

    // A dot vote over what the room wrote: one option per group.
    let from = format!("thoughts-{thoughts}");
    let r = t
        .lead
        .post(
            &format!("{}/steps/{later}", live(&t, id)),
            &[
                ("title", "Which should we do first?"),
                ("kind", "dots"),
                ("options", ""),
                ("options_from", &from),
                ("dots", "3"),
                ("minutes", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let vote = app.db.live_step(later).await.unwrap().unwrap();
    assert_eq!(
        vote.choices(),
        vec!["More joint training", "Share one budget"]
    );
    // Taken out of the group, the thought stands on its own again.
    t.lead.post(&at(second), &[("do", "ungroup")]).await;
    t.lead
        .get(&format!("{}/screen", live(&t, id)))
        .await
        .assert_contains("Train together more often");

    // A scale from the health check, for a scale step.
    let console = t.lead.get(&live(&t, id)).await;
    let key = console
        .body
        .split("value=\"scale-health-check-")
        .nth(1)
        .map(|rest| format!("scale-health-check-{}", rest.split('"').next().unwrap()))
        .expect("the health check's scale is offered");
    let scale_step = steps
        .iter()
        .rev()
        .find(|s| s.kind.as_str() == "thoughts")
        .unwrap()
        .id;
    let r = t
        .lead
        .post(
            &format!("{}/steps/{scale_step}", live(&t, id)),
            &[
                ("title", "We trust each other"),
                ("kind", "scale"),
                ("options", ""),
                ("options_from", &key),
                ("minutes", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let scale = app.db.live_step(scale_step).await.unwrap().unwrap();
    assert_eq!(
        scale.choices().first().map(String::as_str),
        Some("Strongly disagree")
    );
    assert!(scale.choices().len() >= 5);
    // A thoughts step with nothing on the screen gives nothing to vote on: said
    // beside the options, nothing saved.
    let empty = steps
        .iter()
        .filter(|s| s.kind.as_str() == "thoughts")
        .nth(1)
        .unwrap();
    let words = steps
        .iter()
        .find(|s| s.kind.as_str() == "words")
        .unwrap()
        .id;
    let r = t
        .lead
        .post(
            &format!("{}/steps/{words}", live(&t, id)),
            &[
                ("title", "Vote"),
                ("kind", "ranking"),
                ("options", ""),
                ("options_from", &format!("thoughts-{}", empty.id)),
                ("minutes", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("No thoughts from that step are on the screen yet");
    assert_eq!(
        app.db
            .live_step(words)
            .await
            .unwrap()
            .unwrap()
            .kind
            .as_str(),
        "words"
    );
    // A ranking of the session's cards.
    let r = t
        .lead
        .post(
            &format!("{}/steps/{words}", live(&t, id)),
            &[
                ("title", "Which card matters most?"),
                ("kind", "ranking"),
                ("options", ""),
                ("options_from", "cards"),
                ("minutes", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let cards: Vec<String> = steps
        .iter()
        .filter(|s| !s.theme_name.is_empty())
        .map(|s| s.title.clone())
        .collect();
    assert!(cards.len() >= 2);
    assert_eq!(
        app.db.live_step(words).await.unwrap().unwrap().choices(),
        cards
    );
}

/// Ctrl-C on the laptop (or SIGTERM) stops the server while phones still follow the
/// session: their event streams end at once rather than keeping it running.
async fn stopping_the_server_ends_the_event_streams(app: TestApp) {
    use tokio::io::AsyncWriteExt as _;
    let mut t = team(&app).await;
    let (_, code, _) = started(&app, &mut t).await;
    let ann = phone(&app, &code, "Ann").await;
    let cookie: Vec<String> = ann
        .cookies
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    let (addr, stop, server) = serve(&app).await;
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(
            format!(
                "GET /live/{code}/events HTTP/1.1\r\nHost: {addr}\r\nCookie: {}\r\n\r\n",
                cookie.join("; ")
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    let mut got = Vec::new();
    while !String::from_utf8_lossy(&got).contains("event: live") {
        assert!(read_some(&mut stream, &mut got).await > 0, "{got:?}");
    }
    assert!(
        got.starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&got)
    );
    // A second connection, idle after one page, as a browser leaves it.
    let mut idle = tokio::net::TcpStream::connect(addr).await.unwrap();
    idle.write_all(format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut page = Vec::new();
    read_some(&mut idle, &mut page).await;
    assert!(page.starts_with(b"HTTP/1.1 200"));

    let asked = std::time::Instant::now();
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("the server stops while a phone follows its session")
        .unwrap();
    while read_some(&mut stream, &mut got).await > 0 {}
    while read_some(&mut idle, &mut page).await > 0 {}
    assert!(asked.elapsed() < tandem::server::DRAIN);
}

/// A phone's stream on a new connection is written by the server's own loop (chunked,
/// closing when it ends) and passes the same checks as any request; asked for on a
/// connection kept from an earlier request it is redirected, once, so the browser asks
/// again on a new connection; what is not a stream's GET goes to hyper as before.
async fn event_streams_are_written_apart_from_hyper(app: TestApp) {
    use tokio::io::AsyncWriteExt as _;
    let mut t = team(&app).await;
    let (_, code, _) = started(&app, &mut t).await;
    let ann = phone(&app, &code, "Ann").await;
    let cookie: Vec<String> = ann
        .cookies
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    let cookie = cookie.join("; ");
    let (addr, stop, server) = serve(&app).await;
    let open = |request: String| async move {
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        s.write_all(request.as_bytes()).await.unwrap();
        s
    };
    let events = |path: &str, cookie: &str| {
        format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookie}\r\n\r\n")
    };

    // A new connection: the stream, chunked, with the current state at once.
    let mut s = open(events(&format!("/live/{code}/events"), &cookie)).await;
    let mut got = Vec::new();
    while !String::from_utf8_lossy(&got).contains("event: live") {
        assert!(read_some(&mut s, &mut got).await > 0, "{got:?}");
    }
    let text = String::from_utf8_lossy(&got).to_lowercase();
    assert!(text.starts_with("http/1.1 200 ok\r\n"), "{text}");
    for h in [
        "content-type: text/event-stream",
        "transfer-encoding: chunked",
        "connection: close",
        "x-content-type-options: nosniff",
        "date: ",
    ] {
        assert!(text.contains(h), "{h} in {text}");
    }
    drop(s);

    // Someone else's cookie, or none: refused as everywhere, and the connection closed.
    let mut s = open(events(
        &format!("/live/{code}/events"),
        "tandem_live=nobody",
    ))
    .await;
    let mut got = Vec::new();
    while read_some(&mut s, &mut got).await > 0 {}
    let text = String::from_utf8_lossy(&got);
    assert!(text.starts_with("HTTP/1.1 404"), "{text}");

    // A stream asked for on a connection that served a page first: a redirect that
    // closes the connection...
    let mut s = open(format!(
        "GET /healthz HTTP/1.1\r\nHost: {addr}\r\n\r\n{}",
        events(&format!("/live/{code}/events"), &cookie)
    ))
    .await;
    let mut got = Vec::new();
    while read_some(&mut s, &mut got).await > 0 {}
    let text = String::from_utf8_lossy(&got).to_lowercase();
    let second = &text[text.rfind("http/1.1").unwrap()..];
    assert!(second.starts_with("http/1.1 307"), "{text}");
    assert!(
        second.contains(&format!(
            "location: /live/{}/events?fresh",
            code.to_lowercase()
        )),
        "{second}"
    );
    assert!(second.contains("connection: close"), "{second}");
    // ...and asked for again there (a proxy keeps its connections), hyper serves it.
    let mut s = open(format!(
        "GET /healthz HTTP/1.1\r\nHost: {addr}\r\n\r\n{}",
        events(&format!("/live/{code}/events?fresh"), &cookie)
    ))
    .await;
    let mut got = Vec::new();
    while !String::from_utf8_lossy(&got).contains("event: live") {
        assert!(read_some(&mut s, &mut got).await > 0, "{got:?}");
    }
    let text = String::from_utf8_lossy(&got).to_lowercase();
    assert!(
        text[text.rfind("http/1.1").unwrap()..].starts_with("http/1.1 200"),
        "{text}"
    );

    // What is not a stream's GET goes to hyper, on a new connection or not.
    let mut s = open(format!(
        "POST /live/{code}/events HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    ))
    .await;
    let mut got = Vec::new();
    while read_some(&mut s, &mut got).await > 0 {}
    assert!(
        String::from_utf8_lossy(&got).starts_with("HTTP/1.1 405"),
        "{}",
        String::from_utf8_lossy(&got)
    );
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("the server stops")
        .unwrap();
}

/// The app served by `server::run` on a free port, as `tandem serve` does: its address,
/// a sender that stops it (as Ctrl-C would) and the server's task.
async fn serve(
    app: &TestApp,
) -> (
    std::net::SocketAddr,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<()>,
) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let hub = app.state.live.clone();
    let server = tokio::spawn(tandem::server::run(
        listener,
        tandem::startup::build_router(app.state.clone()),
        async {
            let _ = stopped.await;
        },
        move || hub.close(),
    ));
    (addr, stop, server)
}

/// One read from a raw connection, appended to `got`; its length (0 at the end).
async fn read_some(s: &mut tokio::net::TcpStream, got: &mut Vec<u8>) -> usize {
    use tokio::io::AsyncReadExt as _;
    let mut buf = [0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(10), s.read(&mut buf))
        .await
        .expect("the server answers within 10 s")
        .unwrap();
    got.extend_from_slice(&buf[..n]);
    n
}
