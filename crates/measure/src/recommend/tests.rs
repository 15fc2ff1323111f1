//! The recommendation on synthetic records: every figure made up, so each
//! answer is known (no timing).

use taskpool_benches::rows::FLOOR;

use super::*;
use crate::outcome::Outcome;
use crate::record::{RowRound, Shape};
use crate::stats;

const TASKS: usize = 1_000;

fn shape(capacities: &[usize]) -> Shape {
    Shape {
        task: "synthetic".into(),
        tasks: TASKS,
        submitters: 1,
        capacities: capacities.to_vec(),
        await_results: false,
        rounds: 3,
        samples: 3,
        pools: None,
    }
}

/// A row's round: three batches around `per_task` ns (±2 %), the producer
/// done at `done` of each batch.
fn round(row: &str, capacity: Option<usize>, round: usize, per_task: f64, done: f64) -> RowRound {
    let batch = per_task * TASKS as f64;
    let batch_ns = vec![batch * 0.98, batch, batch * 1.02];
    RowRound {
        row: row.into(),
        capacity,
        round,
        submitted_ns: batch_ns.iter().map(|b| b * done).collect(),
        batch_ns,
        refusals: 0,
        calls: None,
        peak_heap_bytes: None,
    }
}

/// Three rounds of `row` at `capacity`, one per value.
fn rounds(row: &str, capacity: Option<usize>, values: [f64; 3], done: f64) -> Vec<RowRound> {
    (0..3)
        .map(|i| round(row, capacity, i + 1, values[i], done))
        .collect()
}

fn records(capacities: &[usize], rows: Vec<Vec<RowRound>>) -> Records {
    Records {
        shape: shape(capacities),
        cores: 2,
        fresh_processes: true,
        rows: rows.into_iter().flatten().collect(),
        skipped: Vec::new(),
    }
}

fn choice(row: &str, capacity: usize) -> Choice {
    Choice {
        row: row.into(),
        capacity,
    }
}

#[test]
fn one_pool_must_win_when_its_rounds_are_clear_of_the_rest() {
    let outcome = Outcome::new(records(
        &[2, 8],
        vec![
            rounds("channel", Some(2), [1_000.0, 1_010.0, 990.0], 0.05),
            rounds("channel", Some(8), [400.0, 405.0, 395.0], 0.05),
            rounds("ants", Some(2), [1_300.0, 1_310.0, 1_290.0], 0.99),
            rounds("ants", Some(8), [600.0, 610.0, 590.0], 0.99),
            rounds(FLOOR, None, [2_000.0, 2_000.0, 2_000.0], 1.0),
        ],
    ));
    let r = &outcome.recommendation;
    assert_eq!(outcome.winner(), Some(&choice("channel", 8)));
    assert_eq!(outcome.leaders(), [choice("channel", 8)]);
    // The runner-up is ants at capacity 8: 600 / 400.
    match r.verdict.as_ref().unwrap() {
        Verdict::Winner {
            runner_up, margin, ..
        } => {
            assert_eq!(runner_up, "ants@8");
            assert!((margin - 1.5).abs() < 1e-9, "{margin}");
        }
        other => panic!("{other:?}"),
    }
    assert!(
        r.headline.starts_with("`channel` at capacity 8 (400 ns/task), 1.50× ahead of `ants` at capacity 8 (600 ns/task)"),
        "{}",
        r.headline
    );
    // How sure: ants' fastest round (590) over channel's slowest (405).
    assert!(r.headline.contains("by 46 %"), "{}", r.headline);

    // The producer never waited with channel, always with ants.
    let producer = r
        .reasons
        .iter()
        .find(|x| x.section == FULL_POOL)
        .expect("a reason from admission");
    assert!(producer.fact.contains("5.00 % of the way"), "{producer:?}");
    assert!(
        producer.fact.contains("`ants`") && producer.fact.contains("99.0 %"),
        "{producer:?}"
    );
    assert!(producer.why.contains("never waited"), "{producer:?}");
    // 2000 / 400 = 5× faster than one thread on 2 cores: blocking tasks.
    let cores = r
        .reasons
        .iter()
        .find(|x| x.section == BLOCKING_TASKS)
        .expect("a reason from the speed-up");
    assert!(cores.fact.contains("5.0× faster"), "{cores:?}");
}

#[test]
fn two_pools_must_tie_when_their_rounds_overlap() {
    let outcome = Outcome::new(records(
        &[2],
        vec![
            // channel's slowest round (1,200) is slower than workerpool's
            // fastest (1,050): no winner.
            rounds("channel", Some(2), [1_000.0, 1_100.0, 1_200.0], 0.05),
            rounds("workerpool", Some(2), [1_050.0, 1_120.0, 1_250.0], 0.05),
            rounds("tunny", Some(2), [3_000.0, 3_100.0, 3_200.0], 0.99),
            rounds(FLOOR, None, [1_500.0, 1_500.0, 1_500.0], 1.0),
        ],
    ));
    assert_eq!(outcome.winner(), None);
    assert_eq!(
        outcome.leaders(),
        [choice("channel", 2), choice("workerpool", 2)]
    );
    let r = &outcome.recommendation;
    assert!(
        r.headline
            .starts_with("No single winner: `channel` at capacity 2"),
        "{}",
        r.headline
    );
    assert!(
        r.headline.contains("`workerpool` at capacity 2"),
        "{}",
        r.headline
    );
    // The same rule as the report's, on the same numbers.
    let candidates: Vec<Candidate> = ["channel", "workerpool", "tunny"]
        .iter()
        .map(|name| Candidate {
            name: key(name, 2),
            values: outcome
                .records
                .of(name, 2)
                .map(|r| r.batch_ns[1] / TASKS as f64)
                .collect(),
        })
        .collect();
    assert_eq!(r.verdict, stats::verdict(&candidates));
    // 1,500 / 1,100 on 2 cores: neither blocking nor (one capacity) CPU-bound.
    assert!(!r
        .reasons
        .iter()
        .any(|x| x.section == BLOCKING_TASKS || x.section == CPU_TASKS));
}

#[test]
fn refusals_are_counted_and_explained_or_their_absence_said() {
    let mut nonblocking = rounds(
        "ants-nonblocking",
        Some(2),
        [1_500.0, 1_500.0, 1_500.0],
        0.99,
    );
    for r in &mut nonblocking {
        r.refusals = 6_000;
    }
    let outcome = Outcome::new(records(
        &[2, 4],
        vec![
            nonblocking,
            rounds("ants-nonblocking", Some(4), [900.0, 900.0, 900.0], 0.99),
            rounds("ants", Some(2), [1_000.0, 1_000.0, 1_000.0], 0.99),
            rounds(FLOOR, None, [1_600.0, 1_600.0, 1_600.0], 1.0),
        ],
    ));
    let refused: Vec<&Reason> = outcome
        .recommendation
        .reasons
        .iter()
        .filter(|x| x.fact.contains("refused"))
        .collect();
    assert_eq!(refused.len(), 1, "{refused:?}");
    // 6,000 refusals over 3 batches of 1,000 tasks, in each of 3 rounds.
    assert!(
        refused[0]
            .fact
            .starts_with("`ants-nonblocking` refused tasks 18000 times at capacity 2"),
        "{refused:?}"
    );
    assert!(
        refused[0].fact.contains("(2.00 refusals per task)"),
        "{refused:?}"
    );
    assert!(
        refused[0].fact.contains("1.50× the time `ants` took"),
        "{refused:?}"
    );
    let summary = outcome.summary("ants-nonblocking", 2).unwrap();
    assert_eq!(summary.refusals_per_task, Some(2.0));

    let calm = Outcome::new(records(
        &[2],
        vec![
            rounds("ants-nonblocking", Some(2), [900.0, 900.0, 900.0], 0.99),
            rounds(FLOOR, None, [1_600.0, 1_600.0, 1_600.0], 1.0),
        ],
    ));
    assert!(calm
        .recommendation
        .reasons
        .iter()
        .any(|x| x.fact == "`ants-nonblocking` never refused a task, at any capacity tried"));
}

#[test]
fn memory_and_cpu_bound_reasons_need_their_facts() {
    let mut queue = rounds("channel", Some(2), [1_000.0, 1_000.0, 1_000.0], 0.05);
    let mut block = rounds("ants", Some(2), [1_100.0, 1_100.0, 1_100.0], 0.99);
    for r in &mut queue {
        r.peak_heap_bytes = Some(512.0 * 1024.0);
    }
    for r in &mut block {
        r.peak_heap_bytes = Some(4.0 * 1024.0);
    }
    let mut floor = rounds(FLOOR, None, [1_900.0, 1_900.0, 1_900.0], 1.0);
    for r in &mut floor {
        r.peak_heap_bytes = Some(0.0);
    }
    let mut wide = rounds("channel", Some(8), [1_000.0, 1_000.0, 1_000.0], 0.05);
    for r in &mut wide {
        r.peak_heap_bytes = Some(512.0 * 1024.0);
    }
    let outcome = Outcome::new(records(&[2, 8], vec![queue, block, floor, wide]));
    let reasons = &outcome.recommendation.reasons;
    let memory = reasons
        .iter()
        .find(|x| x.fact.contains("KiB of heap at peak"))
        .expect("a memory reason");
    assert!(
        memory.fact.contains("`channel` held up to 512 KiB"),
        "{memory:?}"
    );
    assert!(
        memory.fact.contains("at most 4.00 KiB (`ants`)"),
        "{memory:?}"
    );
    // 1,900 / 1,000 on 2 cores, and capacity 8 no better: CPU-bound.
    let cpu = reasons
        .iter()
        .find(|x| x.section == CPU_TASKS)
        .expect("a CPU-bound reason");
    assert!(cpu.fact.contains("1.9× faster"), "{cpu:?}");
    assert_eq!(
        outcome.summary("channel", 2).unwrap().peak_heap_bytes,
        Some(512.0 * 1024.0)
    );
}

#[test]
fn every_cited_section_is_in_the_page() {
    let page = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(CHOOSING),
    )
    .unwrap();
    for section in SECTIONS {
        assert!(page.contains(section), "{CHOOSING} lacks “{section}”");
    }
}

#[test]
fn a_typed_worker_is_compared_with_the_closure_rows_and_the_contract_follows() {
    let outcome = Outcome::new(records(
        &[2],
        vec![
            rounds("tunny-worker", Some(2), [600.0, 610.0, 590.0], 1.0),
            rounds("channel", Some(2), [1_000.0, 1_010.0, 990.0], 0.05),
            rounds("tunny", Some(2), [1_400.0, 1_410.0, 1_390.0], 0.99),
            rounds(FLOOR, None, [1_900.0, 1_900.0, 1_900.0], 1.0),
        ],
    ));
    let r = &outcome.recommendation;
    assert_eq!(outcome.winner(), Some(&choice("tunny-worker", 2)));
    // tunny's own API leads: the verdict through the contract follows.
    assert!(
        r.headline
            .contains("Through `dyn TaskPool` (the nine rules kept): `channel` at capacity 2"),
        "{}",
        r.headline
    );
    let worker = r
        .reasons
        .iter()
        .find(|x| x.section == PER_WORKER)
        .expect("a reason about the typed worker");
    assert!(
        worker
            .fact
            .contains("took 0.60× the time per task of `channel`"),
        "{worker:?}"
    );
    assert!(
        worker
            .why
            .starts_with("keeping the state in the worker pays"),
        "{worker:?}"
    );
}
