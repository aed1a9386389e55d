//! The partnership file: the risk register — adding with bad input refused and kept,
//! the common risks as starting points, the heat map and its table, editing that
//! never overwrites unseen, closing, removing after a yes, the activity feed and CSV.

use axum::http::StatusCode;

use crate::both_engines;
use crate::conversations::team;
use crate::helpers::TestApp;

both_engines!(a_risk_register_is_kept_with_its_contingency_plan);

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
