//! Outcomes into HdrHistograms (one per HTTP status or failure kind), and the JSON result.

use std::collections::BTreeMap;
use std::time::Duration;

use hdrhistogram::Histogram;
use serde::Serialize;

/// Largest latency recorded, in microseconds (longer ones are recorded as this).
const HIGHEST_MICROS: u64 = 3_600_000_000;
const PERCENTILES: [(&str, f64); 4] =
    [("p50", 50.0), ("p90", 90.0), ("p99", 99.0), ("p99_9", 99.9)];

/// A request that got no HTTP answer.
pub const CONNECTION_ERROR: &str = "connection_error";
pub const TIMEOUT: &str = "timeout";
/// A request still unsent at the send deadline: the generator or the connections fell behind.
pub const UNSENT: &str = "unsent";

fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, HIGHEST_MICROS, 3).expect("valid histogram bounds")
}

/// What one connection (or the whole run, once merged) observed.
pub struct Outcomes {
    pub by_status: BTreeMap<String, Histogram<u64>>,
    /// How late each request was sent after its intended time.
    pub lateness: Histogram<u64>,
}

impl Outcomes {
    pub fn new() -> Self {
        Self {
            by_status: BTreeMap::new(),
            lateness: histogram(),
        }
    }

    pub fn record(&mut self, status: &str, latency: Duration) {
        if !self.by_status.contains_key(status) {
            self.by_status.insert(status.to_owned(), histogram());
        }
        let histogram = self.by_status.get_mut(status).expect("inserted above");
        histogram.saturating_record(micros(latency));
    }

    pub fn record_lateness(&mut self, late: Duration) {
        self.lateness.saturating_record(micros(late));
    }

    pub fn merge(&mut self, other: Outcomes) {
        for (status, histogram) in other.by_status {
            match self.by_status.get_mut(&status) {
                Some(mine) => mine.add(&histogram).expect("same bounds"),
                None => {
                    self.by_status.insert(status, histogram);
                }
            }
        }
        self.lateness.add(&other.lateness).expect("same bounds");
    }
}

fn micros(duration: Duration) -> u64 {
    u64::try_from(duration.as_micros())
        .unwrap_or(u64::MAX)
        .max(1)
}

/// Latency summary of one status, in milliseconds.
#[derive(Serialize)]
pub struct Summary {
    pub count: u64,
    #[serde(flatten)]
    pub percentiles: BTreeMap<&'static str, f64>,
    pub max: f64,
    pub mean: f64,
}

impl Summary {
    pub fn of(histogram: &Histogram<u64>) -> Self {
        let percentiles = PERCENTILES
            .iter()
            .map(|(name, q)| (*name, millis(histogram.value_at_quantile(q / 100.0))))
            .collect();
        Self {
            count: histogram.len(),
            percentiles,
            max: millis(histogram.max()),
            mean: histogram.mean().round() / 1000.0,
        }
    }
}

fn millis(micros: u64) -> f64 {
    micros as f64 / 1000.0
}

/// The one JSON object the generator prints.
#[derive(Serialize)]
pub struct Report {
    pub offered_rate: f64,
    pub planned: u64,
    pub sent: u64,
    /// HTTP answers of any status per second, from the start to the last answer.
    pub achieved_rate: f64,
    /// 2xx answers per second over the same span.
    pub ok_rate: f64,
    pub wall_seconds: f64,
    pub connections: usize,
    /// Latency in milliseconds from each request's intended send time, per status.
    pub statuses: BTreeMap<String, Summary>,
    /// How late requests were sent after their intended time, in milliseconds.
    pub lateness: Summary,
    /// CPU the generator itself used (user + system), from getrusage.
    pub cpu_seconds: f64,
}

/// User plus system CPU seconds of this process so far.
pub fn cpu_seconds() -> f64 {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage fills the struct it is given; RUSAGE_SELF is always valid.
    let usage = unsafe {
        libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr());
        usage.assume_init()
    };
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merged_outcomes_keep_each_status_apart() {
        let mut first = Outcomes::new();
        first.record("200", Duration::from_millis(2));
        let mut second = Outcomes::new();
        second.record("200", Duration::from_millis(4));
        second.record("503", Duration::from_millis(1));
        first.merge(second);
        let ok = Summary::of(&first.by_status["200"]);
        assert_eq!((ok.count, first.by_status["503"].len()), (2, 1));
        assert!((3.99..4.01).contains(&ok.max), "max {}", ok.max);
    }
}
