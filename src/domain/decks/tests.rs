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
            .contains("most is 100")
    );
    let mut md = String::from("# Many\n## T\n");
    for c in 0..2001 {
        md.push_str(&format!("- card {c}\n"));
    }
    assert!(
        parse_bytes(md.as_bytes(), None).unwrap_err()[0]
            .message
            .contains("most is 2000")
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
