//! `foreach`: query records handed to a Python callback while the query still runs.
//!
//! Memory stays bounded by design, whatever the size of the result: a Tokio task moves records
//! from the crate's recordset (at most the policy's `record_queue_size` records, 1024 by default)
//! into a channel of `CHANNEL_RECORDS` records, and the Python side takes at most `BATCH_RECORDS`
//! at a time. When a buffer is full its producer waits, which in turn stops reading from the
//! server's socket. The GIL is taken only to build records and call the callback.
//!
//! Stopping early (the callback returns False or raises, the awaiting task is cancelled, or the
//! feed is dropped) wakes the task at once: it closes the recordset, so the crate stops reading
//! and drops the server connections that were still streaming, which ends the scan there.

use std::sync::Arc;

use aerospike::Record;
use futures::StreamExt;
use pyo3::prelude::*;
use pyo3::types::PyBool;
use tokio::sync::{mpsc, Notify};

use crate::bridge;
use crate::convert::{record_to_py, Strings};
use crate::core::{Core, Effect, Job};
use crate::errors::Failure;
use crate::query::QueryParts;
use crate::reply::Reply;
use crate::runtime::ProcessRuntime;

/// Records buffered between the Tokio task and Python.
const CHANNEL_RECORDS: usize = 64;

/// Records handed to Python per wake-up (one GIL acquisition).
const BATCH_RECORDS: usize = 64;

type Item = Result<Record, Failure>;

/// The consumer's side of the channel, and an error that arrived behind records already taken.
struct Inbox {
    receiver: mpsc::Receiver<Item>,
    deferred: Option<Failure>,
}

/// The receiving end of one running query.
pub struct Feed {
    runtime: Arc<ProcessRuntime>,
    inbox: Arc<tokio::sync::Mutex<Inbox>>,
    stop: Arc<Notify>,
}

impl Feed {
    /// Starts the query on the runtime; its records (then its error, if any) arrive in order.
    pub fn start(py: Python<'_>, core: &Core, parts: QueryParts) -> PyResult<Feed> {
        let (sender, receiver) = mpsc::channel(CHANNEL_RECORDS);
        let stop = Arc::new(Notify::new());
        let producer = sender.clone();
        let stopped = stop.clone();
        let total_timeout = parts.policy.base_policy.total_timeout;
        let Job {
            runtime, future, ..
        } = core.job(py, Effect::Reads, total_timeout, move |client| async move {
            let QueryParts {
                policy,
                partitions,
                statement,
            } = parts;
            let namespace = statement.namespace.clone();
            let recordset = client.query(&policy, partitions, statement).await?;
            let mut records = recordset.into_stream();
            let outcome = forward(&mut records, &producer, &stopped).await;
            records.as_ref().close();
            outcome
                .map(|()| Reply::Nothing)
                .map_err(|failure| failure.in_namespace(&client, &namespace))
        })?;
        runtime.spawn(async move {
            if let Err(failure) = bridge::shielded(future).await {
                let _ = sender.send(Err(failure)).await;
            }
        });
        let inbox = Inbox {
            receiver,
            deferred: None,
        };
        Ok(Feed {
            runtime,
            inbox: Arc::new(tokio::sync::Mutex::new(inbox)),
            stop,
        })
    }

    /// The blocking `foreach`: the GIL is released while waiting for records.
    pub fn run_blocking(self, py: Python<'_>, callback: &Bound<'_, PyAny>) -> PyResult<()> {
        loop {
            let records = bridge::wait_interruptible(py, &self.runtime, next_batch(&self.inbox))?
                .map_err(|failure| failure.into_pyerr(py))?;
            if records.is_empty() {
                return Ok(());
            }
            let mut strings = Strings::default();
            for record in &records {
                let record = record_to_py(py, None, record, &mut strings)?;
                if !wants_more(&callback.call1((record,))?) {
                    return Ok(());
                }
            }
        }
    }

    /// An asyncio future of the next batch of records as a list (empty once the query ended).
    pub fn next_batch_async<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let inbox = self.inbox.clone();
        bridge::spawn(
            py,
            &self.runtime,
            bridge::Start::HereWhenQuiet,
            async move { Ok(Reply::Records(next_batch(&inbox).await?)) },
        )
    }

    /// Stops the query: the producer drops out of its loop and closes the recordset.
    pub fn close(&self) {
        self.stop.notify_one();
    }
}

impl Drop for Feed {
    fn drop(&mut self) {
        self.close();
    }
}

/// The aerospike-py rule: only a callback returning exactly False stops the query.
fn wants_more(answer: &Bound<'_, PyAny>) -> bool {
    !answer.is(PyBool::new(answer.py(), false))
}

/// Moves records into the channel until the query ends or the consumer stops it.
async fn forward(
    records: &mut aerospike::query::RecordStream,
    sender: &mpsc::Sender<Item>,
    stop: &Notify,
) -> Result<(), Failure> {
    loop {
        let next = tokio::select! {
            () = stop.notified() => return Ok(()),
            next = records.next() => next,
        };
        let record = match next {
            None => return Ok(()),
            Some(record) => record?,
        };
        tokio::select! {
            () = stop.notified() => return Ok(()),
            sent = sender.send(Ok(record)) => if sent.is_err() { return Ok(()) },
        }
    }
}

/// Waits for one record, then takes what else is already there, up to `BATCH_RECORDS`. Empty
/// once the query has ended; an error comes after the records that preceded it.
async fn next_batch(inbox: &tokio::sync::Mutex<Inbox>) -> Result<Vec<Record>, Failure> {
    let mut inbox = inbox.lock().await;
    if let Some(failure) = inbox.deferred.take() {
        return Err(failure);
    }
    let mut batch = Vec::new();
    let Some(first) = inbox.receiver.recv().await else {
        return Ok(batch);
    };
    batch.push(first?);
    while batch.len() < BATCH_RECORDS {
        match inbox.receiver.try_recv() {
            Ok(Ok(record)) => batch.push(record),
            Ok(Err(failure)) => {
                inbox.deferred = Some(failure);
                break;
            }
            Err(_) => break,
        }
    }
    Ok(batch)
}

/// The Python face of a `Feed` for the asyncio `foreach` (see `aerospike_py._foreach`).
#[pyclass(frozen, name = "_RecordFeed", module = "aerospike_py._native")]
pub struct RecordFeed {
    feed: Feed,
}

impl RecordFeed {
    pub fn new(feed: Feed) -> Self {
        RecordFeed { feed }
    }
}

#[pymethods]
impl RecordFeed {
    fn next_batch<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.feed.next_batch_async(py)
    }

    fn close(&self) {
        self.feed.close();
    }
}
