//! W8: one call that runs an empty task and returns when it has run, for
//! every kind of row, recorded call by call in two regimes: back to back
//! (workers still awake) and after an idle gap (workers parked).
//!
//! The calls are kept as exact samples (at most a few tens of thousands per
//! row and round) and the percentiles taken by nearest rank: no histogram
//! buckets to round them, and nothing to tune.

use std::thread;
use std::time::{Duration, Instant};

use taskpool::TaskPool;
use taskpool_ants::Pool as AntsPool;
use taskpool_tunny::Pool as TunnyPool;

use crate::extra::Extra;
use crate::harness::{self, Floor, Spawn};
use crate::measure::{build_named, RoundTrip};
use crate::out::Regime;
use crate::plan::Case;
use crate::raw::RawPool;
use crate::rows::Row;
use crate::sizes::{IDLE_GAP, W8_WARM_UP_CALLS};

/// Prepares `case`'s round trip.
pub fn prepare(case: &Case) -> Result<Box<dyn RoundTrip>, String> {
    let capacity = case.capacity;
    Ok(match case.row {
        Row::Raw(raw) => Box::new(ChannelTrip(RawPool::build(raw, capacity)?)),
        Row::Floor => Box::new(ChannelTrip(Floor)),
        Row::Extra(Extra::AntsNative) => {
            let pool = AntsPool::builder()
                .capacity(capacity)
                .build()
                .map_err(|e| format!("building ants at capacity {capacity}: {e}"))?;
            Box::new(ChannelTrip(AntsNative(pool)))
        }
        Row::Extra(Extra::TunnyProcess) => {
            Box::new(TunnyTrip(TunnyPool::with_fn(capacity, nothing as fn(()))))
        }
        row => Box::new(ContractTrip(build_named(row, capacity)?)),
    })
}

/// Records `calls` round trips in `regime`, in ns. Back to back, each call
/// starts right after the previous one returned; after idle, the caller
/// sleeps [`IDLE_GAP`] before each call (outside the timed call).
pub fn record(trip: &mut dyn RoundTrip, regime: Regime, calls: usize) -> Vec<f64> {
    (0..calls)
        .map(|_| {
            if regime == Regime::AfterIdle {
                thread::sleep(IDLE_GAP);
            }
            trip.call().as_nanos() as f64
        })
        .collect()
}

/// Warms `trip` up with [`W8_WARM_UP_CALLS`] calls, then records both
/// regimes: `back_to_back` calls, then `after_idle` calls.
pub fn record_both(
    trip: &mut dyn RoundTrip,
    back_to_back: usize,
    after_idle: usize,
) -> [(Regime, Vec<f64>); 2] {
    for _ in 0..W8_WARM_UP_CALLS {
        trip.call();
    }
    let busy = record(trip, Regime::BackToBack, back_to_back);
    let idle = record(trip, Regime::AfterIdle, after_idle);
    [(Regime::BackToBack, busy), (Regime::AfterIdle, idle)]
}

/// `submit_wait` of an empty task through the contract.
struct ContractTrip(Box<dyn TaskPool>);

impl RoundTrip for ContractTrip {
    fn call(&mut self) -> Duration {
        harness::round_trip(&*self.0)
    }

    fn finish(self: Box<Self>) {
        self.0.stop_wait();
    }
}

/// A closure sending on a one-shot channel the caller waits on, handed over
/// by `S` (a raw crate, ants' own `submit`, or the floor's plain call).
struct ChannelTrip<S>(S);

impl<S: Spawn> RoundTrip for ChannelTrip<S> {
    fn call(&mut self) -> Duration {
        harness::channel_round_trip(&self.0)
    }

    fn finish(self: Box<Self>) {}
}

/// `ants::Pool` through its own generic `submit` (not the `TaskPool` face).
struct AntsNative(AntsPool);

impl Spawn for AntsNative {
    fn spawn<F: FnOnce() + Send + 'static>(&self, f: F) {
        // The catalog's default ants pool blocks when full; W8 never fills it.
        if let Err(e) = self.0.submit(f) {
            panic!("ants refused a W8 task: {e}");
        }
    }
}

impl Drop for AntsNative {
    fn drop(&mut self) {
        self.0.release();
    }
}

/// The empty job of `tunny-process`.
fn nothing(_: ()) {}

/// The worker type of `tunny-process`.
type EmptyJob = taskpool_tunny::FnWorker<fn(()), (), ()>;

/// `tunny::Pool::process(())` of an empty function.
struct TunnyTrip(TunnyPool<EmptyJob>);

impl RoundTrip for TunnyTrip {
    fn call(&mut self) -> Duration {
        let start = Instant::now();
        if let Err(e) = self.0.process(()) {
            panic!("tunny process failed: {e}");
        }
        start.elapsed()
    }

    fn finish(self: Box<Self>) {
        self.0.close();
    }
}
