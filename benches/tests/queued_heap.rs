//! W9's heap figure with the counting allocator the `queued-memory` binary
//! installs: exact bytes per queued task. In a test binary of its own, with
//! one test, so no other test allocates while it counts.

use std::alloc::System;
use std::mem::size_of;

use cap::Cap;
use taskpool::Task;
use taskpool_benches::memory::{measure, HeapCounter};
use taskpool_benches::rows::VEC_FLOOR;

#[global_allocator]
static HEAP: Cap<System> = Cap::new(System, usize::MAX);

#[test]
fn the_heap_figure_counts_the_bytes_each_queued_task_holds() {
    let heap: &dyn HeapCounter = &HEAP;
    let tasks = 100_000;
    // The floor: one `Task` slot (a fat pointer) and one boxed closure
    // (it captures one `&'static` reference) per task, nothing else.
    let floor = measure(VEC_FLOOR, 2, tasks, Some(heap)).unwrap();
    let exact = (size_of::<Task>() + size_of::<usize>()) as f64;
    let held = floor.heap_bytes_per_task.unwrap();
    // The test harness's own threads may allocate a few bytes meanwhile.
    assert!(
        (held - exact).abs() < 0.05,
        "floor holds {held} bytes/task, expected {exact}"
    );
    assert!(floor.heap_peak_bytes_per_task.unwrap() >= held - 0.05);

    // A queueing pool holds at least what the floor holds.
    for row in ["channel", "crossbeam-raw"] {
        let result = measure(row, 2, tasks, Some(heap)).unwrap();
        let held = result.heap_bytes_per_task.unwrap();
        assert!(held >= exact - 0.05, "{row}: {held} bytes/task");
    }
}
