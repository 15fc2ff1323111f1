//! Picks a pool by name at run time, runs a small workload through `Box<dyn TaskPool>`, prints its stats.
//!
//! ```text
//! cargo run -p taskpool-catalog --example choose -- rayon 4
//! ```

use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use taskpool::{TaskPool, TaskPoolExt, MAX_CAPACITY};
use taskpool_catalog::{build, PoolKind};

const TASKS: u64 = 1_000;

fn usage() -> String {
    let names: Vec<_> = PoolKind::ALL.iter().map(|k| k.name()).collect();
    format!(
        "usage: choose <pool> <capacity>\n  pool: one of {}\n  capacity: a whole number from 1 to {MAX_CAPACITY}",
        names.join(", ")
    )
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [name, capacity] = args.as_slice() else {
        eprintln!("{}", usage());
        return ExitCode::from(2);
    };
    let kind: PoolKind = match name.parse() {
        Ok(kind) => kind,
        Err(e) => {
            eprintln!("error: {e}\n{}", usage());
            return ExitCode::from(2);
        }
    };
    let capacity: usize = match capacity.parse() {
        Ok(n) => n,
        Err(e) => {
            eprintln!(
                "error: capacity {capacity:?} is not a whole number: {e}\n{}",
                usage()
            );
            return ExitCode::from(2);
        }
    };
    // `build` refuses a capacity out of bounds before it starts a thread.
    let pool: Box<dyn TaskPool> = match build(kind, capacity) {
        Ok(pool) => pool,
        Err(e) => {
            eprintln!(
                "error: cannot build {kind} with capacity {capacity}: {e}\n{}",
                usage()
            );
            return ExitCode::from(2);
        }
    };
    // One line per caught panic instead of the default report (and backtrace).
    std::panic::set_hook(Box::new(|info| eprintln!("(a task panicked: {info})")));
    let f = kind.features();
    println!("pool: {kind} ({})", kind.description());
    println!(
        "features: when busy = {}, resizable = {}, reaps idle = {}, per-worker state = {}",
        f.admission, f.resizable, f.reaps_idle, f.per_worker_state
    );

    // The workload: TASKS small tasks summing their own ranges, one spawned
    // task whose result comes back, and one that panics.
    let total = Arc::new(AtomicU64::new(0));
    for i in 0..TASKS {
        let total = Arc::clone(&total);
        let submitted = pool.submit(Box::new(move || {
            let sum: u64 = (0..=i).sum();
            total.fetch_add(sum, Ordering::Relaxed);
        }));
        if let Err(e) = submitted {
            eprintln!("error: task {i} refused: {e}");
            return ExitCode::FAILURE;
        }
    }
    let answer = pool.spawn(|| 6 * 7).map(|h| h.join());
    let panicked = pool.submit_wait(Box::new(|| {
        panic!("a deliberate panic, caught by the pool")
    }));
    pool.wait_idle();
    let expected: u64 = (0..TASKS).map(|i| i * (i + 1) / 2).sum();
    let got = total.load(Ordering::Relaxed);
    println!("after wait_idle: {:?}", pool.stats());
    pool.stop_wait();
    println!("after stop_wait: {:?}", pool.stats());

    match answer {
        Ok(Ok(42)) => println!("spawned task returned 42"),
        other => {
            eprintln!("error: spawned task gave {other:?}");
            return ExitCode::FAILURE;
        }
    }
    match panicked {
        Err(e) => println!("panicking task reported: {e}"),
        Ok(()) => {
            eprintln!("error: the panicking task reported success");
            return ExitCode::FAILURE;
        }
    }
    if got != expected {
        eprintln!("error: tasks summed to {got}, expected {expected}");
        return ExitCode::FAILURE;
    }
    println!("{TASKS} tasks summed to {got} as expected");
    ExitCode::SUCCESS
}
