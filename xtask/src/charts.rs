//! SVG charts drawn with plotters: a horizontal bar chart per table (median
//! with a min–max whisker) and the scaling curves (log–log).
//!
//! Logarithmic axes are drawn as linear axes over log10 of the values, with
//! tick labels showing the original values.

use std::collections::BTreeMap;

use plotters::prelude::*;

use crate::analysis::{parameter_value, Table};
use crate::error::{Error, Result};

const WIDTH: u32 = 860;
/// Width of the legend panel beside a scaling chart.
const LEGEND_WIDTH: u32 = 170;

/// Distinct colours, one per known row (catalog pools first, then extras).
const PALETTE: [RGBColor; 12] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
    RGBColor(57, 59, 121),
    RGBColor(99, 121, 57),
    RGBColor(173, 73, 74),
];

/// A stable colour per row name, so a pool has the same colour in every
/// chart: catalog pools and extras by their fixed order, a `+tls` variant
/// like its pool, the references (`inline`, W9's floor) grey, anything else
/// by a hash of its name.
pub fn colour(row: &str) -> RGBColor {
    let base = row.split('+').next().unwrap_or(row);
    if base == taskpool_benches::rows::INLINE || row == taskpool_benches::memory::FLOOR {
        return RGBColor(150, 150, 150);
    }
    let known = taskpool_benches::rows::pool_names();
    let index = known
        .iter()
        .filter(|n| *n != taskpool_benches::rows::INLINE)
        .position(|n| n == base);
    let index = index.unwrap_or_else(|| {
        // FNV-1a: deterministic across runs and platforms.
        let hash = base.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
        (hash % PALETTE.len() as u64) as usize
    });
    PALETTE[index % PALETTE.len()]
}

/// A value for a log-axis label: three significant digits with a k/M suffix.
pub fn axis_number(v: f64) -> String {
    let a = v.abs();
    if a >= 1e6 {
        format!("{}M", short_number(v / 1e6))
    } else if a >= 1e4 {
        format!("{}k", short_number(v / 1e3))
    } else {
        short_number(v)
    }
}

fn draw_err<E: std::fmt::Debug>(e: E) -> Error {
    Error(format!("drawing a chart failed: {e:?}"))
}

/// A number with three significant digits, without exponent for everyday sizes.
pub fn short_number(v: f64) -> String {
    let a = v.abs();
    if a == 0.0 || !a.is_finite() {
        format!("{v}")
    } else if a >= 100.0 {
        format!("{v:.0}")
    } else if a >= 10.0 {
        format!("{v:.1}")
    } else if a >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    }
}

/// File name (without directory) of the bar chart of `table`.
pub fn bar_chart_file(table: &Table) -> String {
    let param: String = table
        .parameter
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    let group = table
        .kind()
        .map_or_else(|| table.workload.clone(), |w| w.group().to_owned());
    if param.is_empty() {
        format!("{group}.svg")
    } else {
        format!("{group}_{param}.svg")
    }
}

/// A horizontal bar chart of `table`: one bar per row (median), a whisker
/// for the spread. Uses a log axis when the values span more than 30×.
pub fn bar_chart(table: &Table, title: &str) -> Result<String> {
    let n = table.rows.len();
    if n == 0 {
        return Err(Error(format!("table {title} has no rows to draw")));
    }
    let highest = table
        .rows
        .iter()
        .map(|r| r.high.max(r.median))
        .fold(0.0, f64::max);
    let lowest = table
        .rows
        .iter()
        .map(|r| r.low.min(r.median))
        .filter(|v| *v > 0.0)
        .fold(f64::INFINITY, f64::min);
    let log = lowest.is_finite() && highest / lowest > 30.0;
    let tx = |v: f64| if log { v.max(lowest * 0.5).log10() } else { v };
    let (x0, x1) = if log {
        // Room on the right for the value labels.
        ((lowest * 0.5).log10(), (highest * 6.0).log10())
    } else {
        (0.0, if highest > 0.0 { highest * 1.35 } else { 1.0 })
    };
    let height = 110 + 30 * n as u32;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err)?;
        let names: Vec<String> = table.rows.iter().map(|r| r.row.clone()).collect();
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(150)
            .build_cartesian_2d(x0..x1, (0..n as i32 - 1).into_segmented())
            .map_err(draw_err)?;
        let unit = if log {
            format!("{} (log scale; bar = median, line = min–max)", table.unit)
        } else {
            format!("{} (bar = median, line = min–max)", table.unit)
        };
        chart
            .configure_mesh()
            .disable_y_mesh()
            .x_desc(unit)
            .y_labels(n)
            .x_label_formatter(&|v| {
                if log {
                    axis_number(10f64.powf(*v))
                } else {
                    short_number(*v)
                }
            })
            .y_label_formatter(&|v| match v {
                // The fastest row is drawn on top (segment n - 1).
                SegmentValue::CenterOf(i) | SegmentValue::Exact(i) => usize::try_from(*i)
                    .ok()
                    .and_then(|i| (n - 1).checked_sub(i))
                    .and_then(|i| names.get(i).cloned())
                    .unwrap_or_default(),
                SegmentValue::Last => String::new(),
            })
            .draw()
            .map_err(draw_err)?;
        for (i, row) in table.rows.iter().enumerate() {
            let i = (n - 1 - i) as i32;
            let c = colour(&row.row);
            let mut bar = Rectangle::new(
                [
                    (x0, SegmentValue::Exact(i)),
                    (tx(row.median), SegmentValue::Exact(i + 1)),
                ],
                c.filled(),
            );
            bar.set_margin(5, 5, 0, 0);
            chart.draw_series(std::iter::once(bar)).map_err(draw_err)?;
            let (lo, hi) = (tx(row.low), tx(row.high));
            let centre = SegmentValue::CenterOf(i);
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(lo, centre.clone()), (hi, centre.clone())],
                    BLACK.stroke_width(2),
                )))
                .map_err(draw_err)?;
            chart
                .draw_series(std::iter::once(Text::new(
                    format!("{} {}", short_number(row.median), table.unit),
                    (tx(row.high.max(row.median)), centre),
                    ("sans-serif", 12),
                )))
                .map_err(draw_err)?;
        }
        root.present().map_err(draw_err)?;
    }
    Ok(svg)
}

/// A scaling curve: `tables` are the same workload at several sizes; one
/// line per row, x = the size parameter, y = the median; both axes log.
pub fn scaling_chart(tables: &[&Table], title: &str, x_name: &str) -> Result<String> {
    let mut series: BTreeMap<String, Vec<(f64, f64)>> = BTreeMap::new();
    let mut xs: Vec<f64> = Vec::new();
    for table in tables {
        let x = parameter_value(&table.parameter) as f64;
        if x <= 0.0 {
            continue;
        }
        xs.push(x.log2());
        for row in &table.rows {
            if row.median > 0.0 {
                series
                    .entry(row.row.clone())
                    .or_default()
                    .push((x.log2(), row.median.log10()));
            }
        }
    }
    if series.is_empty() {
        return Err(Error(format!("no data for the scaling chart {title}")));
    }
    xs.sort_by(f64::total_cmp);
    xs.dedup();
    let ys = series.values().flatten().map(|p| p.1);
    let (ymin, ymax) = ys.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), y| {
        (lo.min(y), hi.max(y))
    });
    let pad = ((ymax - ymin) * 0.1).max(0.1);
    let (xmin, xmax) = (xs[0], xs[xs.len() - 1]);
    let xpad = ((xmax - xmin) * 0.05).max(0.05);
    let unit = tables.first().map_or_else(String::new, |t| t.unit.clone());
    let mut svg = String::new();
    {
        let root =
            SVGBackend::with_string(&mut svg, (WIDTH + LEGEND_WIDTH, 520)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err)?;
        let (plot, legend) = root.split_horizontally(WIDTH);
        let mut chart = ChartBuilder::on(&plot)
            .caption(title, ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(45)
            .y_label_area_size(70)
            .build_cartesian_2d(xmin - xpad..xmax + xpad, ymin - pad..ymax + pad)
            .map_err(draw_err)?;
        chart
            .configure_mesh()
            .x_desc(format!("{x_name} (log scale)"))
            .y_desc(format!("{unit} (log scale)"))
            .x_labels(12)
            .x_label_formatter(&|v| {
                // Label the powers of two only.
                if (v - v.round()).abs() < 1e-6 {
                    format!("{}", 2f64.powf(v.round()))
                } else {
                    String::new()
                }
            })
            .y_label_formatter(&|v| axis_number(10f64.powf(*v)))
            .draw()
            .map_err(draw_err)?;
        for (row, points) in &series {
            let c = colour(row);
            chart
                .draw_series(LineSeries::new(points.iter().copied(), c.stroke_width(2)))
                .map_err(draw_err)?;
            chart
                .draw_series(points.iter().map(|&p| Circle::new(p, 3, c.filled())))
                .map_err(draw_err)?;
        }
        // The legend sits in its own panel on the right, clear of the data.
        for (i, row) in series.keys().enumerate() {
            let y = 50 + 22 * i as i32;
            let c = colour(row);
            legend
                .draw(&PathElement::new(vec![(8, y), (30, y)], c.stroke_width(2)))
                .map_err(draw_err)?;
            legend
                .draw(&Text::new(row.clone(), (36, y - 7), ("sans-serif", 13)))
                .map_err(draw_err)?;
        }
        root.present().map_err(draw_err)?;
    }
    Ok(svg)
}
