//! A cluster of dev-server nodes in one process: one shared store, one listener per node, and the
//! partition map clients learn through `replicas`.

use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, RwLock};

use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::server;
use crate::store::{NamespaceConfig, Store};

/// What to start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClusterConfig {
    /// Interface to listen on (`127.0.0.1` unless told otherwise).
    pub host: String,
    /// Port of the first node (the others take the following ports); 0 = pick free ports.
    pub port: u16,
    pub nodes: usize,
    pub namespaces: Vec<NamespaceConfig>,
    /// Answered to `cluster-name`.
    pub cluster_name: String,
}

impl Default for ClusterConfig {
    fn default() -> Self {
        ClusterConfig {
            host: "127.0.0.1".to_owned(),
            port: 0,
            nodes: 1,
            namespaces: vec![NamespaceConfig::new("test")],
            cluster_name: "devserver".to_owned(),
        }
    }
}

/// How a node presents itself: its id (`node`) and the address clients should use.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeIdentity {
    pub id: String,
    pub address: SocketAddr,
}

/// State every node of a cluster shares.
pub struct ClusterState {
    pub name: String,
    pub store: Store,
    nodes: RwLock<Vec<NodeIdentity>>,
    partition_generation: AtomicU32,
    peers_generation: AtomicU32,
}

impl ClusterState {
    pub fn new(name: String, store: Store) -> ClusterState {
        ClusterState {
            name,
            store,
            nodes: RwLock::new(Vec::new()),
            partition_generation: AtomicU32::new(0),
            peers_generation: AtomicU32::new(0),
        }
    }

    /// The live nodes, in the order they joined.
    pub fn nodes(&self) -> Vec<NodeIdentity> {
        self.nodes
            .read()
            .map_or_else(|e| e.into_inner().clone(), |n| n.clone())
    }

    /// Adds a live node; the partition map and the peer list change with it.
    pub fn join(&self, node: NodeIdentity) {
        match self.nodes.write() {
            Ok(mut nodes) => nodes.push(node),
            Err(poisoned) => poisoned.into_inner().push(node),
        }
        self.partition_generation.fetch_add(1, Ordering::Relaxed);
        self.peers_generation.fetch_add(1, Ordering::Relaxed);
    }

    /// The id of the node that owns partition `pid`: partitions are dealt round-robin over the
    /// live nodes.
    pub fn owner_of(&self, pid: usize) -> Option<String> {
        let nodes = self.nodes();
        (!nodes.is_empty()).then(|| nodes[pid % nodes.len()].id.clone())
    }

    pub fn partition_generation(&self) -> u32 {
        self.partition_generation.load(Ordering::Relaxed)
    }

    pub fn peers_generation(&self) -> u32 {
        self.peers_generation.load(Ordering::Relaxed)
    }
}

/// A running cluster. Dropping it stops every node.
pub struct Cluster {
    state: Arc<ClusterState>,
    tasks: Vec<JoinHandle<()>>,
}

impl Cluster {
    /// Binds every node's listener and starts serving on the current Tokio runtime.
    pub async fn start(config: ClusterConfig) -> io::Result<Cluster> {
        if config.nodes == 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "a cluster needs at least one node",
            ));
        }
        let store = Store::new(config.namespaces);
        let state = Arc::new(ClusterState::new(config.cluster_name, store));
        let mut listeners = Vec::with_capacity(config.nodes);
        for index in 0..config.nodes {
            let port = match config.port {
                0 => 0,
                base => u16::try_from(usize::from(base) + index).map_err(|_| {
                    io::Error::new(io::ErrorKind::InvalidInput, "node ports run past 65535")
                })?,
            };
            let listener = TcpListener::bind((config.host.as_str(), port)).await?;
            let address = advertised(listener.local_addr()?);
            let identity = NodeIdentity {
                id: format!("BB9{:04X}{:08X}", address.port(), index + 1),
                address,
            };
            listeners.push((listener, identity));
        }
        let mut tasks = Vec::with_capacity(listeners.len());
        for (listener, identity) in listeners {
            state.join(identity.clone());
            tasks.push(tokio::spawn(server::serve(
                listener,
                Arc::new(identity),
                Arc::clone(&state),
            )));
        }
        // Clients start from an initial map, not from one that moved while nodes were joining.
        state.partition_generation.store(0, Ordering::Relaxed);
        state.peers_generation.store(0, Ordering::Relaxed);
        Ok(Cluster { state, tasks })
    }

    /// The address of every node, as clients should reach it.
    pub fn addresses(&self) -> Vec<SocketAddr> {
        self.state.nodes().into_iter().map(|n| n.address).collect()
    }

    pub fn state(&self) -> &Arc<ClusterState> {
        &self.state
    }

    pub fn store(&self) -> &Store {
        &self.state.store
    }

    /// Stops every node: listeners close and open connections are dropped.
    pub fn stop(&mut self) {
        for task in self.tasks.drain(..) {
            task.abort();
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A node listening on every interface advertises loopback: clients connect to what it
/// advertises, and an unspecified address is not connectable.
fn advertised(bound: SocketAddr) -> SocketAddr {
    if bound.ip().is_unspecified() {
        SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), bound.port())
    } else {
        bound
    }
}
