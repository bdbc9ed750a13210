//! Open-loop HTTP load at a fixed offered rate over a fixed set of keep-alive connections.
//!
//! Each request's latency counts from its intended send time (coordinated omission), into
//! one HdrHistogram per status (plus connection errors, timeouts and requests left unsent).
//! Runs on one thread, so its own CPU stays small and is reported. Prints one JSON object.
//!
//! ```text
//! loadgen --target 127.0.0.1:8000 --rate 500 --duration 10 \
//!     --request '9 GET /profiles/p{key}' --request '1 PUT /profiles/p{key} {"name": "a"}'
//! ```

mod connection;
mod mix;
mod report;
mod schedule;

use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use tokio::time::Instant;

use connection::{connect, drive, Plan};
use mix::{Mix, Template};
use report::{cpu_seconds, Outcomes, Report, Summary, UNSENT};
use schedule::Schedule;

/// Most requests one run may plan, whatever the rate and duration.
const MAX_REQUESTS: u64 = 10_000_000;
const MAX_CONNECTIONS: usize = 4096;
const MAX_DURATION_SECONDS: f64 = 3600.0;

#[derive(Parser, Debug)]
#[command(
    version,
    about = "Open-loop HTTP load generator with per-status latency histograms"
)]
struct Args {
    /// host:port of the HTTP server (plain HTTP/1.1).
    #[arg(long)]
    target: String,
    /// Offered rate, requests per second.
    #[arg(long)]
    rate: f64,
    /// Seconds of offered load.
    #[arg(long)]
    duration: f64,
    /// At most this many requests (the run is rate x duration otherwise).
    #[arg(long, default_value_t = MAX_REQUESTS)]
    max_requests: u64,
    /// Keep-alive connections, each carrying one request at a time.
    #[arg(long, default_value_t = 64)]
    connections: usize,
    /// A request as "WEIGHT METHOD PATH [BODY]"; repeat for a weighted mix. `{key}` in the
    /// path or body is replaced by a random number below --keys.
    #[arg(long = "request", required = true)]
    requests: Vec<String>,
    /// How many distinct keys `{key}` takes.
    #[arg(long, default_value_t = 1000)]
    keys: u64,
    /// Seconds one request may take before it counts as a timeout.
    #[arg(long, default_value_t = 10.0)]
    timeout: f64,
    /// Seconds after the schedule's end during which late requests are still sent.
    #[arg(long, default_value_t = 1.0)]
    drain: f64,
    /// Seed of the request picks and keys.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

fn validate(args: &Args) -> Result<u64, String> {
    if !(args.rate > 0.0 && args.rate <= 1e6) {
        return Err(format!("--rate {} is not in (0, 1000000]", args.rate));
    }
    if !(args.duration > 0.0 && args.duration <= MAX_DURATION_SECONDS) {
        return Err(format!("--duration {} is not in (0, 3600]", args.duration));
    }
    if !(1..=MAX_CONNECTIONS).contains(&args.connections) {
        return Err(format!(
            "--connections {} is not in 1..=4096",
            args.connections
        ));
    }
    if !(args.timeout > 0.0 && args.timeout <= 600.0) {
        return Err(format!("--timeout {} is not in (0, 600]", args.timeout));
    }
    if !(0.0..=600.0).contains(&args.drain) {
        return Err(format!("--drain {} is not in [0, 600]", args.drain));
    }
    if args.max_requests == 0 || args.max_requests > MAX_REQUESTS {
        return Err(format!(
            "--max-requests {} is not in 1..=10000000",
            args.max_requests
        ));
    }
    Ok(((args.rate * args.duration).ceil() as u64).clamp(1, args.max_requests))
}

async fn run(args: Args) -> Result<Report, String> {
    let total = validate(&args)?;
    let templates = args
        .requests
        .iter()
        .map(|text| Template::parse(text))
        .collect::<Result<Vec<_>, _>>()?;
    let mix = Mix::new(templates, args.keys, args.target.clone())?;
    let request_timeout = Duration::from_secs_f64(args.timeout);
    let mut senders = Vec::with_capacity(args.connections);
    for _ in 0..args.connections {
        senders.push(connect(&args.target, request_timeout).await?);
    }
    let start = Instant::now() + Duration::from_millis(20);
    let span = Duration::from_secs_f64(total as f64 / args.rate);
    let send_deadline = start + span + Duration::from_secs_f64(args.drain);
    let plan = Arc::new(Plan {
        schedule: Schedule::new(start, args.rate, total, send_deadline),
        mix,
        address: args.target.clone(),
        request_timeout,
    });
    let tasks: Vec<_> = senders
        .into_iter()
        .enumerate()
        .map(|(i, sender)| {
            tokio::spawn(drive(
                plan.clone(),
                sender,
                args.seed.wrapping_add(i as u64),
            ))
        })
        .collect();
    let mut outcomes = Outcomes::new();
    let mut sent = 0;
    for task in tasks {
        let (theirs, their_sent) = task
            .await
            .map_err(|error| format!("a connection task failed: {error}"))?;
        outcomes.merge(theirs);
        sent += their_sent;
    }
    let wall = start.elapsed();
    for index in plan.schedule.unclaimed() {
        outcomes.record(UNSENT, send_deadline - plan.schedule.intended(index));
    }
    let answered: u64 = outcomes
        .by_status
        .iter()
        .filter(|(status, _)| status.parse::<u16>().is_ok())
        .map(|(_, histogram)| histogram.len())
        .sum();
    let ok: u64 = outcomes
        .by_status
        .iter()
        .filter(|(status, _)| status.starts_with('2'))
        .map(|(_, histogram)| histogram.len())
        .sum();
    // From the start to the last answer, and at least the schedule's span.
    let seconds = wall.max(span).as_secs_f64();
    Ok(Report {
        offered_rate: args.rate,
        planned: total,
        sent,
        achieved_rate: answered as f64 / seconds,
        ok_rate: ok as f64 / seconds,
        wall_seconds: seconds,
        connections: args.connections,
        statuses: outcomes
            .by_status
            .iter()
            .map(|(status, histogram)| (status.clone(), Summary::of(histogram)))
            .collect(),
        lateness: Summary::of(&outcomes.lateness),
        cpu_seconds: cpu_seconds(),
    })
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a current-thread runtime");
    match runtime.block_on(run(args)) {
        Ok(report) => {
            println!(
                "{}",
                serde_json::to_string(&report).expect("the report serializes")
            );
            std::process::ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("loadgen: {message}");
            std::process::ExitCode::from(2)
        }
    }
}
