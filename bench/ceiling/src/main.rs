//! The aerospike crate alone: sequential and 64-in-flight get/put, and batch reads of 100 keys.
//! Prints one JSON object per workload: {"workload", "mode", "ops", "seconds", "ops_per_sec"}.

use std::sync::Arc;
use std::time::Instant;

use aerospike::{
    BatchOperation, BatchPolicy, BatchReadPolicy, Bin, Bins, Client, ClientPolicy, Concurrency,
    Key, ReadPolicy, WritePolicy,
};
use futures::stream::{self, StreamExt};

const KEYS: i64 = 1000;
const IN_FLIGHT: usize = 64;

fn key(i: i64) -> Key {
    Key::new("test", "bench", aerospike::Value::Int(i % KEYS)).expect("key")
}

fn report(workload: &str, mode: &str, ops: usize, started: Instant) {
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{{\"client\": \"rust-crate\", \"workload\": \"{workload}\", \"mode\": \"{mode}\", \"ops\": {ops}, \"seconds\": {seconds:.4}, \"ops_per_sec\": {:.1}}}",
        ops as f64 / seconds
    );
}

#[tokio::main(worker_threads = 2)]
async fn main() {
    let mut args = std::env::args().skip(1);
    let hosts = args.next().unwrap_or_else(|| "127.0.0.1:3000".into());
    let ops: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(20_000);
    let client = Arc::new(
        Client::new(&ClientPolicy::default(), &hosts)
            .await
            .expect("connect"),
    );
    let write = WritePolicy::default();
    let read = ReadPolicy::default();
    let bins = [
        Bin::new("i".into(), 1.into()),
        Bin::new("f".into(), 1.5.into()),
        Bin::new("s".into(), "x".repeat(50).into()),
    ];

    let started = Instant::now();
    for i in 0..ops as i64 {
        client.put(&write, &key(i), &bins).await.expect("put");
    }
    report("put", "sequential", ops, started);

    let started = Instant::now();
    for i in 0..ops as i64 {
        client.get(&read, &key(i), Bins::All).await.expect("get");
    }
    report("get", "sequential", ops, started);

    for workload in ["put", "get"] {
        let started = Instant::now();
        stream::iter(0..ops as i64)
            .map(|i| {
                let client = client.clone();
                let (write, read, bins) = (write.clone(), read.clone(), bins.clone());
                tokio::spawn(async move {
                    if workload == "put" {
                        client.put(&write, &key(i), &bins).await.map(|_| ())
                    } else {
                        client.get(&read, &key(i), Bins::All).await.map(|_| ())
                    }
                })
            })
            .buffer_unordered(IN_FLIGHT)
            .for_each(|r| async move { r.expect("join").expect("op") })
            .await;
        report(workload, "64 in flight", ops, started);
    }

    // As bench/workloads.py: ops / 20 batches, long enough to measure.
    let batches = ops / 20;
    // As aerospike_py runs a batch on a single-node cluster: in the caller's task, not spawned.
    let batch_policy = BatchPolicy {
        concurrency: Concurrency::Sequential,
        ..BatchPolicy::default()
    };
    let read_policy = BatchReadPolicy::default();
    let started = Instant::now();
    for b in 0..batches as i64 {
        let operations: Vec<BatchOperation> = (0..100)
            .map(|i| BatchOperation::read(&read_policy, key(b * 100 + i), Bins::All))
            .collect();
        if let Err(error) = client.batch(&batch_policy, &operations).await {
            let error = format!("{error}").replace('"', "'");
            println!("{{\"client\": \"rust-crate\", \"workload\": \"batch_read_100\", \"mode\": \"sequential\", \"error\": \"{error}\"}}");
            client.close().await.expect("close");
            return;
        }
    }
    report("batch_read_100", "sequential", batches, started);
    client.close().await.expect("close");
}
