//! Card decks as PDF: A6 cards four to an A4 page, with a theme colour band, keyword
//! line, the question, an optional facilitator prompt, the deck title as a footer, and
//! dashed cut lines. Fonts (DejaVu Sans, with Noto fallbacks for other scripts and
//! emoji, see assets/fonts/) are embedded in the binary
//! and in each PDF, so this works offline.
//!
//! krilla draws single lines of text; wrapping is ours, measured by shaping each run
//! with rustybuzz, the shaper krilla itself draws with, so widths match what is drawn
//! (joined Arabic, Indic conjuncts, emoji sequences included).

use std::borrow::Cow;
use std::sync::OnceLock;

use krilla::Document;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::Metadata;
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke, StrokeDash};
use krilla::surface::Surface;
use krilla::text::{Font, TextDirection};
use rustybuzz::UnicodeBuffer;

const REGULAR: &[u8] = include_bytes!("../assets/fonts/DejaVuSans.ttf");
const BOLD: &[u8] = include_bytes!("../assets/fonts/DejaVuSans-Bold.ttf");

/// Fallback fonts for what DejaVu Sans lacks (assets/fonts/noto/, SIL Open Font
/// Licence): the scripts most written in UK community groups, then emoji. A run of
/// text uses the first font that has its characters; CJK is not embedded (about 20 MB
/// a weight), see `system_fallback`.
const FALLBACK: &[&[u8]] = &[
    include_bytes!("../assets/fonts/noto/NotoSansArabic-Regular.ttf"),
    include_bytes!("../assets/fonts/noto/NotoSansBengali-Regular.ttf"),
    include_bytes!("../assets/fonts/noto/NotoSansDevanagari-Regular.ttf"),
    include_bytes!("../assets/fonts/noto/NotoSansGurmukhi-Regular.ttf"),
    include_bytes!("../assets/fonts/noto/NotoSansGujarati-Regular.ttf"),
    include_bytes!("../assets/fonts/noto/NotoSansTamil-Regular.ttf"),
    include_bytes!("../assets/fonts/noto/NotoSansSinhala-Regular.ttf"),
    include_bytes!("../assets/fonts/noto/NotoSansEthiopic-Regular.ttf"),
    include_bytes!("../assets/fonts/noto/NotoSansHebrew-Regular.ttf"),
    include_bytes!("../assets/fonts/noto/NotoSansThai-Regular.ttf"),
    include_bytes!("../assets/fonts/noto/NotoSansKhmer-Regular.ttf"),
    include_bytes!("../assets/fonts/noto/NotoSansMyanmar-Regular.ttf"),
    include_bytes!("../assets/fonts/noto/NotoSansGeorgian-Regular.ttf"),
    include_bytes!("../assets/fonts/noto/NotoSansArmenian-Regular.ttf"),
    include_bytes!("../assets/fonts/noto/NotoColorEmoji.ttf"),
];

/// Chinese, Japanese and Korean come from the server's own fonts when Debian's
/// fonts-noto-cjk is installed (read once, the first time a PDF needs them).
const SYSTEM_FALLBACK: &[(&str, u32)] = &[
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 0),
    ("/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc", 0),
];

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

/// A font both ways: for krilla to draw with, and for rustybuzz to shape, measure and
/// say which characters it has.
struct Face {
    font: Font,
    shaper: rustybuzz::Face<'static>,
}

impl Face {
    fn new(data: &'static [u8], index: u32) -> Option<Face> {
        Some(Face {
            shaper: rustybuzz::Face::from_slice(data, index)?,
            font: Font::new(data.into(), index)?,
        })
    }

    fn has(&self, c: char) -> bool {
        self.shaper.glyph_index(c).is_some_and(|g| g.0 != 0)
    }
}

struct Fonts {
    regular: Face,
    bold: Face,
    fallback: Vec<Face>,
}

fn fonts() -> &'static Fonts {
    static F: OnceLock<Fonts> = OnceLock::new();
    F.get_or_init(|| Fonts {
        regular: Face::new(REGULAR, 0).expect("embedded font loads"),
        bold: Face::new(BOLD, 0).expect("embedded font loads"),
        fallback: FALLBACK.iter().filter_map(|d| Face::new(d, 0)).collect(),
    })
}

/// The CJK font from the server's own fonts, if there is one.
fn system_fallback() -> Option<&'static Face> {
    static F: OnceLock<Option<Face>> = OnceLock::new();
    F.get_or_init(|| {
        SYSTEM_FALLBACK.iter().find_map(|(path, index)| {
            let data: &'static [u8] = Box::leak(std::fs::read(path).ok()?.into_boxed_slice());
            Face::new(data, *index)
        })
    })
    .as_ref()
}

impl Fonts {
    fn primary(&self, bold: bool) -> &Face {
        if bold { &self.bold } else { &self.regular }
    }

    /// The face for slot `i`: 0 is DejaVu (regular or bold), then the fallbacks, then
    /// the system's CJK font.
    fn face(&self, bold: bool, i: usize) -> &Face {
        match i {
            0 => self.primary(bold),
            i if i <= self.fallback.len() => &self.fallback[i - 1],
            _ => system_fallback().unwrap_or(self.primary(bold)),
        }
    }

    /// The first slot whose font has `c` (DejaVu when none has it, which draws a box).
    fn slot(&self, bold: bool, c: char) -> usize {
        if c.is_ascii() || self.primary(bold).has(c) {
            return 0;
        }
        if let Some(i) = self.fallback.iter().position(|f| f.has(c)) {
            return i + 1;
        }
        match system_fallback() {
            Some(f) if f.has(c) => self.fallback.len() + 1,
            _ => 0,
        }
    }

    /// `text` cut into runs that each one font draws. Marks, joiners, variation
    /// selectors and skin tones stay with the character before them, and a space
    /// between two words of one script stays in that script's run, so that shaping
    /// (Arabic joining, Indic conjuncts, emoji sequences) sees whole words and phrases.
    fn runs<'t>(&self, bold: bool, text: &'t str) -> Vec<(usize, &'t str)> {
        // A run is one font and one direction (Arabic and Hebrew read right to left;
        // each such run is shaped and drawn that way, runs stay in reading order).
        let key = |c: char| (self.slot(bold, c), right_to_left(c));
        let mut out: Vec<(usize, &'t str)> = Vec::new();
        let mut start = 0;
        let mut current = (0, false);
        // A space between two runs is a run of its own, so that it is not drawn at the
        // far end of a right-to-left run.
        let mut alone = false;
        let chars: Vec<(usize, char)> = text.char_indices().collect();
        for (n, &(i, c)) in chars.iter().enumerate() {
            let (k, own) = if i == 0 {
                (key(c), false)
            } else if sticks(c) {
                (current, alone)
            } else if c.is_whitespace() {
                let next = chars[n + 1..]
                    .iter()
                    .find(|(_, c)| !c.is_whitespace())
                    .map(|&(_, c)| key(c));
                if next == Some(current) && !alone {
                    (current, false)
                } else {
                    ((0, false), true)
                }
            } else {
                (key(c), false)
            };
            if i > 0 && (k != current || own != alone) {
                out.push((current.0, &text[start..i]));
                start = i;
            }
            current = k;
            alone = own;
        }
        if start < text.len() {
            out.push((current.0, &text[start..]));
        }
        out
    }
}

/// Letters of the scripts written right to left (Hebrew, Arabic, Syriac, Thaana, N'Ko
/// and their presentation forms).
fn right_to_left(c: char) -> bool {
    matches!(c as u32, 0x0590..=0x08FF | 0xFB1D..=0xFDFF | 0xFE70..=0xFEFF)
}

/// Characters that belong to the one before: combining marks, joiners, variation
/// selectors, emoji skin tones and tags.
fn sticks(c: char) -> bool {
    matches!(c as u32,
        0x0300..=0x036F | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x200C | 0x200D
        | 0x20D0..=0x20FF | 0xFE00..=0xFE0F | 0xFE20..=0xFE2F | 0x1F3FB..=0x1F3FF
        | 0xE0020..=0xE007F)
}

/// Width of `text` at `size` points, each run measured in the font that draws it.
fn width(bold: bool, text: &str, size: f32) -> f32 {
    let f = fonts();
    f.runs(bold, text)
        .into_iter()
        .map(|(slot, run)| run_width(f.face(bold, slot), run, size))
        .sum()
}

fn run_width(face: &Face, text: &str, size: f32) -> f32 {
    let mut buffer = UnicodeBuffer::new();
    buffer.push_str(text);
    buffer.guess_segment_properties();
    let shaped = rustybuzz::shape(&face.shaper, &[], buffer);
    let units: i32 = shaped.glyph_positions().iter().map(|p| p.x_advance).sum();
    units as f32 * size / face.shaper.units_per_em() as f32
}

/// Break `text` into lines no wider than `max` points (a long word gets a line of its own).
pub fn wrap(bold: bool, text: &str, size: f32, max: f32) -> Vec<String> {
    wrap_spans(&[Span::plain(bold, text)], size, max)
        .into_iter()
        .map(|line| line.into_iter().map(|s| s.text).collect())
        .collect()
}

/// A stretch of text, bold or not. A `\n` in it starts a new line.
#[derive(Debug, Clone, PartialEq)]
pub struct Span {
    pub bold: bool,
    pub text: String,
}

impl Span {
    pub fn plain(bold: bool, text: &str) -> Span {
        Span {
            bold,
            text: text.to_string(),
        }
    }
}

/// Break spans into lines no wider than `max`: each line a list of spans (words of
/// the same weight joined, with the spaces between them).
fn wrap_spans(spans: &[Span], size: f32, max: f32) -> Vec<Vec<Span>> {
    let mut lines: Vec<Vec<Span>> = Vec::new();
    let mut line: Vec<Span> = Vec::new();
    let mut used = 0.0;
    let space = width(false, " ", size);
    // Was there white space after the last word (so the next word is a new word, not
    // the rest of this one: "**money**." stays "money.")?
    let mut spaced = false;
    for s in spans {
        for (n, piece) in s.text.split('\n').enumerate() {
            if n > 0 {
                if !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                }
                used = 0.0;
            }
            spaced |= piece.starts_with(char::is_whitespace);
            for word in piece.split_whitespace() {
                let w = width(s.bold, word, size);
                let mut gap = if line.is_empty() || !spaced {
                    0.0
                } else {
                    space
                };
                if !line.is_empty() && used + gap + w > max {
                    lines.push(std::mem::take(&mut line));
                    used = 0.0;
                    gap = 0.0;
                }
                let text = if gap == 0.0 {
                    word.to_string()
                } else {
                    format!(" {word}")
                };
                used += gap + w;
                match line.last_mut() {
                    Some(last) if last.bold == s.bold => last.text.push_str(&text),
                    _ => line.push(Span { bold: s.bold, text }),
                }
                spaced = true;
            }
            if piece.split_whitespace().next().is_some() {
                spaced = piece.ends_with(char::is_whitespace);
            }
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

/// Draw `s` from (x, baseline y), each run in the font that has its characters;
/// returns its width.
fn text(surface: &mut Surface, bold: bool, size: f32, x0: f32, y: f32, s: &str) -> f32 {
    let f = fonts();
    let mut x = x0;
    for (slot, run) in f.runs(bold, s) {
        let face = f.face(bold, slot);
        surface.draw_text(
            Point::from_xy(x, y),
            face.font.clone(),
            size,
            run,
            false,
            TextDirection::Auto,
        );
        x += run_width(face, run, size);
    }
    x - x0
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

fn draw_card(surface: &mut Surface, deck_title: &str, card: &PdfCard, x0: f32, y0: f32) {
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
    let theme_lines = wrap(true, &card.theme, 15.0, inner);
    text(
        surface,
        true,
        15.0,
        x0 + MARGIN,
        y0 + 27.0,
        theme_lines.first().map(String::as_str).unwrap_or(""),
    );
    if !card.keywords.is_empty() {
        let kw = wrap(false, &card.keywords, 10.0, inner);
        text(
            surface,
            false,
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
        .map(|p| wrap(false, p, 9.5, inner))
        .unwrap_or_default();
    let prompt_h = if prompt_lines.is_empty() {
        0.0
    } else {
        prompt_lines.len() as f32 * 13.0 + 10.0
    };
    let room = CARD_H - band_h - footer_h - prompt_h - 2.0 * MARGIN;
    let mut size = 18.0;
    let mut lines = wrap(true, &card.text, size, inner);
    while lines.len() as f32 * size * 1.3 > room && size > 9.0 {
        size -= 1.0;
        lines = wrap(true, &card.text, size, inner);
    }
    fill(surface, rgb::Color::new(11, 12, 12));
    let mut y = y0 + band_h + MARGIN + size;
    for l in &lines {
        text(surface, true, size, x0 + MARGIN, y, l);
        y += size * 1.3;
    }
    if !prompt_lines.is_empty() {
        fill(surface, rgb::Color::new(72, 73, 73));
        let mut py = y0 + CARD_H - footer_h - prompt_h + 10.0;
        for l in &prompt_lines {
            text(surface, false, 9.5, x0 + MARGIN, py, l);
            py += 13.0;
        }
    }
    // Footer: the deck's title.
    fill(surface, rgb::Color::new(72, 73, 73));
    let footer = wrap(false, &deck_title.to_uppercase(), 8.0, inner);
    text(
        surface,
        false,
        8.0,
        x0 + MARGIN,
        y0 + CARD_H - 16.0,
        footer.first().map(String::as_str).unwrap_or(""),
    );
}

/// A PDF of `cards`, four to an A4 page.
pub fn deck_pdf(deck_title: &str, cards: &[PdfCard]) -> anyhow::Result<Vec<u8>> {
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
            draw_card(&mut surface, deck_title, card, x0, y0);
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
    /// A paragraph with bold parts (notes written in Markdown).
    Rich(Vec<Span>),
    /// A list item with bold parts: its marker ("•", "3."), how deep it is (0 = top).
    Item {
        marker: String,
        depth: usize,
        spans: Vec<Span>,
    },
}

/// One line placed on a page.
struct Placed {
    size: f32,
    x: f32,
    /// Baseline.
    y: f32,
    grey: bool,
    spans: Vec<Span>,
}

const DOC_MARGIN: f32 = 56.0;

/// How a block is set: size, indent, gap above, grey?, its spans, a marker hung in
/// the indent.
fn set(b: &Block) -> (f32, f32, f32, bool, Cow<'_, [Span]>, Option<&str>) {
    let one = |bold: bool, t: &str| Cow::Owned(vec![Span::plain(bold, t)]);
    match b {
        Block::Title(t) => (20.0, 0.0, 0.0, false, one(true, t), None),
        Block::Heading(t) => (14.0, 0.0, 14.0, false, one(true, t), None),
        Block::Label(t) => (10.5, 0.0, 6.0, false, one(true, t), None),
        Block::Meta(t) => (9.5, 0.0, 3.0, true, one(false, t), None),
        Block::Para(t) => (10.5, 0.0, 5.0, false, one(false, t), None),
        Block::Bullet(t) => (10.5, 14.0, 2.0, false, one(false, t), Some("•")),
        Block::Rich(spans) => (10.5, 0.0, 5.0, false, Cow::Borrowed(spans.as_slice()), None),
        Block::Item {
            marker,
            depth,
            spans,
        } => (
            10.5,
            14.0 + 16.0 * (*depth).min(4) as f32 + if marker.ends_with('.') { 6.0 } else { 0.0 },
            2.0,
            false,
            Cow::Borrowed(spans.as_slice()),
            (!marker.is_empty()).then_some(marker.as_str()),
        ),
    }
}

/// Lay blocks out on A4 pages, top to bottom.
fn layout(blocks: &[Block]) -> Vec<Vec<Placed>> {
    let m = DOC_MARGIN;
    let inner = PAGE_W - 2.0 * m;
    let mut pages: Vec<Vec<Placed>> = vec![Vec::new()];
    let mut y = m;
    for b in blocks {
        let (size, indent, gap, grey, spans, marker) = set(b);
        for (i, mut l) in wrap_spans(&spans, size, inner - indent)
            .into_iter()
            .enumerate()
        {
            let mut x = indent;
            if let (Some(mk), 0) = (marker, i) {
                let hung = Span::plain(false, &format!("{mk}\u{a0}"));
                x = indent - width(false, &hung.text, size);
                l.insert(0, hung);
            }
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
                p.push(Placed {
                    size,
                    x: m + x,
                    y: y - size * 0.3,
                    grey,
                    spans: l,
                });
            }
        }
    }
    pages
}

/// A flowing A4 document: blocks laid out top to bottom, new pages as needed, page
/// numbers in the footer.
pub fn document_pdf(title: &str, blocks: &[Block]) -> anyhow::Result<Vec<u8>> {
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
        for l in page_lines {
            let shade = if l.grey { 80 } else { 20 };
            fill(&mut surface, rgb::Color::new(shade, shade, shade));
            let mut x = l.x;
            for s in &l.spans {
                x += text(&mut surface, s.bold, l.size, x, l.y, &s.text);
            }
        }
        fill(&mut surface, rgb::Color::new(80, 80, 80));
        let footer = format!("{title} — page {} of {count}", n + 1);
        text(
            &mut surface,
            false,
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
            false,
            "Who looks after the tools, and where do they live when nobody is using them?",
            18.0,
            200.0,
        );
        assert!(lines.len() > 1);
        for l in &lines {
            assert!(width(false, l, 18.0) <= 200.0 || !l.contains(' '), "{l}");
        }
        assert_eq!(
            lines.join(" "),
            "Who looks after the tools, and where do they live when nobody is using them?"
        );
    }

    #[test]
    fn each_script_is_drawn_by_a_font_that_has_it() {
        let f = fonts();
        let runs = f.runs(false, "Hello 👍🏽 নমস্কার বন্ধু and مرحبا بكم ok");
        let names: Vec<(usize, &str)> = runs.clone();
        let emoji = FALLBACK.len();
        let bengali = 2;
        assert_eq!(
            names,
            vec![
                (0, "Hello"),
                (0, " "),
                (emoji, "👍🏽"),
                (0, " "),
                (bengali, "নমস্কার বন্ধু"),
                (0, " "),
                (0, "and"),
                (0, " "),
                (0, "مرحبا بكم"),
                (0, " "),
                (0, "ok"),
            ],
        );
        // Shaped widths: a joined Arabic word is narrower than its letters apart.
        assert!(width(false, "مرحبا", 10.0) < width(false, "م ر ح ب ا", 10.0));
        assert!(width(false, "👍🏽", 10.0) <= width(false, "👍", 10.0) + 0.1);
    }

    #[test]
    fn bold_and_plain_join_without_a_space_unless_one_was_typed() {
        let spans = [
            Span::plain(false, "We agreed the "),
            Span::plain(true, "money"),
            Span::plain(false, ". Then"),
            Span::plain(true, " the hall"),
        ];
        let lines = wrap_spans(&spans, 10.0, 1000.0);
        let text: String = lines[0].iter().map(|s| s.text.as_str()).collect();
        assert_eq!(text, "We agreed the money. Then the hall");
        let lines = wrap_spans(&[Span::plain(false, "one\ntwo\n\nthree")], 10.0, 1000.0);
        assert_eq!(lines.len(), 3);
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
            for l in p {
                assert!(l.y <= PAGE_H - DOC_MARGIN && l.y >= DOC_MARGIN + l.size * 0.5);
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
