//! The benchmark matrix of one round: which (workload, row, size) cases run,
//! in which order, and W9's probe processes.

use std::fmt;

use crate::order;
use crate::rows::{rows_for, Row};
use crate::selection::Selection;
use crate::workload::Workload;

/// One benchmark: a row of one workload at one size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    /// The workload (criterion group).
    pub workload: Workload,
    /// Who runs the tasks (criterion function id).
    pub row: Row,
    /// Pool capacity.
    pub capacity: usize,
    /// Submitter threads (W5, S2; 1 elsewhere).
    pub submitters: usize,
    /// Tasks per batch (W8: back-to-back calls recorded; W9: tasks queued).
    pub tasks: usize,
}

impl Case {
    /// The criterion function id.
    pub fn function_id(&self) -> String {
        self.row.name()
    }

    /// The criterion parameter: `cap=N`, or `submitters=N` on the S2 curve.
    pub fn parameter(&self) -> String {
        match self.workload {
            Workload::S2 => format!("submitters={}", self.submitters),
            _ => format!("cap={}", self.capacity),
        }
    }

    /// `group/function/parameter`, as criterion names it.
    pub fn id(&self) -> String {
        format!(
            "{}/{}/{}",
            self.workload.group(),
            self.function_id(),
            self.parameter()
        )
    }

    /// Elements per iteration for criterion's throughput (tasks per batch),
    /// or `None` where one iteration is one pool life (W6) or one call (W8).
    pub fn elements(&self) -> Option<u64> {
        match self.workload {
            Workload::W6 | Workload::W8 | Workload::W9 => None,
            _ => Some(self.tasks as u64),
        }
    }
}

impl fmt::Display for Case {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.id())
    }
}

/// The cases of `workload` under `selection`, in report order.
fn cases_of(selection: &Selection, workload: Workload) -> Vec<Case> {
    let sizes = selection.sizes(workload);
    let mut cases = Vec::new();
    for &capacity in &sizes.capacities {
        for &submitters in &sizes.submitters {
            for row in rows_for(workload) {
                if selection.wants_row(&row) {
                    cases.push(Case {
                        workload,
                        row,
                        capacity,
                        submitters,
                        tasks: sizes.tasks_for(&row, capacity),
                    });
                }
            }
        }
    }
    cases
}

/// Every case of `selection` the bench binary runs in `round` (criterion's
/// batches and W8's recorded calls; W9 is [`probes`]): workload after
/// workload, each workload's cases in `round`'s order.
pub fn plan(selection: &Selection, round: usize) -> Vec<Case> {
    let mut out = Vec::new();
    for (block, &workload) in Workload::ALL.iter().enumerate() {
        if workload == Workload::W9 || !selection.wants_workload(workload) {
            continue;
        }
        let mut cases = cases_of(selection, workload);
        order::shuffle(&mut cases, round, block);
        out.extend(cases);
    }
    out
}

/// One W9 process: a row queueing `tasks` tasks at `capacity`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    /// The row: a queueing pool, a raw row, or the `Vec<Task> (floor)`.
    pub row: String,
    /// Pool capacity (for the floor, the capacity of the table it is the
    /// floor of: it starts no worker).
    pub capacity: usize,
    /// Tasks queued.
    pub tasks: usize,
}

impl Probe {
    /// `W9_queued_memory/<row>/cap=<capacity>`, the id the report uses.
    pub fn id(&self) -> String {
        format!(
            "{}/{}/cap={}",
            Workload::W9.group(),
            self.row,
            self.capacity
        )
    }
}

/// The W9 processes of `round`, in that round's order. A capacity where
/// only the floor is selected gets no probe at all (there would be nothing
/// to compare it with), unless the selection names the floor itself.
pub fn probes(selection: &Selection, round: usize) -> Vec<Probe> {
    if !selection.wants_workload(Workload::W9) {
        return Vec::new();
    }
    let cases = cases_of(selection, Workload::W9);
    let mut out: Vec<Probe> = cases
        .iter()
        .filter(|case| {
            selection.names(&case.row)
                || cases
                    .iter()
                    .any(|c| c.capacity == case.capacity && !c.row.is_reference())
        })
        .map(|case| Probe {
            row: case.function_id(),
            capacity: case.capacity,
            tasks: case.tasks,
        })
        .collect();
    let block = Workload::ALL.len();
    order::shuffle(&mut out, round, block);
    out
}
