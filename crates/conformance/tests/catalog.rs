//! Every pool in the catalog passes `verify` (one test per kind, so a failure
//! names the pool), including rule 9 through the catalog's own builder.
//!
//! Cases per property come from `TASKPOOL_CONFORMANCE_CASES` (default:
//! `taskpool_conformance::DEFAULT_CASES`); each test prints its summary
//! (`-- --nocapture` to see the figures).

use std::time::Duration;
use taskpool_catalog::{build, PoolKind};

use taskpool::Admission;
use taskpool_conformance::script::{Finish, How, Script, Step};
use taskpool_conformance::{replay_with, verify_build, Config};

fn conforms(kind: PoolKind) {
    // A kind whose crate is not wired into the catalog yet fails here, by name.
    match build(kind, 1) {
        Ok(pool) => pool.stop_wait(),
        Err(e) => panic!("catalog pool `{}` does not build: {e}", kind.name()),
    }
    let admission = kind.features().admission;
    let config = Config::from_env();
    let summary = verify_build(move |capacity| build(kind, capacity), admission, &config)
        .unwrap_or_else(|violation| {
            panic!("catalog pool `{}` ({admission}):\n{violation}", kind.name())
        });
    println!("{} ({admission}): {summary}", kind.name());
    // Markdown rows for the crate README (`grep '^|'` the output).
    for p in &summary.properties {
        println!(
            "| {} | {admission} | {} | {} | {} | {} | {:.1?} |",
            kind.name(),
            p.property.name(),
            p.cases,
            p.tasks_run,
            p.late_thread_exits,
            p.elapsed
        );
    }
    assert_eq!(summary.pool, kind.name());
    let planned: u64 = config
        .properties
        .iter()
        .map(|p| u64::from(p.cases(&config)))
        .sum();
    assert!(summary.cases() >= planned);
}

macro_rules! catalog_tests {
    ($($test:ident => $kind:ident,)*) => {
        $(
            #[test]
            fn $test() {
                conforms(PoolKind::$kind);
            }
        )*

        #[test]
        fn every_catalog_kind_has_a_test() {
            let tested = [$(PoolKind::$kind),*];
            for kind in PoolKind::ALL {
                assert!(tested.contains(kind), "no conformance test for `{}`", kind.name());
            }
        }
    };
}

catalog_tests! {
    workerpool_conforms => WorkerPool,
    ants_conforms => Ants,
    tunny_conforms => Tunny,
    rayon_conforms => Rayon,
    threadpool_conforms => ThreadPool,
    channel_conforms => Channel,
    thread_per_task_conforms => ThreadPerTask,
}

fn nested_script(how: How) -> Script {
    Script {
        capacity: 1,
        steps: vec![Step::NestedWhileFull(how), Step::Quiesce],
        finish: Finish::StopWait,
    }
}

#[test]
fn thread_per_task_refuses_a_nested_blocking_submit_on_a_full_pool() {
    // A blocking submit from the only worker used to wait for its own
    // permit; now it is refused, and a nested submit_wait runs inline.
    let factory = |capacity| build(PoolKind::ThreadPerTask, capacity).expect("capacity >= 1");
    let mut config = Config::from_env();
    config.timeout = Duration::from_secs(10);
    for how in [How::Submit, How::SubmitWait] {
        replay_with(factory, Admission::Block, &nested_script(how), 1, &config)
            .unwrap_or_else(|v| panic!("nested {how:?}: {v}"));
    }
}
