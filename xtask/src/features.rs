//! The feature table of the report, generated from the catalog.

use taskpool_catalog::PoolKind;

use crate::results::FeatureRow;

/// One row per catalog pool, from [`PoolKind::features`] and
/// [`PoolKind::description`].
pub fn rows() -> Vec<FeatureRow> {
    PoolKind::ALL
        .iter()
        .map(|&kind| {
            let f = kind.features();
            FeatureRow {
                pool: kind.name().to_owned(),
                values: vec![
                    ("when busy".to_owned(), f.admission.to_string()),
                    ("resizable".to_owned(), yes_no(f.resizable)),
                    ("reaps idle workers".to_owned(), yes_no(f.reaps_idle)),
                    ("per-worker state".to_owned(), yes_no(f.per_worker_state)),
                    ("what it is".to_owned(), kind.description().to_owned()),
                ],
            }
        })
        .collect()
}

fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.to_owned()
}
