//! The report generator on fixture files in criterion's JSON layout: tables,
//! ratios, efficiencies, the "which pool" verdicts, the SVG charts, and the
//! errors on bad input (including the CLI's, which must not panic).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use xtask::analysis::{self, Table};
use xtask::machine::Environment;
use xtask::report;
use xtask::results::{self, FeatureRow, Results};

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/run")
}

fn features() -> Vec<FeatureRow> {
    vec![FeatureRow {
        pool: "alpha".into(),
        values: vec![("when busy, submit".into(), "queue".into())],
    }]
}

fn load_fixture() -> Results {
    let dir = fixture_dir();
    let env: Environment =
        serde_json::from_str(&fs::read_to_string(dir.join("environment.json")).unwrap()).unwrap();
    results::collect(&dir, "quick", env, features()).unwrap()
}

/// A fresh scratch directory under the target directory.
fn scratch(name: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "xtask-test-{}-{}-{name}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn table<'a>(tables: &'a [Table], workload: &str, parameter: &str) -> &'a Table {
    tables
        .iter()
        .find(|t| t.workload == workload && t.parameter == parameter)
        .unwrap_or_else(|| panic!("no table {workload} {parameter}"))
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * b.abs().max(1.0)
}

#[test]
fn collect_reads_every_criterion_benchmark_with_its_throughput() {
    let r = load_fixture();
    assert_eq!(r.benchmarks.len(), 16);
    let alpha = r
        .benchmarks
        .iter()
        .find(|m| m.id == "W1_trivial/alpha/cap=2")
        .unwrap();
    assert_eq!(alpha.workload, "W1");
    assert_eq!(alpha.row, "alpha");
    assert_eq!(alpha.elements, Some(1000));
    assert!(close(alpha.median_ns, 100e3));
    assert!(close(alpha.min_ns, 95e3) && close(alpha.max_ns, 110e3));
    assert_eq!(alpha.samples, 3);
    let latency = r
        .benchmarks
        .iter()
        .find(|m| m.group == "W8_latency")
        .unwrap();
    assert_eq!(latency.elements, None);
    assert_eq!(r.latency.len(), 2);
    // Every run of every W9 row, the floor included.
    assert_eq!(r.memory.len(), 9);
    assert_eq!(r.skipped.len(), 1);
}

#[test]
fn tables_convert_units_rank_and_compare_with_inline() {
    let tables = analysis::tables(&load_fixture());
    let w1 = table(&tables, "W1", "cap=2");
    assert_eq!(w1.unit, "ns/task");
    let names: Vec<&str> = w1.rows.iter().map(|r| r.row.as_str()).collect();
    assert_eq!(names, ["inline", "alpha", "beta"]);
    let alpha = w1.row("alpha").unwrap();
    assert!(close(alpha.median, 100.0));
    assert!(close(alpha.low, 95.0) && close(alpha.high, 110.0));
    assert!(close(alpha.ratio_to_fastest, 1.0));
    assert!(close(alpha.over_inline.unwrap(), 50.0));
    let beta = w1.row("beta").unwrap();
    assert!(close(beta.ratio_to_fastest, 3.0));
    // The reference is not ranked: the winner is the fastest real pool.
    assert_eq!(w1.winner().unwrap().row, "alpha");
    assert!(close(w1.row("inline").unwrap().ratio_to_fastest, 0.5));

    // W2 efficiency: ideal = ceil(1000/100) × 1.1 ms = 11 ms; measured 22 ms.
    let w2 = table(&tables, "W2", "cap=100");
    assert_eq!(w2.unit, "ms/batch");
    let eff = &w2.row("alpha").unwrap().figures[0];
    assert_eq!(eff.name, "efficiency");
    assert!(close(eff.value, 0.5), "{}", eff.value);
    assert!(w2.row("alpha").unwrap().over_inline.is_none());

    // W3 efficiency: inline 20 ms / 2 cores / 12.5 ms = 0.8.
    let w3 = table(&tables, "W3", "cap=2");
    let eff = w3.row("alpha").unwrap().figures[0].value;
    assert!(close(eff, 0.8), "{eff}");

    // W8: µs per call, plus the recorded percentiles.
    let w8 = table(&tables, "W8", "cap=4");
    assert_eq!(w8.unit, "µs/call");
    let alpha = w8.row("alpha").unwrap();
    assert!(close(alpha.median, 4.0));
    let p: Vec<(&str, f64)> = alpha
        .figures
        .iter()
        .map(|f| (f.name.as_str(), f.value))
        .collect();
    assert_eq!(p.len(), 2);
    assert!(p[0].0 == "p50" && close(p[0].1, 3.0));
    assert!(p[1].0 == "p99" && close(p[1].1, 9.0));

    // W9: the median of each row's runs, their min–max as spread, and the
    // overhead over the (unranked) floor row.
    let w9 = table(&tables, "W9", "cap=2");
    assert_eq!(w9.unit, "bytes/task");
    assert_eq!(w9.tasks, Some(100_000));
    assert_eq!(
        w9.spread,
        "min–max over 3 runs per row, each in a fresh process"
    );
    assert_eq!(w9.winner().unwrap().row, "alpha");
    let alpha = w9.row("alpha").unwrap();
    assert!(close(alpha.median, 64.0) && close(alpha.low, 63.5) && close(alpha.high, 70.0));
    assert!(close(alpha.over_floor.unwrap(), 16.0));
    assert!(close(w9.row("beta").unwrap().ratio_to_fastest, 2.0));
    assert!(close(w9.row("beta").unwrap().over_floor.unwrap(), 80.0));
    let floor = w9.row("Vec<Task> (floor)").unwrap();
    assert!(floor.reference && floor.over_floor.is_none());
    assert!(close(floor.median, 48.0) && close(floor.high, 48.5));
    assert!(close(floor.ratio_to_fastest, 0.75));
    let names: Vec<&str> = w9.rows.iter().map(|r| r.row.as_str()).collect();
    assert_eq!(names, ["Vec<Task> (floor)", "alpha", "beta"]);

    // Tables come in report order.
    let order: Vec<String> = tables
        .iter()
        .map(|t| format!("{} {}", t.workload, t.parameter))
        .collect();
    assert_eq!(
        order,
        [
            "W1 cap=2",
            "W1 cap=64",
            "W2 cap=100",
            "W3 cap=2",
            "W8 cap=4",
            "W9 cap=2",
            "S1 cap=1",
            "S1 cap=8"
        ]
    );
}

#[test]
fn verdicts_name_the_winner_the_margin_and_noise() {
    let tables = analysis::tables(&load_fixture());
    let clear = report::verdict_sentence(table(&tables, "W1", "cap=2")).unwrap();
    assert_eq!(
        clear,
        "`alpha` (100 ns/task), 3.00× ahead of the next, `beta` (300 ns/task); the spreads do not overlap"
    );
    let noisy = report::verdict_sentence(table(&tables, "W1", "cap=64")).unwrap();
    assert_eq!(
        noisy,
        "`alpha` (200 ns/task); next is `beta` at 1.05× the winner's median; within noise of \
         the winner (min–max spreads overlap): `beta`"
    );
    let alone = report::verdict_sentence(table(&tables, "W3", "cap=2")).unwrap();
    assert!(alone.contains("the only pool measured"), "{alone}");
}

#[test]
fn report_has_every_section_and_the_which_pool_text() {
    let rendered = report::render(&load_fixture()).unwrap();
    let md = &rendered.markdown;
    for needle in [
        "# taskpool benchmark report (quick)",
        "Generated by `cargo xtask bench`",
        "do not edit",
        "| CPU | Fixture CPU |",
        "| Cores | 2 |",
        "| OS | Fixture OS |",
        "rustc 1.95.0 (fixture)",
        "| criterion | 0.5.1 |",
        "Git revision: `0123456789abcdef`",
        "- Date: 2026-11-27T21:00:00Z",
        "## Which pool for which workload",
        "- **Many tiny tasks** (W1 cap=2): `alpha` (100 ns/task), 3.00× ahead of the next, `beta` (300 ns/task); the spreads do not overlap.",
        "- **Memory per queued task** (W9 cap=2): `alpha` (64.0 bytes/task, +16.0 over the `Vec<Task> (floor)`), 2.00× ahead of the next, `beta` (128 bytes/task); the spreads do not overlap.",
        "Sizes: 100000 queued tasks, 3 runs per row (a fresh process each); capacity [2]; submitters [1].",
        "Spread: min–max over 3 runs per row, each in a fresh process.",
        "| pool | median (bytes/task) | spread (min – max) | × smallest | over the floor (bytes/task) |",
        "| `Vec<Task> (floor)` | 48.0 | 48.0 – 48.5 | ×0.75 | – |",
        "| `alpha` | 64.0 | 63.5 – 70.0 | **×1.00** | +16.0 |",
        "| `beta` | 128 | 126 – 130 | ×2.00 | +80.0 |",
        "| `Vec<Task> (floor)` | – | – | – | – | 48.0 |",
        "in W9 the `Vec<Task> (floor)`",
        "- **Scaling with capacity** (S1): cap=1 → `alpha`; cap=8 → `beta`.",
        "| pool | median (ns/task) | spread (min – max) | × fastest | over inline (ns/task) |",
        "| `beta` | 300 | 280 – 320 | ×3.00 | +250 |",
        "| inline (reference) | 50.0 | 48.0 – 52.0 | ×0.50 | – |",
        "| `alpha` | 22.0 | 21.0 – 24.0 | **×1.00** | 0.500 |",
        "| `alpha` | 4.00 | 3.50 – 5.00 | **×1.00** | +3.50 | 3.00 µs | 9.00 µs |",
        "![chart](charts/W1_trivial_cap2.svg)",
        "![S1 chart](charts/S1_capacity.svg)",
        "## The pools (from the catalog)",
        "| `alpha` | queue |",
        "Timed region:",
        "## At a glance",
        "| pool | W1 cap=2 (ns/task) | W2 cap=100 (ms/batch) | W3 cap=2 (ns/task) | W8 cap=4 (µs/call) | W9 cap=2 (bytes/task) |",
        "| `alpha` | **100** | **22.0** | **12500** | **4.00** | **64.0** |",
        "| inline (reference) | 50.0 | – | 20000 | 0.500 | – |",
        "## Not measured",
        "- `W1_trivial/gamma/cap=2`: building `gamma` at capacity 2 failed: not available yet",
    ] {
        assert!(md.contains(needle), "REPORT.md lacks {needle:?}:\n{md}");
    }
}

/// Checks that `svg` is a well-formed XML document with an `<svg>` root:
/// every tag closed in order, nothing after the root.
fn assert_well_formed(svg: &str, name: &str) {
    let mut stack: Vec<String> = Vec::new();
    let mut rest = svg.trim();
    assert!(rest.starts_with("<svg"), "{name} does not start with <svg");
    let mut closed_root = false;
    while let Some(start) = rest.find('<') {
        assert!(!closed_root, "{name}: content after the root element");
        if let Some(comment) = rest[start..].strip_prefix("<!--") {
            let body_end = comment.find("-->").expect("unterminated comment");
            assert!(
                !comment[..body_end].contains("--"),
                "{name}: `--` inside a comment is malformed XML"
            );
            rest = &comment[body_end + 3..];
            continue;
        }
        let end = rest[start..].find('>').expect("unterminated tag") + start;
        let tag = &rest[start + 1..end];
        if let Some(close) = tag.strip_prefix('/') {
            let open = stack
                .pop()
                .unwrap_or_else(|| panic!("{name}: stray </{close}>"));
            assert_eq!(open, close.trim(), "{name}: mismatched tags");
            closed_root = stack.is_empty();
        } else if !tag.ends_with('/') && !tag.starts_with('?') && !tag.starts_with('!') {
            let tag_name = tag.split_whitespace().next().unwrap_or_default();
            stack.push(tag_name.to_owned());
        }
        rest = &rest[end + 1..];
    }
    assert!(stack.is_empty(), "{name}: unclosed {stack:?}");
    assert!(closed_root, "{name}: no root element closed");
}

fn texts(svg: &str) -> Vec<String> {
    svg.split("<text")
        .skip(1)
        .filter_map(|s| s.split_once('>').and_then(|(_, t)| t.split_once("</text>")))
        .map(|(t, _)| t.trim().to_owned())
        .collect()
}

#[test]
fn charts_are_valid_svg_with_the_expected_series() {
    let rendered = report::render(&load_fixture()).unwrap();
    let files: Vec<&str> = rendered.charts.iter().map(|c| c.file.as_str()).collect();
    assert_eq!(
        files,
        [
            "W1_trivial_cap2.svg",
            "W1_trivial_cap64.svg",
            "W2_sleep_cap100.svg",
            "W3_cpu_cap2.svg",
            "W8_latency_cap4.svg",
            "W9_queued_memory_cap2.svg",
            "S1_capacity.svg",
        ]
    );
    for chart in &rendered.charts {
        assert_well_formed(&chart.svg, &chart.file);
        assert!(
            chart.svg.contains("<desc>Generated by `cargo xtask bench`"),
            "{}",
            chart.file
        );
    }
    let w1 = &rendered.charts[0];
    let labels = texts(&w1.svg);
    for series in ["inline", "alpha", "beta", "100 ns/task", "300 ns/task"] {
        assert!(
            labels.iter().any(|t| t == series),
            "W1 chart lacks {series}: {labels:?}"
        );
    }
    assert!(
        labels.iter().any(|t| t.contains("W1 cap=2")),
        "title missing: {labels:?}"
    );
    let s1 = rendered
        .charts
        .iter()
        .find(|c| c.file == "S1_capacity.svg")
        .unwrap();
    let labels = texts(&s1.svg);
    for series in ["alpha", "beta"] {
        assert!(
            labels.iter().any(|t| t == series),
            "S1 legend lacks {series}: {labels:?}"
        );
    }
    // Per series one data line (width 2) and one legend mark; the axes are width 1.
    let series_lines = s1
        .svg
        .split("<polyline")
        .skip(1)
        .filter(|p| p.contains("stroke-width=\"2\""))
        .count();
    assert_eq!(series_lines, 2 + 2, "two data lines and two legend marks");
}

#[test]
fn written_report_rebuilds_identically_from_results_json() {
    let dir = scratch("rebuild");
    let rendered = report::render(&load_fixture()).unwrap();
    report::write(&dir, &rendered).unwrap();
    assert!(dir.join("REPORT.md").is_file());
    assert!(dir.join("charts/S1_capacity.svg").is_file());
    let reloaded = results::load(&dir.join("results.json")).unwrap();
    assert_eq!(
        reloaded.tables,
        analysis::tables(&reloaded),
        "tables are stored as derived"
    );
    let again = report::render(&reloaded).unwrap();
    assert_eq!(again.markdown, rendered.markdown);
    assert_eq!(again.json, rendered.json);
    // Every figure in results.json carries its unit in the field name or beside it.
    let json: serde_json::Value = serde_json::from_str(&rendered.json).unwrap();
    assert!(json["benchmarks"][0]["median_ns"].is_number());
    assert_eq!(json["tables"][0]["unit"], "ns/task");
    assert!(json["memory"][0]["bytes_per_task"].is_number());
    fs::remove_dir_all(dir).unwrap();
}

#[test]
fn missing_or_broken_criterion_output_is_a_clear_error() {
    let env = load_fixture().environment;
    let empty = scratch("empty");
    let err = results::collect(&empty, "quick", env.clone(), Vec::new()).unwrap_err();
    assert!(
        err.0.contains("missing") && err.0.contains("meta.json"),
        "{err}"
    );

    let no_criterion = scratch("nocrit");
    fs::copy(
        fixture_dir().join("meta.json"),
        no_criterion.join("meta.json"),
    )
    .unwrap();
    let err = results::collect(&no_criterion, "quick", env.clone(), Vec::new()).unwrap_err();
    assert!(err.0.contains("no criterion output"), "{err}");

    let broken = scratch("broken");
    copy_dir(&fixture_dir(), &broken);
    let estimates = broken.join("criterion/W1_trivial/alpha/cap=2/new/estimates.json");
    fs::write(&estimates, "{ not json").unwrap();
    let err = results::collect(&broken, "quick", env, Vec::new()).unwrap_err();
    assert!(
        err.0.contains("parsing") && err.0.contains("estimates.json"),
        "{err}"
    );

    let err = results::load(&empty.join("results.json")).unwrap_err();
    assert!(err.0.contains("no results at"), "{err}");
    for d in [empty, no_criterion, broken] {
        fs::remove_dir_all(d).unwrap();
    }
}

fn xtask(args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .output()
        .expect("running xtask");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn cli_rejects_bad_input_with_a_message_not_a_panic() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["bench", "--pools", "nosuchpool"],
            "unknown pool `nosuchpool`",
        ),
        (
            &["bench", "--workloads", "W1,W10"],
            "unknown workload `W10`",
        ),
        (&["bench", "--capacity", "0"], "capacity must be at least 1"),
        (
            &["bench", "--tasks", "lots"],
            "tasks must be a positive whole number",
        ),
        (
            &["report", "--profile", "weekly"],
            "unknown report `weekly`",
        ),
        (
            &["report", "--results", "/nonexistent/results.json"],
            "no results at",
        ),
        (&["loom", "--crate", "nosuch"], "unknown crate `nosuch`"),
        (&["soak", "--pools", "nosuchpool"], "nosuchpool"),
    ];
    for (args, expected) in cases {
        let (ok, stderr) = xtask(args);
        assert!(!ok, "{args:?} succeeded");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?} panicked: {stderr}");
    }
}

#[test]
fn progress_lines_and_lock_versions_parse() {
    assert_eq!(
        xtask::bench::parse_progress("taskpool-bench: case 3/57 W1_trivial/ants/cap=2"),
        Some((3, 57, "W1_trivial/ants/cap=2"))
    );
    assert_eq!(
        xtask::bench::parse_progress("Benchmarking W1_trivial/ants/cap=2"),
        None
    );
    let lock = "[[package]]\nname = \"rayon\"\nversion = \"1.12.0\"\n\n[[package]]\nname = \"serde\"\nversion = \"1.0.0\"\n\n[[package]]\nname = \"taskpool-ants\"\nversion = \"0.1.0\"\n";
    let v = xtask::machine::lock_versions(lock);
    assert_eq!(v.get("rayon").map(String::as_str), Some("1.12.0"));
    assert_eq!(v.get("taskpool-ants").map(String::as_str), Some("0.1.0"));
    assert!(!v.contains_key("serde"));
    assert_eq!(
        xtask::machine::format_utc(1_795_813_200),
        "2026-11-27T21:00:00Z"
    );
}

#[test]
fn a_memory_only_run_needs_no_criterion_output() {
    let env = load_fixture().environment;
    let dir = scratch("w9only");
    fs::copy(fixture_dir().join("meta.json"), dir.join("meta.json")).unwrap();
    copy_dir(&fixture_dir().join("memory"), &dir.join("memory"));
    let r = results::collect(&dir, "custom", env, Vec::new()).unwrap();
    assert!(r.benchmarks.is_empty());
    let rendered = report::render(&r).unwrap();
    assert!(rendered
        .markdown
        .contains("### W9 — memory per queued task"));
    assert_eq!(rendered.charts.len(), 1);
    fs::remove_dir_all(dir).unwrap();
}

#[test]
fn summaries_take_the_median_and_the_extremes_of_the_samples() {
    let odd = analysis::summarize(&[53.3, 48.5, 48.4, 59.0, 48.6]).unwrap();
    assert_eq!(
        (odd.median, odd.low, odd.high, odd.samples),
        (48.6, 48.4, 59.0, 5)
    );
    let even = analysis::summarize(&[4.0, 1.0, 3.0, 2.0]).unwrap();
    assert!(close(even.median, 2.5) && close(even.low, 1.0) && close(even.high, 4.0));
    let one = analysis::summarize(&[7.5]).unwrap();
    assert_eq!(
        (one.median, one.low, one.high, one.samples),
        (7.5, 7.5, 7.5, 1)
    );
    assert!(analysis::summarize(&[]).is_none());
    assert!(analysis::summarize(&[1.0, f64::NAN]).is_none());
}

#[test]
fn w9_runs_are_interleaved_across_the_rows() {
    let probe = |row: &str, runs: usize| taskpool_benches::memory::Probe {
        row: row.into(),
        capacity: 2,
        tasks: 10,
        runs,
    };
    let probes = [probe("floor", 2), probe("a", 3), probe("b", 1)];
    assert_eq!(
        xtask::bench::memory_schedule(&probes),
        [(0, 1), (1, 1), (2, 1), (0, 2), (1, 2), (1, 3)]
    );
    assert!(xtask::bench::memory_schedule(&[]).is_empty());
}

#[test]
fn a_w9_row_with_one_run_has_no_spread_and_no_floor_without_the_floor_row() {
    let mut r = load_fixture();
    r.memory.retain(|m| m.row == "alpha");
    r.memory.truncate(1);
    let tables = analysis::tables(&r);
    let w9 = table(&tables, "W9", "cap=2");
    let alpha = w9.row("alpha").unwrap();
    assert!(close(alpha.median, 64.0) && close(alpha.low, 64.0) && close(alpha.high, 64.0));
    assert!(alpha.over_floor.is_none());
    assert!(w9.spread.starts_with("one run per row"), "{}", w9.spread);
    assert!(w9.spread.contains("0.041 bytes/task"), "{}", w9.spread);
}

fn committed_v1() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/committed-v1/results.json")
}

#[test]
fn results_from_before_the_w9_runs_still_render() {
    // One memory sample per row, no `runs` in the sizes, no floor row, no
    // `over_floor` in the stored tables: each sample is that row's one run.
    let old = results::load(&committed_v1()).unwrap();
    assert_eq!(old.meta.sizes["W9"].runs, 1);
    assert_eq!(old.memory.len(), 4);
    let tables = analysis::tables(&old);
    let w9 = table(&tables, "W9", "cap=2");
    let names: Vec<&str> = w9.rows.iter().map(|r| r.row.as_str()).collect();
    assert_eq!(names, ["workerpool", "channel", "threadpool", "rayon"]);
    for m in &old.memory {
        let row = w9.row(&m.row).unwrap();
        assert_eq!(
            (row.median, row.low, row.high),
            (m.bytes_per_task, m.bytes_per_task, m.bytes_per_task)
        );
        assert!(row.over_floor.is_none() && !row.reference);
    }
    let rendered = report::render(&old).unwrap();
    // The full report's notice names `--full`: the charts stay well-formed.
    for chart in &rendered.charts {
        assert_well_formed(&chart.svg, &chart.file);
        assert!(chart.svg.contains("bench --full"), "{}", chart.file);
    }
    let md = rendered.markdown;
    for needle in [
        "Sizes: 1000000 queued tasks, 1 run per row (a fresh process each)",
        "| pool | median (bytes/task) | spread (min – max) | × smallest |\n",
        "| `workerpool` | 53.3 | 53.3 – 53.3 | **×1.00** |",
        "Spread: one run per row, so none measured",
    ] {
        assert!(md.contains(needle), "REPORT.md lacks {needle:?}:\n{md}");
    }
    assert!(
        !md.contains("| `Vec<Task> (floor)` |"),
        "no floor row in old data"
    );

    // And through the CLI, as `cargo xtask report --results FILE`.
    let dir = scratch("committed-v1");
    fs::copy(committed_v1(), dir.join("results.json")).unwrap();
    let file = dir.join("results.json");
    let (ok, stderr) = xtask(&["report", "--results", file.to_str().unwrap()]);
    assert!(ok, "{stderr}");
    let written = fs::read_to_string(dir.join("REPORT.md")).unwrap();
    assert!(written.contains("### W9 — memory per queued task"));
    assert!(dir.join("charts/W9_queued_memory_cap2.svg").is_file());
    // The rewritten file is the new format, and loads again.
    let again = results::load(&file).unwrap();
    assert_eq!(again.memory, old.memory);
    fs::remove_dir_all(dir).unwrap();
}
