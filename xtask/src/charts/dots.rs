//! A dot plot of one table: one line per row, a marker at the median of the
//! rounds, a whisker from the lowest to the highest round, and a small ring
//! per round. No bars: on a logarithmic axis a bar's length means nothing.
//! The axis is logarithmic when the values span more than 30×.

use plotters::prelude::*;

use crate::analysis::{Table, TableRow};
use crate::charts::style::{draw_err, draw_marker, style};
use crate::error::{Error, Result};
use crate::fmt::short_number;

/// Sizes of a dot plot.
#[derive(Debug, Clone, Copy)]
pub struct Layout {
    /// Width in pixels.
    pub width: u32,
    /// Pixels per row.
    pub row_height: u32,
    /// Font size of labels.
    pub font: u32,
    /// Font size of the title.
    pub title_font: u32,
    /// Width of the row-name area.
    pub names_width: u32,
    /// Marker radius.
    pub marker: i32,
    /// Show the value beside each row, and the long axis description.
    pub values: bool,
    /// Which multiples of each power of ten a log axis labels.
    pub multiples: &'static [f64],
}

/// The multiples of each power of ten a log axis labels and grids.
pub const ONE_TWO_FIVE: &[f64] = &[1.0, 2.0, 5.0];
/// Powers of ten only (narrow charts).
pub const POWERS_OF_TEN: &[f64] = &[1.0];

/// A round number for an axis: `5`, `20`, `0.05`, `10k`, `2M`.
fn round_number(x: f64) -> String {
    if x >= 1e6 {
        format!("{}M", round_number(x / 1e6))
    } else if x >= 1e4 {
        format!("{}k", round_number(x / 1e3))
    } else if x >= 1.0 {
        format!("{}", x.round())
    } else {
        let digits = (-x.log10().floor()).max(0.0) as usize;
        format!("{x:.digits$}")
    }
}

/// A log-axis tick label for log10 value `v`: the value when it is within
/// 1 % of one of `multiples` times a power of ten (printed as that round
/// number), else nothing.
pub fn log_label(v: f64, multiples: &[f64]) -> String {
    let x = 10f64.powf(v);
    let decade = 10f64.powf(x.log10().floor());
    multiples
        .iter()
        .chain(std::iter::once(&10.0))
        .find(|d| ((x / decade) - *d).abs() / *d < 0.01)
        .map_or_else(String::new, |d| round_number(d * decade))
}

/// The layout of the report's charts.
pub const REPORT: Layout = Layout {
    width: 900,
    row_height: 30,
    font: 16,
    title_font: 21,
    names_width: 190,
    marker: 6,
    values: true,
    multiples: ONE_TWO_FIVE,
};

/// `rows` of `table` as a dot plot titled `title`.
pub fn dot_chart(
    table: &Table,
    rows: &[&TableRow],
    title: &str,
    layout: &Layout,
) -> Result<String> {
    let n = rows.len();
    if n == 0 {
        return Err(Error(format!("table {title} has no rows to draw")));
    }
    let highest = rows
        .iter()
        .map(|r| r.high.max(r.median))
        .fold(0.0, f64::max);
    let lowest = rows
        .iter()
        .map(|r| r.low.min(r.median))
        .fold(f64::INFINITY, f64::min);
    let log = lowest > 0.0 && highest / lowest > 30.0;
    let tx = |v: f64| if log { v.max(lowest).log10() } else { v };
    let (x0, x1) = if log {
        // Room on the right for the value labels.
        ((lowest * 0.7).log10(), (highest * 8.0).log10())
    } else {
        let left = if lowest >= 0.0 { 0.0 } else { lowest * 1.2 };
        (left, if highest > 0.0 { highest * 1.45 } else { 1.0 })
    };
    let height = 100 + layout.row_height * n as u32;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (layout.width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err)?;
        let names: Vec<String> = rows.iter().map(|r| r.row.clone()).collect();
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", layout.title_font))
            .margin(12)
            .set_label_area_size(LabelAreaPosition::Bottom, 44)
            .y_label_area_size(layout.names_width)
            .build_cartesian_2d(x0..x1, (0..n as i32 - 1).into_segmented())
            .map_err(draw_err)?;
        let axis = if log {
            format!("{} (log scale)", table.unit)
        } else {
            table.unit.clone()
        };
        let desc = if layout.values {
            format!("{axis}; dot = median of rounds, line = min–max of rounds, ring = a round")
        } else {
            axis
        };
        if log {
            // Grid lines at 1, 2 and 5 times each power of ten.
            let first = x0.floor() as i32;
            for decade in first..=x1.ceil() as i32 {
                for &d in layout.multiples {
                    let x = f64::from(decade) + d.log10();
                    if x > x0 && x < x1 {
                        chart
                            .draw_series(std::iter::once(PathElement::new(
                                vec![(x, SegmentValue::Exact(0)), (x, SegmentValue::Last)],
                                RGBColor(225, 225, 225).stroke_width(1),
                            )))
                            .map_err(draw_err)?;
                    }
                }
            }
        }
        chart
            .configure_mesh()
            .disable_y_mesh()
            .disable_x_mesh()
            .set_tick_mark_size(LabelAreaPosition::Bottom, if log { 0 } else { 5 })
            .x_desc(desc)
            .y_labels(n)
            .x_labels(if log { 40 } else { 8 })
            .label_style(("sans-serif", layout.font))
            .axis_desc_style(("sans-serif", layout.font))
            .x_label_formatter(&|v| {
                if log {
                    log_label(*v, layout.multiples)
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
        for (i, row) in rows.iter().enumerate() {
            let slot = SegmentValue::CenterOf((n - 1 - i) as i32);
            let (colour, marker) = style(&row.row);
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(tx(row.low), slot.clone()), (tx(row.high), slot.clone())],
                    colour.stroke_width(2),
                )))
                .map_err(draw_err)?;
            for round in &row.rounds {
                let at = chart.backend_coord(&(tx(round.value), slot.clone()));
                root.draw(&Circle::new(at, 3, colour.stroke_width(1)))
                    .map_err(draw_err)?;
            }
            let at = chart.backend_coord(&(tx(row.median), slot.clone()));
            draw_marker(&root, at, marker, layout.marker, colour)?;
            if layout.values {
                let mut label = format!("{} {}", short_number(row.median), table.unit);
                if row.unstable {
                    label.push_str("  unstable");
                }
                let (x, y) = chart.backend_coord(&(tx(row.high.max(row.median)), slot));
                root.draw(&Text::new(
                    label,
                    (x + 10, y - layout.font as i32 / 2),
                    ("sans-serif", layout.font),
                ))
                .map_err(draw_err)?;
            }
        }
        root.present().map_err(draw_err)?;
    }
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_labels_are_round_numbers_at_the_chosen_multiples() {
        assert_eq!(log_label(2f64.log10(), ONE_TWO_FIVE), "2");
        assert_eq!(log_label(50f64.log10() + 0.001, ONE_TWO_FIVE), "50");
        assert_eq!(log_label(0.05f64.log10(), ONE_TWO_FIVE), "0.05");
        assert_eq!(log_label(20_000f64.log10(), ONE_TWO_FIVE), "20k");
        assert_eq!(log_label(3f64.log10(), ONE_TWO_FIVE), "");
        assert_eq!(log_label(2f64.log10(), POWERS_OF_TEN), "");
        assert_eq!(log_label(100f64.log10(), POWERS_OF_TEN), "100");
    }
}
