//! One look per row in every chart: the colour of its family (the catalog
//! pool it belongs to; grey for the references) and a marker for its
//! variant (● through the contract, ■ raw, ○ `+tls`, ▲ ◆ ▼ ✕ □ the
//! strategy-specific rows), so a row is told apart by shape where two rows
//! share a colour.

use plotters::prelude::*;
use taskpool_benches::extra::Extra;
use taskpool_benches::rows::Row;
use taskpool_catalog::PoolKind;

use crate::error::{Error, Result};

/// A marker shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Marker {
    /// Filled circle: a row through the contract.
    Circle,
    /// Filled square: a raw row.
    Square,
    /// Hollow circle: a `+tls` row.
    Ring,
    /// Filled triangle pointing up.
    TriangleUp,
    /// Filled diamond.
    Diamond,
    /// Filled triangle pointing down.
    TriangleDown,
    /// A cross.
    Cross,
    /// Hollow square.
    Box,
}

/// Grey, for the reference rows.
pub const REFERENCE: RGBColor = RGBColor(110, 110, 110);

/// The family colours, one per catalog pool, in `PoolKind::ALL` order.
const FAMILY: [RGBColor; 7] = [
    RGBColor(31, 119, 180),  // workerpool: blue
    RGBColor(255, 127, 14),  // ants: orange
    RGBColor(44, 160, 44),   // tunny: green
    RGBColor(214, 39, 40),   // rayon: red
    RGBColor(148, 103, 189), // threadpool: purple
    RGBColor(140, 86, 75),   // channel: brown
    RGBColor(227, 119, 194), // thread-per-task: pink
];

/// Colours for names no row of this workspace has (old results, fixtures).
const OTHER: [RGBColor; 3] = [
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
    RGBColor(57, 59, 121),
];

/// The colour and marker of `row`.
pub fn style(row: &str) -> (RGBColor, Marker) {
    let Some(parsed) = Row::parse(row) else {
        // FNV-1a: deterministic across runs and platforms.
        let hash = row.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
        return (OTHER[(hash % OTHER.len() as u64) as usize], Marker::Circle);
    };
    let family = |kind: PoolKind| {
        let i = PoolKind::ALL.iter().position(|k| *k == kind).unwrap_or(0);
        FAMILY[i % FAMILY.len()]
    };
    match parsed {
        Row::Pool(kind) => (family(kind), Marker::Circle),
        Row::PoolTls(kind) => (family(kind), Marker::Ring),
        Row::Raw(raw) => (family(raw.wrapped()), Marker::Square),
        Row::Extra(extra) => {
            let kind = PoolKind::ALL
                .iter()
                .copied()
                .find(|k| k.name() == extra.family())
                .unwrap_or(PoolKind::WorkerPool);
            let marker = match extra {
                Extra::AntsFunc | Extra::TunnyStateful => Marker::TriangleUp,
                Extra::AntsMulti | Extra::TunnyBatch | Extra::WorkerpoolBounded => Marker::Diamond,
                Extra::AntsMultiRoundRobin => Marker::TriangleDown,
                Extra::AntsNative | Extra::TunnyProcess => Marker::Cross,
                Extra::AntsNonblocking | Extra::TunnyWorker => Marker::Box,
            };
            (family(kind), marker)
        }
        Row::Inline => (REFERENCE, Marker::Circle),
        Row::InlineTls => (REFERENCE, Marker::Ring),
        Row::Floor | Row::VecFloor => (REFERENCE, Marker::Diamond),
    }
}

pub(crate) fn draw_err<E: std::fmt::Debug>(e: E) -> Error {
    Error(format!("drawing a chart failed: {e:?}"))
}

/// Draws `marker` of radius `size` at pixel `at` on `area`.
pub fn draw_marker<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    at: (i32, i32),
    marker: Marker,
    size: i32,
    colour: RGBColor,
) -> Result<()> {
    let (x, y) = at;
    let s = size;
    match marker {
        Marker::Circle => area
            .draw(&Circle::new(at, s, colour.filled()))
            .map_err(draw_err),
        Marker::Ring => area
            .draw(&Circle::new(at, s, colour.stroke_width(2)))
            .map_err(draw_err),
        Marker::Square => area
            .draw(&Rectangle::new(
                [(x - s + 1, y - s + 1), (x + s - 1, y + s - 1)],
                colour.filled(),
            ))
            .map_err(draw_err),
        Marker::Box => area
            .draw(&Rectangle::new(
                [(x - s + 1, y - s + 1), (x + s - 1, y + s - 1)],
                colour.stroke_width(2),
            ))
            .map_err(draw_err),
        Marker::TriangleUp => area
            .draw(&Polygon::new(
                vec![(x, y - s - 1), (x + s, y + s - 1), (x - s, y + s - 1)],
                colour.filled(),
            ))
            .map_err(draw_err),
        Marker::TriangleDown => area
            .draw(&Polygon::new(
                vec![(x, y + s + 1), (x + s, y - s + 1), (x - s, y - s + 1)],
                colour.filled(),
            ))
            .map_err(draw_err),
        Marker::Diamond => area
            .draw(&Polygon::new(
                vec![
                    (x, y - s - 1),
                    (x + s + 1, y),
                    (x, y + s + 1),
                    (x - s - 1, y),
                ],
                colour.filled(),
            ))
            .map_err(draw_err),
        Marker::Cross => {
            area.draw(&PathElement::new(
                vec![(x - s, y - s), (x + s, y + s)],
                colour.stroke_width(3),
            ))
            .map_err(draw_err)?;
            area.draw(&PathElement::new(
                vec![(x - s, y + s), (x + s, y - s)],
                colour.stroke_width(3),
            ))
            .map_err(draw_err)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_row_has_a_look_of_its_own() {
        let looks: Vec<(String, (u8, u8, u8), Marker)> = Row::all()
            .iter()
            .map(|r| {
                let (c, m) = style(&r.name());
                (r.name(), (c.0, c.1, c.2), m)
            })
            .collect();
        let distinct: HashSet<((u8, u8, u8), Marker)> =
            looks.iter().map(|(_, c, m)| (*c, *m)).collect();
        // The references share grey: inline and the floors are told apart by
        // marker, and the two floors never share a table.
        assert_eq!(distinct.len(), looks.len() - 1, "{looks:?}");
        let colours: HashSet<(u8, u8, u8)> = FAMILY.iter().map(|c| (c.0, c.1, c.2)).collect();
        assert_eq!(colours.len(), FAMILY.len(), "family colours are distinct");
        assert_eq!(style("rayon-raw").0, style("rayon").0);
        assert_eq!(style("rayon-raw").1, Marker::Square);
        assert_eq!(style("unknown-row"), style("unknown-row"));
    }
}
