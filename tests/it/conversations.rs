//! Conversations and actions: planning, views before the meeting, records and their
//! version checks, actions and the action plan, summaries and exports, coverage, the
//! activity feed, and keeping work when a session ends.

use axum::http::StatusCode;
use tandem::domain::model::Id;
use tandem::domain::now;
use tandem::domain::roles::Role;

use crate::both_engines;
use crate::helpers::{Client, TestApp};

both_engines!(
    planning_builds_an_agenda_from_cards_and_items,
    bad_dates_are_explained_and_past_dates_warned,
    views_stay_hidden_until_revealed_or_the_meeting_starts,
    two_people_saving_notes_never_overwrite_each_other,
    actions_flow_onto_the_plan_and_my_actions,
    summary_and_exports_carry_the_whole_record,
    coverage_shows_what_was_discussed_and_suggests_the_rest,
    deleting_a_deck_keeps_the_record_readable,
    an_expired_session_keeps_the_notes,
    only_a_real_ended_session_gets_its_own_form_held,
    autosaved_drafts_come_back,
    a_long_action_plan_downloads_whole_and_in_order,
);

pub(crate) struct Team {
    pub(crate) slug: String,
    pub(crate) pid: Id,
    pub(crate) lead: Client,
    pub(crate) lead_id: Id,
    /// Two members of two organisations, and an observer.
    pub(crate) bea: Client,
    pub(crate) bea_id: Id,
    pub(crate) cal: Client,
    pub(crate) cal_id: Id,
    pub(crate) obs: Client,
    pub(crate) council: Id,
    pub(crate) health: Id,
}

pub(crate) async fn team(app: &TestApp) -> Team {
    let lead_id = app.user("lead@example.org", "Lena Lead", false).await;
    let mut lead = app.signed_in(lead_id).await;
    let slug = app.partnership(&mut lead, "Ayr", "ayr").await;
    let pid = app.partnership_id(&slug, lead_id).await;
    let council = app.db.organisations(pid).await.unwrap()[0].id;
    let health = app
        .db
        .add_organisation(pid, "Ayr Health", "nhs", now())
        .await
        .unwrap()
        .unwrap();
    let bea_id = app.user("bea@example.org", "Bea Brown", false).await;
    let cal_id = app.user("cal@example.org", "Cal Clark", false).await;
    let obs_id = app.user("obs@example.org", "Olu Observer", false).await;
    app.join(pid, council, lead_id, bea_id, Role::Member).await;
    app.join(pid, health, lead_id, cal_id, Role::Member).await;
    app.join(pid, health, lead_id, obs_id, Role::Observer).await;
    Team {
        bea: app.signed_in(bea_id).await,
        cal: app.signed_in(cal_id).await,
        obs: app.signed_in(obs_id).await,
        slug,
        pid,
        lead,
        lead_id,
        bea_id,
        cal_id,
        council,
        health,
    }
}

pub(crate) fn id_after(location: &str, prefix: &str) -> Id {
    location
        .split(prefix)
        .nth(1)
        .and_then(|r| r.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no id after {prefix} in {location}"))
}

/// Plan a conversation through the form; its id.
pub(crate) async fn plan(c: &mut Client, slug: &str, title: &str, date: &str) -> Id {
    let r = c
        .post(
            &format!("/p/{slug}/conversations"),
            &[
                ("title", title),
                ("date", date),
                ("time", "14:30"),
                ("time_zone", "Europe/London"),
                ("place", "https://meet.example.org/ayr"),
                ("facilitator", ""),
                ("purpose", "Agree how we share referrals."),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    id_after(r.location(), "/conversations/")
}

pub(crate) async fn first_card(app: &TestApp, pid: Id) -> (Id, String) {
    let decks = app.db.decks_for(pid).await.unwrap();
    let deck = decks
        .iter()
        .find(|d| d.title == "Partnership conversation openers")
        .unwrap();
    let c = app.db.deck_cards(deck.id).await.unwrap().remove(0);
    (c.id, c.text)
}

/// A conversation planned by the lead with the openers deck's first card as its one
/// agenda item: (conversation, item).
pub(crate) async fn planned_with_a_card(app: &TestApp, t: &mut Team, title: &str) -> (Id, Id) {
    let slug = t.slug.clone();
    let conv = plan(&mut t.lead, &slug, title, "2031-06-01").await;
    let (card, _) = first_card(app, t.pid).await;
    t.lead
        .post(
            &format!("/p/{slug}/cards/{card}/use"),
            &[("conversation", &conv.to_string())],
        )
        .await;
    (conv, items(app, conv).await[0])
}

/// Ids of a conversation's agenda items, in order.
pub(crate) async fn items(app: &TestApp, conv: Id) -> Vec<Id> {
    app.db
        .agenda(conv)
        .await
        .unwrap()
        .iter()
        .map(|i| i.id)
        .collect()
}

fn esc(s: &str) -> String {
    s.replace('&', "&#38;")
        .replace('\'', "&#39;")
        .replace('"', "&#34;")
}

async fn planning_builds_an_agenda_from_cards_and_items(app: TestApp) {
    let mut t = team(&app).await;
    let slug = t.slug.clone();
    let conv = plan(&mut t.lead, &slug, "Autumn review", "2031-10-14").await;
    let page = t.lead.get(&format!("/p/{slug}/conversations/{conv}")).await;
    page.assert_contains("Tuesday 14 October 2031, 14:30 BST");
    page.assert_contains("Nothing on the agenda yet");

    // Draw a card from a deck, add one from its card page, add a free item.
    let deck = app
        .db
        .decks_for(t.pid)
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.title == "Partnership conversation openers")
        .unwrap();
    let r = t
        .bea
        .post(
            &format!("/p/{slug}/conversations/{conv}/draw"),
            &[("from", &format!("deck:{}", deck.id))],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let (card, text) = first_card(&app, t.pid).await;
    let card_page = t.bea.get(&format!("/p/{slug}/cards/{card}")).await;
    card_page.assert_contains("Add to the agenda of");
    card_page.assert_contains("Autumn review");
    let r = t
        .bea
        .post(
            &format!("/p/{slug}/cards/{card}/use"),
            &[("conversation", &conv.to_string())],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = t
        .cal
        .post(
            &format!("/p/{slug}/conversations/{conv}/items"),
            &[("title", "Welcome and introductions"), ("minutes", "10")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // A free item with no title, or silly minutes, is refused with the input kept.
    let r = t
        .cal
        .post(
            &format!("/p/{slug}/conversations/{conv}/items"),
            &[("title", "Budget"), ("minutes", "ninety")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("Enter minutes as a whole number");
    r.assert_contains("value=\"Budget\"");

    let ids = items(&app, conv).await;
    assert_eq!(ids.len(), 3);
    // Set times and see the total.
    for (id, minutes) in [(ids[0], "20"), (ids[1], "25")] {
        let r = t
            .lead
            .post(
                &format!("/p/{slug}/conversations/{conv}/items/{id}"),
                &[("minutes", minutes), ("version", "1")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
    let page = t.lead.get(&format!("/p/{slug}/conversations/{conv}")).await;
    page.assert_contains("planned time 55 minutes");
    page.assert_contains(&esc(&text));
    // Move the free item (last) up to first: two moves.
    for _ in 0..2 {
        t.lead
            .post(
                &format!("/p/{slug}/conversations/{conv}/items/{}/move", ids[2]),
                &[("direction", "up")],
            )
            .await;
    }
    let order = items(&app, conv).await;
    assert_eq!(order, vec![ids[2], ids[0], ids[1]]);
    // Remove one.
    let r = t
        .lead
        .post(
            &format!("/p/{slug}/conversations/{conv}/items/{}/delete", ids[0]),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(items(&app, conv).await, vec![ids[2], ids[1]]);

    // Attendees: everyone from the partnership, and a guest.
    t.lead
        .post(
            &format!("/p/{slug}/conversations/{conv}/attendees"),
            &[("member", "all")],
        )
        .await;
    t.lead
        .post(
            &format!("/p/{slug}/conversations/{conv}/attendees"),
            &[("name", "Gail Guest"), ("organisation", "Carers Centre")],
        )
        .await;
    let attendees = app.db.attendees(conv).await.unwrap();
    assert_eq!(attendees.len(), 5, "four members and one guest");
    let page = t.lead.get(&format!("/p/{slug}/conversations/{conv}")).await;
    page.assert_contains("Gail Guest</a>".trim_end_matches("</a>"));
    page.assert_contains("Carers Centre");
    // Observers read but cannot add.
    let page = t.obs.get(&format!("/p/{slug}/conversations/{conv}")).await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_lacks("Add cards or items");
    let r = t
        .obs
        .post(
            &format!("/p/{slug}/conversations/{conv}/items"),
            &[("title", "Sneaky"), ("minutes", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // The activity feed saw it all.
    let feed = t.obs.get(&format!("/p/{slug}/activity")).await;
    feed.assert_contains("Lena Lead");
    feed.assert_contains("planned the conversation");
    feed.assert_contains("Cal Clark");
    feed.assert_contains("Welcome and introductions");
}

async fn bad_dates_are_explained_and_past_dates_warned(app: TestApp) {
    let mut t = team(&app).await;
    let slug = t.slug.clone();
    let r = t
        .lead
        .post(
            &format!("/p/{slug}/conversations"),
            &[
                ("title", "Spring check-in"),
                ("date", "2031-02-30"),
                ("time", "10:00"),
                ("time_zone", "Europe/London"),
                ("purpose", "Keep me"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("There is no 30 February in 2031. Check the day.");
    r.assert_contains("value=\"Spring check-in\"");
    r.assert_contains("Keep me");
    let r = t
        .lead
        .post(
            &format!("/p/{slug}/conversations"),
            &[
                ("title", "Spring check-in"),
                ("date", "2031-03-03"),
                ("time", "25:61"),
                ("time_zone", "Mars/Olympus"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("Hours go from 0 to 23");
    r.assert_contains("Choose a time zone from the list");
    assert!(app.db.conversations(t.pid).await.unwrap().is_empty());
    // The past is allowed, with a warning.
    let r = t
        .lead
        .post(
            &format!("/p/{slug}/conversations"),
            &[
                ("title", "Last month's meeting"),
                ("date", "2020-01-15"),
                ("time", "09:00"),
                ("time_zone", "Europe/London"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = t.lead.get(r.location()).await;
    page.assert_contains("The date you gave is in the past");
}

async fn views_stay_hidden_until_revealed_or_the_meeting_starts(app: TestApp) {
    let mut t = team(&app).await;
    let slug = t.slug.clone();
    let (conv, item) = planned_with_a_card(&app, &mut t, "Views test").await;
    let url = format!("/p/{slug}/conversations/{conv}/items/{item}");
    let r = t
        .bea
        .post(
            &format!("{url}/view"),
            &[("body", "Bea thinks referrals are slow")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    t.cal
        .post(
            &format!("{url}/view"),
            &[("body", "Cal thinks they are fine")],
        )
        .await;
    // Each sees their own, not the other's.
    let bea_page = t.bea.get(&url).await;
    bea_page.assert_contains("Bea thinks referrals are slow");
    bea_page.assert_lacks("Cal thinks");
    bea_page.assert_contains("1 other person has added their thoughts");
    let obs_page = t.obs.get(&url).await;
    obs_page.assert_lacks("Bea thinks");
    obs_page.assert_lacks("Cal thinks");
    // Members cannot reveal; the lead can, anonymously.
    let r = t
        .bea
        .post(
            &format!("/p/{slug}/conversations/{conv}/views"),
            &[("mode", "named"), ("reveal", "yes")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    t.lead
        .post(
            &format!("/p/{slug}/conversations/{conv}/views"),
            &[("mode", "anonymous"), ("reveal", "yes")],
        )
        .await;
    let obs_page = t.obs.get(&url).await;
    obs_page.assert_contains("Bea thinks referrals are slow");
    obs_page.assert_contains("Cal thinks they are fine");
    obs_page.assert_lacks("Bea Brown");
    obs_page.assert_lacks("Cal Clark");
    obs_page.assert_contains("Someone in the partnership");
    // Named: the names show.
    t.lead
        .post(
            &format!("/p/{slug}/conversations/{conv}/views"),
            &[("mode", "named"), ("reveal", "no")],
        )
        .await;
    let obs_page = t.obs.get(&url).await;
    obs_page.assert_lacks("Bea thinks");
    // Once held, views open.
    t.lead
        .post(
            &format!("/p/{slug}/conversations/{conv}/status"),
            &[("status", "held"), ("confirm", "yes")],
        )
        .await;
    let obs_page = t.obs.get(&url).await;
    obs_page.assert_contains("Bea thinks referrals are slow");
    obs_page.assert_contains("Bea Brown");
    // A meeting whose start time has passed opens its views too.
    let past = app
        .db
        .create_conversation(
            t.pid,
            &tandem::domain::conversations::ConversationFields {
                title: "Started".into(),
                starts_at: Some(now() - 60),
                time_zone: "Europe/London".into(),
                ..Default::default()
            },
            t.lead_id,
            now(),
        )
        .await
        .unwrap();
    let conv_row = app.db.conversation(past).await.unwrap().unwrap();
    assert!(conv_row.views_open(now()));
    let future = app.db.conversation(conv).await.unwrap().unwrap();
    assert!(future.views_open(now()), "held");
}

async fn two_people_saving_notes_never_overwrite_each_other(app: TestApp) {
    let mut t = team(&app).await;
    let slug = t.slug.clone();
    let conv = plan(&mut t.lead, &slug, "Conflicts", "2031-06-01").await;
    t.lead
        .post(
            &format!("/p/{slug}/conversations/{conv}/items"),
            &[("title", "Budget"), ("minutes", "")],
        )
        .await;
    let item = items(&app, conv).await[0];
    let url = format!("/p/{slug}/conversations/{conv}/items/{item}");
    // Both open the page at version 1.
    let r = t
        .bea
        .post(
            &format!("{url}/record"),
            &[
                ("notes", "Bea's **notes**"),
                ("agreed", "Share the cost 50/50"),
                ("differ", ""),
                ("version", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = t
        .cal
        .post(
            &format!("{url}/record"),
            &[
                ("notes", "Cal's notes, typed at the same time"),
                ("agreed", ""),
                ("differ", "Who pays for the venue"),
                ("version", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    r.assert_contains("Someone else changed this");
    r.assert_contains(&esc("Bea's **notes**"));
    r.assert_contains(&esc("Cal's notes, typed at the same time"));
    r.assert_contains("name=\"version\" value=\"2\"");
    // Nothing was overwritten.
    let saved = app.db.agenda_item(item).await.unwrap().unwrap();
    assert_eq!(saved.notes, "Bea's **notes**");
    assert_eq!(saved.version, 2);
    // Cal combines and saves deliberately with the newer version.
    let r = t
        .cal
        .post(
            &format!("{url}/record"),
            &[
                ("notes", "Bea's **notes**\n\nCal's notes too"),
                ("agreed", "Share the cost 50/50"),
                ("differ", "Who pays for the venue"),
                ("version", "2"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = t.obs.get(&url).await;
    page.assert_contains("<strong>notes</strong>");
    page.assert_contains("Who pays for the venue");
    // Notes are sanitised.
    t.cal
        .post(
            &format!("{url}/record"),
            &[
                (
                    "notes",
                    "<script>alert(1)</script><img src=x onerror=alert(2)> ok",
                ),
                ("version", "3"),
            ],
        )
        .await;
    let page = t.obs.get(&url).await;
    page.assert_lacks("<script>alert");
    page.assert_lacks("onerror");
    // Agenda times and conversation details are version-checked too.
    let r = t
        .bea
        .post(
            &format!("/p/{slug}/conversations/{conv}/items/{item}"),
            &[
                ("title", "Budget 2032"),
                ("minutes", "15"),
                ("version", "1"),
            ],
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::CONFLICT,
        "the record saves moved it on"
    );
    r.assert_contains("Budget 2032");
    let edit = [
        ("title", "Renamed once"),
        ("date", ""),
        ("time", ""),
        ("time_zone", "Europe/London"),
        ("version", "1"),
    ];
    let r = t
        .bea
        .post(&format!("/p/{slug}/conversations/{conv}/edit"), &edit)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let mut edit2 = edit;
    edit2[0] = ("title", "Renamed twice");
    let r = t
        .cal
        .post(&format!("/p/{slug}/conversations/{conv}/edit"), &edit2)
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    r.assert_contains("Renamed once");
    r.assert_contains("Renamed twice");
}

async fn actions_flow_onto_the_plan_and_my_actions(app: TestApp) {
    let mut t = team(&app).await;
    let slug = t.slug.clone();
    let conv = plan(&mut t.lead, &slug, "Action day", "2031-06-01").await;
    t.lead
        .post(
            &format!("/p/{slug}/conversations/{conv}/items"),
            &[("title", "Referrals"), ("minutes", "")],
        )
        .await;
    let item = items(&app, conv).await[0];
    let add = |title: &'static str, owner: String, due: &'static str| {
        vec![
            ("title", title.to_string()),
            ("owner", owner),
            ("due", due.to_string()),
            ("conversation", conv.to_string()),
            ("item", item.to_string()),
        ]
    };
    for f in [
        add("Book the venue", format!("u:{}", t.bea_id), "2020-01-01"),
        add("Write the leaflet", format!("u:{}", t.cal_id), "2031-12-01"),
        add("Share the data", format!("o:{}", t.health), ""),
    ] {
        let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = t.lead.post(&format!("/p/{slug}/actions"), &f).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert!(r.location().contains(&format!("/items/{item}")));
    }
    // Bad input: impossible due date, owner from elsewhere.
    let r = t
        .lead
        .post(
            &format!("/p/{slug}/actions"),
            &[
                ("title", "Nope"),
                ("owner", "u:999999"),
                ("due", "2031-04-31"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("There is no 31 April in 2031");
    r.assert_contains("Choose someone in the partnership");
    r.assert_contains("value=\"Nope\"");

    let plan_page = t.obs.get(&format!("/p/{slug}/actions")).await;
    plan_page.assert_contains("Book the venue");
    plan_page.assert_contains("Overdue");
    plan_page.assert_contains("Ayr Health");
    plan_page.assert_contains("3 actions");
    let overdue = t.obs.get(&format!("/p/{slug}/actions?overdue=yes")).await;
    overdue.assert_contains("Book the venue");
    overdue.assert_lacks("Write the leaflet");
    let by_org = t
        .obs
        .get(&format!("/p/{slug}/actions?organisation={}", t.health))
        .await;
    // Health owns "Share the data" and its member Cal owns "Write the leaflet".
    by_org.assert_contains("Share the data");
    by_org.assert_contains("Write the leaflet");
    by_org.assert_lacks("Book the venue");
    let mine = t.bea.get("/actions").await;
    mine.assert_contains("Book the venue");
    mine.assert_lacks("Write the leaflet");

    // Bea updates status with a note; the history keeps it.
    let action = app.db.my_actions(t.bea_id).await.unwrap().remove(0);
    let r = t
        .bea
        .post(
            &format!("/p/{slug}/actions/{}/status", action.id),
            &[("status", "done"), ("note", "Booked the library hall")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = t.obs.get(&format!("/p/{slug}/actions/{}", action.id)).await;
    page.assert_contains("Booked the library hall");
    page.assert_contains("Status changed to done");
    page.assert_contains("Created");
    let events = app.db.action_events(action.id).await.unwrap();
    assert_eq!(events.len(), 2);
    let done = t.obs.get(&format!("/p/{slug}/actions?status=done")).await;
    done.assert_contains("Book the venue");
    done.assert_lacks("Share the data");
    let r = t
        .obs
        .post(
            &format!("/p/{slug}/actions/{}/status", action.id),
            &[("status", "open"), ("note", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // Editing is version-checked.
    let leaflet = app.db.my_actions(t.cal_id).await.unwrap().remove(0);
    let v = leaflet.version.to_string();
    let edit = |title: &'static str, contingency: &'static str| {
        vec![
            ("title", title.to_string()),
            ("contingency", contingency.to_string()),
            ("owner", format!("u:{}", t.cal_id)),
            ("due", "2031-12-01".to_string()),
            ("version", v.clone()),
        ]
    };
    // What to do if it cannot be done: too long is refused with the words kept.
    let long = "Ask again. ".repeat(200);
    let mut bad = edit("Write the leaflet", "");
    bad[1].1 = long.clone();
    let bad: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = t
        .cal
        .post(&format!("/p/{slug}/actions/{}/edit", leaflet.id), &bad)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("Keep what you would do instead to 2,000 characters or fewer");
    r.assert_contains(long.trim_end());
    let e1 = edit(
        "Write the leaflet, in Gaelic too",
        "Ask the Gaelic officer at the council to translate it",
    );
    let e1: Vec<(&str, &str)> = e1.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = t
        .cal
        .post(&format!("/p/{slug}/actions/{}/edit", leaflet.id), &e1)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let shown = t
        .obs
        .get(&format!("/p/{slug}/actions/{}", leaflet.id))
        .await;
    shown.assert_contains("If it cannot be done");
    shown.assert_contains("Ask the Gaelic officer at the council to translate it");
    let e2 = edit("Write the leaflet by spring", "Print it in English first");
    let e2: Vec<(&str, &str)> = e2.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = t
        .lead
        .post(&format!("/p/{slug}/actions/{}/edit", leaflet.id), &e2)
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    r.assert_contains("Write the leaflet, in Gaelic too");
    r.assert_contains("Write the leaflet by spring");
    r.assert_contains("Print it in English first");

    // CSV.
    let csv = t.obs.get(&format!("/p/{slug}/actions.csv")).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.body.starts_with(
        "Title,Detail,If it cannot be done,Owner,Organisation,Due,Status,Overdue,Came from,Link"
    ));
    assert_eq!(csv.body.lines().count(), 4);
    assert!(
        csv.body
            .contains("Book the venue,,,Bea Brown,,2020-01-01,Done,No,")
    );

    // Calendar feed: make, read, replace.
    let r = t.cal.post("/actions/calendar", &[]).await;
    let re = regex::Regex::new(r"http://tandem\.test(/calendar/[0-9a-f]{64})").unwrap();
    let feed = re.captures(&r.body).expect("feed link")[1].to_string();
    let mut anon = app.client();
    let ics = anon.get(&feed).await;
    assert_eq!(ics.status, StatusCode::OK);
    assert!(
        ics.body.contains("BEGIN:VCALENDAR") && ics.body.contains("DTSTART;VALUE=DATE:20311201")
    );
    assert!(ics.body.contains("SUMMARY:Due: Write the leaflet"));
    t.cal.post("/actions/calendar", &[]).await;
    assert_eq!(
        anon.get(&feed).await.status,
        StatusCode::NOT_FOUND,
        "old link stops working"
    );

    // Someone who leaves shows as a former member, and their actions stay.
    let membership = app.db.membership(&slug, t.cal_id).await.unwrap().unwrap().1;
    app.db.remove_member(t.pid, membership.id).await.unwrap();
    let plan_page = t.obs.get(&format!("/p/{slug}/actions")).await;
    plan_page.assert_contains("Cal Clark (former member)");
    assert!(
        t.cal
            .get("/actions")
            .await
            .body
            .contains("You have no actions")
    );
    let _ = t.council;
}

async fn summary_and_exports_carry_the_whole_record(app: TestApp) {
    let mut t = team(&app).await;
    let slug = t.slug.clone();
    let conv = plan(&mut t.lead, &slug, "Board summary", "2031-06-01").await;
    let (card, card_text) = first_card(&app, t.pid).await;
    t.lead
        .post(
            &format!("/p/{slug}/cards/{card}/use"),
            &[("conversation", &conv.to_string())],
        )
        .await;
    let item = items(&app, conv).await[0];
    let base = format!("/p/{slug}/conversations/{conv}");
    t.lead
        .post(
            &format!("{base}/attendees"),
            &[("member", &t.bea_id.to_string())],
        )
        .await;
    t.lead
        .post(
            &format!("{base}/attendees"),
            &[("member", &t.cal_id.to_string())],
        )
        .await;
    t.lead
        .post(
            &format!("{base}/attendees"),
            &[("name", "Gail Guest"), ("organisation", "")],
        )
        .await;
    t.bea
        .post(
            &format!("{base}/items/{item}/view"),
            &[("body", "My early view")],
        )
        .await;
    t.lead
        .post(
            &format!("{base}/items/{item}/record"),
            &[
                (
                    "notes",
                    "We talked about *trust*.\nRoom: the library\n\n- book the **hall**\n- read [the plan](https://example.org/plan)\n\nمرحبا بكم 👍 নমস্কার",
                ),
                ("agreed", "- Meet monthly\n- Share one budget line"),
                ("differ", "How fast to move"),
                ("version", "1"),
            ],
        )
        .await;
    t.lead
        .post(
            &format!("/p/{slug}/actions"),
            &[
                ("title", "Draft the terms of reference"),
                ("owner", &format!("u:{}", t.bea_id)),
                ("due", "2031-07-01"),
                ("conversation", &conv.to_string()),
                ("item", &item.to_string()),
            ],
        )
        .await;
    t.lead
        .post(&format!("{base}/status"), &[("status", "written_up")])
        .await;

    let s = t.obs.get(&format!("{base}/summary")).await;
    assert_eq!(s.status, StatusCode::OK);
    for needle in [
        "Agree how we share referrals.",
        "Ayr Council:</strong> Bea Brown",
        "Ayr Health:</strong> Cal Clark",
        "Guests:</strong> Gail Guest",
        "<li>Meet monthly</li>",
        "<li>How fast to move</li>",
        "<em>trust</em>.<br>",
        "<li>book the <strong>hall</strong></li>",
        "Draft the terms of reference — Bea Brown, due 1 July 2031 (open)",
    ] {
        s.assert_contains(needle);
    }
    s.assert_lacks("Draft: this conversation");
    let md = t.obs.get(&format!("{base}/summary.md")).await;
    assert!(md.body.starts_with("# Board summary\n"));
    assert!(md.body.contains("- **Ayr Health**: Cal Clark"));
    assert!(md.body.contains(&format!("## 1. {card_text}")));
    assert!(
        md.body
            .contains("**What we agreed**\n\n- Meet monthly\n- Share one budget line")
    );
    let (status, pdf) = t.obs.request_bytes(&format!("{base}/summary.pdf")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(pdf.starts_with(b"%PDF-") && pdf.len() > 5_000);
    // Read it as any PDF reader would.
    let text = crate::helpers::pdf_text(&pdf);
    // The notes keep their shape: a line break, a list with bold, a link's address.
    for needle in [
        "We talked about trust.\nRoom: the library",
        "• book the hall",
        "• read the plan (https://example.org/plan)",
        "Board summary",
        "Who came",
        "Ayr Health: Cal Clark",
        "Meet monthly",
        "How fast to move",
        "Draft the terms of reference",
    ] {
        assert!(
            text.contains(needle),
            "{needle:?} missing from the PDF text:\n{text}"
        );
    }
    let json = t.obs.get(&format!("{base}/export.json")).await;
    let v: serde_json::Value = serde_json::from_str(&json.body).unwrap();
    assert_eq!(v["title"], "Board summary");
    assert_eq!(v["status"], "written_up");
    assert_eq!(v["attendees"].as_array().unwrap().len(), 3);
    let a0 = &v["agenda"][0];
    assert_eq!(a0["kind"], "card");
    assert_eq!(a0["agreed"][1], "Share one budget line");
    assert_eq!(a0["views"][0]["body"], "My early view");
    assert_eq!(a0["views"][0]["by"], "Bea Brown");
    assert_eq!(a0["actions"][0]["owner"], "Bea Brown");
    assert_eq!(v["starts_at"], "2031-06-01T13:30:00Z");
}

async fn coverage_shows_what_was_discussed_and_suggests_the_rest(app: TestApp) {
    let mut t = team(&app).await;
    let slug = t.slug.clone();
    // A card from the middle of the deck, so a mix-up between cards would show.
    let (card, text) = {
        let deck = app
            .db
            .decks_for(t.pid)
            .await
            .unwrap()
            .into_iter()
            .find(|d| d.title == "Partnership conversation openers")
            .unwrap();
        let c = app.db.deck_cards(deck.id).await.unwrap().remove(26);
        (c.id, c.text)
    };
    let held = plan(&mut t.lead, &slug, "Held one", "2031-06-01").await;
    let planned = plan(&mut t.lead, &slug, "Next one", "2031-09-01").await;
    t.lead
        .post(
            &format!("/p/{slug}/cards/{card}/use"),
            &[("conversation", &held.to_string())],
        )
        .await;
    let before = t.obs.get(&format!("/p/{slug}/coverage")).await;
    before.assert_contains("0 of 50 cards discussed");
    t.lead
        .post(
            &format!("/p/{slug}/conversations/{held}/status"),
            &[("status", "held"), ("confirm", "yes")],
        )
        .await;
    let after = t.lead.get(&format!("/p/{slug}/coverage")).await;
    after.assert_contains("1 of 50 cards discussed");
    after.assert_contains(&format!(
        "<a href=\"/p/{slug}/conversations/{held}\">Held one</a>"
    ));
    // The card discussed is the one marked, under its own words.
    let line = after
        .body
        .split("<li>")
        .find(|l| l.contains("<strong class=\"tag tag-blue\">Discussed</strong>"))
        .expect("a discussed card");
    assert!(line.contains(&format!("/cards/{card}\"")), "{line}");
    assert!(line.contains(&esc(&text)), "{line}");
    // The discussed card is not suggested; others are, and can go onto the planned agenda.
    let ideas = after
        .body
        .split("Ideas for the next agenda")
        .nth(1)
        .unwrap();
    let ideas = ideas.split("</section>").next().unwrap();
    assert!(!ideas.contains(&esc(&text)));
    assert!(ideas.contains("Next one"));
    // Drawing prefers cards not yet discussed: the first card never comes up among 9 draws
    // from its theme of 10.
    let theme = app.db.card(card).await.unwrap().unwrap().theme_id;
    let deck = app.db.card(card).await.unwrap().unwrap().deck_id;
    for _ in 0..9 {
        let drawn = app
            .db
            .draw_card(t.pid, deck, Some(theme), t.lead_id, now())
            .await
            .unwrap()
            .unwrap();
        assert_ne!(drawn, card);
    }
    let _ = planned;
}

async fn deleting_a_deck_keeps_the_record_readable(app: TestApp) {
    let mut t = team(&app).await;
    let slug = t.slug.clone();
    let r = t
        .lead
        .post(
            &format!("/p/{slug}/decks/import/confirm"),
            &[
                (
                    "content",
                    "# Our own\n\n## Trust\n- Who do we call first when things go wrong?\n",
                ),
                ("format", "markdown"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let deck = app
        .db
        .decks_for(t.pid)
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.title == "Our own")
        .unwrap();
    let card = app.db.deck_cards(deck.id).await.unwrap()[0].id;
    let conv = plan(&mut t.lead, &slug, "Keeps", "2031-06-01").await;
    t.lead
        .post(
            &format!("/p/{slug}/cards/{card}/use"),
            &[("conversation", &conv.to_string())],
        )
        .await;
    let r = t
        .lead
        .post(
            &format!("/p/{slug}/decks/{}/delete", deck.id),
            &[("confirm", "yes")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(app.db.deck(deck.id).await.unwrap().is_none());
    let page = t.obs.get(&format!("/p/{slug}/conversations/{conv}")).await;
    page.assert_contains("Who do we call first when things go wrong?");
    page.assert_contains("the card has since been deleted");
    let summary = t
        .obs
        .get(&format!("/p/{slug}/conversations/{conv}/summary"))
        .await;
    summary.assert_contains("Card from Our own");
}

async fn an_expired_session_keeps_the_notes(app: TestApp) {
    let mut t = team(&app).await;
    let slug = t.slug.clone();
    let conv = plan(&mut t.lead, &slug, "Long meeting", "2031-06-01").await;
    t.lead
        .post(
            &format!("/p/{slug}/conversations/{conv}/items"),
            &[("title", "Everything"), ("minutes", "")],
        )
        .await;
    let item = items(&app, conv).await[0];
    // Bea's session ends while she types: idle for longer than sessions last.
    let csrf = t.bea.csrf().await;
    app.sql("UPDATE sessions SET last_seen_at = last_seen_at - 9 * 3600, created_at = created_at - 9 * 3600")
        .await;
    let long_notes = "A long record of the meeting. ".repeat(400);
    let url = format!("/p/{slug}/conversations/{conv}/items/{item}/record");
    let r = t
        .bea
        .post_raw(
            &url,
            &[
                ("_csrf", &csrf),
                ("notes", &long_notes),
                ("agreed", "Keep going"),
                ("differ", ""),
                ("version", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let to = r.location().to_string();
    assert!(to.starts_with("/login?next=%2Fheld%2F"), "{to}");
    let login = t.bea.get(&to).await;
    login.assert_contains("your work is safe");
    // Nothing saved yet.
    assert_eq!(app.db.agenda_item(item).await.unwrap().unwrap().notes, "");
    // Sign in again (a fresh session), open the held form, finish saving.
    let mut bea = app.signed_in(t.bea_id).await;
    let held_path = to.trim_start_matches("/login?next=").replace("%2F", "/");
    let page = bea.get(&held_path).await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("A long record of the meeting.");
    page.assert_contains(&format!("action=\"{url}\""));
    // The browser sends the hidden fields back with the new CSRF token.
    let re =
        regex::Regex::new(r#"<input type="hidden" name="([a-z_]+)" value="([^"]*)">"#).unwrap();
    let fields: Vec<(String, String)> = re
        .captures_iter(&page.body)
        .map(|c| {
            (
                c[1].to_string(),
                c[2].replace("&#39;", "'").replace("&#38;", "&"),
            )
        })
        .filter(|(k, _)| k != "_csrf")
        .collect();
    let f: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let r = bea.post(&url, &f).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let saved = app.db.agenda_item(item).await.unwrap().unwrap();
    assert_eq!(saved.notes.trim_end(), long_notes.trim_end());
    assert_eq!(saved.agreed, "Keep going");
    // Someone else cannot read, save or discard a form held for Bea.
    let mut cal = app.signed_in(t.cal_id).await;
    let other = cal.get(&held_path).await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);
    let other = cal.post(&format!("{held_path}/discard"), &[]).await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);
}

/// What an attacker tried: a form sent with a made-up session cookie, or a stolen
/// page's stale token, or to a route that changes roles, is never held for anyone.
async fn only_a_real_ended_session_gets_its_own_form_held(app: TestApp) {
    let mut t = team(&app).await;
    let slug = t.slug.clone();
    let held_and_cleared = |app: &TestApp| {
        let db = app.db.clone();
        async move { db.delete_expired_held(i64::MAX).await.unwrap() }
    };
    let members = app.db.members(t.pid).await.unwrap();
    let bea_membership = members.iter().find(|m| m.user_id == t.bea_id).unwrap().id;
    let role_change = format!("/p/{slug}/members/{bea_membership}");
    let action = format!("/p/{slug}/actions");
    // 1. A cookie that never named a session: nothing held, sign in as usual.
    let mut junk = app.client();
    junk.cookies
        .insert(tandem::web::extract::SESSION_COOKIE.into(), "f".repeat(64));
    for path in [&role_change, &action] {
        let r = junk
            .post_raw(
                path,
                &[("_csrf", "x"), ("role", "lead"), ("title", "Planted")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert!(!r.location().contains("held"), "{}", r.location());
    }
    assert_eq!(held_and_cleared(&app).await, 0);
    // 2. Bea's real session ends.
    let bea_token = t.bea.cookies[tandem::web::extract::SESSION_COOKIE].clone();
    let csrf = t.bea.csrf().await;
    app.sql("UPDATE sessions SET last_seen_at = last_seen_at - 9 * 3600")
        .await;
    let expired = |token: &str| {
        let mut c = app.client();
        c.cookies.insert(
            tandem::web::extract::SESSION_COOKIE.into(),
            token.to_string(),
        );
        c
    };
    // ... a form with a wrong token for that session is not held;
    let r = expired(&bea_token)
        .post_raw(&action, &[("_csrf", "not-hers"), ("title", "Planted")])
        .await;
    assert!(!r.location().contains("held"), "{}", r.location());
    // ... nor a role change with the right token;
    let r = expired(&bea_token)
        .post_raw(
            &role_change,
            &[("_csrf", &csrf), ("role", "lead"), ("organisation_id", "1")],
        )
        .await;
    assert!(!r.location().contains("held"), "{}", r.location());
    assert_eq!(held_and_cleared(&app).await, 0);
    // ... but her own action, with her token, is held for her alone.
    let r = expired(&bea_token)
        .post_raw(
            &action,
            &[
                ("_csrf", &csrf),
                ("title", "Call the\u{0} carers' centre"),
                ("owner", ""),
                ("due", ""),
                ("some_field", "kept too"),
            ],
        )
        .await;
    assert!(
        r.location().starts_with("/login?next=%2Fheld%2F"),
        "{}",
        r.location()
    );
    let held_path = r
        .location()
        .trim_start_matches("/login?next=")
        .replace("%2F", "/");
    let mut bea = app.signed_in(t.bea_id).await;
    let page = bea.get(&held_path).await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("Finish saving your work");
    page.assert_contains("a new action");
    // Every field that will be sent is shown, under a name people can read; the control
    // character she could not see is gone.
    page.assert_contains("<th scope=\"row\">Title</th>");
    page.assert_contains("Call the carers&#39; centre");
    page.assert_contains("<th scope=\"row\">Owner</th>");
    page.assert_contains("<th scope=\"row\">Due date</th>");
    page.assert_contains("<th scope=\"row\">some field</th>");
    page.assert_contains("kept too");
    let mut lead = app.signed_in(t.lead_id).await;
    assert_eq!(lead.get(&held_path).await.status, StatusCode::NOT_FOUND);
    // Bea's old session still cannot be used for anything else.
    let r = expired(&bea_token).get(&format!("/p/{slug}")).await;
    assert!(r.location().starts_with("/login"), "{}", r.location());
}

async fn autosaved_drafts_come_back(app: TestApp) {
    let mut t = team(&app).await;
    let slug = t.slug.clone();
    let conv = plan(&mut t.lead, &slug, "Drafts", "2031-06-01").await;
    t.lead
        .post(
            &format!("/p/{slug}/conversations/{conv}/items"),
            &[("title", "Item"), ("minutes", "")],
        )
        .await;
    let item = items(&app, conv).await[0];
    let url = format!("/p/{slug}/conversations/{conv}/items/{item}");
    let r = t
        .bea
        .post(
            &format!("{url}/draft"),
            &[
                ("notes", "Half-typed thought"),
                ("agreed", ""),
                ("differ", ""),
                ("version", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let page = t.bea.get(&url).await;
    page.assert_contains("We kept your unsaved draft");
    page.assert_contains("Half-typed thought");
    // Only Bea sees her draft.
    t.cal.get(&url).await.assert_lacks("Half-typed thought");
    // Saving clears it.
    t.bea
        .post(
            &format!("{url}/record"),
            &[("notes", "Finished thought"), ("version", "1")],
        )
        .await;
    assert!(app.db.draft(t.bea_id, item).await.unwrap().is_none());
    let page = t.bea.get(&url).await;
    page.assert_lacks("We kept your unsaved draft");
}

both_engines!(coverage_marks_exactly_the_cards_on_held_agendas);

async fn coverage_marks_exactly_the_cards_on_held_agendas(app: TestApp) {
    let mut t = team(&app).await;
    let slug = t.slug.clone();
    let deck = app
        .db
        .decks_for(t.pid)
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.title == "Partnership conversation openers")
        .unwrap();
    let conv = plan(&mut t.lead, &slug, "Drawn", "2031-03-14").await;
    for _ in 0..3 {
        let r = t
            .lead
            .post(
                &format!("/p/{slug}/conversations/{conv}/draw"),
                &[("from", &format!("deck:{}", deck.id))],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
    }
    t.lead
        .post(
            &format!("/p/{slug}/conversations/{conv}/status"),
            &[("status", "held"), ("confirm", "yes")],
        )
        .await;
    let mut on_agenda: Vec<String> = app
        .db
        .agenda(conv)
        .await
        .unwrap()
        .into_iter()
        .map(|i| esc(&i.title))
        .collect();
    let page = t.lead.get(&format!("/p/{slug}/coverage")).await;
    let re = regex::Regex::new(r#"Discussed</strong> <a href="/p/[a-z]+/cards/\d+">([^<]*)</a>"#)
        .unwrap();
    let mut marked: Vec<String> = re
        .captures_iter(&page.body)
        .map(|c| c[1].to_string())
        .collect();
    on_agenda.sort();
    marked.sort();
    assert_eq!(marked, on_agenda);
}

/// The action plan's CSV is streamed in chunks: a long plan still arrives whole, in
/// the plan's order, and an empty one is just its header.
async fn a_long_action_plan_downloads_whole_and_in_order(app: TestApp) {
    use tandem::domain::actions::{ActionFields, ActionSource};
    let mut t = team(&app).await;
    let slug = t.slug.clone();
    let csv = t.lead.get(&format!("/p/{slug}/actions.csv")).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(csv.body.lines().count(), 1, "{}", csv.body);
    for n in 0..700 {
        let due = format!("2030-{:02}-{:02}", 1 + n % 12, 1 + n % 28);
        app.db
            .create_action(
                t.pid,
                &ActionFields {
                    title: format!("Action number {n}"),
                    detail: "=SUM(A1)".into(),
                    contingency: "+ask Bea".into(),
                    owner_user_id: Some(t.bea_id),
                    owner_org_id: None,
                    due_on: Some(due),
                },
                &ActionSource::default(),
                t.lead_id,
                now(),
            )
            .await
            .unwrap();
    }
    let csv = t.lead.get(&format!("/p/{slug}/actions.csv?sort=due")).await;
    assert_eq!(csv.status, StatusCode::OK);
    let mut reader = csv::Reader::from_reader(csv.body.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 700);
    let dues: Vec<&str> = rows.iter().map(|r| &r[5]).collect();
    assert!(dues.windows(2).all(|w| w[0] <= w[1]), "not in due order");
    assert!(
        rows.iter()
            .all(|r| &r[1] == "'=SUM(A1)" && &r[2] == "'+ask Bea" && &r[3] == "Bea Brown")
    );
    let mut titles: Vec<&str> = rows.iter().map(|r| &r[0]).collect();
    titles.sort();
    titles.dedup();
    assert_eq!(titles.len(), 700, "a row came twice or not at all");
}
