//! The W7 shape with tunny: four workers, each owning a 64 KiB lookup table
//! built once, fed by eight caller threads. Prints how long 10,000 lookups
//! took and how many tables were built.
//!
//! `cargo run -p taskpool-tunny --release --example stateful_table`

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

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
    std::thread::scope(|s| {
        for c in 0..CALLERS {
            let pool = &pool;
            s.spawn(move || {
                for k in 0..TASKS / CALLERS {
                    std::hint::black_box(pool.process(k * CALLERS + c).unwrap());
                }
            });
        }
    });
    pool.close();
    println!(
        "{TASKS} lookups on 4 stateful workers from {CALLERS} callers: {:?}, {} tables built",
        start.elapsed(),
        builds.load(Ordering::Relaxed)
    );
}
