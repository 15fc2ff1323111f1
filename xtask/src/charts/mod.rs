//! The report's SVG charts, drawn with plotters: a dot plot per table
//! ([`dots`]), the scaling curves with their spread bands ([`curves`]), and
//! the README's summary, a dot plot sized to be read at the width the README
//! shows it ([`SUMMARY_FILE`], [`SUMMARY_WIDTH`]). Every row has one look in
//! every chart ([`style`]).

pub mod curves;
pub mod dots;
pub mod style;

use taskpool_benches::rows::RowKind;
use taskpool_benches::workload::Workload;

use crate::analysis::{Table, TableRow};
use crate::error::Result;

/// A chart to write: file name and SVG text.
#[derive(Debug, Clone)]
pub struct Chart {
    /// File name inside `charts/`.
    pub file: String,
    /// The SVG document.
    pub svg: String,
}

/// The README's summary chart.
pub const SUMMARY_FILE: &str = "summary.svg";
/// Its width in pixels: the README shows it at exactly this width.
pub const SUMMARY_WIDTH: u32 = 480;

/// File name (without directory) of the dot plot of `table`.
pub fn dot_chart_file(table: &Table) -> String {
    let param: String = table
        .parameter
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    let group = table
        .kind()
        .map_or_else(|| table.workload.clone(), |w| w.group().to_owned());
    let mut name = group;
    if !param.is_empty() {
        name = format!("{name}_{param}");
    }
    if let Some(regime) = table.regime {
        name = format!("{name}_{regime}");
    }
    format!("{name}.svg")
}

/// The title of a table's chart and section.
pub fn heading(table: &Table) -> String {
    match table.kind() {
        Some(w) => format!("{} — {}", table.label(), w.title()),
        None => table.label(),
    }
}

/// The table the summary shows: W1 at its first size, else the first table.
pub fn summary_table(tables: &[Table]) -> Option<&Table> {
    tables
        .iter()
        .find(|t| t.kind() == Some(Workload::W1))
        .or_else(|| tables.first())
}

/// The summary: the catalog pools, the raw rows and the references of
/// [`summary_table`], large type on a small canvas.
fn summary(tables: &[Table]) -> Result<Option<Chart>> {
    let Some(table) = summary_table(tables) else {
        return Ok(None);
    };
    let rows: Vec<&TableRow> = table
        .rows
        .iter()
        .filter(|r| !r.row.contains('+'))
        .filter(|r| {
            matches!(r.kind, RowKind::Raw | RowKind::Reference)
                || taskpool_benches::rows::Row::parse(&r.row)
                    .is_none_or(|row| matches!(row, taskpool_benches::rows::Row::Pool(_)))
        })
        .collect();
    let title = match table.kind() {
        Some(w) => format!("{} {}: {}", w.id(), table.parameter, w.title()),
        None => table.label(),
    };
    // Plotters' SVG writes a font size of size / 1.24 px: 20 gives 16 px
    // type, legible where the README shows the chart at its own width.
    let layout = dots::Layout {
        width: SUMMARY_WIDTH,
        row_height: 32,
        font: 20,
        title_font: 22,
        names_width: 190,
        marker: 7,
        values: false,
        multiples: dots::POWERS_OF_TEN,
    };
    Ok(Some(Chart {
        file: SUMMARY_FILE.to_owned(),
        svg: dots::dot_chart(table, &rows, &title, &layout)?,
    }))
}

/// Every chart of `tables`.
pub fn all(tables: &[Table]) -> Result<Vec<Chart>> {
    let mut charts = Vec::new();
    for table in tables {
        if matches!(table.kind(), Some(Workload::S1 | Workload::S2)) {
            continue;
        }
        let rows: Vec<&TableRow> = table.rows.iter().collect();
        charts.push(Chart {
            file: dot_chart_file(table),
            svg: dots::dot_chart(table, &rows, &heading(table), &dots::REPORT)?,
        });
    }
    for (w, x_name) in [
        (Workload::S1, "capacity"),
        (Workload::S2, "submitter threads"),
    ] {
        let curve: Vec<&Table> = tables.iter().filter(|t| t.kind() == Some(w)).collect();
        if !curve.is_empty() {
            charts.push(Chart {
                file: format!("{}.svg", w.group()),
                svg: curves::scaling_chart(&curve, &format!("{} — {}", w.id(), w.title()), x_name)?,
            });
        }
    }
    charts.extend(summary(tables)?);
    Ok(charts)
}
