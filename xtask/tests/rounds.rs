//! The report on a synthetic run of three rounds written in the layout
//! `cargo xtask bench` leaves (`round-<k>/criterion/…`, `latency/`,
//! `memory/`): medians of rounds, the unstable flag, ties and winners, the
//! floor, the contract tax, W8's regimes, W9's heap figure, the charts and
//! the README blocks. Every figure is made up so each answer is known.

mod common;

use std::fs;
use std::path::Path;

use common::{assert_well_formed, close, scratch, write_criterion};
use taskpool_benches::out::{self, MemoryResult, Percentiles, Regime};
use xtask::analysis::{self, Table};
use xtask::readme;
use xtask::report;
use xtask::results::Results;
use xtask::stats::Verdict;
use xtask::{collect, tax};

const FLOOR: &str = "closure loop (floor)";

/// Per-task ns of each row in rounds 1, 2, 3 (W1 cap=2, 1000 tasks).
const W1_CAP2: &[(&str, [f64; 3])] = &[
    ("crossbeam-raw", [200.0, 205.0, 210.0]),
    ("workerpool", [190.0, 215.0, 230.0]),
    ("rayon-raw", [250.0, 260.0, 240.0]),
    ("rayon", [300.0, 500.0, 310.0]),
    ("channel", [400.0, 410.0, 420.0]),
    ("inline", [100.0, 101.0, 99.0]),
    (FLOOR, [30.0, 31.0, 29.0]),
];

/// Samples of a round: its median ± `spread` (a fraction), in ns per iteration.
fn samples(per_task: f64, tasks: u64, spread: f64) -> Vec<f64> {
    let batch = per_task * tasks as f64;
    vec![batch * (1.0 - spread), batch, batch * (1.0 + spread)]
}

fn percentiles(row: &str, regime: Regime, round: usize, p50_us: f64) -> Percentiles {
    let ns = p50_us * 1e3;
    Percentiles {
        row: row.into(),
        capacity: 4,
        regime,
        round,
        samples: 1000,
        min_ns: ns * 0.5,
        p25_ns: Some(ns * 0.9),
        p50_ns: ns,
        p75_ns: Some(ns * 1.1),
        p90_ns: ns * 2.0,
        p99_ns: ns * 5.0,
        p999_ns: Some(ns * 10.0),
        max_ns: ns * 20.0,
    }
}

fn write_run(dir: &Path) {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/run");
    fs::copy(
        fixture.join("environment.json"),
        dir.join("environment.json"),
    )
    .unwrap();
    let meta: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(fixture.join("meta.json")).unwrap()).unwrap();
    for round in 1..=3 {
        let rd = out::round_dir(dir, round);
        let crit = rd.join("criterion");
        let i = round - 1;
        let mut meta = meta.clone();
        meta["round"] = serde_json::json!(round);
        fs::create_dir_all(&rd).unwrap();
        fs::write(rd.join(out::META_FILE), meta.to_string()).unwrap();
        for (row, values) in W1_CAP2 {
            // rayon's slow round 2 has tight samples: unstable; the others
            // spread wide enough to overlap across rounds.
            let spread = if *row == "rayon" { 0.03 } else { 0.15 };
            let s = samples(values[i], 1000, spread);
            write_criterion(&crit, "W1_trivial", row, "cap=2", Some(1000), &s);
        }
        // ants switches regime in round 2: every sample of that round is
        // slower than every sample of the others.
        let ants = [500.0, 5000.0, 520.0][i];
        write_criterion(
            &crit,
            "W1_trivial",
            "ants",
            "cap=64",
            Some(1000),
            &samples(ants, 1000, 0.02),
        );
        // threadpool's medians move, but its rounds' samples overlap.
        let tp = [600.0, 660.0, 620.0][i];
        write_criterion(
            &crit,
            "W1_trivial",
            "threadpool",
            "cap=64",
            Some(1000),
            &samples(tp, 1000, 0.1),
        );
        // W3: the floor is one thread; channel runs on two cores, below it.
        write_criterion(
            &crit,
            "W3_cpu",
            FLOOR,
            "cap=2",
            Some(100),
            &samples(10_000.0, 100, 0.01),
        );
        write_criterion(
            &crit,
            "W3_cpu",
            "channel",
            "cap=2",
            Some(100),
            &samples(5_200.0, 100, 0.01),
        );
        for (row, p50) in [
            ("channel", [0.7, 14.5, 0.72][i]),
            ("crossbeam-raw", [0.5, 0.6, 0.55][i]),
        ] {
            for regime in Regime::ALL {
                let p50 = if regime == Regime::AfterIdle {
                    p50 * 10.0
                } else {
                    p50
                };
                let p = percentiles(row, regime, round, p50);
                out::write_json(&out::latency_file(&rd, row, 4, regime), &p).unwrap();
            }
        }
        for (row, heap) in [
            ("channel", 64.0),
            ("crossbeam-raw", 40.0),
            ("Vec<Task> (floor)", 24.0),
        ] {
            let m = MemoryResult {
                row: row.into(),
                capacity: 2,
                tasks: 100_000,
                round: 0,
                heap_bytes_per_task: Some(heap),
                heap_peak_bytes_per_task: Some(heap + 1.0),
                hwm_before_kib: Some(1000),
                hwm_after_kib: Some(1000 + (heap * 100_000.0 / 1024.0) as u64 + 2),
                rss_bytes_per_task: Some(heap + 0.5),
            };
            out::write_json(&out::memory_file(&rd, row, 2), &m).unwrap();
        }
    }
}

fn load() -> Results {
    let dir = scratch("rounds");
    write_run(&dir);
    let env =
        serde_json::from_str(&fs::read_to_string(dir.join("environment.json")).unwrap()).unwrap();
    let r = collect::collect(&dir, "full", env, Vec::new()).unwrap();
    fs::remove_dir_all(dir).unwrap();
    r
}

fn table<'a>(tables: &'a [Table], label: &str) -> &'a Table {
    tables
        .iter()
        .find(|t| t.label() == label)
        .unwrap_or_else(|| panic!("no table {label}"))
}

#[test]
fn rows_show_the_median_of_their_rounds_and_the_spread_across_them() {
    let r = load();
    assert_eq!(r.rounds.len(), 3);
    assert!(r.rows.iter().any(|i| i.name == "crossbeam-raw"));
    let tables = analysis::tables(&r);
    let w1 = table(&tables, "W1 cap=2");
    assert_eq!(w1.rounds, 3);
    let rayon = w1.row("rayon").unwrap();
    assert!(close(rayon.median, 310.0) && close(rayon.low, 300.0) && close(rayon.high, 500.0));
    assert_eq!(rayon.rounds.len(), 3);
    // Every sample of its round 2 is slower than every sample of the others.
    assert!(rayon.unstable, "{rayon:?}");
    assert!(!w1.row("workerpool").unwrap().unstable);
    assert!(!w1.row(FLOOR).unwrap().unstable);
    let floor = w1.row(FLOOR).unwrap();
    assert!(floor.reference && floor.over_floor.is_none());
    assert!(close(
        w1.row("channel").unwrap().over_floor.unwrap(),
        410.0 - 30.0
    ));
    // The floor and inline are not ranked: crossbeam-raw is the fastest ranked.
    assert!(close(
        w1.row("crossbeam-raw").unwrap().ratio_to_fastest,
        1.0
    ));
}

#[test]
fn rounds_that_disagree_beyond_their_own_spread_are_flagged_unstable() {
    let tables = analysis::tables(&load());
    let w1 = table(&tables, "W1 cap=64");
    assert!(w1.row("ants").unwrap().unstable);
    assert!(!w1.row("threadpool").unwrap().unstable);
    // W8: channel's round 2 parked (p50 14.5 µs, its IQR far above the others).
    let w8 = table(&tables, "W8 cap=4 back-to-back");
    assert!(w8.row("channel").unwrap().unstable);
    assert!(!w8.row("crossbeam-raw").unwrap().unstable);
    let md = report::render(&load()).unwrap().markdown;
    assert!(
        md.contains("| `ants` | contract | 520 | 500 – 5000 | 3 **unstable** |"),
        "{md}"
    );
    // Tied with threadpool: ants' slowest round is slower than threadpool's fastest.
    assert!(
        md.contains("no winner: `ants` (520 ns/task), `threadpool` (620 ns/task) are tied"),
        "{md}"
    );
}

#[test]
fn a_tie_names_no_winner_and_a_clear_lead_does() {
    let tables = analysis::tables(&load());
    let w1 = table(&tables, "W1 cap=2");
    let v = analysis::verdict(w1).unwrap();
    // crossbeam-raw's slowest round (210) is slower than workerpool's fastest (190).
    assert_eq!(
        v.all,
        Verdict::Tied {
            rows: vec!["crossbeam-raw".into(), "workerpool".into()]
        }
    );
    // Through the contract, workerpool's slowest (230) beats rayon's fastest (300).
    let Some(Verdict::Winner {
        best, runner_up, ..
    }) = &v.contract
    else {
        panic!("{v:?}")
    };
    assert_eq!((best.as_str(), runner_up.as_str()), ("workerpool", "rayon"));
    let sentence = taskpool_measure::words::verdict_sentence(w1).unwrap();
    assert!(
        sentence.starts_with(
            "no winner: `crossbeam-raw` (205 ns/task), `workerpool` (215 ns/task) are tied"
        ),
        "{sentence}"
    );
    assert!(sentence.contains("; through `dyn TaskPool`: `workerpool` (215 ns/task), 1.44× ahead of `rayon` (310 ns/task)"), "{sentence}");
    // W9: crossbeam-raw's heap rounds all beat channel's.
    let w9 = table(&tables, "W9 cap=2");
    assert_eq!(
        analysis::verdict(w9).unwrap().all.winner(),
        Some("crossbeam-raw")
    );
}

#[test]
fn the_floor_and_a_pool_below_it_are_explained() {
    let r = load();
    let tables = analysis::tables(&r);
    let w3 = table(&tables, "W3 cap=2");
    let channel = w3.row("channel").unwrap();
    assert!(close(channel.over_floor.unwrap(), -4800.0));
    assert!(close(
        channel.figure("efficiency").unwrap().value,
        10_000.0 / 2.0 / 5_200.0
    ));
    let md = report::render(&r).unwrap().markdown;
    assert!(md.contains("Below the floor: `channel`."), "{md}");
    assert!(
        md.contains("a negative \"over the floor\" is parallelism"),
        "{md}"
    );
    assert!(
        md.contains("| `channel` | contract | 5200 | 5200 – 5200 | 3 | ×1.00 | −4800 | 0.962 |"),
        "{md}"
    );
}

#[test]
fn the_contract_tax_is_wrapped_over_raw_round_by_round() {
    let tables = analysis::tables(&load());
    let taxes = tax::contract_tax(&tables);
    let find = |label: &str, figure: &str, wrapped: &str| {
        taxes
            .iter()
            .find(|t| t.table == label && t.figure == figure && t.wrapped == wrapped)
            .unwrap_or_else(|| panic!("no tax {label} {figure} {wrapped}: {taxes:?}"))
    };
    let channel = find("W1 cap=2", "median", "channel");
    assert_eq!(channel.raw, "crossbeam-raw");
    assert!(close(channel.ratio, 2.0) && close(channel.low, 2.0) && close(channel.high, 2.0));
    let rayon = find("W1 cap=2", "median", "rayon");
    assert!(close(rayon.ratio, 310.0 / 240.0), "{rayon:?}");
    assert!(close(rayon.low, 1.2) && close(rayon.high, 500.0 / 260.0));
    let p99 = find("W8 cap=4 after-idle", "p99", "channel");
    // Per round: 35/25, 725/30, 36/27.5.
    assert!(close(p99.ratio, 1.4) && p99.rounds == 3, "{p99:?}");
    assert!(close(p99.high, 725.0 / 30.0), "{p99:?}");
    let memory = find("W9 cap=2", "median", "channel");
    assert!(close(memory.ratio, 1.6));
    let md = report::render(&load()).unwrap().markdown;
    assert!(md.contains("| W1 cap=2 | median | `channel` | `crossbeam-raw` | 410 ns/task | 205 ns/task | **2.00** | 2.00 – 2.00 |"), "{md}");
}

#[test]
fn w8_has_both_regimes_with_p999_and_w9_the_heap_beside_rss() {
    let r = load();
    let tables = analysis::tables(&r);
    let busy = table(&tables, "W8 cap=4 back-to-back");
    let idle = table(&tables, "W8 cap=4 after-idle");
    let raw = idle.row("crossbeam-raw").unwrap();
    assert!(close(raw.median, 5.5));
    assert!(close(raw.figure("p99").unwrap().value, 27.5));
    assert!(close(raw.figure("p99.9").unwrap().value, 55.0));
    assert!(close(busy.row("crossbeam-raw").unwrap().median, 0.55));
    let w9 = table(&tables, "W9 cap=2");
    let channel = w9.row("channel").unwrap();
    assert!(close(channel.median, 64.0));
    assert!(close(channel.over_floor.unwrap(), 40.0));
    assert!(close(channel.figure("RSS (VmHWM)").unwrap().value, 64.5));
    assert!(close(channel.figure("heap peak").unwrap().value, 65.0));
    let md = report::render(&r).unwrap().markdown;
    for needle in [
        "#### W8 cap=4 back-to-back — round-trip latency of one call",
        "#### W8 cap=4 after-idle — round-trip latency of one call",
        "| row | kind | p50 (µs/call) | spread across rounds | rounds | × fastest | p99 | p99.9 |",
        "| `channel` | contract | 0.720 | 0.700 – 14.5 | 3 **unstable** | ×1.31 | 3.60 µs | 7.20 µs |",
        "| row | kind | median (bytes/task) | spread across rounds | rounds | × smallest | over the floor (bytes/task) | heap peak | RSS (VmHWM) |",
        "- **Request/response latency** (W8 cap=4, after-idle):",
    ] {
        assert!(md.contains(needle), "REPORT.md lacks {needle:?}:\n{md}");
    }
}

#[test]
fn charts_draw_dots_bands_and_a_legible_summary() {
    let rendered = report::render(&load()).unwrap();
    for chart in &rendered.charts {
        assert_well_formed(&chart.svg, &chart.file);
    }
    let w1 = rendered
        .charts
        .iter()
        .find(|c| c.file == "W1_trivial_cap2.svg")
        .unwrap();
    // Dots, not bars: rectangles are the background and the raw rows' square markers.
    assert_eq!(w1.svg.matches("<rect").count(), 1 + 2, "{}", w1.svg);
    // One ring per round of each row.
    let labels = common::texts(&w1.svg);
    assert!(labels.iter().any(|t| t == "crossbeam-raw"), "{labels:?}");
    let ants = rendered
        .charts
        .iter()
        .find(|c| c.file == "W1_trivial_cap64.svg")
        .unwrap();
    assert!(common::texts(&ants.svg)
        .iter()
        .any(|t| t.contains("unstable")));
    let summary = rendered
        .charts
        .iter()
        .find(|c| c.file == xtask::charts::SUMMARY_FILE)
        .unwrap();
    assert!(summary
        .svg
        .contains(&format!("width=\"{}\"", xtask::charts::SUMMARY_WIDTH)));
    // Every label of the summary is at least 15 px at the README's width.
    for size in summary.svg.split("font-size=\"").skip(1) {
        let px: f64 = size.split('"').next().unwrap().parse().unwrap();
        assert!(px >= 15.0, "a {px} px label in the summary");
    }
}

const README: &str = "# taskpool-workerpool\n\nWhat it is.\n\n## Performance\n\nSome words.\n\n\
<!-- BEGIN generated by `cargo xtask report` from comparisons/results.json; do not edit -->\n\
old\n\
<!-- END generated by `cargo xtask report` -->\n\nMore words about 215 ns/task.\n";

#[test]
fn readme_blocks_are_generated_spliced_and_checked() {
    let tables = analysis::tables(&load());
    let block = readme::block("workerpool", &tables);
    assert!(block.contains("| W1 cap=2 | `workerpool` | 215 ns/task | 190 – 230 | 1.05 | tied for first (2 rows) |"), "{block}");
    let spliced = readme::splice(README, &block).unwrap();
    assert_eq!(readme::current_block(&spliced).unwrap(), block.trim_end());
    assert!(spliced.starts_with("# taskpool-workerpool\n\nWhat it is."));
    assert!(spliced.ends_with("More words about 215 ns/task.\n"));
    // Splicing again changes nothing.
    assert_eq!(readme::splice(&spliced, &block).unwrap(), spliced);
    assert!(readme::check(&spliced, Some("workerpool"), &tables).is_empty());

    // A stale block, a figure the results do not hold, a missing marker.
    let stale = readme::check(README, Some("workerpool"), &tables);
    assert!(stale.iter().any(|p| p.contains("differs")), "{stale:?}");
    let typed = spliced.replace("215 ns/task.", "999 ns/task.");
    let problems = readme::check(&typed, Some("workerpool"), &tables);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].contains("`999 ns/task` is not a figure"),
        "{problems:?}"
    );
    let unmarked = readme::check("# x\n\n215 ns/task\n", Some("workerpool"), &tables);
    assert!(
        unmarked.iter().any(|p| p.contains("expected one")),
        "{unmarked:?}"
    );
    assert!(readme::splice("no markers", &block).is_err());
    // A README without a block may quote the results, nothing else.
    assert!(readme::check("x 1.23 µs/task, 410 ns/task", None, &tables).len() == 1);
    let quotes = readme::quotes("a 1,234 ns/task b 0.5µs/call\n<!-- BEGIN generated by `cargo xtask report` from comparisons/results.json; do not edit -->\n7 ns/task\n<!-- END generated by `cargo xtask report` -->");
    let found: Vec<(&str, &str)> = quotes
        .iter()
        .map(|q| (q.number.as_str(), q.unit.as_str()))
        .collect();
    assert_eq!(found, [("1234", "ns/task"), ("0.5", "µs/call")]);
}

#[test]
fn update_rewrites_blocks_and_leaves_a_readme_without_markers_alone() {
    let tables = analysis::tables(&load());
    let root = scratch("readmes");
    for (i, (_, path)) in readme::STRATEGY_READMES.iter().enumerate() {
        let file = root.join(path);
        fs::create_dir_all(file.parent().unwrap()).unwrap();
        let text = if i == 0 { "# no markers\n" } else { README };
        fs::write(&file, text).unwrap();
    }
    // The contract-tax block of docs/choosing-a-pool.md is updated too.
    let tax = root.join(readme::TAX_DOC);
    fs::create_dir_all(tax.parent().unwrap()).unwrap();
    fs::write(&tax, README).unwrap();
    let notes = readme::update(&root, &tables).unwrap();
    assert_eq!(notes.len(), 4, "{notes:?}");
    assert!(notes[0].starts_with("not updated") && notes[0].contains("put both lines"));
    assert!(notes[1].starts_with("updated"), "{notes:?}");
    let (_, first) = readme::STRATEGY_READMES[0];
    assert_eq!(
        fs::read_to_string(root.join(first)).unwrap(),
        "# no markers\n"
    );
    // A second update changes nothing.
    assert_eq!(readme::update(&root, &tables).unwrap().len(), 1);
    fs::remove_dir_all(root).unwrap();
}
