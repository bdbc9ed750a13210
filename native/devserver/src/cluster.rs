//! A cluster of dev-server nodes in one process: one shared store, one listener per node, and the
//! partition map clients learn through `replicas`.
//!
//! Nodes can be stopped and started while the cluster runs. The live nodes deal the 4096
//! partitions among themselves; every membership change moves partitions, so it bumps the
//! partition generation and the peers generation, and clients re-read the map and the peer list
//! on their next tend. The store is shared, so a partition's records survive any move (a real
//! cluster migrates them; here there is nothing to copy).

use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::faults::Faults;
use crate::server;
use crate::store::{NamespaceConfig, Store, N_PARTITIONS};

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

/// What a node has served, for tests that check routing and connection reuse.
#[derive(Debug, Default)]
pub struct NodeCounters {
    /// Data commands (AS_MSG requests) answered or failed by injection.
    pub commands: AtomicU64,
    /// Client connections accepted.
    pub connections: AtomicU64,
}

/// State every node of a cluster shares.
pub struct ClusterState {
    pub name: String,
    pub store: Store,
    pub faults: Faults,
    /// `proto-fd-idle-ms`: how long a client connection may sit between requests before its
    /// node closes it; 0 (as here by default): never. Changed with `set-config`; the nodes'
    /// reapers sleep until it is set.
    pub proto_fd_idle_ms: watch::Sender<u64>,
    /// The live nodes, ordered by id so that the partition deal is stable across restarts.
    nodes: RwLock<Vec<NodeIdentity>>,
    partition_generation: AtomicU32,
    peers_generation: AtomicU32,
}

impl ClusterState {
    pub fn new(name: String, store: Store) -> ClusterState {
        ClusterState {
            name,
            store,
            faults: Faults::default(),
            proto_fd_idle_ms: watch::Sender::new(0),
            nodes: RwLock::new(Vec::new()),
            partition_generation: AtomicU32::new(0),
            peers_generation: AtomicU32::new(0),
        }
    }

    /// The live nodes.
    pub fn nodes(&self) -> Vec<NodeIdentity> {
        self.nodes
            .read()
            .map_or_else(|e| e.into_inner().clone(), |n| n.clone())
    }

    fn edit_nodes(&self, edit: impl FnOnce(&mut Vec<NodeIdentity>) -> bool) {
        let changed = match self.nodes.write() {
            Ok(mut nodes) => edit(&mut nodes),
            Err(poisoned) => edit(&mut poisoned.into_inner()),
        };
        if changed {
            self.partition_generation.fetch_add(1, Ordering::Relaxed);
            self.peers_generation.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Adds a live node; the partition map and the peer list change with it.
    pub fn join(&self, node: NodeIdentity) {
        self.edit_nodes(
            |nodes| match nodes.binary_search_by(|n| n.id.cmp(&node.id)) {
                Ok(_) => false,
                Err(at) => {
                    nodes.insert(at, node);
                    true
                }
            },
        );
    }

    /// Removes a node; the survivors take over its partitions.
    pub fn leave(&self, node_id: &str) {
        self.edit_nodes(|nodes| {
            let before = nodes.len();
            nodes.retain(|n| n.id != node_id);
            nodes.len() != before
        });
    }

    /// The id of the node that owns partition `pid`: partitions are dealt round-robin over the
    /// live nodes.
    pub fn owner_of(&self, pid: usize) -> Option<String> {
        let nodes = self.nodes();
        (!nodes.is_empty()).then(|| nodes[pid % nodes.len()].id.clone())
    }

    /// The partitions `node_id` owns; none when it is not live.
    pub fn partitions_of(&self, node_id: &str) -> impl Iterator<Item = usize> {
        let nodes = self.nodes();
        let position = nodes.iter().position(|n| n.id == node_id);
        let count = nodes.len().max(1);
        (0..N_PARTITIONS).filter(move |pid| Some(pid % count) == position)
    }

    pub fn partition_generation(&self) -> u32 {
        self.partition_generation.load(Ordering::Relaxed)
    }

    pub fn peers_generation(&self) -> u32 {
        self.peers_generation.load(Ordering::Relaxed)
    }
}

/// One configured node, running or stopped.
struct NodeSlot {
    /// Where it listens (its advertised address may differ: see [`advertised`]).
    bound: SocketAddr,
    identity: Arc<NodeIdentity>,
    counters: Arc<NodeCounters>,
    /// The accept loop, while the node runs.
    task: Option<JoinHandle<()>>,
}

/// A running cluster. Dropping it stops every node.
pub struct Cluster {
    state: Arc<ClusterState>,
    slots: Vec<NodeSlot>,
}

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message)
}

impl Cluster {
    /// Binds every node's listener and starts serving on the current Tokio runtime.
    pub async fn start(config: ClusterConfig) -> io::Result<Cluster> {
        if config.nodes == 0 {
            return Err(invalid("a cluster needs at least one node".to_owned()));
        }
        let store = Store::new(config.namespaces);
        let state = Arc::new(ClusterState::new(config.cluster_name, store));
        let mut listeners = Vec::with_capacity(config.nodes);
        for index in 0..config.nodes {
            let port = match config.port {
                0 => 0,
                base => u16::try_from(usize::from(base) + index)
                    .map_err(|_| invalid(format!("node ports run past 65535 from {base}")))?,
            };
            let listener = TcpListener::bind((config.host.as_str(), port)).await?;
            let bound = listener.local_addr()?;
            let address = advertised(bound);
            let identity = NodeIdentity {
                // Ids sort in node order, which keeps the partition deal in that order too.
                id: format!("BB9{:08X}{:04X}", index + 1, address.port()),
                address,
            };
            listeners.push((listener, bound, identity));
        }
        let mut cluster = Cluster {
            state,
            slots: Vec::with_capacity(listeners.len()),
        };
        for (listener, bound, identity) in listeners {
            cluster.slots.push(NodeSlot {
                bound,
                identity: Arc::new(identity),
                counters: Arc::default(),
                task: None,
            });
            cluster.run(cluster.slots.len() - 1, listener);
        }
        // Clients start from an initial map, not from one that moved while nodes were joining.
        cluster
            .state
            .partition_generation
            .store(0, Ordering::Relaxed);
        cluster.state.peers_generation.store(0, Ordering::Relaxed);
        Ok(cluster)
    }

    fn run(&mut self, index: usize, listener: TcpListener) {
        let slot = &mut self.slots[index];
        let drops = self.state.faults.register_node(&slot.identity.id);
        self.state.join((*slot.identity).clone());
        slot.task = Some(tokio::spawn(server::serve(
            listener,
            drops,
            Arc::clone(&slot.identity),
            Arc::clone(&slot.counters),
            Arc::clone(&self.state),
        )));
    }

    fn slot(&mut self, index: usize) -> io::Result<&mut NodeSlot> {
        let count = self.slots.len();
        self.slots
            .get_mut(index)
            .ok_or_else(|| invalid(format!("node index {index} is out of range 0..{count}")))
    }

    /// Stops node `index`: it leaves the partition map, its listener and every connection close.
    /// Does nothing when it is stopped already.
    pub async fn stop_node(&mut self, index: usize) -> io::Result<()> {
        let state = Arc::clone(&self.state);
        let slot = self.slot(index)?;
        if let Some(task) = slot.task.take() {
            state.leave(&slot.identity.id);
            task.abort();
            // Once the task is gone its listener is closed and the port can be bound again.
            let _ = task.await;
        }
        Ok(())
    }

    /// Starts node `index` again on its address, with its node id: it rejoins the partition
    /// map. Does nothing when it runs already.
    pub async fn start_node(&mut self, index: usize) -> io::Result<()> {
        let slot = self.slot(index)?;
        if slot.task.is_some() {
            return Ok(());
        }
        let listener = TcpListener::bind(slot.bound).await?;
        self.run(index, listener);
        Ok(())
    }

    /// Whether node `index` is running.
    pub fn is_running(&self, index: usize) -> bool {
        self.slots.get(index).is_some_and(|s| s.task.is_some())
    }

    /// The address of every configured node by index, running or not, as clients reach it.
    pub fn addresses(&self) -> Vec<SocketAddr> {
        self.slots.iter().map(|s| s.identity.address).collect()
    }

    /// The data commands each node has served, by index.
    pub fn commands_served(&self) -> Vec<u64> {
        self.slots
            .iter()
            .map(|s| s.counters.commands.load(Ordering::Relaxed))
            .collect()
    }

    /// The client connections each node has accepted, by index.
    pub fn connections_accepted(&self) -> Vec<u64> {
        self.slots
            .iter()
            .map(|s| s.counters.connections.load(Ordering::Relaxed))
            .collect()
    }

    pub fn state(&self) -> &Arc<ClusterState> {
        &self.state
    }

    pub fn store(&self) -> &Store {
        &self.state.store
    }

    pub fn faults(&self) -> &Faults {
        &self.state.faults
    }

    /// The id of node `index`.
    pub fn node_id(&self, index: usize) -> Option<&str> {
        self.slots.get(index).map(|s| s.identity.id.as_str())
    }

    /// Stops every node: listeners close and open connections are dropped.
    pub fn stop(&mut self) {
        for slot in &mut self.slots {
            if let Some(task) = slot.task.take() {
                self.state.leave(&slot.identity.id);
                task.abort();
            }
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
