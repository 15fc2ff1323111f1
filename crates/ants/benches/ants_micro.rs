//! Micro-benchmarks of this crate's own claims (the shared suite lives in
//! the workspace `benches` package):
//!
//! - `refusal`: `try_submit` on a full pool against a failed `try_send` on a
//!   full bounded crossbeam channel (the same fat pointer moved each time,
//!   so neither side allocates inside the timed loop);
//! - `W1_trivial`: 100,000 `fetch_add` tasks, until the last has finished,
//!   on `Pool` (closures), `PoolWithFunc` and a minimal crossbeam-channel
//!   pool, at capacities 2 and 64;
//! - `W5_contended`: 4 submitter threads x 25,000 trivial tasks on one
//!   `Pool` of capacity 2 against a `MultiPool` of 2 pools x 1 (both
//!   strategies).
//!
//! Run for a few seconds only on the shared machine:
//! `cargo bench -p taskpool-ants --bench ants_micro -- --warm-up-time 1 --measurement-time 3`

// criterion_group! generates an undocumented function.
#![allow(missing_docs)]

use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use taskpool::Task;
use taskpool_ants::{LoadBalancing, MultiPool, Pool, PoolWithFunc, TaskPool};

const TASKS: usize = 100_000;

fn refusal(c: &mut Criterion) {
    let mut group = c.benchmark_group("refusal");
    group.throughput(Throughput::Elements(1));

    // A pool of one worker, held busy until the end.
    let pool = Pool::builder()
        .capacity(1)
        .nonblocking(true)
        .build()
        .unwrap();
    let gate = Arc::new((Mutex::new(false), Condvar::new()));
    let g = Arc::clone(&gate);
    pool.submit(move || {
        let (open, cv) = &*g;
        let mut open = open.lock().unwrap();
        while !*open {
            open = cv.wait(open).unwrap();
        }
    })
    .unwrap();
    let mut task: Task = Box::new(|| ());
    group.bench_function("ants_try_submit_full", |b| {
        b.iter(|| {
            let t = std::mem::replace(&mut task, Box::new(|| ()));
            match TaskPool::try_submit(&pool, black_box(t)) {
                Err(refused) if refused.is_overloaded() => task = refused.into_task(),
                other => panic!("expected a refusal, got {other:?}"),
            }
        });
    });

    let (tx, _rx) = crossbeam_channel::bounded::<Task>(1);
    tx.send(Box::new(|| ())).unwrap();
    let mut task: Task = Box::new(|| ());
    group.bench_function("crossbeam_try_send_full", |b| {
        b.iter(|| {
            let t = std::mem::replace(&mut task, Box::new(|| ()));
            match tx.try_send(black_box(t)) {
                Err(crossbeam_channel::TrySendError::Full(t)) => task = t,
                other => panic!("expected a refusal, got {:?}", other.is_ok()),
            }
        });
    });
    group.finish();

    let (open, cv) = &*gate;
    *open.lock().unwrap() = true;
    cv.notify_all();
    pool.stop_wait();
}

/// The "twenty lines everyone writes": workers pulling boxed tasks from an
/// unbounded crossbeam channel, with a pending counter to wait on.
struct ChannelPool {
    tx: Option<crossbeam_channel::Sender<Task>>,
    pending: Arc<(Mutex<usize>, Condvar)>,
    threads: Vec<thread::JoinHandle<()>>,
}

impl ChannelPool {
    fn new(n: usize) -> Self {
        let (tx, rx) = crossbeam_channel::unbounded::<Task>();
        let pending = Arc::new((Mutex::new(0usize), Condvar::new()));
        let threads = (0..n)
            .map(|_| {
                let rx = rx.clone();
                let pending = Arc::clone(&pending);
                thread::spawn(move || {
                    for task in rx {
                        task();
                        let (count, cv) = &*pending;
                        let mut count = count.lock().unwrap();
                        *count -= 1;
                        if *count == 0 {
                            cv.notify_all();
                        }
                    }
                })
            })
            .collect();
        ChannelPool {
            tx: Some(tx),
            pending,
            threads,
        }
    }

    fn run(&self, n: usize, counter: &Arc<AtomicUsize>) {
        *self.pending.0.lock().unwrap() += n;
        let tx = self.tx.as_ref().unwrap();
        for _ in 0..n {
            let c = Arc::clone(counter);
            tx.send(Box::new(move || {
                c.fetch_add(1, Ordering::Relaxed);
            }))
            .unwrap();
        }
        let (count, cv) = &*self.pending;
        let mut count = count.lock().unwrap();
        while *count > 0 {
            count = cv.wait(count).unwrap();
        }
    }
}

impl Drop for ChannelPool {
    fn drop(&mut self) {
        self.tx = None;
        for t in self.threads.drain(..) {
            t.join().unwrap();
        }
    }
}

fn w1(c: &mut Criterion) {
    let mut group = c.benchmark_group("W1_trivial");
    group.throughput(Throughput::Elements(TASKS as u64));
    group.sample_size(10);
    for cap in [2usize, 64] {
        let counter = Arc::new(AtomicUsize::new(0));

        let channel = ChannelPool::new(cap);
        group.bench_with_input(
            BenchmarkId::new("channel", format!("cap={cap}")),
            &cap,
            |b, _| {
                b.iter(|| channel.run(TASKS, &counter));
            },
        );
        drop(channel);

        let pool = Pool::new(cap);
        group.bench_with_input(
            BenchmarkId::new("ants", format!("cap={cap}")),
            &cap,
            |b, _| {
                b.iter(|| {
                    for _ in 0..TASKS {
                        let c = Arc::clone(&counter);
                        pool.submit(move || {
                            c.fetch_add(1, Ordering::Relaxed);
                        })
                        .unwrap();
                    }
                    pool.wait_idle();
                });
            },
        );
        pool.stop_wait();

        let c = Arc::clone(&counter);
        let func = PoolWithFunc::new(cap, move |n: usize| {
            c.fetch_add(n, Ordering::Relaxed);
        });
        group.bench_with_input(
            BenchmarkId::new("ants_func", format!("cap={cap}")),
            &cap,
            |b, _| {
                b.iter(|| {
                    for _ in 0..TASKS {
                        func.invoke(1).unwrap();
                    }
                    func.wait_idle();
                });
            },
        );
        func.release_wait();
    }
    group.finish();
}

/// 4 submitters x 25,000 tasks through `pool`, then wait until all ran.
fn contended(pool: &Arc<dyn TaskPool>, counter: &Arc<AtomicUsize>) {
    let submitters: Vec<_> = (0..4)
        .map(|_| {
            let (pool, counter) = (Arc::clone(pool), Arc::clone(counter));
            thread::spawn(move || {
                for _ in 0..25_000 {
                    let c = Arc::clone(&counter);
                    pool.submit(Box::new(move || {
                        c.fetch_add(1, Ordering::Relaxed);
                    }))
                    .unwrap();
                }
            })
        })
        .collect();
    for s in submitters {
        s.join().unwrap();
    }
    pool.wait_idle();
}

fn w5(c: &mut Criterion) {
    let mut group = c.benchmark_group("W5_contended");
    group.throughput(Throughput::Elements(TASKS as u64));
    group.sample_size(10);
    let counter = Arc::new(AtomicUsize::new(0));
    let pools: Vec<(&str, Arc<dyn TaskPool>)> = vec![
        ("ants", Arc::new(Pool::new(2))),
        (
            "ants_multi_rr",
            Arc::new(MultiPool::new(2, 1, LoadBalancing::RoundRobin)),
        ),
        (
            "ants_multi_least",
            Arc::new(MultiPool::new(2, 1, LoadBalancing::LeastTasks)),
        ),
    ];
    for (name, pool) in pools {
        group.bench_function(BenchmarkId::new(name, "cap=2"), |b| {
            b.iter(|| contended(&pool, &counter));
        });
        pool.stop_wait();
    }
    group.finish();
}

criterion_group!(benches, refusal, w1, w5);
criterion_main!(benches);
