//! Printed-card text: what a printed or PDF card set becomes when turned into plain text.
//!
//! Each card is printed on its own: a heading naming its theme (`## THEME` or a line in
//! capitals), a keyword line (a few lower-case words separated by commas), the question
//! (possibly wrapped over several lines), and a footer line repeated on every card.
//! Front matter before the first card becomes the deck's notes. Consecutive cards under
//! the same heading form a theme.
//!
//! A card starts where a heading line is followed (blank lines aside) by a keyword line;
//! that pairing is what tells a card from a front-matter heading that happens to share
//! a theme's name. The footer is the line that ends most cards; page numbers are dropped.

use super::{
    CardData, DeckData, LineError, MAX_CARDS, MAX_THEMES, ThemeData, err, split_keywords, tidy,
};

struct Line<'a> {
    n: usize,
    text: &'a str,
}

fn heading_text(line: &str) -> Option<&str> {
    let t = line.trim();
    if let Some(h) = t.strip_prefix("## ").or_else(|| t.strip_prefix("### ")) {
        return Some(h.trim());
    }
    if is_caps(t) { Some(t) } else { None }
}

/// A line in capitals: at least two letters, none lower-case, not too long.
fn is_caps(t: &str) -> bool {
    let letters = t.chars().filter(|c| c.is_alphabetic()).count();
    letters >= 2
        && t.chars().count() <= 80
        && !t.chars().any(|c| c.is_lowercase())
        && !t.ends_with('?')
}

/// "roots, ground, basics": two to eight short items of lower-case words, no full stop.
fn is_keyword_line(t: &str) -> bool {
    let t = t.trim();
    if t.is_empty()
        || t.ends_with('.')
        || t.ends_with('?')
        || t.chars().count() > 100
        || !t.contains(',')
    {
        return false;
    }
    let items: Vec<&str> = t.split(',').map(str::trim).collect();
    (2..=8).contains(&items.len())
        && items.iter().all(|i| {
            !i.is_empty()
                && i.split_whitespace().count() <= 4
                && i.chars()
                    .all(|c| c.is_lowercase() || c.is_whitespace() || "-'&/’".contains(c))
        })
}

/// Page furniture: "12", "Page 3", "3 of 20", "- 4 -".
fn is_page_number(t: &str) -> bool {
    let t = t
        .trim()
        .trim_matches(|c| c == '-' || c == '–' || c == ' ')
        .to_lowercase();
    let t = t.strip_prefix("page").map(str::trim).unwrap_or(&t);
    let parts: Vec<&str> = t.split(" of ").collect();
    !t.is_empty()
        && parts.len() <= 2
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.trim().chars().all(|c| c.is_ascii_digit()))
}

/// "RECORDING & MEASURING" → "Recording & Measuring".
fn title_case(s: &str) -> String {
    tidy(s)
        .split(' ')
        .map(|w| {
            let lower = w.to_lowercase();
            let mut c = lower.chars();
            match c.next() {
                Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Parse printed-card text.
pub fn parse_printed(text: &str) -> Result<DeckData, Vec<LineError>> {
    parse_printed_report(text).map(|(deck, _)| deck)
}

/// Parse printed-card text, also returning the lines dropped as page furniture
/// (the repeated footer and page numbers), each once, for the import preview.
pub fn parse_printed_report(text: &str) -> Result<(DeckData, Vec<String>), Vec<LineError>> {
    let lines: Vec<Line> = text
        .lines()
        .enumerate()
        .map(|(i, l)| Line { n: i + 1, text: l })
        .collect();
    let blank = |l: &Line| l.text.replace('\u{a0}', " ").trim().is_empty();
    let next_non_blank = |from: usize| (from..lines.len()).find(|&j| !blank(&lines[j]));

    // 1. Card starts: a heading followed by a keyword line.
    let mut starts = Vec::new();
    for i in 0..lines.len() {
        if blank(&lines[i]) || heading_text(lines[i].text).is_none() {
            continue;
        }
        if let Some(j) = next_non_blank(i + 1)
            && is_keyword_line(&lines[j].text.replace('\u{a0}', " "))
        {
            starts.push((i, j));
        }
    }
    if let Some(&(h, _)) = starts.get(MAX_CARDS) {
        return Err(vec![err(
            lines[h].n,
            format!("a deck can have at most {MAX_CARDS} cards; this card is one more"),
        )]);
    }
    if starts.is_empty() {
        return Err(vec![err(
            1,
            "no cards found. Each card should start with a heading line (e.g. \"## SOIL\" or a line in capitals) followed by a keyword line such as \"roots, ground, basics\"",
        )]);
    }

    // 2. Each card's body: the lines after its keyword line, up to the next card.
    struct Raw<'a> {
        heading: String,
        keywords: Vec<String>,
        body: Vec<&'a Line<'a>>,
        n: usize,
    }
    let mut raws = Vec::new();
    for (k, &(h, kw)) in starts.iter().enumerate() {
        let end = starts.get(k + 1).map(|s| s.0).unwrap_or(lines.len());
        let body: Vec<&Line> = lines[kw + 1..end].iter().filter(|l| !blank(l)).collect();
        raws.push(Raw {
            heading: heading_text(lines[h].text).unwrap_or_default().to_string(),
            keywords: split_keywords(&lines[kw].text.replace('\u{a0}', " ")),
            body,
            n: lines[h].n,
        });
    }

    // 3. The footer: the last line most cards end with (when at least two cards do, or
    //    the only card ends in a line of capitals).
    let mut counts: std::collections::HashMap<String, usize> = Default::default();
    for r in &raws {
        if let Some(last) = r.body.iter().rev().find(|l| !is_page_number(l.text)) {
            *counts.entry(tidy(last.text)).or_default() += 1;
        }
    }
    let footer = counts
        .into_iter()
        .filter(|(line, c)| *c >= 2 || (raws.len() == 1 && is_caps(line)))
        .max_by_key(|(_, c)| *c)
        .map(|(line, _)| line);

    // 4. Front matter: title and notes.
    let front: Vec<&Line> = lines[..starts[0].0].iter().collect();
    let mut title = None;
    let mut notes = Vec::new();
    for l in &front {
        let t = l.text.replace('\u{a0}', " ");
        let t = t.trim_end();
        if title.is_none() && !t.trim().is_empty() {
            let clean = t.trim().trim_start_matches('#').trim();
            title = Some(if is_caps(clean) {
                title_case(clean)
            } else {
                tidy(clean)
            });
            continue;
        }
        notes.push(t.to_string());
    }
    let title = title
        .filter(|t| !t.is_empty())
        .or_else(|| footer.as_deref().map(title_case))
        .unwrap_or_else(|| "Imported cards".to_string());
    let title_caps = title.to_uppercase();

    // 5. Cards and themes.
    let mut ignored: Vec<String> = Vec::new();
    let mut seen_ignored = std::collections::HashSet::new();
    let mut note_ignored = |t: &str| {
        if seen_ignored.insert(t.to_string()) {
            ignored.push(t.to_string());
        }
    };
    let mut themes: Vec<ThemeData> = Vec::new();
    let mut theme_at: std::collections::HashMap<String, usize> = Default::default();
    let mut problems = Vec::new();
    for r in raws {
        let text: Vec<String> = r
            .body
            .iter()
            .map(|l| tidy(l.text))
            .filter(|t| {
                let furniture = Some(t) == footer.as_ref() || is_page_number(t) || *t == title_caps;
                if furniture {
                    note_ignored(t);
                }
                !furniture
            })
            .collect();
        let question = text.join(" ");
        if question.is_empty() {
            problems.push(err(
                r.n,
                format!("the card under \"{}\" has no question", r.heading),
            ));
            continue;
        }
        let name = title_case(&r.heading);
        match theme_at.get(&name).copied() {
            Some(i) => {
                let t = &mut themes[i];
                t.cards.push(CardData {
                    text: question,
                    prompt: None,
                });
                if t.keywords.is_empty() {
                    t.keywords = r.keywords;
                }
            }
            None if themes.len() == MAX_THEMES => {
                return Err(vec![err(
                    r.n,
                    format!("a deck can have at most {MAX_THEMES} themes; \"{name}\" is one more"),
                )]);
            }
            None => {
                theme_at.insert(name.clone(), themes.len());
                themes.push(ThemeData {
                    name,
                    keywords: r.keywords,
                    colour: None,
                    cards: vec![CardData {
                        text: question,
                        prompt: None,
                    }],
                });
            }
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let deck = DeckData {
        title,
        notes: notes.join("\n").trim().to_string(),
        themes,
    };
    Ok((deck, ignored))
}

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn recognises_the_parts() {
        assert!(is_keyword_line("roots, ground, basics"));
        assert!(is_keyword_line("values, attitudes, relationships"));
        assert!(!is_keyword_line(
            "Who looks after the tools, and where do they live?"
        ));
        assert!(!is_keyword_line("roots"));
        assert!(is_caps("GARDEN CLUB CARDS"));
        assert!(!is_caps("Garden club"));
        assert!(is_page_number("12") && is_page_number("Page 3") && is_page_number("3 of 20"));
        assert!(!is_page_number("2026 plans"));
        assert_eq!(title_case("RECORDING & MEASURING"), "Recording & Measuring");
    }
}
