//! Every failure of the native core, and its mapping onto `aerospike_py.exceptions`.

use std::any::Any;
use std::fmt;

use aerospike::{Key, ResultCode};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyModule, PyString};

/// Client-side result codes, as the C client numbers them.
const CODE_CLIENT: i32 = -1;
const CODE_PARAM: i32 = -2;
const CODE_NO_MORE_CONNECTIONS: i32 = -7;
const CODE_INVALID_NODE: i32 = -8;
const CODE_CONNECTION: i32 = -10;
/// Server result codes, for failures the client finds before or instead of the server.
const CODE_TIMEOUT: i32 = 9;
const CODE_NAMESPACE_NOT_FOUND: i32 = 20;
/// How the crate's single-record commands fail when no attempt found a node for the key's
/// partition: they drop that error and report a bare timeout of this form, though nothing was
/// sent (every other failure of theirs carries its own error).
const NO_NODE_TRIES: &str = "Timeout after ";

/// A failure carried out of a future; it becomes a Python exception once the GIL is held.
#[derive(Debug)]
pub enum Failure {
    Aerospike(aerospike::Error),
    /// The failure of a command that writes: a timeout or a lost connection may have left the
    /// write applied.
    Written(aerospike::Error),
    /// No node of the cluster serves this namespace: nothing was sent.
    UnknownNamespace(String),
    Backpressure {
        limit: usize,
        waited_ms: f64,
    },
    InvalidArg(String),
    Client(String),
}

/// The crate's bare timeout for a command that found no node for its key's partition on any
/// attempt (the node lookup's own error is dropped).
fn found_no_node(error: &aerospike::Error) -> bool {
    matches!(error, aerospike::Error::Timeout(detail) if detail.starts_with(NO_NODE_TRIES))
}

impl From<aerospike::Error> for Failure {
    fn from(error: aerospike::Error) -> Self {
        Failure::Aerospike(error)
    }
}

impl Failure {
    /// The failure of a single-record command on `key`. The crate reports a key that no node
    /// serves as a bare timeout; when no node serves the key's namespace at all, the namespace is
    /// named, with the result code a server gives an unknown namespace.
    pub fn for_record(client: &aerospike::Client, key: &Key, error: aerospike::Error) -> Failure {
        Failure::Aerospike(error).in_namespace(client, &key.namespace)
    }

    /// This failure of a command on `namespace` (a record's, a query's), or, when the command
    /// found no node because no node serves the namespace, one that names it.
    pub fn in_namespace(self, client: &aerospike::Client, namespace: &str) -> Failure {
        let Failure::Aerospike(error) = &self else {
            return self;
        };
        if !(found_no_node(error) || matches!(error, aerospike::Error::InvalidNode(_))) {
            return self;
        }
        let nodes = client.cluster.nodes();
        let served = nodes
            .iter()
            .any(|node| !client.cluster.node_partitions(node, namespace).is_empty());
        if nodes.is_empty() || served {
            return self;
        }
        Failure::UnknownNamespace(namespace.to_owned())
    }

    /// The failure for a panic caught at the boundary: the interpreter must survive it.
    pub fn from_panic(payload: Box<dyn Any + Send>) -> Self {
        let text = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_owned());
        Failure::Client(format!("internal error in the native client: {text}"))
    }

    pub fn into_pyerr(self, py: Python<'_>) -> PyErr {
        let raised = match self {
            Failure::Backpressure { limit, waited_ms } => {
                let message = format!(
                    "no operation slot free: {limit} operations in flight \
                     (max_concurrent_operations), waited {waited_ms:.1} ms"
                );
                exception_class(py, "BackpressureError")
                    .and_then(|cls| cls.call1((message, limit, waited_ms)))
            }
            other => {
                let (class, message, code, in_doubt) = other.classify();
                exception_class(py, class).and_then(|cls| cls.call1((message, code, in_doubt)))
            }
        };
        match raised {
            Ok(instance) => PyErr::from_value(instance),
            Err(import_failure) => import_failure,
        }
    }

    /// (exception class name, message, result code, in doubt)
    fn classify(self) -> (&'static str, String, Option<i32>, bool) {
        match self {
            Failure::InvalidArg(message) => ("InvalidArgError", message, Some(CODE_PARAM), false),
            Failure::Client(message) => ("ClientError", message, Some(CODE_CLIENT), false),
            Failure::Backpressure { .. } => unreachable!("handled by into_pyerr"),
            Failure::Aerospike(error) => classify_aerospike(&error, error.to_string(), false),
            Failure::Written(error) => classify_aerospike(&error, error.to_string(), true),
            Failure::UnknownNamespace(namespace) => (
                "ServerError",
                format!(
                    "namespace {namespace:?} is not served by the cluster (is its name right?); \
                     nothing was sent"
                ),
                Some(CODE_NAMESPACE_NOT_FOUND),
                false,
            ),
        }
    }
}

/// `written`: the command writes, so a timeout or a lost connection leaves it in doubt (only a
/// missing node means that nothing was sent).
fn classify_aerospike(
    error: &aerospike::Error,
    message: String,
    written: bool,
) -> (&'static str, String, Option<i32>, bool) {
    use aerospike::Error as E;
    match error {
        E::ServerError(code, in_doubt, _)
        | E::BatchError(_, code, in_doubt, _)
        | E::BatchLastError(_, code, in_doubt, _) => {
            let number = result_code_number(*code);
            // A server that timed out a write (waiting for a replica that died, say) may have
            // applied it on the master: the crate says not in doubt, the official clients do.
            let in_doubt = *in_doubt || (written && number == CODE_TIMEOUT);
            (class_for_code(number), message, Some(number), in_doubt)
        }
        E::Timeout(_) if found_no_node(error) => (
            "ClusterError",
            format!(
                "no node found for the key's partition: the client's view of the cluster has \
                 none (it is refreshed every tend_interval); nothing was sent ({message})"
            ),
            Some(CODE_INVALID_NODE),
            false,
        ),
        E::Timeout(_) => (
            "AerospikeTimeoutError",
            message,
            Some(CODE_TIMEOUT),
            written,
        ),
        E::Connection(_) | E::Io(_) => ("ClusterError", message, Some(CODE_CONNECTION), written),
        E::MaxErrorRate(_) => ("ClusterError", message, Some(CODE_CONNECTION), false),
        E::InvalidNode(_) => ("ClusterError", message, Some(CODE_INVALID_NODE), false),
        E::NoMoreConnections => (
            "ClusterError",
            message,
            Some(CODE_NO_MORE_CONNECTIONS),
            false,
        ),
        E::InvalidArgument(_) => ("InvalidArgError", message, Some(CODE_PARAM), false),
        E::Chain(_, inner) => classify_aerospike(inner, message, written),
        _ => ("ClientError", message, Some(CODE_CLIENT), false),
    }
}

/// The wire number of a result code (the crate only converts the other way).
pub fn result_code_number(code: ResultCode) -> i32 {
    (0..=u8::MAX)
        .find(|n| ResultCode::from(*n) == code)
        .map_or(CODE_CLIENT, i32::from)
}

fn class_for_code(code: i32) -> &'static str {
    match code {
        2 => "RecordNotFound",
        3 => "RecordGenerationError",
        5 => "RecordExistsError",
        6 => "BinExistsError",
        9 => "AerospikeTimeoutError",
        12 => "BinTypeError",
        13 => "RecordTooBig",
        17 => "BinNotFound",
        21 => "BinNameError",
        27 => "FilteredOut",
        200 => "IndexFoundError",
        201 => "IndexNotFound",
        202..=206 => "AerospikeIndexError",
        210..=215 => "QueryError",
        _ => "ServerError",
    }
}

static EXCEPTIONS: PyOnceLock<Py<PyModule>> = PyOnceLock::new();

fn exception_class<'py>(py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyAny>> {
    let module = EXCEPTIONS.get_or_try_init(py, || {
        py.import("aerospike_py.exceptions").map(Bound::unbind)
    })?;
    module.bind(py).getattr(name)
}

/// An `InvalidArgError` raised directly from argument conversion (the GIL is held there).
pub fn invalid_arg(py: Python<'_>, message: impl Into<String>) -> PyErr {
    Failure::InvalidArg(message.into()).into_pyerr(py)
}

/// A Python object in an error message: its `str()`, cut at the format's precision (`{:.80}`).
/// `Bound`'s own `Display` ignores precision, so a huge argument would make a huge message.
pub struct Brief<'a, 'py, T>(pub &'a Bound<'py, T>);

impl<T> fmt::Display for Brief<'_, '_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self.0.as_any().to_string();
        match f
            .precision()
            .and_then(|limit| text.char_indices().nth(limit))
        {
            Some((cut, _)) => write!(f, "{}...", &text[..cut]),
            None => f.write_str(&text),
        }
    }
}

/// The UTF-8 text of a Python str, or an `InvalidArgError` naming it when it cannot have any
/// (a lone surrogate such as `"\ud800"`).
pub fn utf8<'a>(text: &'a Bound<'_, PyString>, what: &str) -> PyResult<&'a str> {
    text.to_str().map_err(|_| {
        let shown = text.repr().map(|r| format!("{:.80}", Brief(&r)));
        invalid_arg(
            text.py(),
            format!(
                "{what} {} is not valid UTF-8: it holds a lone surrogate",
                shown.unwrap_or_default()
            ),
        )
    })
}

/// The text of a str argument, or an InvalidArgError naming `what` it should have been.
pub fn text_of<'a>(value: &'a Bound<'_, PyAny>, what: &str, expected: &str) -> PyResult<&'a str> {
    let text = value.cast::<PyString>().map_err(|_| {
        invalid_arg(
            value.py(),
            format!("{what} must be {expected}, got {:.80}", Brief(value)),
        )
    })?;
    utf8(text, what)
}

/// A `ClientError` raised directly (wrong state, wrong process).
pub fn client_error(py: Python<'_>, message: impl Into<String>) -> PyErr {
    Failure::Client(message.into()).into_pyerr(py)
}
