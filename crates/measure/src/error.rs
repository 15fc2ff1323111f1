//! What can stop a measurement of a user's workload before it produces an
//! outcome: a workload that cannot be measured as given, or a task that
//! panicked.

use std::fmt;

/// Why a workload was not measured.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MeasureError {
    /// A count that must be at least one was zero.
    Zero {
        /// What was counted: `tasks`, `submitters`, `rounds`, `samples`, a
        /// capacity.
        what: &'static str,
    },
    /// No capacity to try.
    NoCapacity,
    /// A pool name that is not a row of this measurement.
    UnknownPool {
        /// The name given.
        name: String,
        /// The names accepted.
        valid: Vec<String>,
    },
    /// Every selected pool failed to build, so nothing was measured.
    NothingMeasured {
        /// Why each failed.
        reasons: Vec<String>,
    },
    /// One of the tasks panicked. A panicking task is caught (it never hangs
    /// a batch), but the measurement stops: its times would not be the
    /// workload's.
    TaskPanicked {
        /// The row that ran it.
        row: String,
        /// The panic's message, when it had one.
        message: Option<String>,
    },
}

impl fmt::Display for MeasureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MeasureError::Zero { what } => write!(f, "{what} must be at least 1, got 0"),
            MeasureError::NoCapacity => f.write_str("no capacity to try: give at least one"),
            MeasureError::UnknownPool { name, valid } => {
                write!(f, "unknown pool `{name}` (valid: {})", valid.join(", "))
            }
            MeasureError::NothingMeasured { reasons } => write!(
                f,
                "no pool could be built, so nothing was measured: {}",
                reasons.join("; ")
            ),
            MeasureError::TaskPanicked { row, message } => write!(
                f,
                "a task panicked on `{row}`{}; the measurement stopped (fix the task, or catch \
                 its panic inside it)",
                message
                    .as_deref()
                    .map_or(String::new(), |m| format!(": {m}"))
            ),
        }
    }
}

impl std::error::Error for MeasureError {}
