//! The Tokio runtimes of a process, created at the first connect (never at import) and
//! replaced (never reused) in a forked child, whose copies have no threads:
//!
//! - the worker runtime (`AEROSPIKE_RUNTIME_WORKERS` threads) behind every `AsyncClient`;
//! - the caller-driven runtime behind every blocking `Client`: a current-thread runtime that the
//!   calling thread drives itself while it waits, so a reply wakes the caller directly instead of
//!   a worker that then wakes it (one thread switch per command instead of two). Between calls an
//!   idle-driver thread keeps it turning, so cluster tend and connection upkeep never starve.

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::Notify;
use tokio::task::JoinHandle;

use crate::errors::Failure;

const WORKERS_ENV: &str = "AEROSPIKE_RUNTIME_WORKERS";
const DEFAULT_WORKERS: usize = 2;
const MAX_WORKERS: usize = 256;
/// How long no caller must have driven the caller-driven runtime before the idle driver does.
const IDLE_GRACE: Duration = Duration::from_millis(10);

pub struct ProcessRuntime {
    pub pid: u32,
    /// Worker threads; 0 for the caller-driven runtime.
    pub workers: usize,
    tokio: tokio::runtime::Runtime,
    idle: Option<IdleDriver>,
}

impl ProcessRuntime {
    /// Runs `future` to completion on this thread (the caller holds no GIL).
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        match &self.idle {
            None => self.tokio.block_on(future),
            Some(idle) => {
                let _caller = idle.enter();
                self.tokio.block_on(future)
            }
        }
    }

    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.tokio.spawn(future)
    }
}

/// Drives the caller-driven runtime from its own thread while no caller does.
struct IdleDriver {
    callers: AtomicUsize,
    driving: AtomicBool,
    last_call_ms: AtomicU64,
    epoch: Instant,
    wake: Notify,
}

impl IdleDriver {
    /// Marks a caller about to drive the runtime, and asks the idle driver to hand it over.
    fn enter(&self) -> Caller<'_> {
        self.callers.fetch_add(1, SeqCst);
        if self.driving.load(SeqCst) {
            self.wake.notify_one();
        }
        Caller(self)
    }

    fn idle_long_enough(&self) -> bool {
        let now = self.epoch.elapsed().as_millis() as u64;
        let since = now.saturating_sub(self.last_call_ms.load(SeqCst));
        self.callers.load(SeqCst) == 0 && since >= IDLE_GRACE.as_millis() as u64
    }

    /// The idle driver's thread: wait for a quiet spell, then turn the runtime until a caller
    /// arrives. `driving` is set before `callers` is checked, and a caller counts itself before
    /// it reads `driving`, so one of the two always sees the other.
    fn run(runtime: Arc<ProcessRuntime>) {
        let Some(idle) = &runtime.idle else { return };
        loop {
            std::thread::sleep(IDLE_GRACE);
            if !idle.idle_long_enough() {
                continue;
            }
            idle.driving.store(true, SeqCst);
            if idle.callers.load(SeqCst) == 0 {
                runtime.tokio.block_on(idle.wake.notified());
            }
            idle.driving.store(false, SeqCst);
        }
    }
}

/// One caller inside the caller-driven runtime; leaving records the time.
struct Caller<'a>(&'a IdleDriver);

impl Drop for Caller<'_> {
    fn drop(&mut self) {
        let idle = self.0;
        idle.last_call_ms
            .store(idle.epoch.elapsed().as_millis() as u64, SeqCst);
        idle.callers.fetch_sub(1, SeqCst);
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
        tokio,
        idle: Some(IdleDriver {
            callers: AtomicUsize::new(0),
            driving: AtomicBool::new(false),
            last_call_ms: AtomicU64::new(0),
            epoch: Instant::now(),
            wake: Notify::new(),
        }),
    });
    let driven = runtime.clone();
    std::thread::Builder::new()
        .name("aerospike-py-idle".into())
        .spawn(move || IdleDriver::run(driven))
        .map_err(|e| Failure::Client(format!("cannot start the idle driver thread: {e}")))?;
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
        tokio,
        idle: None,
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
