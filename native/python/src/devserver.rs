//! `aerospike_py._native.DevServer`: starts and stops an embedded dev-server cluster on its own
//! Tokio runtime, created at `start()` (never at import, so forking before it is safe).

use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use aerospike_devserver::faults::{CommandClass, Commands, Fault, FaultAction};
use aerospike_devserver::{Cluster, ClusterConfig, NamespaceConfig};
use pyo3::exceptions::{PyOSError, PyRuntimeError, PyValueError};
use pyo3::prelude::*;

/// Longest namespace name the server protocol carries.
const MAX_NAMESPACE_LEN: usize = 31;

struct Running {
    cluster: Cluster,
    runtime: tokio::runtime::Runtime,
}

#[pyclass(module = "aerospike_py._native", frozen)]
pub struct DevServer {
    config: ClusterConfig,
    running: Mutex<Option<Running>>,
}

impl DevServer {
    fn running(&self) -> MutexGuard<'_, Option<Running>> {
        self.running.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `action` on the running cluster, or fails when the server is not started.
    fn with_cluster<T>(
        &self,
        py: Python<'_>,
        action: impl FnOnce(&mut Running) -> PyResult<T> + Send,
    ) -> PyResult<T>
    where
        T: Send,
    {
        py.detach(|| match self.running().as_mut() {
            Some(running) => action(running),
            None => Err(PyRuntimeError::new_err("the dev server is not running")),
        })
    }

    /// Adds a fault rule for `node` (every node when `None`).
    fn add_fault(
        &self,
        py: Python<'_>,
        action: FaultAction,
        commands: Vec<String>,
        node: Option<usize>,
    ) -> PyResult<()> {
        let classes = commands
            .iter()
            .map(|name| CommandClass::from_name(name).map_err(PyValueError::new_err))
            .collect::<PyResult<Vec<_>>>()?;
        self.with_cluster(py, |r| {
            let node = node_id(&r.cluster, node)?;
            r.cluster.faults().add(Fault {
                action,
                commands: Commands::of(&classes),
                node,
            });
            Ok(())
        })
    }
}

/// The id of node `index`, or `None` for every node.
fn node_id(cluster: &Cluster, index: Option<usize>) -> PyResult<Option<String>> {
    index
        .map(|i| {
            cluster.node_id(i).map(str::to_owned).ok_or_else(|| {
                PyValueError::new_err(format!(
                    "node {i} does not exist: the cluster has nodes 0 to {}",
                    cluster.addresses().len() - 1
                ))
            })
        })
        .transpose()
}

fn check_node(cluster: &Cluster, index: usize) -> PyResult<()> {
    node_id(cluster, Some(index)).map(drop)
}

#[pymethods]
impl DevServer {
    #[new]
    #[pyo3(signature = (host = "127.0.0.1".to_owned(), port = 0, nodes = 1, namespaces = vec!["test".to_owned()]))]
    fn new(host: String, port: u16, nodes: usize, namespaces: Vec<String>) -> PyResult<Self> {
        if nodes == 0 {
            return Err(PyValueError::new_err(format!(
                "nodes must be at least 1, got {nodes}"
            )));
        }
        if namespaces.is_empty() {
            return Err(PyValueError::new_err("at least one namespace is required"));
        }
        if let Some(bad) = namespaces.iter().find(|n| {
            n.is_empty() || n.len() > MAX_NAMESPACE_LEN || n.contains([':', ';', '\n', '\t'])
        }) {
            return Err(PyValueError::new_err(format!(
                "namespace name {bad:?} must be 1 to {MAX_NAMESPACE_LEN} bytes without ':', ';' or whitespace"
            )));
        }
        Ok(DevServer {
            config: ClusterConfig {
                host,
                port,
                nodes,
                namespaces: namespaces.into_iter().map(NamespaceConfig::new).collect(),
                ..ClusterConfig::default()
            },
            running: Mutex::new(None),
        })
    }

    /// Binds the listeners and starts serving; idempotent.
    fn start(&self, py: Python<'_>) -> PyResult<()> {
        py.detach(|| {
            let mut running = self.running();
            if running.is_some() {
                return Ok(());
            }
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .thread_name("aerospike-devserver")
                .enable_all()
                .build()
                .map_err(|e| {
                    PyRuntimeError::new_err(format!("cannot start the dev-server runtime: {e}"))
                })?;
            let cluster = runtime
                .block_on(Cluster::start(self.config.clone()))
                .map_err(|e| {
                    PyOSError::new_err(format!(
                        "cannot listen on {}:{}: {e}",
                        self.config.host, self.config.port
                    ))
                })?;
            *running = Some(Running { cluster, runtime });
            Ok(())
        })
    }

    /// Stops every node and closes their connections; idempotent.
    fn stop(&self, py: Python<'_>) {
        py.detach(|| {
            if let Some(Running {
                mut cluster,
                runtime,
            }) = self.running().take()
            {
                cluster.stop();
                drop(cluster);
                runtime.shutdown_timeout(Duration::from_secs(2));
            }
        });
    }

    /// Stops node `index`: the survivors take over its partitions; its connections close.
    fn stop_node(&self, py: Python<'_>, index: usize) -> PyResult<()> {
        self.with_cluster(py, |r| {
            check_node(&r.cluster, index)?;
            r.runtime
                .block_on(r.cluster.stop_node(index))
                .map_err(|e| PyOSError::new_err(format!("cannot stop node {index}: {e}")))
        })
    }

    /// Starts node `index` again on its address; it rejoins the cluster.
    fn start_node(&self, py: Python<'_>, index: usize) -> PyResult<()> {
        self.with_cluster(py, |r| {
            check_node(&r.cluster, index)?;
            r.runtime
                .block_on(r.cluster.start_node(index))
                .map_err(|e| PyOSError::new_err(format!("cannot start node {index}: {e}")))
        })
    }

    /// Whether each node runs, by index; empty until started.
    #[getter]
    fn running_nodes(&self) -> Vec<bool> {
        self.running().as_ref().map_or_else(Vec::new, |r| {
            (0..r.cluster.addresses().len())
                .map(|i| r.cluster.is_running(i))
                .collect()
        })
    }

    /// Data commands each node has served, by index; empty until started.
    #[getter]
    fn commands_served(&self) -> Vec<u64> {
        self.running()
            .as_ref()
            .map_or_else(Vec::new, |r| r.cluster.commands_served())
    }

    /// Client connections each node has accepted, by index; empty until started.
    #[getter]
    fn connections_accepted(&self) -> Vec<u64> {
        self.running()
            .as_ref()
            .map_or_else(Vec::new, |r| r.cluster.connections_accepted())
    }

    #[pyo3(signature = (ms, commands, node = None))]
    fn inject_latency(
        &self,
        py: Python<'_>,
        ms: f64,
        commands: Vec<String>,
        node: Option<usize>,
    ) -> PyResult<()> {
        let delay = Duration::try_from_secs_f64(ms / 1000.0).map_err(|_| {
            PyValueError::new_err(format!("ms must be a finite number >= 0, got {ms}"))
        })?;
        self.add_fault(py, FaultAction::Delay(delay), commands, node)
    }

    #[pyo3(signature = (count, result_code, commands, node = None))]
    fn fail_next(
        &self,
        py: Python<'_>,
        count: u64,
        result_code: i64,
        commands: Vec<String>,
        node: Option<usize>,
    ) -> PyResult<()> {
        let result_code = u8::try_from(result_code)
            .ok()
            .filter(|rc| *rc != 0)
            .ok_or_else(|| {
                PyValueError::new_err(format!(
                    "result_code must be a server result code from 1 to 255, got {result_code}"
                ))
            })?;
        self.add_fault(py, FaultAction::Fail { count, result_code }, commands, node)
    }

    #[pyo3(signature = (count, commands, node = None))]
    fn close_next(
        &self,
        py: Python<'_>,
        count: u64,
        commands: Vec<String>,
        node: Option<usize>,
    ) -> PyResult<()> {
        self.add_fault(py, FaultAction::Close { count }, commands, node)
    }

    #[pyo3(signature = (commands, node = None))]
    fn stall(&self, py: Python<'_>, commands: Vec<String>, node: Option<usize>) -> PyResult<()> {
        self.add_fault(py, FaultAction::Stall, commands, node)
    }

    #[pyo3(signature = (node = None))]
    fn hold_index_builds(&self, py: Python<'_>, node: Option<usize>) -> PyResult<()> {
        self.add_fault(py, FaultAction::IndexBuilding, Vec::new(), node)
    }

    /// Closes the open connections of `node` (every node when `None`) before returning.
    #[pyo3(signature = (node = None))]
    fn drop_connections(&self, py: Python<'_>, node: Option<usize>) -> PyResult<()> {
        self.with_cluster(py, |r| {
            let node = node_id(&r.cluster, node)?;
            r.runtime
                .block_on(r.cluster.faults().drop_connections(node.as_deref()));
            Ok(())
        })
    }

    /// Removes the fault rules that apply to `node`, or every rule when `None`.
    #[pyo3(signature = (node = None))]
    fn clear_faults(&self, py: Python<'_>, node: Option<usize>) -> PyResult<()> {
        self.with_cluster(py, |r| {
            let node = node_id(&r.cluster, node)?;
            r.cluster.faults().clear(node.as_deref());
            Ok(())
        })
    }

    /// `(host, port)` of every node; empty until started.
    #[getter]
    fn hosts(&self) -> Vec<(String, u16)> {
        self.running().as_ref().map_or_else(Vec::new, |r| {
            r.cluster
                .addresses()
                .into_iter()
                .map(|a| (a.ip().to_string(), a.port()))
                .collect()
        })
    }

    /// Moves the server clock forward, so records expire without waiting.
    fn advance_clock(&self, seconds: f64) -> PyResult<()> {
        let by = Duration::try_from_secs_f64(seconds).map_err(|_| {
            PyValueError::new_err(format!(
                "seconds must be a finite number >= 0, got {seconds}"
            ))
        })?;
        match self.running().as_ref() {
            Some(r) => {
                r.cluster.store().clock.advance(by);
                Ok(())
            }
            None => Err(PyRuntimeError::new_err("the dev server is not running")),
        }
    }
}
