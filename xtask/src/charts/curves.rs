//! A scaling curve (S1, S2): one line per row through the medians of its
//! rounds, a translucent band from the lowest to the highest round at each
//! size, both axes logarithmic. The legend sits in a panel of its own.
//!
//! Logarithmic axes are drawn as linear axes over the logarithms of the
//! values, with tick labels showing the original values.

use std::collections::BTreeMap;

use plotters::prelude::*;

use crate::analysis::{parameter_value, Table};
use crate::charts::style::{draw_err, draw_marker, style};
use crate::error::{Error, Result};

const WIDTH: u32 = 880;
/// Width of the legend panel beside the chart.
const LEGEND_WIDTH: u32 = 190;

/// One point of a curve: x = log2(size), the median and the band, log10.
#[derive(Debug, Clone, Copy)]
struct Point {
    x: f64,
    median: f64,
    low: f64,
    high: f64,
}

/// `tables` are the same workload at several sizes; `x_name` names the size.
pub fn scaling_chart(tables: &[&Table], title: &str, x_name: &str) -> Result<String> {
    let mut series: BTreeMap<String, Vec<Point>> = BTreeMap::new();
    for table in tables {
        let x = parameter_value(&table.parameter) as f64;
        if x <= 0.0 {
            continue;
        }
        for row in &table.rows {
            if row.low > 0.0 {
                series.entry(row.row.clone()).or_default().push(Point {
                    x: x.log2(),
                    median: row.median.log10(),
                    low: row.low.log10(),
                    high: row.high.log10(),
                });
            }
        }
    }
    if series.is_empty() {
        return Err(Error(format!("no data for the scaling chart {title}")));
    }
    let points = || series.values().flatten();
    let (xmin, xmax) = points().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| {
        (lo.min(p.x), hi.max(p.x))
    });
    let (ymin, ymax) = points().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| {
        (lo.min(p.low), hi.max(p.high))
    });
    let pad = ((ymax - ymin) * 0.08).max(0.1);
    let xpad = ((xmax - xmin) * 0.05).max(0.05);
    let unit = tables.first().map_or_else(String::new, |t| t.unit.clone());
    let height = 540.max(80 + 24 * series.len() as u32);
    let mut svg = String::new();
    {
        let root =
            SVGBackend::with_string(&mut svg, (WIDTH + LEGEND_WIDTH, height)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err)?;
        // The plot on the left, the legend in a panel of its own on the right.
        let (plot, _) = root.split_horizontally(WIDTH);
        let mut chart = ChartBuilder::on(&plot)
            .caption(title, ("sans-serif", 21))
            .margin(12)
            .x_label_area_size(50)
            .y_label_area_size(80)
            .build_cartesian_2d(xmin - xpad..xmax + xpad, ymin - pad..ymax + pad)
            .map_err(draw_err)?;
        // Horizontal grid lines at 1, 2 and 5 times each power of ten.
        let (y0, y1) = (ymin - pad, ymax + pad);
        for decade in y0.floor() as i32..=y1.ceil() as i32 {
            for d in crate::charts::dots::ONE_TWO_FIVE {
                let y = f64::from(decade) + d.log10();
                if y > y0 && y < y1 {
                    chart
                        .draw_series(std::iter::once(PathElement::new(
                            vec![(xmin - xpad, y), (xmax + xpad, y)],
                            RGBColor(225, 225, 225).stroke_width(1),
                        )))
                        .map_err(draw_err)?;
                }
            }
        }
        chart
            .configure_mesh()
            .disable_y_mesh()
            .set_tick_mark_size(LabelAreaPosition::Left, 0)
            .label_style(("sans-serif", 15))
            .axis_desc_style(("sans-serif", 15))
            .x_desc(format!("{x_name} (log scale)"))
            .y_desc(format!(
                "{unit} (log scale; line = median of rounds, band = min–max of rounds)"
            ))
            .x_labels(12)
            .x_label_formatter(&|v| {
                // Label the powers of two only.
                if (v - v.round()).abs() < 1e-6 {
                    format!("{}", 2f64.powf(v.round()))
                } else {
                    String::new()
                }
            })
            .y_labels(40)
            .light_line_style(TRANSPARENT)
            .y_label_formatter(&|v| {
                crate::charts::dots::log_label(*v, crate::charts::dots::ONE_TWO_FIVE)
            })
            .draw()
            .map_err(draw_err)?;
        for (row, points) in &series {
            let (colour, _) = style(row);
            let mut band: Vec<(f64, f64)> = points.iter().map(|p| (p.x, p.high)).collect();
            band.extend(points.iter().rev().map(|p| (p.x, p.low)));
            chart
                .draw_series(std::iter::once(Polygon::new(
                    band,
                    colour.mix(0.12).filled(),
                )))
                .map_err(draw_err)?;
        }
        for (row, points) in &series {
            let (colour, marker) = style(row);
            chart
                .draw_series(LineSeries::new(
                    points.iter().map(|p| (p.x, p.median)),
                    colour.stroke_width(2),
                ))
                .map_err(draw_err)?;
            for p in points {
                let at = chart.backend_coord(&(p.x, p.median));
                draw_marker(&root, at, marker, 4, colour)?;
            }
        }
        // The legend: a line and the row's marker, then its name.
        for (i, row) in series.keys().enumerate() {
            let y = 50 + 24 * i as i32;
            let x = WIDTH as i32 + 8;
            let (colour, marker) = style(row);
            root.draw(&PathElement::new(
                vec![(x, y), (x + 26, y)],
                colour.stroke_width(2),
            ))
            .map_err(draw_err)?;
            draw_marker(&root, (x + 13, y), marker, 4, colour)?;
            root.draw(&Text::new(row.clone(), (x + 34, y - 7), ("sans-serif", 13)))
                .map_err(draw_err)?;
        }
        root.present().map_err(draw_err)?;
    }
    Ok(svg)
}
