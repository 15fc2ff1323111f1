//! The W7 shape with tunny: four workers, each owning a 64 KiB lookup table
//! built once, fed by eight caller threads, first one `process` call per
//! lookup, then one `process_batch` per caller. Prints how long the 10,000
//! lookups took each way and how many tables were built (four: the same
//! workers serve both rounds).
//!
//! `cargo run -p taskpool-tunny --release --example stateful_table`

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use taskpool_tunny::{Interrupt, Pool, Worker};

const ENTRIES: usize = 8192; // 64 KiB of u64

/// A worker that owns an expensive table.
struct Table {
    entries: Vec<u64>,
}

impl Table {
    fn build() -> Self {
        let mut x = 0x9e37_79b9_7f4a_7c15_u64;
        let mut entries = vec![0u64; ENTRIES];
        for round in 0..40 {
            for (i, e) in entries.iter_mut().enumerate() {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                *e = e.wrapping_add(x ^ i as u64 ^ round);
            }
        }
        Table { entries }
    }
}

impl Worker for Table {
    type Input = u64;
    type Output = u64;

    fn process(&mut self, key: u64, _: &Interrupt) -> u64 {
        let mut i = key as usize;
        let mut sum = 0u64;
        for _ in 0..64 {
            i = (self.entries[i % ENTRIES] as usize) ^ i.wrapping_mul(31);
            sum = sum.wrapping_add(self.entries[i % ENTRIES]);
        }
        sum
    }
}

/// Runs `caller(c)` on `callers` threads at once; returns the wrapping sum of
/// their results and the time until the last one finished.
fn from_callers(callers: u64, caller: impl Fn(u64) -> u64 + Sync) -> (u64, Duration) {
    let start = Instant::now();
    let sum = std::thread::scope(|s| {
        let threads: Vec<_> = (0..callers)
            .map(|c| {
                let caller = &caller;
                s.spawn(move || caller(c))
            })
            .collect();
        threads
            .into_iter()
            .map(|t| t.join().unwrap())
            .fold(0, u64::wrapping_add)
    });
    (sum, start.elapsed())
}

fn main() {
    const TASKS: u64 = 10_000;
    const CALLERS: u64 = 8;
    let builds = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let pool = {
        let builds = Arc::clone(&builds);
        Pool::new(4, move || {
            builds.fetch_add(1, Ordering::Relaxed);
            Table::build()
        })
    };
    let built = start.elapsed();
    let keys = |c: u64| (0..TASKS / CALLERS).map(move |k| k * CALLERS + c);

    // One rendezvous per lookup.
    let (one_by_one, process_time) = from_callers(CALLERS, |c| {
        keys(c)
            .map(|k| pool.process(k).unwrap())
            .fold(0u64, u64::wrapping_add)
    });

    // One rendezvous per chunk (about four chunks per worker per batch).
    let (batched, batch_time) = from_callers(CALLERS, |c| {
        pool.process_batch(keys(c))
            .into_iter()
            .map(Result::unwrap)
            .fold(0u64, u64::wrapping_add)
    });

    pool.close();
    assert_eq!(one_by_one, batched, "both rounds looked up the same keys");
    println!(
        "{TASKS} lookups on 4 stateful workers from {CALLERS} callers: \
         process {process_time:?}, process_batch {batch_time:?}; \
         {} tables built in {built:?}",
        builds.load(Ordering::Relaxed)
    );
}
