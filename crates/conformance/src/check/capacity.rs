//! Rule 1: at most `capacity` tasks execute at the same instant.

use crate::record::Failure;
use crate::Rule;

/// `max_concurrency` is the probe's peak of instrumented tasks running at
/// once over the whole case.
pub(super) fn check(max_concurrency: usize, capacity: usize) -> Option<Failure> {
    (max_concurrency > capacity).then(|| {
        Failure::new(
            Rule::Capacity,
            format!(
                "{max_concurrency} tasks executed at the same instant on a pool of capacity \
                 {capacity}"
            ),
        )
    })
}
