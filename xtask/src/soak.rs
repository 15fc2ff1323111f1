//! `cargo xtask soak`: the conformance suite with many cases, then the
//! stress run, over every pool of the catalog.

use taskpool_catalog::PoolKind;
use taskpool_conformance::{stress, verify_build, Config, StressConfig};

use crate::error::{Error, Result};

/// How much the soak runs.
#[derive(Debug, Clone)]
pub struct SoakOptions {
    /// Pools to soak (`None` = every catalog pool).
    pub pools: Option<Vec<PoolKind>>,
    /// Generated cases per property.
    pub cases: u32,
    /// Tasks over the whole stress run of each pool.
    pub tasks: u64,
    /// Pool lifetimes in the stress run.
    pub rounds: u32,
    /// Seed for both runs (`None`: a random seed, printed in the reports).
    pub seed: Option<u64>,
}

/// Runs the soak; every pool is tried even after a failure.
pub fn run(options: &SoakOptions) -> Result<()> {
    let kinds: Vec<PoolKind> = options
        .pools
        .clone()
        .unwrap_or_else(|| PoolKind::ALL.to_vec());
    let mut failures = Vec::new();
    for kind in kinds {
        let admission = kind.features().admission;
        let mut config = Config::default();
        config.cases = options.cases;
        if let Some(seed) = options.seed {
            config.seed = seed;
        }
        eprintln!(
            "soak: {kind}: conformance, {} cases per property",
            options.cases
        );
        match verify_build(
            move |c| taskpool_catalog::build(kind, c),
            admission,
            &config,
        ) {
            Ok(summary) => eprintln!("{summary}"),
            Err(violation) => {
                eprintln!("{violation}");
                failures.push(format!("{kind} (conformance)"));
                continue;
            }
        }
        let mut stress_config = StressConfig::default();
        stress_config.tasks = options.tasks;
        stress_config.rounds = options.rounds;
        if let Some(seed) = options.seed {
            stress_config.seed = seed;
        }
        eprintln!(
            "soak: {kind}: stress, {} tasks over {} rounds",
            options.tasks, options.rounds
        );
        let factory = move |c| match taskpool_catalog::build(kind, c) {
            Ok(pool) => pool,
            // verify_build above built this pool at every capacity it tried.
            Err(e) => panic!("building {kind} failed during the stress run: {e}"),
        };
        match stress(factory, admission, &stress_config) {
            Ok(report) => eprintln!("{report}"),
            Err(violation) => {
                eprintln!("{violation}");
                failures.push(format!("{kind} (stress)"));
            }
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(Error(format!(
            "soak found violations in: {}",
            failures.join(", ")
        )))
    }
}
