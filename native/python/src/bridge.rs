//! Running a Rust future for Python: blocking (GIL released) or as an asyncio future.
//!
//! Async results never make a Tokio worker wait for the GIL: a finished command is put in the
//! event loop's inbox and, if the loop has not been told yet, one byte is written to a socket
//! the loop watches (`add_reader`). The loop thread, which holds the GIL anyway, then settles
//! every finished future in one go. Cancelling the asyncio future aborts the Tokio task, which
//! drops the command, its backpressure slot and its connection.

use std::cell::RefCell;
use std::future::Future;
use std::io::{Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::{Arc, Mutex, PoisonError};

use futures::FutureExt;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use tokio::task::AbortHandle;

use crate::errors::Failure;
use crate::reply::Reply;
use crate::runtime::ProcessRuntime;

type Outcome = Result<Reply, Failure>;

/// Catches a panic of the future so it surfaces as a ClientError, never as a crash or a hang.
pub async fn shielded(future: impl Future<Output = Outcome>) -> Outcome {
    AssertUnwindSafe(future)
        .catch_unwind()
        .await
        .unwrap_or_else(|panic| Err(Failure::from_panic(panic)))
}

pub fn block_on<'py>(
    py: Python<'py>,
    runtime: &ProcessRuntime,
    future: impl Future<Output = Outcome> + Send,
) -> PyResult<Bound<'py, PyAny>> {
    let outcome = py.detach(|| runtime.block_on(shielded(future)));
    outcome
        .map_err(|failure| failure.into_pyerr(py))?
        .into_python(py)
}

/// Finished commands waiting for their event loop.
struct Inbox {
    finished: Mutex<Vec<(Py<PyAny>, Outcome)>>,
    rung: AtomicBool,
    bell: UnixStream,
}

impl Inbox {
    /// Runs on a Tokio worker, without the GIL.
    fn deliver(&self, future: Py<PyAny>, outcome: Outcome) {
        self.finished
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push((future, outcome));
        if !self.rung.swap(true, SeqCst) {
            // A full socket already holds an unread byte, so the loop will drain anyway.
            let _ = (&self.bell).write(&[1]);
        }
    }
}

/// The `add_reader` callback of one event loop: settles every finished future.
#[pyclass(frozen)]
struct Doorbell {
    inbox: Arc<Inbox>,
    listener: UnixStream,
}

#[pymethods]
impl Doorbell {
    fn __call__(&self, py: Python<'_>) {
        // Read the rings before re-arming: a delivery after `store(false)` rings again, and
        // one before it is in the queue taken below.
        let mut bytes = [0u8; 64];
        while matches!((&self.listener).read(&mut bytes), Ok(n) if n == bytes.len()) {}
        self.inbox.rung.store(false, SeqCst);
        let finished = std::mem::take(
            &mut *self
                .inbox
                .finished
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
        );
        for (future, outcome) in finished {
            settle(py, future.bind(py), outcome);
        }
    }
}

fn settle(py: Python<'_>, future: &Bound<'_, PyAny>, outcome: Outcome) {
    let pending = future
        .call_method0(intern!(py, "done"))
        .and_then(|done| done.is_truthy())
        .is_ok_and(|done| !done);
    if !pending {
        return;
    }
    let settled = match outcome
        .map_err(|f| f.into_pyerr(py))
        .and_then(|reply| reply.into_python(py))
    {
        Ok(value) => future.call_method1(intern!(py, "set_result"), (value,)),
        Err(error) => future.call_method1(intern!(py, "set_exception"), (error.into_value(py),)),
    };
    if let Err(error) = settled {
        error.write_unraisable(py, Some(future));
    }
}

thread_local! {
    /// The event loop this thread used last, and its inbox.
    static CURRENT: RefCell<Option<(Py<PyAny>, Arc<Inbox>)>> = const { RefCell::new(None) };
}

fn inbox_of(event_loop: &Bound<'_, PyAny>) -> PyResult<Arc<Inbox>> {
    let cached = CURRENT.with_borrow(|current| {
        current
            .as_ref()
            .filter(|(cached_loop, _)| cached_loop.bind(event_loop.py()).is(event_loop))
            .map(|(_, inbox)| inbox.clone())
    });
    if let Some(inbox) = cached {
        return Ok(inbox);
    }
    let (bell, listener) = UnixStream::pair()?;
    bell.set_nonblocking(true)?;
    listener.set_nonblocking(true)?;
    let fd = listener.as_raw_fd();
    let inbox = Arc::new(Inbox {
        finished: Mutex::new(Vec::new()),
        rung: AtomicBool::new(false),
        bell,
    });
    let doorbell = Doorbell {
        inbox: inbox.clone(),
        listener,
    };
    event_loop.call_method1(intern!(event_loop.py(), "add_reader"), (fd, doorbell))?;
    CURRENT.with_borrow_mut(|current| {
        *current = Some((event_loop.clone().unbind(), inbox.clone()));
    });
    Ok(inbox)
}

static GET_RUNNING_LOOP: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

pub fn spawn<'py>(
    py: Python<'py>,
    runtime: &ProcessRuntime,
    future: impl Future<Output = Outcome> + Send + 'static,
) -> PyResult<Bound<'py, PyAny>> {
    let get_running_loop = GET_RUNNING_LOOP.import(py, "asyncio", "get_running_loop")?;
    let event_loop = get_running_loop.call0()?;
    let inbox = inbox_of(&event_loop)?;
    let py_future = event_loop.call_method0(intern!(py, "create_future"))?;
    let future_ref = py_future.clone().unbind();
    let task = runtime.spawn(async move {
        let outcome = shielded(future).await;
        inbox.deliver(future_ref, outcome);
    });
    let on_done = AbortOnDone {
        task: task.abort_handle(),
    };
    py_future.call_method1(intern!(py, "add_done_callback"), (on_done,))?;
    Ok(py_future)
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
