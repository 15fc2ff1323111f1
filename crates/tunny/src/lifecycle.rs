//! Resize and shutdown: start a worker, retire one, wait for retired workers
//! to exit and join them; `set_size`, `close` and `wait_idle` on top.

use std::io;
use std::mem;
use std::panic::{self, AssertUnwindSafe};

use taskpool_utils::sync::{lock, thread, Arc, AtomicBool, Condvar, MutexGuard, Ordering};

use crate::state::{Inner, Phase, State, WorkerRecord};
use crate::worker_loop::worker_main;
use crate::{ResizeError, Worker};

fn spawn_worker<W: Worker>(
    inner: &Arc<Inner<W>>,
    state: &mut State<W>,
    worker: W,
) -> io::Result<()> {
    let idx = match state.workers.iter().position(Option::is_none) {
        Some(idx) => idx,
        None => {
            state.workers.push(None);
            state.workers.len() - 1
        }
    };
    let id = state.next_id;
    state.next_id += 1;
    state.workers[idx] = Some(WorkerRecord {
        id,
        phase: Phase::Idle,
        retire: false,
        stop: Arc::new(AtomicBool::new(false)),
        mailbox: None,
        mail: Arc::new(AtomicBool::new(false)),
        wake: Arc::new(Condvar::new()),
        sleeping: false,
        blocked_inside: false,
    });
    let shared = Arc::clone(inner);
    let spawned = thread::Builder::new()
        .name(format!("{}-{id}", inner.thread_name))
        .spawn(move || worker_main(&shared, idx, worker));
    match spawned {
        Ok(handle) => {
            state.live += 1;
            state.active += 1;
            state.handles.push((id, handle));
            Ok(())
        }
        Err(e) => {
            state.workers[idx] = None;
            Err(e)
        }
    }
}

/// Marks one worker to retire, preferring parked, then idle, then busy
/// workers, newest first (highest index). Returns its id.
fn retire_one<W: Worker>(state: &mut State<W>) -> Option<u64> {
    let idx = [Phase::Parked, Phase::Idle, Phase::Busy]
        .iter()
        .find_map(|&phase| {
            (0..state.workers.len()).rev().find(|&i| {
                state.workers[i]
                    .as_ref()
                    .is_some_and(|s| !s.retire && s.phase == phase)
            })
        })?;
    state.active -= 1;
    if let Some(pos) = state.ready.iter().position(|&i| i == idx) {
        state.ready.swap_remove(pos);
    }
    let record = state.worker_mut(idx);
    record.retire = true;
    record.stop.store(true, Ordering::Release);
    if record.phase == Phase::Parked {
        record.phase = Phase::Idle;
    }
    record.wake.notify_one();
    Some(record.id)
}

/// Waits until the workers with ids in `ids` (all, for `None`) have exited,
/// then joins their threads. Called from inside a job, it does not wait for
/// workers blocked inside the pool from their own job (the caller's own
/// worker among them): they leave after their job returns.
fn wait_for_exit<W: Worker>(
    inner: &Inner<W>,
    mut state: MutexGuard<'_, State<W>>,
    ids: Option<&[u64]>,
) {
    let wanted = |id: u64| ids.map_or(true, |ids| ids.contains(&id));
    let inside = state.enter_inside(inner.id);
    if inside.is_some() {
        // Others waiting for us may now stop doing so.
        inner.notify_changed(&state);
    }
    // A caller outside the pool waits for every wanted worker.
    let excuse = inside.is_some();
    while state
        .live_workers()
        .any(|s| wanted(s.id) && !(excuse && s.blocked_inside))
    {
        state = inner.wait_changed(state);
    }
    state.leave_inside(inside);
    // Join the threads that have exited (their records are gone).
    let live: Vec<u64> = state.live_workers().map(|s| s.id).collect();
    let (joinable, rest): (Vec<_>, Vec<_>) = mem::take(&mut state.handles)
        .into_iter()
        .partition(|(id, _)| wanted(*id) && !live.contains(id));
    state.handles = rest;
    state.joining.extend(joinable.iter().map(|(id, _)| *id));
    drop(state);
    let mut joined = Vec::with_capacity(joinable.len());
    for (id, handle) in joinable {
        // The worker caught every panic of user code; nothing to report.
        let _ = handle.join();
        joined.push(id);
    }
    let mut state = lock(&inner.state);
    if !joined.is_empty() {
        state.joining.retain(|id| !joined.contains(id));
        inner.notify_changed(&state);
    }
    // A caller outside the pool also waits for the joins another caller took.
    if !excuse {
        while state.joining.iter().any(|&id| wanted(id)) {
            state = inner.wait_changed(state);
        }
    }
}

pub(crate) fn set_size<W: Worker>(inner: &Arc<Inner<W>>, n: usize) -> Result<(), ResizeError> {
    let mut state = lock(&inner.state);
    if state.closed {
        return Err(ResizeError::Closed);
    }
    state.target = n;
    let mut built: Vec<W> = Vec::new();
    let mut retired: Vec<u64> = Vec::new();
    let outcome = loop {
        if state.closed {
            break Err(ResizeError::Closed);
        }
        // Another set_size may have changed the target while this one was
        // building workers outside the lock: the last request wins.
        let target = state.target;
        let mut spawn_error = None;
        while state.active < target {
            let Some(worker) = built.pop() else { break };
            if let Err(e) = spawn_worker(inner, &mut state, worker) {
                spawn_error = Some(e);
                break;
            }
        }
        if let Some(e) = spawn_error {
            state.target = state.active;
            break Err(ResizeError::Spawn(e));
        }
        if state.active < target {
            let need = target - state.active;
            drop(state);
            // Built on the calling thread, outside the lock: a factory may be
            // slow, and a panic in it belongs to the caller.
            let building = panic::catch_unwind(AssertUnwindSafe(|| {
                for _ in 0..need {
                    built.push((inner.factory)());
                }
            }));
            if let Err(payload) = building {
                {
                    let mut state = lock(&inner.state);
                    if state.target == target {
                        state.target = state.active;
                    }
                }
                discard(mem::take(&mut built));
                panic::resume_unwind(payload);
            }
            state = lock(&inner.state);
            continue;
        }
        while state.active > state.target {
            match retire_one(&mut state) {
                Some(id) => retired.push(id),
                None => break,
            }
        }
        break Ok(());
    };
    if !built.is_empty() {
        // Built for a size lowered meanwhile (or a pool closed meanwhile):
        // they never ran, and leave like any worker, through `terminate`.
        drop(state);
        discard(built);
        state = lock(&inner.state);
    }
    wait_for_exit(inner, state, Some(&retired));
    outcome
}

fn discard<W: Worker>(workers: Vec<W>) {
    for mut worker in workers {
        let _ = panic::catch_unwind(AssertUnwindSafe(move || {
            worker.terminate();
            drop(worker);
        }));
    }
}

pub(crate) fn close<W: Worker>(inner: &Inner<W>) {
    let mut state = lock(&inner.state);
    if !state.closed {
        state.closed = true;
        state.target = 0;
        for call in mem::take(&mut state.line) {
            call.refuse();
        }
        while retire_one(&mut state).is_some() {}
        inner.notify_changed(&state);
    }
    wait_for_exit(inner, state, None);
}

pub(crate) fn wait_idle<W: Worker>(inner: &Inner<W>) {
    let mut state = lock(&inner.state);
    let inside = state.enter_inside(inner.id);
    if inside.is_some() {
        inner.notify_changed(&state);
    }
    loop {
        // Called from inside a job, the jobs blocked inside the pool (this
        // one among them) are not waited for: they may be waiting for us.
        let excused = if inside.is_some() {
            state
                .live_workers()
                .filter(|s| s.blocked_inside && s.phase == Phase::Busy)
                .count()
        } else {
            0
        };
        if state.line.is_empty() && state.running <= excused {
            break;
        }
        state = inner.wait_changed(state);
    }
    state.leave_inside(inside);
}
