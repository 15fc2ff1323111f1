//! Runs one [`Property`] as a proptest property: generates scripts, runs
//! each as a case, shrinks a failure to a minimal script (re-running a
//! passing candidate a few times, since a race may not show on every run),
//! and in find-all mode keeps going after a violation with the rules
//! already found excused ([`Known`]).

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::time::{Duration, Instant};

use proptest::test_runner::{
    Config as RunnerConfig, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner,
};
use taskpool::Admission;

use crate::config::mix;
use crate::exec::run_case;
use crate::generate::strategy;
use crate::record::{Factory, Failure, Limits};
use crate::script::Script;
use crate::{Config, Property, PropertySummary, Rule, Violation};

/// The rules already found (find-all mode), by every property so far: a
/// failure of one of them is excused, so that the run goes on to find the
/// others.
///
/// A failure filed under rule 7 or 8 for a shutdown call's promise (see
/// [`Failure::promise`]) is excused once either that promise or the rule
/// was found; a direct failure of rule 7 or 8 (a deadlock, say) is not
/// excused by a filed one, so it is still found and reported.
#[derive(Debug, Default)]
pub(crate) struct Known {
    /// Rules found broken for their own promise.
    direct: Vec<Rule>,
    /// Rules found only for another promise filed under them.
    filed: Vec<Rule>,
}

impl Known {
    fn excuses(&self, f: &Failure) -> bool {
        if f.promise == f.rule {
            self.direct.contains(&f.rule)
        } else {
            self.direct.contains(&f.rule)
                || self.direct.contains(&f.promise)
                || self.filed.contains(&f.rule)
        }
    }

    fn add(&mut self, rule: Rule, promise: Rule) {
        if rule == promise {
            self.direct.push(rule);
        } else {
            self.filed.push(rule);
        }
    }

    fn len(&self) -> usize {
        self.direct.len()
    }
}

/// What one property ran and found.
pub(crate) struct PropertyRun {
    pub(crate) summary: PropertySummary,
    pub(crate) violations: Vec<Violation>,
}

/// How one pass of the property ended.
enum Pass {
    Clean,
    Broke(Violation),
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn run_property(
    factory: &Factory,
    admission: Admission,
    config: &Config,
    property: Property,
    seed: u64,
    limits: Limits,
    pool: &str,
    known: &mut Known,
) -> PropertyRun {
    let started = Instant::now();
    let mut summary = PropertySummary {
        property,
        cases: 0,
        tasks_run: 0,
        late_thread_exits: 0,
        elapsed: Duration::ZERO,
        broken: Vec::new(),
    };
    let mut violations = Vec::new();
    let mut left = property.cases(config);
    for attempt in 0u64.. {
        // Passes after the first (find-all mode) spend only the cases left,
        // and wait for a hang only as long as while shrinking: a rule found
        // by a hang tends to hang again.
        let limits = if attempt == 0 {
            limits
        } else {
            shrinking(limits, config)
        };
        let pass_seed = mix(seed, attempt);
        let mut counts = Counts::default();
        let outcome = one_pass(
            factory,
            admission,
            config,
            property,
            pass_seed,
            limits,
            pool,
            known,
            left,
            &mut counts,
        );
        summary.cases += counts.cases;
        summary.tasks_run += counts.tasks;
        summary.late_thread_exits += counts.late;
        left = left.saturating_sub(u32::try_from(counts.cases).unwrap_or(u32::MAX));
        match outcome {
            Pass::Clean => break,
            Pass::Broke(v) => {
                known.add(v.rule, v.promise);
                summary.broken.push(v.rule);
                violations.push(v);
                if !config.find_all || left == 0 || known.len() >= Rule::ALL.len() {
                    break;
                }
            }
        }
    }
    summary.elapsed = started.elapsed();
    PropertyRun {
        summary,
        violations,
    }
}

fn shrinking(limits: Limits, config: &Config) -> Limits {
    Limits {
        timeout: limits.timeout.min(config.shrink_timeout),
        barrier_timeout: limits.barrier_timeout.min(config.shrink_timeout / 2),
        exit_grace: limits.exit_grace.min(config.shrink_timeout / 4),
    }
}

/// Cases that ran before the first failure of a pass, and their totals.
#[derive(Default)]
struct Counts {
    cases: u64,
    tasks: u64,
    late: u64,
}

#[allow(clippy::too_many_arguments)]
fn one_pass(
    factory: &Factory,
    admission: Admission,
    config: &Config,
    property: Property,
    seed: u64,
    limits: Limits,
    pool: &str,
    known: &Known,
    cases: u32,
    counts: &mut Counts,
) -> Pass {
    let runner_config = RunnerConfig {
        cases: cases.max(1),
        failure_persistence: None,
        max_shrink_iters: config.max_shrink_iters,
        max_shrink_time: u32::try_from(config.max_shrink_time.as_millis()).unwrap_or(u32::MAX),
        verbose: 0,
        ..RunnerConfig::default()
    };
    let mut bytes = [0u8; 32];
    for (i, chunk) in bytes.chunks_mut(8).enumerate() {
        chunk.copy_from_slice(&mix(seed, i as u64).to_le_bytes());
    }
    let mut runner = TestRunner::new_with_rng(
        runner_config,
        TestRng::from_seed(RngAlgorithm::ChaCha, &bytes),
    );
    let strategy = strategy(property, admission, config);

    let runs = Cell::new(0u64);
    let first_failure_at = Cell::new(None::<u64>);
    // The rule being shrunk: a smaller script counts as failing only if it
    // breaks the same rule, so the label found is the label reported.
    let target = Cell::new(None::<Rule>);
    let tasks = Cell::new(0u64);
    let late = Cell::new(0u64);
    let failures: RefCell<HashMap<String, Failure>> = RefCell::new(HashMap::new());
    let result = runner.run(&strategy, |script: Script| {
        runs.set(runs.get() + 1);
        let shrinking_now = first_failure_at.get().is_some();
        let (limits, attempts) = if shrinking_now {
            (shrinking(limits, config), 1 + config.shrink_reruns)
        } else {
            (limits, 1)
        };
        for _ in 0..attempts {
            match run_case(factory, admission, &script, limits) {
                Ok(stats) => {
                    if !shrinking_now {
                        tasks.set(tasks.get() + stats.tasks_run);
                        late.set(late.get() + stats.late_exits);
                    }
                }
                Err(found) => {
                    let wanted = found
                        .into_iter()
                        .find(|f| !known.excuses(f) && target.get().is_none_or(|t| t == f.rule));
                    let Some(failure) = wanted else {
                        // Only rules already reported (find-all mode), or not
                        // the rule being shrunk: this run counts as passing.
                        continue;
                    };
                    if first_failure_at.get().is_none() {
                        first_failure_at.set(Some(runs.get()));
                        target.set(Some(failure.rule));
                    }
                    let reason = format!("{:?}: {}", failure.rule, failure.message);
                    failures.borrow_mut().insert(format!("{script:?}"), failure);
                    return Err(TestCaseError::fail(reason));
                }
            }
        }
        Ok(())
    });
    let cases_to_fail = first_failure_at.get().unwrap_or(runs.get());
    counts.cases = cases_to_fail;
    counts.tasks = tasks.get();
    counts.late = late.get();
    let error = match result {
        Ok(()) => return Pass::Clean,
        Err(error) => error,
    };
    let (case, rule, promise, message) = match error {
        TestError::Fail(reason, script) => {
            let key = format!("{script:?}");
            match failures.borrow().get(&key) {
                Some(f) => (Some(script), f.rule, f.promise, f.message.clone()),
                None => (
                    Some(script),
                    Rule::Liveness,
                    Rule::Liveness,
                    reason.to_string(),
                ),
            }
        }
        TestError::Abort(reason) => (
            None,
            Rule::Liveness,
            Rule::Liveness,
            format!("the property run was aborted: {reason}"),
        ),
    };
    Pass::Broke(Violation {
        rule,
        promise,
        property: Some(property),
        pool: pool.to_owned(),
        admission: Some(admission),
        message,
        script: case
            .as_ref()
            .map_or_else(|| "<none>".to_owned(), ToString::to_string),
        case: case.map(Box::new),
        seed: config.seed,
        cases_to_fail,
        shrink_runs: runs.get() - cases_to_fail,
        also: Vec::new(),
    })
}
