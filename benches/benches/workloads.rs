//! Criterion entry point: runs every case of the plan chosen by the
//! `TASKPOOL_BENCH_*` variables (`cargo xtask bench` sets them; plain
//! `cargo bench -p taskpool-benches` runs the quick profile).
//!
//! Group = workload, function id = row (pool), parameter = size, e.g.
//! `W1_trivial/ants/cap=2`. Every measurement uses `iter_custom` over whole
//! batches; see `taskpool_benches::spec::Workload::timed_region`.

use std::path::PathBuf;
use std::process;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, SamplingMode, Throughput};
use taskpool_benches::harness::Calibration;
use taskpool_benches::out::{self, BenchMeta};
use taskpool_benches::plan::{plan, prepare, Case};
use taskpool_benches::spec::{Profile, Selection, Workload, ENV_OUT, ENV_PROGRESS};

fn fail(message: &str) -> ! {
    eprintln!("taskpool-bench: error: {message}");
    process::exit(2);
}

/// Where the figures criterion cannot hold go.
fn out_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os(ENV_OUT) {
        return PathBuf::from(dir);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"),
        PathBuf::from,
    );
    target.join("taskpool-bench").join("direct")
}

/// Criterion settings per profile and workload: (samples, warm-up, measurement).
fn timing(profile: Profile, workload: Workload) -> (usize, Duration, Duration) {
    let ms = Duration::from_millis;
    match (profile, workload) {
        (Profile::Quick, _) => (10, ms(100), ms(300)),
        (Profile::Full, Workload::W2 | Workload::W7) => (10, ms(1_000), ms(5_000)),
        (Profile::Full, Workload::W6) => (20, ms(1_000), ms(3_000)),
        (Profile::Full, _) => (20, ms(1_000), ms(3_000)),
    }
}

fn main() {
    let selection = Selection::from_env().unwrap_or_else(|e| fail(&e.to_string()));
    let out_dir = out_dir();
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
    };
    if let Err(e) = out::write_json(&out_dir.join(out::META_FILE), &meta) {
        fail(&format!("writing {}: {e}", out_dir.display()));
    }

    let cases = plan(&selection);
    let progress = std::env::var(ENV_PROGRESS).is_ok_and(|v| v == "1");
    let mut criterion = Criterion::default()
        .without_plots()
        .nresamples(match selection.profile {
            Profile::Quick => 5_000,
            Profile::Full => 100_000,
        })
        .configure_from_args();

    let total = cases.len();
    let mut done = 0;
    for &workload in Workload::ALL {
        let group_cases: Vec<&Case> = cases.iter().filter(|c| c.workload == workload).collect();
        if group_cases.is_empty() {
            continue;
        }
        let (samples, warm_up, measurement) = timing(selection.profile, workload);
        let mut group = criterion.benchmark_group(workload.group());
        group
            .warm_up_time(warm_up)
            .sampling_mode(SamplingMode::Flat);
        for case in group_cases {
            done += 1;
            if progress {
                eprintln!("taskpool-bench: case {done}/{total} {}", case.id());
            }
            let mut prepared = match prepare(case, &calibration) {
                Ok(prepared) => prepared,
                Err(reason) => {
                    // A pool that cannot be built is reported, not measured.
                    eprintln!("taskpool-bench: skipped {}: {reason}", case.id());
                    let skipped = out::Skipped {
                        id: case.id(),
                        reason,
                    };
                    let path = out::row_file(&out_dir, out::SKIPPED_DIR, &case.id());
                    out::write_json(&path, &skipped)
                        .unwrap_or_else(|e| fail(&format!("writing {}: {e}", path.display())));
                    continue;
                }
            };
            if let Some(elements) = case.elements() {
                group.throughput(Throughput::Elements(elements));
            }
            // One untimed batch first: it warms the pool and tells how long a
            // batch takes. Criterion needs at least (samples + 1) batches, so
            // slow cases get the minimum of 10 samples and a measurement
            // time that fits them (instead of a warning and an overrun).
            let one = prepared.run(1);
            let samples = if one > Duration::from_millis(300) {
                10
            } else {
                samples
            };
            group
                .sample_size(samples)
                .measurement_time(measurement.max(one * samples as u32));
            group.bench_function(
                BenchmarkId::new(case.function_id(), case.parameter()),
                |b| b.iter_custom(|iters| prepared.run(iters)),
            );
            prepared.finish(&out_dir).unwrap_or_else(|e| fail(&e));
        }
        group.finish();
    }
    if progress {
        eprintln!("taskpool-bench: done {total}");
    }
    criterion.final_summary();
}
