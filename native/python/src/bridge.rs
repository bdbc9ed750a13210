//! Running a Rust future for Python: blocking (GIL released) or as an asyncio future.
//!
//! While fewer async commands are in flight than the runtime has workers, a command is first
//! polled on the calling thread, so it sends its request without waking a worker, and moves to
//! the runtime at its first wake (usually its reply): about a quarter less CPU per command at
//! low concurrency.
//!
//! Async results never make a Tokio worker wait for the GIL: a finished command is put in the
//! event loop's inbox and, if the loop has not been told yet, one byte is written to a socket
//! the loop watches (`add_reader`). The loop thread, which holds the GIL anyway, then settles
//! every finished future in one go. Cancelling the asyncio future drops the command (aborting
//! its Tokio task once it has one), which frees its backpressure slot and its connection.

use std::cell::RefCell;
use std::future::Future;
use std::io::{Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Wake, Waker};

use futures::FutureExt;
use pyo3::exceptions::PyRuntimeError;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use tokio::runtime::Handle;
use tokio::task::AbortHandle;
use tokio::time::{timeout, Duration};

use crate::busy_poll::BusyPoll;
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
    busy_poll: Option<&BusyPoll>,
) -> PyResult<Bound<'py, PyAny>> {
    let outcome = py.detach(|| runtime.block_on(shielded(future), busy_poll));
    outcome
        .map_err(|failure| failure.into_pyerr(py))?
        .into_python(py)
}

/// How often a blocking wait that can last (a connect, a `foreach`) wakes up to let Python
/// handle signals (Ctrl-C).
const SIGNAL_CHECK: Duration = Duration::from_millis(100);

/// `block_on` for waits that can last: Ctrl-C interrupts it within `SIGNAL_CHECK` (dropping the
/// future cancels the work), where a plain `block_on` would hold on to the end of its timeout.
pub fn block_on_interruptible<'py>(
    py: Python<'py>,
    runtime: &ProcessRuntime,
    future: impl Future<Output = Outcome> + Send,
) -> PyResult<Bound<'py, PyAny>> {
    wait_interruptible(py, runtime, shielded(future))?
        .map_err(|failure| failure.into_pyerr(py))?
        .into_python(py)
}

/// Runs `future` on this thread without the GIL, waking every `SIGNAL_CHECK` to let Python
/// handle signals: a signal handler's exception (KeyboardInterrupt) drops the future.
pub fn wait_interruptible<F>(
    py: Python<'_>,
    runtime: &ProcessRuntime,
    future: F,
) -> PyResult<F::Output>
where
    F: Future + Send,
    F::Output: Send,
{
    let mut future = std::pin::pin!(future);
    loop {
        // The timer is made inside `block_on`, where the runtime's clock is.
        let waited = py.detach(|| {
            runtime.block_on(async { timeout(SIGNAL_CHECK, future.as_mut()).await }, None)
        });
        match waited {
            Ok(output) => return Ok(output),
            Err(_) => py.check_signals()?,
        }
    }
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

/// Every event loop's doorbell, by loop (a `weakref.WeakKeyDictionary`): a thread that takes
/// turns between loops finds each one's inbox again instead of watching a new socket each time.
static DOORBELLS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

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
    let py = event_loop.py();
    let doorbells = DOORBELLS.get_or_try_init(py, || {
        py.import("weakref")?
            .call_method0("WeakKeyDictionary")
            .map(Bound::unbind)
    })?;
    let inbox = match doorbells.bind(py).get_item(event_loop) {
        Ok(known) => known.cast::<Doorbell>()?.get().inbox.clone(),
        Err(_) => ring_for(event_loop, doorbells.bind(py))?,
    };
    CURRENT.with_borrow_mut(|current| {
        *current = Some((event_loop.clone().unbind(), inbox.clone()));
    });
    Ok(inbox)
}

/// A new inbox for `event_loop`, whose doorbell the loop watches from now on.
fn ring_for(event_loop: &Bound<'_, PyAny>, doorbells: &Bound<'_, PyAny>) -> PyResult<Arc<Inbox>> {
    let (bell, listener) = UnixStream::pair()?;
    bell.set_nonblocking(true)?;
    listener.set_nonblocking(true)?;
    let fd = listener.as_raw_fd();
    let inbox = Arc::new(Inbox {
        finished: Mutex::new(Vec::new()),
        rung: AtomicBool::new(false),
        bell,
    });
    let doorbell = Bound::new(
        event_loop.py(),
        Doorbell {
            inbox: inbox.clone(),
            listener,
        },
    )?;
    event_loop.call_method1(intern!(event_loop.py(), "add_reader"), (fd, &doorbell))?;
    // A loop that cannot be weakly referenced stays cached for its thread only.
    let _ = doorbells.set_item(event_loop, doorbell);
    Ok(inbox)
}

static GET_RUNNING_LOOP: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// Where an async command is first polled.
#[derive(Clone, Copy)]
pub enum Start {
    /// On the calling thread while fewer commands are in flight than the runtime has workers.
    HereWhenQuiet,
    /// On the runtime: for connect and close, where the crate resolves host names with
    /// blocking DNS calls that must not hold the event loop (and the GIL).
    OnRuntime,
}

/// The running asyncio loop; without one, a RuntimeError that says what to do instead.
pub fn running_loop(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    let get_running_loop = GET_RUNNING_LOOP.import(py, "asyncio", "get_running_loop")?;
    get_running_loop.call0().map_err(|_| {
        PyRuntimeError::new_err(
            "AsyncClient methods return asyncio futures, so they must be called while an event \
             loop runs (from a coroutine); blocking code uses aerospike_py.Client",
        )
    })
}

pub fn spawn<'py>(
    py: Python<'py>,
    runtime: &ProcessRuntime,
    start: Start,
    future: impl Future<Output = Outcome> + Send + 'static,
) -> PyResult<Bound<'py, PyAny>> {
    let event_loop = running_loop(py)?;
    let inbox = inbox_of(&event_loop)?;
    let py_future = event_loop.call_method0(intern!(py, "create_future"))?;
    let future_ref = py_future.clone().unbind();
    let counted = Counted::new(&runtime.async_in_flight);
    // With fewer commands in flight than workers, a worker would be woken just to send this
    // one; with more, the workers are up anyway and the loop thread has enough to do.
    let first_poll_here = matches!(start, Start::HereWhenQuiet) && counted.others < runtime.workers;
    let task = EagerTask::start(
        runtime.handle(),
        first_poll_here,
        Box::pin(async move {
            let _counted = counted;
            let outcome = shielded(future).await;
            inbox.deliver(future_ref, outcome);
        }),
    );
    py_future.call_method1(intern!(py, "add_done_callback"), (CancelOnDone { task },))?;
    Ok(py_future)
}

type Task = Pin<Box<dyn Future<Output = ()> + Send>>;

/// One async command counted in its runtime's `async_in_flight` until it is dropped (finished
/// or cancelled).
struct Counted {
    in_flight: Arc<AtomicUsize>,
    /// How many others were in flight when it started.
    others: usize,
}

impl Counted {
    fn new(in_flight: &Arc<AtomicUsize>) -> Self {
        Counted {
            in_flight: in_flight.clone(),
            others: in_flight.fetch_add(1, SeqCst),
        }
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.in_flight.fetch_sub(1, SeqCst);
    }
}

/// A task polled first on the thread that starts it, and spawned on the runtime at its first
/// wake: a command writes its request from the caller's thread, and a worker only wakes for
/// the reply.
struct EagerTask {
    stage: Mutex<Stage>,
    runtime: Handle,
}

enum Stage {
    /// In its first poll; `woken` if a wake came meanwhile.
    FirstPoll {
        woken: bool,
    },
    /// Pending after its first poll, waiting for a wake.
    Parked(Task),
    Spawned(AbortHandle),
    /// Finished in its first poll, or cancelled while parked.
    Over,
}

impl EagerTask {
    fn start(runtime: &Handle, first_poll_here: bool, mut task: Task) -> Arc<Self> {
        if !first_poll_here {
            return Arc::new(EagerTask {
                stage: Mutex::new(Stage::Spawned(runtime.spawn(task).abort_handle())),
                runtime: runtime.clone(),
            });
        }
        let eager = Arc::new(EagerTask {
            stage: Mutex::new(Stage::FirstPoll { woken: false }),
            runtime: runtime.clone(),
        });
        let waker = Waker::from(eager.clone());
        let polled = {
            let _inside = runtime.enter();
            task.as_mut().poll(&mut Context::from_waker(&waker))
        };
        let mut stage = eager.lock();
        *stage = match (polled, &*stage) {
            (Poll::Ready(()), _) => Stage::Over,
            (Poll::Pending, Stage::FirstPoll { woken: true }) => {
                Stage::Spawned(runtime.spawn(task).abort_handle())
            }
            (Poll::Pending, _) => Stage::Parked(task),
        };
        drop(stage);
        eager
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Stage> {
        self.stage.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Drops the task, or aborts it on the runtime (a no-op once it has finished).
    fn cancel(&self) {
        let cancelled = std::mem::replace(&mut *self.lock(), Stage::Over);
        match cancelled {
            Stage::Spawned(task) => task.abort(),
            Stage::Parked(task) => {
                let _inside = self.runtime.enter();
                drop(task);
            }
            Stage::FirstPoll { .. } | Stage::Over => {}
        }
    }
}

impl Wake for EagerTask {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let mut stage = self.lock();
        match std::mem::replace(&mut *stage, Stage::Over) {
            Stage::Parked(task) => *stage = Stage::Spawned(self.runtime.spawn(task).abort_handle()),
            Stage::FirstPoll { .. } => *stage = Stage::FirstPoll { woken: true },
            other => *stage = other,
        }
    }
}

/// Done callback of the asyncio future: cancels the task (a no-op once it has finished).
#[pyclass(frozen)]
struct CancelOnDone {
    task: Arc<EagerTask>,
}

#[pymethods]
impl CancelOnDone {
    fn __call__(&self, _future: &Bound<'_, PyAny>) {
        self.task.cancel();
    }
}
