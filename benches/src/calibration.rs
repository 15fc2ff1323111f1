//! Measured facts about this machine the report needs: the length of one
//! `sleep(1 ms)` (W2's ideal), one W3 task, and one W7 resource build.

use std::hint::black_box;
use std::thread;
use std::time::{Duration, Instant};

use crate::harness::{cpu_work, Resource};

/// Measured facts about this machine the report needs (W2's ideal, W3's and
/// W7's task costs).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Calibration {
    /// Median measured length of one `thread::sleep(1 ms)`, in ns.
    pub sleep_1ms_ns: f64,
    /// Median measured length of one W3 task body run inline, in ns.
    pub cpu_task_ns: f64,
    /// Mixing passes that make [`Resource::build`] take about 1 ms here.
    pub resource_passes: usize,
    /// Median measured length of one [`Resource::build`], in ns.
    pub resource_build_ns: f64,
    /// Cores available to the process.
    pub cores: usize,
}

fn median_ns(mut samples: Vec<Duration>) -> f64 {
    samples.sort_unstable();
    samples[samples.len() / 2].as_nanos() as f64
}

impl Calibration {
    /// Measures this machine; `rounds` samples per figure.
    pub fn measure(rounds: usize) -> Calibration {
        let rounds = rounds.max(3);
        let time = |f: &mut dyn FnMut()| {
            let start = Instant::now();
            f();
            start.elapsed()
        };
        let sleeps = (0..rounds)
            .map(|_| time(&mut || thread::sleep(Duration::from_millis(1))))
            .collect();
        let cpu = (0..rounds)
            .map(|i| {
                time(&mut || {
                    black_box(cpu_work(black_box(i as u64)));
                })
            })
            .collect();
        // Scale the pass count so that one build lasts about 1 ms.
        let probe_passes = 8;
        let probe = median_ns(
            (0..rounds)
                .map(|_| {
                    time(&mut || {
                        black_box(Resource::build(probe_passes));
                    })
                })
                .collect(),
        );
        let passes = ((1_000_000.0 / probe.max(1.0)) * probe_passes as f64).round() as usize;
        let passes = passes.clamp(1, 100_000);
        let build = (0..rounds)
            .map(|_| {
                time(&mut || {
                    black_box(Resource::build(passes));
                })
            })
            .collect();
        Calibration {
            sleep_1ms_ns: median_ns(sleeps),
            cpu_task_ns: median_ns(cpu),
            resource_passes: passes,
            resource_build_ns: median_ns(build),
            cores: crate::sizes::cores(),
        }
    }
}
