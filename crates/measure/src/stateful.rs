//! A typed job for the stateful pool: a user's own tunny `Worker`, its
//! state built once per worker (a connection, a compiled pattern, a table)
//! and handed `&mut` to every job, measured as the `tunny-worker` row beside
//! the closure tasks every other row runs. Each submitter hands its share
//! of the inputs to one `process_batch` (a worker takes a chunk of inputs
//! per rendezvous); when each submit waits, it calls `process(i)` per
//! input, timed alone.

use std::ops::Range;
use std::sync::Arc;

use taskpool_benches::extra::Extra;
use taskpool_benches::harness::{awaited_batch, shares, Submitters};
use taskpool_benches::memory::HeapCounter;
use taskpool_benches::rows::Row;
use taskpool_tunny::{Pool, ProcessError, Worker};

use crate::record::{RowRound, Shape};
use crate::run::{sample, Observe, OwnRow, Panics};

/// The `tunny-worker` row: tunny pools of the workers `factory` builds.
pub struct TunnyWorkers<B> {
    factory: Arc<B>,
}

impl<B> std::fmt::Debug for TunnyWorkers<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TunnyWorkers")
    }
}

impl<B> TunnyWorkers<B> {
    /// The row of the workers `factory` builds (one per worker, once).
    pub fn new(factory: B) -> TunnyWorkers<B> {
        TunnyWorkers {
            factory: Arc::new(factory),
        }
    }
}

/// Records a job's panic; any other failure is a broken pool.
fn check<T>(outcome: Result<T, ProcessError>, panics: &Panics) {
    match outcome {
        Ok(_) => {}
        Err(ProcessError::Panicked(payload)) => panics.record(payload.into_inner().as_ref()),
        Err(e) => panic!("tunny failed a job: {e}"),
    }
}

impl<B, W> OwnRow for TunnyWorkers<B>
where
    B: Fn() -> W + Send + Sync + 'static,
    W: Worker<Input = usize>,
{
    fn row(&self) -> Row {
        Row::Extra(Extra::TunnyWorker)
    }

    fn measure(
        &self,
        capacity: usize,
        round: usize,
        shape: &Shape,
        heap: Option<&(dyn HeapCounter + Sync)>,
        panics: &'static Panics,
    ) -> RowRound {
        let factory = Arc::clone(&self.factory);
        let pool = Pool::new(capacity, move || factory());
        let mut record = RowRound {
            row: self.row().name(),
            capacity: Some(capacity),
            round,
            batch_ns: Vec::new(),
            submitted_ns: Vec::new(),
            refusals: 0,
            calls: None,
            peak_heap_bytes: None,
        };
        let submitters = shape.submitters.max(1);
        let by = Submitters::count(submitters);
        let ranges: Vec<Range<usize>> = shares(shape.tasks, submitters).collect();
        let process = |i: usize| check(pool.process(i), panics);
        let process_batch = |range: Range<usize>| {
            for outcome in pool.process_batch(range) {
                check(outcome, panics);
            }
        };
        let chunk = |k: usize| ranges[k].clone();
        let input = |i: usize| i;
        let one = |observe: &(dyn Fn() + Sync)| {
            if shape.await_results {
                awaited_batch(&process, shape.tasks, by, &input, &observe)
            } else {
                // One call per submitter: the batch is done when they return.
                let (time, _) = awaited_batch(&process_batch, submitters, by, &chunk, &observe);
                (time, Vec::new())
            }
        };
        sample(
            &mut record,
            shape.samples,
            heap,
            panics,
            None,
            |observe| match observe {
                Observe::Nothing => one(&|| {}),
                Observe::Heap(heap, peak) => one(&|| {
                    peak.fetch_max(heap.held(), std::sync::atomic::Ordering::Relaxed);
                }),
            },
        );
        pool.close();
        record
    }
}
