//! `aerospike_py._native.DevServer`: starts and stops an embedded dev-server cluster on its own
//! Tokio runtime, created at `start()` (never at import, so forking before it is safe).

use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

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
