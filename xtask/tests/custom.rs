//! `cargo xtask bench --custom`: the report of a user's workload rendered
//! from synthetic records (every figure made up, so each answer is known),
//! with the main report's charts and verdict words; and the command line's
//! answer to a bad profile.

mod common;

use std::fs;
use std::path::Path;
use std::process::Command;

use common::assert_well_formed;
use taskpool_benches::rows::FLOOR;
use taskpool_measure::outcome::title;
use taskpool_measure::profile::ProfileText;
use taskpool_measure::record::{CallPercentiles, Records, RowRound};
use taskpool_measure::stats::{Candidate, Verdict};
use taskpool_measure::words::verdict_sentence;
use xtask::custom::{self, CustomResults, GENERATED_BY};
use xtask::machine::Environment;

const TASKS: usize = 1_000;

fn environment() -> Environment {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/run/environment.json");
    serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap()
}

/// Three rounds of `row`: batches of `per_task` ns ±2 %, the producer done
/// at `done`, the heap's peak `peak_kib`, calls of `per_task` ns.
fn rounds(
    row: &str,
    capacity: Option<usize>,
    per_task: [f64; 3],
    done: f64,
    peak_kib: f64,
) -> Vec<RowRound> {
    (0..3)
        .map(|i| {
            let batch = per_task[i] * TASKS as f64;
            let batch_ns = vec![batch * 0.98, batch, batch * 1.02];
            RowRound {
                row: row.into(),
                capacity,
                round: i + 1,
                submitted_ns: batch_ns.iter().map(|b| b * done).collect(),
                batch_ns,
                refusals: 0,
                calls: CallPercentiles::of(&[per_task[i], per_task[i] * 1.1, per_task[i] * 3.0]),
                peak_heap_bytes: Some(peak_kib * 1024.0),
            }
        })
        .collect()
}

fn results() -> CustomResults {
    let run = ProfileText {
        duration: Some("50us"),
        capacities: Some("2"),
        await_results: true,
        ..Default::default()
    }
    .parse()
    .unwrap();
    let records = Records {
        shape: run.shape.clone(),
        cores: 2,
        fresh_processes: true,
        rows: [
            rounds("channel", Some(2), [1_000.0, 1_010.0, 990.0], 0.05, 400.0),
            rounds(
                "crossbeam-raw",
                Some(2),
                [1_005.0, 1_020.0, 995.0],
                0.05,
                390.0,
            ),
            rounds("ants", Some(2), [1_500.0, 1_510.0, 1_490.0], 0.99, 4.0),
            rounds(FLOOR, None, [1_900.0, 1_900.0, 1_900.0], 1.0, 0.0),
        ]
        .into_iter()
        .flatten()
        .collect(),
        skipped: Vec::new(),
    };
    CustomResults {
        format: custom::FORMAT,
        generated_by: GENERATED_BY.to_owned(),
        environment: environment(),
        run,
        records,
    }
}

#[test]
fn the_custom_report_has_the_main_reports_words_charts_and_rules() {
    let results = results();
    let rendered = custom::render(&results).unwrap();
    let md = &rendered.markdown;
    for needle in [
        "# Your workload, every pool",
        GENERATED_BY,
        "- Measure it again: `cargo xtask bench --custom --duration fixed:50us",
        "--await-results",
        "| CPU",
        "## Recommendation",
        "## Which pool at each capacity",
        "### Time per task at capacity 2",
        "### Latency per call at capacity 2",
        "### Peak heap at capacity 2",
        "![Time per task at capacity 2](charts/custom_cap2.svg)",
        "![Peak heap at capacity 2](charts/custom-memory_cap2.svg)",
        "| `closure loop (floor)` (reference) |",
        "Each round ran in a fresh process",
        "## The rows",
        "| `ants` | contract |",
    ] {
        assert!(md.contains(needle), "REPORT.md lacks {needle:?}:\n{md}");
    }
    // The verdicts are the report's own sentences, word for word.
    for table in &rendered.tables {
        let sentence = verdict_sentence(table).unwrap();
        assert!(
            md.contains(&format!("- **{}**: {sentence}.", title(table))),
            "{}: {sentence}",
            table.label()
        );
    }
    // The synthetic rounds of channel and crossbeam-raw overlap: the rule
    // must call them tied, not name a winner.
    let time = &rendered.tables[0];
    let candidates: Vec<Candidate> = time
        .ranked()
        .map(|r| Candidate {
            name: r.row.clone(),
            values: r.rounds.iter().map(|x| x.value).collect(),
        })
        .collect();
    assert_eq!(
        xtask::stats::verdict(&candidates),
        Some(Verdict::Tied {
            rows: vec!["channel".into(), "crossbeam-raw".into()]
        })
    );
    // One chart per table, each a well-formed SVG carrying the notice.
    let files: Vec<&str> = rendered.charts.iter().map(|c| c.file.as_str()).collect();
    assert_eq!(
        files,
        [
            "custom_cap2.svg",
            "custom-latency_cap2.svg",
            "custom-memory_cap2.svg"
        ]
    );
    for chart in &rendered.charts {
        assert_well_formed(&chart.svg, &chart.file);
        assert!(chart.svg.contains("cargo xtask report --profile custom"));
    }
    // results.json reads back to the same results.
    let back: CustomResults = serde_json::from_str(&rendered.json).unwrap();
    assert_eq!(back, results);
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
fn a_bad_profile_is_a_message_not_a_panic_and_runs_nothing() {
    let cases: &[(&[&str], &str)] = &[
        (
            &[
                "bench",
                "--custom",
                "--duration",
                "lognormal:median=2ms,p99=1ms",
            ],
            "the median must be above zero and the p99 above the median",
        ),
        (
            &["bench", "--custom", "--duration", "50"],
            "`50` is not a duration",
        ),
        (
            &["bench", "--custom", "--blocking", "150%"],
            "`150%` is not a share",
        ),
        (
            &["bench", "--custom", "--alloc", "4KB"],
            "`4KB` is not a size",
        ),
        (
            &["bench", "--custom", "--capacities", "2,0"],
            "capacities must be a positive whole number, got `0`",
        ),
        (
            &["bench", "--custom", "--pools", "tokio"],
            "unknown pool `tokio`",
        ),
        (&["bench", "--duration", "50us"], "--custom"),
        (&["bench", "--custom", "--full"], "cannot be used with"),
    ];
    for (args, expected) in cases {
        let (ok, stderr) = xtask(args);
        assert!(!ok, "{args:?} succeeded");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?} panicked: {stderr}");
    }
}
