//! The Markdown of a table, as every report writes it: one line per row
//! with its kind, the median of its rounds, the spread across rounds, the
//! rounds (and whether they disagree), the ratio to the fastest, the
//! difference to the floor and the row's other figures; and the table of
//! the rows' definitions.

use std::fmt::Write as _;

use taskpool_benches::rows::{RowInfo, RowKind};

use crate::fmt::{ratio, short_number, signed, spread};
use crate::table::{Table, TableRow};

/// How a table names a row's kind.
pub fn kind_label(kind: RowKind) -> &'static str {
    match kind {
        RowKind::Contract => "contract",
        RowKind::Native => "strategy-specific",
        RowKind::Raw => "raw",
        RowKind::Reference => "reference",
    }
}

fn row_label(row: &TableRow) -> String {
    if row.reference {
        format!("`{}` (reference)", row.row)
    } else {
        format!("`{}`", row.row)
    }
}

fn figure_cell(row: &TableRow, name: &str) -> String {
    row.figure(name).map_or_else(
        || "–".into(),
        |f| {
            if f.unit.is_empty() {
                short_number(f.value)
            } else {
                format!("{} {}", short_number(f.value), f.unit)
            }
        },
    )
}

/// Appends `table` to `out` as a Markdown table, fastest row first.
pub fn write_table(out: &mut String, table: &Table) {
    let has_floor = table.rows.iter().any(|r| r.over_floor.is_some());
    let mut figure_names: Vec<String> = Vec::new();
    for r in &table.rows {
        for f in &r.figures {
            if !figure_names.contains(&f.name) {
                figure_names.push(f.name.clone());
            }
        }
    }
    let main = format!("{} ({})", table.main_figure(), table.unit);
    let mut header = vec![
        "row".to_owned(),
        "kind".to_owned(),
        main,
        "spread across rounds".to_owned(),
        "rounds".to_owned(),
        if table.measures_memory() {
            "× smallest".to_owned()
        } else {
            "× fastest".to_owned()
        },
    ];
    if has_floor {
        header.push(format!("over the floor ({})", table.unit));
    }
    header.extend(figure_names.iter().cloned());
    let _ = writeln!(out, "| {} |", header.join(" | "));
    let _ = writeln!(out, "|{}", "---|".repeat(header.len()));
    for row in &table.rows {
        let mut cells = vec![
            row_label(row),
            kind_label(row.kind).to_owned(),
            short_number(row.median),
            spread(row.low, row.high),
            if row.unstable {
                format!("{} **unstable**", row.rounds.len())
            } else {
                row.rounds.len().to_string()
            },
            ratio(row.ratio_to_fastest),
        ];
        if has_floor {
            cells.push(match (row.reference, row.over_floor) {
                (false, Some(v)) => signed(v),
                _ => "–".into(),
            });
        }
        for f in &figure_names {
            cells.push(figure_cell(row, f));
        }
        let _ = writeln!(out, "| {} |", cells.join(" | "));
    }
    out.push('\n');
}

/// Appends the table of the rows' definitions (name, kind, what it runs,
/// where its code is) to `out`.
pub fn write_definitions(out: &mut String, infos: &[&RowInfo]) {
    out.push_str("| row | kind | what it runs | code |\n|---|---|---|---|\n");
    for info in infos {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | `{}` |",
            info.name,
            kind_label(info.kind),
            info.api,
            info.code
        );
    }
    out.push('\n');
}
