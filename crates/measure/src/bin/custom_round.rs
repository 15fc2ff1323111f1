//! One round of a task profile in a process of its own:
//! `custom-round <round> <profile.json> <out.json>` reads a
//! [`ProfileRun`], measures that round of every row with a counting global
//! allocator installed (so the peak-memory tables have their figures), and
//! writes the round's [`RoundOutput`] to `<out.json>`.
//! `cargo xtask bench --custom` starts one per round, as the report starts
//! one bench process per round.

use std::fs;
use std::process;

use taskpool_benches::calibration::Calibration;
use taskpool_benches::harness::CPU_STEPS;
use taskpool_measure::profile::{parse_count, ProfileRun};
use taskpool_measure::run::{Panics, RoundOutput};
use taskpool_measure::{CountingAllocator, Workload};

/// Counts every byte this process allocates and frees (no limit).
#[global_allocator]
static HEAP: CountingAllocator = CountingAllocator::new(std::alloc::System, usize::MAX);

fn fail(message: &str) -> ! {
    eprintln!("custom-round: {message}");
    process::exit(2);
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [round, spec, out] = args.as_slice() else {
        fail("usage: custom-round <round> <profile.json> <out.json>");
    };
    let round = parse_count("round", round).unwrap_or_else(|e| fail(&e.to_string()));
    let text = fs::read_to_string(spec).unwrap_or_else(|e| fail(&format!("reading {spec}: {e}")));
    let run: ProfileRun =
        serde_json::from_str(&text).unwrap_or_else(|e| fail(&format!("parsing {spec}: {e}")));
    // How long one step of the spin loop takes here, for the CPU share.
    let calibration = Calibration::measure(30);
    let ns_per_step = calibration.cpu_task_ns / f64::from(CPU_STEPS);
    let tasks = run.profile.tasks(run.shape.tasks, ns_per_step);
    let shape = run.shape;
    let mut workload = Workload::new(|i| tasks.make(i))
        .describe(shape.task.clone())
        .tasks(shape.tasks)
        .submitters(shape.submitters)
        .capacities(shape.capacities.iter().copied())
        .await_results(shape.await_results)
        .rounds(shape.rounds)
        .samples(shape.samples)
        .heap(&HEAP)
        .progress(true);
    if let Some(pools) = shape.pools.clone() {
        workload = workload.pools(pools);
    }
    let output: RoundOutput = workload
        .round(round, Panics::leak())
        .unwrap_or_else(|e| fail(&e.to_string()));
    let json = serde_json::to_string(&output).unwrap_or_else(|e| fail(&e.to_string()));
    fs::write(out, json + "\n").unwrap_or_else(|e| fail(&format!("writing {out}: {e}")));
}
