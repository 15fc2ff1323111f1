//! Per-task overhead of `WorkerPool` next to the pool everyone writes by hand
//! (workers sharing one crossbeam channel), on the W1 and W4 workloads of
//! `docs/workloads.md`: 100,000 trivial tasks (one `fetch_add`) at capacity 2.
//!
//! `cargo run --release -p taskpool-workerpool --example overhead`
//!
//! A quick look, not the benchmark suite: medians of a few runs, printed as
//! ns per task. Compare only numbers from one run on one machine.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use taskpool::{Task, TaskPool};
use taskpool_workerpool::WorkerPool;

const TASKS: usize = 100_000;
const RUNS: usize = 15;

/// The twenty-line pool: workers receive from one shared unbounded channel.
struct ChannelPool {
    tx: Option<crossbeam_channel::Sender<Task>>,
    workers: Vec<thread::JoinHandle<()>>,
}

impl ChannelPool {
    fn new(n: usize) -> Self {
        let (tx, rx) = crossbeam_channel::unbounded::<Task>();
        let workers = (0..n)
            .map(|_| {
                let rx = rx.clone();
                thread::spawn(move || {
                    for task in rx {
                        task();
                    }
                })
            })
            .collect();
        ChannelPool {
            tx: Some(tx),
            workers,
        }
    }

    fn submit(&self, task: Task) {
        self.tx.as_ref().unwrap().send(task).unwrap();
    }
}

impl Drop for ChannelPool {
    fn drop(&mut self) {
        self.tx.take();
        for w in self.workers.drain(..) {
            w.join().unwrap();
        }
    }
}

/// Counts finished tasks and wakes the timer when the last one is done.
#[derive(Default)]
struct Done {
    count: AtomicUsize,
    all: Mutex<bool>,
    cv: Condvar,
}

impl Done {
    fn hit(&self) {
        if self.count.fetch_add(1, Ordering::Relaxed) + 1 == TASKS {
            *self.all.lock().unwrap() = true;
            self.cv.notify_all();
        }
    }
    fn wait(&self) {
        let mut all = self.all.lock().unwrap();
        while !*all {
            all = self.cv.wait(all).unwrap();
        }
    }
}

/// Times `RUNS` rounds of `TASKS` submissions; returns (median ns per task for
/// the whole round, median ns per submit call).
fn measure(mut submit: impl FnMut(Task)) -> (f64, f64) {
    let mut whole = Vec::new();
    let mut submits = Vec::new();
    for _ in 0..RUNS {
        let done = Arc::new(Done::default());
        let start = Instant::now();
        for _ in 0..TASKS {
            let done = Arc::clone(&done);
            submit(Box::new(move || done.hit()));
        }
        let submitted = start.elapsed();
        done.wait();
        let total = start.elapsed();
        whole.push(total);
        submits.push(submitted);
    }
    (median(&mut whole), median(&mut submits))
}

/// The submit call alone while nothing consumes: a paused `WorkerPool`
/// (its dispatcher rests once 256 tasks wait) next to a bare channel send.
fn submit_parked() {
    for _ in 0..5 {
        let (tx, rx) = crossbeam_channel::unbounded::<Task>();
        let start = Instant::now();
        for _ in 0..TASKS {
            tx.send(Box::new(|| {})).unwrap();
        }
        let channel = start.elapsed().as_nanos() as f64 / TASKS as f64;
        drop(rx);

        let pool = WorkerPool::new(2);
        let guard = pool.pause();
        let start = Instant::now();
        for _ in 0..TASKS {
            pool.submit(|| {}).unwrap();
        }
        let workerpool = start.elapsed().as_nanos() as f64 / TASKS as f64;
        drop(guard);
        pool.stop_wait();
        println!("parked: channel send {channel:.1} ns, workerpool submit {workerpool:.1} ns");
    }
}

/// W2: 10,000 tasks of `sleep(1 ms)` at capacity 100; efficiency = ideal /
/// measured, ideal = 100 x the measured length of one `sleep(1 ms)`.
fn w2_sleep() {
    let one = {
        let mut v: Vec<Duration> = (0..50)
            .map(|_| {
                let t = Instant::now();
                thread::sleep(Duration::from_millis(1));
                t.elapsed()
            })
            .collect();
        v.sort();
        v[v.len() / 2]
    };
    let ideal = one * 100;
    let mut effs = Vec::new();
    let mut channel_effs = Vec::new();
    for _ in 0..5 {
        let pool = WorkerPool::new(100);
        let start = Instant::now();
        for _ in 0..10_000 {
            pool.submit(|| thread::sleep(Duration::from_millis(1)))
                .unwrap();
        }
        pool.stop_wait();
        effs.push(ideal.as_secs_f64() / start.elapsed().as_secs_f64());

        let channel = ChannelPool::new(100);
        let start = Instant::now();
        for _ in 0..10_000 {
            channel.submit(Box::new(|| thread::sleep(Duration::from_millis(1))));
        }
        drop(channel);
        channel_effs.push(ideal.as_secs_f64() / start.elapsed().as_secs_f64());
    }
    effs.sort_by(f64::total_cmp);
    channel_effs.sort_by(f64::total_cmp);
    println!("W2 sleep, capacity 100: one sleep(1 ms) = {one:?}; efficiency (median of 5):");
    println!("  channel    {:.3} {channel_effs:.3?}", channel_effs[2]);
    println!("  workerpool {:.3} {effs:.3?}", effs[2]);
}

fn median(v: &mut [Duration]) -> f64 {
    v.sort();
    v[v.len() / 2].as_nanos() as f64 / TASKS as f64
}

fn main() {
    // `overhead channel` or `overhead workerpool` runs one side only (for
    // `perf stat`); no argument runs both and prints the ratios.
    let only = std::env::args().nth(1);
    if only.as_deref() == Some("w2") {
        w2_sleep();
        return;
    }
    if only.as_deref() == Some("parked") {
        submit_parked();
        return;
    }
    if let Some(which) = only.as_deref() {
        let (task, submit) = match which {
            "channel" => {
                let channel = ChannelPool::new(2);
                measure(|t| channel.submit(t))
            }
            "workerpool" => {
                let pool = WorkerPool::new(2);
                let m = measure(|t| TaskPool::submit(&pool, t).unwrap());
                pool.stop_wait();
                m
            }
            other => panic!("unknown pool {other:?}: use channel or workerpool"),
        };
        println!("{which}: {task:.1} ns per task, {submit:.1} ns per submit");
        return;
    }

    let channel = ChannelPool::new(2);
    let (c_task, c_submit) = measure(|t| channel.submit(t));
    drop(channel);

    let pool = WorkerPool::new(2);
    let (w_task, w_submit) = measure(|t| TaskPool::submit(&pool, t).unwrap());
    pool.stop_wait();

    println!("W1 trivial, capacity 2, {TASKS} tasks, median of {RUNS} runs (ns per task):");
    println!("  channel    {c_task:8.1}");
    println!("  workerpool {w_task:8.1}   ratio {:.2}", w_task / c_task);
    println!("W4 submit call alone (ns per submit):");
    println!("  channel    {c_submit:8.1}");
    println!(
        "  workerpool {w_submit:8.1}   ratio {:.2}",
        w_submit / c_submit
    );
}
