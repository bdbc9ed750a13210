//! What `Client` and `AsyncClient` share: the parsed config, the connection, the backpressure
//! gate, and one method per command that converts the Python arguments (GIL held) into a
//! future that runs without the GIL.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use aerospike::{
    BatchOperation, BatchRecord, Bin, Bins, Concurrency, Key, Policy, ResultCode, Value,
};
use pyo3::exceptions::PyRuntimeWarning;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyInt};

use crate::busy_poll::BusyPoll;
use crate::config::{self, Config};
use crate::convert::{
    bin_name, bin_names, bins_from_py, key_from_py, keys_from_py, namespace_from_py, set_from_py,
    text_from_py, value_from_py,
};
use crate::errors::{client_error, invalid_arg, Brief, Failure};
use crate::fields::Entry;
use crate::gate::Gate;
use crate::index::{self, Wanted};
use crate::operations::operations_from_py;
use crate::policy;
use crate::reply::Reply;
use crate::runtime::{caller_driven, ensure_same_process, runtime_for, ProcessRuntime};

pub type Operation = Pin<Box<dyn Future<Output = Result<Reply, Failure>> + Send>>;

/// A command ready to run: the runtime to run it on, the future itself, and how a blocking
/// caller waits for it.
pub struct Job {
    pub runtime: Arc<ProcessRuntime>,
    pub future: Operation,
    pub busy_poll: Option<Arc<BusyPoll>>,
}

#[derive(Clone)]
pub struct Session {
    pub client: Arc<aerospike::Client>,
    pub runtime: Arc<ProcessRuntime>,
    /// Set by `close()`: a command still waiting for its slot then fails as closed instead of
    /// starting on a closed client.
    closed: Arc<AtomicBool>,
}

/// Which runtime a client's commands run on.
#[derive(Clone, Copy)]
pub enum Drive {
    /// The blocking `Client`: the calling thread drives the I/O while it waits.
    Caller,
    /// The `AsyncClient`: the worker runtime drives it while the event loop goes on.
    Workers,
}

/// Whether a command can change data: only then can its failure leave it in doubt.
#[derive(Clone, Copy)]
pub enum Effect {
    Reads,
    Writes,
}

impl Effect {
    fn of(writes: bool) -> Effect {
        if writes {
            Effect::Writes
        } else {
            Effect::Reads
        }
    }
}

pub struct Core {
    pid: u32,
    drive: Drive,
    config: Config,
    pub gate: Arc<Gate>,
    /// Set for a blocking `Client` whose `busy_poll_us` is not 0.
    pub busy_poll: Option<Arc<BusyPoll>>,
    session: RwLock<Option<Session>>,
    /// A connect is under way: a second one would make a second cluster client.
    connecting: AtomicBool,
}

/// Marks a connect as under way until its future ends or is dropped.
struct Connecting(Arc<Core>);

impl Drop for Connecting {
    fn drop(&mut self) {
        self.0.connecting.store(false, Ordering::SeqCst);
    }
}

impl Core {
    pub fn new(py: Python<'_>, config: &Bound<'_, PyAny>, drive: Drive) -> PyResult<Self> {
        let config = config::parse(py, config)?;
        let gate = Arc::new(Gate::new(
            config.max_concurrent_operations,
            config.operation_queue_timeout_ms,
        ));
        let busy_poll = match drive {
            Drive::Caller => BusyPoll::new(config.busy_poll_us),
            Drive::Workers => None,
        };
        Ok(Core {
            pid: std::process::id(),
            drive,
            config,
            gate,
            busy_poll,
            session: RwLock::new(None),
            connecting: AtomicBool::new(false),
        })
    }

    fn check_process(&self, py: Python<'_>) -> PyResult<()> {
        ensure_same_process(self.pid).map_err(|f| f.into_pyerr(py))
    }

    pub fn session(&self, py: Python<'_>) -> PyResult<Session> {
        self.check_process(py)?;
        let session = self.session.read().unwrap_or_else(PoisonError::into_inner);
        session
            .clone()
            .ok_or_else(|| client_error(py, "the client is not connected: call connect() first"))
    }

    pub fn is_connected(&self) -> bool {
        std::process::id() == self.pid
            && self
                .session
                .read()
                .unwrap_or_else(PoisonError::into_inner)
                .as_ref()
                .is_some_and(|s| s.client.is_connected())
    }

    /// The connect job; the runtime starts here (lazily) if it is not running yet.
    /// `credentials` (user, password) replace those of the config for this connection.
    pub fn connect(
        self: &Arc<Self>,
        py: Python<'_>,
        credentials: Option<(String, String)>,
    ) -> PyResult<Option<Job>> {
        self.check_process(py)?;
        if self.is_connected() {
            return Ok(None);
        }
        if self.connecting.swap(true, Ordering::SeqCst) {
            return Err(client_error(
                py,
                "the client is already connecting: wait for that connect() to return",
            ));
        }
        let connecting = Connecting(self.clone());
        let runtime = self.runtime(py)?;
        let core = self.clone();
        let mut policy = self.config.client_policy.clone();
        if let Some((user, password)) = credentials {
            policy.auth_mode = aerospike::AuthMode::Internal(user, password);
        }
        let hosts = self.config.hosts.clone();
        let session_runtime = runtime.clone();
        let future = Box::pin(async move {
            let _connecting = connecting;
            let client = aerospike::Client::new(&policy, &hosts)
                .await
                .map_err(|error| match &policy.cluster_name {
                    Some(name) => error.chain_error(&format!(
                        "cannot connect to cluster {name:?} (seeds of another cluster are refused)"
                    )),
                    None => error,
                })?;
            let session = Session {
                client: Arc::new(client),
                runtime: session_runtime,
                closed: Arc::default(),
            };
            let replaced = core
                .session
                .write()
                .unwrap_or_else(PoisonError::into_inner)
                .replace(session);
            if let Some(lost) = replaced {
                lost.client.close().await?;
            }
            Ok(Reply::Nothing)
        });
        Ok(Some(Job {
            runtime,
            future,
            busy_poll: None,
        }))
    }

    /// The runtime to connect on; a `runtime_workers` that cannot apply is warned about.
    fn runtime(&self, py: Python<'_>) -> PyResult<Arc<ProcessRuntime>> {
        let requested = self.config.runtime_workers;
        let (runtime, ignored) = match self.drive {
            Drive::Caller => {
                let runtime = caller_driven().map_err(|f| f.into_pyerr(py))?;
                let ignored = requested.map(|n| {
                    format!(
                        "runtime_workers={n} has no effect on a Client, which drives its I/O on \
                         the calling thread; it sizes the AsyncClient runtime"
                    )
                });
                (runtime, ignored)
            }
            Drive::Workers => {
                let acquired = runtime_for(requested).map_err(|f| f.into_pyerr(py))?;
                let ignored = acquired.ignored_request.map(|n| {
                    format!(
                        "runtime_workers={n} ignored: the process runtime already runs with {} \
                         workers",
                        acquired.runtime.workers
                    )
                });
                (acquired.runtime, ignored)
            }
        };
        if let Some(message) = ignored {
            PyErr::warn(
                py,
                &py.get_type::<PyRuntimeWarning>(),
                &std::ffi::CString::new(message)?,
                1,
            )?;
        }
        Ok(runtime)
    }

    pub fn close(&self, py: Python<'_>) -> PyResult<Option<Job>> {
        self.check_process(py)?;
        if self.connecting.load(Ordering::SeqCst) {
            return Err(client_error(
                py,
                "the client is connecting: close it once connect() has returned",
            ));
        }
        let taken = self
            .session
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        Ok(taken.map(|session| {
            session.closed.store(true, Ordering::SeqCst);
            let client = session.client;
            Job {
                runtime: session.runtime,
                future: Box::pin(async move {
                    client.close().await?;
                    Ok(Reply::Nothing)
                }),
                busy_poll: None,
            }
        }))
    }

    /// Wraps a command future in the backpressure gate; `total_timeout_ms` (0: none) bounds the
    /// whole call, time queued for a slot included.
    pub fn job<F>(
        &self,
        py: Python<'_>,
        effect: Effect,
        total_timeout_ms: u32,
        command: impl FnOnce(Arc<aerospike::Client>) -> F,
    ) -> PyResult<Job>
    where
        F: Future<Output = Result<Reply, Failure>> + Send + 'static,
    {
        let made = Instant::now();
        let session = self.session(py)?;
        let command = command(session.client);
        let closed = session.closed;
        let total_timeout =
            (total_timeout_ms > 0).then(|| Duration::from_millis(total_timeout_ms.into()));
        let gated = self.gate.clone().run(made, total_timeout, async move {
            if closed.load(Ordering::SeqCst) {
                return Err(Failure::Client(
                    "the client was closed before this command was sent".into(),
                ));
            }
            command.await
        });
        let future = async move {
            gated.await.map_err(|failure| match (effect, failure) {
                (Effect::Writes, Failure::Aerospike(error)) => Failure::Written(error),
                (_, failure) => failure,
            })
        };
        Ok(Job {
            runtime: session.runtime,
            future: Box::pin(future),
            busy_poll: self.busy_poll.clone(),
        })
    }

    pub fn put(
        &self,
        py: Python<'_>,
        key: &Bound<'_, PyAny>,
        bins: &Bound<'_, PyAny>,
        meta: Option<&Bound<'_, PyAny>>,
        policy: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Job> {
        let key = key_from_py(py, key)?;
        let bins = bins_from_py(py, bins)?;
        self.write_bins(py, key, bins, meta, policy)
    }

    /// A put of `bins`: values to write, or nils that remove their bins.
    fn write_bins(
        &self,
        py: Python<'_>,
        key: Key,
        bins: Vec<Bin>,
        meta: Option<&Bound<'_, PyAny>>,
        policy: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Job> {
        let policy = policy::write(&self.config.defaults, policy, meta)?;
        self.job(
            py,
            Effect::Writes,
            policy.total_timeout(),
            |client| async move {
                client
                    .put(&policy, &key, &bins)
                    .await
                    .map_err(|error| Failure::for_record(&client, &key, error))?;
                Ok(Reply::Nothing)
            },
        )
    }

    pub fn get(
        &self,
        py: Python<'_>,
        key: &Bound<'_, PyAny>,
        bins: Option<&Bound<'_, PyAny>>,
        policy: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Job> {
        let key = key_from_py(py, key)?;
        let bins = match bins {
            Some(names) => Bins::Some(bin_names(py, names)?),
            None => Bins::All,
        };
        let policy = policy::read(&self.config.defaults, policy)?;
        self.job(
            py,
            Effect::Reads,
            policy.total_timeout(),
            |client| async move {
                let record = client
                    .get(&policy, &key, bins)
                    .await
                    .map_err(|error| Failure::for_record(&client, &key, error))?;
                Ok(Reply::Record { key, record })
            },
        )
    }

    pub fn exists(
        &self,
        py: Python<'_>,
        key: &Bound<'_, PyAny>,
        policy: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Job> {
        let key = key_from_py(py, key)?;
        let policy = policy::read(&self.config.defaults, policy)?;
        self.job(
            py,
            Effect::Reads,
            policy.total_timeout(),
            |client| async move {
                match client.get(&policy, &key, Bins::None).await {
                    Ok(record) => Ok(Reply::Exists {
                        key,
                        record: Some(record),
                    }),
                    Err(aerospike::Error::ServerError(ResultCode::KeyNotFoundError, _, _)) => {
                        Ok(Reply::Exists { key, record: None })
                    }
                    Err(error) => Err(Failure::for_record(&client, &key, error)),
                }
            },
        )
    }

    pub fn remove(
        &self,
        py: Python<'_>,
        key: &Bound<'_, PyAny>,
        meta: Option<&Bound<'_, PyAny>>,
        policy: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Job> {
        let key = key_from_py(py, key)?;
        let policy = policy::write(&self.config.defaults, policy, meta)?;
        self.job(
            py,
            Effect::Writes,
            policy.total_timeout(),
            |client| async move {
                if client
                    .delete(&policy, &key)
                    .await
                    .map_err(|error| Failure::for_record(&client, &key, error))?
                {
                    Ok(Reply::Nothing)
                } else {
                    Err(not_found())
                }
            },
        )
    }

    pub fn touch(
        &self,
        py: Python<'_>,
        key: &Bound<'_, PyAny>,
        val: Option<&Bound<'_, PyAny>>,
        meta: Option<&Bound<'_, PyAny>>,
        policy: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Job> {
        let key = key_from_py(py, key)?;
        let mut policy = policy::write(&self.config.defaults, policy, meta)?;
        if let Some(ttl) = val.filter(|v| !v.is_none()) {
            let entry = Entry {
                context: "touch",
                key: "val",
                value: ttl,
            };
            policy.expiration = policy::expiration(&entry, self.config.defaults.write.expiration)?;
        }
        self.job(
            py,
            Effect::Writes,
            policy.total_timeout(),
            |client| async move {
                client
                    .touch(&policy, &key)
                    .await
                    .map_err(|error| Failure::for_record(&client, &key, error))?;
                Ok(Reply::Nothing)
            },
        )
    }

    pub fn modify(
        &self,
        py: Python<'_>,
        kind: Modify,
        key: &Bound<'_, PyAny>,
        (bin, val): (&Bound<'_, PyAny>, &Bound<'_, PyAny>),
        meta: Option<&Bound<'_, PyAny>>,
        policy: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Job> {
        let key = key_from_py(py, key)?;
        let value = value_from_py(val)?;
        let valid = match kind {
            Modify::Append | Modify::Prepend => matches!(value, Value::String(_) | Value::Blob(_)),
            Modify::Increment => matches!(value, Value::Int(_) | Value::Float(_)),
        };
        if !valid {
            return Err(invalid_arg(
                py,
                format!(
                    "{} needs {}, got {val:.80}",
                    kind.name(),
                    kind.expects(),
                    val = Brief(val)
                ),
            ));
        }
        let bins = [Bin::new(bin_name(py, bin)?, value)];
        let policy = policy::write(&self.config.defaults, policy, meta)?;
        self.job(
            py,
            Effect::Writes,
            policy.total_timeout(),
            |client| async move {
                let outcome = match kind {
                    Modify::Append => client.append(&policy, &key, &bins).await,
                    Modify::Prepend => client.prepend(&policy, &key, &bins).await,
                    Modify::Increment => client.add(&policy, &key, &bins).await,
                };
                outcome.map_err(|error| Failure::for_record(&client, &key, error))?;
                Ok(Reply::Nothing)
            },
        )
    }

    pub fn remove_bin(
        &self,
        py: Python<'_>,
        key: &Bound<'_, PyAny>,
        names: &Bound<'_, PyAny>,
        meta: Option<&Bound<'_, PyAny>>,
        policy: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Job> {
        let key = key_from_py(py, key)?;
        let bins: Vec<Bin> = bin_names(py, names)?
            .into_iter()
            .map(|name| Bin::new(name, Value::Nil))
            .collect();
        self.write_bins(py, key, bins, meta, policy)
    }

    pub fn operate(
        &self,
        py: Python<'_>,
        ordered: bool,
        key: &Bound<'_, PyAny>,
        list: &Bound<'_, PyAny>,
        meta: Option<&Bound<'_, PyAny>>,
        policy: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Job> {
        let key = key_from_py(py, key)?;
        let operations = operations_from_py(py, list)?;
        let mut policy = policy::write(&self.config.defaults, policy, meta)?;
        if let Some(ttl) = operations.ttl {
            policy.expiration = policy::expiration_of(ttl, self.config.defaults.write.expiration);
        }
        let effect = Effect::of(operations.writes());
        self.job(py, effect, policy.total_timeout(), |client| async move {
            let mut record = client
                .operate(&policy, &key, &operations.list)
                .await
                .map_err(|error| Failure::for_record(&client, &key, error))?;
            operations.drop_silent_answers(&mut record.bins);
            Ok(if ordered {
                let order = operations.result_order(&record.bins);
                Reply::Ordered { key, record, order }
            } else {
                Reply::Record { key, record }
            })
        })
    }

    pub fn batch_read(
        &self,
        py: Python<'_>,
        keys: &Bound<'_, PyAny>,
        bins: Option<&Bound<'_, PyAny>>,
        policy: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Job> {
        let keys = keys_from_py(py, keys)?;
        let bins = match bins {
            Some(names) => {
                let names = bin_names(py, names)?;
                if names.is_empty() {
                    Bins::None
                } else {
                    Bins::Some(names)
                }
            }
            None => Bins::All,
        };
        let batch_policy = policy::batch(&self.config.defaults, policy)?;
        let read_policy = policy::batch_read_policy(&self.config.defaults);
        let operations = move || {
            keys.into_iter()
                .map(|key| BatchOperation::read(&read_policy, key, bins.clone()))
                .collect()
        };
        self.run_batch(
            py,
            batch_policy,
            Effect::Reads,
            operations,
            Reply::BatchRead,
        )
    }

    pub fn batch_write(
        &self,
        py: Python<'_>,
        records: &Bound<'_, PyAny>,
        policy: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Job> {
        let parsed = policy::batch_write(&self.config.defaults, policy)?;
        let wrong = |item: &Bound<'_, PyAny>| {
            invalid_arg(py, format!("batch_write records must be (key, bins) or (key, bins, meta) tuples, got {item:.120}", item = Brief(item)))
        };
        let mut operations = Vec::new();
        for item in records.try_iter().map_err(|_| wrong(records))? {
            let item = item?;
            let tuple = item
                .cast::<pyo3::types::PyTuple>()
                .map_err(|_| wrong(&item))?;
            if !(2..=3).contains(&tuple.len()) {
                return Err(wrong(&item));
            }
            let key = key_from_py(py, &tuple.get_item(0)?)?;
            let bins = bins_from_py(py, &tuple.get_item(1)?)?;
            if bins.is_empty() {
                return Err(invalid_arg(
                    py,
                    format!(
                        "batch_write record {item:.120} has no bins: a write needs one",
                        item = Brief(&item)
                    ),
                ));
            }
            let mut write = parsed.write.clone();
            if tuple.len() == 3 {
                policy::apply_meta(
                    (&mut write.expiration, &mut write.generation),
                    self.config.defaults.write.expiration,
                    Some(&tuple.get_item(2)?),
                )?;
            }
            let ops = bins.iter().map(aerospike::operations::put).collect();
            operations.push(BatchOperation::write(&write, key, ops));
        }
        self.run_batch(
            py,
            parsed.batch,
            Effect::Writes,
            move || operations,
            Reply::BatchRecords,
        )
    }

    pub fn batch_operate(
        &self,
        py: Python<'_>,
        keys: &Bound<'_, PyAny>,
        list: &Bound<'_, PyAny>,
        policy: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Job> {
        let keys = keys_from_py(py, keys)?;
        let ops = operations_from_py(py, list)?;
        let mut parsed = policy::batch_write(&self.config.defaults, policy)?;
        if let Some(ttl) = ops.ttl {
            parsed.write.expiration =
                policy::expiration_of(ttl, self.config.defaults.write.expiration);
        }
        // The crate refuses a batch write without a write: reads go as batch reads.
        let read_policy = policy::batch_read_policy(&self.config.defaults);
        let writes = ops.writes();
        let operations = keys
            .into_iter()
            .map(|key| {
                if writes {
                    BatchOperation::write(&parsed.write, key, ops.list.clone())
                } else {
                    BatchOperation::read_ops(&read_policy, key, ops.list.clone())
                }
            })
            .collect();
        self.run_batch(
            py,
            parsed.batch,
            Effect::of(writes),
            move || operations,
            move |mut records| {
                for record in records.iter_mut().filter_map(|batch| batch.record.as_mut()) {
                    ops.drop_silent_answers(&mut record.bins);
                }
                Reply::BatchRecords(records)
            },
        )
    }

    pub fn batch_remove(
        &self,
        py: Python<'_>,
        keys: &Bound<'_, PyAny>,
        policy: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Job> {
        let keys = keys_from_py(py, keys)?;
        let parsed = policy::batch_write(&self.config.defaults, policy)?;
        let operations = keys
            .into_iter()
            .map(|key| BatchOperation::delete(&parsed.delete, key))
            .collect();
        self.run_batch(
            py,
            parsed.batch,
            Effect::Writes,
            move || operations,
            Reply::BatchRecords,
        )
    }

    /// Every batch command: `operations` are built in the command (off the GIL when they need
    /// no Python objects) and the records answered as `reply`.
    fn run_batch(
        &self,
        py: Python<'_>,
        mut policy: aerospike::BatchPolicy,
        effect: Effect,
        operations: impl FnOnce() -> Vec<BatchOperation> + Send + 'static,
        reply: impl FnOnce(Vec<BatchRecord>) -> Reply + Send + 'static,
    ) -> PyResult<Job> {
        self.job(py, effect, policy.total_timeout(), |client| {
            policy.concurrency = concurrency(&client);
            async move {
                let records = client.batch(&policy, &operations()).await?;
                Ok(reply(records))
            }
        })
    }

    pub fn info_all(
        &self,
        py: Python<'_>,
        command: &Bound<'_, PyAny>,
        policy: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Job> {
        let command = text_from_py(command, "info command")?;
        let admin = admin_policy(policy)?;
        self.job(py, Effect::Reads, admin.timeout, |client| async move {
            let mut answers = Vec::new();
            for node in client.nodes() {
                answers.push(match info_value(&node, &admin, &command).await {
                    Ok(value) => (node.name().to_owned(), 0, value),
                    Err(error) => (node.name().to_owned(), -1, error.to_string()),
                });
            }
            Ok(Reply::Info(answers))
        })
    }

    pub fn info_random_node(
        &self,
        py: Python<'_>,
        command: &Bound<'_, PyAny>,
        policy: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Job> {
        let command = text_from_py(command, "info command")?;
        let admin = admin_policy(policy)?;
        self.job(py, Effect::Reads, admin.timeout, |client| async move {
            let nodes = client.nodes();
            let node = nodes
                .get(any_index(nodes.len()))
                .cloned()
                .ok_or_else(|| aerospike::Error::InvalidNode("no node in the cluster".into()))?;
            Ok(Reply::Text(info_value(&node, &admin, &command).await?))
        })
    }

    /// True when a node answers the "build" info command within the policy's timeout.
    /// Not through the gate: a health probe must answer while every slot is busy, or a busy
    /// worker would look down to its load balancer.
    pub fn ping(&self, py: Python<'_>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Job> {
        let admin = admin_policy(policy)?;
        let Session {
            client, runtime, ..
        } = self.session(py)?;
        Ok(Job {
            runtime,
            future: Box::pin(async move {
                let Some(node) = client.nodes().into_iter().next() else {
                    return Ok(Reply::Flag(false));
                };
                Ok(Reply::Flag(node.info(&admin, &["build"]).await.is_ok()))
            }),
            busy_poll: self.busy_poll.clone(),
        })
    }

    pub fn node_names(&self, py: Python<'_>) -> PyResult<Vec<String>> {
        Ok(self.session(py)?.client.node_names())
    }

    pub fn truncate(
        &self,
        py: Python<'_>,
        (namespace, set): (&Bound<'_, PyAny>, Option<&Bound<'_, PyAny>>),
        nanos: Option<&Bound<'_, PyAny>>,
        policy: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Job> {
        let namespace = namespace_from_py(namespace, "truncate namespace")?;
        let set = set_from_py(set, "truncate set")?;
        let nanos = nanos_from_py(py, nanos)?;
        let admin = admin_policy(policy)?;
        self.job(py, Effect::Writes, admin.timeout, |client| async move {
            client.truncate(&admin, &namespace, &set, nanos).await?;
            Ok(Reply::Nothing)
        })
    }

    pub fn index_create(
        &self,
        py: Python<'_>,
        spec: IndexSpec<'_, '_>,
        policy: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Job> {
        let name = text_from_py(spec.name, "index name")?;
        index::check_name(py, &name)?;
        let namespace = namespace_from_py(spec.namespace, "index namespace")?;
        let set = set_from_py(spec.set, "index set")?;
        let bin = bin_name(py, spec.bin)?;
        let kind = spec.kind;
        let admin = admin_policy(policy)?;
        self.job(py, Effect::Writes, admin.timeout, |client| async move {
            client
                .create_index_on_bin(
                    &admin,
                    &namespace,
                    &set,
                    &bin,
                    &name,
                    kind,
                    aerospike::CollectionIndexType::Default,
                    None,
                )
                .await
                .map_err(index::naming(&name))?;
            index::wait_for(&client, &admin, &namespace, &name, Wanted::Ready).await?;
            Ok(Reply::Nothing)
        })
    }

    pub fn index_remove(
        &self,
        py: Python<'_>,
        namespace: &Bound<'_, PyAny>,
        name: &Bound<'_, PyAny>,
        policy: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Job> {
        let namespace = namespace_from_py(namespace, "index namespace")?;
        let name = text_from_py(name, "index name")?;
        index::check_name(py, &name)?;
        let admin = admin_policy(policy)?;
        self.job(py, Effect::Writes, admin.timeout, |client| async move {
            client
                .drop_index(&admin, &namespace, "", &name)
                .await
                .map_err(index::naming(&name))?;
            index::wait_for(&client, &admin, &namespace, &name, Wanted::Gone).await?;
            Ok(Reply::Nothing)
        })
    }

    pub fn defaults(&self) -> &policy::Defaults {
        &self.config.defaults
    }
}

impl Drop for Core {
    fn drop(&mut self) {
        let session = self
            .session
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        let Some(session) = session else { return };
        if std::process::id() == self.pid {
            let client = session.client;
            session.runtime.spawn(async move { client.close().await });
        } else {
            // Inherited through fork: the threads behind it are gone, so it must not be touched.
            std::mem::forget(session);
        }
    }
}

/// The arguments of an `index_*_create` call, checked by `Core::index_create`.
pub struct IndexSpec<'a, 'py> {
    pub namespace: &'a Bound<'py, PyAny>,
    pub set: Option<&'a Bound<'py, PyAny>>,
    pub bin: &'a Bound<'py, PyAny>,
    pub name: &'a Bound<'py, PyAny>,
    pub kind: aerospike::IndexType,
}

/// A truncate's cut-off in nanoseconds since the epoch: records last updated before it go; 0 or
/// None: now.
fn nanos_from_py(py: Python<'_>, nanos: Option<&Bound<'_, PyAny>>) -> PyResult<i64> {
    let Some(nanos) = nanos.filter(|n| !n.is_none()) else {
        return Ok(0);
    };
    let valid = (!nanos.is_instance_of::<PyBool>() && nanos.is_instance_of::<PyInt>())
        .then(|| nanos.extract::<i64>().ok())
        .flatten()
        .filter(|n| *n >= 0);
    valid.ok_or_else(|| {
        invalid_arg(
            py,
            format!(
                "truncate nanos must be an int >= 0 (nanoseconds since the epoch; 0: now), got \
                 {:.80}",
                Brief(nanos)
            ),
        )
    })
}

#[derive(Clone, Copy)]
pub enum Modify {
    Append,
    Prepend,
    Increment,
}

impl Modify {
    fn name(self) -> &'static str {
        match self {
            Modify::Append => "append",
            Modify::Prepend => "prepend",
            Modify::Increment => "increment",
        }
    }

    fn expects(self) -> &'static str {
        match self {
            Modify::Append | Modify::Prepend => "a str or bytes value",
            Modify::Increment => "an int or float offset",
        }
    }
}

fn not_found() -> Failure {
    Failure::Aerospike(aerospike::Error::ServerError(
        ResultCode::KeyNotFoundError,
        false,
        String::new(),
    ))
}

/// One node's answer to one info command (empty when the node does not echo the command).
async fn info_value(
    node: &aerospike::Node,
    admin: &aerospike::AdminPolicy,
    command: &str,
) -> aerospike::Result<String> {
    let answers = node.info(admin, &[command]).await?;
    Ok(answers.get(command).cloned().unwrap_or_default())
}

pub(crate) fn admin_policy(policy: Option<&Bound<'_, PyAny>>) -> PyResult<aerospike::AdminPolicy> {
    let mut admin = aerospike::AdminPolicy::default();
    crate::fields::for_each_entry("policy", policy, |entry| {
        match entry.key {
            "timeout" => admin.timeout = entry.u32()?,
            _ => return Err(entry.unknown(&["timeout"])),
        }
        Ok(())
    })?;
    Ok(admin)
}

/// An index below `len` that varies from call to call (the clock's nanoseconds), so that
/// `info_random_node` spreads over the nodes without a random number generator.
fn any_index(len: usize) -> usize {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.subsec_nanos());
    usize::try_from(nanos).unwrap_or(0) % len.max(1)
}

/// A single-node cluster runs a batch in the command's own task: the crate's `Parallel`
/// spawns it on a worker, a thread hop there and back (~90 us of a 100-key batch) for nothing
/// to overlap. With more nodes, `Parallel` parses the nodes' answers on several workers.
pub(crate) fn concurrency(client: &aerospike::Client) -> Concurrency {
    if client.nodes().len() == 1 {
        Concurrency::Sequential
    } else {
        Concurrency::Parallel
    }
}
