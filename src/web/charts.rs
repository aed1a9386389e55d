//! Charts drawn on the server as SVG: grouped score bars, stacked answer bars and a
//! trend line. No script and no inline styles (our CSP allows neither); colours are
//! attributes. Each chart carries a `<title>` and `<desc>`, and every page that shows
//! one also shows the same numbers as a table and a sentence, so nothing is only visual.

use std::fmt::Write;

/// Colours for groups (organisations) and lines: dark enough for 4.5:1 on white.
pub const GROUP_COLOURS: [&str; 7] = [
    "#1d4f91", "#b54a00", "#00734d", "#7a3e9d", "#5c5c5c", "#a1143b", "#006d77",
];

/// Dash patterns, so lines differ by more than colour.
const DASHES: [&str; 4] = ["", "7 4", "2 4", "10 4 2 4"];

/// The charts of one round's results page: drawn once per change of its answers and
/// kept with the results (`web/instruments.rs`), since every member sees the same.
#[derive(Debug, Clone, Default)]
pub struct ResultCharts {
    /// Score bars for the scored sections (empty when there are none).
    pub score: String,
    /// The highest and lowest scores, in words.
    pub summary: String,
    /// Per item key, its stacked answer bars (without a legend of their own).
    pub items: std::collections::HashMap<String, String>,
    /// Per section key, the legend its items' bars share (one per scale it uses).
    pub legends: std::collections::HashMap<String, Vec<String>>,
    /// Per unscored two-question section (the spectrum): where each group is now and
    /// wants to be.
    pub positions: std::collections::HashMap<String, String>,
}

/// A named series of 0–100 values (None: no value).
#[derive(Debug, Clone)]
pub struct Series {
    pub name: String,
    pub values: Vec<Option<i64>>,
}

/// One segment of a stacked bar: (share in %, label, fill colour).
pub type Segment = (i64, String, &'static str);

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Shorten a label to fit beside a bar.
fn fit(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// The dark text colour `text_on` gives on light fills.
const DARK_TEXT: &str = "#0b0c0c";

/// White or near-black text, whichever reads better on `fill` (the one rule in
/// `domain::colour`).
pub fn text_on(fill: &str) -> &'static str {
    crate::domain::colour::text_on(fill).hex()
}

fn open(out: &mut String, id: &str, width: i64, height: i64, title: &str, desc: &str) {
    let _ = write!(
        out,
        r#"<svg class="chart" id="{id}" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" aria-labelledby="{id}-t {id}-d" font-family="inherit" font-size="13"><title id="{id}-t">{}</title><desc id="{id}-d">{}</desc>"#,
        esc(title),
        esc(desc)
    );
}

/// Horizontal bars of 0–100 scores: for each category, one bar per series.
pub fn score_bars(
    id: &str,
    title: &str,
    desc: &str,
    categories: &[String],
    series: &[Series],
) -> String {
    let (label_w, bar_x, bar_w, row_h, head_h) = (190, 200, 380, 18, 24);
    let per_cat = head_h + row_h * series.len() as i64 + 10;
    let height = 24 + per_cat * categories.len() as i64;
    let width = bar_x + bar_w + 50;
    let mut out = String::new();
    open(&mut out, id, width, height, title, desc);
    // Scale marks.
    for tick in [0, 25, 50, 75, 100] {
        let x = bar_x + bar_w * tick / 100;
        let _ = write!(
            out,
            r##"<line x1="{x}" y1="18" x2="{x}" y2="{height}" stroke="#d0d0d0" stroke-width="1"/><text x="{x}" y="13" text-anchor="middle" fill="#444444">{tick}</text>"##
        );
    }
    for (ci, cat) in categories.iter().enumerate() {
        let top = 24 + per_cat * ci as i64;
        let _ = write!(
            out,
            r##"<text x="0" y="{}" font-weight="bold" fill="#1a1a1a">{}</text>"##,
            top + 15,
            esc(&fit(cat, 60))
        );
        for (si, s) in series.iter().enumerate() {
            let y = top + head_h + row_h * si as i64;
            let colour = GROUP_COLOURS[si % GROUP_COLOURS.len()];
            let _ = write!(
                out,
                r##"<text x="{}" y="{}" text-anchor="end" fill="#1a1a1a">{}</text>"##,
                label_w,
                y + 12,
                esc(&fit(&s.name, 26))
            );
            match s.values.get(ci).copied().flatten() {
                Some(v) => {
                    let w = (bar_w * v.clamp(0, 100) / 100).max(1);
                    let _ = write!(
                        out,
                        r##"<rect x="{bar_x}" y="{}" width="{w}" height="{}" fill="{colour}"/><text x="{}" y="{}" fill="#1a1a1a">{v}</text>"##,
                        y + 2,
                        row_h - 4,
                        bar_x + w + 5,
                        y + 12
                    );
                }
                None => {
                    let _ = write!(
                        out,
                        r##"<text x="{}" y="{}" fill="#444444">no score</text>"##,
                        bar_x + 5,
                        y + 12
                    );
                }
            }
        }
    }
    out.push_str("</svg>");
    out
}

/// The colours of a set of answers and what each means, as its own small drawing: one
/// legend shared by every chart of a section.
pub fn legend(id: &str, title: &str, entries: &[(String, &'static str)]) -> String {
    let per_line = 3;
    let rows = (entries.len() as i64 + per_line - 1) / per_line;
    let (width, height) = (630, rows * 20 + 4);
    let mut out = String::new();
    let words: Vec<&str> = entries.iter().map(|(l, _)| l.as_str()).collect();
    open(&mut out, id, width, height, title, &words.join(", "));
    legend_entries(&mut out, entries, 0, 0, per_line, 210);
    out.push_str("</svg>");
    out
}

fn legend_entries(
    out: &mut String,
    entries: &[(String, &'static str)],
    left: i64,
    top: i64,
    per_line: i64,
    col_w: i64,
) {
    for (i, (label, colour)) in entries.iter().enumerate() {
        let x = left + (i as i64 % per_line) * col_w;
        let y = top + (i as i64 / per_line) * 20;
        let _ = write!(
            out,
            r##"<rect x="{x}" y="{}" width="12" height="12" fill="{colour}" stroke="#767676" stroke-width="0.5"/><text x="{}" y="{}" fill="#1a1a1a">{}</text>"##,
            y + 2,
            x + 17,
            y + 12,
            esc(&fit(label, 30))
        );
    }
}

/// Stacked 100% bars, one row per group, with a legend underneath unless the page
/// shows one shared legend (`with_legend` false).
pub fn stacked(
    id: &str,
    title: &str,
    desc: &str,
    rows: &[(String, Vec<Segment>)],
    with_legend: bool,
) -> String {
    let (label_w, bar_x, bar_w, row_h) = (150, 160, 460, 26);
    let legend: Vec<(String, &'static str)> = rows
        .first()
        .filter(|_| with_legend)
        .map(|(_, segs)| segs.iter().map(|(_, l, c)| (l.clone(), *c)).collect())
        .unwrap_or_default();
    let per_line = 2;
    let legend_rows = (legend.len() as i64 + per_line - 1) / per_line;
    let height = row_h * rows.len() as i64 + 8 + legend_rows * 20;
    let width = bar_x + bar_w + 10;
    let mut out = String::new();
    open(&mut out, id, width, height, title, desc);
    // Names, bars and their labels each go in one group that carries what they share
    // (anchor, outline, text colour): the results page draws hundreds of them.
    let (mut names, mut bars, mut labels) = (String::new(), String::new(), String::new());
    for (ri, (name, segs)) in rows.iter().enumerate() {
        let y = row_h * ri as i64;
        let _ = write!(
            names,
            r##"<text x="{label_w}" y="{}">{}</text>"##,
            y + 17,
            esc(&fit(name, 22))
        );
        let total: i64 = segs.iter().map(|s| s.0).sum();
        if total == 0 {
            let _ = write!(
                out,
                r##"<rect x="{bar_x}" y="{}" width="{bar_w}" height="{}" fill="#ffffff" stroke="#767676"/><text x="{}" y="{}" fill="#444444">no answers</text>"##,
                y + 3,
                row_h - 6,
                bar_x + 6,
                y + 17
            );
            continue;
        }
        let mut x = bar_x;
        let mut acc = 0;
        for (pct, _, colour) in segs {
            if *pct <= 0 {
                continue;
            }
            acc += pct;
            // Segments end where the running total says, so rounding never leaves a gap.
            let end = bar_x + bar_w * acc.min(total) / total;
            let w = end - x;
            let _ = write!(
                bars,
                r##"<rect x="{x}" y="{}" width="{w}" height="{}" fill="{colour}"/>"##,
                y + 3,
                row_h - 6
            );
            if w >= 34 {
                let fill = match text_on(colour) {
                    DARK_TEXT => String::new(),
                    other => format!(r#" fill="{other}""#),
                };
                let _ = write!(
                    labels,
                    r##"<text x="{}" y="{}"{fill}>{pct}%</text>"##,
                    x + w / 2,
                    y + 17,
                );
            }
            x = end;
        }
    }
    let _ = write!(
        out,
        r##"<g text-anchor="end" fill="#1a1a1a">{names}</g><g stroke="#ffffff">{bars}</g><g text-anchor="middle" fill="{DARK_TEXT}">{labels}</g>"##
    );
    let top = row_h * rows.len() as i64 + 8;
    legend_entries(&mut out, &legend, bar_x, top, per_line, 230);
    out.push_str("</svg>");
    out
}

/// Lines over rounds (x: one point per label), 0–100, with a legend underneath.
pub fn trend(id: &str, title: &str, desc: &str, xlabels: &[String], series: &[Series]) -> String {
    let (left, top, plot_w, plot_h) = (40, 10, 540, 220);
    let legend_top = top + plot_h + 40;
    let height = legend_top + 20 * series.len() as i64 + 4;
    let width = left + plot_w + 30;
    let mut out = String::new();
    open(&mut out, id, width, height, title, desc);
    for tick in [0, 25, 50, 75, 100] {
        let y = top + plot_h - plot_h * tick / 100;
        let _ = write!(
            out,
            r##"<line x1="{left}" y1="{y}" x2="{}" y2="{y}" stroke="#d0d0d0"/><text x="{}" y="{}" text-anchor="end" fill="#444444">{tick}</text>"##,
            left + plot_w,
            left - 6,
            y + 4
        );
    }
    let n = xlabels.len().max(1) as i64;
    let x_at = |i: usize| -> i64 {
        if n == 1 {
            left + plot_w / 2
        } else {
            left + 20 + (plot_w - 40) * i as i64 / (n - 1)
        }
    };
    for (i, l) in xlabels.iter().enumerate() {
        let _ = write!(
            out,
            r##"<text x="{}" y="{}" text-anchor="middle" fill="#1a1a1a">{}</text>"##,
            x_at(i),
            top + plot_h + 20,
            esc(&fit(l, 18))
        );
    }
    for (si, s) in series.iter().enumerate() {
        let colour = GROUP_COLOURS[si % GROUP_COLOURS.len()];
        let dash = DASHES[si % DASHES.len()];
        let pts: Vec<(i64, i64)> = s
            .values
            .iter()
            .enumerate()
            .filter_map(|(i, v)| {
                v.map(|v| (x_at(i), top + plot_h - plot_h * v.clamp(0, 100) / 100))
            })
            .collect();
        if pts.len() > 1 {
            let d: Vec<String> = pts.iter().map(|(x, y)| format!("{x},{y}")).collect();
            let _ = write!(
                out,
                r##"<polyline points="{}" fill="none" stroke="{colour}" stroke-width="2.5"{}/>"##,
                d.join(" "),
                if dash.is_empty() {
                    String::new()
                } else {
                    format!(r#" stroke-dasharray="{dash}""#)
                }
            );
        }
        for (x, y) in &pts {
            let _ = write!(
                out,
                r##"<circle cx="{x}" cy="{y}" r="4" fill="{colour}"/>"##
            );
        }
        let ly = legend_top + 20 * si as i64;
        let _ = write!(
            out,
            r##"<line x1="{left}" y1="{}" x2="{}" y2="{}" stroke="{colour}" stroke-width="2.5"{}/><text x="{}" y="{}" fill="#1a1a1a">{}</text>"##,
            ly + 6,
            left + 30,
            ly + 6,
            if dash.is_empty() {
                String::new()
            } else {
                format!(r#" stroke-dasharray="{dash}""#)
            },
            left + 38,
            ly + 10,
            esc(&s.name)
        );
    }
    out.push_str("</svg>");
    out
}

/// One group's answers to two questions on a scale of named points (the spectrum's
/// "now" and "wanted"): how many chose each point, and the average of each.
pub struct PositionRow {
    pub name: String,
    /// Per question, a count per tick.
    pub counts: [Vec<i64>; 2],
    /// Per question, the average position (0–100), None when nobody chose a point.
    pub means: [Option<i64>; 2],
}

/// Where people put themselves on a scale of named points, two questions per group
/// in two lanes: at each point a dot sized by how many chose it, with the number
/// beside it (filled for the first question, a ring for the second), and a short
/// upright bar at each average. The dots show the spread, so an average falling
/// between two points nobody chose is never the only thing drawn. `ticks` are
/// (position 0–100, label).
pub fn positions(
    id: &str,
    title: &str,
    desc: &str,
    ticks: &[(i64, String)],
    legend: [&str; 2],
    rows: &[PositionRow],
) -> String {
    let (label_w, plot_x, plot_w, row_h, top) = (150, 180, 400, 56, 30);
    let n = rows.len() as i64;
    let height = top + row_h * n + 70;
    let width = plot_x + plot_w + 60;
    let lo = ticks.iter().map(|t| t.0).min().unwrap_or(0);
    let hi = ticks.iter().map(|t| t.0).max().unwrap_or(100).max(lo + 1);
    let x_of = |v: i64| plot_x + plot_w * (v.clamp(lo, hi) - lo) / (hi - lo);
    // Dot sizes are comparable across the whole chart: area follows the count.
    let most = rows
        .iter()
        .flat_map(|r| r.counts.iter().flatten())
        .copied()
        .max()
        .unwrap_or(1)
        .max(1);
    let radius = |c: i64| 3.0 + 7.0 * (c as f64 / most as f64).sqrt();
    let mut out = String::new();
    open(&mut out, id, width, height, title, desc);
    for (v, label) in ticks {
        let x = x_of(*v);
        let _ = write!(
            out,
            r##"<line x1="{x}" y1="{}" x2="{x}" y2="{}" stroke="#d0d0d0"/><text x="{x}" y="16" text-anchor="middle" fill="#1a1a1a">{}</text>"##,
            top - 6,
            top + row_h * n,
            esc(&fit(label, 16))
        );
    }
    let colours = ["#1d4f91", "#b54a00"];
    for (ri, row) in rows.iter().enumerate() {
        let y0 = top + row_h * ri as i64;
        if ri > 0 {
            let _ = write!(
                out,
                r##"<line x1="{label_w}" y1="{y0}" x2="{}" y2="{y0}" stroke="#eeeeee"/>"##,
                plot_x + plot_w + 40
            );
        }
        let _ = write!(
            out,
            r##"<text x="{label_w}" y="{}" text-anchor="end" fill="#1a1a1a">{}</text>"##,
            y0 + row_h / 2 + 4,
            esc(&fit(&row.name, 22))
        );
        for (q, (colour, (counts, mean))) in colours
            .iter()
            .zip(row.counts.iter().zip(row.means))
            .enumerate()
        {
            let y = y0 + 16 + 24 * q as i64;
            for ((v, _), c) in ticks.iter().zip(counts) {
                if *c == 0 {
                    continue;
                }
                let (x, r) = (x_of(*v), radius(*c));
                let fill = if q == 0 { colour } else { "#ffffff" };
                let _ = write!(
                    out,
                    r##"<circle cx="{x}" cy="{y}" r="{r:.1}" fill="{fill}" stroke="{colour}" stroke-width="{}"/><text x="{:.0}" y="{}" fill="#1a1a1a" font-size="12">{c}</text>"##,
                    if q == 0 { 0 } else { 3 },
                    x as f64 + r + 3.0,
                    y + 4
                );
            }
            if let Some(m) = mean {
                let x = x_of(m);
                let _ = write!(
                    out,
                    r##"<line x1="{x}" y1="{}" x2="{x}" y2="{}" stroke="#1a1a1a" stroke-width="3"/>"##,
                    y - 11,
                    y + 11
                );
            }
        }
    }
    let ly = top + row_h * n + 18;
    let _ = write!(
        out,
        r##"<circle cx="{plot_x}" cy="{ly}" r="6" fill="{}"/><text x="{}" y="{}" fill="#1a1a1a">{}</text><circle cx="{plot_x}" cy="{}" r="6" fill="#ffffff" stroke="{}" stroke-width="3"/><text x="{}" y="{}" fill="#1a1a1a">{}</text><line x1="{plot_x}" y1="{}" x2="{plot_x}" y2="{}" stroke="#1a1a1a" stroke-width="3"/><text x="{}" y="{}" fill="#1a1a1a">The average; a bigger dot means more people chose that point</text>"##,
        colours[0],
        plot_x + 12,
        ly + 4,
        esc(&fit(legend[0], 60)),
        ly + 20,
        colours[1],
        plot_x + 12,
        ly + 24,
        esc(&fit(legend[1], 60)),
        ly + 32,
        ly + 48,
        plot_x + 12,
        ly + 44,
    );
    out.push_str("</svg>");
    out
}

/// A word cloud: the most common words biggest, laid out in centred rows, the
/// biggest row in the middle. Widths are estimated from the character count (the
/// page's font is not known here), with room to spare. `words` come most common
/// first: (word, count).
pub fn word_cloud(id: &str, title: &str, words: &[(String, i64)]) -> String {
    let width = 900i64;
    let most = words.iter().map(|w| w.1).max().unwrap_or(1).max(1);
    let size = |c: i64| 18.0 + 46.0 * (c as f64 / most as f64).sqrt();
    // Rows filled in order, most common first.
    let mut rows: Vec<Vec<(usize, f64, f64)>> = Vec::new();
    let mut used = 0.0;
    for (i, (w, c)) in words.iter().enumerate() {
        let s = size(*c);
        let w_px = s * 0.6 * w.chars().count() as f64 + s * 0.8;
        if rows.is_empty() || used + w_px > width as f64 - 20.0 {
            rows.push(Vec::new());
            used = 0.0;
        }
        rows.last_mut()
            .expect("a row was pushed")
            .push((i, s, w_px));
        used += w_px;
    }
    // The first (biggest) row in the middle, the others alternately above and below.
    let mut order: Vec<usize> = Vec::new();
    for r in 0..rows.len() {
        if r % 2 == 0 {
            order.push(r);
        } else {
            order.insert(0, r);
        }
    }
    let heights: Vec<f64> = order
        .iter()
        .map(|&r| rows[r].iter().map(|x| x.1).fold(0.0, f64::max) * 1.25)
        .collect();
    let height = (heights.iter().sum::<f64>() + 20.0).max(60.0) as i64;
    let desc = words
        .iter()
        .map(|(w, c)| format!("{w}: {c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut out = String::new();
    open(&mut out, id, width, height, title, &desc);
    if words.is_empty() {
        let _ = write!(
            out,
            r##"<text x="{}" y="36" text-anchor="middle" fill="#505a5f">No words yet</text>"##,
            width / 2
        );
    }
    let mut y = 10.0;
    for (&r, h) in order.iter().zip(&heights) {
        let row_w: f64 = rows[r].iter().map(|x| x.2).sum();
        let mut x = (width as f64 - row_w) / 2.0;
        for &(i, s, w_px) in &rows[r] {
            let _ = write!(
                out,
                r##"<text x="{:.0}" y="{:.0}" text-anchor="middle" font-size="{s:.0}" font-weight="bold" fill="{}">{}</text>"##,
                x + w_px / 2.0,
                y + h * 0.78,
                GROUP_COLOURS[i % GROUP_COLOURS.len()],
                esc(&words[i].0)
            );
            x += w_px;
        }
        y += h;
    }
    out.push_str("</svg>");
    out
}

/// A two-by-two grid: each placement of an option a small dot (numbered by option),
/// each option's average a ring with its number and name, the middle lines dividing
/// the four quarters, and the two scales named on their axes. `points` is the top of
/// each scale (from 1).
pub fn grid(
    id: &str,
    title: &str,
    desc: &str,
    axes: [&str; 2],
    points: i64,
    places: &[crate::domain::live::Place],
) -> String {
    let (left, top, side) = (70i64, 20i64, 460i64);
    let width = left + side + 300;
    let height = top + side + 60;
    let span = (points - 1).max(1) as f64;
    let px = |v: f64| left as f64 + (v - 1.0) / span * side as f64;
    let py = |v: f64| (top + side) as f64 - (v - 1.0) / span * side as f64;
    let mut out = String::new();
    open(&mut out, id, width, height, title, desc);
    let _ = write!(
        out,
        r##"<rect x="{left}" y="{top}" width="{side}" height="{side}" fill="#ffffff" stroke="#505a5f"/><line x1="{m}" y1="{top}" x2="{m}" y2="{b}" stroke="#b1b4b6" stroke-dasharray="6 4"/><line x1="{left}" y1="{mh}" x2="{r}" y2="{mh}" stroke="#b1b4b6" stroke-dasharray="6 4"/>"##,
        m = left + side / 2,
        b = top + side,
        mh = top + side / 2,
        r = left + side
    );
    let _ = write!(
        out,
        r##"<text x="{}" y="{}" text-anchor="middle" fill="#1a1a1a">{} (low to high) →</text><text transform="translate(24 {}) rotate(-90)" text-anchor="middle" fill="#1a1a1a">{} (low to high) →</text>"##,
        left + side / 2,
        top + side + 36,
        esc(&fit(axes[0], 40)),
        top + side / 2,
        esc(&fit(axes[1], 40))
    );
    for (n, p) in places.iter().enumerate() {
        let colour = GROUP_COLOURS[n % GROUP_COLOURS.len()];
        for (x, y) in &p.points {
            let _ = write!(
                out,
                r##"<circle cx="{:.0}" cy="{:.0}" r="4" fill="{colour}" fill-opacity="0.45"/>"##,
                px(*x as f64) + ((n as f64 * 7.0) % 11.0) - 5.0,
                py(*y as f64) + ((n as f64 * 5.0) % 9.0) - 4.0
            );
        }
    }
    for (n, p) in places.iter().enumerate() {
        let colour = GROUP_COLOURS[n % GROUP_COLOURS.len()];
        if let Some((x, y)) = p.mean() {
            let _ = write!(
                out,
                r##"<circle cx="{:.0}" cy="{:.0}" r="13" fill="#ffffff" stroke="{colour}" stroke-width="3"/><text x="{:.0}" y="{:.0}" text-anchor="middle" font-weight="bold" fill="{colour}">{}</text>"##,
                px(x),
                py(y),
                px(x),
                py(y) + 5.0,
                n + 1
            );
        }
        let _ = write!(
            out,
            r##"<text x="{}" y="{}" fill="{colour}" font-weight="bold">{}. {}</text>"##,
            left + side + 20,
            top + 16 + 22 * n as i64,
            n + 1,
            esc(&fit(&p.label, 34))
        );
    }
    out.push_str("</svg>");
    out
}

/// The risk heat map: a five by five grid, likelihood across (1 to 5, left to right) and
/// impact up (1 to 5, bottom to top), each cell tinted by its band and naming it in
/// words, with how many open risks sit there. `cells[impact - 1][likelihood - 1]`.
pub fn heat_map(id: &str, title: &str, desc: &str, cells: &[[usize; 5]; 5]) -> String {
    use crate::domain::file::{Band, IMPACT, LIKELIHOOD};
    let (left, top, cell) = (150i64, 10i64, 84i64);
    let width = left + cell * 5 + 10;
    let height = top + cell * 5 + 70;
    let mut out = String::new();
    open(&mut out, id, width, height, title, desc);
    for (i, row) in cells.iter().enumerate() {
        let impact = i as i64 + 1;
        let y = top + (5 - impact) * cell;
        for (l, count) in row.iter().enumerate() {
            let likelihood = l as i64 + 1;
            let x = left + (likelihood - 1) * cell;
            let band = Band::of(impact * likelihood);
            let ink = text_on(band.fill());
            let _ = write!(
                out,
                r##"<rect x="{x}" y="{y}" width="{cell}" height="{cell}" fill="{}" stroke="#ffffff" stroke-width="2"/><text x="{}" y="{}" text-anchor="middle" font-size="12" fill="{ink}">{}</text>"##,
                band.fill(),
                x + cell / 2,
                y + cell - 10,
                band.label()
            );
            if *count > 0 {
                let _ = write!(
                    out,
                    r##"<text x="{}" y="{}" text-anchor="middle" font-size="26" font-weight="bold" fill="{ink}">{count}</text>"##,
                    x + cell / 2,
                    y + cell / 2 + 4
                );
            }
        }
        let _ = write!(
            out,
            r##"<text x="{}" y="{}" text-anchor="end" fill="#1a1a1a">{} ({impact})</text>"##,
            left - 8,
            y + cell / 2 + 4,
            esc(IMPACT[i])
        );
    }
    for (l, label) in LIKELIHOOD.iter().enumerate() {
        let x = left + l as i64 * cell + cell / 2;
        let _ = write!(
            out,
            r##"<text x="{x}" y="{}" text-anchor="middle" font-size="11" fill="#1a1a1a">{}</text><text x="{x}" y="{}" text-anchor="middle" font-size="11" fill="#1a1a1a">({})</text>"##,
            top + cell * 5 + 18,
            esc(label),
            top + cell * 5 + 32,
            l + 1
        );
    }
    let _ = write!(
        out,
        r##"<text x="{}" y="{}" text-anchor="middle" font-weight="bold" fill="#1a1a1a">Likelihood →</text><text transform="translate(14 {}) rotate(-90)" text-anchor="middle" font-weight="bold" fill="#1a1a1a">Impact →</text>"##,
        left + cell * 5 / 2,
        top + cell * 5 + 56,
        top + cell * 5 / 2
    );
    out.push_str("</svg>");
    out
}

/// A stakeholder placed on the map: its number in the table beside it, its name (a
/// tooltip), where it is, its stance (a key of `domain::file::STANCES`), and where it
/// was on the chosen day if it has moved since.
pub struct MapPoint {
    pub number: usize,
    pub name: String,
    pub influence: i64,
    pub interest: i64,
    pub stance: &'static str,
    pub from: Option<(i64, i64)>,
}

/// Fill and outline of a stance's dot: colour is never the only sign (the table beside
/// the map names each stance, and "not known" is hollow and dashed).
pub fn stance_fill(stance: &str) -> (&'static str, &'static str) {
    match stance {
        "supportive" => ("#00703c", "#ffffff"),
        "neutral" => ("#505a5f", "#ffffff"),
        "opposed" => ("#d4351c", "#ffffff"),
        _ => ("#ffffff", "#0b0c0c"),
    }
}

/// The stakeholder map: interest across and influence up (1 to 5 each), the four
/// quadrants named above and below the grid, each stakeholder a numbered dot in its
/// square (several share a square in rows), and a dashed arrow from where each that
/// moved was on the chosen day.
pub fn stakeholder_map(id: &str, title: &str, desc: &str, points: &[MapPoint]) -> String {
    use crate::domain::file::{HIGH_FROM, INFLUENCE, INTEREST, Quadrant};
    let (left, top, cell) = (140i64, 40i64, 96i64);
    let width = left + cell * 5 + 10;
    let height = top + cell * 5 + 100;
    let split = HIGH_FROM - 1; // squares below the split are "low"
    let mut out = String::new();
    open(&mut out, id, width, height, title, desc);
    let _ = write!(
        out,
        r##"<defs><marker id="{id}-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0 0L10 5L0 10z" fill="#0b0c0c"/></marker></defs>"##
    );
    // The quadrants, tinted, with their names above (high influence) and below.
    let tints = [
        (Quadrant::KeepSatisfied, 0, 0, split, 5 - split, "#f3f2f1"),
        (
            Quadrant::ManageClosely,
            split,
            0,
            5 - split,
            5 - split,
            "#e8f1f8",
        ),
        (Quadrant::Monitor, 0, 5 - split, split, split, "#ffffff"),
        (
            Quadrant::KeepInformed,
            split,
            5 - split,
            5 - split,
            split,
            "#f3f2f1",
        ),
    ];
    for (q, col, row, w, h, fill) in tints {
        let (x, y) = (left + col * cell, top + row * cell);
        let _ = write!(
            out,
            r##"<rect x="{x}" y="{y}" width="{}" height="{}" fill="{fill}" stroke="#505a5f"/>"##,
            w * cell,
            h * cell
        );
        let label_y = if row == 0 {
            top - 12
        } else {
            top + cell * 5 + 64
        };
        let _ = write!(
            out,
            r##"<text x="{}" y="{label_y}" text-anchor="middle" font-weight="bold" fill="#0b0c0c">{}</text>"##,
            x + w * cell / 2,
            esc(q.label())
        );
    }
    for i in 1..5 {
        let _ = write!(
            out,
            r##"<line x1="{x}" y1="{top}" x2="{x}" y2="{b}" stroke="#b1b4b6" stroke-width="0.5"/><line x1="{left}" y1="{y}" x2="{r}" y2="{y}" stroke="#b1b4b6" stroke-width="0.5"/>"##,
            x = left + i * cell,
            y = top + i * cell,
            b = top + cell * 5,
            r = left + cell * 5
        );
    }
    for (i, label) in INFLUENCE.iter().enumerate() {
        let y = top + (4 - i as i64) * cell + cell / 2;
        let _ = write!(
            out,
            r##"<text x="{}" y="{}" text-anchor="end" font-size="11" fill="#0b0c0c">{}</text><text x="{}" y="{}" text-anchor="end" font-size="11" fill="#0b0c0c">({})</text>"##,
            left - 8,
            y,
            esc(&fit(label, 18)),
            left - 8,
            y + 14,
            i + 1
        );
    }
    for (i, label) in INTEREST.iter().enumerate() {
        let x = left + i as i64 * cell + cell / 2;
        let _ = write!(
            out,
            r##"<text x="{x}" y="{}" text-anchor="middle" font-size="11" fill="#0b0c0c">{}</text><text x="{x}" y="{}" text-anchor="middle" font-size="11" fill="#0b0c0c">({})</text>"##,
            top + cell * 5 + 16,
            esc(&fit(label, 18)),
            top + cell * 5 + 30,
            i + 1
        );
    }
    let _ = write!(
        out,
        r##"<text x="{}" y="{}" text-anchor="middle" font-weight="bold" fill="#0b0c0c">Interest →</text><text transform="translate(14 {}) rotate(-90)" text-anchor="middle" font-weight="bold" fill="#0b0c0c">Influence →</text>"##,
        left + cell * 5 / 2,
        top + cell * 5 + 46,
        top + cell * 5 / 2
    );
    // Where each dot goes: the stakeholders of a square in rows of up to `cols`.
    let square = |influence: i64, interest: i64| {
        (
            left + (interest.clamp(1, 5) - 1) * cell,
            top + (5 - influence.clamp(1, 5)) * cell,
        )
    };
    let mut by_square: std::collections::BTreeMap<(i64, i64), Vec<&MapPoint>> =
        std::collections::BTreeMap::new();
    for p in points {
        by_square
            .entry((p.influence.clamp(1, 5), p.interest.clamp(1, 5)))
            .or_default()
            .push(p);
    }
    let mut placed: Vec<(&MapPoint, f64, f64, f64)> = Vec::with_capacity(points.len());
    for ((influence, interest), here) in &by_square {
        let (x0, y0) = square(*influence, *interest);
        let cols = (here.len() as f64).sqrt().ceil().max(1.0);
        let step = cell as f64 / cols;
        let radius = (step * 0.42).min(14.0);
        for (n, p) in here.iter().enumerate() {
            let (c, r) = ((n as f64) % cols, (n as f64 / cols).floor());
            placed.push((
                p,
                x0 as f64 + step * (c + 0.5),
                y0 as f64 + step * (r + 0.5),
                radius,
            ));
        }
    }
    for (p, x, y, radius) in &placed {
        if let Some((influence, interest)) = p.from {
            let (x0, y0) = square(influence, interest);
            let (fx, fy) = ((x0 + cell / 2) as f64, (y0 + cell / 2) as f64);
            let (dx, dy) = (x - fx, y - fy);
            let len = (dx * dx + dy * dy).sqrt();
            if len > radius * 2.0 {
                // Stop at the dot's edge so the arrowhead shows.
                let (tx, ty) = (x - dx / len * (radius + 2.0), y - dy / len * (radius + 2.0));
                let _ = write!(
                    out,
                    r##"<circle cx="{fx:.0}" cy="{fy:.0}" r="4" fill="none" stroke="#0b0c0c"/><line x1="{fx:.0}" y1="{fy:.0}" x2="{tx:.0}" y2="{ty:.0}" stroke="#0b0c0c" stroke-width="1.5" stroke-dasharray="5 3" marker-end="url(#{id}-arrow)"/>"##
                );
            }
        }
    }
    for (p, x, y, radius) in &placed {
        let (fill, ink) = stance_fill(p.stance);
        let dash = if fill == "#ffffff" {
            r#" stroke-dasharray="3 2""#
        } else {
            ""
        };
        let _ = write!(
            out,
            r##"<g><title>{}. {}</title><circle cx="{x:.0}" cy="{y:.0}" r="{radius:.1}" fill="{fill}" stroke="#0b0c0c" stroke-width="1.5"{dash}/><text x="{x:.0}" y="{:.0}" text-anchor="middle" font-size="{:.0}" font-weight="bold" fill="{ink}">{}</text></g>"##,
            p.number,
            esc(&p.name),
            y + radius * 0.38,
            (radius * 1.0).clamp(7.0, 13.0),
            p.number
        );
    }
    out.push_str("</svg>");
    out
}

/// The logic model drawn left to right: each column a heading and its items in boxes,
/// arrows between the columns, and two wide boxes underneath (the assumptions and the
/// risks), each listing at most eight lines and how many more there are.
pub fn logic_model(
    id: &str,
    title: &str,
    desc: &str,
    columns: &[(&str, Vec<String>)],
    underneath: &[(&str, Vec<String>)],
) -> String {
    use crate::domain::file::wrap;
    const SHOWN: usize = 8;
    let (margin, col_w, gap, line_h, pad) = (10i64, 160i64, 26i64, 14i64, 6i64);
    let n = columns.len().max(1) as i64;
    let width = margin * 2 + n * col_w + (n - 1) * gap;
    let head_lines: Vec<Vec<String>> = columns.iter().map(|(h, _)| wrap(h, 20)).collect();
    let head_h = head_lines.iter().map(Vec::len).max().unwrap_or(1) as i64 * 16 + 8;
    let boxes: Vec<Vec<Vec<String>>> = columns
        .iter()
        .map(|(_, items)| items.iter().map(|t| wrap(t, 24)).collect())
        .collect();
    let col_h = |c: &Vec<Vec<String>>| -> i64 {
        c.iter()
            .map(|lines| lines.len().max(1) as i64 * line_h + pad * 2 + 8)
            .sum::<i64>()
            .max(40)
    };
    let body_h = boxes.iter().map(col_h).max().unwrap_or(40);
    let top = margin + head_h;
    let under_w = (width - margin * 2 - gap * (underneath.len().max(1) as i64 - 1))
        / underneath.len().max(1) as i64;
    let under_lines: Vec<Vec<String>> = underneath
        .iter()
        .map(|(_, items)| {
            let mut lines: Vec<String> = items
                .iter()
                .take(SHOWN)
                .flat_map(|t| {
                    let mut w = wrap(t, (under_w / 7).max(20) as usize);
                    if let Some(first) = w.first_mut() {
                        first.insert_str(0, "• ");
                    }
                    w
                })
                .collect();
            if items.len() > SHOWN {
                lines.push(format!("… and {} more", items.len() - SHOWN));
            }
            if items.is_empty() {
                lines.push("None written yet".into());
            }
            lines
        })
        .collect();
    let under_h = under_lines.iter().map(Vec::len).max().unwrap_or(1) as i64 * line_h + 34;
    let under_top = top + body_h + 24;
    let height = under_top + under_h + margin;
    let mut out = String::new();
    open(&mut out, id, width, height, title, desc);
    let _ = write!(
        out,
        r##"<defs><marker id="{id}-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" orient="auto"><path d="M0 0L10 5L0 10z" fill="#505a5f"/></marker></defs>"##
    );
    for (c, ((_, _), items)) in columns.iter().zip(&boxes).enumerate() {
        let x = margin + c as i64 * (col_w + gap);
        for (l, line) in head_lines[c].iter().enumerate() {
            let _ = write!(
                out,
                r##"<text x="{}" y="{}" text-anchor="middle" font-weight="bold" fill="#0b0c0c">{}</text>"##,
                x + col_w / 2,
                margin + 14 + l as i64 * 16,
                esc(line)
            );
        }
        let _ = write!(
            out,
            r##"<rect x="{x}" y="{top}" width="{col_w}" height="{body_h}" fill="#f3f2f1" stroke="#b1b4b6"/>"##
        );
        let mut y = top + 6;
        for lines in items {
            let h = lines.len().max(1) as i64 * line_h + pad * 2;
            let _ = write!(
                out,
                r##"<rect x="{}" y="{y}" width="{}" height="{h}" rx="4" fill="#ffffff" stroke="#505a5f"/>"##,
                x + 6,
                col_w - 12
            );
            for (l, line) in lines.iter().enumerate() {
                let _ = write!(
                    out,
                    r##"<text x="{}" y="{}" font-size="11" fill="#0b0c0c">{}</text>"##,
                    x + 12,
                    y + pad + 10 + l as i64 * line_h,
                    esc(line)
                );
            }
            y += h + 8;
        }
        if items.is_empty() {
            let _ = write!(
                out,
                r##"<text x="{}" y="{}" text-anchor="middle" font-size="11" fill="#505a5f">None yet</text>"##,
                x + col_w / 2,
                top + 24
            );
        }
        if c + 1 < columns.len() {
            let ay = top + body_h / 2;
            let _ = write!(
                out,
                r##"<line x1="{}" y1="{ay}" x2="{}" y2="{ay}" stroke="#505a5f" stroke-width="2" marker-end="url(#{id}-arrow)"/>"##,
                x + col_w + 3,
                x + col_w + gap - 3
            );
        }
    }
    for (u, ((heading, _), lines)) in underneath.iter().zip(&under_lines).enumerate() {
        let x = margin + u as i64 * (under_w + gap);
        let _ = write!(
            out,
            r##"<rect x="{x}" y="{under_top}" width="{under_w}" height="{under_h}" fill="#ffffff" stroke="#505a5f" stroke-dasharray="5 3"/><text x="{}" y="{}" font-weight="bold" fill="#0b0c0c">{}</text>"##,
            x + 10,
            under_top + 18,
            esc(heading)
        );
        for (l, line) in lines.iter().enumerate() {
            let _ = write!(
                out,
                r##"<text x="{}" y="{}" font-size="11" fill="#0b0c0c">{}</text>"##,
                x + 10,
                under_top + 34 + l as i64 * line_h,
                esc(line)
            );
        }
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_escape_text_and_keep_shares_whole() {
        let svg = score_bars(
            "c",
            "Scores <by> principle",
            "desc",
            &["Clear & shared purpose".into()],
            &[Series {
                name: "Council".into(),
                values: vec![Some(70)],
            }],
        );
        assert!(svg.contains("Scores &lt;by&gt; principle"));
        assert!(svg.contains("Clear &amp; shared purpose"));
        assert!(!svg.contains("style="));
        let svg = stacked(
            "s",
            "t",
            "d",
            &[(
                "Everyone".into(),
                vec![
                    (33, "Yes".into(), "#2166ac"),
                    (33, "No".into(), "#b2182b"),
                    (34, "Not sure".into(), "#d9d9d9"),
                ],
            )],
            true,
        );
        // Three segments that reach the end of the bar exactly.
        assert_eq!(svg.matches("<rect x=").count(), 3 + 3);
        // 33% + 33% + 34% of 460 pixels: 151 + 152 + 157, ending at the bar's end.
        assert!(svg.contains(r#"<rect x="160" y="3" width="151""#), "{svg}");
        assert!(svg.contains(r#"<rect x="463" y="3" width="157""#), "{svg}");
    }

    #[test]
    fn positions_show_how_many_chose_each_point_and_the_average() {
        let ticks = [(0, "A".to_string()), (50, "B".into()), (100, "C".into())];
        let svg = positions(
            "p",
            "t",
            "d",
            &ticks,
            ["Now", "Wanted"],
            &[PositionRow {
                name: "Everyone".into(),
                counts: [vec![2, 0, 2], vec![0, 0, 4]],
                means: [Some(50), Some(100)],
            }],
        );
        // Three dots (nobody chose B now, so no dot there), each with its count.
        assert_eq!(svg.matches("<circle").count(), 3 + 2, "{svg}");
        assert!(
            svg.contains(">2</text>") && svg.contains(">4</text>"),
            "{svg}"
        );
        // The largest count gets the largest dot; the average of "now" sits at B.
        assert!(svg.contains(r#"r="10.0""#), "{svg}");
        assert!(
            svg.contains(r#"<line x1="380" y1="35" x2="380" y2="57""#),
            "{svg}"
        );
    }

    #[test]
    fn text_colour_follows_the_fill() {
        assert_eq!(text_on("#2166ac"), "#ffffff");
        assert_eq!(text_on("#d9d9d9"), DARK_TEXT);
    }
}
