//! Conversation cards: shipped decks, browsing, drawing, search, custom decks,
//! import and export, print view, and the command line.

use axum::http::StatusCode;
use tandem::domain::decks;

use crate::both_engines;
use crate::helpers::{Client, TestApp};

both_engines!(
    shipped_decks_browse_and_card_pages_link_up,
    drawing_offers_fresh_cards_first,
    search_finds_visible_cards_only,
    custom_decks_are_built_edited_and_reordered,
    copying_a_shipped_deck_makes_our_own,
    importing_previews_then_saves_and_errors_save_nothing,
    export_then_import_gives_the_same_deck,
    published_decks_reach_every_partnership,
    print_view_lays_out_every_card,
    shipped_decks_update_in_place_when_their_version_rises,
    two_editors_never_overwrite_each_other,
);

async fn setup(app: &TestApp) -> (Client, String, i64) {
    let ann = app.user("ann@example.org", "Ann", false).await;
    let mut c = app.signed_in(ann).await;
    let slug = app.partnership(&mut c, "Ayr", "ayr").await;
    (c, slug, ann)
}

fn link_ids(body: &str, prefix: &str) -> Vec<i64> {
    let re = regex::Regex::new(&format!("href=\"{}(\\d+)\"", regex::escape(prefix))).unwrap();
    re.captures_iter(body)
        .map(|c| c[1].parse().unwrap())
        .collect()
}

async fn openers(app: &TestApp, c: &mut Client, slug: &str) -> i64 {
    let index = c.get(&format!("/p/{slug}/cards")).await;
    index.assert_contains("Partnership conversation openers");
    index.assert_contains("50 cards");
    let _ = app;
    let re = regex::Regex::new(r#"href="/p/[a-z-]+/decks/(\d+)">Partnership conversation openers"#)
        .unwrap();
    re.captures(&index.body).unwrap()[1].parse().unwrap()
}

async fn shipped_decks_browse_and_card_pages_link_up(app: TestApp) {
    let (mut c, slug, _) = setup(&app).await;
    let deck = openers(&app, &mut c, &slug).await;
    let page = c.get(&format!("/p/{slug}/decks/{deck}")).await;
    assert_eq!(page.status, StatusCode::OK);
    for theme in [
        "Drivers",
        "Practicalities",
        "Culture",
        "Recording &#38; measuring",
        "Impact",
    ] {
        page.assert_contains(theme);
    }
    page.assert_contains("gaps, strengths, risks");
    page.assert_contains("Choose.");
    page.assert_contains("Discuss.");
    page.assert_contains("Act.");
    let themes = link_ids(&page.body, &format!("/p/{slug}/decks/{deck}/themes/"));
    assert_eq!(themes.len(), 5);
    let theme = c
        .get(&format!("/p/{slug}/decks/{deck}/themes/{}", themes[0]))
        .await;
    let cards = link_ids(&theme.body, &format!("/p/{slug}/cards/"));
    assert_eq!(cards.len(), 10);
    let first = c.get(&format!("/p/{slug}/cards/{}", cards[0])).await;
    first.assert_contains("Card 1 of 10 in Drivers <span class=\"meta\">· 1 of 50 in the deck");
    first.assert_contains("<title>Card 1 of 10 in Drivers – ");
    first.assert_contains("Next card");
    first.assert_lacks("Previous card");
    let second = c.get(&format!("/p/{slug}/cards/{}", cards[1])).await;
    second.assert_contains("Card 2 of 10 in Drivers");
    second.assert_contains("2 of 50 in the deck");
    second.assert_contains(&format!(
        "href=\"/p/{slug}/cards/{}\" rel=\"prev\"",
        cards[0]
    ));
    assert_eq!(
        c.get(&format!("/p/{slug}/cards/99999999")).await.status,
        StatusCode::NOT_FOUND
    );
}

async fn drawing_offers_fresh_cards_first(app: TestApp) {
    let (mut c, slug, _) = setup(&app).await;
    let deck = openers(&app, &mut c, &slug).await;
    let page = c.get(&format!("/p/{slug}/decks/{deck}")).await;
    page.assert_contains("50 cards have not been drawn by this partnership yet");
    let theme = link_ids(&page.body, &format!("/p/{slug}/decks/{deck}/themes/"))[2];
    let mut seen = std::collections::HashSet::new();
    for _ in 0..10 {
        let r = c
            .post(
                &format!("/p/{slug}/decks/{deck}/draw"),
                &[("theme", &theme.to_string())],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let id: i64 = r
            .location()
            .split('/')
            .nth(4)
            .unwrap()
            .split('?')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(
            seen.insert(id),
            "card {id} was drawn twice before the theme ran out"
        );
        let card = c.get(r.location()).await;
        card.assert_contains("Drawn at random for you");
        card.assert_contains("Culture");
    }
    // Another partnership's draws do not count against ours.
    c.get(&format!("/p/{slug}/decks/{deck}"))
        .await
        .assert_contains("40 cards have not been drawn");
}

async fn search_finds_visible_cards_only(app: TestApp) {
    let (mut a, slug, _) = setup(&app).await;
    let bob = app.user("bob@example.org", "Bob", false).await;
    let mut b = app.signed_in(bob).await;
    let other = app.partnership(&mut b, "Troon", "troon").await;
    let r = b
        .post(
            &format!("/p/{other}/decks/import/confirm"),
            &[
                ("format", "markdown"),
                (
                    "content",
                    "# Secret deck\n\n## Private\n- How much money do we hide from our funders?\n",
                ),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);

    let r = a.get(&format!("/p/{slug}/cards/search?q=Money")).await;
    assert_eq!(r.status, StatusCode::OK);
    r.assert_contains("How much of why we are together comes down to money?");
    r.assert_contains("Drivers");
    r.assert_contains("Partnership conversation openers");
    assert!(
        !r.body.contains("hide from our funders"),
        "another partnership's deck must not show"
    );
    // Prefixes match, all words must match, punctuation is harmless.
    a.get(&format!("/p/{slug}/cards/search?q=fund"))
        .await
        .assert_contains("after the current funding");
    let r = a
        .get(&format!("/p/{slug}/cards/search?q=money+%22%27%29%28*+OR"))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let none = a
        .get(&format!("/p/{slug}/cards/search?q=zebracrossing"))
        .await;
    none.assert_contains("No cards match");
    // Bob finds his own deck, until he deletes it.
    b.get(&format!("/p/{other}/cards/search?q=funders"))
        .await
        .assert_contains("hide from our funders");
    let pid = app.partnership_id(&other, bob).await;
    let own = app
        .db
        .decks_for(pid)
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.title == "Secret deck")
        .unwrap()
        .id;
    b.post(
        &format!("/p/{other}/decks/{own}/delete"),
        &[("confirm", "yes")],
    )
    .await;
    let after = b.get(&format!("/p/{other}/cards/search?q=funders")).await;
    assert!(
        !after.body.contains("hide from our funders"),
        "a deleted deck leaves the search index"
    );
    after.assert_contains("your board or funders expect");
}

async fn custom_decks_are_built_edited_and_reordered(app: TestApp) {
    let (mut c, slug, _) = setup(&app).await;
    let r = c
        .post(
            &format!("/p/{slug}/decks"),
            &[("title", "  "), ("notes", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("Enter a title for the deck");
    let r = c
        .post(
            &format!("/p/{slug}/decks"),
            &[
                ("title", "Our questions"),
                ("notes", "For the steering group."),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let deck: i64 = r.location().split('/').nth(4).unwrap().parse().unwrap();
    let base = format!("/p/{slug}/decks/{deck}");
    let r = c
        .post(
            &format!("{base}/themes"),
            &[("name", ""), ("keywords", ""), ("colour", "0")],
        )
        .await;
    r.assert_contains("Enter a name for the theme");
    c.post(
        &format!("{base}/themes"),
        &[
            ("name", "Money"),
            ("keywords", "budget, in kind"),
            ("colour", "1"),
        ],
    )
    .await;
    c.post(
        &format!("{base}/themes"),
        &[
            ("name", "People"),
            ("keywords", "staff, volunteers"),
            ("colour", "2"),
        ],
    )
    .await;
    let themes = app.db.themes(deck).await.unwrap();
    assert_eq!(
        themes.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(),
        ["Money", "People"]
    );
    assert_eq!(themes[0].keywords, "budget, in kind");
    for q in ["Who pays for what?", "What do we give in kind?"] {
        let r = c
            .post(
                &format!("{base}/themes/{}/cards", themes[0].id),
                &[("text", q), ("prompt", "")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
    }
    let r = c
        .post(
            &format!("{base}/themes/{}/cards", themes[0].id),
            &[("text", ""), ("prompt", "")],
        )
        .await;
    r.assert_contains("Write the card&#39;s question");
    let cards = app.db.deck_cards(deck).await.unwrap();
    assert_eq!(cards.len(), 2);
    // Reorder cards and themes.
    c.post(
        &format!("{base}/cards/{}/move", cards[1].id),
        &[("direction", "up")],
    )
    .await;
    let cards = app.db.deck_cards(deck).await.unwrap();
    assert_eq!(cards[0].text, "What do we give in kind?");
    c.post(
        &format!("{base}/themes/{}/move", themes[1].id),
        &[("direction", "up")],
    )
    .await;
    assert_eq!(app.db.themes(deck).await.unwrap()[0].name, "People");
    // Edit and delete.
    c.post(
        &format!("{base}/cards/{}", cards[0].id),
        &[
            ("text", "What do we each give in kind?"),
            ("prompt", "Think of rooms and time."),
            ("version", &cards[0].version.to_string()),
        ],
    )
    .await;
    let card = app.db.card(cards[0].id).await.unwrap().unwrap();
    assert_eq!(card.prompt.as_deref(), Some("Think of rooms and time."));
    // Deleting a card asks first, showing the card; nothing goes until "yes".
    let del = format!("{base}/cards/{}/delete", cards[1].id);
    let r = c.post(&del, &[]).await;
    assert_eq!(r.status, StatusCode::OK);
    r.assert_contains("Delete this card?");
    r.assert_contains("name=\"confirm\" value=\"yes\"");
    assert_eq!(app.db.deck_cards(deck).await.unwrap().len(), 2);
    c.post(&del, &[("confirm", "yes")]).await;
    assert_eq!(app.db.deck_cards(deck).await.unwrap().len(), 1);
    c.post(
        &format!("{base}/themes/{}", themes[1].id),
        &[
            ("name", "People and time"),
            ("keywords", "staff"),
            ("colour", "3"),
            ("version", &themes[1].version.to_string()),
        ],
    )
    .await;
    let edit = c.get(&format!("{base}/edit")).await;
    edit.assert_contains("People and time");
    c.post(
        &format!("{base}/themes/{}/delete", themes[1].id),
        &[("confirm", "yes")],
    )
    .await;
    assert_eq!(app.db.themes(deck).await.unwrap().len(), 1);
    // Shipped decks cannot be edited in place.
    let index = c.get(&format!("/p/{slug}/cards")).await;
    let shipped = link_ids(&index.body, &format!("/p/{slug}/decks/"))[0];
    assert_eq!(
        c.get(&format!("/p/{slug}/decks/{shipped}/edit"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // Delete the deck.
    let r = c
        .post(&format!("{base}/delete"), &[("confirm", "yes")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(app.db.deck(deck).await.unwrap().is_none());
}

async fn copying_a_shipped_deck_makes_our_own(app: TestApp) {
    let (mut c, slug, _) = setup(&app).await;
    let deck = openers(&app, &mut c, &slug).await;
    let r = c.post(&format!("/p/{slug}/decks/{deck}/copy"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let copy: i64 = r.location().split('/').nth(4).unwrap().parse().unwrap();
    let original =
        tandem::db::decks::deck_data(app.db.as_ref(), &app.db.deck(deck).await.unwrap().unwrap())
            .await
            .unwrap();
    let mine =
        tandem::db::decks::deck_data(app.db.as_ref(), &app.db.deck(copy).await.unwrap().unwrap())
            .await
            .unwrap();
    assert_eq!(mine.themes, original.themes);
    assert_eq!(mine.title, "Partnership conversation openers (our copy)");
    assert_eq!(
        c.get(&format!("/p/{slug}/decks/{copy}/edit")).await.status,
        StatusCode::OK
    );
}

const PRINTED: &str = "# Garden Club Cards\nABOUT\nThese cards help a new garden club find its feet.\n\n## SOIL\nroots, ground, basics\n\nWhat does each member already grow at home?\n\nGARDEN CLUB CARDS\n\n## SOIL\nroots, ground, basics\n\nWho looks after the tools,\nand where do they live?\n\nGARDEN CLUB CARDS\n";

async fn importing_previews_then_saves_and_errors_save_nothing(app: TestApp) {
    let (mut c, slug, _) = setup(&app).await;
    let before = c
        .get(&format!("/p/{slug}/cards"))
        .await
        .body
        .matches("class=\"card\"")
        .count();
    let r = c
        .post(
            &format!("/p/{slug}/decks/import"),
            &[("content", PRINTED), ("format", "auto")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.assert_contains("Check the deck before saving");
    r.assert_contains("printed-card text");
    r.assert_contains("Garden Club Cards");
    r.assert_contains("Soil");
    r.assert_contains("roots, ground, basics");
    r.assert_contains("Who looks after the tools, and where do they live?");
    r.assert_contains("Left out as page furniture");
    r.assert_contains("<code>GARDEN CLUB CARDS</code>");
    assert_eq!(
        c.get(&format!("/p/{slug}/cards"))
            .await
            .body
            .matches("class=\"card\"")
            .count(),
        before,
        "nothing saved before confirming"
    );
    let r = c
        .post(
            &format!("/p/{slug}/decks/import/confirm"),
            &[("content", PRINTED), ("format", "printed")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = c.get(r.location()).await;
    page.assert_contains("Imported “Garden Club Cards”: 2 cards in 1 themes.");

    // A broken file: line-numbered problems, input kept, nothing saved.
    let bad = "# Broken deck\n\n## Theme\n- Fine question?\nthis line is not a card\n";
    let r = c
        .post(
            &format!("/p/{slug}/decks/import"),
            &[("content", bad), ("format", "markdown")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("nothing was saved");
    r.assert_contains("line 5: expected a card as a list item");
    r.assert_contains("this line is not a card");
    let r = c
        .post(
            &format!("/p/{slug}/decks/import/confirm"),
            &[("content", bad), ("format", "markdown")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = c
        .post(
            &format!("/p/{slug}/decks/import"),
            &[("content", "   "), ("format", "auto")],
        )
        .await;
    r.assert_contains("choose a file to upload, or paste");
    assert_eq!(
        c.get(&format!("/p/{slug}/cards"))
            .await
            .body
            .matches("class=\"card\"")
            .count(),
        before + 1
    );
}

async fn export_then_import_gives_the_same_deck(app: TestApp) {
    let (mut c, slug, _) = setup(&app).await;
    let md = "# Ours\n\nSome notes.\n\n## One\nKeywords: a, b\nColour: #2f6b2f\n\n- First?\n  Prompt: Go round.\n- Second?\n\n## Two\nColour: #1d5c8c\n\n- Third?\n";
    let r = c
        .post(
            &format!("/p/{slug}/decks/import/confirm"),
            &[("content", md), ("format", "markdown")],
        )
        .await;
    let deck: i64 = r.location().split('/').nth(4).unwrap().parse().unwrap();
    for format in ["markdown", "toml"] {
        let r = c
            .get(&format!("/p/{slug}/decks/{deck}/export?format={format}"))
            .await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(
            r.headers["content-disposition"]
                .to_str()
                .unwrap()
                .starts_with("attachment; filename=\"ours.")
        );
        let (_, back) = decks::parse_bytes(r.body.as_bytes(), None).unwrap();
        assert_eq!(
            back,
            decks::parse_markdown(md).unwrap(),
            "{format} export round-trips"
        );
    }
}

async fn published_decks_reach_every_partnership(app: TestApp) {
    let admin = app.user("admin@example.org", "Admin", true).await;
    let mut a = app.signed_in(admin).await;
    let slug = app.partnership(&mut a, "Ayr", "ayr").await;
    let r = a
        .post(
            &format!("/p/{slug}/decks/import/confirm"),
            &[
                (
                    "content",
                    "# Shared deck\n\n## Theme\n- A question for everyone?\n",
                ),
                ("format", "markdown"),
            ],
        )
        .await;
    let deck: i64 = r.location().split('/').nth(4).unwrap().parse().unwrap();
    let bob = app.user("bob@example.org", "Bob", false).await;
    let mut b = app.signed_in(bob).await;
    let other = app.partnership(&mut b, "Troon", "troon").await;
    assert_eq!(
        b.get(&format!("/p/{other}/decks/{deck}")).await.status,
        StatusCode::NOT_FOUND
    );
    let r = a
        .post(
            &format!("/p/{slug}/decks/{deck}/publish"),
            &[("publish", "yes")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let seen = b.get(&format!("/p/{other}/decks/{deck}")).await;
    assert_eq!(seen.status, StatusCode::OK);
    seen.assert_contains("Shared by Ayr");
    b.get(&format!("/p/{other}/cards/search?q=everyone"))
        .await
        .assert_contains("A question for everyone?");
    // Others may copy it but not change it.
    assert_eq!(
        b.get(&format!("/p/{other}/decks/{deck}/edit")).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        b.post(&format!("/p/{other}/decks/{deck}/copy"), &[])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    a.post(
        &format!("/p/{slug}/decks/{deck}/publish"),
        &[("publish", "no")],
    )
    .await;
    assert_eq!(
        b.get(&format!("/p/{other}/decks/{deck}")).await.status,
        StatusCode::NOT_FOUND
    );
}

async fn print_view_lays_out_every_card(app: TestApp) {
    let (mut c, slug, _) = setup(&app).await;
    let deck = openers(&app, &mut c, &slug).await;
    let r = c.get(&format!("/p/{slug}/decks/{deck}/print")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body.matches("class=\"print-card\"").count(), 50);
    r.assert_contains("gaps, strengths, risks");
    let page = c.get(&format!("/p/{slug}/decks/{deck}")).await;
    let theme = link_ids(&page.body, &format!("/p/{slug}/decks/{deck}/themes/"))[4];
    let r = c
        .get(&format!("/p/{slug}/decks/{deck}/print?theme={theme}"))
        .await;
    assert_eq!(r.body.matches("class=\"print-card\"").count(), 10);
    r.assert_contains(": Impact");
}

async fn shipped_decks_update_in_place_when_their_version_rises(app: TestApp) {
    let decks = tandem::builtin::shipped_decks().unwrap();
    let mut warm = decks.into_iter().find(|d| d.key == "warm-ups").unwrap();
    let before = app
        .db
        .deck_cards(deck_id(&app, "Warm-ups").await)
        .await
        .unwrap();
    // Same version: nothing to do.
    assert!(
        !app.db
            .sync_builtin_deck(&warm, tandem::domain::now())
            .await
            .unwrap()
    );
    // New version: first card reworded, last card dropped.
    warm.version += 1;
    warm.deck.themes[0].cards[0].text = "Reworded warm-up?".into();
    warm.deck.themes[0].cards.pop();
    warm.card_keys[0].pop();
    assert!(
        app.db
            .sync_builtin_deck(&warm, tandem::domain::now())
            .await
            .unwrap()
    );
    let after = app
        .db
        .deck_cards(deck_id(&app, "Warm-ups").await)
        .await
        .unwrap();
    assert_eq!(after.len(), before.len() - 1);
    assert_eq!(after[0].id, before[0].id, "ids stay stable");
    assert_eq!(after[0].text, "Reworded warm-up?");
    let dropped = app.db.card(before.last().unwrap().id).await.unwrap();
    assert!(
        dropped.is_some(),
        "a dropped card is retired, not deleted, so old records still read"
    );
}

async fn deck_id(app: &TestApp, title: &str) -> i64 {
    let ann = app
        .user(
            &format!("{}@example.org", uuid::Uuid::new_v4().simple()),
            "X",
            false,
        )
        .await;
    let mut c = app.signed_in(ann).await;
    let slug = format!("p-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    app.partnership(&mut c, "Somewhere", &slug).await;
    let pid = app.partnership_id(&slug, ann).await;
    app.db
        .decks_for(pid)
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.title == title)
        .unwrap()
        .id
}

#[test]
fn cli_checks_decks_with_line_numbers_and_json() {
    let dir = std::env::temp_dir().join(format!("tandem-cli-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = dir.join("garden.txt");
    std::fs::write(&good, PRINTED).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tandem"))
        .args(["deck", "check"])
        .arg(&good)
        .arg("--json")
        .output()
        .unwrap();
    assert!(out.status.success());
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["title"], "Garden Club Cards");
    assert_eq!(
        json["themes"][0]["keywords"],
        serde_json::json!(["roots", "ground", "basics"])
    );
    assert_eq!(
        json["themes"][0]["cards"][1]["prompt"],
        serde_json::Value::Null
    );
    let bad = dir.join("bad.md");
    std::fs::write(&bad, "# T\n## A\n- ok\nnot a card\n").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tandem"))
        .args(["deck", "check", "--format", "markdown"])
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("line 4: expected a card"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::remove_dir_all(&dir).ok();
}

both_engines!(pdf_of_a_deck_has_its_cards_four_to_a_page);

async fn pdf_of_a_deck_has_its_cards_four_to_a_page(app: TestApp) {
    let (mut c, slug, _) = setup(&app).await;
    let deck = openers(&app, &mut c, &slug).await;
    let r = c
        .request_bytes(&format!("/p/{slug}/decks/{deck}/pdf"))
        .await;
    assert_eq!(r.0, StatusCode::OK);
    assert!(r.1.starts_with(b"%PDF-"));
    let dir = std::env::temp_dir().join(format!("tandem-pdf-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("deck.pdf");
    std::fs::write(&file, &r.1).unwrap();
    // poppler-utils (installed by scripts/test) reads the file as any PDF reader would.
    let info = std::process::Command::new("pdfinfo")
        .arg(&file)
        .output()
        .expect("pdfinfo (poppler-utils) is installed");
    let info = String::from_utf8_lossy(&info.stdout).to_string();
    assert!(
        info.contains("Pages:           13"),
        "50 cards, four a page:\n{info}"
    );
    assert!(
        info.lines()
            .any(|l| l.starts_with("Title:") && l.ends_with("Partnership conversation openers")),
        "{info}"
    );
    let text = std::process::Command::new("pdftotext")
        .arg(&file)
        .arg("-")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout).to_string();
    assert!(text.contains("Drivers"), "{text}");
    assert!(text.contains("gaps, strengths, risks"));
    assert!(text.contains("PARTNERSHIP CONVERSATION OPENERS"));
    // A page renders to an image.
    let png = std::process::Command::new("pdftoppm")
        .args(["-png", "-r", "40", "-f", "1", "-l", "1"])
        .arg(&file)
        .arg(dir.join("page"))
        .status()
        .unwrap();
    assert!(png.success());
    let rendered = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .any(|e| e.file_name().to_string_lossy().ends_with(".png"));
    assert!(rendered);
    std::fs::remove_dir_all(&dir).ok();
}

/// Two people edit the same card and the same deck details from the same starting
/// version: the second save is not applied; they see both versions with their own
/// text kept, and can then save theirs on top.
async fn two_editors_never_overwrite_each_other(app: TestApp) {
    let (mut ann, slug, ann_id) = setup(&app).await;
    let r = ann
        .post(
            &format!("/p/{slug}/decks/import/confirm"),
            &[
                ("content", "# Ours\n\n## One\n- The first question?\n"),
                ("format", "markdown"),
            ],
        )
        .await;
    let deck: i64 = r.location().split('/').nth(4).unwrap().parse().unwrap();
    let pid = app.partnership_id(&slug, ann_id).await;
    let bob = app.user("bob@example.org", "Bob", false).await;
    let org = app.db.organisations(pid).await.unwrap()[0].id;
    let invite = ann
        .post(
            &format!("/p/{slug}/invites"),
            &[
                ("organisation_id", &org.to_string()),
                ("role", "member"),
                ("note", ""),
            ],
        )
        .await;
    let path = regex::Regex::new(r"http://tandem\.test(/invite/[0-9a-f]{64})")
        .unwrap()
        .captures(&invite.body)
        .unwrap()[1]
        .to_string();
    let mut bob_c = app.signed_in(bob).await;
    bob_c.post(&path, &[]).await;

    let card = app.db.deck_cards(deck).await.unwrap().remove(0);
    let v = card.version.to_string();
    let url = format!("/p/{slug}/decks/{deck}/cards/{}", card.id);
    // Both opened the editor at the same version; Ann saves first.
    assert_eq!(
        ann.post(
            &url,
            &[("text", "Ann's wording?"), ("prompt", ""), ("version", &v)]
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
    let r = bob_c
        .post(
            &url,
            &[
                ("text", "Bob's wording?"),
                ("prompt", "Bob's prompt"),
                ("version", &v),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    r.assert_contains("Someone else changed this while you were editing");
    r.assert_contains("Ann&#39;s wording?");
    r.assert_contains("Bob&#39;s wording?</textarea>");
    r.assert_contains("Bob&#39;s prompt</textarea>");
    assert_eq!(
        app.db.card(card.id).await.unwrap().unwrap().text,
        "Ann's wording?",
        "Bob's stale save changed nothing"
    );
    // Bob keeps his own: the conflict page's form carries the newer version.
    let newer = app
        .db
        .card(card.id)
        .await
        .unwrap()
        .unwrap()
        .version
        .to_string();
    assert!(
        r.body
            .contains(&format!("name=\"version\" value=\"{newer}\""))
    );
    assert_eq!(
        bob_c
            .post(
                &url,
                &[
                    ("text", "Bob's wording?"),
                    ("prompt", "Bob's prompt"),
                    ("version", &newer)
                ]
            )
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        app.db.card(card.id).await.unwrap().unwrap().text,
        "Bob's wording?"
    );

    // The same for the deck's title and notes.
    let d = app.db.deck(deck).await.unwrap().unwrap();
    let v = d.version.to_string();
    let url = format!("/p/{slug}/decks/{deck}/edit");
    assert_eq!(
        ann.post(
            &url,
            &[("title", "Ann's title"), ("notes", ""), ("version", &v)]
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
    let r = bob_c
        .post(
            &url,
            &[
                ("title", "Bob's title"),
                ("notes", "Bob's notes"),
                ("version", &v),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    r.assert_contains("Bob&#39;s notes</textarea>");
    assert_eq!(
        app.db.deck(deck).await.unwrap().unwrap().title,
        "Ann's title"
    );
    // And for a theme: Bob's chosen colour travels through the conflict page.
    let theme = app.db.themes(deck).await.unwrap().remove(0);
    let v = theme.version.to_string();
    let url = format!("/p/{slug}/decks/{deck}/themes/{}", theme.id);
    assert_eq!(
        ann.post(
            &url,
            &[
                ("name", "Ann's theme"),
                ("keywords", "a, b"),
                ("colour", "1"),
                ("version", &v)
            ]
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
    let r = bob_c
        .post(
            &url,
            &[
                ("name", "Bob's theme"),
                ("keywords", "c, d"),
                ("colour", "4"),
                ("version", &v),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    r.assert_contains("Bob&#39;s theme</textarea>");
    r.assert_contains("name=\"colour\" value=\"4\"");
    assert_eq!(
        app.db.theme(theme.id).await.unwrap().unwrap().name,
        "Ann's theme"
    );
}
