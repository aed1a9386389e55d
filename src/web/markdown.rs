//! Notes are written in Markdown; they are shown as HTML that has been through a
//! sanitiser, so nothing a person types can run script or break the page, and laid
//! out as paragraphs and lists for the PDF writer.
//!
//! One change from standard Markdown, for people who have never heard of it: a new
//! line stays a new line (standard Markdown joins lines into one paragraph unless
//! they are separated by a blank line).

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd, html};

use crate::pdf::{Block, Span};

fn options() -> Options {
    let mut opts = Options::empty();
    opts.insert(Options::ENABLE_STRIKETHROUGH);
    opts.insert(Options::ENABLE_TABLES);
    opts.insert(Options::ENABLE_TASKLISTS);
    opts
}

/// Markdown to safe HTML (raw HTML in the input is escaped or removed; links get
/// `rel="noopener noreferrer"`).
pub fn to_html(md: &str) -> String {
    let mut out = String::new();
    let events = Parser::new_ext(md, options()).map(|e| match e {
        Event::SoftBreak => Event::HardBreak,
        e => e,
    });
    html::push_html(&mut out, events);
    ammonia::Builder::default()
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .clean(&out)
        .to_string()
}

/// The notes as standard Markdown for the `.md` export: where Tandem keeps a new line
/// (one line followed by another that does not start a list item, heading, quote or
/// table row), end the line with a backslash, CommonMark's line break, so any other
/// Markdown reader shows the lines as Tandem does. Fenced code is left alone.
pub fn with_line_breaks(md: &str) -> String {
    let starts_block = |l: &str| {
        let t = l.trim_start();
        t.starts_with(['-', '*', '+', '#', '>', '|'])
            || t.split_once(". ")
                .is_some_and(|(n, _)| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
    };
    let lines: Vec<&str> = md.lines().collect();
    let mut out = String::with_capacity(md.len() + lines.len());
    let mut fenced = false;
    for (i, l) in lines.iter().enumerate() {
        if l.trim_start().starts_with("```") {
            fenced = !fenced;
        }
        out.push_str(l);
        let next = lines.get(i + 1);
        if !fenced
            && !l.trim().is_empty()
            && !l.ends_with('\\')
            && !l.ends_with("  ")
            && next.is_some_and(|n| !n.trim().is_empty() && !starts_block(n))
        {
            out.push('\\');
        }
        if next.is_some() {
            out.push('\n');
        }
    }
    out
}

/// Markdown to blocks for a PDF: paragraphs, headings as bold labels, bulleted and
/// numbered lists (nested), bold kept, links printed as their words and then the
/// address in brackets, table rows as lines with the cells separated by " · ".
pub fn to_blocks(md: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut spans: Vec<Span> = Vec::new();
    // The lists open, innermost last: the next number of a numbered one, None for bullets.
    let mut lists: Vec<Option<u64>> = Vec::new();
    // The marker of the list item being written, until its first line is out.
    let mut marker: Option<String> = None;
    let mut bold = 0usize;
    let mut link: Option<(String, usize)> = None;
    let mut heading = false;

    fn push(spans: &mut Vec<Span>, bold: bool, t: &str) {
        match spans.last_mut() {
            Some(s) if s.bold == bold => s.text.push_str(t),
            _ => spans.push(Span::plain(bold, t)),
        }
    }
    let flush = |blocks: &mut Vec<Block>,
                 spans: &mut Vec<Span>,
                 marker: &mut Option<String>,
                 depth: usize,
                 heading: bool| {
        let taken = std::mem::take(spans);
        let text: String = taken.iter().map(|s| s.text.as_str()).collect();
        if text.trim().is_empty() {
            return;
        }
        if heading {
            blocks.push(Block::Label(text.trim().to_string()));
        } else if marker.is_some() || depth > 0 {
            // A list item's first paragraph has its marker; a second one is indented
            // without.
            blocks.push(Block::Item {
                marker: marker.take().unwrap_or_default(),
                depth: depth.saturating_sub(1),
                spans: taken,
            });
        } else {
            blocks.push(Block::Rich(taken));
        }
    };
    for e in Parser::new_ext(md, options()) {
        let depth = lists.len();
        match e {
            Event::Start(Tag::Heading { .. }) => heading = true,
            Event::End(TagEnd::Heading(_)) => {
                flush(&mut blocks, &mut spans, &mut marker, depth, true);
                heading = false;
            }
            Event::End(TagEnd::Paragraph | TagEnd::CodeBlock | TagEnd::Item) => {
                flush(&mut blocks, &mut spans, &mut marker, depth, false)
            }
            Event::Start(Tag::List(first)) => {
                flush(&mut blocks, &mut spans, &mut marker, depth, false);
                lists.push(first);
            }
            Event::End(TagEnd::List(_)) => {
                lists.pop();
            }
            Event::Start(Tag::Item) => {
                marker = Some(match lists.last_mut().and_then(Option::as_mut) {
                    Some(n) => {
                        *n += 1;
                        format!("{}.", *n - 1)
                    }
                    None => "•".to_string(),
                });
            }
            Event::TaskListMarker(done) => {
                marker = Some(if done { "☑" } else { "☐" }.to_string());
            }
            Event::Start(Tag::Strong) => bold += 1,
            Event::End(TagEnd::Strong) => bold = bold.saturating_sub(1),
            Event::Start(Tag::Link { dest_url, .. }) => {
                let words: usize = spans.iter().map(|s| s.text.len()).sum();
                link = Some((dest_url.to_string(), words));
            }
            Event::End(TagEnd::Link) => {
                if let Some((url, from)) = link.take() {
                    let all: String = spans.iter().map(|s| s.text.as_str()).collect();
                    let shown = all.get(from..).unwrap_or("").trim();
                    let address = url.strip_prefix("mailto:").unwrap_or(&url);
                    if shown != address && shown != url {
                        push(&mut spans, bold > 0, &format!(" ({address})"));
                    }
                }
            }
            Event::Text(t) | Event::Code(t) => {
                push(&mut spans, bold > 0 || heading, &t);
            }
            Event::Html(t) | Event::InlineHtml(t) => push(&mut spans, bold > 0, &t),
            Event::SoftBreak | Event::HardBreak => push(&mut spans, bold > 0, "\n"),
            Event::End(TagEnd::TableCell) => push(&mut spans, false, " · "),
            Event::End(TagEnd::TableHead | TagEnd::TableRow) => {
                if let Some(last) = spans.last_mut()
                    && let Some(t) = last.text.strip_suffix(" · ")
                {
                    last.text = t.to_string();
                }
                flush(&mut blocks, &mut spans, &mut marker, depth, false);
            }
            _ => {}
        }
    }
    flush(&mut blocks, &mut spans, &mut marker, lists.len(), false);
    blocks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_and_sanitises() {
        let h = to_html("**Agreed** to meet monthly\n\n- one\n- two");
        assert!(
            h.contains("<strong>Agreed</strong>") && h.contains("<li>one</li>"),
            "{h}"
        );
        let h = to_html(
            "<script>alert(1)</script>\n\nSee [x](javascript:void) <img src=x onerror=alert(1)> [ok](https://example.org)",
        );
        assert!(!h.contains("<script"), "{h}");
        assert!(!h.contains("href=\"javascript"), "{h}");
        assert!(!h.contains("onerror"), "{h}");
        assert!(h.contains("href=\"https://example.org\""), "{h}");
    }

    #[test]
    fn a_new_line_stays_a_new_line() {
        let h = to_html("Rooms: the library\nTime: 7pm");
        assert!(h.contains("the library<br>"), "{h}");
    }

    #[test]
    fn the_markdown_export_keeps_the_lines() {
        let md = "Room: the library\nTime: 7pm\n\n- one\n- two\n1. first\n\n```\ncode\nlines\n```";
        let out = with_line_breaks(md);
        assert_eq!(
            out,
            "Room: the library\\\nTime: 7pm\n\n- one\n- two\n1. first\n\n```\ncode\nlines\n```"
        );
        // Read back by a standard Markdown reader, the same lines as Tandem shows.
        let mut html = String::new();
        pulldown_cmark::html::push_html(&mut html, Parser::new(&out));
        assert!(html.contains("the library<br />"), "{html}");
    }

    fn text(b: &Block) -> String {
        match b {
            Block::Rich(s) | Block::Item { spans: s, .. } => {
                s.iter().map(|s| s.text.as_str()).collect()
            }
            Block::Label(t) => t.clone(),
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn pdf_blocks_keep_the_structure() {
        let b = to_blocks(
            "## Money\n\nWe **agreed** the budget.\nSee [the plan](https://example.org/plan) or https://example.org.\n\n- first\n- second\n  - inside\n\n1. one\n2. two\n\n- [x] booked the hall",
        );
        let texts: Vec<String> = b.iter().map(text).collect();
        assert_eq!(texts[0], "Money", "{texts:?}");
        assert!(matches!(b[0], Block::Label(_)));
        match &b[1] {
            Block::Rich(s) => {
                assert_eq!(s[0], Span::plain(false, "We "));
                assert_eq!(s[1], Span::plain(true, "agreed"));
                let all: String = s.iter().map(|s| s.text.as_str()).collect();
                assert!(
                    all.contains(
                        "budget.\nSee the plan (https://example.org/plan) or https://example.org."
                    ),
                    "{all}"
                );
            }
            other => panic!("{other:?}"),
        }
        let items: Vec<(String, usize, String)> = b[2..]
            .iter()
            .map(|b| match b {
                Block::Item { marker, depth, .. } => (marker.clone(), *depth, text(b)),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(
            items,
            vec![
                ("•".into(), 0, "first".into()),
                ("•".into(), 0, "second".into()),
                ("•".into(), 1, "inside".into()),
                ("1.".into(), 0, "one".into()),
                ("2.".into(), 0, "two".into()),
                ("☑".into(), 0, "booked the hall".into()),
            ]
        );
    }
}
