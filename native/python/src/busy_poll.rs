//! Busy polling: a blocking caller that is alone in its runtime checks for its reply for a
//! short budget before it goes to sleep.
//!
//! Sleeping costs a wake-up when the reply comes, and on a virtual machine that wake-up (an
//! inter-processor interrupt, the scheduler, the thread's return) takes about as long as a
//! round trip to a server on the same host. While the caller polls, each reply is read as it
//! lands. Polling yields the CPU at every turn, so any other runnable thread goes first, and it
//! stops while most polls end empty-handed (a slow link): it then only probes now and then.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

pub const DEFAULT_BUDGET_US: u64 = 200;
pub const MAX_BUDGET_US: i64 = 10_000;

/// `on_time` is a moving share of the polls whose reply came within the budget, in 1/`SCALE`.
const SCALE: u32 = 1024;
/// Each poll moves the share by 1/`WEIGHT` of the way to its own outcome.
const WEIGHT: u32 = 8;
/// While polling does not pay, one command in `PROBE_EVERY` polls anyway, to notice when it
/// would again.
const PROBE_EVERY: u32 = 32;

pub struct BusyPoll {
    budget: Duration,
    on_time: AtomicU32,
    skipped: AtomicU32,
    /// Commands that polled for their reply, and those whose reply came while they did.
    pub polled: AtomicU64,
    pub answered: AtomicU64,
}

impl BusyPoll {
    /// The policy of a `busy_poll_us` budget; None for 0 (always sleep at once).
    pub fn new(budget_us: u64) -> Option<Arc<Self>> {
        (budget_us > 0).then(|| {
            Arc::new(BusyPoll {
                budget: Duration::from_micros(budget_us),
                on_time: AtomicU32::new(SCALE),
                skipped: AtomicU32::new(0),
                polled: AtomicU64::new(0),
                answered: AtomicU64::new(0),
            })
        })
    }

    /// `future`, busy-polled while `alone()` says no other caller waits on the runtime.
    pub fn poll<F: Future, A: Fn() -> bool>(&self, future: F, alone: A) -> Polling<'_, F, A> {
        Polling {
            future,
            policy: self,
            alone,
            polls: self.pays_off(),
            deadline: None,
        }
    }

    /// Whether the next command polls: while at least half the recent polls were on time, and
    /// as a probe once in `PROBE_EVERY` commands otherwise.
    fn pays_off(&self) -> bool {
        if self.on_time.load(Relaxed) >= SCALE / 2 {
            return true;
        }
        self.skipped.fetch_add(1, Relaxed) % PROBE_EVERY == PROBE_EVERY - 1
    }

    fn record(&self, on_time: bool) {
        self.polled.fetch_add(1, Relaxed);
        if on_time {
            self.answered.fetch_add(1, Relaxed);
        }
        let share = self.on_time.load(Relaxed);
        let target = if on_time { SCALE } else { 0 };
        let moved = if target > share {
            share + (target - share) / WEIGHT
        } else {
            share - (share - target) / WEIGHT
        };
        self.on_time.store(moved, Relaxed);
    }
}

pin_project_lite::pin_project! {
    pub struct Polling<'a, F, A> {
        #[pin]
        future: F,
        policy: &'a BusyPoll,
        alone: A,
        polls: bool,
        // When the command first waited, plus the budget.
        deadline: Option<Instant>,
    }
}

impl<F: Future, A: Fn() -> bool> Future for Polling<'_, F, A> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        if let Poll::Ready(output) = this.future.poll(cx) {
            if let (true, Some(deadline)) = (*this.polls, *this.deadline) {
                this.policy.record(Instant::now() <= deadline);
            }
            return Poll::Ready(output);
        }
        if *this.polls {
            let now = Instant::now();
            let deadline = *this.deadline.get_or_insert(now + this.policy.budget);
            if now < deadline && (this.alone)() {
                std::thread::yield_now();
                // The runtime checks its sockets without blocking, then polls this again.
                let _ = std::pin::pin!(tokio::task::yield_now()).poll(cx);
            }
        }
        Poll::Pending
    }
}
