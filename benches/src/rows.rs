//! The rows of the benchmark tables: every catalog pool, the inline reference,
//! the thread-local variants of W7, and strategy-specific extras.

use taskpool::{BuildError, InlinePool, TaskPool};
use taskpool_catalog::PoolKind;

use crate::extras::Extra;

/// Name of the reference row that runs the same closures on the calling thread.
pub const INLINE: &str = "inline";

/// One row of a table: who runs the tasks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Row {
    /// A catalog pool, used through `Box<dyn TaskPool>`.
    Pool(PoolKind),
    /// [`InlinePool`]: the same closures on the calling thread.
    Inline,
    /// W7 only: a catalog pool whose tasks keep the expensive resource in a
    /// thread-local (built once per worker thread).
    PoolTls(PoolKind),
    /// W7 only: the inline pool with the thread-local resource.
    InlineTls,
    /// A strategy-specific row using the pool's own richer API.
    Extra(Extra),
}

impl Row {
    /// The criterion function id, e.g. `"ants"`, `"rayon+tls"`, `"ants-func"`.
    pub fn name(&self) -> String {
        match self {
            Row::Pool(kind) => kind.name().to_owned(),
            Row::Inline => INLINE.to_owned(),
            Row::PoolTls(kind) => format!("{}+tls", kind.name()),
            Row::InlineTls => format!("{INLINE}+tls"),
            Row::Extra(extra) => extra.name().to_owned(),
        }
    }

    /// The pool this row belongs to, as named by `--pools`.
    pub fn family(&self) -> &'static str {
        match self {
            Row::Pool(kind) | Row::PoolTls(kind) => kind.name(),
            Row::Inline | Row::InlineTls => INLINE,
            Row::Extra(extra) => extra.family(),
        }
    }

    /// True for the inline reference rows.
    pub fn is_inline(&self) -> bool {
        matches!(self, Row::Inline | Row::InlineTls)
    }

    /// Builds the pool behind a `dyn TaskPool` row (`None` for extras that
    /// use their own API instead).
    pub fn build_dyn(&self, capacity: usize) -> Option<Result<Box<dyn TaskPool>, BuildError>> {
        match self {
            Row::Pool(kind) | Row::PoolTls(kind) => Some(taskpool_catalog::build(*kind, capacity)),
            Row::Inline | Row::InlineTls => Some(Ok(Box::new(InlinePool::new()))),
            Row::Extra(extra) => extra.build_dyn(capacity),
        }
    }
}

/// Every name `--pools` accepts: the catalog pools, `inline`, and the extra rows.
pub fn pool_names() -> Vec<String> {
    let mut names: Vec<String> = PoolKind::ALL.iter().map(|k| k.name().to_owned()).collect();
    names.push(INLINE.to_owned());
    names.extend(Extra::ALL.iter().map(|e| e.name().to_owned()));
    names
}
