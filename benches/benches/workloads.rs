//! Criterion entry point: measures one round of the plan chosen by the
//! `TASKPOOL_BENCH_*` variables (`cargo xtask bench` starts one process per
//! round and sets them; plain `cargo bench -p taskpool-benches` runs round 1
//! of the quick profile).
//!
//! Group = workload, function id = row, parameter = size, e.g.
//! `W1_trivial/ants/cap=2`. Every criterion measurement uses `iter_custom`
//! over whole batches; W8's round trips are recorded call by call instead.
//! See `taskpool_benches::workload::Workload::timed_region`.

use std::path::PathBuf;
use std::process;

use criterion::{BenchmarkGroup, BenchmarkId, Criterion, SamplingMode, Throughput};
use taskpool_benches::calibration::Calibration;
use taskpool_benches::measure::latency::record_both;
use taskpool_benches::measure::{prepare, Batches, Prepared, RoundTrip};
use taskpool_benches::out::{self, BenchMeta, Percentiles, Skipped};
use taskpool_benches::plan::{plan, Case};
use taskpool_benches::selection::{round_from_env, Selection, ENV_OUT, ENV_PROGRESS};
use taskpool_benches::sizes::{timing, Profile};
use taskpool_benches::workload::Workload;

fn fail(message: &str) -> ! {
    eprintln!("taskpool-bench: error: {message}");
    process::exit(2);
}

/// Where this round's figures go (criterion's own go to `CRITERION_HOME`).
fn out_dir(round: usize) -> PathBuf {
    if let Some(dir) = std::env::var_os(ENV_OUT) {
        return PathBuf::from(dir);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"),
        PathBuf::from,
    );
    out::round_dir(&target.join("taskpool-bench").join("direct"), round)
}

fn write<T: serde::Serialize>(path: &std::path::Path, value: &T) {
    out::write_json(path, value)
        .unwrap_or_else(|e| fail(&format!("writing {}: {e}", path.display())));
}

/// Criterion's batches of one case.
fn bench_batches(
    group: &mut BenchmarkGroup<'_, criterion::measurement::WallTime>,
    case: &Case,
    profile: Profile,
    mut batches: Box<dyn Batches>,
) {
    let t = timing(profile, case.workload);
    if let Some(elements) = case.elements() {
        group.throughput(Throughput::Elements(elements));
    }
    // One untimed batch first: it warms the pool and tells how long a batch
    // takes. Criterion needs at least (samples + 1) batches, so slow cases
    // get the minimum of 10 samples and a measurement time that fits them
    // (instead of a warning and an overrun).
    let one = batches.run(1);
    let samples = if one * t.samples as u32 > t.measurement {
        10
    } else {
        t.samples
    };
    group
        .sample_size(samples)
        .warm_up_time(t.warm_up)
        .measurement_time(t.measurement.max(one * samples as u32));
    group.bench_function(
        BenchmarkId::new(case.function_id(), case.parameter()),
        |b| b.iter_custom(|iters| batches.run(iters)),
    );
    batches.finish();
}

/// W8's calls of one case, both regimes, written as percentiles.
fn record_round_trips(
    case: &Case,
    selection: &Selection,
    round: usize,
    out_dir: &std::path::Path,
    mut trip: Box<dyn RoundTrip>,
) {
    let sizes = selection.sizes(Workload::W8);
    let idle = sizes.idle_calls.unwrap_or(sizes.tasks / 10).max(1);
    for (regime, samples) in record_both(&mut *trip, case.tasks, idle) {
        let name = case.function_id();
        let Some(p) = Percentiles::from_samples(&name, case.capacity, regime, round, &samples)
        else {
            fail(&format!("no W8 calls recorded for `{name}`"));
        };
        write(
            &out::latency_file(out_dir, &name, case.capacity, regime),
            &p,
        );
    }
    trip.finish();
}

fn main() {
    let selection = Selection::from_env().unwrap_or_else(|e| fail(&e.to_string()));
    let round = round_from_env().unwrap_or_else(|e| fail(&e.to_string()));
    let out_dir = out_dir(round);
    let calibration = Calibration::measure(match selection.profile {
        Profile::Quick => 30,
        Profile::Full => 200,
    });
    let meta = BenchMeta {
        selection: selection.clone(),
        sizes: Workload::ALL
            .iter()
            .map(|&w| (w.id().to_owned(), selection.sizes(w)))
            .collect(),
        calibration,
        round,
    };
    write(&out_dir.join(out::META_FILE), &meta);

    let cases = plan(&selection, round);
    let progress = std::env::var(ENV_PROGRESS).is_ok_and(|v| v == "1");
    let mut criterion = Criterion::default()
        .without_plots()
        .nresamples(match selection.profile {
            Profile::Quick => 2_000,
            Profile::Full => 20_000,
        })
        .configure_from_args();

    let total = cases.len();
    let mut done = 0;
    for &workload in Workload::ALL {
        let group_cases: Vec<&Case> = cases.iter().filter(|c| c.workload == workload).collect();
        if group_cases.is_empty() {
            continue;
        }
        let mut group = criterion.benchmark_group(workload.group());
        group.sampling_mode(SamplingMode::Flat);
        for case in group_cases {
            done += 1;
            if progress {
                eprintln!(
                    "{}{done}/{total} {}",
                    taskpool_benches::selection::PROGRESS_PREFIX,
                    case.id()
                );
            }
            match prepare(case, &calibration) {
                Ok(Prepared::Batches(batches)) => {
                    bench_batches(&mut group, case, selection.profile, batches);
                }
                Ok(Prepared::RoundTrips(trip)) => {
                    record_round_trips(case, &selection, round, &out_dir, trip);
                }
                Err(reason) => {
                    // A row that cannot be built is reported, not measured.
                    eprintln!("taskpool-bench: skipped {}: {reason}", case.id());
                    let skipped = Skipped {
                        id: case.id(),
                        reason,
                        round,
                    };
                    write(
                        &out::row_file(&out_dir, out::SKIPPED_DIR, &case.id()),
                        &skipped,
                    );
                }
            }
        }
        group.finish();
    }
    if progress {
        eprintln!("taskpool-bench: done {total}");
    }
    criterion.final_summary();
}
