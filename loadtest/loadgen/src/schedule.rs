//! The open-loop schedule: request `i` is due at `start + i / rate`, whatever the server does.
//!
//! Connections claim the next due request when they are free; a request claimed late still
//! counts its latency from its due (intended) time, so a stalled server cannot hide its stall
//! by slowing the generator down (coordinated omission).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::time::Instant;

pub struct Schedule {
    start: Instant,
    interval_nanos: f64,
    total: u64,
    next: AtomicU64,
    /// No request is sent after this instant; the ones left are reported as unsent.
    send_deadline: Instant,
}

impl Schedule {
    pub fn new(start: Instant, rate: f64, total: u64, send_deadline: Instant) -> Self {
        Self {
            start,
            interval_nanos: 1e9 / rate,
            total,
            next: AtomicU64::new(0),
            send_deadline,
        }
    }

    pub fn start(&self) -> Instant {
        self.start
    }

    pub fn send_deadline(&self) -> Instant {
        self.send_deadline
    }

    /// When request `index` is due.
    pub fn intended(&self, index: u64) -> Instant {
        self.start + Duration::from_nanos((index as f64 * self.interval_nanos) as u64)
    }

    /// The next request to send, or `None` when all are claimed.
    pub fn claim(&self) -> Option<u64> {
        let index = self.next.fetch_add(1, Ordering::Relaxed);
        (index < self.total).then_some(index)
    }

    /// The requests nobody claimed (after the send deadline), as a range of indexes.
    pub fn unclaimed(&self) -> std::ops::Range<u64> {
        self.next.load(Ordering::Relaxed).min(self.total)..self.total
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_times_are_evenly_spaced_and_claims_end_at_the_total() {
        let start = Instant::now();
        let schedule = Schedule::new(start, 4.0, 3, start + Duration::from_secs(1));
        assert_eq!(schedule.intended(2) - start, Duration::from_millis(500));
        assert_eq!(schedule.claim(), Some(0));
        assert_eq!(schedule.unclaimed(), 1..3);
        assert_eq!(
            (schedule.claim(), schedule.claim(), schedule.claim()),
            (Some(1), Some(2), None)
        );
        assert!(schedule.unclaimed().is_empty());
    }
}
