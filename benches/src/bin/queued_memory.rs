//! W9 in its own process: `queued-memory <row> <capacity> <tasks>` prints one
//! JSON `MemoryResult` (peak-RSS growth per queued task) on stdout. `<row>` is
//! a queueing pool, or `Vec<Task> (floor)` for the reference row. One run is
//! one sample; `cargo xtask bench` starts several per row.

use std::process;

use taskpool_benches::memory;
use taskpool_benches::spec::Selection;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [pool, capacity, tasks] = args.as_slice() else {
        eprintln!(
            "usage: queued-memory <pool | '{}'> <capacity> <tasks>",
            memory::FLOOR
        );
        process::exit(2);
    };
    let parsed = Selection::parse_count("capacity", capacity)
        .and_then(|c| Selection::parse_count("tasks", tasks).map(|t| (c, t)));
    let (capacity, tasks) = match parsed {
        Ok(pair) => pair,
        Err(e) => {
            eprintln!("queued-memory: {e}");
            process::exit(2);
        }
    };
    match memory::measure(pool, capacity, tasks) {
        Ok(result) => match serde_json::to_string(&result) {
            Ok(json) => println!("{json}"),
            Err(e) => {
                eprintln!("queued-memory: {e}");
                process::exit(1);
            }
        },
        Err(e) => {
            eprintln!("queued-memory: {e}");
            process::exit(1);
        }
    }
}
