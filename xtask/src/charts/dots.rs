//! A dot plot of one table: one line per row, a marker at the median of the
//! rounds, a whisker from the lowest to the highest round, and a small ring
//! per round. No bars: on a logarithmic axis a bar's length means nothing.
//! The axis is logarithmic when the values span more than 30×.

use plotters::prelude::*;

use crate::analysis::{Table, TableRow};
use crate::charts::style::{draw_err, draw_marker, style};
use crate::error::{Error, Result};
use crate::fmt::{axis_number, short_number};

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
    /// Show the value beside each row.
    pub values: bool,
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
            .x_label_area_size(44)
            .y_label_area_size(layout.names_width)
            .build_cartesian_2d(x0..x1, (0..n as i32 - 1).into_segmented())
            .map_err(draw_err)?;
        let axis = if log {
            format!("{} (log scale)", table.unit)
        } else {
            table.unit.clone()
        };
        let desc =
            format!("{axis}; dot = median of rounds, line = min–max of rounds, ring = a round");
        chart
            .configure_mesh()
            .disable_y_mesh()
            .x_desc(desc)
            .y_labels(n)
            .label_style(("sans-serif", layout.font))
            .axis_desc_style(("sans-serif", layout.font))
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
