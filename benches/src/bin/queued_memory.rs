//! W9 in its own process: `queued-memory <row> <capacity> <tasks>` prints one
//! JSON `MemoryResult` on stdout: the growth per queued task of the bytes the
//! heap holds (counted by this binary's global allocator) and of the peak
//! RSS (VmHWM, Linux). `<row>` is a queueing pool, a raw row, or
//! `Vec<Task> (floor)`. `cargo xtask bench` starts one per row and round.

use std::alloc::System;
use std::process;

use cap::Cap;
use taskpool_benches::memory::{self, HeapCounter};
use taskpool_benches::rows::VEC_FLOOR;
use taskpool_benches::selection::Selection;

/// Counts every byte this process allocates and frees (no limit).
#[global_allocator]
static HEAP: Cap<System> = Cap::new(System, usize::MAX);

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [row, capacity, tasks] = args.as_slice() else {
        eprintln!("usage: queued-memory <row | '{VEC_FLOOR}'> <capacity> <tasks>");
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
    let heap: &dyn HeapCounter = &HEAP;
    match memory::measure(row, capacity, tasks, Some(heap)) {
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
