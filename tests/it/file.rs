//! The partnership file: the risk register — adding with bad input refused and kept,
//! the common risks as starting points, the heat map and its table, editing that
//! never overwrites unseen, closing, removing after a yes, the activity feed and CSV.
//! The stakeholder map: bad input kept, moves kept and shown since a chosen day, a
//! save of someone removed meanwhile, CSV. The overview and the checklist statements
//! the file ticks. The evaluation plan: the outcome writer, indicators, the evidence log
//! with uploads (too large, not what it says, another partnership's), CSV.

use axum::http::StatusCode;

use crate::both_engines;
use crate::conversations::team;
use crate::helpers::{TestApp, docx_text, libreoffice_text, pdf_text};
use tandem::domain::file::StakeholderFields;
use tandem::domain::model::Id;
use tandem::domain::now;

both_engines!(
    a_risk_register_is_kept_with_its_contingency_plan,
    a_stakeholder_map_keeps_every_move,
    the_overview_says_what_needs_attention_and_ticks_what_the_file_shows,
    an_evaluation_plan_keeps_outcomes_indicators_and_evidence,
    the_logic_model_shares_the_plan_s_outcomes_and_the_register_s_risks,
    an_agreement_is_signed_by_each_organisation_and_a_change_asks_again,
    a_communications_plan_puts_each_next_date_on_the_action_plan,
    a_skills_grid_shows_what_each_gives_and_receives_and_the_gaps
);

async fn a_risk_register_is_kept_with_its_contingency_plan(app: TestApp) {
    let mut t = team(&app).await;
    let slug = t.slug.clone();
    let register = format!("/p/{slug}/file/risks");

    // Empty at first, with the common risks offered.
    let page = t.lead.get(&register).await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("No open risks on the register yet");
    page.assert_contains("A partner wants to leave the partnership");
    // One of them starts the form with a first go at both plans.
    let start = t
        .lead
        .get(&format!("{register}/new?suggestion=disagreement"))
        .await;
    start.assert_contains("Partners disagree and it is not settled");
    start.assert_contains("someone from outside the disagreement chairs a meeting");

    // Bad input: nothing saved, each message beside its field, what was typed kept.
    let r = t
        .lead
        .post(
            &register,
            &[
                ("title", "  "),
                ("likelihood", "7"),
                ("impact", ""),
                ("owner", "u:999999"),
                ("prevention", "Talk early"),
                ("review", "31/02/2031"),
                ("status", "open"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("Say what could go wrong");
    r.assert_contains("Choose how likely it is");
    r.assert_contains("Choose how bad it would be");
    r.assert_contains("Choose someone in the partnership");
    r.assert_contains("There is no 31 February in 2031");
    r.assert_contains("Talk early");
    assert!(app.db.risks(t.pid).await.unwrap().is_empty());

    // Two risks: one very high, owned by Bea, past its review date; one low.
    let add = |title: &str, l: &str, i: &str, owner: String, review: &str| {
        vec![
            ("title", title.to_string()),
            ("likelihood", l.to_string()),
            ("impact", i.to_string()),
            ("owner", owner),
            (
                "prevention",
                "Each partner says early when a grant is in doubt".to_string(),
            ),
            ("response", "Meet within two weeks".to_string()),
            ("review", review.to_string()),
            ("status", "open".to_string()),
        ]
    };
    for f in [
        add(
            "The council's grant ends in March",
            "4",
            "5",
            format!("u:{}", t.bea_id),
            "01/01/2020",
        ),
        add(
            "=HYPERLINK(\"x\") the room is double booked",
            "1",
            "2",
            String::new(),
            "",
        ),
    ] {
        let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = t.lead.post(&register, &f).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert!(r.location().starts_with(&format!("{register}#risk-")));
    }
    let risks = app.db.risks(t.pid).await.unwrap();
    assert_eq!(risks.len(), 2);
    let grant = &risks[0];
    assert_eq!(grant.score(), 20, "the highest score first");

    // Everyone in the partnership reads it, observers too; only they cannot change it.
    let page = t.obs.get(&register).await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("2 open risks: 1 very high, 1 low.");
    page.assert_contains("1 past its review date");
    page.assert_contains("Very high, 20");
    page.assert_contains("Likely (4) × very serious (5)");
    page.assert_contains("Bea");
    page.assert_contains("<svg class=\"chart\" id=\"risk-map\"");
    page.assert_lacks("Add a risk");
    let r = t.obs.get(&format!("{register}/new")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // The CSV, read back: formulas guarded, every column there.
    let csv = t.obs.get(&format!("{register}.csv")).await;
    assert_eq!(csv.status, StatusCode::OK);
    let mut reader = csv::Reader::from_reader(csv.body.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        header,
        [
            "Risk",
            "Likelihood",
            "Impact",
            "Score",
            "Band",
            "Who watches it",
            "What prevents it",
            "What we do if it happens",
            "Review by",
            "Review overdue",
            "Status",
            "Link"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(&rows[0][0], "The council's grant ends in March");
    assert_eq!(&rows[0][3], "20");
    assert_eq!(&rows[0][4], "Very high");
    assert_eq!(&rows[0][8], "2020-01-01");
    assert_eq!(&rows[0][9], "Yes");
    assert!(rows[1][0].starts_with("'=HYPERLINK"), "{}", &rows[1][0]);
    assert!(rows[0][11].ends_with(&format!("{register}#risk-{}", grant.id)));

    // Two people change the same risk: the second sees the first's change, not lost.
    let v = grant.version.to_string();
    let edit = |title: &str, response: &str| {
        vec![
            ("title", title.to_string()),
            ("likelihood", "3".to_string()),
            ("impact", "5".to_string()),
            ("owner", format!("u:{}", t.bea_id)),
            ("prevention", String::new()),
            ("response", response.to_string()),
            ("review", "01/06/2031".to_string()),
            ("status", "open".to_string()),
            ("version", v.clone()),
        ]
    };
    let edit_url = format!("{register}/{}/edit", grant.id);
    let e1 = edit(
        "The council's grant ends in March",
        "Ask the health board to bridge",
    );
    let e1: Vec<(&str, &str)> = e1.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = t.bea.post(&edit_url, &e1).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let e2 = edit("The grant may end early", "Cut the evening sessions first");
    let e2: Vec<(&str, &str)> = e2.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = t.cal.post(&edit_url, &e2).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    r.assert_contains("Ask the health board to bridge");
    r.assert_contains("Cut the evening sessions first");
    let now = app.db.risk(grant.id).await.unwrap().unwrap();
    assert_eq!(now.response, "Ask the health board to bridge");
    assert_eq!(now.score(), 15);

    // Closed: off the map, kept on the record.
    let mut close = edit(
        "The council's grant ends in March",
        "Ask the health board to bridge",
    );
    close[7].1 = "closed".into();
    close[8].1 = now.version.to_string();
    let close: Vec<(&str, &str)> = close.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = t.bea.post(&edit_url, &close).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = t.lead.get(&register).await;
    page.assert_contains("1 open risk: 1 low.");
    page.assert_contains("No longer risks");
    page.assert_contains("(was high, 15)");

    // Removing asks first, then removes it for good.
    let delete = format!("{register}/{}/delete", grant.id);
    let r = t.lead.post(&delete, &[]).await;
    assert_eq!(r.status, StatusCode::OK);
    r.assert_contains("Remove “The council&#39;s grant ends in March” from the register?");
    assert!(app.db.risk(grant.id).await.unwrap().is_some());
    let r = t.lead.post(&delete, &[("confirm", "yes")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(app.db.risk(grant.id).await.unwrap().is_none());
    let r = t.lead.get(&edit_url).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // Each change is in the activity feed.
    let feed = t.lead.get(&format!("/p/{slug}/activity")).await;
    feed.assert_contains("added the risk");
    feed.assert_contains("closed the risk");
    feed.assert_contains("removed the risk");
}

fn owned(v: &[(&'static str, String)]) -> Vec<(&'static str, String)> {
    v.to_vec()
}

fn refs<'a>(v: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    v.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

async fn a_stakeholder_map_keeps_every_move(app: TestApp) {
    let mut t = team(&app).await;
    let slug = t.slug.clone();
    let map = format!("/p/{slug}/file/stakeholders");

    let page = t.lead.get(&map).await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("Nobody is on the map yet");

    // Impossible scores, no name, a stance and a contact that are not on offer, an
    // organisation as the contact: each message beside its field, input kept, nothing saved.
    let r = t
        .lead
        .post(
            &map,
            &[
                ("name", " "),
                ("group", "Ayr Council"),
                ("influence", "6"),
                ("interest", "0"),
                ("stance", "hostile"),
                ("owner", &format!("o:{}", t.council)),
                ("contact", "hourly"),
                ("notes", "Met at the forum"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("Say who the stakeholder is");
    r.assert_contains("Choose how much influence they have");
    r.assert_contains("Choose how interested they are");
    r.assert_contains("Choose where they stand");
    r.assert_contains("Choose a member of the partnership to keep in touch");
    r.assert_contains("Choose how often to be in touch");
    r.assert_contains("Met at the forum");
    assert!(app.db.stakeholders(t.pid).await.unwrap().is_empty());

    // One put on the map back in January (as the store dates it), two today.
    let tenants = app
        .db
        .create_stakeholder(
            t.pid,
            &StakeholderFields {
                name: "Tenants' forum".into(),
                group_name: "Ayr Housing".into(),
                influence: 2,
                interest: 4,
                stance: "neutral".into(),
                ..Default::default()
            },
            t.lead_id,
            "2026-01-10",
            now(),
        )
        .await
        .unwrap();
    let add = |name: &str, influence: &str, interest: &str, stance: &str, owner: String| {
        owned(&[
            ("name", name.to_string()),
            ("group", String::new()),
            ("influence", influence.to_string()),
            ("interest", interest.to_string()),
            ("stance", stance.to_string()),
            ("owner", owner),
            ("contact", "monthly".to_string()),
            ("notes", String::new()),
        ])
    };
    for f in [
        add(
            "Director of Public Health",
            "5",
            "4",
            "supportive",
            format!("u:{}", t.bea_id),
        ),
        add(
            "=cmd|' /C calc'!A0 Local paper",
            "1",
            "1",
            "unknown",
            String::new(),
        ),
    ] {
        let r = t.lead.post(&map, &refs(&f)).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert!(r.location().starts_with(&format!("{map}#stakeholder-")));
    }
    let all = app.db.stakeholders(t.pid).await.unwrap();
    assert_eq!(all.len(), 3);
    assert_eq!(app.db.stakeholder_moves(t.pid).await.unwrap().len(), 3);

    // Observers read the map, its drawing and its table; they cannot change it.
    let page = t.obs.get(&map).await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains(r#"<svg class="chart" id="stakeholder-map""#);
    page.assert_contains("Director of Public Health");
    page.assert_contains("Bea Brown");
    page.assert_contains("Manage closely");
    page.assert_lacks("Add a stakeholder");
    assert_eq!(
        t.obs.get(&format!("{map}/new")).await.status,
        StatusCode::FORBIDDEN
    );

    // The forum moves: interest stays, influence rises to 4 (keep informed -> manage
    // closely) and it comes round to supportive. One move kept; a save that changes only
    // the notes keeps none.
    let edit_url = format!("{map}/{tenants}/edit");
    let moved = owned(&[
        ("name", "Tenants' forum".into()),
        ("group", "Ayr Housing".into()),
        ("influence", "4".into()),
        ("interest", "4".into()),
        ("stance", "supportive".into()),
        ("owner", format!("u:{}", t.cal_id)),
        ("contact", "fortnightly".into()),
        ("notes", String::new()),
        ("version", "1".into()),
    ]);
    let r = t.bea.post(&edit_url, &refs(&moved)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let mut notes_only = moved.clone();
    notes_only[7].1 = "They chair the residents' panel".into();
    notes_only[8].1 = "2".into();
    let r = t.bea.post(&edit_url, &refs(&notes_only)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let moves: Vec<_> = app
        .db
        .stakeholder_moves(t.pid)
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.stakeholder_id == tenants)
        .collect();
    assert_eq!(moves.len(), 2, "{moves:?}");
    assert_eq!((moves[1].influence, moves[1].interest), (4, 4));

    // A stale save: both versions shown, nothing overwritten.
    let mut stale = moved.clone();
    stale[0].1 = "Tenants and residents' forum".into();
    let r = t.cal.post(&edit_url, &refs(&stale)).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    r.assert_contains("Tenants and residents&#39; forum");
    let s = app.db.stakeholder(tenants).await.unwrap().unwrap();
    assert_eq!(s.name, "Tenants' forum");
    assert_eq!(s.notes, "They chair the residents' panel");

    // Movement since 1 February: the forum moved today; the other two were added.
    let today = tandem::domain::time::today("Europe/London");
    let on = tandem::domain::time::format_day(&today);
    let page = t.lead.get(&format!("{map}?since=1/2/2026")).await;
    page.assert_contains("Moved since 1 February 2026");
    page.assert_contains(&format!(
        "moved from keep informed to manage closely and from neutral to supportive on {on}"
    ));
    page.assert_contains(&format!("added to the map on {on}"));
    page.assert_contains(r#"marker-end="url(#stakeholder-map-arrow)""#);
    // Since tomorrow: nobody has moved (today's moves count for a map since today).
    let tomorrow = tandem::domain::time::add_days(&today, 1);
    let page = t.lead.get(&format!("{map}?since={tomorrow}")).await;
    page.assert_contains("Nobody has moved since then.");
    // A day that is not one: said beside the field, the map still shown.
    let page = t.lead.get(&format!("{map}?since=31/02/2026")).await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("There is no 31 February in 2026");
    page.assert_contains(r#"value="31/02/2026""#);

    // The CSV, read back: formula guarded, movement in words.
    let csv = t.obs.get(&format!("{map}.csv?since=2026-02-01")).await;
    assert_eq!(csv.status, StatusCode::OK);
    let mut reader = csv::Reader::from_reader(csv.body.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(header[1], "Stakeholder");
    assert_eq!(header[10], "Since 2026-02-01");
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 3);
    let forum = rows.iter().find(|r| &r[1] == "Tenants' forum").unwrap();
    assert_eq!(&forum[5], "Manage closely");
    assert_eq!(&forum[7], "Supportive");
    assert_eq!(&forum[8], "Cal Clark");
    assert_eq!(&forum[9], "Every two weeks");
    assert!(forum[10].starts_with("moved from keep informed to manage closely"));
    assert!(rows.iter().any(|r| r[1].starts_with("'=cmd")));

    // Removed while someone else is moving them: nothing saved, what they typed shown.
    let paper = all.iter().find(|s| s.name.contains("Local paper")).unwrap();
    let delete = format!("{map}/{}/delete", paper.id);
    let r = t.lead.post(&delete, &[]).await;
    assert_eq!(r.status, StatusCode::OK);
    r.assert_contains("Remove =cmd");
    let r = t.lead.post(&delete, &[("confirm", "yes")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let mut late = add("The Ayr Gazette", "3", "2", "neutral", String::new());
    late.push(("version", "1".into()));
    let r = t
        .bea
        .post(&format!("{map}/{}/edit", paper.id), &refs(&late))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    r.assert_contains("This stakeholder is no longer on the map");
    r.assert_contains("The Ayr Gazette");
    assert!(app.db.stakeholder(paper.id).await.unwrap().is_none());
    assert_eq!(
        app.db
            .stakeholder_moves(t.pid)
            .await
            .unwrap()
            .iter()
            .filter(|m| m.stakeholder_id == paper.id)
            .count(),
        0,
        "the moves go with the stakeholder"
    );

    let feed = t.lead.get(&format!("/p/{slug}/activity")).await;
    feed.assert_contains("put Director of Public Health on the stakeholder map");
    feed.assert_contains("moved Tenants&#39; forum from keep informed to manage closely");
    feed.assert_contains("took =cmd");
}

async fn the_overview_says_what_needs_attention_and_ticks_what_the_file_shows(app: TestApp) {
    let mut t = team(&app).await;
    let slug = t.slug.clone();
    let overview = format!("/p/{slug}/file");
    let checklists = format!("/p/{slug}/checklists");

    let page = t.obs.get(&overview).await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("Nothing needs attention today.");
    page.assert_contains("No open risks on the register yet.");
    page.assert_contains("Nobody on the map yet.");
    page.assert_contains("We made a stakeholder map together.");
    page.assert_contains("Nobody is on the stakeholder map yet");
    let before = t.lead.get(&checklists).await;
    before.assert_contains("This is ticked for you once the stakeholder map shows it.");

    // A serious risk nobody watches, past its review; an opposed stakeholder with a lot
    // of influence and nobody in touch; an action with no fallback.
    let r = t
        .lead
        .post(
            &format!("/p/{slug}/file/risks"),
            &[
                ("title", "The board says no"),
                ("likelihood", "4"),
                ("impact", "4"),
                ("owner", ""),
                ("review", "01/01/2021"),
                ("status", "open"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = t
        .lead
        .post(
            &format!("/p/{slug}/file/stakeholders"),
            &[
                ("name", "Finance director"),
                ("influence", "5"),
                ("interest", "3"),
                ("stance", "opposed"),
                ("owner", ""),
                ("contact", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = t
        .lead
        .post(
            &format!("/p/{slug}/actions"),
            &[("title", "Book the hall"), ("owner", ""), ("due", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    let page = t.obs.get(&overview).await;
    page.assert_contains("1 risk is past its review date");
    page.assert_contains("1 high risk with nobody watching");
    page.assert_contains("1 stakeholder to manage closely with nobody keeping in touch");
    page.assert_contains("1 stakeholder with a lot of influence opposed to the work");
    page.assert_contains("1 open action without an owner or a plan for if it cannot be done");
    page.assert_contains("1 stakeholder, 1 to manage closely; last change");
    page.assert_contains("The stakeholder map has 1 stakeholder on it");

    // Having the map ticks the statement, with the map as evidence; the action plan's
    // statement waits for a fallback.
    let after = t.lead.get(&checklists).await;
    let entry = |body: &str, key: &str| -> String {
        let start = body.find(&format!(r#"id="{key}""#)).unwrap();
        body[start..start + body[start..].find("</li>").unwrap()].to_string()
    };
    let map_entry = entry(&after.body, "resources-c3");
    assert!(
        map_entry.contains(r#"<span class="tag">Done</span>"#),
        "{map_entry}"
    );
    assert!(map_entry.contains(&format!(r#"href="/p/{slug}/file/stakeholders""#)));
    let plan_entry = entry(&after.body, "accountability-c1");
    assert!(
        !plan_entry.contains(r#"<span class="tag">Done</span>"#),
        "{plan_entry}"
    );
    // The checklists' short query answers exactly as the overview's long one.
    let today = tandem::domain::time::today("Europe/London");
    let (facts, summary) = (
        app.db.checklist_facts(t.pid).await.unwrap(),
        app.db.file_summary(t.pid, &today).await.unwrap(),
    );
    for (_, _, tool) in tandem::domain::file::CHECKLIST_LINKS {
        assert_eq!(facts.evidence(tool), summary.evidence(tool), "{tool:?}");
    }
    assert!(
        plan_entry.contains("0 of 1 open action has an owner"),
        "{plan_entry}"
    );
}

/// A small real PDF (pdftotext reads it), made by the app's own PDF writer.
fn a_pdf() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n".to_vec()
}

async fn an_evaluation_plan_keeps_outcomes_indicators_and_evidence(app: TestApp) {
    let mut t = team(&app).await;
    let slug = t.slug.clone();
    let plan = format!("/p/{slug}/file/evaluation");

    let page = t.obs.get(&plan).await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("No outcomes yet.");
    page.assert_contains("The difference to the people we serve");

    // The writer: missing parts are named; built, the sentence comes back to edit and
    // nothing is saved until Add.
    let outcomes = format!("{plan}/outcomes");
    let r = t
        .lead
        .post(
            &outcomes,
            &[
                ("level", "people"),
                ("who", "carers"),
                ("direction", "sideways"),
                ("what", ""),
                ("statement", ""),
                ("build", "yes"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("Choose which way things change");
    r.assert_contains("Say what is changing");
    r.assert_contains(r#"value="carers""#);
    let r = t
        .lead
        .post(
            &outcomes,
            &[
                ("level", "people"),
                ("who", "carers"),
                ("direction", "increased"),
                ("what", "confidence in managing medicines"),
                ("statement", ""),
                ("build", "yes"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    r.assert_contains("Carers have increased confidence in managing medicines.");
    assert!(app.db.outcomes(t.pid).await.unwrap().is_empty());
    // An empty outcome is refused, the parts kept.
    let r = t
        .lead
        .post(
            &outcomes,
            &[
                ("level", "people"),
                ("who", "carers"),
                ("direction", "increased"),
                ("what", "confidence"),
                ("statement", "  "),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("Write the outcome");
    r.assert_contains(r#"value="confidence""#);
    let r = t
        .lead
        .post(
            &outcomes,
            &[
                ("level", "people"),
                ("who", "carers"),
                ("direction", "increased"),
                ("what", "confidence in managing medicines"),
                (
                    "statement",
                    "Carers feel more confident managing medicines.",
                ),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let outcome = app.db.outcomes(t.pid).await.unwrap().remove(0);
    assert_eq!(outcome.level, "people");

    // An indicator, collected by an organisation; a collector not on offer is refused.
    let new_indicator = format!("{plan}/outcomes/{}/indicators", outcome.id);
    let r = t
        .lead
        .post(
            &new_indicator,
            &[
                ("name", "Carers who say they feel confident"),
                ("collector", "o:999999"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("Choose someone in the partnership, or one of its organisations");
    let r = t
        .lead
        .post(
            &new_indicator,
            &[
                ("name", "=SUM(A1) carers who say they feel confident"),
                ("method", "Three questions at the end of each course"),
                ("collector", &format!("o:{}", t.health)),
                ("when", "Every three months"),
                ("place", "At the Thursday drop-in"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let indicator = app.db.indicators(t.pid).await.unwrap().remove(0);
    assert_eq!(indicator.collector_label(), "Ayr Health");
    let log = format!("{plan}/indicators/{}", indicator.id);
    let add = format!("{log}/evidence");

    // Bad input: a day that is not one, a link that is not one, a file that says it
    // is a PDF but is not: each beside its field, the rest kept, nothing saved.
    let r = t
        .bea
        .post_multipart(
            &add,
            &[
                ("day", "30/02/2026"),
                ("value", "7 in 10"),
                ("note", "Up from 5"),
                ("link", "not a link"),
            ],
            Some(("report.pdf", b"<html><script>alert(1)</script></html>")),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    r.assert_contains("There is no 30 February in 2026");
    r.assert_contains("Enter a web address starting with https://");
    r.assert_contains("This file is called .pdf but is not one inside");
    r.assert_contains(r#"value="7 in 10""#);
    r.assert_contains("Up from 5");
    // A 50 MB file: read and dropped, the form answers beside the field.
    let big = vec![b'%'; 50 * 1024 * 1024];
    let r = t
        .bea
        .post_multipart(
            &add,
            &[("day", "31/03/2026"), ("value", "8 in 10")],
            Some(("huge.pdf", &big)),
        )
        .await;
    drop(big);
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    r.assert_contains("The file is larger than 10 MB");
    r.assert_contains(r#"value="8 in 10""#);
    // Nothing at all is refused too.
    let r = t
        .bea
        .post_multipart(&add, &[("day", "31/03/2026")], None)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("an entry needs at least one");
    assert!(app.db.evidence_for(indicator.id).await.unwrap().is_empty());

    // A real PDF, and a figure with a link.
    let pdf = a_pdf();
    let r = t
        .bea
        .post_multipart(
            &add,
            &[
                ("day", "31/03/2026"),
                ("value", "7 in 10"),
                ("note", "Spring course"),
            ],
            Some(("Spring survey.pdf", &pdf)),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = t
        .bea
        .post_multipart(
            &add,
            &[
                ("day", "1 Jan 2025"),
                ("value", "5 in 10"),
                ("link", "https://example.org/report"),
            ],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let entries = app.db.evidence_for(indicator.id).await.unwrap();
    assert_eq!(entries.len(), 2);
    let with_file = &entries[0];
    assert_eq!(with_file.recorded_on, "2026-03-31");
    assert_eq!(with_file.file_type.as_deref(), Some("application/pdf"));
    // Where the bytes are: the data folder on SQLite, the database on PostgreSQL.
    let on_disk = with_file.file_path.clone();
    match app.db.engine() {
        tandem::db::Engine::Sqlite => {
            let path = app
                .state
                .settings
                .data_dir
                .join("evidence")
                .join(on_disk.as_ref().unwrap());
            assert_eq!(std::fs::read(&path).unwrap(), pdf);
        }
        tandem::db::Engine::Postgres => {
            assert!(on_disk.is_none());
            assert_eq!(
                app.db.evidence_bytes(with_file.id).await.unwrap().unwrap(),
                pdf
            );
        }
    }

    // Observers read the log and download the file: as an attachment, its own type,
    // never run as a page.
    let page = t.obs.get(&log).await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("31 March 2026");
    page.assert_contains("Download Spring survey.pdf");
    page.assert_lacks("Add evidence");
    let (status, headers, bytes) = t
        .obs
        .get_bytes(&format!("{plan}/evidence/{}/file", with_file.id))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(bytes, pdf);
    assert_eq!(headers["content-type"], "application/pdf");
    assert!(
        headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment;")
    );
    assert!(
        headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("sandbox")
    );
    let r = t
        .obs
        .post_multipart(&add, &[("day", "31/03/2026"), ("value", "1")], None)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // The plan: grouped, with the latest evidence; the old entry is not this year's.
    let page = t.lead.get(&plan).await;
    page.assert_contains("1 outcome, 1 indicator, last evidence 31 March 2026.");
    page.assert_contains("Carers feel more confident managing medicines.");
    page.assert_contains("2 entries, latest 31 March 2026");

    // Two people change the outcome: the second sees both.
    let edit = format!("{plan}/outcomes/{}/edit", outcome.id);
    let change = |statement: &str| {
        owned(&[
            ("level", "people".into()),
            ("who", "carers".into()),
            ("direction", "increased".into()),
            ("what", "confidence".into()),
            ("statement", statement.into()),
            ("version", outcome.version.to_string()),
        ])
    };
    let r = t
        .bea
        .post(
            &edit,
            &refs(&change("Carers manage medicines with confidence.")),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = t
        .cal
        .post(
            &edit,
            &refs(&change("Carers are less anxious about medicines.")),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    r.assert_contains("Carers manage medicines with confidence.");
    r.assert_contains("Carers are less anxious about medicines.");

    // The CSV, read back.
    let csv = t.obs.get(&format!("{plan}.csv")).await;
    assert_eq!(csv.status, StatusCode::OK);
    let mut reader = csv::Reader::from_reader(csv.body.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 1);
    assert_eq!(&rows[0][0], "The difference to the people we serve");
    assert_eq!(&rows[0][1], "Carers manage medicines with confidence.");
    assert!(rows[0][2].starts_with("'=SUM"));
    assert_eq!(&rows[0][4], "Ayr Health");
    assert_eq!(&rows[0][7], "2");
    assert_eq!(&rows[0][8], "2026-03-31");

    // Removing the entry removes its file.
    let r = t
        .lead
        .post(
            &format!("{plan}/evidence/{}/delete", with_file.id),
            &[("confirm", "yes")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    if let Some(p) = &on_disk {
        assert!(
            !app.state
                .settings
                .data_dir
                .join("evidence")
                .join(p)
                .exists()
        );
    }
    assert!(app.db.evidence_bytes(with_file.id).await.unwrap().is_none());
    let (status, _, _) = t
        .obs
        .get_bytes(&format!("{plan}/evidence/{}/file", with_file.id))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Removing the outcome takes its indicators and evidence with it.
    let r = t
        .lead
        .post(&format!("{plan}/outcomes/{}/delete", outcome.id), &[])
        .await;
    r.assert_contains("1 indicator and 1 entry of evidence");
    let r = t
        .lead
        .post(
            &format!("{plan}/outcomes/{}/delete", outcome.id),
            &[("confirm", "yes")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(app.db.indicators(t.pid).await.unwrap().is_empty());

    let feed = t.lead.get(&format!("/p/{slug}/activity")).await;
    feed.assert_contains("added the outcome");
    feed.assert_contains("added evidence to");
    feed.assert_contains("removed the outcome");
}

async fn the_logic_model_shares_the_plan_s_outcomes_and_the_register_s_risks(app: TestApp) {
    let mut t = team(&app).await;
    let slug = t.slug.clone();
    let model = format!("/p/{slug}/file/logic-model");
    let items = format!("{model}/items");

    let page = t.obs.get(&model).await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains(r#"<svg class="chart" id="logic-model""#);
    page.assert_contains("None yet: what must be true");

    // Bad input: no part chosen, nothing written.
    let r = t
        .lead
        .post(&items, &[("kind", "wish"), ("text", " ")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("Choose which part of the model it belongs to");
    r.assert_contains("Write what it is");

    for (kind, text) in [
        ("input", "Staff time from each partner"),
        ("activity", "A weekly drop-in for carers"),
        ("output", "=40 carers reached each quarter"),
        ("impact", "Carers stay well for longer"),
        ("assumption", "Carers can get to the drop-in by bus"),
    ] {
        let r = t.lead.post(&items, &[("kind", kind), ("text", text)]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
    // An outcome written on the plan, medium term; a risk on the register.
    let r = t
        .lead
        .post(
            &format!("/p/{slug}/file/evaluation/outcomes"),
            &[
                ("level", "people"),
                ("statement", "Carers feel less alone."),
                ("term", "medium"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = t
        .lead
        .post(
            &format!("/p/{slug}/file/risks"),
            &[
                ("title", "The bus route is cut"),
                ("likelihood", "3"),
                ("impact", "4"),
                ("owner", ""),
                ("status", "open"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    let page = t.obs.get(&model).await;
    page.assert_contains("A weekly drop-in for carers");
    page.assert_contains("Carers feel less alone.");
    page.assert_contains("The bus route is cut");
    page.assert_contains("Not checked yet");
    page.assert_contains("Check it again");
    // In words, the outcome sits under medium-term outcomes.
    let words = &page.body[page.body.find("The model in words").unwrap()..];
    let medium = words.find("Medium-term outcomes").unwrap();
    let impact = words.find("<h3>Impact</h3>").unwrap();
    assert!(words[medium..impact].contains("Carers feel less alone."));

    // Edit the outcome on the plan: the model changes with it.
    let outcome = app.db.outcomes(t.pid).await.unwrap().remove(0);
    let r = t
        .lead
        .post(
            &format!("/p/{slug}/file/evaluation/outcomes/{}/edit", outcome.id),
            &[
                ("level", "people"),
                ("statement", "Carers feel part of a community."),
                ("term", "medium"),
                ("version", &outcome.version.to_string()),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = t.obs.get(&model).await;
    page.assert_contains("Carers feel part of a community.");
    page.assert_lacks("Carers feel less alone.");

    // Checking an assumption dates it today; a stale save is caught.
    let a = app
        .db
        .logic_items(t.pid)
        .await
        .unwrap()
        .into_iter()
        .find(|i| i.kind == "assumption")
        .unwrap();
    let edit = format!("{items}/{}/edit", a.id);
    let r = t
        .bea
        .post(
            &edit,
            &[
                ("kind", "assumption"),
                ("text", &a.text),
                ("still_true", "yes"),
                ("version", &a.version.to_string()),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let checked = app.db.logic_item(a.id).await.unwrap().unwrap();
    assert_eq!(checked.still_true, Some(true));
    assert_eq!(
        checked.checked_on.as_deref(),
        Some(tandem::domain::time::today("Europe/London").as_str())
    );
    let r = t
        .cal
        .post(
            &edit,
            &[
                ("kind", "assumption"),
                ("text", "Carers can get there"),
                ("still_true", "no"),
                ("version", &a.version.to_string()),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let page = t.obs.get(&model).await;
    page.assert_contains("Still true (checked");
    page.assert_lacks("Check it again");

    // The CSV, read back.
    let csv = t.obs.get(&format!("{model}.csv")).await;
    let mut reader = csv::Reader::from_reader(csv.body.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert!(
        rows.iter()
            .any(|r| &r[0] == "Activities" && &r[1] == "A weekly drop-in for carers")
    );
    assert!(
        rows.iter()
            .any(|r| &r[0] == "Outputs" && r[1].starts_with("'=40"))
    );
    assert!(rows.iter().any(|r| &r[0] == "Medium-term outcomes" && &r[1] == "Carers feel part of a community."));
    assert!(
        rows.iter()
            .any(|r| &r[0] == "Assumptions" && r[2].starts_with("Still true"))
    );
    assert!(
        rows.iter()
            .any(|r| &r[0] == "Risks" && &r[1] == "The bus route is cut")
    );

    // The overview counts it.
    let page = t.obs.get(&format!("/p/{slug}/file")).await;
    page.assert_contains("4 steps besides the outcomes, 1 assumption.");

    // Removing asks first.
    let r = t
        .lead
        .post(&format!("{items}/{}/delete", a.id), &[("confirm", "yes")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(app.db.logic_item(a.id).await.unwrap().is_none());
}

async fn an_agreement_is_signed_by_each_organisation_and_a_change_asks_again(app: TestApp) {
    let mut t = team(&app).await;
    let slug = t.slug.clone();
    let url = format!("/p/{slug}/file/agreement");

    let page = t.obs.get(&url).await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("No agreement yet.");
    page.assert_lacks("Draft the agreement</a>");
    assert_eq!(
        t.obs.get(&format!("{url}/edit")).await.status,
        StatusCode::FORBIDDEN
    );

    // The first draft starts from a first go at every section.
    let draft = t.bea.get(&format!("{url}/edit")).await;
    assert_eq!(draft.status, StatusCode::OK);
    draft.assert_contains("First the people involved talk it through.");
    draft.assert_contains("Ayr Health");

    // Bad input: no purpose, a review date that is not one; nothing saved, input kept.
    let form = |purpose: &str, roles: &str, review: &str, number: i64, version: i64| {
        owned(&[
            ("purpose", purpose.to_string()),
            ("roles", roles.to_string()),
            ("decisions", "We decide together.".to_string()),
            ("money", String::new()),
            ("information", "We share what the work needs.".to_string()),
            ("disagreements", "We talk first.".to_string()),
            ("joining", "Three months' notice.".to_string()),
            ("review", review.to_string()),
            ("number", number.to_string()),
            ("version", version.to_string()),
        ])
    };
    let r = t
        .bea
        .post(
            &format!("{url}/edit"),
            &refs(&form(" ", "Ayr Council leads.", "31/02/2027", 0, 0)),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("Say what the partnership is for");
    r.assert_contains("There is no 31 February in 2027");
    r.assert_contains("Ayr Council leads.");
    assert!(app.db.agreement_versions(t.pid).await.unwrap().is_empty());

    let r = t
        .bea
        .post(
            &format!("{url}/edit"),
            &refs(&form(
                "Carers in Ayr get joined-up support.",
                "Ayr Council leads.",
                "31/03/2027",
                0,
                0,
            )),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let v1 = app.db.agreement_versions(t.pid).await.unwrap().remove(0);
    assert_eq!(v1.number, 1);
    // Before anyone signs, a change edits version 1 in place.
    let r = t
        .bea
        .post(
            &format!("{url}/edit"),
            &refs(&form(
                "Carers in Ayr get joined-up support, sooner.",
                "Ayr Council leads.",
                "31/03/2027",
                1,
                v1.version,
            )),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let versions = app.db.agreement_versions(t.pid).await.unwrap();
    assert_eq!(versions.len(), 1);
    // A stale save is caught.
    let r = t
        .cal
        .post(
            &format!("{url}/edit"),
            &refs(&form(
                "Something else.",
                "Ayr Health leads.",
                "",
                1,
                v1.version,
            )),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    r.assert_contains("Carers in Ayr get joined-up support, sooner.");
    r.assert_contains("Ayr Health leads.");

    // Members cannot ask for sign-off; nobody can sign before a lead asks.
    assert_eq!(
        t.bea.post(&format!("{url}/request"), &[]).await.status,
        StatusCode::FORBIDDEN
    );
    let sign = |org: i64, number: i64| {
        owned(&[
            ("organisation", org.to_string()),
            ("number", number.to_string()),
            ("confirm", "yes".into()),
        ])
    };
    let r = t
        .bea
        .post(&format!("{url}/sign"), &refs(&sign(t.council, 1)))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("A lead has not asked for sign-off of this version yet");
    let r = t.lead.post(&format!("{url}/request"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);

    // Bea is in the partnership for the council: she cannot sign for the health board.
    let r = t
        .bea
        .post(&format!("{url}/sign"), &refs(&sign(t.health, 1)))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("Only people in Ayr Health can sign for it");
    // Not ticked: asked to confirm.
    let r = t
        .bea
        .post(
            &format!("{url}/sign"),
            &[("organisation", &t.council.to_string()), ("number", "1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("Tick the box to confirm");
    // Observers cannot sign even for their own organisation.
    assert_eq!(
        t.obs
            .post(&format!("{url}/sign"), &refs(&sign(t.health, 1)))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let r = t
        .bea
        .post(&format!("{url}/sign"), &refs(&sign(t.council, 1)))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = t.obs.get(&url).await;
    page.assert_contains("Signed by 1 of 2 organisations.");
    page.assert_contains("by Bea Brown on");

    // The DOCX, read back as a zip and opened by LibreOffice; the PDF read by pdftotext.
    let (status, headers, docx) = t.obs.get_bytes(&format!("{url}.docx")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .contains("wordprocessingml")
    );
    let text = docx_text(&docx);
    assert!(text.contains("Ayr: partnership agreement"), "{text}");
    assert!(
        text.contains("Carers in Ayr get joined-up support, sooner."),
        "{text}"
    );
    assert!(text.contains("How we settle disagreements"), "{text}");
    assert!(text.contains("Ayr Council: signed by Bea Brown"), "{text}");
    let opened = libreoffice_text(&docx);
    assert!(opened.contains("Three months"), "{opened}");
    let (status, _, pdf) = t.obs.get_bytes(&format!("{url}.pdf")).await;
    assert_eq!(status, StatusCode::OK);
    let text = pdf_text(&pdf);
    assert!(text.contains("Who the partners are"), "{text}");
    assert!(text.contains("Ayr Health"), "{text}");

    // A change after sign-off makes version 2, asks again; version 1 stays as signed.
    let v1 = app.db.agreement_versions(t.pid).await.unwrap().remove(0);
    let edit = t.cal.get(&format!("{url}/edit")).await;
    edit.assert_contains("saving makes version 2");
    let r = t
        .cal
        .post(
            &format!("{url}/edit"),
            &refs(&form(
                "Carers in Ayr get joined-up support, sooner.",
                "Ayr Health leads from April.",
                "31/03/2027",
                1,
                v1.version,
            )),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let versions = app.db.agreement_versions(t.pid).await.unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[0].number, 2);
    assert!(
        versions[0].requested_at.is_some(),
        "version 2 is put up for sign-off"
    );
    let page = t.obs.get(&url).await;
    page.assert_contains("Version 2");
    page.assert_contains("Signed by 0 of 2 organisations.");
    let old = t.obs.get(&format!("{url}/versions/1")).await;
    assert_eq!(old.status, StatusCode::OK);
    old.assert_contains("Ayr Council leads.");
    old.assert_contains("by Bea Brown on");
    assert_eq!(
        t.obs.get(&format!("{url}/versions/9")).await.status,
        StatusCode::NOT_FOUND
    );
    let (_, _, old_docx) = t.obs.get_bytes(&format!("{url}.docx?version=1")).await;
    assert!(docx_text(&old_docx).contains("Ayr Council leads."));
    // Signing the old version is refused: it is not the current one.
    let r = t
        .cal
        .post(&format!("{url}/sign"), &refs(&sign(t.health, 1)))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("this is version 2");
    let r = t
        .cal
        .post(&format!("{url}/sign"), &refs(&sign(t.health, 2)))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    // The overview and the checklist statement read the agreement.
    let page = t.obs.get(&format!("/p/{slug}/file")).await;
    page.assert_contains("Version 2, signed by 1 of 2 organisations");

    let feed = t.lead.get(&format!("/p/{slug}/activity")).await;
    feed.assert_contains("drafted the partnership agreement");
    feed.assert_contains("signed version 1 of the agreement for Ayr Council");
    feed.assert_contains("made version 2 of the agreement");
}

async fn a_communications_plan_puts_each_next_date_on_the_action_plan(app: TestApp) {
    let mut t = team(&app).await;
    let slug = t.slug.clone();
    let plan = format!("/p/{slug}/file/communications");

    // A stakeholder to manage closely, not covered yet.
    let r = t
        .lead
        .post(
            &format!("/p/{slug}/file/stakeholders"),
            &[
                ("name", "Tenants' forum"),
                ("influence", "4"),
                ("interest", "5"),
                ("stance", "neutral"),
                ("owner", ""),
                ("contact", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let forum = app.db.stakeholders(t.pid).await.unwrap().remove(0);
    let page = t.obs.get(&plan).await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("with nothing planned yet: Tenants&#39; forum.");
    page.assert_lacks("Add to the plan</h2>");

    // Bad input: nobody it is for, nothing to say, a day that is not one.
    let r = t
        .bea
        .post(
            &plan,
            &[
                ("stakeholder", ""),
                ("group", " "),
                ("message", ""),
                ("frequency", "hourly"),
                ("owner", ""),
                ("next", "32/01/2027"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("Choose a stakeholder from the map, or say which group this is for");
    r.assert_contains("Say what you want them to know");
    r.assert_contains("Choose how often");
    r.assert_contains("The day must be between 1 and 31");
    assert!(app.db.comms_items(t.pid).await.unwrap().is_empty());

    // For the forum, by Bea, next on 15 January: an action for Bea, due then.
    let line = |next: &str, version: i64| {
        owned(&[
            ("stakeholder", format!("s:{}", forum.id)),
            ("group", String::new()),
            ("message", "=What the new drop-in offers".into()),
            ("channel", "At their monthly meeting".into()),
            ("frequency", "monthly".into()),
            ("owner", format!("u:{}", t.bea_id)),
            ("next", next.into()),
            ("version", version.to_string()),
        ])
    };
    let r = t.bea.post(&plan, &refs(&line("15/01/2027", 0))).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let c = app.db.comms_items(t.pid).await.unwrap().remove(0);
    let aid = c.action_id.expect("an action for the next date");
    let a = app.db.action(aid).await.unwrap().unwrap();
    assert_eq!(a.due_on.as_deref(), Some("2027-01-15"));
    assert_eq!(a.owner_user_id, Some(t.bea_id));
    assert!(a.title.starts_with("Tell Tenants' forum:"), "{}", a.title);
    let mine = t.bea.get("/actions").await;
    mine.assert_contains("Tell Tenants&#39; forum");
    let page = t.obs.get(&plan).await;
    page.assert_lacks("with nothing planned yet");
    page.assert_contains("At their monthly meeting");

    // A new date moves the same open action rather than adding another.
    let r = t
        .bea
        .post(
            &format!("{plan}/{}/edit", c.id),
            &refs(&line("1/2/2027", c.version)),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let c2 = app.db.comms_item(c.id).await.unwrap().unwrap();
    assert_eq!(c2.action_id, Some(aid));
    assert_eq!(
        app.db.action(aid).await.unwrap().unwrap().due_on.as_deref(),
        Some("2027-02-01")
    );
    // A stale save is caught.
    let r = t
        .cal
        .post(
            &format!("{plan}/{}/edit", c.id),
            &refs(&line("1/3/2027", c.version)),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);

    // The CSV, read back.
    let csv = t.obs.get(&format!("{plan}.csv")).await;
    let mut reader = csv::Reader::from_reader(csv.body.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 1);
    assert_eq!(&rows[0][0], "Tenants' forum");
    assert!(rows[0][1].starts_with("'="));
    assert_eq!(&rows[0][3], "Every month");
    assert_eq!(&rows[0][5], "2027-02-01");
    assert!(rows[0][6].ends_with(&format!("/actions/{aid}")));

    // The overview counts it; removing the line keeps the action.
    let page = t.obs.get(&format!("/p/{slug}/file")).await;
    page.assert_contains("1 line, next on 1 February 2027");
    let r = t
        .lead
        .post(&format!("{plan}/{}/delete", c.id), &[("confirm", "yes")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(app.db.comms_item(c.id).await.unwrap().is_none());
    assert!(app.db.action(aid).await.unwrap().is_some());
}

async fn a_skills_grid_shows_what_each_gives_and_receives_and_the_gaps(app: TestApp) {
    let mut t = team(&app).await;
    let slug = t.slug.clone();
    let grid = format!("/p/{slug}/file/skills");

    let page = t.obs.get(&grid).await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("Nothing on the grid yet.");

    let r = t
        .bea
        .post(&grid, &[("name", " "), ("kind", "talent")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("Name the skill, knowledge or resource");
    r.assert_contains("Choose whether it is a skill, knowledge or a resource");
    for (name, kind) in [
        ("Running focus groups", "skill"),
        ("=Benefits advice", "knowledge"),
        ("A minibus", "resource"),
    ] {
        let r = t.bea.post(&grid, &[("name", name), ("kind", kind)]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
    let skills = app.db.skills(t.pid).await.unwrap();
    let id = |name: &str| skills.iter().find(|s| s.name == name).unwrap().id;

    // The council offers focus groups and hopes for benefits advice; health hopes for
    // focus groups too. Benefits advice is a gap: needed, nobody offers it.
    let column = |org: Id| format!("{grid}/organisations/{org}");
    let page = t.bea.get(&column(t.council)).await;
    assert_eq!(page.status, StatusCode::OK);
    let fp = |body: &str| {
        let at = body.find(r#"name="fingerprint" value=""#).unwrap()
            + r#"name="fingerprint" value=""#.len();
        body[at..at + body[at..].find('"').unwrap()].to_string()
    };
    let council_fp = fp(&page.body);
    let offers = format!("offers-{}", id("Running focus groups"));
    let wants = format!("wants-{}", id("=Benefits advice"));
    let r = t
        .bea
        .post(
            &column(t.council),
            &[
                ("fingerprint", &council_fp),
                (&offers, "yes"),
                (&wants, "yes"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = t.cal.get(&column(t.health)).await;
    let health_wants = format!("wants-{}", id("Running focus groups"));
    let r = t
        .cal
        .post(
            &column(t.health),
            &[("fingerprint", &fp(&page.body)), (&health_wants, "yes")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    let page = t.obs.get(&grid).await;
    page.assert_contains("<strong>Gaps:</strong> =Benefits advice.");
    page.assert_contains("Gap: needed, nobody offers it");
    page.assert_contains("Offered and needed: put them in touch");

    // A save from a form opened before someone else's change is caught, nothing lost.
    let r = t
        .lead
        .post(
            &column(t.council),
            &[("fingerprint", &council_fp), (&offers, "yes")],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    r.assert_contains("Someone else changed");
    let cells = app.db.skill_cells(t.pid).await.unwrap();
    assert!(
        cells
            .iter()
            .any(|c| c.organisation_id == t.council && c.wants),
        "kept"
    );
    // Another partnership's organisation, or a made-up one: 404.
    assert_eq!(
        t.bea.get(&column(999_999)).await.status,
        StatusCode::NOT_FOUND
    );

    // The CSV, read back.
    let csv = t.obs.get(&format!("{grid}.csv")).await;
    let mut reader = csv::Reader::from_reader(csv.body.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(header[2], "Ayr Council");
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    let benefits = rows.iter().find(|r| r[1].contains("Benefits")).unwrap();
    assert!(benefits[1].starts_with("'="));
    assert_eq!(&benefits[2], "Hopes to gain");
    assert_eq!(&benefits[4], "Gap: needed, nobody offers it");

    // The overview names the gap.
    let page = t.obs.get(&format!("/p/{slug}/file")).await;
    page.assert_contains("3 rows, 1 gap");
    page.assert_contains("1 gap in skills and resources: needed, and nobody offers it");
}
