//! Renders a [`Results`] into a report directory: `REPORT.md`, `charts/*.svg`
//! and `results.json`.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use taskpool_benches::spec::Workload;

use crate::analysis::{self, class_name, Table, TableRow};
use crate::charts::{self, short_number};
use crate::error::{Context, Result};
use crate::results::Results;

/// Name of W9's reference row.
const FLOOR: &str = taskpool_benches::memory::FLOOR;

/// Directory of the charts inside a report directory.
pub const CHARTS_DIR: &str = "charts";

/// A chart to write: file name and SVG text.
#[derive(Debug, Clone)]
pub struct Chart {
    /// File name inside `charts/`.
    pub file: String,
    /// The SVG document.
    pub svg: String,
}

/// Everything a report directory receives.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// REPORT.md.
    pub markdown: String,
    /// The charts.
    pub charts: Vec<Chart>,
    /// results.json (with the derived tables filled in).
    pub json: String,
}

/// How REPORT.md names a row: pools in code format, the inline reference
/// as `inline (reference)`, the W9 floor in code format (its `<Task>` would
/// otherwise read as an HTML tag).
fn row_label(row: &str, reference: bool) -> String {
    if reference && row != FLOOR {
        format!("{row} (reference)")
    } else {
        format!("`{row}`")
    }
}

fn table_heading(table: &Table) -> String {
    match table.kind() {
        Some(w) => format!("{} {} — {}", w.id(), table.parameter, w.title()),
        None => format!("{} {}", table.workload, table.parameter),
    }
}

/// Renders `results` (tables derived afresh).
pub fn render(results: &Results) -> Result<Rendered> {
    let tables = analysis::tables(results);
    let mut charts = Vec::new();
    for table in &tables {
        if matches!(table.kind(), Some(Workload::S1 | Workload::S2)) {
            continue;
        }
        charts.push(Chart {
            file: charts::bar_chart_file(table),
            svg: charts::bar_chart(table, &table_heading(table))?,
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
                svg: charts::scaling_chart(&curve, &format!("{} — {}", w.id(), w.title()), x_name)?,
            });
        }
    }
    // Every generated file says so: a <desc> right after the <svg> tag. Not
    // an XML comment, which may not contain `--` (the notice names
    // `--full`): a viewer refuses such a file as malformed.
    let notice = format!("\n<desc>{}</desc>", xml_text(&results.generated_by));
    for chart in &mut charts {
        if let Some(end) = chart.svg.find('>') {
            chart.svg.insert_str(end + 1, &notice);
        }
    }
    let markdown = markdown(results, &tables);
    let mut with_tables = results.clone();
    with_tables.tables = tables;
    let json =
        serde_json::to_string_pretty(&with_tables).context(|| "encoding results.json".into())?;
    Ok(Rendered {
        markdown,
        charts,
        json: json + "\n",
    })
}

/// `text` escaped for XML character data.
fn xml_text(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Writes `rendered` into `dir`, replacing the previous report there.
pub fn write(dir: &Path, rendered: &Rendered) -> Result<()> {
    let charts_dir = dir.join(CHARTS_DIR);
    if charts_dir.is_dir() {
        fs::remove_dir_all(&charts_dir).context(|| format!("removing {}", charts_dir.display()))?;
    }
    fs::create_dir_all(&charts_dir).context(|| format!("creating {}", charts_dir.display()))?;
    for chart in &rendered.charts {
        let path = charts_dir.join(&chart.file);
        fs::write(&path, &chart.svg).context(|| format!("writing {}", path.display()))?;
    }
    let md = dir.join("REPORT.md");
    fs::write(&md, &rendered.markdown).context(|| format!("writing {}", md.display()))?;
    let json = dir.join("results.json");
    fs::write(&json, &rendered.json).context(|| format!("writing {}", json.display()))?;
    Ok(())
}

fn fmt_ratio(r: f64) -> String {
    if r.is_finite() {
        format!("×{r:.2}")
    } else {
        "–".into()
    }
}

fn fmt_signed(v: f64) -> String {
    if v >= 0.0 {
        format!("+{}", short_number(v))
    } else {
        format!("−{}", short_number(-v))
    }
}

/// One sentence on who wins `table` and by how much.
pub fn verdict_sentence(table: &Table) -> Option<String> {
    let v = analysis::verdict(table)?;
    let unit = &table.unit;
    let w = &v.winner;
    let mut s = match w.over_floor {
        Some(over) => format!(
            "`{}` ({} {unit}, {} over the `{FLOOR}`)",
            w.row,
            short_number(w.median),
            fmt_signed(over)
        ),
        None => format!("`{}` ({} {unit})", w.row, short_number(w.median)),
    };
    match &v.runner_up {
        None => s.push_str(" (the only pool measured)"),
        Some(r) => {
            let factor = r.median / w.median;
            if v.within_noise.is_empty() {
                let _ = write!(
                    s,
                    ", {factor:.2}× ahead of the next, `{}` ({} {unit}); the spreads do not overlap",
                    r.row,
                    short_number(r.median)
                );
            } else {
                let others: Vec<String> = v.within_noise.iter().map(|n| format!("`{n}`")).collect();
                let _ = write!(
                    s,
                    "; next is `{}` at {factor:.2}× the winner's median; within noise of the winner \
                     (min–max spreads overlap): {}",
                    r.row,
                    others.join(", ")
                );
            }
        }
    }
    Some(s)
}

fn which_pool(out: &mut String, tables: &[Table]) {
    out.push_str("## Which pool for which workload\n\n");
    out.push_str(
        "Derived from the tables below: the ranked rows exclude the references (`inline`; \
         in W9 the `Vec<Task> (floor)`). \
         \"Within noise\" means the min–max spreads of the winner and that pool overlap, \
         so this run cannot tell them apart.\n\n",
    );
    for table in tables {
        let Some(w) = table.kind() else { continue };
        if matches!(w, Workload::S1 | Workload::S2) {
            continue;
        }
        if let Some(sentence) = verdict_sentence(table) {
            let _ = writeln!(
                out,
                "- **{}** ({} {}): {}.",
                class_name(w),
                w.id(),
                table.parameter,
                sentence
            );
        }
    }
    for w in [Workload::S1, Workload::S2] {
        let points: Vec<String> = tables
            .iter()
            .filter(|t| t.kind() == Some(w))
            .filter_map(|t| {
                let v = analysis::verdict(t)?;
                let noise = if v.within_noise.is_empty() {
                    String::new()
                } else {
                    format!(" (within noise: {})", v.within_noise.join(", "))
                };
                Some(format!("{} → `{}`{noise}", t.parameter, v.winner.row))
            })
            .collect();
        if !points.is_empty() {
            let _ = writeln!(
                out,
                "- **{}** ({}): {}.",
                class_name(w),
                w.id(),
                points.join("; ")
            );
        }
    }
    out.push('\n');
}

/// The headline matrix: one row per catalog pool (and inline), one column
/// per workload (its first size), medians in each workload's unit, the
/// winner of each column in bold.
fn at_a_glance(out: &mut String, results: &Results, tables: &[Table]) {
    let mut columns: Vec<&Table> = Vec::new();
    for table in tables {
        let Some(w) = table.kind() else { continue };
        if matches!(w, Workload::S1 | Workload::S2) || columns.iter().any(|c| c.kind() == Some(w)) {
            continue;
        }
        columns.push(table);
    }
    let mut rows: Vec<String> = results.features.iter().map(|f| f.pool.clone()).collect();
    rows.push(taskpool_benches::rows::INLINE.to_owned());
    if columns.iter().any(|t| t.row(FLOOR).is_some()) {
        rows.push(FLOOR.to_owned());
    }
    if columns.is_empty() {
        return;
    }
    out.push_str("## At a glance\n\n");
    out.push_str(
        "Medians of each workload's first size, in its unit (lower is better); the winner of \
         each column in bold. W7 shows the rows that build the resource in every task \
         (see its table for the thread-local and stateful-worker rows).\n\n",
    );
    let headers: Vec<String> = columns
        .iter()
        .map(|t| format!("{} {} ({})", t.workload, t.parameter, t.unit))
        .collect();
    let _ = writeln!(out, "| pool | {} |", headers.join(" | "));
    let _ = writeln!(out, "|---|{}", "---|".repeat(headers.len()));
    for name in &rows {
        let cells: Vec<String> = columns
            .iter()
            .map(|t| match t.row(name) {
                Some(r) if t.winner().is_some_and(|w| w.row == r.row) => {
                    format!("**{}**", short_number(r.median))
                }
                Some(r) => short_number(r.median),
                None => "–".to_owned(),
            })
            .collect();
        let reference = name == taskpool_benches::rows::INLINE || name == FLOOR;
        let label = row_label(name, reference);
        let _ = writeln!(out, "| {label} | {} |", cells.join(" | "));
    }
    out.push('\n');
}

fn row_cells(row: &TableRow, has_inline: bool, has_floor: bool, figure_names: &[String]) -> String {
    let mut cells = vec![
        row_label(&row.row, row.reference),
        short_number(row.median),
        format!("{} – {}", short_number(row.low), short_number(row.high)),
        // Only the fastest ranked row is bold; the verdicts say which others
        // are within noise of it.
        if row.reference || row.ratio_to_fastest > 1.0 {
            fmt_ratio(row.ratio_to_fastest)
        } else {
            format!("**{}**", fmt_ratio(row.ratio_to_fastest))
        },
    ];
    if has_inline {
        cells.push(match (row.reference, row.over_inline) {
            (true, _) => "–".into(),
            (false, Some(v)) => fmt_signed(v),
            (false, None) => "–".into(),
        });
    }
    if has_floor {
        cells.push(match (row.reference, row.over_floor) {
            (false, Some(v)) => fmt_signed(v),
            _ => "–".into(),
        });
    }
    for f in figure_names {
        cells.push(row.figures.iter().find(|x| &x.name == f).map_or_else(
            || "–".into(),
            |x| {
                format!(
                    "{}{}",
                    short_number(x.value),
                    if x.unit.is_empty() {
                        String::new()
                    } else {
                        format!(" {}", x.unit)
                    }
                )
            },
        ));
    }
    format!("| {} |", cells.join(" | "))
}

fn write_table(out: &mut String, table: &Table) {
    let has_inline = table.rows.iter().any(|r| r.over_inline.is_some());
    let has_floor = table.rows.iter().any(|r| r.over_floor.is_some());
    let mut figure_names: Vec<String> = Vec::new();
    for r in &table.rows {
        for f in &r.figures {
            if !figure_names.contains(&f.name) {
                figure_names.push(f.name.clone());
            }
        }
    }
    let mut header = vec![
        "pool".to_owned(),
        format!("median ({})", table.unit),
        "spread (min – max)".to_owned(),
        if table.kind() == Some(Workload::W9) {
            "× smallest".to_owned()
        } else {
            "× fastest".to_owned()
        },
    ];
    if has_inline {
        header.push(format!("over inline ({})", table.unit));
    }
    if has_floor {
        header.push(format!("over the floor ({})", table.unit));
    }
    header.extend(figure_names.iter().cloned());
    let _ = writeln!(out, "| {} |", header.join(" | "));
    let _ = writeln!(out, "|{}", "---|".repeat(header.len()));
    for row in &table.rows {
        let _ = writeln!(
            out,
            "{}",
            row_cells(row, has_inline, has_floor, &figure_names)
        );
    }
    out.push('\n');
}

fn markdown(results: &Results, tables: &[Table]) -> String {
    let env = &results.environment;
    let meta = &results.meta;
    let mut out = String::new();
    let _ = writeln!(out, "# taskpool benchmark report ({})\n", results.report);
    let _ = writeln!(out, "> {}\n", results.generated_by);
    let _ = writeln!(out, "- Date: {}", env.date);
    let _ = writeln!(out, "- Git revision: `{}`", env.git_revision);
    let _ = writeln!(out, "- Profile: {}", meta.selection.profile);
    let sel = &meta.selection;
    if sel.is_custom() {
        let pools = sel.pools.as_ref().map_or("all".to_owned(), |p| {
            p.iter().cloned().collect::<Vec<_>>().join(", ")
        });
        let workloads = sel.workloads.as_ref().map_or("all".to_owned(), |w| {
            w.iter().map(|w| w.id()).collect::<Vec<_>>().join(", ")
        });
        let _ = writeln!(
            out,
            "- Selection: pools {pools}; workloads {workloads}; capacity {}; tasks {}",
            sel.capacity
                .map_or("as specified".into(), |c| c.to_string()),
            sel.tasks.map_or("as specified".into(), |t| t.to_string())
        );
    }
    out.push('\n');

    out.push_str("## Machine\n\n| | |\n|---|---|\n");
    let _ = writeln!(out, "| CPU | {} |", env.cpu_model);
    let _ = writeln!(out, "| Cores | {} |", env.cores);
    let _ = writeln!(
        out,
        "| Memory | {:.1} GiB |",
        env.memory_bytes as f64 / (1u64 << 30) as f64
    );
    let _ = writeln!(out, "| OS | {} |", env.os);
    let c = &meta.calibration;
    let _ = writeln!(
        out,
        "| One `sleep(1 ms)` measured | {:.3} ms |",
        c.sleep_1ms_ns / 1e6
    );
    let _ = writeln!(
        out,
        "| One W3 task inline | {:.2} µs |",
        c.cpu_task_ns / 1e3
    );
    let _ = writeln!(
        out,
        "| One W7 resource build | {:.3} ms ({} passes over 64 KiB) |\n",
        c.resource_build_ns / 1e6,
        c.resource_passes
    );
    let _ = writeln!(out, "```text\n$ rustc -vV\n{}\n```\n", env.rustc);
    out.push_str("| crate | version (Cargo.lock) |\n|---|---|\n");
    for (name, version) in &env.crate_versions {
        let _ = writeln!(out, "| {name} | {version} |");
    }
    out.push('\n');

    out.push_str(
        "## How to read this\n\n\
         Every figure is criterion's median over its samples; one sample times whole batches \
         (`iter_custom`: submit every task, then wait until the last has finished). The spread \
         is the fastest and slowest sample, converted to the same unit. \"× fastest\" divides by \
         the fastest pool's median (the `inline` reference is not ranked); \"over inline\" \
         subtracts the median of the same closures run on the calling thread. W9 is not timed: \
         each row is the median of several runs, each in a fresh process, the spread their \
         lowest and highest, and \"over the floor\" subtracts the `Vec<Task> (floor)` row, the \
         same boxed tasks in a `Vec` of exact capacity, which no queue of tasks can beat. The \
         machine is shared: compare pools within this run, as ratios, and mind the spread.\n\n",
    );
    at_a_glance(&mut out, results, tables);
    which_pool(&mut out, tables);

    out.push_str("## Results\n\n");
    let mut last: Option<String> = None;
    for table in tables {
        if last.as_deref() != Some(table.workload.as_str()) {
            if let Some(w) = table.kind() {
                let _ = writeln!(out, "### {} — {}\n", w.id(), w.title());
                let sizes = meta.sizes.get(w.id());
                if let Some(s) = sizes {
                    let count = match w {
                        Workload::W8 => format!("{} per-call samples for the percentiles", s.tasks),
                        Workload::W9 => format!(
                            "{} queued tasks, {} {} per row (a fresh process each)",
                            s.tasks,
                            s.runs,
                            if s.runs == 1 { "run" } else { "runs" }
                        ),
                        _ => format!("{} tasks per batch", s.tasks),
                    };
                    let _ = writeln!(
                        out,
                        "Sizes: {count}; capacity {:?}; submitters {:?}.\n",
                        s.capacities, s.submitters
                    );
                }
                let _ = writeln!(out, "Timed region: {}\n", w.timed_region());
                if matches!(w, Workload::S1 | Workload::S2) {
                    let _ = writeln!(
                        out,
                        "![{} chart]({}/{}.svg)\n",
                        w.id(),
                        CHARTS_DIR,
                        w.group()
                    );
                }
            }
            last = Some(table.workload.clone());
        }
        let _ = writeln!(out, "#### {}\n", table_heading(table));
        if !matches!(table.kind(), Some(Workload::S1 | Workload::S2)) {
            let _ = writeln!(
                out,
                "![chart]({}/{})\n",
                CHARTS_DIR,
                charts::bar_chart_file(table)
            );
        }
        let _ = writeln!(out, "Spread: {}.\n", table.spread);
        write_table(&mut out, table);
    }

    if !results.skipped.is_empty() {
        out.push_str("## Not measured\n\nPlanned but not run, with the reason:\n\n");
        for s in &results.skipped {
            let _ = writeln!(out, "- `{}`: {}", s.id, s.reason.replace('\n', " "));
        }
        out.push('\n');
    }
    if !results.features.is_empty() {
        out.push_str("## The pools (from the catalog)\n\n");
        let columns: Vec<&str> = results.features[0]
            .values
            .iter()
            .map(|(k, _)| k.as_str())
            .collect();
        let _ = writeln!(out, "| pool | {} |", columns.join(" | "));
        let _ = writeln!(out, "|---|{}", "---|".repeat(columns.len()));
        for f in &results.features {
            let values: Vec<&str> = f.values.iter().map(|(_, v)| v.as_str()).collect();
            let _ = writeln!(out, "| `{}` | {} |", f.pool, values.join(" | "));
        }
        out.push('\n');
    }
    let _ = writeln!(out, "---\n\n{}", results.generated_by);
    out
}
