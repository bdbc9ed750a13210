//! Throughput of the dev server driven by the Rust `aerospike` crate: `concurrency` tasks doing
//! single-record puts, then gets, then batch reads of 100 keys, for a fixed time each. Prints
//! ops/s (records/s for batches) with p50/p99 latency; asserts nothing.
//!
//! `cargo run --release -p aerospike-devserver --example bench -- [seconds] [concurrency] [nodes]`
//! (or `make bench-devserver`). With `AEROSPIKE_HOSTS=host:port` it drives that server instead
//! of an in-process one (a dev server in its own process, or a real server).

use std::sync::Arc;
use std::time::{Duration, Instant};

use aerospike::{
    as_bin, BatchOperation, BatchPolicy, BatchReadPolicy, Bins, Client, ClientPolicy, Key,
    ReadPolicy, WritePolicy,
};
use aerospike_devserver::{Cluster, ClusterConfig};

const KEYS: i64 = 10_000;
const BATCH: i64 = 100;

#[derive(Clone, Copy)]
enum Phase {
    Put,
    Get,
    BatchRead,
}

impl Phase {
    fn name(self) -> &'static str {
        match self {
            Phase::Put => "put",
            Phase::Get => "get",
            Phase::BatchRead => "batch-of-100 read",
        }
    }
}

fn key(i: i64) -> Key {
    Key::new("test", "bench", (i % KEYS).into()).expect("key")
}

/// Runs one command of `phase`; returns the records it handled (0 on failure).
async fn command(client: &Client, phase: Phase, i: i64) -> u64 {
    match phase {
        Phase::Put => {
            let bins = [as_bin!("v", i), as_bin!("s", "payload")];
            let ok = client.put(&WritePolicy::default(), &key(i), &bins).await;
            u64::from(ok.is_ok())
        }
        Phase::Get => {
            let ok = client.get(&ReadPolicy::default(), &key(i), Bins::All).await;
            u64::from(ok.is_ok())
        }
        Phase::BatchRead => {
            let policy = BatchReadPolicy::default();
            let reads: Vec<BatchOperation> = (0..BATCH)
                .map(|n| BatchOperation::read(&policy, key(i * BATCH + n), Bins::All))
                .collect();
            match client.batch(&BatchPolicy::default(), &reads).await {
                Ok(records) => records.iter().filter(|r| r.record.is_some()).count() as u64,
                Err(_) => 0,
            }
        }
    }
}

struct Outcome {
    per_second: f64,
    failed: u64,
    /// Latency of every command, in microseconds, sorted.
    latencies: Vec<u32>,
}

async fn run(client: Arc<Client>, phase: Phase, concurrency: usize, length: Duration) -> Outcome {
    let start = Instant::now();
    let workers: Vec<_> = (0..concurrency)
        .map(|worker| {
            let client = Arc::clone(&client);
            tokio::spawn(async move {
                let (mut done, mut failed, mut latencies) = (0u64, 0u64, Vec::new());
                let mut i = worker as i64;
                while start.elapsed() < length {
                    let sent = Instant::now();
                    match command(&client, phase, i).await {
                        0 => failed += 1,
                        records => done += records,
                    }
                    latencies.push(sent.elapsed().as_micros().min(u32::MAX.into()) as u32);
                    i += concurrency as i64;
                }
                (done, failed, latencies)
            })
        })
        .collect();
    let (mut done, mut failed, mut latencies) = (0, 0, Vec::new());
    for worker in workers {
        let (d, f, l) = worker.await.expect("worker finished");
        done += d;
        failed += f;
        latencies.extend(l);
    }
    latencies.sort_unstable();
    Outcome {
        per_second: done as f64 / start.elapsed().as_secs_f64(),
        failed,
        latencies,
    }
}

fn percentile(sorted: &[u32], p: f64) -> u32 {
    sorted
        .get(((sorted.len() as f64 * p) as usize).min(sorted.len().saturating_sub(1)))
        .copied()
        .unwrap_or(0)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mut number = |default: u64| args.next().and_then(|a| a.parse().ok()).unwrap_or(default);
    let (seconds, concurrency, nodes) = (number(5), number(64) as usize, number(1) as usize);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let (cluster, hosts) = match std::env::var("AEROSPIKE_HOSTS") {
            Ok(hosts) => (None, hosts),
            Err(_) => {
                let config = ClusterConfig {
                    nodes,
                    ..ClusterConfig::default()
                };
                let cluster = Cluster::start(config).await.expect("dev server starts");
                let hosts: Vec<String> =
                    cluster.addresses().iter().map(ToString::to_string).collect();
                (Some(cluster), hosts.join(","))
            }
        };
        let client = Client::new(&ClientPolicy::default(), &hosts)
            .await
            .expect("client connects");
        let client = Arc::new(client);
        println!(
            "dev server at {hosts}: {} node(s) seen, concurrency {concurrency}, {seconds} s per phase",
            client.nodes().len()
        );
        let length = Duration::from_secs(seconds);
        for phase in [Phase::Put, Phase::Get, Phase::BatchRead] {
            let outcome = run(Arc::clone(&client), phase, concurrency, length).await;
            let unit = match phase {
                Phase::BatchRead => "records/s",
                Phase::Put | Phase::Get => "ops/s",
            };
            println!(
                "{:<18} {:>10.0} {unit:<9}  p50 {:>6} us  p99 {:>6} us  failed {}",
                phase.name(),
                outcome.per_second,
                percentile(&outcome.latencies, 0.50),
                percentile(&outcome.latencies, 0.99),
                outcome.failed,
            );
        }
        drop(cluster);
    });
}
