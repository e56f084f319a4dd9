//! Charts of a simulation, as SVG and PNG: the share of each outcome under
//! each law, and the monthly series of outcomes.
//!
//! Text is laid out (SVG) and rasterised (PNG) with ab_glyph from a TrueType
//! font found on the system: DejaVu Sans from Debian's `fonts-dejavu-core`,
//! or the file named by `BRIGHTLINE_FONT`. Without one, no chart is drawn
//! and the summary says why.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::summary::OUTCOMES;

const COLORS: [RGBColor; 5] = [
    RGBColor(46, 139, 87),   // permitted
    RGBColor(178, 34, 34),   // prohibited
    RGBColor(65, 105, 225),  // required
    RGBColor(218, 165, 32),  // undetermined
    RGBColor(150, 150, 150), // unmapped
];

const FONT_PATHS: &[&str] = &[
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
];

/// Registers a font for bitmap text once per process; the error says what to install.
pub fn ensure_font() -> Result<(), String> {
    static DONE: OnceLock<Result<(), String>> = OnceLock::new();
    DONE.get_or_init(|| {
        let mut candidates: Vec<String> = Vec::new();
        if let Ok(p) = std::env::var("BRIGHTLINE_FONT") {
            candidates.push(p);
        }
        candidates.extend(FONT_PATHS.iter().map(|s| s.to_string()));
        for p in &candidates {
            if let Ok(bytes) = std::fs::read(p) {
                // plotters keeps fonts for the life of the process.
                let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
                if plotters::style::register_font("sans-serif", FontStyle::Normal, bytes).is_ok() {
                    return Ok(());
                }
            }
        }
        Err("no TrueType font for PNG text; install Debian's fonts-dejavu-core or set BRIGHTLINE_FONT to a .ttf file".into())
    })
    .clone()
}

fn err<E: std::fmt::Debug>(e: E) -> String {
    format!("{e:?}")
}

/// What a chart shows, said on the chart itself: a chart copied out of its
/// folder must still name its source, its rows, its filters and its assumptions.
#[derive(Clone, Debug, Default)]
pub struct Caption {
    pub input: String,
    pub profile: String,
    /// Rows that passed the filters.
    pub rows: u64,
    pub filters: Vec<String>,
    pub assumptions: Vec<String>,
}

impl Caption {
    /// `unmapped`: per law, rows that could not be put to it.
    fn lines(&self, unmapped: &[u64]) -> Vec<String> {
        let most = unmapped.iter().copied().max().unwrap_or(0);
        let mut l = vec![format!(
            "Source: {} (profile {}). N = {} rows{}.",
            self.input,
            self.profile,
            self.rows,
            if most == 0 {
                String::new()
            } else if unmapped.iter().all(|u| *u == most) {
                format!("; {most} could not be put to a law and are not drawn (see methods.md)")
            } else {
                format!(
                    "; up to {most} per law could not be put to it and are not drawn (see methods.md)"
                )
            }
        )];
        l.push(format!(
            "Filters: {}.",
            if self.filters.is_empty() {
                "none".to_string()
            } else {
                self.filters.join(", ")
            }
        ));
        l.push(format!(
            "Assumptions (see methods.md): {}.",
            if self.assumptions.is_empty() {
                "none".to_string()
            } else {
                self.assumptions.join(", ")
            }
        ));
        l
    }
}

const CAPTION_H: u32 = 72;

fn draw_caption<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    lines: &[String],
) -> Result<(), String> {
    for (i, line) in lines.iter().enumerate() {
        area.draw(&Text::new(
            line.clone(),
            (12, 8 + 20 * i as i32),
            ("sans-serif", 13).into_font().color(&RGBColor(60, 60, 60)),
        ))
        .map_err(err)?;
    }
    Ok(())
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Puts `<title>` and `<desc>` first inside the SVG's root element, for screen
/// readers and for anyone who opens the file alone.
fn label_svg(path: &Path, title: &str, desc: &str) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(err)?;
    let start = text.find("<svg").ok_or("no <svg> element")?;
    let end = start
        + text[start..]
            .find('>')
            .ok_or("unterminated <svg> element")?
        + 1;
    let mut out = String::with_capacity(text.len() + title.len() + desc.len() + 40);
    out.push_str(&text[..end]);
    out.push_str(&format!(
        "\n<title>{}</title>\n<desc>{}</desc>",
        escape(title),
        escape(desc)
    ));
    out.push_str(&text[end..]);
    std::fs::write(path, out).map_err(err)
}

/// Draws both charts in both formats; returns the files written and notes.
pub fn charts(
    dir: &Path,
    shares: &[(String, [u64; 5])],
    monthly: &BTreeMap<(usize, i32, u8), u64>,
    labels: &[String],
    caption: &Caption,
) -> Result<(Vec<String>, Vec<String>), String> {
    // Text layout needs font metrics even for SVG.
    ensure_font()?;
    let mut files = Vec::new();
    let notes = Vec::new();
    let unmapped: Vec<u64> = shares.iter().map(|(_, c)| c[4]).collect();
    let lines = caption.lines(&unmapped);
    let h = 140 + 50 * shares.len() as u32 + CAPTION_H;
    let mh = 60 + 300 * labels.len().max(1) as u32 + CAPTION_H;
    let title = format!("Outcome shares by law: {}", caption.input);
    let mtitle = format!("Rows by month and outcome: {}", caption.input);
    let mut desc = lines.join(" ");
    for (l, c) in shares {
        let decided: u64 = c[..4].iter().sum();
        desc.push_str(&format!(" Under {l}, of {decided} rows put to the law:"));
        for (i, o) in OUTCOMES[..4].iter().enumerate() {
            if c[i] > 0 {
                desc.push_str(&format!(
                    " {o} {} ({:.1}%);",
                    c[i],
                    100.0 * c[i] as f64 / decided.max(1) as f64
                ));
            }
        }
    }
    let svg = dir.join("outcomes.svg");
    shares_chart(
        SVGBackend::new(&svg, (960, h)).into_drawing_area(),
        shares,
        &title,
        &lines,
    )?;
    label_svg(&svg, &title, &desc)?;
    files.push(svg.display().to_string());
    let svg = dir.join("monthly.svg");
    monthly_chart(
        SVGBackend::new(&svg, (960, mh)).into_drawing_area(),
        monthly,
        labels,
        &mtitle,
        &lines,
    )?;
    label_svg(&svg, &mtitle, &lines.join(" "))?;
    files.push(svg.display().to_string());
    let png = dir.join("outcomes.png");
    shares_chart(
        BitMapBackend::new(&png, (960, h)).into_drawing_area(),
        shares,
        &title,
        &lines,
    )?;
    files.push(png.display().to_string());
    let png = dir.join("monthly.png");
    monthly_chart(
        BitMapBackend::new(&png, (960, mh)).into_drawing_area(),
        monthly,
        labels,
        &mtitle,
        &lines,
    )?;
    files.push(png.display().to_string());
    Ok((files, notes))
}

/// Shares of the rows put to each law (unmapped rows are a count in the caption, not a bar:
/// a bar of them would crowd out the rows the law decides).
fn shares_chart<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    shares: &[(String, [u64; 5])],
    title: &str,
    caption: &[String],
) -> Result<(), String> {
    root.fill(&WHITE).map_err(err)?;
    let (root, foot) =
        root.split_vertically(root.dim_in_pixel().1.saturating_sub(CAPTION_H) as i32);
    draw_caption(&foot, caption)?;
    let labelled: Vec<String> = shares
        .iter()
        .map(|(l, c)| format!("{l} (n={})", c[..4].iter().sum::<u64>()))
        .collect();
    let shares: Vec<(String, [u64; 5])> = labelled
        .into_iter()
        .zip(shares)
        .map(|(l, (_, c))| (l, [c[0], c[1], c[2], c[3], 0]))
        .collect();
    let shares = &shares[..];
    // The key goes in a strip of its own so that it never covers a bar.
    let (plot, key) = root.split_horizontally(root.dim_in_pixel().0.saturating_sub(170) as i32);
    let n = shares.len();
    let longest = shares.iter().map(|(l, _)| l.len()).max().unwrap_or(10) as u32;
    let mut chart = ChartBuilder::on(&plot)
        .caption(title, ("sans-serif", 20))
        .margin(12)
        .margin_right(24)
        .x_label_area_size(36)
        .y_label_area_size((longest * 8).clamp(80, 360))
        .build_cartesian_2d(0f64..100f64, (0..n.saturating_sub(1)).into_segmented())
        .map_err(err)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .x_desc("% of rows put to the law, under the stated assumptions")
        .y_label_formatter(&|v| match v {
            SegmentValue::CenterOf(i) => shares.get(*i).map(|s| s.0.clone()).unwrap_or_default(),
            _ => String::new(),
        })
        .label_style(("sans-serif", 14))
        .draw()
        .map_err(err)?;
    let mut keyed = 0;
    for (oi, o) in OUTCOMES[..4].iter().enumerate() {
        if shares.iter().all(|(_, c)| c[oi] == 0) {
            continue;
        }
        let color = COLORS[oi];
        let y = 50 + 24 * keyed;
        keyed += 1;
        key.draw(&Rectangle::new([(10, y), (24, y + 14)], color.filled()))
            .map_err(err)?;
        key.draw(&Text::new(*o, (32, y), ("sans-serif", 14)))
            .map_err(err)?;
        let bars: Vec<Rectangle<(f64, SegmentValue<usize>)>> = shares
            .iter()
            .enumerate()
            .map(|(li, (_, c))| {
                let total: u64 = c.iter().sum();
                let pct = |k: usize| {
                    if total == 0 {
                        0.0
                    } else {
                        100.0 * c[..k].iter().sum::<u64>() as f64 / total as f64
                    }
                };
                Rectangle::new(
                    [
                        (pct(oi), SegmentValue::Exact(li)),
                        (pct(oi + 1), SegmentValue::Exact(li + 1)),
                    ],
                    color.filled(),
                )
            })
            .collect();
        chart.draw_series(bars).map_err(err)?;
    }
    root.present().map_err(err)
}

/// One panel per law, stacked, on one y scale, with a line per outcome in the
/// outcome's own colour: laws that agree month by month would hide each other
/// on a single plot.
fn monthly_chart<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    monthly: &BTreeMap<(usize, i32, u8), u64>,
    labels: &[String],
    title: &str,
    caption: &[String],
) -> Result<(), String> {
    root.fill(&WHITE).map_err(err)?;
    let (root, foot) =
        root.split_vertically(root.dim_in_pixel().1.saturating_sub(CAPTION_H) as i32);
    draw_caption(&foot, caption)?;
    // Unmapped rows are counted in the caption, not drawn.
    let monthly: BTreeMap<(usize, i32, u8), u64> = monthly
        .iter()
        .filter(|(k, _)| (k.2 as usize) < 4)
        .map(|(k, v)| (*k, *v))
        .collect();
    let monthly = &monthly;
    let (lo, hi) = monthly
        .keys()
        .fold((i32::MAX, i32::MIN), |(a, b), (_, m, _)| {
            (a.min(*m), b.max(*m))
        });
    let (lo, hi) = if lo > hi {
        (0, 1)
    } else {
        (lo, hi.max(lo + 1))
    };
    let ymax = monthly.values().copied().max().unwrap_or(1).max(1);
    let root = root.titled(title, ("sans-serif", 20)).map_err(err)?;
    let panels = root.split_evenly((labels.len().max(1), 1));
    for (li, (label, panel)) in labels.iter().zip(panels).enumerate() {
        let mut chart = ChartBuilder::on(&panel)
            .caption(label, ("sans-serif", 16))
            .margin(8)
            .margin_right(40)
            .x_label_area_size(32)
            .y_label_area_size(60)
            .build_cartesian_2d(lo..hi, 0u64..(ymax + ymax / 10 + 1))
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_labels(((hi - lo) as usize + 1).min(14))
            .x_label_formatter(&|m| format!("{:04}-{:02}", m.div_euclid(12), m.rem_euclid(12) + 1))
            .y_desc("rows")
            .label_style(("sans-serif", 13))
            .draw()
            .map_err(err)?;
        for (oi, o) in OUTCOMES[..4].iter().enumerate() {
            let pts: Vec<(i32, u64)> = (lo..=hi)
                .map(|m| (m, monthly.get(&(li, m, oi as u8)).copied().unwrap_or(0)))
                .collect();
            if pts.iter().all(|p| p.1 == 0) {
                continue;
            }
            let style = ShapeStyle::from(&COLORS[oi]).stroke_width(2);
            chart
                .draw_series(LineSeries::new(pts, style))
                .map_err(err)?
                .label(*o)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], style));
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK)
            .label_font(("sans-serif", 13))
            .draw()
            .map_err(err)?;
    }
    root.present().map_err(err)
}
