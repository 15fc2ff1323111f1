//! Measures a task a web service might run for every request: parse a
//! small JSON order with `serde_json`, total it, then wait 100 µs for a
//! stand-in database write. Prints the recommendation and the tables.
//!
//! ```text
//! cargo run --release -p taskpool-measure --example json_orders
//! ```

use std::hint::black_box;
use std::thread;
use std::time::Duration;

use serde::Deserialize;
use taskpool_measure::{CountingAllocator, Workload};

/// Counts the heap, for the peak-memory tables.
#[global_allocator]
static HEAP: CountingAllocator = CountingAllocator::new(std::alloc::System, usize::MAX);

#[derive(Deserialize)]
struct Order {
    id: u64,
    customer: String,
    lines: Vec<Line>,
}

#[derive(Deserialize)]
struct Line {
    sku: String,
    quantity: u32,
    cents: u64,
}

/// Order `i` as the request body would carry it.
fn body(i: usize) -> String {
    let lines: Vec<String> = (0..8)
        .map(|n| {
            format!(
                r#"{{"sku": "SKU-{i}-{n}", "quantity": {}, "cents": {}}}"#,
                1 + n % 3,
                199 + 100 * n
            )
        })
        .collect();
    format!(
        r#"{{"id": {i}, "customer": "customer-{}", "lines": [{}]}}"#,
        i % 97,
        lines.join(", ")
    )
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let outcome = Workload::new(|i| {
        // The body arrives with the request: made by the submitter.
        let body = body(i);
        move || {
            let order: Order = serde_json::from_str(&body).expect("a well-formed order");
            let total: u64 = order
                .lines
                .iter()
                .map(|l| u64::from(l.quantity) * l.cents)
                .sum();
            let skus: usize = order.lines.iter().map(|l| l.sku.len()).sum();
            black_box((order.id, order.customer.len(), total, skus));
            // The database write.
            thread::sleep(Duration::from_micros(100));
        }
    })
    .describe("parse a JSON order of 8 lines, total it, sleep 100 µs for a database write")
    .tasks(1_000)
    .samples(3)
    .heap(&HEAP)
    .progress(true)
    .run()?;
    println!("{}", outcome.markdown());
    Ok(())
}
