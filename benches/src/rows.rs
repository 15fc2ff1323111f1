//! The rows of the benchmark tables: every catalog pool through the contract,
//! the same baseline crates called raw, strategy-specific rows, the
//! references (the closure-loop floor, `InlinePool`, W9's `Vec` floor), and
//! which workloads each runs in. Every row has a name `--pools` accepts and a
//! one-line definition ([`Row::info`]) the report prints.

use serde::{Deserialize, Serialize};
use taskpool::Admission;
use taskpool_catalog::PoolKind;

use crate::extra::Extra;
use crate::workload::Workload;

/// Name of the `InlinePool` row: the contract kept on one thread.
pub const INLINE: &str = "inline";
/// Name of the floor row: the same boxed tasks called in a plain loop on the
/// calling thread.
pub const FLOOR: &str = "closure loop (floor)";
/// Name of W9's floor row: the tasks held in a `Vec<Task>` of exact capacity.
pub const VEC_FLOOR: &str = "Vec<Task> (floor)";

/// A baseline crate called directly, without the `TaskPool` wrapper.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Raw {
    /// `rayon::ThreadPool::spawn`.
    Rayon,
    /// `threadpool::ThreadPool::execute`.
    Threadpool,
    /// The minimal crossbeam-channel pool (`CrossbeamPool` in `raw.rs`).
    Crossbeam,
}

impl Raw {
    /// Every raw row.
    pub const ALL: &'static [Raw] = &[Raw::Rayon, Raw::Threadpool, Raw::Crossbeam];

    /// The row name: `rayon-raw`, `threadpool-raw`, `crossbeam-raw`.
    pub fn name(self) -> &'static str {
        match self {
            Raw::Rayon => "rayon-raw",
            Raw::Threadpool => "threadpool-raw",
            Raw::Crossbeam => "crossbeam-raw",
        }
    }

    /// The catalog pool that wraps the same crate: the other half of the
    /// report's contract-tax ratio.
    pub fn wrapped(self) -> PoolKind {
        match self {
            Raw::Rayon => PoolKind::Rayon,
            Raw::Threadpool => PoolKind::ThreadPool,
            Raw::Crossbeam => PoolKind::Channel,
        }
    }

    /// True when the raw row takes part in `workload`: everywhere a task is
    /// handed over except W6 (the raw crates do not join their threads on
    /// drop alike, so a pool life would not mean the same for each) and W7.
    pub fn runs(self, workload: Workload) -> bool {
        !matches!(workload, Workload::W6 | Workload::W7)
    }
}

/// What a row is, for the report's definitions and rankings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RowKind {
    /// Through `dyn TaskPool`: keeps the nine rules of the contract.
    Contract,
    /// A strategy's own API (strategy-specific).
    Native,
    /// A baseline crate called directly, without the contract.
    Raw,
    /// A reference row, not ranked: the floors and `InlinePool`.
    Reference,
}

/// One row of a table: who runs the tasks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Row {
    /// A catalog pool, used through `Box<dyn TaskPool>`.
    Pool(PoolKind),
    /// W7 only: a catalog pool whose tasks keep the expensive resource in a
    /// thread-local (built once per worker thread).
    PoolTls(PoolKind),
    /// A baseline crate called directly.
    Raw(Raw),
    /// A strategy-specific row.
    Extra(Extra),
    /// [`taskpool::InlinePool`]: the contract on one thread.
    Inline,
    /// W7 only: the inline pool with the thread-local resource.
    InlineTls,
    /// The same boxed tasks called in a loop on the calling thread.
    Floor,
    /// W9 only: the tasks in a `Vec<Task>` of exact capacity.
    VecFloor,
}

/// A row's definition as the report prints it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowInfo {
    /// The row name, as tables and `--pools` spell it.
    pub name: String,
    /// The `--pools` name that selects it with its relatives.
    pub family: String,
    /// Contract, native, raw or reference.
    pub kind: RowKind,
    /// The API it calls and its configuration, one line of Markdown.
    pub api: String,
    /// Where its code is (paths from the workspace root).
    pub code: String,
}

impl Row {
    /// Every row there is, in report order.
    pub fn all() -> Vec<Row> {
        let pools = PoolKind::ALL.iter().map(|&k| Row::Pool(k));
        let raws = Raw::ALL.iter().map(|&r| Row::Raw(r));
        let extras = Extra::ALL.iter().map(|&e| Row::Extra(e));
        let tls = PoolKind::ALL.iter().map(|&k| Row::PoolTls(k));
        pools
            .chain(raws)
            .chain(extras)
            .chain(tls)
            .chain([Row::Inline, Row::InlineTls, Row::Floor, Row::VecFloor])
            .collect()
    }

    /// The row named `name`.
    pub fn parse(name: &str) -> Option<Row> {
        Row::all().into_iter().find(|r| r.name() == name)
    }

    /// The row name (criterion function id), e.g. `"ants"`, `"rayon+tls"`,
    /// `"crossbeam-raw"`, `"closure loop (floor)"`.
    pub fn name(&self) -> String {
        match self {
            Row::Pool(kind) => kind.name().to_owned(),
            Row::PoolTls(kind) => format!("{}+tls", kind.name()),
            Row::Raw(raw) => raw.name().to_owned(),
            Row::Extra(extra) => extra.name().to_owned(),
            Row::Inline => INLINE.to_owned(),
            Row::InlineTls => format!("{INLINE}+tls"),
            Row::Floor => FLOOR.to_owned(),
            Row::VecFloor => VEC_FLOOR.to_owned(),
        }
    }

    /// The pool this row belongs to, as named by `--pools` (a reference row
    /// is its own family).
    pub fn family(&self) -> String {
        match self {
            Row::Pool(kind) | Row::PoolTls(kind) => kind.name().to_owned(),
            Row::Raw(raw) => raw.wrapped().name().to_owned(),
            Row::Extra(extra) => extra.family().to_owned(),
            Row::Inline | Row::InlineTls | Row::Floor | Row::VecFloor => self.name(),
        }
    }

    /// Contract, native, raw or reference.
    pub fn kind(&self) -> RowKind {
        match self {
            Row::Pool(_) | Row::PoolTls(_) => RowKind::Contract,
            Row::Extra(extra) if extra.is_dyn() => RowKind::Contract,
            Row::Extra(_) => RowKind::Native,
            Row::Raw(_) => RowKind::Raw,
            Row::Inline | Row::InlineTls | Row::Floor | Row::VecFloor => RowKind::Reference,
        }
    }

    /// True for the reference rows, which every selection keeps and no
    /// ranking includes.
    pub fn is_reference(&self) -> bool {
        self.kind() == RowKind::Reference
    }

    /// True when the row takes part in some workload of the standard matrix;
    /// false for a row only a user's own workload runs (`taskpool-measure`).
    pub fn is_standard(&self) -> bool {
        Workload::ALL.iter().any(|&w| self.runs(w))
    }

    /// True when the row takes part in `workload`.
    pub fn runs(&self, workload: Workload) -> bool {
        use Workload::*;
        match self {
            Row::Pool(kind) => match workload {
                // Measured in a separate process, only for pools that queue.
                W9 => kind.features().admission == Admission::Queue,
                _ => true,
            },
            Row::PoolTls(_) | Row::InlineTls => workload == W7,
            Row::Raw(raw) => raw.runs(workload),
            Row::Extra(extra) => extra.runs(workload),
            // W2 inline would take tasks × 1 ms (its reference is the computed
            // ideal); W7's inline reference is `inline+tls`.
            Row::Inline => !matches!(workload, W2 | W7 | W9),
            // The floor is a single thread running the tasks; where several
            // submitters or the submit call alone are measured it has no
            // counterpart, and W6/W7 build pools.
            Row::Floor => matches!(workload, W1 | W3 | W8 | S1),
            Row::VecFloor => workload == W9,
        }
    }

    /// The row's definition for the report.
    pub fn info(&self) -> RowInfo {
        let (api, code) = match self {
            Row::Pool(kind) => (
                format!(
                    "`Box<dyn TaskPool>` from `taskpool_catalog::build(PoolKind::{kind:?}, capacity)`: {}",
                    kind.description()
                ),
                format!("benches/src/measure/contract.rs; the pool: {}", pool_code(*kind)),
            ),
            Row::PoolTls(kind) => (
                format!(
                    "the `{}` row, each task keeping the W7 resource in a thread-local \
                     (built once per worker thread)",
                    kind.name()
                ),
                format!("benches/src/harness.rs; the pool: {}", pool_code(*kind)),
            ),
            Row::Raw(Raw::Rayon) => (
                "`rayon::ThreadPoolBuilder::new().num_threads(capacity).build()`, each task \
                 `spawn`ed as a plain closure; no contract bookkeeping"
                    .to_owned(),
                "benches/src/raw.rs".to_owned(),
            ),
            Row::Raw(Raw::Threadpool) => (
                "`threadpool::ThreadPool::new(capacity)`, each task passed to `execute` as a \
                 plain closure; no contract bookkeeping"
                    .to_owned(),
                "benches/src/raw.rs".to_owned(),
            ),
            Row::Raw(Raw::Crossbeam) => (
                "a minimal pool: `capacity` threads looping on `recv` of one unbounded \
                 `crossbeam_channel` of `Box<dyn FnOnce() + Send>`, joined on drop; no contract \
                 bookkeeping"
                    .to_owned(),
                "benches/src/raw.rs (`CrossbeamPool`)".to_owned(),
            ),
            Row::Extra(extra) => (
                format!("strategy-specific: {}", extra.api()),
                extra.code().to_owned(),
            ),
            Row::Inline => (
                "`taskpool::InlinePool` through `dyn TaskPool`: the contract on one thread \
                 (each task runs on the caller, with the contract's bookkeeping)"
                    .to_owned(),
                "crates/taskpool/src/inline.rs".to_owned(),
            ),
            Row::InlineTls => (
                "`InlinePool` with the thread-local W7 resource, dropped before each batch so \
                 that every batch pays one build"
                    .to_owned(),
                "benches/src/measure/contract.rs".to_owned(),
            ),
            Row::Floor => (
                "no pool: the same boxed tasks called in a plain loop on the calling thread \
                 (W8: the one-shot-channel closure called, then received, on the caller)"
                    .to_owned(),
                "benches/src/harness.rs (`Floor`)".to_owned(),
            ),
            Row::VecFloor => (
                "no pool: the same boxed tasks pushed into a `Vec<Task>` of exact capacity"
                    .to_owned(),
                "benches/src/memory.rs".to_owned(),
            ),
        };
        RowInfo {
            name: self.name(),
            family: self.family(),
            kind: self.kind(),
            api,
            code,
        }
    }
}

/// Where a catalog pool's code is.
fn pool_code(kind: PoolKind) -> &'static str {
    match kind {
        PoolKind::WorkerPool => "crates/workerpool",
        PoolKind::Ants => "crates/ants",
        PoolKind::Tunny => "crates/tunny",
        PoolKind::Rayon => "crates/baselines/src/rayon_pool.rs",
        PoolKind::ThreadPool => "crates/baselines/src/threadpool_pool.rs",
        PoolKind::Channel => "crates/baselines/src/channel.rs",
        PoolKind::ThreadPerTask => "crates/baselines/src/thread_per_task.rs",
    }
}

/// The rows that run `workload`, in report order, before narrowing.
pub fn rows_for(workload: Workload) -> Vec<Row> {
    Row::all()
        .into_iter()
        .filter(|r| r.runs(workload))
        .collect()
}

/// Every name `--pools` accepts: the name of every row of the standard
/// matrix (catalog pools select their raw, strategy-specific and `+tls`
/// rows too).
pub fn pool_names() -> Vec<String> {
    Row::all()
        .iter()
        .filter(|r| r.is_standard())
        .map(Row::name)
        .collect()
}
