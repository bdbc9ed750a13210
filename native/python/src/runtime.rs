//! The one Tokio runtime of a process: created at the first connect, never at import, and
//! replaced (never reused) in a forked child, whose copy of the parent's runtime has no threads.

use std::sync::{Arc, Mutex, PoisonError};

use crate::errors::Failure;

const WORKERS_ENV: &str = "AEROSPIKE_RUNTIME_WORKERS";
const DEFAULT_WORKERS: usize = 2;
const MAX_WORKERS: usize = 256;

pub struct ProcessRuntime {
    pub pid: u32,
    pub workers: usize,
    pub tokio: tokio::runtime::Runtime,
}

static CURRENT: Mutex<Option<Arc<ProcessRuntime>>> = Mutex::new(None);

/// What `runtime_for` found: the runtime, and whether a requested size could not be applied.
pub struct Acquired {
    pub runtime: Arc<ProcessRuntime>,
    pub ignored_request: Option<usize>,
}

/// The runtime of this process, started with `requested` workers (else the env var, else 2).
pub fn runtime_for(requested: Option<usize>) -> Result<Acquired, Failure> {
    let mut current = CURRENT.lock().unwrap_or_else(PoisonError::into_inner);
    let pid = std::process::id();
    if let Some(runtime) = current.as_ref() {
        if runtime.pid == pid {
            let ignored_request = requested.filter(|n| *n != runtime.workers);
            return Ok(Acquired {
                runtime: runtime.clone(),
                ignored_request,
            });
        }
        // Inherited through fork: its worker threads do not exist here, and dropping it would
        // wait for them forever, so it is leaked on purpose.
        std::mem::forget(current.take());
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
        pid,
        workers,
        tokio,
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
