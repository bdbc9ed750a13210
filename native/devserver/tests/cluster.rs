//! A multi-node cluster driven by the Rust `aerospike` crate: discovery through peers, routing by
//! partition, and a node stopped and restarted while the client keeps working.

mod common;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use aerospike::{as_bin, AdminPolicy, Bins, Client, ClientPolicy, Key, ReadPolicy, WritePolicy};
use aerospike_devserver::{Cluster, ClusterConfig};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use tokio::net::TcpStream;

const PARTITIONS: usize = 4096;

async fn three_nodes() -> Cluster {
    let config = ClusterConfig {
        nodes: 3,
        ..ClusterConfig::default()
    };
    Cluster::start(config).await.expect("cluster starts")
}

/// A client seeded with the first node only: the others must come from `peers-clear-std`.
async fn connect_to_first(cluster: &Cluster) -> Client {
    let seed = cluster.addresses()[0].to_string();
    let policy = ClientPolicy {
        tend_interval: 100,
        ..ClientPolicy::default()
    };
    Client::new(&policy, &seed).await.expect("client connects")
}

/// Waits (at most 10 s) until the client knows exactly `n` nodes.
async fn wait_for_nodes(client: &Client, n: usize) {
    for _ in 0..200 {
        if client.nodes().len() == n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "the client still sees {} nodes instead of {n}",
        client.nodes().len()
    );
}

fn key(set: &str, i: usize) -> Key {
    Key::new(common::NAMESPACE, set, aerospike::Value::from(i as i64)).unwrap()
}

/// A write policy that rides out a node leaving: a network error is retried after the next tend.
fn patient_write() -> WritePolicy {
    let mut policy = WritePolicy::default();
    policy.base_policy.max_retries = 10;
    policy.base_policy.sleep_between_retries = 50;
    policy
}

async fn assert_readable(client: &Client, set: &str, range: std::ops::Range<usize>) {
    for i in range {
        let record = client
            .get(&ReadPolicy::default(), &key(set, i), Bins::All)
            .await
            .unwrap_or_else(|e| panic!("record {i} of {set} is not readable: {e}"));
        assert_eq!(
            record.bins.get("n"),
            Some(&aerospike::Value::from(i as i64))
        );
    }
}

async fn info(node: &aerospike::Node, commands: &[&str]) -> HashMap<String, String> {
    node.info(&AdminPolicy::default(), commands)
        .await
        .expect("info answered")
}

#[tokio::test]
async fn all_nodes_are_discovered_from_one_seed_and_traffic_is_routed_by_partition() {
    let cluster = three_nodes().await;
    let client = connect_to_first(&cluster).await;
    wait_for_nodes(&client, 3).await;

    for i in 0..300 {
        client
            .put(
                &WritePolicy::default(),
                &key("routed", i),
                &[as_bin!("n", i as i64)],
            )
            .await
            .unwrap();
    }
    assert_readable(&client, "routed", 0..300).await;

    // Partitions are dealt evenly, so 300 keys reach every node.
    let served = cluster.commands_served();
    assert!(
        served.iter().all(|&n| n >= 50),
        "every node serves its share: {served:?}"
    );
}

#[tokio::test]
async fn replicas_bitmaps_cover_every_partition_exactly_once() {
    let mut cluster = three_nodes().await;
    let client = connect_to_first(&cluster).await;
    wait_for_nodes(&client, 3).await;

    let owners = |maps: Vec<HashMap<String, String>>| {
        let mut owners = vec![0usize; PARTITIONS];
        for map in maps {
            let replicas = &map["replicas"];
            let (ns, rest) = replicas.split_once(':').unwrap();
            assert_eq!(ns, common::NAMESPACE);
            let bitmap = BASE64.decode(rest.rsplit(',').next().unwrap()).unwrap();
            for (pid, owner) in owners.iter_mut().enumerate() {
                *owner += usize::from(bitmap[pid >> 3] & (0x80 >> (pid & 7)) != 0);
            }
        }
        owners
    };
    let mut maps = Vec::new();
    for node in client.nodes() {
        maps.push(
            info(
                &node,
                &["replicas", "partition-generation", "peers-generation"],
            )
            .await,
        );
    }
    assert!(owners(maps.clone()).iter().all(|&n| n == 1));
    let generation = maps[0]["partition-generation"].clone();
    assert!(maps.iter().all(|m| m["partition-generation"] == generation));

    cluster.stop_node(2).await.unwrap();
    wait_for_nodes(&client, 2).await;
    let mut after = Vec::new();
    for node in client.nodes() {
        after.push(
            info(
                &node,
                &["replicas", "partition-generation", "peers-generation"],
            )
            .await,
        );
    }
    assert!(
        owners(after.clone()).iter().all(|&n| n == 1),
        "the survivors own every partition"
    );
    assert!(after
        .iter()
        .all(|m| m["partition-generation"] != generation));
    assert!(after
        .iter()
        .all(|m| m["peers-generation"] != maps[0]["peers-generation"]));
}

#[tokio::test]
async fn peers_list_the_other_live_nodes() {
    let mut cluster = three_nodes().await;
    let client = connect_to_first(&cluster).await;
    wait_for_nodes(&client, 3).await;
    let first = client
        .nodes()
        .into_iter()
        .find(|n| n.name() == cluster.node_id(0).unwrap())
        .unwrap();
    let peers = |cluster: &Cluster, indexes: &[usize]| {
        let list: Vec<String> = indexes
            .iter()
            .map(|&i| {
                format!(
                    "[{},,[{}]]",
                    cluster.node_id(i).unwrap(),
                    cluster.addresses()[i]
                )
            })
            .collect();
        list.join(",")
    };
    let answer = info(&first, &["peers-clear-std", "peers-generation"]).await;
    let port = cluster.addresses()[0].port();
    assert_eq!(
        answer["peers-clear-std"],
        format!(
            "{},{port},[{}]",
            answer["peers-generation"],
            peers(&cluster, &[1, 2])
        )
    );

    cluster.stop_node(1).await.unwrap();
    let answer = info(&first, &["peers-clear-std", "peers-generation"]).await;
    assert_eq!(
        answer["peers-clear-std"],
        format!(
            "{},{port},[{}]",
            answer["peers-generation"],
            peers(&cluster, &[2])
        )
    );
}

#[tokio::test]
async fn a_node_stopped_mid_run_loses_no_record_and_rejoins_when_started() {
    let mut cluster = three_nodes().await;
    let client = Arc::new(connect_to_first(&cluster).await);
    wait_for_nodes(&client, 3).await;
    for i in 0..200 {
        client
            .put(
                &WritePolicy::default(),
                &key("before", i),
                &[as_bin!("n", i as i64)],
            )
            .await
            .unwrap();
    }

    // A writer keeps going while the node stops.
    let stop_writing = Arc::new(AtomicBool::new(false));
    let writer = tokio::spawn({
        let (client, stop_writing) = (Arc::clone(&client), Arc::clone(&stop_writing));
        async move {
            let mut written = 0;
            while written < 5000 && !stop_writing.load(Ordering::Relaxed) {
                client
                    .put(
                        &patient_write(),
                        &key("during", written),
                        &[as_bin!("n", written as i64)],
                    )
                    .await
                    .unwrap_or_else(|e| panic!("write {written} failed: {e}"));
                written += 1;
            }
            written
        }
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    cluster.stop_node(1).await.unwrap();
    let stopped = cluster.addresses()[1];
    assert!(
        TcpStream::connect(stopped).await.is_err(),
        "a stopped node no longer listens"
    );
    wait_for_nodes(&client, 2).await;
    let served_while_stopped = cluster.commands_served()[1];
    assert_readable(&client, "before", 0..200).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    stop_writing.store(true, Ordering::Relaxed);
    let written = writer.await.unwrap();
    assert!(written > 0);
    assert_readable(&client, "during", 0..written).await;
    assert_eq!(cluster.commands_served()[1], served_while_stopped);

    cluster.start_node(1).await.unwrap();
    assert_eq!(
        cluster.addresses()[1],
        stopped,
        "it comes back on its address"
    );
    wait_for_nodes(&client, 3).await;
    // The client learns the rejoined node's partitions on the tend after it adds the node.
    let mut written = 0;
    while cluster.commands_served()[1] == served_while_stopped {
        assert!(
            written < 10_000,
            "the restarted node never serves its partitions again"
        );
        client
            .put(
                &WritePolicy::default(),
                &key("after", written),
                &[as_bin!("n", written as i64)],
            )
            .await
            .unwrap();
        written += 1;
    }
    assert_readable(&client, "before", 0..200).await;
    assert_readable(&client, "after", 0..written).await;
}
