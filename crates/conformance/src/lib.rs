#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
// A `Violation` is the product of a run, returned once, at the end of seconds
// of work: boxing it would only burden every caller with a `Box`.
#![allow(clippy::result_large_err)]

mod check;
mod config;
mod exec;
mod generate;
mod probe;
mod record;
mod report;
mod runner;
pub mod script;
mod stress;
pub mod testkit;
#[cfg(test)]
mod tests;
mod watchdog;

use std::sync::Arc;
use std::time::Instant;

use taskpool::{Admission, BuildError, TaskPool};

pub use config::{Config, Property, DEFAULT_CASES, ENV_VARS};
pub use probe::{Probe, RunGuard, ThreadRecord};
pub use report::{Findings, PropertySummary, Rule, Summary, Violation};
pub use stress::{stress, StressConfig, StressReport};
pub use watchdog::run_with_watchdog;

use record::{Factory, Limits};
use script::Script;
use watchdog::{watch, Watched};

/// Checks a pool against every rule, with [`Config::from_env`].
///
/// `factory` builds a fresh pool of the given capacity (at least 1) for each
/// generated case; `admission` is what the pool's `submit` does when every
/// worker is busy. Returns what ran, or the first broken rule with its
/// minimal failing script (with find-all mode on, every broken rule: see
/// [`Config::find_all`]). Never panics and never hangs (see the
/// [crate docs](crate)).
pub fn verify<F, P>(factory: F, admission: Admission) -> Result<Summary, Violation>
where
    F: Fn(usize) -> P + Send + Sync + 'static,
    P: TaskPool + 'static,
{
    verify_with(factory, admission, &Config::from_env())
}

/// [`verify`] with an explicit [`Config`].
pub fn verify_with<F, P>(
    factory: F,
    admission: Admission,
    config: &Config,
) -> Result<Summary, Violation>
where
    F: Fn(usize) -> P + Send + Sync + 'static,
    P: TaskPool + 'static,
{
    verify_all(factory, admission, config).into_result()
}

/// Runs every property and reports what it found: in find-all mode
/// ([`Config::find_all`]) each broken rule once, with its own minimal
/// script; otherwise at most the first.
///
/// ```
/// use taskpool::{Admission, InlinePool};
/// use taskpool_conformance::{verify_all, Config, Property, Rule};
///
/// // InlinePool runs every task on its caller: several submitters run more
/// // tasks at once than the capacity asked for.
/// let config = Config::default()
///     .with_cases(64)
///     .with_seed(7)
///     .with_find_all(true)
///     .with_properties(&[Property::Capacity]);
/// let findings = verify_all(|_| InlinePool::new(), Admission::Queue, &config);
/// assert!(findings.violation_of(Rule::Capacity).is_some());
/// ```
pub fn verify_all<F, P>(factory: F, admission: Admission, config: &Config) -> Findings
where
    F: Fn(usize) -> P + Send + Sync + 'static,
    P: TaskPool + 'static,
{
    let factory: Factory = Arc::new(move |capacity| Box::new(factory(capacity)));
    verify_factory(&factory, admission, config)
}

/// Checks rule 9 on a builder (capacity 0 must be a [`BuildError`], not a
/// pool, a panic or a hang), then runs [`verify_with`] on the pools it
/// builds.
///
/// The builder returns your own pool type (or a box of it), so a `build`
/// method fits as it is:
///
/// ```
/// use taskpool::Admission;
/// use taskpool_baselines::ChannelPool;
/// use taskpool_conformance::{verify_build, Config, Property};
///
/// // The builder's `build() -> Result<ChannelPool, BuildError>`.
/// let config = Config::default().with_cases(4).with_properties(&[Property::Drop]);
/// verify_build(
///     |capacity| ChannelPool::builder().capacity(capacity).build(),
///     Admission::Queue,
///     &config,
/// )
/// .unwrap();
/// ```
pub fn verify_build<B, P>(
    builder: B,
    admission: Admission,
    config: &Config,
) -> Result<Summary, Violation>
where
    B: Fn(usize) -> Result<P, BuildError> + Send + Sync + 'static,
    P: TaskPool + 'static,
{
    let builder = Arc::new(builder);
    let zero = Arc::clone(&builder);
    let outcome = watch(
        "conformance-build-zero",
        config.timeout,
        move || match zero(0) {
            Ok(pool) => {
                let name = pool.name().to_owned();
                pool.stop();
                Some(name)
            }
            Err(_) => None,
        },
    );
    let problem = match outcome {
        Watched::Done(None) => None,
        Watched::Done(Some(name)) => Some((name, "building with capacity 0 succeeded".to_owned())),
        Watched::Panicked(msg) => Some((
            "?".to_owned(),
            format!("building with capacity 0 panicked instead of returning an error: {msg}"),
        )),
        Watched::Hung => Some((
            "?".to_owned(),
            format!(
                "building with capacity 0 did not return within {:?}",
                config.timeout
            ),
        )),
    };
    if let Some((pool, message)) = problem {
        return Err(outside_violation(
            Rule::BadConfigRejected,
            pool,
            Some(admission),
            message,
            "build(0)",
            config.seed,
        ));
    }
    let factory: Factory = Arc::new(move |capacity| match builder(capacity) {
        Ok(pool) => Box::new(pool),
        Err(e) => panic!("the builder refused capacity {capacity}: {e}"),
    });
    verify_factory(&factory, admission, config).into_result()
}

/// Runs one script (typically the minimal script of a [`Violation`],
/// printed by [`Violation::replay_test`]) against pools from `factory`, up to
/// `runs` times (at least once): a race may need several runs to show
/// again. Returns how many runs passed (all of them), or the violation of
/// the first run that failed.
///
/// Uses the patience of [`Config::from_env`] (watchdog, exit grace); see
/// [`replay_with`] to set it.
pub fn replay<F, P>(
    factory: F,
    admission: Admission,
    script: &Script,
    runs: u32,
) -> Result<u32, Violation>
where
    F: Fn(usize) -> P + Send + Sync + 'static,
    P: TaskPool + 'static,
{
    replay_with(factory, admission, script, runs, &Config::from_env())
}

/// [`replay`] with the watchdog, barrier patience and exit grace of
/// `config`.
pub fn replay_with<F, P>(
    factory: F,
    admission: Admission,
    script: &Script,
    runs: u32,
    config: &Config,
) -> Result<u32, Violation>
where
    F: Fn(usize) -> P + Send + Sync + 'static,
    P: TaskPool + 'static,
{
    let factory: Factory = Arc::new(move |capacity| Box::new(factory(capacity)));
    let pool = pool_name(&factory, config)?;
    let limits = limits(config);
    for run in 1..=runs.max(1) {
        if let Err(failures) = exec::run_case(&factory, admission, script, limits) {
            let first = &failures[0];
            return Err(Violation {
                rule: first.rule,
                promise: first.promise,
                property: None,
                pool,
                admission: Some(admission),
                message: first.message.clone(),
                script: script.to_string(),
                case: Some(Box::new(script.clone())),
                seed: config.seed,
                cases_to_fail: u64::from(run),
                shrink_runs: 0,
                also: Vec::new(),
            });
        }
    }
    Ok(runs.max(1))
}

fn limits(config: &Config) -> Limits {
    Limits {
        timeout: config.timeout,
        barrier_timeout: config.barrier_timeout,
        exit_grace: config.exit_grace,
    }
}

fn verify_factory(factory: &Factory, admission: Admission, config: &Config) -> Findings {
    let started = Instant::now();
    let limits = limits(config);
    let mut summary = Summary {
        pool: "?".to_owned(),
        seed: config.seed,
        properties: Vec::new(),
        elapsed: std::time::Duration::ZERO,
    };
    let mut violations = Vec::new();
    match pool_name(factory, config) {
        Ok(name) => summary.pool = name,
        Err(v) => {
            violations.push(v);
            summary.elapsed = started.elapsed();
            return Findings {
                summary,
                violations,
            };
        }
    }
    let mut known = runner::Known::default();
    for (n, &property) in config.properties.iter().enumerate() {
        let seed = config::mix(config.seed, n as u64 + 1);
        let run = runner::run_property(
            factory,
            admission,
            config,
            property,
            seed,
            limits,
            &summary.pool,
            &mut known,
        );
        summary.properties.push(run.summary);
        violations.extend(run.violations);
        if !violations.is_empty() && !config.find_all {
            break;
        }
    }
    summary.elapsed = started.elapsed();
    let violations = one_per_rule(violations);
    Findings {
        summary,
        violations,
    }
}

/// Each broken rule once, in the order found. A violation filed under
/// rule 7 or 8 for another promise ([`Violation::promise`]) gives way to a
/// direct violation of that promise (several stops, or a drop, then only
/// behave like one stop) and to a direct violation of its own rule.
fn one_per_rule(found: Vec<Violation>) -> Vec<Violation> {
    let direct: Vec<Rule> = found
        .iter()
        .filter(|v| v.promise == v.rule)
        .map(|v| v.rule)
        .collect();
    let mut kept: Vec<Violation> = Vec::new();
    for v in found {
        let filed = v.promise != v.rule;
        if filed && (direct.contains(&v.promise) || direct.contains(&v.rule)) {
            continue;
        }
        if !kept.iter().any(|k| k.rule == v.rule) {
            kept.push(v);
        }
    }
    kept
}

/// A violation found outside the properties (no script to replay).
fn outside_violation(
    rule: Rule,
    pool: String,
    admission: Option<Admission>,
    message: String,
    script: &str,
    seed: u64,
) -> Violation {
    Violation {
        rule,
        promise: rule,
        property: None,
        pool,
        admission,
        message,
        script: script.to_owned(),
        case: None,
        seed,
        cases_to_fail: 1,
        shrink_runs: 0,
        also: Vec::new(),
    }
}

/// Builds one pool to learn its name (and that building and stopping work).
fn pool_name(factory: &Factory, config: &Config) -> Result<String, Violation> {
    let factory = Arc::clone(factory);
    let fail = |message: String| {
        outside_violation(
            Rule::Liveness,
            "?".to_owned(),
            None,
            message,
            "factory(1); stop_wait()",
            config.seed,
        )
    };
    match watch("conformance-name", config.timeout, move || {
        let pool = factory(1);
        let name = pool.name().to_owned();
        pool.stop_wait();
        name
    }) {
        Watched::Done(name) => Ok(name),
        Watched::Panicked(msg) => Err(fail(format!("building or stopping a pool panicked: {msg}"))),
        Watched::Hung => Err(fail(format!(
            "building a pool of capacity 1 and stopping it did not finish within {:?}",
            config.timeout
        ))),
    }
}
