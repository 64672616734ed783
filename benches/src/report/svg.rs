//! The chart of a `compare` run: one horizontal bar per row, grouped per table, on a log scale
//! centred on a vertical line at 1.0; bars to the right (green) are rows where weft is better,
//! bars to the left (red) rows where tokio is. Hand-written SVG text, no dependency; always
//! generated from a run.

use std::fmt::Write as _;

use super::BarGroup;

const WIDTH: f64 = 840.0;
const LABEL_RIGHT: f64 = 250.0;
const PLOT_LEFT: f64 = 260.0;
const PLOT_WIDTH: f64 = 480.0;
const VALUE_LEFT: f64 = PLOT_LEFT + PLOT_WIDTH + 12.0;
const TOP: f64 = 64.0;
const ROW: f64 = 16.0;
const GROUP_HEAD: f64 = 26.0;
const BOTTOM: f64 = 44.0;
/// The scale spans 2^-LOG_SPAN .. 2^LOG_SPAN; bars past it are clipped (their value says how far).
const LOG_SPAN: f64 = 5.0;
const TICKS: [(f64, &str); 11] = [
    (1.0 / 32.0, "1/32"),
    (1.0 / 16.0, "1/16"),
    (1.0 / 8.0, "1/8"),
    (0.25, "1/4"),
    (0.5, "1/2"),
    (1.0, "1"),
    (2.0, "2"),
    (4.0, "4"),
    (8.0, "8"),
    (16.0, "16"),
    (32.0, "32"),
];

/// The x coordinate of `ratio` on the log scale, clipped to the plot.
fn x_of(ratio: f64) -> f64 {
    let l = ratio.log2().clamp(-LOG_SPAN, LOG_SPAN);
    PLOT_LEFT + (l + LOG_SPAN) / (2.0 * LOG_SPAN) * PLOT_WIDTH
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The chart: `title` and `subtitle` on top, then each group's title and bars.
pub fn render_svg(title: &str, subtitle: &str, groups: &[BarGroup]) -> String {
    let rows: usize = groups.iter().map(|g| g.bars.len()).sum();
    let height = TOP + groups.len() as f64 * GROUP_HEAD + rows as f64 * ROW + BOTTOM;
    let plot_bottom = height - BOTTOM + 4.0;
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="11">"#
    );
    let _ = writeln!(s, r##"<rect width="100%" height="100%" fill="#ffffff"/>"##);
    let _ = writeln!(
        s,
        r#"<text x="10" y="20" font-size="15" font-weight="bold">{}</text>"#,
        escape(title)
    );
    let _ = writeln!(
        s,
        r##"<text x="10" y="38" fill="#444">{}</text>"##,
        escape(subtitle)
    );
    // Grid and axis labels, top and bottom.
    for (r, label) in TICKS {
        let x = x_of(r);
        let (stroke, w) = if r == 1.0 {
            ("#000", 1.5)
        } else {
            ("#ddd", 1.0)
        };
        let _ = writeln!(
            s,
            r#"<line x1="{x:.1}" y1="{}" x2="{x:.1}" y2="{plot_bottom}" stroke="{stroke}" stroke-width="{w}"/>"#,
            TOP - 8.0
        );
        for y in [TOP - 12.0, plot_bottom + 12.0] {
            let _ = writeln!(
                s,
                r##"<text x="{x:.1}" y="{y}" text-anchor="middle" fill="#444">{label}</text>"##
            );
        }
    }
    let _ = writeln!(
        s,
        r##"<text x="{:.1}" y="{}" text-anchor="end" fill="#d1495b">&#8592; tokio better</text>"##,
        x_of(1.0) - 6.0,
        plot_bottom + 28.0
    );
    let _ = writeln!(
        s,
        r##"<text x="{:.1}" y="{}" fill="#2a9d3a">weft better &#8594;</text>"##,
        x_of(1.0) + 6.0,
        plot_bottom + 28.0
    );
    let mut y = TOP;
    for g in groups {
        y += GROUP_HEAD;
        let _ = writeln!(
            s,
            r#"<text x="10" y="{:.1}" font-weight="bold">{}</text>"#,
            y - 8.0,
            escape(&g.title)
        );
        for bar in &g.bars {
            let mid = y + ROW / 2.0;
            let _ = writeln!(
                s,
                r#"<text x="{LABEL_RIGHT}" y="{:.1}" text-anchor="end">{}</text>"#,
                mid + 4.0,
                escape(&bar.label)
            );
            match bar.ratio {
                Some(r) if r.is_finite() && r > 0.0 => {
                    let (a, b) = (x_of(1.0), x_of(r));
                    let colour = if r >= 1.0 { "#2a9d3a" } else { "#d1495b" };
                    let _ = writeln!(
                        s,
                        r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="10" fill="{colour}"/>"#,
                        a.min(b),
                        mid - 5.0,
                        (b - a).abs().max(1.0)
                    );
                    let _ = writeln!(
                        s,
                        r#"<text x="{VALUE_LEFT}" y="{:.1}">{r:.2}x</text>"#,
                        mid + 4.0
                    );
                }
                _ => {
                    let _ = writeln!(
                        s,
                        r##"<text x="{VALUE_LEFT}" y="{:.1}" fill="#888">n/a</text>"##,
                        mid + 4.0
                    );
                }
            }
            y += ROW;
        }
    }
    s.push_str("</svg>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Bar;

    #[test]
    fn one_bar_per_row_and_a_line_at_one() {
        let groups = vec![
            BarGroup {
                title: "rt <sched> & co".into(),
                bars: vec![
                    Bar {
                        label: "fast".into(),
                        ratio: Some(2.0),
                    },
                    Bar {
                        label: "slow".into(),
                        ratio: Some(0.5),
                    },
                    Bar {
                        label: "failed".into(),
                        ratio: None,
                    },
                ],
            },
            BarGroup {
                title: "idle".into(),
                bars: vec![Bar {
                    label: "cpu".into(),
                    ratio: Some(1000.0),
                }],
            },
        ];
        let svg = render_svg("weft vs tokio", "4 workers", &groups);
        assert!(svg.starts_with("<svg ") && svg.trim_end().ends_with("</svg>"));
        assert_eq!(
            svg.matches("<rect ").count(),
            1 + 3,
            "the background and one bar per ratio"
        );
        assert!(
            svg.contains("2.00x")
                && svg.contains("0.50x")
                && svg.contains("n/a")
                && svg.contains("1000.00x")
        );
        assert!(svg.contains("rt &lt;sched&gt; &amp; co"));
        // The line at 1.0 is in the middle of the plot; 2x is right of it, 1/2 left of it.
        let one = x_of(1.0);
        assert!((one - (PLOT_LEFT + PLOT_WIDTH / 2.0)).abs() < 1e-9);
        assert!(x_of(2.0) > one && x_of(0.5) < one);
        assert!((x_of(2.0) - one - (one - x_of(0.5))).abs() < 1e-9);
        assert_eq!(x_of(1e9), PLOT_LEFT + PLOT_WIDTH);
        assert!(svg.contains(&format!(r#"x1="{one:.1}""#)));
    }
}
