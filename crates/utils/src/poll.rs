//! [`PollPolicy`]: how long a thread about to sleep first polls for the event
//! it waits for.
//!
//! A hand-off between threads that both sleep costs a futex wait and a wake
//! (several microseconds on a virtual machine); one side polling a lock-free
//! hint for a moment before it sleeps usually meets the other side awake, and
//! then the hand-off costs no system call. How long to poll is a measured,
//! per-call-site choice: each pool crate names its policy as a constant where
//! it polls and says there why it chose it. This module only carries the
//! policies out.
//!
//! ```
//! use std::sync::atomic::{AtomicBool, Ordering};
//! use taskpool_utils::poll::PollPolicy;
//!
//! let flag = AtomicBool::new(true);
//! assert!(PollPolicy::Spins(64).poll_until(|| flag.load(Ordering::Acquire)));
//! assert!(!PollPolicy::Off.poll_until(|| true)); // does not even look
//! ```

use std::time::{Duration, Instant};

use crossbeam_utils::Backoff;

use crate::sync::{AtomicUsize, Ordering};

/// How long to poll before sleeping. The truth a poll is after is always
/// re-read under a lock afterwards; a poll only decides whether to look
/// again before sleeping, so no policy can lose a wake-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PollPolicy {
    /// Do not poll; [`poll_until`](PollPolicy::poll_until) returns `false`
    /// without calling `ready`. (What the pools use under loom, where a
    /// polling loop only multiplies the interleavings to explore.)
    Off,
    /// Look up to `n + 1` times, with a spin hint between two looks.
    Spins(u32),
    /// crossbeam-utils' [`Backoff`](https://docs.rs/crossbeam-utils/0.8/crossbeam_utils/struct.Backoff.html): doubling rounds of spin hints, then a few
    /// `yield_now`s (a few microseconds in all), then one last look.
    Backoff,
    /// Rounds of [`Spins(spins)`](PollPolicy::Spins) each followed by a
    /// `yield_now`, reading the real clock after each, until `limit` has
    /// passed: an idle thread that keeps looking for a while without taking
    /// a core from a thread that has work (on a machine with fewer cores
    /// than threads, the yield hands the core over).
    SpinYieldFor {
        /// Spin hints per round (between two yields).
        spins: u32,
        /// The longest the polling may take.
        limit: Duration,
    },
}

impl PollPolicy {
    /// False only for [`PollPolicy::Off`]: callers that release a lock to
    /// poll skip that step altogether when the policy does not poll.
    pub const fn polls(self) -> bool {
        !matches!(self, PollPolicy::Off)
    }

    /// Polls `ready` as the policy says; returns whether it became true.
    pub fn poll_until(self, mut ready: impl FnMut() -> bool) -> bool {
        match self {
            PollPolicy::Off => false,
            PollPolicy::Spins(n) => spins(n, &mut ready),
            PollPolicy::SpinYieldFor { spins: n, limit } => {
                let start = Instant::now();
                loop {
                    if spins(n, &mut ready) {
                        return true;
                    }
                    if start.elapsed() >= limit {
                        return false;
                    }
                    std::thread::yield_now();
                }
            }
            PollPolicy::Backoff => {
                let backoff = Backoff::new();
                while !backoff.is_completed() {
                    if ready() {
                        return true;
                    }
                    backoff.snooze();
                }
                ready()
            }
        }
    }
}

/// A long poll that at most `cap` threads of a pool run at once, the others
/// running a short one: an idle pool of a hundred workers must not spend the
/// cores on a hundred long polls, while the few workers most likely to be
/// handed the next job still meet it awake. Each pool names its own
/// policies and cap where it polls, and keeps the count of its threads
/// polling (a field of the pool), passed to
/// [`poll_until`](CappedPoll::poll_until).
///
/// ```
/// use std::sync::atomic::AtomicUsize;
/// use taskpool_utils::poll::{CappedPoll, PollPolicy};
///
/// const IDLE: CappedPoll = CappedPoll {
///     long: PollPolicy::Spins(1_000),
///     short: PollPolicy::Spins(10),
///     cap: 1,
/// };
/// let polling = AtomicUsize::new(0);
/// assert!(IDLE.poll_until(&polling, || true));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CappedPoll {
    /// The poll of a thread that finds fewer than `cap` threads polling.
    pub long: PollPolicy,
    /// The poll of every other thread.
    pub short: PollPolicy,
    /// At most this many threads poll with `long` at once.
    pub cap: usize,
}

impl CappedPoll {
    /// Polls `ready` with [`long`](CappedPoll::long) if fewer than
    /// [`cap`](CappedPoll::cap) threads are counted in `polling` (the
    /// threads inside this call, with either policy), else with
    /// [`short`](CappedPoll::short); returns whether it became true.
    ///
    /// Why at most `cap` threads poll long: a thread counts itself in (one
    /// `fetch_add`) before it chooses and out (one `fetch_sub`) after it
    /// polled, so every thread polling long is in the count while it polls;
    /// one that finds fewer than `cap` counted therefore joins fewer than
    /// `cap` long pollers. Read-modify-writes of one atomic are totally
    /// ordered whatever their ordering, and nothing else is published
    /// through the count, so `Relaxed` suffices. The bound is
    /// conservative: a thread in the short poll holds a place in the count
    /// too, so for a moment fewer than `cap` may poll long. When `long`
    /// does not poll (under loom) the count is not touched at all.
    pub fn poll_until(self, polling: &AtomicUsize, ready: impl FnMut() -> bool) -> bool {
        if !self.long.polls() {
            return self.short.poll_until(ready);
        }
        let policy = if polling.fetch_add(1, Ordering::Relaxed) < self.cap {
            self.long
        } else {
            self.short
        };
        let became_ready = policy.poll_until(ready);
        polling.fetch_sub(1, Ordering::Relaxed);
        became_ready
    }
}

/// Looks up to `n + 1` times, with a spin hint between two looks.
fn spins(n: u32, ready: &mut impl FnMut() -> bool) -> bool {
    for _ in 0..n {
        if ready() {
            return true;
        }
        std::hint::spin_loop();
    }
    ready()
}
