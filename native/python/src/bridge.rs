//! Running a Rust future for Python: blocking (GIL released) or as an asyncio future whose
//! cancellation aborts the Tokio task, which drops the operation, its slot and its connection.

use std::future::Future;
use std::panic::AssertUnwindSafe;

use futures::FutureExt;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyCFunction;
use pyo3::{intern, wrap_pyfunction};
use tokio::task::AbortHandle;

use crate::errors::Failure;
use crate::runtime::ProcessRuntime;

/// A result that becomes a Python object once the GIL is held.
pub trait IntoPython: Send + 'static {
    fn into_python(self, py: Python<'_>) -> PyResult<Bound<'_, PyAny>>;
}

/// Catches a panic of the future so it surfaces as a ClientError, never as a crash or a hang.
async fn shielded<T>(future: impl Future<Output = Result<T, Failure>>) -> Result<T, Failure> {
    AssertUnwindSafe(future)
        .catch_unwind()
        .await
        .unwrap_or_else(|panic| Err(Failure::from_panic(panic)))
}

pub fn block_on<'py, T: IntoPython>(
    py: Python<'py>,
    runtime: &ProcessRuntime,
    future: impl Future<Output = Result<T, Failure>> + Send,
) -> PyResult<Bound<'py, PyAny>> {
    let outcome = py.detach(|| runtime.tokio.block_on(shielded(future)));
    outcome
        .map_err(|failure| failure.into_pyerr(py))?
        .into_python(py)
}

static GET_RUNNING_LOOP: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static SETTLE: PyOnceLock<Py<PyCFunction>> = PyOnceLock::new();

pub fn spawn<'py, T: IntoPython>(
    py: Python<'py>,
    runtime: &ProcessRuntime,
    future: impl Future<Output = Result<T, Failure>> + Send + 'static,
) -> PyResult<Bound<'py, PyAny>> {
    let get_running_loop = GET_RUNNING_LOOP.import(py, "asyncio", "get_running_loop")?;
    let event_loop = get_running_loop.call0()?;
    let py_future = event_loop.call_method0(intern!(py, "create_future"))?;
    let loop_ref = event_loop.unbind();
    let future_ref = py_future.clone().unbind();
    let task = runtime.tokio.spawn(async move {
        let outcome = shielded(future).await;
        Python::attach(|py| deliver(py, &loop_ref, future_ref, outcome));
    });
    let on_done = AbortOnDone {
        task: task.abort_handle(),
    };
    py_future.call_method1(intern!(py, "add_done_callback"), (on_done,))?;
    Ok(py_future)
}

fn deliver<T: IntoPython>(
    py: Python<'_>,
    event_loop: &Py<PyAny>,
    future: Py<PyAny>,
    outcome: Result<T, Failure>,
) {
    let (succeeded, value) = match outcome
        .map_err(|f| f.into_pyerr(py))
        .and_then(|v| v.into_python(py))
    {
        Ok(value) => (true, value),
        Err(error) => (false, error.into_value(py).into_bound(py).into_any()),
    };
    let settled = SETTLE
        .get_or_try_init(py, || wrap_pyfunction!(settle, py).map(Bound::unbind))
        .and_then(|settle| {
            event_loop.bind(py).call_method1(
                intern!(py, "call_soon_threadsafe"),
                (settle.bind(py), future, succeeded, value),
            )
        });
    // A closed event loop has nobody left to tell; the outcome is dropped with it.
    drop(settled);
}

/// Runs on the event loop thread: completes the asyncio future unless it was cancelled.
#[pyfunction]
fn settle(future: &Bound<'_, PyAny>, succeeded: bool, value: &Bound<'_, PyAny>) -> PyResult<()> {
    let py = future.py();
    if future.call_method0(intern!(py, "done"))?.is_truthy()? {
        return Ok(());
    }
    if succeeded {
        future.call_method1(intern!(py, "set_result"), (value,))?;
    } else {
        future.call_method1(intern!(py, "set_exception"), (value,))?;
    }
    Ok(())
}

/// Done callback of the asyncio future: aborts the task (a no-op once it has finished).
#[pyclass(frozen)]
struct AbortOnDone {
    task: AbortHandle,
}

#[pymethods]
impl AbortOnDone {
    fn __call__(&self, _future: &Bound<'_, PyAny>) {
        self.task.abort();
    }
}
