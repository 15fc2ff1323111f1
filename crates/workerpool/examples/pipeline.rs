//! A two-stage pipeline with two pools: stage one parses records (CPU-light,
//! wide), stage two aggregates them (narrow: one worker, so no lock
//! contention on the totals). Each stage-one task hands its output to the
//! stage-two pool.
//!
//! `cargo run -p taskpool-workerpool --example pipeline`
//!
//! Shutdown goes front to back: `stop_wait` on stage one first (so every
//! parsed record has been handed on), then on stage two.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use taskpool_workerpool::WorkerPool;

fn main() {
    let parse = WorkerPool::builder()
        .capacity(4)
        .thread_name("parse")
        .build()
        .expect("valid configuration");
    let aggregate = WorkerPool::builder()
        .capacity(1)
        .thread_name("aggregate")
        .build()
        .expect("valid configuration");
    let totals: Arc<Mutex<BTreeMap<String, u64>>> = Arc::default();

    // Input made up on the spot: "city,amount" lines.
    let cities = ["Oslo", "Lima", "Pune", "Kyiv", "Oran"];
    let lines: Vec<String> = (0..10_000)
        .map(|i| format!("{},{}", cities[i % cities.len()], i % 97))
        .collect();

    for chunk in lines.chunks(500) {
        let chunk = chunk.to_vec();
        let (next, totals) = (aggregate.clone(), Arc::clone(&totals));
        parse
            .submit(move || {
                // Stage one: parse and pre-aggregate this chunk.
                let mut partial: BTreeMap<String, u64> = BTreeMap::new();
                for line in &chunk {
                    if let Some((city, amount)) = line.split_once(',') {
                        *partial.entry(city.to_owned()).or_default() +=
                            amount.parse::<u64>().unwrap_or(0);
                    }
                }
                // Stage two: merge on the one aggregation worker.
                next.submit(Box::new(move || {
                    let mut totals = totals.lock().unwrap();
                    for (city, sum) in partial {
                        *totals.entry(city).or_default() += sum;
                    }
                }))
                .expect("stage two outlives stage one");
            })
            .expect("the pool is running");
    }

    parse.stop_wait(); // every chunk parsed and handed on
    aggregate.stop_wait(); // every hand-off merged
    let totals = totals.lock().unwrap();
    let expected: u64 = (0..10_000u64).map(|i| i % 97).sum();
    for (city, sum) in totals.iter() {
        println!("{city:>5} {sum}");
    }
    assert_eq!(totals.values().sum::<u64>(), expected);
    println!("all {} records accounted for", lines.len());
}
