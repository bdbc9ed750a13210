//! Throughput of the dev server driven by the Rust `aerospike` crate: 64 concurrent tasks doing
//! single-record puts, then gets, for a fixed time each. Prints ops/s; asserts nothing.
//!
//! `cargo run --release -p aerospike-devserver --example bench [seconds-per-phase] [concurrency]`
//!
//! With `AEROSPIKE_HOSTS=host:port` it drives that server instead of an in-process one (to
//! measure a dev server running in its own process, or a real server).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use aerospike::{as_bin, Bins, Client, ClientPolicy, Key, ReadPolicy, WritePolicy};
use aerospike_devserver::{Cluster, ClusterConfig};

const KEYS: i64 = 10_000;

#[derive(Clone, Copy)]
enum Phase {
    Put,
    Get,
}

async fn run(client: Arc<Client>, phase: Phase, concurrency: usize, length: Duration) -> f64 {
    let done = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let tasks: Vec<_> = (0..concurrency)
        .map(|worker| {
            let (client, done, errors) = (client.clone(), done.clone(), errors.clone());
            tokio::spawn(async move {
                let (read, write) = (ReadPolicy::default(), WritePolicy::default());
                let mut i = worker as i64;
                while start.elapsed() < length {
                    let key = Key::new("test", "bench", (i % KEYS).into()).unwrap();
                    let ok = match phase {
                        Phase::Put => client
                            .put(&write, &key, &[as_bin!("v", i), as_bin!("s", "payload")])
                            .await
                            .is_ok(),
                        Phase::Get => client.get(&read, &key, Bins::All).await.is_ok(),
                    };
                    let counter = if ok { &done } else { &errors };
                    counter.fetch_add(1, Ordering::Relaxed);
                    i += concurrency as i64;
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("worker finished");
    }
    let failed = errors.load(Ordering::Relaxed);
    if failed > 0 {
        eprintln!("{failed} commands failed");
    }
    done.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64()
}

fn main() {
    let mut args = std::env::args().skip(1);
    let seconds: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(5);
    let concurrency: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(64);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let (cluster, host) = match std::env::var("AEROSPIKE_HOSTS") {
            Ok(hosts) => (None, hosts),
            Err(_) => {
                let cluster = Cluster::start(ClusterConfig::default())
                    .await
                    .expect("server");
                let host = cluster.addresses()[0].to_string();
                (Some(cluster), host)
            }
        };
        let client = Arc::new(
            Client::new(&ClientPolicy::default(), &host)
                .await
                .expect("client"),
        );
        let length = Duration::from_secs(seconds);
        let puts = run(client.clone(), Phase::Put, concurrency, length).await;
        println!("put: {puts:.0} ops/s (concurrency {concurrency}, {seconds} s)");
        let gets = run(client.clone(), Phase::Get, concurrency, length).await;
        println!("get: {gets:.0} ops/s (concurrency {concurrency}, {seconds} s)");
        drop(cluster);
    });
}
