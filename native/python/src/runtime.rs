//! The Tokio runtimes of a process, created at the first connect (never at import) and
//! replaced (never reused) in a forked child, whose copies have no threads:
//!
//! - the worker runtime (`AEROSPIKE_RUNTIME_WORKERS` threads) behind every `AsyncClient`;
//! - the caller-driven runtime behind every blocking `Client`: a current-thread runtime that a
//!   lone calling thread drives itself while it waits, so a reply wakes the caller directly
//!   instead of a worker that then wakes it (one thread switch per command instead of two). A
//!   driver thread takes over when several threads call at once (they would otherwise hand the
//!   runtime to each other after every command) and between calls, so cluster tend and
//!   connection upkeep never starve.

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::thread::Thread;
use std::time::{Duration, Instant};

use tokio::sync::Notify;
use tokio::task::JoinHandle;

use crate::busy_poll::BusyPoll;
use crate::errors::Failure;

const WORKERS_ENV: &str = "AEROSPIKE_RUNTIME_WORKERS";
const DEFAULT_WORKERS: usize = 2;
const MAX_WORKERS: usize = 256;
/// How long no caller must have driven the caller-driven runtime before the driver thread does.
const IDLE_GRACE: Duration = Duration::from_millis(10);

pub struct ProcessRuntime {
    pub pid: u32,
    /// Worker threads; 0 for the caller-driven runtime.
    pub workers: usize,
    /// Async commands started on this runtime and not finished yet.
    pub async_in_flight: Arc<AtomicUsize>,
    tokio: tokio::runtime::Runtime,
    driver: Option<Driver>,
}

impl ProcessRuntime {
    /// Runs `future` to completion on this thread (the caller holds no GIL), busy-polling it
    /// by `busy_poll` while this caller drives the caller-driven runtime alone.
    pub fn block_on<F: Future>(&self, future: F, busy_poll: Option<&BusyPoll>) -> F::Output {
        let Some(driver) = &self.driver else {
            return self.tokio.block_on(future);
        };
        let _caller = driver.enter();
        match busy_poll {
            Some(policy) => self.tokio.block_on(policy.poll(future, || driver.alone())),
            None => self.tokio.block_on(future),
        }
    }

    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.tokio.spawn(future)
    }

    pub fn handle(&self) -> &tokio::runtime::Handle {
        self.tokio.handle()
    }
}

/// Drives the caller-driven runtime from its own thread while no caller does, or while several
/// do: then the callers only wait for their replies, as with a worker runtime.
struct Driver {
    callers: AtomicUsize,
    driving: AtomicBool,
    last_call_ms: AtomicU64,
    epoch: Instant,
    /// Asks the driver thread to leave the runtime to a lone caller.
    release: Notify,
    thread: OnceLock<Thread>,
}

impl Driver {
    /// Counts a caller in: a lone one asks the driver thread to hand the runtime over, the
    /// second one wakes the driver thread to drive for the crowd.
    fn enter(&self) -> Caller<'_> {
        match self.callers.fetch_add(1, SeqCst) + 1 {
            1 if self.driving.load(SeqCst) => self.release.notify_one(),
            2 => {
                if let Some(thread) = self.thread.get() {
                    thread.unpark();
                }
            }
            _ => {}
        }
        Caller(self)
    }

    /// This caller is the only one and the driver thread has handed it the runtime: only then
    /// does its polling drive the I/O (a caller waiting for the runtime would spin in vain,
    /// keeping the driver thread from the CPU it needs to hand the runtime over).
    fn alone(&self) -> bool {
        self.callers.load(SeqCst) == 1 && !self.driving.load(SeqCst)
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn should_drive(&self) -> bool {
        let since = self.now_ms().saturating_sub(self.last_call_ms.load(SeqCst));
        match self.callers.load(SeqCst) {
            0 => since >= IDLE_GRACE.as_millis() as u64,
            1 => false,
            _ => true,
        }
    }

    /// The driver thread. `driving` is set before `callers` is read again, and a caller counts
    /// itself before it reads `driving`, so one of the two always sees the other: a lone
    /// caller never waits on a driver that was not asked to leave.
    fn run(runtime: Arc<ProcessRuntime>) {
        let Some(driver) = &runtime.driver else {
            return;
        };
        loop {
            std::thread::park_timeout(IDLE_GRACE);
            if !driver.should_drive() {
                continue;
            }
            driver.driving.store(true, SeqCst);
            if driver.callers.load(SeqCst) != 1 {
                runtime.tokio.block_on(driver.release.notified());
            }
            driver.driving.store(false, SeqCst);
        }
    }
}

/// One caller inside the caller-driven runtime; leaving records the time, and leaving one
/// caller alone hands it the runtime.
struct Caller<'a>(&'a Driver);

impl Drop for Caller<'_> {
    fn drop(&mut self) {
        let driver = self.0;
        driver.last_call_ms.store(driver.now_ms(), SeqCst);
        if driver.callers.fetch_sub(1, SeqCst) == 2 && driver.driving.load(SeqCst) {
            driver.release.notify_one();
        }
    }
}

static CURRENT: Mutex<Option<Arc<ProcessRuntime>>> = Mutex::new(None);
static CALLER_DRIVEN: Mutex<Option<Arc<ProcessRuntime>>> = Mutex::new(None);

/// This process's runtime held in `slot`, or None (a runtime inherited through fork is leaked:
/// its threads do not exist here, and dropping it would wait for them forever).
fn this_process(slot: &mut Option<Arc<ProcessRuntime>>) -> Option<Arc<ProcessRuntime>> {
    match slot.as_ref() {
        Some(runtime) if runtime.pid == std::process::id() => Some(runtime.clone()),
        Some(_) => {
            std::mem::forget(slot.take());
            None
        }
        None => None,
    }
}

/// The caller-driven runtime of this process (blocking clients), started on first use.
pub fn caller_driven() -> Result<Arc<ProcessRuntime>, Failure> {
    let mut slot = CALLER_DRIVEN.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(runtime) = this_process(&mut slot) {
        return Ok(runtime);
    }
    let tokio = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Client(format!("cannot start the Tokio runtime: {e}")))?;
    let runtime = Arc::new(ProcessRuntime {
        pid: std::process::id(),
        workers: 0,
        async_in_flight: Arc::default(),
        tokio,
        driver: Some(Driver {
            callers: AtomicUsize::new(0),
            driving: AtomicBool::new(false),
            last_call_ms: AtomicU64::new(0),
            epoch: Instant::now(),
            release: Notify::new(),
            thread: OnceLock::new(),
        }),
    });
    let driven = runtime.clone();
    let thread = std::thread::Builder::new()
        .name("aerospike-py-driver".into())
        .spawn(move || Driver::run(driven))
        .map_err(|e| Failure::Client(format!("cannot start the runtime's driver thread: {e}")))?;
    if let Some(driver) = &runtime.driver {
        let _ = driver.thread.set(thread.thread().clone());
    }
    *slot = Some(runtime.clone());
    Ok(runtime)
}

/// What `runtime_for` found: the runtime, and whether a requested size could not be applied.
pub struct Acquired {
    pub runtime: Arc<ProcessRuntime>,
    pub ignored_request: Option<usize>,
}

/// The worker runtime of this process, started with `requested` workers (else the env var,
/// else 2).
pub fn runtime_for(requested: Option<usize>) -> Result<Acquired, Failure> {
    let mut current = CURRENT.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(runtime) = this_process(&mut current) {
        let ignored_request = requested.filter(|n| *n != runtime.workers);
        return Ok(Acquired {
            runtime,
            ignored_request,
        });
    }
    let workers = match requested {
        Some(n) => n,
        None => workers_from_env()?,
    };
    let tokio = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .thread_name("aerospike-py")
        .enable_all()
        .build()
        .map_err(|e| Failure::Client(format!("cannot start the Tokio runtime: {e}")))?;
    let runtime = Arc::new(ProcessRuntime {
        pid: std::process::id(),
        workers,
        async_in_flight: Arc::default(),
        tokio,
        driver: None,
    });
    *current = Some(runtime.clone());
    Ok(Acquired {
        runtime,
        ignored_request: None,
    })
}

/// The worker count of this process's runtime, or None when it has not started here.
pub fn running_workers() -> Option<usize> {
    let current = CURRENT.lock().unwrap_or_else(PoisonError::into_inner);
    current
        .as_ref()
        .filter(|runtime| runtime.pid == std::process::id())
        .map(|runtime| runtime.workers)
}

pub fn validate_workers(name: &str, workers: i64) -> Result<usize, Failure> {
    match usize::try_from(workers) {
        Ok(n) if (1..=MAX_WORKERS).contains(&n) => Ok(n),
        _ => Err(Failure::InvalidArg(format!(
            "{name} must be between 1 and {MAX_WORKERS}, got {workers}"
        ))),
    }
}

fn workers_from_env() -> Result<usize, Failure> {
    match std::env::var(WORKERS_ENV) {
        Err(_) => Ok(DEFAULT_WORKERS),
        Ok(text) => match text.trim().parse::<i64>() {
            Ok(n) => validate_workers(WORKERS_ENV, n),
            Err(_) => Err(Failure::InvalidArg(format!(
                "{WORKERS_ENV} must be an integer, got {text:?}"
            ))),
        },
    }
}

/// Refuses to drive a client or runtime from a process other than the one that created it.
pub fn ensure_same_process(created_by: u32) -> Result<(), Failure> {
    let now = std::process::id();
    if now == created_by {
        Ok(())
    } else {
        Err(Failure::Client(format!(
            "this client was created in process {created_by} and cannot be used in process \
             {now} (after fork); create a new client in the child process"
        )))
    }
}
