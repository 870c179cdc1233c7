//! An ordered parallel map: batches read on the calling thread, worked on by
//! worker threads, and consumed on the calling thread in the order they were
//! read, with a bounded number of batches in between.

use std::collections::{BTreeMap, VecDeque};
use std::num::NonZeroUsize;
use std::ops::ControlFlow;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, mpsc};
use std::thread;

/// Batches read but not yet consumed, per worker: enough to keep every
/// worker busy while the calling thread reads and consumes.
const BATCHES_PER_WORKER: usize = 4;

/// Feeds the batches `read` yields to `work` and hands the results to
/// `consume` in the order they were read. Stops when `consume` breaks (its
/// value is returned), when `read` ends, or when `read` fails: the error is
/// returned once every batch read before it has been consumed without a break.
///
/// `read` gives each batch with its weight (its size in bytes, say); those
/// in flight weigh less than `BATCHES_PER_WORKER * threads * nominal_weight`
/// plus one batch. The work runs on the calling thread when `threads` is 1
/// or when `read` yields a single batch (no threads for a small input), and
/// otherwise on `threads` workers, each with its own state from `new_state`.
pub(crate) fn run<B: Send, R: Send, S, E, T>(
    threads: NonZeroUsize,
    nominal_weight: usize,
    mut read: impl FnMut() -> Result<Option<(B, usize)>, E>,
    new_state: impl Fn() -> S + Sync,
    work: impl Fn(&mut S, B) -> R + Sync,
    consume: impl FnMut(R) -> ControlFlow<T>,
) -> Result<Option<T>, E> {
    let mut read_ahead = VecDeque::new();
    let mut several_batches = false;
    if threads.get() > 1 {
        read_ahead.push_back(read());
        if matches!(read_ahead[0], Ok(Some(_))) {
            read_ahead.push_back(read());
            several_batches = matches!(read_ahead[1], Ok(Some(_)));
        }
    }
    let read = move || read_ahead.pop_front().unwrap_or_else(&mut read);
    if several_batches {
        on_workers(threads, nominal_weight, read, new_state, work, consume)
    } else {
        on_calling_thread(read, new_state, work, consume)
    }
}

fn on_calling_thread<B, R, S, E, T>(
    mut read: impl FnMut() -> Result<Option<(B, usize)>, E>,
    new_state: impl Fn() -> S,
    work: impl Fn(&mut S, B) -> R,
    mut consume: impl FnMut(R) -> ControlFlow<T>,
) -> Result<Option<T>, E> {
    let mut state = new_state();
    while let Some((batch, _)) = read()? {
        if let ControlFlow::Break(value) = consume(work(&mut state, batch)) {
            return Ok(Some(value));
        }
    }
    Ok(None)
}

fn on_workers<B: Send, R: Send, S, E, T>(
    threads: NonZeroUsize,
    nominal_weight: usize,
    mut read: impl FnMut() -> Result<Option<(B, usize)>, E>,
    new_state: impl Fn() -> S + Sync,
    work: impl Fn(&mut S, B) -> R + Sync,
    mut consume: impl FnMut(R) -> ControlFlow<T>,
) -> Result<Option<T>, E> {
    let window = BATCHES_PER_WORKER * threads.get();
    let max_weight = window.saturating_mul(nominal_weight);
    // Set once the result is known, so that workers drop the batches still queued.
    let stop = AtomicBool::new(false);
    let (job_tx, job_rx) = mpsc::channel::<(u64, B)>();
    let job_rx = Mutex::new(job_rx);
    let (done_tx, done_rx) = mpsc::channel::<(u64, thread::Result<R>)>();
    thread::scope(|scope| {
        for _ in 0..threads.get() {
            let done_tx = done_tx.clone();
            let (job_rx, stop, new_state, work) = (&job_rx, &stop, &new_state, &work);
            scope.spawn(move || {
                let mut state = new_state();
                loop {
                    let job = job_rx.lock().ok().and_then(|jobs| jobs.recv().ok());
                    let Some((index, batch)) = job else { break };
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    // A panic goes to the calling thread, which would otherwise wait for this batch forever.
                    let result = panic::catch_unwind(AssertUnwindSafe(|| work(&mut state, batch)));
                    if done_tx.send((index, result)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(done_tx);

        let mut coordinate = || {
            // Weights of the batches sent and not yet consumed, oldest first.
            let mut in_flight = VecDeque::new();
            let mut weight_in_flight = 0;
            let mut sent = 0u64;
            let mut consumed = 0u64;
            let mut arrived = BTreeMap::new();
            let mut end = None;
            loop {
                while end.is_none()
                    && (in_flight.is_empty() || (in_flight.len() < window && weight_in_flight < max_weight))
                {
                    match read() {
                        Ok(Some((batch, weight))) => {
                            job_tx.send((sent, batch)).expect("the job queue outlives the workers");
                            sent += 1;
                            in_flight.push_back(weight);
                            weight_in_flight += weight;
                        }
                        Ok(None) => end = Some(Ok(())),
                        Err(error) => end = Some(Err(error)),
                    }
                }
                let Some(weight) = in_flight.pop_front() else {
                    return end.expect("reading ended").map(|()| None);
                };
                let result = loop {
                    if let Some(result) = arrived.remove(&consumed) {
                        break result;
                    }
                    let (index, result) = done_rx.recv().expect("a worker holds every batch not yet done");
                    let result = result.unwrap_or_else(|panic| {
                        stop.store(true, Ordering::Relaxed);
                        panic::resume_unwind(panic)
                    });
                    arrived.insert(index, result);
                };
                consumed += 1;
                weight_in_flight -= weight;
                if let ControlFlow::Break(value) = consume(result) {
                    return Ok(Some(value));
                }
            }
        };
        let outcome = coordinate();
        stop.store(true, Ordering::Relaxed);
        drop(job_tx);
        outcome
    })
}
