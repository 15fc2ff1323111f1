//! The one error type of xtask: a message for the user, printed without a
//! panic trace by `main`.

use std::fmt;

/// A failure explained in words, ready to show to the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(pub String);

impl Error {
    /// An error with `message`.
    pub fn new(message: impl Into<String>) -> Self {
        Error(message.into())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl From<taskpool_benches::selection::SelectionError> for Error {
    fn from(e: taskpool_benches::selection::SelectionError) -> Self {
        Error(e.0)
    }
}

/// Result with [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

/// Adds context to I/O and parse errors.
pub trait Context<T> {
    /// Wraps the error as "`what`: cause".
    fn context(self, what: impl FnOnce() -> String) -> Result<T>;
}

impl<T, E: fmt::Display> Context<T> for std::result::Result<T, E> {
    fn context(self, what: impl FnOnce() -> String) -> Result<T> {
        self.map_err(|e| Error(format!("{}: {e}", what())))
    }
}
