//! Strategy-specific rows: a strategy's own richer API beside the common
//! `dyn TaskPool` rows (never instead of them). This module only names and
//! defines them; `measure::native` measures the ones that are not a
//! `dyn TaskPool`.

use std::fmt;

use crate::workload::Workload;

/// The bound of the `workerpool-bounded` row's waiting queue.
pub const BOUNDED_QUEUE: usize = 1024;

/// How many pools the `ants-multi` rows split their capacity over.
pub const MULTI_POOLS: usize = 2;

/// A strategy-specific row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Extra {
    /// `ants::PoolWithFunc<&Latch>`.
    AntsFunc,
    /// `ants::MultiPool`, least-tasks balancing.
    AntsMulti,
    /// `ants::MultiPool`, round-robin balancing.
    AntsMultiRoundRobin,
    /// `ants::Pool::submit` round trip through a one-shot channel (W8).
    AntsNative,
    /// tunny with stateful workers (W7).
    TunnyStateful,
    /// tunny with stateful workers fed by `process_batch` (W7).
    TunnyBatch,
    /// tunny's own `process` round trip (W8).
    TunnyProcess,
    /// workerpool with a bounded, blocking queue.
    WorkerpoolBounded,
    /// ants in nonblocking mode: a full pool refuses, the caller retries.
    /// Measured on a user's own workload only (`taskpool-measure`).
    AntsNonblocking,
    /// tunny with a user's own typed `Worker` (its state built once per
    /// worker). Measured on a user's own workload only (`taskpool-measure`).
    TunnyWorker,
}

impl Extra {
    /// Every extra row.
    pub const ALL: &'static [Extra] = &[
        Extra::AntsFunc,
        Extra::AntsMulti,
        Extra::AntsMultiRoundRobin,
        Extra::AntsNative,
        Extra::TunnyStateful,
        Extra::TunnyBatch,
        Extra::TunnyProcess,
        Extra::WorkerpoolBounded,
        Extra::AntsNonblocking,
        Extra::TunnyWorker,
    ];

    /// The row name (criterion function id).
    pub fn name(self) -> &'static str {
        match self {
            Extra::AntsFunc => "ants-func",
            Extra::AntsMulti => "ants-multi",
            Extra::AntsMultiRoundRobin => "ants-multi-rr",
            Extra::AntsNative => "ants-native",
            Extra::TunnyStateful => "tunny-stateful",
            Extra::TunnyBatch => "tunny-batch",
            Extra::TunnyProcess => "tunny-process",
            Extra::WorkerpoolBounded => "workerpool-bounded",
            Extra::AntsNonblocking => "ants-nonblocking",
            Extra::TunnyWorker => "tunny-worker",
        }
    }

    /// The catalog pool the row belongs to (selected by `--pools <family>`).
    pub fn family(self) -> &'static str {
        match self {
            Extra::AntsFunc
            | Extra::AntsMulti
            | Extra::AntsMultiRoundRobin
            | Extra::AntsNative
            | Extra::AntsNonblocking => "ants",
            Extra::TunnyStateful | Extra::TunnyBatch | Extra::TunnyProcess | Extra::TunnyWorker => {
                "tunny"
            }
            Extra::WorkerpoolBounded => "workerpool",
        }
    }

    /// True when the row is a `dyn TaskPool` (built with a non-default
    /// configuration), false when it uses the strategy's own API.
    pub fn is_dyn(self) -> bool {
        matches!(
            self,
            Extra::AntsMulti
                | Extra::AntsMultiRoundRobin
                | Extra::WorkerpoolBounded
                | Extra::AntsNonblocking
        )
    }

    /// True when the row takes part in `workload` (never, for a row only a
    /// user's own workload runs).
    pub fn runs(self, workload: Workload) -> bool {
        match self {
            Extra::AntsNonblocking | Extra::TunnyWorker => false,
            Extra::AntsFunc => matches!(workload, Workload::W1 | Workload::W4 | Workload::W5),
            Extra::AntsMulti | Extra::AntsMultiRoundRobin => workload == Workload::W5,
            Extra::AntsNative | Extra::TunnyProcess => workload == Workload::W8,
            Extra::TunnyStateful | Extra::TunnyBatch => workload == Workload::W7,
            Extra::WorkerpoolBounded => matches!(
                workload,
                Workload::W1
                    | Workload::W2
                    | Workload::W3
                    | Workload::W4
                    | Workload::W5
                    | Workload::W6
                    | Workload::W8
            ),
        }
    }

    /// The API the row calls and how it is configured, in one line.
    pub fn api(self) -> String {
        match self {
            Extra::AntsFunc => "`ants::PoolWithFunc::new(capacity, f)`, each task an \
                `invoke(&latch)` of the one bound function (no per-task box), retried while \
                overloaded"
                .into(),
            Extra::AntsMulti => format!(
                "`dyn TaskPool` of `ants::MultiPool::new({MULTI_POOLS}, capacity / {MULTI_POOLS}, \
                 LoadBalancing::LeastTasks)`: the same total capacity split over {MULTI_POOLS} pools"
            ),
            Extra::AntsMultiRoundRobin => format!(
                "`dyn TaskPool` of `ants::MultiPool::new({MULTI_POOLS}, capacity / {MULTI_POOLS}, \
                 LoadBalancing::RoundRobin)`"
            ),
            Extra::AntsNative => "`ants::Pool::new(capacity)` (blocking), \
                `submit(closure)` whose closure sends on a one-shot `crossbeam_channel::bounded(1)` \
                the caller waits on"
                .into(),
            Extra::TunnyStateful => "`tunny::Pool::new(capacity, factory)`, each worker \
                building the W7 resource once; `capacity` caller threads call `process(seed)`"
                .into(),
            Extra::TunnyBatch => "the `tunny-stateful` pool, every input handed over by one \
                `process_batch(0..tasks)` call (a worker takes a chunk of inputs per rendezvous)"
                .into(),
            Extra::TunnyProcess => {
                "`tunny::Pool::with_fn(capacity, f)`, one `process(())` of an empty function".into()
            }
            Extra::WorkerpoolBounded => format!(
                "`dyn TaskPool` of `WorkerPool::builder().capacity(capacity)\
                 .max_queued({BOUNDED_QUEUE}).when_full(FullPolicy::Block)`"
            ),
            Extra::AntsNonblocking => "`dyn TaskPool` of `ants::Pool::builder().capacity(capacity)\
                .nonblocking(true)`: a full pool refuses the task (`Overloaded`) and the caller \
                retries after a yield, every refusal counted"
                .into(),
            Extra::TunnyWorker => "`tunny::Pool::new(capacity, factory)` with your own typed \
                `Worker` (its state built once per worker): each submitter hands its share of \
                the inputs to one `process_batch`, or calls `process(i)` per input when each \
                submit waits"
                .into(),
        }
    }

    /// Where the row's code is.
    pub fn code(self) -> &'static str {
        match self {
            Extra::AntsMulti | Extra::AntsMultiRoundRobin | Extra::WorkerpoolBounded => {
                "benches/src/measure/contract.rs (built in benches/src/measure/mod.rs)"
            }
            Extra::AntsNonblocking => {
                "crates/measure/src/rows.rs (built in benches/src/measure/mod.rs)"
            }
            Extra::TunnyWorker => "crates/measure/src/stateful.rs",
            Extra::AntsNative | Extra::TunnyProcess => "benches/src/measure/latency.rs",
            Extra::AntsFunc | Extra::TunnyStateful | Extra::TunnyBatch => {
                "benches/src/measure/native.rs"
            }
        }
    }
}

impl fmt::Display for Extra {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
