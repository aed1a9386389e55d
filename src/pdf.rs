//! Card decks as PDF: A6 cards four to an A4 page, with a theme colour band, keyword
//! line, the question, an optional facilitator prompt, the deck title as a footer, and
//! dashed cut lines. Fonts (DejaVu Sans, see assets/fonts/) are embedded in the binary
//! and in each PDF, so this works offline.
//!
//! krilla draws single lines of text; wrapping is ours, measured with the font's own
//! advance widths (skrifa), which is exact enough for left-aligned text.

use std::sync::{Arc, OnceLock};

use krilla::Document;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::Metadata;
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke, StrokeDash};
use krilla::surface::Surface;
use krilla::text::{Font, TextDirection};
use skrifa::instance::{LocationRef, Size};
use skrifa::{FontRef, MetadataProvider};

const REGULAR: &[u8] = include_bytes!("../assets/fonts/DejaVuSans.ttf");
const BOLD: &[u8] = include_bytes!("../assets/fonts/DejaVuSans-Bold.ttf");

const PAGE_W: f32 = 595.28;
const PAGE_H: f32 = 841.89;
const CARD_W: f32 = PAGE_W / 2.0;
const CARD_H: f32 = PAGE_H / 2.0;
const MARGIN: f32 = 22.0;

/// One card to print.
pub struct PdfCard {
    pub theme: String,
    pub keywords: String,
    /// `#rrggbb`.
    pub colour: String,
    pub text: String,
    pub prompt: Option<String>,
}

struct Fonts {
    regular: Font,
    bold: Font,
}

fn fonts() -> &'static Fonts {
    static F: OnceLock<Fonts> = OnceLock::new();
    F.get_or_init(|| Fonts {
        regular: Font::new(Arc::new(REGULAR.to_vec()).into(), 0).expect("embedded font loads"),
        bold: Font::new(Arc::new(BOLD.to_vec()).into(), 0).expect("embedded font loads"),
    })
}

/// Width of `text` at `size` points.
fn width(font: &[u8], text: &str, size: f32) -> f32 {
    let Ok(f) = FontRef::new(font) else {
        return text.chars().count() as f32 * size * 0.6;
    };
    let charmap = f.charmap();
    let metrics = f.glyph_metrics(Size::new(size), LocationRef::default());
    text.chars()
        .map(|c| {
            charmap
                .map(c)
                .and_then(|g| metrics.advance_width(g))
                .unwrap_or(size * 0.6)
        })
        .sum()
}

/// Break `text` into lines no wider than `max` points (a long word gets a line of its own).
pub fn wrap(font: &[u8], text: &str, size: f32, max: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let candidate = if line.is_empty() {
            word.to_string()
        } else {
            format!("{line} {word}")
        };
        if width(font, &candidate, size) <= max || line.is_empty() {
            line = candidate;
        } else {
            lines.push(std::mem::replace(&mut line, word.to_string()));
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

fn colour(hex: &str) -> rgb::Color {
    let (r, g, b) = crate::domain::colour::parse(hex);
    rgb::Color::new(r, g, b)
}

fn fill(surface: &mut Surface, c: rgb::Color) {
    surface.set_fill(Some(Fill {
        paint: c.into(),
        opacity: NormalizedF32::ONE,
        rule: Default::default(),
    }));
}

fn text(surface: &mut Surface, font: &Font, size: f32, x: f32, y: f32, s: &str) {
    surface.draw_text(
        Point::from_xy(x, y),
        font.clone(),
        size,
        s,
        false,
        TextDirection::Auto,
    );
}

fn rect(surface: &mut Surface, x: f32, y: f32, w: f32, h: f32) {
    let mut pb = PathBuilder::new();
    if let Some(r) = Rect::from_xywh(x, y, w, h) {
        pb.push_rect(r);
    }
    if let Some(path) = pb.finish() {
        surface.draw_path(&path);
    }
}

fn line(surface: &mut Surface, x1: f32, y1: f32, x2: f32, y2: f32) {
    let mut pb = PathBuilder::new();
    pb.move_to(x1, y1);
    pb.line_to(x2, y2);
    if let Some(path) = pb.finish() {
        surface.draw_path(&path);
    }
}

fn draw_card(surface: &mut Surface, f: &Fonts, deck_title: &str, card: &PdfCard, x0: f32, y0: f32) {
    let inner = CARD_W - 2.0 * MARGIN;
    let band_h = 64.0;
    // Theme band.
    surface.set_stroke(None);
    fill(surface, colour(&card.colour));
    rect(surface, x0, y0, CARD_W, band_h);
    fill(
        surface,
        colour(crate::domain::colour::text_on(&card.colour).hex()),
    );
    let theme_lines = wrap(BOLD, &card.theme, 15.0, inner);
    text(
        surface,
        &f.bold,
        15.0,
        x0 + MARGIN,
        y0 + 27.0,
        theme_lines.first().map(String::as_str).unwrap_or(""),
    );
    if !card.keywords.is_empty() {
        let kw = wrap(REGULAR, &card.keywords, 10.0, inner);
        text(
            surface,
            &f.regular,
            10.0,
            x0 + MARGIN,
            y0 + 46.0,
            kw.first().map(String::as_str).unwrap_or(""),
        );
    }
    // The question: as large as fits.
    let footer_h = 34.0;
    let prompt_lines = card
        .prompt
        .as_deref()
        .map(|p| wrap(REGULAR, p, 9.5, inner))
        .unwrap_or_default();
    let prompt_h = if prompt_lines.is_empty() {
        0.0
    } else {
        prompt_lines.len() as f32 * 13.0 + 10.0
    };
    let room = CARD_H - band_h - footer_h - prompt_h - 2.0 * MARGIN;
    let mut size = 18.0;
    let mut lines = wrap(BOLD, &card.text, size, inner);
    while lines.len() as f32 * size * 1.3 > room && size > 9.0 {
        size -= 1.0;
        lines = wrap(BOLD, &card.text, size, inner);
    }
    fill(surface, rgb::Color::new(11, 12, 12));
    let mut y = y0 + band_h + MARGIN + size;
    for l in &lines {
        text(surface, &f.bold, size, x0 + MARGIN, y, l);
        y += size * 1.3;
    }
    if !prompt_lines.is_empty() {
        fill(surface, rgb::Color::new(72, 73, 73));
        let mut py = y0 + CARD_H - footer_h - prompt_h + 10.0;
        for l in &prompt_lines {
            text(surface, &f.regular, 9.5, x0 + MARGIN, py, l);
            py += 13.0;
        }
    }
    // Footer: the deck's title.
    fill(surface, rgb::Color::new(72, 73, 73));
    let footer = wrap(REGULAR, &deck_title.to_uppercase(), 8.0, inner);
    text(
        surface,
        &f.regular,
        8.0,
        x0 + MARGIN,
        y0 + CARD_H - 16.0,
        footer.first().map(String::as_str).unwrap_or(""),
    );
}

/// A PDF of `cards`, four to an A4 page.
pub fn deck_pdf(deck_title: &str, cards: &[PdfCard]) -> anyhow::Result<Vec<u8>> {
    let f = fonts();
    let mut document = Document::new();
    document.set_metadata(
        Metadata::new()
            .title(deck_title.to_string())
            .creator("Tandem".to_string()),
    );
    let chunks: Vec<&[PdfCard]> = if cards.is_empty() {
        vec![&[]]
    } else {
        cards.chunks(4).collect()
    };
    for chunk in chunks {
        let settings = PageSettings::from_wh(PAGE_W, PAGE_H)
            .ok_or_else(|| anyhow::anyhow!("bad page size"))?;
        let mut page = document.start_page_with(settings);
        let mut surface = page.surface();
        for (i, card) in chunk.iter().enumerate() {
            let x0 = if i % 2 == 0 { 0.0 } else { CARD_W };
            let y0 = if i < 2 { 0.0 } else { CARD_H };
            draw_card(&mut surface, f, deck_title, card, x0, y0);
        }
        // Cut lines.
        surface.set_fill(None);
        surface.set_stroke(Some(Stroke {
            paint: rgb::Color::new(120, 120, 120).into(),
            width: 0.6,
            dash: Some(StrokeDash {
                array: vec![4.0, 3.0],
                offset: 0.0,
            }),
            ..Default::default()
        }));
        line(&mut surface, CARD_W, 0.0, CARD_W, PAGE_H);
        line(&mut surface, 0.0, CARD_H, PAGE_W, CARD_H);
        surface.set_stroke(None);
        surface.finish();
        page.finish();
    }
    document
        .finish()
        .map_err(|e| anyhow::anyhow!("could not make the PDF: {e:?}"))
}

/// A piece of a flowing document (a conversation summary).
#[derive(Debug, Clone)]
pub enum Block {
    Title(String),
    Heading(String),
    /// A small bold label before a list ("What we agreed").
    Label(String),
    /// Grey, smaller text: dates, places, sources.
    Meta(String),
    Para(String),
    Bullet(String),
}

/// One line placed on a page: bold?, size, x, baseline y, text, grey?
type Placed = (bool, f32, f32, f32, String, bool);

const DOC_MARGIN: f32 = 56.0;

/// Lay blocks out on A4 pages, top to bottom.
fn layout(blocks: &[Block]) -> Vec<Vec<Placed>> {
    let m = DOC_MARGIN;
    let inner = PAGE_W - 2.0 * m;
    let mut pages: Vec<Vec<Placed>> = vec![Vec::new()];
    let mut y = m;
    for b in blocks {
        let (bold, size, indent, gap, grey, body) = match b {
            Block::Title(t) => (true, 20.0, 0.0, 0.0, false, t.as_str()),
            Block::Heading(t) => (true, 14.0, 0.0, 14.0, false, t.as_str()),
            Block::Label(t) => (true, 10.5, 0.0, 6.0, false, t.as_str()),
            Block::Meta(t) => (false, 9.5, 0.0, 3.0, true, t.as_str()),
            Block::Para(t) => (false, 10.5, 0.0, 5.0, false, t.as_str()),
            Block::Bullet(t) => (false, 10.5, 14.0, 2.0, false, t.as_str()),
        };
        let bullet = matches!(b, Block::Bullet(_));
        let font = if bold { BOLD } else { REGULAR };
        for (i, l) in wrap(font, body, size, inner - indent)
            .into_iter()
            .enumerate()
        {
            let (l, x) = if bullet && i == 0 {
                (format!("•\u{a0}{l}"), indent - 9.0)
            } else {
                (l, indent)
            };
            let gap = if i == 0 { gap } else { 0.0 };
            let height = size * 1.35;
            if y + gap + height > PAGE_H - m {
                pages.push(Vec::new());
                y = m;
            } else {
                y += gap;
            }
            y += height;
            if let Some(p) = pages.last_mut() {
                p.push((bold, size, m + x, y - size * 0.3, l, grey));
            }
        }
    }
    pages
}

/// A flowing A4 document: blocks laid out top to bottom, new pages as needed, page
/// numbers in the footer.
pub fn document_pdf(title: &str, blocks: &[Block]) -> anyhow::Result<Vec<u8>> {
    let f = fonts();
    let mut document = Document::new();
    document.set_metadata(
        Metadata::new()
            .title(title.to_string())
            .creator("Tandem".to_string()),
    );
    let pages = layout(blocks);
    let count = pages.len();
    for (n, page_lines) in pages.into_iter().enumerate() {
        let settings = PageSettings::from_wh(PAGE_W, PAGE_H)
            .ok_or_else(|| anyhow::anyhow!("bad page size"))?;
        let mut page = document.start_page_with(settings);
        let mut surface = page.surface();
        for (bold, size, x, y, t, grey) in page_lines {
            let shade = if grey { 80 } else { 20 };
            fill(&mut surface, rgb::Color::new(shade, shade, shade));
            text(
                &mut surface,
                if bold { &f.bold } else { &f.regular },
                size,
                x,
                y,
                &t,
            );
        }
        fill(&mut surface, rgb::Color::new(80, 80, 80));
        let footer = format!("{title} — page {} of {count}", n + 1);
        text(
            &mut surface,
            &f.regular,
            8.5,
            DOC_MARGIN,
            PAGE_H - DOC_MARGIN / 2.0,
            &footer,
        );
        surface.finish();
        page.finish();
    }
    document
        .finish()
        .map_err(|e| anyhow::anyhow!("could not make the PDF: {e:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_within_the_width() {
        let lines = wrap(
            REGULAR,
            "Who looks after the tools, and where do they live when nobody is using them?",
            18.0,
            200.0,
        );
        assert!(lines.len() > 1);
        for l in &lines {
            assert!(width(REGULAR, l, 18.0) <= 200.0 || !l.contains(' '), "{l}");
        }
        assert_eq!(
            lines.join(" "),
            "Who looks after the tools, and where do they live when nobody is using them?"
        );
    }

    #[test]
    fn documents_flow_onto_new_pages() {
        let mut blocks = vec![Block::Title("Autumn review".into())];
        for i in 0..120 {
            blocks.push(Block::Bullet(format!(
                "Point {i}: we agreed to share the room booking and the minutes."
            )));
        }
        let pages = layout(&blocks);
        assert!(pages.len() >= 3, "{} pages", pages.len());
        for p in &pages {
            for (_, size, _, y, _, _) in p {
                assert!(*y <= PAGE_H - DOC_MARGIN && *y >= DOC_MARGIN + size * 0.5);
            }
        }
        let total: usize = pages.iter().map(Vec::len).sum();
        assert_eq!(total, 121, "one line each, nothing lost");
        let pdf = document_pdf("Autumn review", &blocks).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
    }

    #[test]
    fn makes_a_pdf_with_one_page_per_four_cards() {
        let cards: Vec<PdfCard> = (0..5)
            .map(|i| PdfCard {
                theme: "Soil".into(),
                keywords: "roots, ground".into(),
                colour: "#2f6b2f".into(),
                text: format!("Question {i}?"),
                prompt: None,
            })
            .collect();
        let pdf = deck_pdf("Garden Club Cards", &cards).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        assert!(pdf.len() > 5_000, "fonts are embedded");
    }
}
