//! A task profile: tasks described instead of written, for
//! `cargo xtask bench --custom`. Each task runs for a duration drawn from a
//! distribution (fixed, uniform, or log-normal given its median and p99),
//! spends a share of it sleeping (blocking, like I/O) and the rest spinning
//! on the CPU, and may carry a payload of its own from the moment it is made
//! until it has run (a request body, a buffer to hash).
//!
//! Every text form is parsed here, with a typed error that says what was
//! wrong and what is accepted:
//!
//! ```
//! use std::time::Duration;
//! use taskpool_measure::profile::{parse_duration, Durations, ProfileError};
//!
//! let d: Durations = "lognormal:median=50us,p99=2ms".parse()?;
//! assert_eq!(d, Durations::LogNormal { median: Duration::from_micros(50), p99: Duration::from_millis(2) });
//! assert_eq!("80us".parse::<Durations>()?, Durations::Fixed(Duration::from_micros(80)));
//! assert!(matches!(parse_duration("50"), Err(ProfileError::Duration { .. })));
//! # Ok::<(), ProfileError>(())
//! ```
//!
//! The drawn durations are a pure function of the seed and the task's
//! index: every pool runs the very same tasks, in every round.

use std::fmt;
use std::hint::black_box;
use std::str::FromStr;
use std::thread;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use taskpool_benches::harness::spin;

use crate::record::Shape;
use crate::rows;
use crate::workload::{default_capacities, DEFAULT_ROUNDS, DEFAULT_SAMPLES, DEFAULT_TASKS};

/// The standard normal quantile of 0.99: a log-normal's p99 is its median
/// times `exp(σ × Z99)`.
const Z99: f64 = 2.326_347_874_040_841;

/// A bad profile: what was given, and what is accepted instead.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProfileError {
    /// Not a duration: a number followed by `ns`, `us` (or `µs`), `ms` or `s`.
    Duration {
        /// The text given.
        given: String,
    },
    /// A distribution other than `fixed`, `uniform` and `lognormal`.
    UnknownDistribution {
        /// The name given.
        given: String,
    },
    /// A distribution's parameters are not the ones it takes.
    Parameters {
        /// The distribution.
        distribution: &'static str,
        /// The parameters given.
        given: String,
        /// The form it takes.
        expected: &'static str,
    },
    /// `uniform`'s low end is above its high end.
    UniformReversed {
        /// The low end given.
        low: Duration,
        /// The high end given.
        high: Duration,
    },
    /// `lognormal` needs a median above zero and a p99 above the median.
    LogNormalShape {
        /// The median given.
        median: Duration,
        /// The p99 given.
        p99: Duration,
    },
    /// A share that is not a number from 0 to 1 (or a percentage).
    Share {
        /// The text given.
        given: String,
    },
    /// A size that is not a whole number of bytes, `KiB`, `MiB` or `GiB`.
    Size {
        /// The text given.
        given: String,
    },
    /// A count that is not a positive whole number.
    Count {
        /// What was counted (`tasks`, `submitters`, …).
        what: &'static str,
        /// The text given.
        given: String,
    },
    /// A list with nothing in it.
    EmptyList {
        /// What was listed.
        what: &'static str,
    },
    /// A pool name that is not a row of a user's workload.
    UnknownPool {
        /// The name given.
        name: String,
        /// The names accepted.
        valid: Vec<String>,
    },
}

impl fmt::Display for ProfileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProfileError::Duration { given } => write!(
                f,
                "`{given}` is not a duration: write a number and a unit, ns, us (or µs), ms or s \
                 (e.g. `50us`, `1.5ms`)"
            ),
            ProfileError::UnknownDistribution { given } => write!(
                f,
                "unknown duration distribution `{given}` (expected `fixed:50us` or just `50us`, \
                 `uniform:10us..200us`, or `lognormal:median=50us,p99=2ms`)"
            ),
            ProfileError::Parameters {
                distribution,
                given,
                expected,
            } => write!(
                f,
                "`{distribution}` does not take `{given}`: write `{distribution}:{expected}`"
            ),
            ProfileError::UniformReversed { low, high } => write!(
                f,
                "uniform durations from {low:?} to {high:?}: the low end must not be above the \
                 high end"
            ),
            ProfileError::LogNormalShape { median, p99 } => write!(
                f,
                "log-normal durations with median {median:?} and p99 {p99:?}: the median must be \
                 above zero and the p99 above the median"
            ),
            ProfileError::Share { given } => write!(
                f,
                "`{given}` is not a share: write a number from 0 to 1 (`0.3`) or a percentage \
                 (`30%`)"
            ),
            ProfileError::Size { given } => write!(
                f,
                "`{given}` is not a size: write whole bytes (`512`, `512B`) or KiB, MiB, GiB \
                 (`4KiB`)"
            ),
            ProfileError::Count { what, given } => {
                write!(f, "{what} must be a positive whole number, got `{given}`")
            }
            ProfileError::EmptyList { what } => write!(f, "the list of {what} is empty"),
            ProfileError::UnknownPool { name, valid } => {
                write!(f, "unknown pool `{name}` (valid: {})", valid.join(", "))
            }
        }
    }
}

impl std::error::Error for ProfileError {}

/// Parses a duration: a non-negative number and a unit, `ns`, `us` (or
/// `µs`), `ms` or `s`: `50us`, `1.5ms`, `0ns`.
pub fn parse_duration(text: &str) -> Result<Duration, ProfileError> {
    let bad = || ProfileError::Duration {
        given: text.to_owned(),
    };
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .ok_or_else(bad)?;
    let (number, unit) = t.split_at(split);
    let value: f64 = number.parse().map_err(|_| bad())?;
    let scale = match unit.trim() {
        "ns" => 1e-9,
        "us" | "µs" => 1e-6,
        "ms" => 1e-3,
        "s" => 1.0,
        _ => return Err(bad()),
    };
    Duration::try_from_secs_f64(value * scale).map_err(|_| bad())
}

/// A duration as [`parse_duration`] reads it: in the largest unit that
/// keeps it whole (`50us`, `1500ns`, `2ms`).
pub fn duration_text(d: Duration) -> String {
    let ns = d.as_nanos();
    match ns {
        0 => "0ns".to_owned(),
        _ if ns.is_multiple_of(1_000_000_000) => format!("{}s", ns / 1_000_000_000),
        _ if ns.is_multiple_of(1_000_000) => format!("{}ms", ns / 1_000_000),
        _ if ns.is_multiple_of(1_000) => format!("{}us", ns / 1_000),
        _ => format!("{ns}ns"),
    }
}

/// Parses a share from 0 to 1: `0.3`, `1`, or a percentage, `30%`.
pub fn parse_share(text: &str) -> Result<f64, ProfileError> {
    let bad = || ProfileError::Share {
        given: text.to_owned(),
    };
    let t = text.trim();
    let share = match t.strip_suffix('%') {
        Some(percent) => percent.trim().parse::<f64>().map_err(|_| bad())? / 100.0,
        None => t.parse::<f64>().map_err(|_| bad())?,
    };
    if (0.0..=1.0).contains(&share) {
        Ok(share)
    } else {
        Err(bad())
    }
}

/// Parses a size in bytes: `512`, `512B`, `4KiB`, `1MiB`, `1GiB`.
pub fn parse_size(text: &str) -> Result<usize, ProfileError> {
    let bad = || ProfileError::Size {
        given: text.to_owned(),
    };
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let value: usize = number.parse().map_err(|_| bad())?;
    let scale: usize = match unit.trim() {
        "" | "B" => 1,
        "KiB" => 1 << 10,
        "MiB" => 1 << 20,
        "GiB" => 1 << 30,
        _ => return Err(bad()),
    };
    value.checked_mul(scale).ok_or_else(bad)
}

/// Parses a positive whole number; `what` names it in the error.
pub fn parse_count(what: &'static str, text: &str) -> Result<usize, ProfileError> {
    match text.trim().parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(ProfileError::Count {
            what,
            given: text.to_owned(),
        }),
    }
}

/// Parses a comma-separated list of positive whole numbers (`2,8`).
pub fn parse_counts(what: &'static str, text: &str) -> Result<Vec<usize>, ProfileError> {
    let counts = text
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| parse_count(what, s))
        .collect::<Result<Vec<_>, _>>()?;
    if counts.is_empty() {
        return Err(ProfileError::EmptyList { what });
    }
    Ok(counts)
}

/// How long each task runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Durations {
    /// Every task the same: `fixed:50us`, or just `50us`.
    Fixed(Duration),
    /// Evenly spread between two ends, both included: `uniform:10us..200us`.
    Uniform {
        /// The shortest.
        low: Duration,
        /// The longest.
        high: Duration,
    },
    /// Log-normal, the shape of most service times, given its median and
    /// its 99th percentile: `lognormal:median=50us,p99=2ms`.
    LogNormal {
        /// Half the tasks are shorter.
        median: Duration,
        /// 99 % of the tasks are shorter.
        p99: Duration,
    },
}

impl Durations {
    /// Draws one duration.
    pub fn sample(&self, rng: &mut fastrand::Rng) -> Duration {
        match *self {
            Durations::Fixed(d) => d,
            Durations::Uniform { low, high } => {
                let (low, high) = (low.as_nanos() as u64, high.as_nanos() as u64);
                Duration::from_nanos(rng.u64(low..=high))
            }
            Durations::LogNormal { median, p99 } => {
                let sigma = (p99.as_secs_f64() / median.as_secs_f64()).ln() / Z99;
                // Box–Muller: u1 in (0, 1] keeps the logarithm finite.
                let u1 = 1.0 - rng.f64();
                let u2 = rng.f64();
                let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
                Duration::from_secs_f64(median.as_secs_f64() * (sigma * z).exp())
            }
        }
    }

    /// The distribution's mean.
    pub fn mean(&self) -> Duration {
        match *self {
            Durations::Fixed(d) => d,
            Durations::Uniform { low, high } => (low + high) / 2,
            Durations::LogNormal { median, p99 } => {
                let sigma = (p99.as_secs_f64() / median.as_secs_f64()).ln() / Z99;
                Duration::from_secs_f64(median.as_secs_f64() * (sigma * sigma / 2.0).exp())
            }
        }
    }

    /// The distribution as `--duration` takes it.
    pub fn spec(&self) -> String {
        match *self {
            Durations::Fixed(d) => format!("fixed:{}", duration_text(d)),
            Durations::Uniform { low, high } => {
                format!("uniform:{}..{}", duration_text(low), duration_text(high))
            }
            Durations::LogNormal { median, p99 } => format!(
                "lognormal:median={},p99={}",
                duration_text(median),
                duration_text(p99)
            ),
        }
    }

    fn check(self) -> Result<Durations, ProfileError> {
        match self {
            Durations::Uniform { low, high } if low > high => {
                Err(ProfileError::UniformReversed { low, high })
            }
            Durations::LogNormal { median, p99 } if median.is_zero() || p99 <= median => {
                Err(ProfileError::LogNormalShape { median, p99 })
            }
            ok => Ok(ok),
        }
    }
}

/// A duration for people: three significant digits and a unit, `115 µs`.
pub fn human(d: Duration) -> String {
    let ns = d.as_secs_f64() * 1e9;
    let (value, unit) = if ns >= 1e9 {
        (ns / 1e9, "s")
    } else if ns >= 1e6 {
        (ns / 1e6, "ms")
    } else if ns >= 1e3 {
        (ns / 1e3, "µs")
    } else {
        (ns, "ns")
    };
    format!("{} {unit}", crate::fmt::short_number(value))
}

impl fmt::Display for Durations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Durations::Fixed(d) => write!(f, "fixed {}", human(d)),
            Durations::Uniform { low, high } => {
                write!(f, "uniform from {} to {}", human(low), human(high))
            }
            Durations::LogNormal { median, p99 } => {
                write!(
                    f,
                    "log-normal, median {}, p99 {}",
                    human(median),
                    human(p99)
                )
            }
        }
    }
}

impl FromStr for Durations {
    type Err = ProfileError;

    /// `50us`, `fixed:50us`, `uniform:10us..200us`,
    /// `lognormal:median=50us,p99=2ms`.
    fn from_str(text: &str) -> Result<Durations, ProfileError> {
        let t = text.trim();
        let Some((name, params)) = t.split_once(':') else {
            return match parse_duration(t) {
                Ok(d) => Ok(Durations::Fixed(d)),
                Err(_) if t.starts_with(|c: char| c.is_ascii_alphabetic()) => {
                    Err(ProfileError::UnknownDistribution {
                        given: t.to_owned(),
                    })
                }
                Err(e) => Err(e),
            };
        };
        let parameters = |distribution, expected| ProfileError::Parameters {
            distribution,
            given: params.to_owned(),
            expected,
        };
        let durations = match name.trim() {
            "fixed" => Durations::Fixed(parse_duration(params)?),
            "uniform" => {
                let (low, high) = params
                    .split_once("..")
                    .ok_or_else(|| parameters("uniform", "<low>..<high>"))?;
                Durations::Uniform {
                    low: parse_duration(low)?,
                    high: parse_duration(high)?,
                }
            }
            "lognormal" | "log-normal" => {
                let expected = "median=<duration>,p99=<duration>";
                let (mut median, mut p99) = (None, None);
                for part in params.split(',') {
                    match part.split_once('=').map(|(k, v)| (k.trim(), v)) {
                        Some(("median", v)) if median.is_none() => {
                            median = Some(parse_duration(v)?);
                        }
                        Some(("p99", v)) if p99.is_none() => p99 = Some(parse_duration(v)?),
                        _ => return Err(parameters("lognormal", expected)),
                    }
                }
                let (Some(median), Some(p99)) = (median, p99) else {
                    return Err(parameters("lognormal", expected));
                };
                Durations::LogNormal { median, p99 }
            }
            other => {
                return Err(ProfileError::UnknownDistribution {
                    given: other.to_owned(),
                })
            }
        };
        durations.check()
    }
}

/// What each task of a profile does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskProfile {
    /// How long each task runs.
    pub durations: Durations,
    /// The share of each task's duration spent sleeping, from 0 (all CPU)
    /// to 1 (all waiting); the task spins first, then sleeps.
    pub blocking: f64,
    /// Bytes each task carries, allocated and filled when the task is made
    /// (by the submitter) and freed when it has run; 0 for none.
    pub payload: usize,
    /// The seed of the durations drawn.
    pub seed: u64,
}

impl Default for TaskProfile {
    /// Log-normal durations, median 50 µs and p99 1 ms, half of each spent
    /// sleeping, no payload: service-like tasks that compute and wait.
    fn default() -> Self {
        TaskProfile {
            durations: Durations::LogNormal {
                median: Duration::from_micros(50),
                p99: Duration::from_millis(1),
            },
            blocking: 0.5,
            payload: 0,
            seed: 0x7A5C_900D,
        }
    }
}

impl TaskProfile {
    /// The profile in words, for reports.
    pub fn describe(&self) -> String {
        let payload = if self.payload == 0 {
            "no payload".to_owned()
        } else {
            format!("a payload of {} bytes each", self.payload)
        };
        format!(
            "durations {} (mean {}), {:.0} % of each spent sleeping and {:.0} % spinning, {payload}",
            self.durations,
            human(self.durations.mean()),
            self.blocking * 100.0,
            (1.0 - self.blocking) * 100.0
        )
    }

    /// The first `tasks` tasks of the profile, on a machine where one step
    /// of [`spin`] takes `ns_per_step` nanoseconds (see
    /// [`Calibration`](taskpool_benches::calibration::Calibration):
    /// `cpu_task_ns / CPU_STEPS`).
    pub fn tasks(&self, tasks: usize, ns_per_step: f64) -> ProfileTasks {
        let mut rng = fastrand::Rng::with_seed(self.seed);
        let ns_per_step = ns_per_step.max(1e-3);
        let plan = (0..tasks)
            .map(|_| {
                let d = self.durations.sample(&mut rng).as_secs_f64();
                let sleep = Duration::from_secs_f64(d * self.blocking);
                let steps = (d * (1.0 - self.blocking) * 1e9 / ns_per_step).round();
                (steps.min(f64::from(u32::MAX)) as u32, sleep)
            })
            .collect();
        ProfileTasks {
            plan,
            payload: self.payload,
        }
    }
}

/// The tasks of a profile, drawn: hand [`ProfileTasks::make`] to a
/// [`Workload`](crate::Workload).
#[derive(Debug, Clone)]
pub struct ProfileTasks {
    /// Per task: spin steps, then the sleep.
    plan: Vec<(u32, Duration)>,
    payload: usize,
}

impl ProfileTasks {
    /// How many tasks were drawn.
    pub fn len(&self) -> usize {
        self.plan.len()
    }

    /// True when none was.
    pub fn is_empty(&self) -> bool {
        self.plan.is_empty()
    }

    /// Task `i` (wrapping around past the last drawn task).
    pub fn make(&self, i: usize) -> impl FnOnce() + Send + 'static {
        let (steps, sleep) = self.plan[i % self.plan.len().max(1)];
        let payload = (self.payload > 0).then(|| vec![i as u8; self.payload]);
        move || {
            black_box(spin(i as u64, steps));
            if !sleep.is_zero() {
                thread::sleep(sleep);
            }
            if let Some(payload) = payload {
                // Read it, one byte per page, so it is not optimised away.
                black_box(
                    payload
                        .iter()
                        .step_by(4096)
                        .map(|&b| u64::from(b))
                        .sum::<u64>(),
                );
            }
        }
    }
}

/// The command-line form's whole input: what each task does, and the
/// workload's shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProfileRun {
    /// What each task does.
    pub profile: TaskProfile,
    /// How many tasks, from how many submitters, at which capacities, in
    /// how many rounds.
    pub shape: Shape,
}

impl ProfileRun {
    /// The command that measures this run again.
    pub fn command(&self) -> String {
        let s = &self.shape;
        let p = &self.profile;
        let capacities: Vec<String> = s.capacities.iter().map(ToString::to_string).collect();
        let mut command = format!(
            "cargo xtask bench --custom --duration {} --blocking {} --alloc {} --tasks {} \
             --submitters {} --capacities {} --rounds {} --samples {} --seed {}",
            p.durations.spec(),
            p.blocking,
            p.payload,
            s.tasks,
            s.submitters,
            capacities.join(","),
            s.rounds,
            s.samples,
            p.seed
        );
        if s.await_results {
            command.push_str(" --await-results");
        }
        if let Some(pools) = &s.pools {
            command.push_str(" --pools ");
            command.push_str(&pools.iter().cloned().collect::<Vec<_>>().join(","));
        }
        command
    }
}

/// The command-line form's settings as typed (`None`: the default).
#[derive(Debug, Clone, Copy, Default)]
pub struct ProfileText<'a> {
    /// `--duration`: `50us`, `uniform:10us..200us`,
    /// `lognormal:median=50us,p99=1ms`.
    pub duration: Option<&'a str>,
    /// `--blocking`: the share of each task spent sleeping, `0.5` or `50%`.
    pub blocking: Option<&'a str>,
    /// `--alloc`: the bytes each task carries, `4KiB`.
    pub alloc: Option<&'a str>,
    /// `--tasks`: tasks per batch.
    pub tasks: Option<&'a str>,
    /// `--submitters`: threads handing the tasks over.
    pub submitters: Option<&'a str>,
    /// `--capacities`: `2,8`.
    pub capacities: Option<&'a str>,
    /// `--rounds`.
    pub rounds: Option<&'a str>,
    /// `--samples`: timed batches per row and round.
    pub samples: Option<&'a str>,
    /// `--pools`: `channel,ants`.
    pub pools: Option<&'a str>,
    /// `--await-results`: each submit waits for its task.
    pub await_results: bool,
    /// `--seed`: of the drawn durations.
    pub seed: Option<u64>,
}

impl ProfileText<'_> {
    /// Parses every setting, the defaults for those not given; the first
    /// bad one is the error.
    pub fn parse(&self) -> Result<ProfileRun, ProfileError> {
        let defaults = TaskProfile::default();
        let profile = TaskProfile {
            durations: self.duration.map_or(Ok(defaults.durations), str::parse)?,
            blocking: self.blocking.map_or(Ok(defaults.blocking), parse_share)?,
            payload: self.alloc.map_or(Ok(defaults.payload), parse_size)?,
            seed: self.seed.unwrap_or(defaults.seed),
        };
        let count =
            |what, text: Option<&str>, default| text.map_or(Ok(default), |t| parse_count(what, t));
        let pools = match self.pools {
            None => None,
            Some(list) => {
                let valid = rows::names();
                let names: std::collections::BTreeSet<String> = list
                    .split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect();
                if names.is_empty() {
                    return Err(ProfileError::EmptyList { what: "pools" });
                }
                if let Some(name) = names.iter().find(|n| !valid.contains(n)) {
                    return Err(ProfileError::UnknownPool {
                        name: name.clone(),
                        valid,
                    });
                }
                Some(names)
            }
        };
        let shape = Shape {
            task: profile.describe(),
            tasks: count("tasks", self.tasks, DEFAULT_TASKS)?,
            submitters: count("submitters", self.submitters, 1)?,
            capacities: self.capacities.map_or_else(
                || Ok(default_capacities()),
                |t| parse_counts("capacities", t),
            )?,
            await_results: self.await_results,
            rounds: count("rounds", self.rounds, DEFAULT_ROUNDS)?,
            samples: count("samples", self.samples, DEFAULT_SAMPLES)?,
            pools,
        };
        Ok(ProfileRun { profile, shape })
    }
}

#[cfg(test)]
mod tests;
