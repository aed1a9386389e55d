use proptest::prelude::*;

use super::*;

const GARDEN: &str = "# Garden Club Cards
ABOUT
These cards help a new garden club find its feet.

## SOIL
roots, ground, basics

What does each member already grow at home?

GARDEN CLUB CARDS

## SOIL
roots, ground, basics

Who looks after the tools,
and where do they live?

GARDEN CLUB CARDS
";

#[test]
fn printed_example_from_the_issue() {
    let (format, deck) = parse_bytes(GARDEN.as_bytes(), None).unwrap();
    assert_eq!(format, Format::Printed);
    assert_eq!(
        deck.to_json(),
        serde_json::json!({
            "title": "Garden Club Cards",
            "notes": "ABOUT\nThese cards help a new garden club find its feet.",
            "themes": [{
                "name": "Soil",
                "keywords": ["roots", "ground", "basics"],
                "cards": [
                    {"text": "What does each member already grow at home?", "prompt": null},
                    {"text": "Who looks after the tools, and where do they live?", "prompt": null}
                ]
            }]
        })
    );
}

#[test]
fn printed_front_matter_furniture_and_odd_blanks() {
    let text = "PARTNERSHIP CARDS\n\u{a0}\nGUIDANCE\nUse one card per meeting.\n\nDRIVERS\nThe drivers theme asks why we are here.\n\n\
                DRIVERS\ngaps, strengths, risks\n \nWhy is each partner here? Are the reasons shared?\nPARTNERSHIP CARDS\n1\n\n\
                DRIVERS\ngaps, strengths, risks\n\u{a0}\u{a0}\nWhat would success look like in a year?\nPARTNERSHIP CARDS\nPage 2\n\n\
                RECORDING & MEASURING\ntools, learning, evidence\nHow do we learn from what went wrong?\nPARTNERSHIP CARDS\n";
    let deck = parse_printed(text).unwrap();
    assert_eq!(deck.title, "Partnership Cards");
    assert!(deck.notes.contains("Use one card per meeting."));
    assert!(
        deck.notes
            .contains("The drivers theme asks why we are here."),
        "front-matter heading stays in notes"
    );
    assert_eq!(deck.themes.len(), 2);
    assert_eq!(deck.themes[0].name, "Drivers");
    assert_eq!(deck.themes[0].cards.len(), 2);
    assert_eq!(
        deck.themes[0].cards[0].text,
        "Why is each partner here? Are the reasons shared?"
    );
    assert_eq!(deck.themes[1].name, "Recording & Measuring");
    assert_eq!(
        deck.themes[1].keywords,
        vec!["tools", "learning", "evidence"]
    );
    for t in &deck.themes {
        for c in &t.cards {
            assert!(
                !c.text.contains("PARTNERSHIP CARDS") && !c.text.contains("Page"),
                "{c:?}"
            );
        }
    }
}

#[test]
fn printed_without_cards_explains() {
    let e = parse_printed("Just some notes.\nNothing else.").unwrap_err();
    assert!(
        e[0].to_string().starts_with("line 1: no cards found"),
        "{e:?}"
    );
}

const MD: &str = "# Garden Club Cards

These cards help a new garden club find its feet.

## Soil
Keywords: roots, ground, basics
Colour: #2f6b2f

- What does each member already grow at home?
  Prompt: Go round the room.
- Who looks after the tools,
  and where do they live?

## Seeds
1. Which seeds should we swap first?
";

#[test]
fn markdown_format() {
    let (format, deck) = parse_bytes(MD.as_bytes(), None).unwrap();
    assert_eq!(format, Format::Markdown);
    assert_eq!(deck.title, "Garden Club Cards");
    assert_eq!(
        deck.notes,
        "These cards help a new garden club find its feet."
    );
    assert_eq!(deck.themes[0].colour.as_deref(), Some("#2f6b2f"));
    assert_eq!(
        deck.themes[0].cards[0].prompt.as_deref(),
        Some("Go round the room.")
    );
    assert_eq!(
        deck.themes[0].cards[1].text,
        "Who looks after the tools, and where do they live?"
    );
    assert_eq!(deck.themes[1].cards.len(), 1);
    let e = parse_markdown("# T\n## A\nnot a list item\n").unwrap_err();
    assert_eq!(e[0].line, 3, "{e:?}");
    let e = parse_markdown("no title\n## A\n- q\n").unwrap_err();
    assert!(e[0].message.contains("# Title"));
}

#[test]
fn toml_format_and_line_numbers() {
    let deck = parse_markdown(MD).unwrap();
    let text = to_toml(&deck);
    assert_eq!(detect(&text), Format::Toml);
    assert_eq!(parse_toml(&text).unwrap(), deck);
    let e =
        parse_toml("title = \"T\"\n\n[[themes]]\nname = \"A\"\n\n[[themes.cards]]\ntext = \"\"\n")
            .unwrap_err();
    assert_eq!(e[0].line, 6, "{e:?}");
    let e = parse_toml("title = \"T\"\n[[themes]]\nnme = \"A\"\n").unwrap_err();
    assert_eq!(e[0].line, 3, "{e:?}");
}

#[test]
fn limits_and_encoding() {
    let e = parse_bytes(&[b'a', 0xff, b'\n'], None).unwrap_err();
    assert!(e[0].message.contains("UTF-8"), "{e:?}");
    let big = vec![b'a'; MAX_BYTES + 1];
    assert!(
        parse_bytes(&big, None).unwrap_err()[0]
            .message
            .contains("2 MB")
    );
    let mut md = String::from("# Many\n");
    for t in 0..101 {
        md.push_str(&format!("## T{t}\n- q\n"));
    }
    assert!(
        parse_bytes(md.as_bytes(), None).unwrap_err()[0]
            .message
            .contains("at most 100 themes")
    );
    let mut md = String::from("# Many\n## T\n");
    for c in 0..2001 {
        md.push_str(&format!("- card {c}\n"));
    }
    assert!(
        parse_bytes(md.as_bytes(), None).unwrap_err()[0]
            .message
            .contains("at most 2000 cards")
    );
}

fn word() -> impl Strategy<Value = String> {
    "[a-z]{1,8}".prop_map(|s| s)
}

fn sentence() -> impl Strategy<Value = String> {
    (
        proptest::collection::vec(word(), 1..8),
        prop_oneof![Just("?"), Just("."), Just("")],
    )
        .prop_map(|(w, end)| {
            let mut s = w.join(" ");
            if let Some(f) = s.get_mut(0..1) {
                f.make_ascii_uppercase();
            }
            s + end
        })
}

fn deck() -> impl Strategy<Value = DeckData> {
    let card = (sentence(), proptest::option::of(sentence()))
        .prop_map(|(text, prompt)| CardData { text, prompt });
    let theme = (
        sentence(),
        proptest::collection::vec(word(), 0..4),
        proptest::option::of(proptest::sample::select(PALETTE.to_vec())),
        proptest::collection::vec(card, 1..5),
    )
        .prop_map(|(name, keywords, colour, cards)| ThemeData {
            name,
            keywords,
            colour: colour.map(str::to_string),
            cards,
        });
    (
        sentence(),
        proptest::collection::vec(sentence(), 0..3),
        proptest::collection::vec(theme, 1..5),
    )
        .prop_map(|(title, notes, themes)| DeckData {
            title,
            notes: notes.join("\n"),
            themes,
        })
}

proptest! {
    #[test]
    fn toml_round_trip(d in deck()) {
        prop_assert_eq!(parse_toml(&to_toml(&d)).unwrap(), d);
    }

    #[test]
    fn markdown_round_trip(d in deck()) {
        prop_assert_eq!(parse_markdown(&to_markdown(&d)).unwrap(), d);
    }

    #[test]
    fn parsers_never_panic_on_noise(s in "(?s).{0,400}") {
        let _ = parse_bytes(s.as_bytes(), None);
        let _ = parse_toml(&s);
        let _ = parse_markdown(&s);
        let _ = parse_printed(&s);
    }

    #[test]
    fn parsers_never_panic_on_mutated_decks(d in deck(), cut in 0usize..2000, insert in "(?s).{0,20}") {
        for text in [to_toml(&d), to_markdown(&d), GARDEN.to_string()] {
            let mut t = text.clone();
            let at = t.char_indices().map(|(i, _)| i).nth(cut % t.chars().count().max(1)).unwrap_or(0);
            t.insert_str(at, &insert);
            let _ = parse_bytes(t.as_bytes(), None);
            let _ = parse_printed(&t);
            let _ = parse_markdown(&t);
            let shorter: String = text.chars().take(cut).collect();
            let _ = parse_bytes(shorter.as_bytes(), None);
        }
    }

    #[test]
    fn bytes_never_panic(b in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = parse_bytes(&b, None);
    }
}

/// The largest deck the limits allow, in TOML with every optional field, and text that
/// holds the characters the entry counter looks for.
fn largest_toml() -> String {
    let mut t = String::from("title = \"Largest\"\nnotes = \"All the limits at once.\"\n");
    for th in 0..MAX_THEMES {
        t.push_str(&format!(
            "\n[[themes]]\nkey = \"t{th}\"\nname = \"Theme {th}\"\nkeywords = [\"one\", \"two\", \"three\"]\ncolour = \"#1d5c8c\"\n"
        ));
        for c in 0..MAX_CARDS / MAX_THEMES {
            t.push_str(&format!(
                "[[themes.cards]]\nkey = \"c{th}-{c}\"\ntext = \"Question {c} about {{this}} [and that] = # not a comment\"\nprompt = '''Ask \"why\" = twice'''\n"
            ));
        }
    }
    t
}

#[test]
fn the_largest_allowed_deck_is_accepted() {
    let (_, deck) = parse_bytes(largest_toml().as_bytes(), None).unwrap();
    assert_eq!(deck.themes.len(), MAX_THEMES);
    assert_eq!(deck.card_count(), MAX_CARDS);
    assert!(deck.themes[0].cards[0].text.contains("# not a comment"));
}

/// Hostile files just under the size limit, in every format and shape.
fn hostile_files() -> Vec<(&'static str, String)> {
    let fill = |head: &str, unit: &dyn Fn(usize) -> String| {
        let mut s = head.to_string();
        let mut i = 0;
        while s.len() < MAX_BYTES - 200 {
            s.push_str(&unit(i));
            i += 1;
        }
        s
    };
    vec![
        (
            "toml themes",
            fill("title = \"x\"\n", &|i| {
                format!("[[themes]]\nname = \"t{i}\"\n")
            }),
        ),
        (
            "toml cards",
            fill("title = \"x\"\n[[themes]]\nname = \"a\"\n", &|_| {
                "[[themes.cards]]\ntext = \"q\"\n".into()
            }),
        ),
        (
            "toml inline",
            fill("title = \"x\"\nthemes = [", &|_| {
                "{name=\"a\",cards=[{text=\"q\"}]},".into()
            }) + "]\n",
        ),
        (
            "toml keywords",
            fill(
                "title = \"x\"\n[[themes]]\nname = \"a\"\nkeywords = [",
                &|_| "\"k\",".into(),
            ) + "]\n",
        ),
        (
            "markdown themes",
            fill("# T\n", &|i| format!("## T{i}\n- q\n")),
        ),
        (
            "markdown one long card",
            fill("# T\n## A\n- q\n", &|_| "  more words here\n".into()),
        ),
        (
            "printed distinct themes",
            fill("About\n", &|i| {
                format!("THEME {i}\nk, k\nWhat is it?\nFOOTER\n")
            }),
        ),
        (
            "printed page numbers",
            fill("About\n", &|i| format!("SOIL\nk, k\nWhat?\n{i}\nFOOTER\n")),
        ),
    ]
}

#[test]
fn hostile_files_are_refused_with_a_line_and_quickly() {
    for (what, text) in hostile_files() {
        assert!(text.len() <= MAX_BYTES, "{what}");
        let started = std::time::Instant::now();
        let problems = parse_bytes(text.as_bytes(), None).unwrap_err();
        let took = started.elapsed();
        assert!(
            problems.len() <= MAX_PROBLEMS + 1,
            "{what}: {}",
            problems.len()
        );
        assert!(
            problems.iter().any(|p| p.message.contains("at most")
                || p.message.contains("longer than")
                || p.message.contains("more than")),
            "{what}: {problems:?}"
        );
        // Generous for an unoptimised build on a busy machine: the quadratic parsing
        // this guards against took from seconds to minutes on these files.
        assert!(
            took < std::time::Duration::from_secs(3),
            "{what} took {took:?}"
        );
    }
}

#[test]
fn control_characters_in_a_file_name_the_line_and_form_feeds_are_dropped() {
    let e = parse_bytes(b"# Deck\n## A\n- a \x00 card\n", None).unwrap_err();
    assert_eq!(e[0].line, 3, "{e:?}");
    assert!(e[0].message.contains("control character"), "{e:?}");
    let (_, deck) = parse_bytes(GARDEN.replace("## SOIL", "\x0c## SOIL").as_bytes(), None).unwrap();
    assert_eq!(deck.card_count(), 2);
}

#[test]
fn many_problems_are_capped() {
    let mut md = String::from("# Deck\n## A\n");
    for i in 0..500 {
        md.push_str(&format!("stray line {i}\n"));
    }
    let e = parse_bytes(md.as_bytes(), Some(Format::Markdown)).unwrap_err();
    assert_eq!(e.len(), MAX_PROBLEMS + 1);
    assert!(e[MAX_PROBLEMS].message.contains("450 more"), "{e:?}");
}
