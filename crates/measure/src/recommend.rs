//! The recommendation: the winner (or the tie) across every capacity tried,
//! by how much and how sure, and the design reasons of
//! `docs/choosing-a-pool.md` that the measured behaviour shows. Every
//! reason is a fact of this run (when the producer was done, refusals
//! counted, the heap's peak, the speed-up over one thread) with the design
//! that explains it, and is given only when the facts hold.

use taskpool::Admission;
use taskpool_benches::extra::Extra;
use taskpool_benches::rows::{Row, RowKind, FLOOR};
use taskpool_catalog::PoolKind;

use crate::analyze::{REFUSED, SUBMIT_DONE};
use crate::fmt::short_number;
use crate::record::Records;
use crate::rows;
use crate::stats::{self, Candidate, Verdict};
use crate::table::{Table, CUSTOM_LATENCY, CUSTOM_MEMORY, CUSTOM_TIME};
use crate::words;

/// The page the design reasons come from.
pub const CHOOSING: &str = "docs/choosing-a-pool.md";

/// The sections of [`CHOOSING`] the reasons cite (a test checks that each
/// is still there).
pub const SECTIONS: &[&str] = &[
    FULL_POOL,
    TINY_TASKS,
    BLOCKING_TASKS,
    CPU_TASKS,
    LATENCY,
    HOW_TO_READ,
    PER_WORKER,
];
const FULL_POOL: &str = "First: what must happen when the pool is full?";
const TINY_TASKS: &str = "Tiny tasks, one producer";
const BLOCKING_TASKS: &str = "Blocking tasks";
const CPU_TASKS: &str = "CPU-bound tasks";
const LATENCY: &str = "Latency of one call";
const HOW_TO_READ: &str = "How to read it";
const PER_WORKER: &str = "Per-worker resources";

/// A row at a capacity: one choice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    /// The row (a catalog pool, `ants-nonblocking`, or a raw crate).
    pub row: String,
    /// The capacity it ran at.
    pub capacity: usize,
}

impl std::fmt::Display for Choice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "`{}` at capacity {}", self.row, self.capacity)
    }
}

/// A measured fact and the design that explains it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason {
    /// What this run measured.
    pub fact: String,
    /// Why, by the pools' designs.
    pub why: String,
    /// The section of [`CHOOSING`] that argues it.
    pub section: &'static str,
}

/// The recommendation of one measurement.
#[derive(Debug, Clone, PartialEq)]
pub struct Recommendation {
    /// The verdict across every capacity in one sentence.
    pub headline: String,
    /// The verdict itself (names are `row@capacity`).
    pub verdict: Option<Verdict>,
    /// The winner, when the rounds name one.
    pub winner: Option<Choice>,
    /// The winner or every tied choice, best median first.
    pub leaders: Vec<Choice>,
    /// Why, from the measured facts.
    pub reasons: Vec<Reason>,
}

/// `row@capacity`, the name a choice has in the verdict across capacities.
fn key(row: &str, capacity: usize) -> String {
    format!("{row}@{capacity}")
}

fn choice(key: &str) -> Option<Choice> {
    let (row, capacity) = key.rsplit_once('@')?;
    Some(Choice {
        row: row.to_owned(),
        capacity: capacity.parse().ok()?,
    })
}

fn capacity_of(table: &Table) -> usize {
    crate::table::parameter_value(&table.parameter) as usize
}

/// The time tables.
fn time_tables(tables: &[Table]) -> impl Iterator<Item = &Table> {
    tables.iter().filter(|t| t.workload == CUSTOM_TIME)
}

fn table_at<'a>(tables: &'a [Table], workload: &str, capacity: usize) -> Option<&'a Table> {
    tables
        .iter()
        .find(|t| t.workload == workload && capacity_of(t) == capacity)
}

/// The verdict across every capacity: over every ranked row, or over the
/// rows through `dyn TaskPool` only.
fn across(tables: &[Table], contract_only: bool) -> Option<Verdict> {
    let candidates: Vec<Candidate> = time_tables(tables)
        .flat_map(|t| {
            let c = capacity_of(t);
            t.ranked()
                .filter(move |r| !contract_only || r.kind == RowKind::Contract)
                .map(move |r| Candidate {
                    name: key(&r.row, c),
                    values: r.rounds.iter().map(|x| x.value).collect(),
                })
        })
        .collect();
    stats::verdict(&candidates)
}

/// "`row` at capacity c (1.23 µs/task)".
fn with_value(tables: &[Table], key: &str) -> String {
    let Some(c) = choice(key) else {
        return format!("`{key}`");
    };
    match table_at(tables, CUSTOM_TIME, c.capacity).and_then(|t| Some((t, t.row(&c.row)?))) {
        Some((t, r)) => format!("{c} ({} {})", short_number(r.median), t.unit),
        None => c.to_string(),
    }
}

fn headline(tables: &[Table], verdict: &Verdict) -> String {
    match verdict {
        Verdict::Winner {
            best,
            runner_up,
            margin,
        } => {
            let best_rounds: Vec<f64> = round_values(tables, best);
            let runner_rounds: Vec<f64> = round_values(tables, runner_up);
            let slowest = best_rounds
                .iter()
                .copied()
                .fold(f64::NEG_INFINITY, f64::max);
            let fastest = runner_rounds.iter().copied().fold(f64::INFINITY, f64::min);
            let gap = (fastest / slowest - 1.0) * 100.0;
            let mut s = format!(
                "{}, {margin:.2}× ahead of {}: its slowest of {} rounds beats the runner-up's \
                 fastest, by {gap:.0} %.",
                with_value(tables, best),
                with_value(tables, runner_up),
                best_rounds.len()
            );
            if is_unstable(tables, best) || is_unstable(tables, runner_up) {
                s.push_str(
                    " One of the two is unstable (its rounds disagree beyond their own spread): \
                     measure again before relying on the margin.",
                );
            }
            s
        }
        Verdict::Tied { rows } => format!(
            "No single winner: {} are tied (the best median's slowest round is not faster than \
             their fastest). Let what must happen when the pool is full, and memory, decide \
             among them.",
            rows.iter()
                .map(|k| with_value(tables, k))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Verdict::Alone { best } => format!("{}, the only row measured.", with_value(tables, best)),
        Verdict::TooFewRounds { best, rounds } => format!(
            "No verdict: {rounds} round{}, and a winner needs two. Best median: {}.",
            if *rounds == 1 { "" } else { "s" },
            with_value(tables, best)
        ),
    }
}

/// A verdict in a few words: the winner, or the tied choices.
fn short(tables: &[Table], verdict: &Verdict) -> String {
    match verdict {
        Verdict::Winner { best, margin, .. } => format!(
            "{}, {margin:.2}× ahead of the next",
            with_value(tables, best)
        ),
        Verdict::Tied { rows } => format!(
            "tied, {}",
            rows.iter()
                .map(|k| with_value(tables, k))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Verdict::Alone { best } | Verdict::TooFewRounds { best, .. } => {
            format!("best median {}", with_value(tables, best))
        }
    }
}

fn round_values(tables: &[Table], key: &str) -> Vec<f64> {
    choice(key)
        .and_then(|c| {
            let t = table_at(tables, CUSTOM_TIME, c.capacity)?;
            Some(t.row(&c.row)?.rounds.iter().map(|r| r.value).collect())
        })
        .unwrap_or_default()
}

fn is_unstable(tables: &[Table], key: &str) -> bool {
    choice(key).is_some_and(|c| {
        table_at(tables, CUSTOM_TIME, c.capacity)
            .and_then(|t| t.row(&c.row))
            .is_some_and(|r| r.unstable)
    })
}

fn admission(row: &str) -> Option<Admission> {
    Row::parse(row).as_ref().and_then(rows::admission)
}

/// Builds the recommendation of `records` from its `tables`.
pub fn recommend(records: &Records, tables: &[Table]) -> Recommendation {
    let verdict = across(tables, false);
    let Some(v) = verdict else {
        return Recommendation {
            headline: "Nothing was measured.".to_owned(),
            verdict: None,
            winner: None,
            leaders: Vec::new(),
            reasons: Vec::new(),
        };
    };
    let mut headline = headline(tables, &v);
    // A raw crate or tunny's own API leads: say what leads through the contract.
    let led_by_other = v
        .leaders()
        .iter()
        .any(|k| choice(k).is_some_and(|c| !is_contract(&c.row)));
    if led_by_other {
        if let Some(contract) = across(tables, true) {
            headline.push_str(&format!(
                " Through `dyn TaskPool` (the nine rules kept): {}.",
                short(tables, &contract)
            ));
        }
    }
    let leaders: Vec<Choice> = v.leaders().iter().filter_map(|k| choice(k)).collect();
    let winner = v.winner().and_then(choice);
    let mut reasons = Vec::new();
    if let Some(first) = leaders.first() {
        reasons.extend(admission_reason(records, tables, &leaders, first.capacity));
        reasons.extend(memory_reason(tables, &leaders, first.capacity));
    }
    reasons.extend(refusal_reasons(records, tables));
    reasons.extend(cores_reason(records, tables));
    if let Some(first) = leaders.first() {
        reasons.extend(thread_per_task_reason(tables, first));
        reasons.extend(worker_reason(tables, first.capacity));
    }
    let unstable: Vec<String> = leaders
        .iter()
        .filter(|c| is_unstable(tables, &key(&c.row, c.capacity)))
        .map(Choice::to_string)
        .collect();
    if !unstable.is_empty() {
        reasons.push(Reason {
            fact: format!(
                "{} disagreed with {} across rounds beyond {} own spread (unstable)",
                unstable.join(", "),
                if unstable.len() == 1 {
                    "itself"
                } else {
                    "themselves"
                },
                if unstable.len() == 1 { "its" } else { "their" }
            ),
            why: format!(
                "the rounds caught different regimes (a worker still spinning in one, parked \
                 in another, or a machine busy with something else): {} one of them, so \
                 measure again before relying on {}",
                if unstable.len() == 1 {
                    "its median is"
                } else {
                    "each median is"
                },
                if unstable.len() == 1 { "it" } else { "them" }
            ),
            section: HOW_TO_READ,
        });
    }
    Recommendation {
        headline,
        verdict: Some(v),
        winner,
        leaders,
        reasons,
    }
}

fn is_contract(row: &str) -> bool {
    Row::parse(row).is_some_and(|r| r.kind() == RowKind::Contract)
}

fn figure(table: &Table, row: &str, name: &str) -> Option<f64> {
    table.row(row)?.figure(name).map(|f| f.value)
}

/// Queue or block: when was the producer done, with the leaders and with
/// the pools that block (or, when each submit waited, what that implies).
fn admission_reason(
    records: &Records,
    tables: &[Table],
    leaders: &[Choice],
    capacity: usize,
) -> Option<Reason> {
    let shape = &records.shape;
    if shape.await_results {
        let latency = table_at(tables, CUSTOM_LATENCY, capacity)
            .and_then(words::short_verdict)
            .map_or(String::new(), |v| {
                format!("; the p50 per call at capacity {capacity}: {v}")
            });
        return Some(Reason {
            fact: format!(
                "every submit waited for its task, so at most {} task{} ran at once{latency}",
                shape.submitters,
                if shape.submitters == 1 { "" } else { "s" }
            ),
            why: format!(
                "capacity above {} cannot help; what separates the pools is the round trip of \
                 one call: handing the task to a worker and waking the caller when it is done",
                shape.submitters
            ),
            section: LATENCY,
        });
    }
    let t = table_at(tables, CUSTOM_TIME, capacity)?;
    let lead = leaders.iter().find(|c| c.capacity == capacity)?;
    let lead_row = t.row(&lead.row)?;
    let lead_done = figure(t, &lead.row, SUBMIT_DONE)?;
    let leaders_queue = leaders
        .iter()
        .filter(|c| c.capacity == capacity)
        .all(|c| admission(&c.row) == Some(Admission::Queue));
    let blocking = t
        .ranked()
        .filter(|r| admission(&r.row) == Some(Admission::Block))
        .find(|r| {
            !leaders
                .iter()
                .any(|c| c.row == r.row && c.capacity == capacity)
        });
    if leaders_queue && lead_done >= 80.0 {
        return Some(Reason {
            fact: format!(
                "even with {lead} the producer had handed every task over only {} % of the \
                 way through the batch",
                short_number(lead_done)
            ),
            why: "the producer is the bottleneck: a task takes less time to run than to hand \
                  over, so the pool with the cheapest submit wins; more submitters, or more work \
                  per task, would change the answer"
                .to_owned(),
            section: TINY_TASKS,
        });
    }
    if leaders_queue {
        let b = blocking?;
        let b_done = figure(t, &b.row, SUBMIT_DONE)?;
        if lead_done < 50.0 && b_done >= 80.0 && b.median > lead_row.median {
            return Some(Reason {
                fact: format!(
                    "with {lead} the producer had handed every task over {} % of the way \
                     through the batch; with `{}`, the fastest pool that blocks when every \
                     worker is busy, only at {} %, and its batch took {:.2}× as long",
                    short_number(lead_done),
                    b.row,
                    short_number(b_done),
                    b.median / lead_row.median
                ),
                why: "queueing pools led because the producer never waited: a queue takes \
                      every task at once and the workers never wait for the producer, while a \
                      pool that blocks makes the producer wait for a free worker at every \
                      submit"
                    .to_owned(),
                section: FULL_POOL,
            });
        }
        return None;
    }
    let blocker = leaders
        .iter()
        .filter(|c| c.capacity == capacity)
        .find(|c| admission(&c.row) == Some(Admission::Block))?;
    let done = figure(t, &blocker.row, SUBMIT_DONE)?;
    Some(Reason {
        fact: format!(
            "{blocker} blocks the producer while every worker is busy (the producer was done \
             only {} % of the way through the batch), and leads all the same",
            short_number(done)
        ),
        why: "with tasks this long, waiting for a free worker costs the producer nothing the \
              workers notice: back-pressure keeps the backlog with the callers at no price in \
              time"
            .to_owned(),
        section: FULL_POOL,
    })
}

/// Queueing pools' heap against blocking pools', where the heap was counted.
fn memory_reason(tables: &[Table], leaders: &[Choice], capacity: usize) -> Option<Reason> {
    let t = table_at(tables, CUSTOM_MEMORY, capacity)?;
    let largest = |adm: Admission| {
        t.ranked()
            .filter(|r| admission(&r.row) == Some(adm))
            .max_by(|a, b| a.median.total_cmp(&b.median))
    };
    let (q, b) = (largest(Admission::Queue)?, largest(Admission::Block)?);
    if q.median < 64.0 || q.median < 2.0 * b.median.max(1.0) {
        return None;
    }
    let per_task = q.figure(crate::analyze::PEAK_PER_TASK).map(|f| f.value)?;
    let leader_queues = leaders
        .iter()
        .any(|c| c.capacity == capacity && admission(&c.row) == Some(Admission::Queue));
    Some(Reason {
        fact: format!(
            "at capacity {capacity}, `{}` held up to {} KiB of heap at peak ({} bytes per task \
             of the batch), while the pools that block held at most {} KiB (`{}`)",
            q.row,
            short_number(q.median),
            short_number(per_task),
            short_number(b.median),
            b.row
        ),
        why: format!(
            "a queueing pool keeps every task the producer got ahead with, so memory grows with \
             the backlog; a blocking pool keeps the backlog with the callers; `workerpool` can \
             bound its queue (`max_queued`){}",
            if leader_queues {
                ": weigh this against the lead in time"
            } else {
                ""
            }
        ),
        section: FULL_POOL,
    })
}

/// How often the pools that refuse did, at every capacity.
fn refusal_reasons(records: &Records, tables: &[Table]) -> Vec<Reason> {
    let mut out = Vec::new();
    let refusing: Vec<String> = records
        .rows
        .iter()
        .filter(|r| admission(&r.row) == Some(Admission::Reject))
        .map(|r| r.row.clone())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    for row in refusing {
        let mut refused_anywhere = false;
        for t in time_tables(tables) {
            let c = capacity_of(t);
            let Some(per_task) = figure(t, &row, REFUSED) else {
                continue;
            };
            if per_task <= 0.0 {
                continue;
            }
            refused_anywhere = true;
            let total: u64 = records.of(&row, c).map(|r| r.refusals).sum();
            let blocking = PoolKind::Ants.name();
            let slower = match (t.row(&row), t.row(blocking)) {
                (Some(r), Some(b)) if b.median > 0.0 => {
                    let ratio = r.median / b.median;
                    if (0.9..=1.1).contains(&ratio) {
                        format!(
                            ", in about the time `{blocking}` took ({ratio:.2}×), which waits \
                             instead"
                        )
                    } else {
                        format!(", in {ratio:.2}× the time `{blocking}` took, which waits instead")
                    }
                }
                _ => String::new(),
            };
            out.push(Reason {
                fact: format!(
                    "`{row}` refused tasks {total} times at capacity {c} over the rounds' timed \
                     batches ({} refusals per task){slower}",
                    short_number(per_task)
                ),
                why: "whenever every worker was busy, nonblocking mode handed the task back \
                      and the producer retried after a yield instead of waiting; refusal is for \
                      shedding load where a refused task can be dropped or answered, not for \
                      running a batch"
                    .to_owned(),
                section: FULL_POOL,
            });
        }
        if !refused_anywhere {
            out.push(Reason {
                fact: format!("`{row}` never refused a task, at any capacity tried"),
                why: "a worker was always free when the producer submitted: the tasks finish \
                      faster than they are handed over, so nonblocking mode costs nothing here"
                    .to_owned(),
                section: FULL_POOL,
            });
        }
    }
    out
}

/// The best speed-up over one thread (the floor), against the cores.
fn cores_reason(records: &Records, tables: &[Table]) -> Option<Reason> {
    let cores = records.cores.max(1);
    let best = time_tables(tables)
        .filter_map(|t| {
            let floor = t.row(FLOOR)?.median;
            let fastest = t.ranked().next()?;
            Some((capacity_of(t), floor / fastest.median, fastest.row.clone()))
        })
        .max_by(|a, b| a.1.total_cmp(&b.1))?;
    let (capacity, speedup, row) = best;
    if records.shape.await_results && records.shape.submitters <= cores {
        return None;
    }
    if speedup > cores as f64 * 1.25 {
        return Some(Reason {
            fact: format!(
                "at capacity {capacity}, `{row}` ran the tasks {speedup:.1}× faster than one \
                 thread running them in a loop (the floor), on this machine's {cores} cores"
            ),
            why: "more tasks ran at once than there are cores, so the tasks spend their time \
                  waiting, not computing: capacity above the core count pays"
                .to_owned(),
            section: BLOCKING_TASKS,
        });
    }
    let above = records.shape.capacities.iter().any(|&c| c > cores);
    let at_or_below = records.shape.capacities.iter().any(|&c| c <= cores);
    if above && at_or_below && speedup <= cores as f64 * 1.1 {
        return Some(Reason {
            fact: format!(
                "no row ran the tasks more than {speedup:.1}× faster than one thread (the \
                 floor), with {cores} cores, whatever the capacity"
            ),
            why: "the tasks are CPU-bound: threads beyond the cores only share them; capacity = \
                  cores, and the pools differ by their overhead per task"
                .to_owned(),
            section: CPU_TASKS,
        });
    }
    None
}

/// A user's typed tunny worker against the fastest closure row.
fn worker_reason(tables: &[Table], capacity: usize) -> Option<Reason> {
    let t = table_at(tables, CUSTOM_TIME, capacity)?;
    let name = Row::Extra(Extra::TunnyWorker).name();
    let worker = t.row(&name)?;
    let closure = t.ranked().find(|r| r.row != name)?;
    let ratio = worker.median / closure.median;
    let fact = format!(
        "`{name}` (your worker, its state built once per worker) took {ratio:.2}× the time per \
         task of `{}`, the fastest row running your closure tasks, at capacity {capacity}",
        closure.row
    );
    let why = if ratio < 0.9 {
        "keeping the state in the worker pays: tunny builds it once per worker and hands it \
         `&mut` to every job, where your closure tasks pay for it again"
    } else if ratio > 1.1 {
        "your closure tasks already get their state cheaply, so the rendezvous with a \
         worker that every tunny job (or chunk of jobs) costs is not repaid"
    } else {
        "where the state lives makes little difference to these tasks: choose by what else \
         you need (typed results, timeouts, cancellation)"
    };
    Some(Reason {
        fact,
        why: why.to_owned(),
        section: PER_WORKER,
    })
}

/// Thread-per-task far behind the leader: a thread start per task.
fn thread_per_task_reason(tables: &[Table], lead: &Choice) -> Option<Reason> {
    let t = table_at(tables, CUSTOM_TIME, lead.capacity)?;
    let tpt = t.row(PoolKind::ThreadPerTask.name())?;
    let leader = t.row(&lead.row)?;
    let ratio = tpt.median / leader.median;
    (ratio >= 2.0).then(|| Reason {
        fact: format!(
            "`{}` took {ratio:.1}× the time per task of `{}` at capacity {}",
            tpt.row, lead.row, lead.capacity
        ),
        why: "it starts an OS thread for every task, a cost no pool that keeps its threads pays"
            .to_owned(),
        section: BLOCKING_TASKS,
    })
}

#[cfg(test)]
mod tests;
