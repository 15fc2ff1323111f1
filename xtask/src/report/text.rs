//! REPORT.md: the run, the machine, how to read it, the verdicts, the
//! contract tax, one table per workload and size, every row's definition.

use std::fmt::Write as _;

use taskpool_benches::rows::{Row, RowInfo, RowKind};
use taskpool_benches::sizes::IDLE_GAP;
use taskpool_benches::workload::Workload;
use taskpool_measure::markdown::{write_definitions, write_table};
use taskpool_measure::words::{below_the_floor, short_verdict, verdict_sentence};

use crate::analysis::{class_name, Table};
use crate::charts::{self, dot_chart_file};
use crate::fmt::short_number;
use crate::report::CHARTS_DIR;
use crate::results::Results;
use crate::stats::Verdict;
use crate::tax::Tax;

fn header(out: &mut String, results: &Results) {
    let env = &results.environment;
    let meta = &results.meta;
    let _ = writeln!(out, "# taskpool benchmark report ({})\n", results.report);
    let _ = writeln!(out, "> {}\n", results.generated_by);
    let _ = writeln!(out, "- Date: {}", env.date);
    let _ = writeln!(out, "- Git revision: `{}`", env.git_revision);
    let _ = writeln!(out, "- Profile: {}", meta.selection.profile);
    let rounds = results.rounds.len().max(1);
    let _ = writeln!(
        out,
        "- Rounds: {rounds} (each a fresh process, the rows of each workload in an order of its own)"
    );
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
    env.write_machine_rows(out);
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
}

fn how_to_read(out: &mut String) {
    let _ = writeln!(
        out,
        "## How to read this\n\n\
         `docs/choosing-a-pool.md` explains each point at length.\n\n\
         - **Rounds.** Every row is measured in several rounds, each a fresh process with the \
         rows in a different order. A round's value is criterion's median over its samples \
         (one sample times whole batches: submit every task, wait until the last has run); W8's \
         is the p50 of its recorded calls; W9's is one process's reading. The tables show the \
         **median of the rounds' values** and the **spread across rounds** (lowest and highest \
         round).\n\
         - **Unstable.** A row is flagged when its rounds disagree beyond their own spread: the \
         whole of one round's own spread (its fastest to slowest sample; W8: the 25th to 75th \
         percentile of its calls; W9: its reading ± 1 % of heap or ± one page of RSS) lies \
         above the whole of another's, and its highest round is more than 10 % above its \
         lowest. Such a row switches between regimes from run to run (a worker still spinning \
         or already parked); its median is one of them.\n\
         - **Winners and ties.** A winner is named only when its slowest round beats the \
         runner-up's fastest round. Otherwise the rows whose fastest round is no slower than the \
         best row's slowest round are named as tied. One round names no winner.\n\
         - **Rows.** Catalog pools run through `dyn TaskPool` and keep the contract's nine \
         rules. Raw rows (`rayon-raw`, `threadpool-raw`, `crossbeam-raw`) call the same crates \
         directly, as their users would, without the contract's bookkeeping; `crossbeam-raw` is \
         the minimal crossbeam-channel pool that performance targets are stated against. \
         Strategy-specific rows use a strategy's own API. \"The rows\" at the end defines every \
         row and says where its code is; every row name is accepted by `--pools`.\n\
         - **The floor.** `closure loop (floor)` runs the same boxed tasks in a plain loop on \
         the calling thread: the cost of the work itself. \"Over the floor\" subtracts it. A \
         pool can come out below it, because it runs the work on several cores at once; the \
         tables say so where it happens. `inline` (`InlinePool`) is the contract kept on one \
         thread, a reference, not the floor. In W9 the floor is `Vec<Task> (floor)`.\n\
         - **Contract tax.** The wrapped row over the raw row of the same crate, round by round \
         (both in the same process), then the median of those ratios: what the contract costs \
         that crate.\n\
         - **W8's two regimes.** Back to back, each call starts as the previous returns (the \
         workers may still be spinning); after idle, the caller sleeps {} ms before each call \
         (the workers have parked). Both report p50, p99 and p99.9 over every recorded call.\n\
         - The machine is shared: compare rows within this run, as ratios, and mind the spread.\n",
        IDLE_GAP.as_millis()
    );
}

fn at_a_glance(out: &mut String, tables: &[Table]) {
    let mut columns: Vec<&Table> = Vec::new();
    for table in tables {
        let Some(w) = table.kind() else { continue };
        if matches!(w, Workload::S1 | Workload::S2)
            || columns
                .iter()
                .any(|c| c.kind() == Some(w) && c.regime == table.regime)
        {
            continue;
        }
        columns.push(table);
    }
    if columns.is_empty() {
        return;
    }
    let mut names: Vec<String> = Vec::new();
    for t in &columns {
        for r in &t.rows {
            let keep = matches!(r.kind, RowKind::Raw | RowKind::Reference)
                || Row::parse(&r.row).is_none_or(|row| matches!(row, Row::Pool(_)));
            if keep && !r.row.contains('+') && !names.contains(&r.row) {
                names.push(r.row.clone());
            }
        }
    }
    let order = |name: &String| {
        Row::parse(name).map_or((1, usize::MAX), |row| {
            (0, Row::all().iter().position(|r| *r == row).unwrap_or(0))
        })
    };
    names.sort_by_key(order);
    out.push_str("## At a glance\n\n");
    out.push_str(
        "Medians of the rounds at each workload's first size, in its unit (lower is better); \
         the catalog pools, the raw rows and the references (the tables below have the \
         strategy-specific rows too). **Bold**: the named winner of the column; _italics_: \
         tied for first (no winner named).\n\n",
    );
    let headers: Vec<String> = columns
        .iter()
        .map(|t| format!("{} ({})", t.label(), t.unit))
        .collect();
    let _ = writeln!(out, "| row | {} |", headers.join(" | "));
    let _ = writeln!(out, "|---|{}", "---|".repeat(headers.len()));
    let leaders: Vec<Option<Verdict>> = columns
        .iter()
        .map(|t| crate::analysis::verdict(t).map(|v| v.all))
        .collect();
    for name in &names {
        let cells: Vec<String> = columns
            .iter()
            .zip(&leaders)
            .map(|(t, v)| match t.row(name) {
                Some(r) => {
                    let n = short_number(r.median);
                    match v {
                        Some(v) if v.winner() == Some(name) => format!("**{n}**"),
                        Some(Verdict::Tied { rows }) if rows.contains(name) => format!("_{n}_"),
                        _ => n,
                    }
                }
                None => "–".to_owned(),
            })
            .collect();
        let reference = Row::parse(name).is_some_and(|r| r.is_reference());
        let label = if reference {
            format!("`{name}` (reference)")
        } else {
            format!("`{name}`")
        };
        let _ = writeln!(out, "| {label} | {} |", cells.join(" | "));
    }
    out.push('\n');
}

fn which_pool(out: &mut String, tables: &[Table]) {
    out.push_str("## Which pool for which workload\n\n");
    out.push_str(
        "Derived from the tables below by the rule above: a winner only where its slowest \
         round beats the runner-up's fastest; the references are not ranked. Where a raw or \
         strategy-specific row leads, the verdict among the rows through `dyn TaskPool` \
         follows.\n\n",
    );
    for table in tables {
        let Some(w) = table.kind() else { continue };
        if matches!(w, Workload::S1 | Workload::S2) {
            continue;
        }
        if let Some(sentence) = verdict_sentence(table) {
            let label = match table.regime {
                Some(r) => format!("{} {}, {r}", w.id(), table.parameter),
                None => format!("{} {}", w.id(), table.parameter),
            };
            let _ = writeln!(out, "- **{}** ({label}): {sentence}.", class_name(w));
        }
    }
    for w in [Workload::S1, Workload::S2] {
        let points: Vec<String> = tables
            .iter()
            .filter(|t| t.kind() == Some(w))
            .filter_map(|t| Some(format!("{} → {}", t.parameter, short_verdict(t)?)))
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

fn contract_tax(out: &mut String, tax: &[Tax]) {
    out.push_str("## Contract tax\n\n");
    if tax.is_empty() {
        out.push_str(
            "No table of this run has a wrapped row beside the raw row of the same crate.\n\n",
        );
        return;
    }
    out.push_str(
        "What keeping the contract costs each baseline crate: the wrapped row (`rayon`, \
         `threadpool`, `channel`, through `dyn TaskPool`) over the same crate called raw, \
         computed round by round (both rows of a ratio come from the same process) and \
         summarised as the median of those ratios with their min–max. Above 1: the contract \
         costs that much; W8 gives it for the p50 and the p99 of each regime.\n\n",
    );
    out.push_str(
        "| table | figure | wrapped | raw | wrapped | raw | wrapped ÷ raw | min – max of rounds |\n\
         |---|---|---|---|---|---|---|---|\n",
    );
    for t in tax {
        let _ = writeln!(
            out,
            "| {} | {} | `{}` | `{}` | {} {} | {} {} | **{:.2}** | {:.2} – {:.2} |",
            t.table,
            t.figure,
            t.wrapped,
            t.raw,
            short_number(t.wrapped_median),
            t.unit,
            short_number(t.raw_median),
            t.unit,
            t.ratio,
            t.low,
            t.high
        );
    }
    out.push('\n');
}

fn sizes_line(results: &Results, w: Workload) -> Option<String> {
    let s = results.meta.sizes.get(w.id())?;
    let count = match w {
        Workload::W8 => format!(
            "{} back-to-back calls and {} after an idle gap recorded per row and round",
            s.tasks,
            s.idle_calls.map_or("–".to_owned(), |n| n.to_string())
        ),
        Workload::W9 => format!("{} queued tasks, one process per row and round", s.tasks),
        _ => format!("{} tasks per batch", s.tasks),
    };
    let reduced: Vec<String> = s
        .reduced
        .iter()
        .map(|r| format!("{} tasks for {}", r.tasks, r.applies_to))
        .collect();
    let reduced = if reduced.is_empty() {
        String::new()
    } else {
        format!(" (smaller batches: {})", reduced.join("; "))
    };
    Some(format!(
        "Sizes: {count}{reduced}; capacity {:?}; submitters {:?}; {} round{}.",
        s.capacities,
        s.submitters,
        s.rounds,
        if s.rounds == 1 { "" } else { "s" }
    ))
}

fn results_section(out: &mut String, results: &Results, tables: &[Table]) {
    out.push_str("## Results\n\n");
    let mut last: Option<String> = None;
    for table in tables {
        if last.as_deref() != Some(table.workload.as_str()) {
            if let Some(w) = table.kind() {
                let _ = writeln!(out, "### {} — {}\n", w.id(), w.title());
                if let Some(line) = sizes_line(results, w) {
                    let _ = writeln!(out, "{line}\n");
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
        let _ = writeln!(out, "#### {}\n", charts::heading(table));
        if !matches!(table.kind(), Some(Workload::S1 | Workload::S2)) {
            let _ = writeln!(out, "![chart]({}/{})\n", CHARTS_DIR, dot_chart_file(table));
        }
        let _ = writeln!(out, "Spread: {}.\n", table.spread);
        write_table(out, table);
        if let Some(why) = below_the_floor(table, results.meta.calibration.cores) {
            let _ = writeln!(out, "{why}\n");
        }
    }
}

fn rows_section(out: &mut String, results: &Results, tables: &[Table]) {
    let mut shown: Vec<String> = Vec::new();
    for t in tables {
        for r in &t.rows {
            if !shown.contains(&r.row) {
                shown.push(r.row.clone());
            }
        }
    }
    if shown.is_empty() {
        return;
    }
    out.push_str("## The rows\n\n");
    let recorded = !results.rows.is_empty();
    if recorded {
        out.push_str(
            "Every row of this report, as the run defined it. Each name is accepted by \
             `cargo xtask bench --pools`; a catalog pool's name also selects its raw, \
             strategy-specific and `+tls` rows. Code paths are from the workspace root.\n\n",
        );
    } else {
        out.push_str(
            "This results file does not record its rows' definitions; these are today's, \
             for the names that still exist.\n\n",
        );
    }
    let infos: Vec<RowInfo> = if recorded {
        results.rows.clone()
    } else {
        shown
            .iter()
            .filter_map(|n| Row::parse(n).map(|r| r.info()))
            .collect()
    };
    let shown: Vec<&RowInfo> = infos.iter().filter(|i| shown.contains(&i.name)).collect();
    write_definitions(out, &shown);
}

/// REPORT.md of `results`, from its `tables` and `tax`.
pub fn markdown(results: &Results, tables: &[Table], tax: &[Tax]) -> String {
    let mut out = String::new();
    header(&mut out, results);
    how_to_read(&mut out);
    at_a_glance(&mut out, tables);
    which_pool(&mut out, tables);
    contract_tax(&mut out, tax);
    results_section(&mut out, results, tables);
    rows_section(&mut out, results, tables);
    if !results.skipped.is_empty() {
        out.push_str("## Not measured\n\nPlanned but not run, with the reason:\n\n");
        for s in &results.skipped {
            let _ = writeln!(
                out,
                "- `{}` (round {}): {}",
                s.id,
                s.round,
                s.reason.replace('\n', " ")
            );
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
