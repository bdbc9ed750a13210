//! Shared setup: a dev-server cluster on free loopback ports and a connected Rust client.

#![allow(dead_code)]

use std::sync::atomic::{AtomicUsize, Ordering};

use aerospike::{Client, ClientPolicy, Key};
use aerospike_devserver::{Cluster, ClusterConfig};

pub const NAMESPACE: &str = "test";

/// A started single-node dev server and a Rust client connected to it.
pub struct Harness {
    pub cluster: Cluster,
    pub client: Client,
}

pub async fn start() -> Harness {
    start_with(ClusterConfig::default()).await
}

pub async fn start_with(config: ClusterConfig) -> Harness {
    let cluster = Cluster::start(config).await.expect("dev server starts");
    let client = connect(&cluster).await;
    Harness { cluster, client }
}

pub async fn connect(cluster: &Cluster) -> Client {
    let hosts: Vec<String> = cluster
        .addresses()
        .iter()
        .map(ToString::to_string)
        .collect();
    Client::new(&ClientPolicy::default(), &hosts.join(","))
        .await
        .expect("the Rust client connects")
}

/// A key no other test uses.
pub fn unique_key(set: &str) -> Key {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed) as i64;
    Key::new(NAMESPACE, set, aerospike::Value::from(n)).expect("valid key")
}

/// The server result code of a failed command (panics on success or a client-side error, which
/// would mean the server was never asked).
pub fn server_rc<T: std::fmt::Debug>(result: aerospike::Result<T>) -> aerospike::ResultCode {
    match result {
        Err(aerospike::Error::ServerError(rc, _, _)) => rc,
        other => panic!("expected a server error, got {other:?}"),
    }
}
