//! Backpressure and operation counters: at most `max_concurrent_operations` operations run at
//! once, the rest queue for `operation_queue_timeout_ms`; every counter is an atomic.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::timeout_at;

use crate::errors::Failure;

/// Upper bounds of the latency buckets in seconds (Prometheus style; +Inf is implied).
pub const LATENCY_BOUNDS: [f64; 16] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
    5.0, 10.0,
];

#[derive(Default)]
pub struct Counters {
    pub in_flight: AtomicU64,
    pub queued: AtomicU64,
    pub rejected: AtomicU64,
    pub completed: AtomicU64,
    pub failed: AtomicU64,
    pub latency_buckets: [AtomicU64; LATENCY_BOUNDS.len() + 1],
    pub latency_sum_nanos: AtomicU64,
}

pub struct Gate {
    pub limit: usize,
    queue_timeout: Option<Duration>,
    slots: Option<Arc<Semaphore>>,
    pub counters: Counters,
}

impl Gate {
    /// `limit` 0 disables the cap; `queue_timeout_ms` 0 lets callers wait without a time limit.
    pub fn new(limit: usize, queue_timeout_ms: u64) -> Self {
        Gate {
            limit,
            queue_timeout: (queue_timeout_ms > 0).then(|| Duration::from_millis(queue_timeout_ms)),
            slots: (limit > 0).then(|| Arc::new(Semaphore::new(limit))),
            counters: Counters::default(),
        }
    }

    /// Runs `operation` once a slot is free, counting it; dropping the returned future (a
    /// cancelled task) frees the slot and counts the operation as failed.
    ///
    /// One deadline per call, from the moment it was `made`: time queued for a slot counts in
    /// its `total_timeout` and in its latency, as in the official clients.
    pub async fn run<T>(
        self: Arc<Self>,
        made: Instant,
        total_timeout: Option<Duration>,
        operation: impl Future<Output = Result<T, Failure>>,
    ) -> Result<T, Failure> {
        let deadline = total_timeout.map(|timeout| made + timeout);
        let (_slot, queued) = self.admit(deadline).await?;
        let mut tracker = InFlight::start(&self.counters, made);
        let outcome =
            match (deadline, queued) {
                // The crate counts total_timeout from its own start: after a wait, hold it to ours.
                (Some(deadline), true) => timeout_at(deadline.into(), operation)
                    .await
                    .unwrap_or_else(|_| {
                        Err(Failure::Aerospike(aerospike::Error::Timeout(format!(
                            "total_timeout of {} ms reached, counting the time queued for an \
                         operation slot",
                            total_timeout.unwrap_or_default().as_millis()
                        ))))
                    }),
                _ => operation.await,
            };
        tracker.finish(outcome.is_ok());
        outcome
    }

    /// A slot (none when there is no cap), and whether the caller had to queue for it. The
    /// wait ends at the queue timeout or the call's deadline, whichever comes first.
    async fn admit(
        &self,
        deadline: Option<Instant>,
    ) -> Result<(Option<OwnedSemaphorePermit>, bool), Failure> {
        let Some(slots) = &self.slots else {
            return Ok((None, false));
        };
        if let Ok(permit) = slots.clone().try_acquire_owned() {
            return Ok((Some(permit), false));
        }
        let _queued = Queued::enter(&self.counters);
        let started = Instant::now();
        let give_up = match (self.queue_timeout.map(|limit| started + limit), deadline) {
            (Some(queue), Some(deadline)) => Some(queue.min(deadline)),
            (queue, deadline) => queue.or(deadline),
        };
        let acquire = slots.clone().acquire_owned();
        let acquired = match give_up {
            Some(give_up) => timeout_at(give_up.into(), acquire).await.ok(),
            None => Some(acquire.await),
        };
        match acquired {
            Some(Ok(permit)) => Ok((Some(permit), true)),
            _ => {
                self.counters.rejected.fetch_add(1, Relaxed);
                Err(Failure::Backpressure {
                    limit: self.limit,
                    waited_ms: started.elapsed().as_secs_f64() * 1000.0,
                })
            }
        }
    }
}

struct Queued<'a>(&'a Counters);

impl<'a> Queued<'a> {
    fn enter(counters: &'a Counters) -> Self {
        counters.queued.fetch_add(1, Relaxed);
        Queued(counters)
    }
}

impl Drop for Queued<'_> {
    fn drop(&mut self) {
        self.0.queued.fetch_sub(1, Relaxed);
    }
}

struct InFlight<'a> {
    counters: &'a Counters,
    started: Instant,
    finished: bool,
}

impl<'a> InFlight<'a> {
    /// `made`: when the call was made, so that its latency includes any time queued.
    fn start(counters: &'a Counters, made: Instant) -> Self {
        counters.in_flight.fetch_add(1, Relaxed);
        InFlight {
            counters,
            started: made,
            finished: false,
        }
    }

    fn finish(&mut self, succeeded: bool) {
        self.finished = true;
        let elapsed = self.started.elapsed();
        let seconds = elapsed.as_secs_f64();
        let bucket = LATENCY_BOUNDS
            .iter()
            .position(|bound| seconds <= *bound)
            .unwrap_or(LATENCY_BOUNDS.len());
        self.counters.latency_buckets[bucket].fetch_add(1, Relaxed);
        let nanos = u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX);
        self.counters.latency_sum_nanos.fetch_add(nanos, Relaxed);
        let outcome = if succeeded {
            &self.counters.completed
        } else {
            &self.counters.failed
        };
        outcome.fetch_add(1, Relaxed);
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        if !self.finished {
            self.counters.failed.fetch_add(1, Relaxed);
        }
        self.counters.in_flight.fetch_sub(1, Relaxed);
    }
}
