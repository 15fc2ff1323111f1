//! What an idle pool costs: the CPU time every catalog pool (and the raw
//! crossbeam-channel pool) burns after a burst of work, while nobody submits.
//!
//! The strategies poll for a bounded time before their idle threads sleep
//! (each crate names the budget at the call site); this shows that the bound
//! holds: after the first few milliseconds an idle pool uses no CPU.
//!
//! ```sh
//! cargo run --release -p taskpool-benches --example idle_cpu
//! ```
//!
//! For each pool: a burst of 20,000 trivial tasks (waited for with
//! `wait_idle`), then the CPU time all the process's threads used (from
//! `/proc/self/task/*/schedstat`, Linux only) over the next 10 ms, and over
//! the 990 ms after that. A pool whose idle threads poll for 50 µs shows a
//! fraction of a millisecond in the first window and nothing in the second.

use std::fs;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use taskpool::TaskPool;
use taskpool_benches::harness;
use taskpool_catalog::{build, PoolKind};

/// CPU time the process's threads other than the calling one have used so
/// far: the sum of the time they ran, from `/proc/self/task/*/schedstat`
/// (nanoseconds). The calling thread, which does the reading, is left out so
/// the measurement does not count itself. Threads that exited are no longer
/// counted, which only matters for pools that end threads while idle.
fn cpu_time() -> Option<Duration> {
    let me = fs::read_link("/proc/thread-self").ok()?;
    let me = me.file_name()?.to_owned();
    let mut total = 0u64;
    for entry in fs::read_dir("/proc/self/task").ok()? {
        let entry = entry.ok()?;
        if entry.file_name() == me {
            continue;
        }
        let path = entry.path().join("schedstat");
        let Ok(text) = fs::read_to_string(path) else {
            continue; // the thread exited meanwhile
        };
        total += text.split_whitespace().next()?.parse::<u64>().ok()?;
    }
    Some(Duration::from_nanos(total))
}

/// The CPU time the process used over `window` of sleeping on this thread.
fn cpu_over(window: Duration) -> Option<Duration> {
    let before = cpu_time()?;
    thread::sleep(window);
    Some(cpu_time()?.saturating_sub(before))
}

fn burst(pool: &dyn TaskPool, tasks: usize) {
    let done = Arc::new(AtomicUsize::new(0));
    for _ in 0..tasks {
        let done = Arc::clone(&done);
        harness::submit(
            pool,
            Box::new(move || {
                done.fetch_add(1, Ordering::Relaxed);
            }),
        );
    }
    pool.wait_idle();
    assert_eq!(done.load(Ordering::Relaxed), tasks);
}

fn main() {
    if cpu_time().is_none() {
        eprintln!("idle_cpu reads /proc/self/stat, which this system does not offer");
        return;
    }
    println!("| pool | capacity | CPU µs, first 10 ms idle | CPU µs, next 990 ms |");
    println!("|---|---:|---:|---:|");
    for &kind in PoolKind::ALL {
        for capacity in [4, 64] {
            let pool = match build(kind, capacity) {
                Ok(pool) => pool,
                Err(e) => {
                    println!("| `{}` | {capacity} | not built: {e} | |", kind.name());
                    continue;
                }
            };
            burst(&*pool, 20_000);
            let micros = |d: Option<Duration>| d.map_or(f64::NAN, |d| d.as_secs_f64() * 1e6);
            let early = micros(cpu_over(Duration::from_millis(10)));
            let late = micros(cpu_over(Duration::from_millis(990)));
            println!(
                "| `{}` | {capacity} | {early:.0} | {late:.0} |",
                kind.name()
            );
            pool.stop_wait();
        }
    }
}
