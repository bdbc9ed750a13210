//! Waiting for a secondary index to become ready (or gone) on every node.
//!
//! The crate's `IndexTask` and `DropIndexTask` sleep a whole second before each check, so every
//! create or remove took at least a second. Here the nodes are asked the same info commands the
//! crate asks, every `POLL_INTERVAL`, until all of them agree or the wait's deadline passes.

use std::time::{Duration, Instant};

use aerospike::{AdminPolicy, Client, Node, Version};
use pyo3::prelude::*;

use crate::errors::{invalid_arg, Failure};

const POLL_INTERVAL: Duration = Duration::from_millis(10);

/// How long to wait when the policy gives no timeout.
const DEFAULT_WAIT: Duration = Duration::from_secs(30);

/// Characters that would split or end an info command.
const FORBIDDEN: &[char] = &[';', ':', '=', '\t', '\n', ','];

/// The state an index creation or removal waits for.
#[derive(Clone, Copy)]
pub enum Wanted {
    Ready,
    Gone,
}

/// Rejects an index name the info protocol cannot carry (empty, or holding a delimiter).
pub fn check_name(py: Python<'_>, name: &str) -> PyResult<()> {
    if name.is_empty() || name.contains(FORBIDDEN) {
        return Err(invalid_arg(
            py,
            format!("index name {name:?} must be non-empty and free of ; : = , tabs and newlines"),
        ));
    }
    Ok(())
}

/// Names the index in an error of the create or remove command itself.
pub fn naming(name: &str) -> impl Fn(aerospike::Error) -> Failure + '_ {
    move |error| Failure::Aerospike(error.chain_error(&format!("index {name:?}")))
}

/// Polls every node until each one reports the index in the `wanted` state; the wait is bounded
/// by the admin policy's timeout (or `DEFAULT_WAIT`) and then fails naming the index.
pub async fn wait_for(
    client: &Client,
    admin: &AdminPolicy,
    namespace: &str,
    name: &str,
    wanted: Wanted,
) -> Result<(), Failure> {
    let limit = match admin.timeout {
        0 => DEFAULT_WAIT,
        ms => Duration::from_millis(u64::from(ms)),
    };
    let started = Instant::now();
    loop {
        let last = first_lagging_answer(client, admin, namespace, name, wanted).await?;
        let Some(last) = last else { return Ok(()) };
        if started.elapsed() >= limit {
            let state = match wanted {
                Wanted::Ready => "ready",
                Wanted::Gone => "removed",
            };
            return Err(Failure::Aerospike(aerospike::Error::Timeout(format!(
                "index {name:?} in namespace {namespace:?} was not {state} on every node \
                 after {} ms (last answer: {last:?})",
                limit.as_millis()
            ))));
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }
}

/// The answer of the first node whose index is not yet in the `wanted` state, if any.
async fn first_lagging_answer(
    client: &Client,
    admin: &AdminPolicy,
    namespace: &str,
    name: &str,
    wanted: Wanted,
) -> Result<Option<String>, Failure> {
    let nodes = client.nodes();
    if nodes.is_empty() {
        return Err(Failure::Aerospike(aerospike::Error::Connection(format!(
            "no node to ask about index {name:?}"
        ))));
    }
    for node in nodes {
        let command = status_command(&node, namespace, name, wanted);
        let answers = node.info(admin, &[&command]).await.map_err(naming(name))?;
        let answer = answers.get(&command).cloned().unwrap_or_default();
        let done = match wanted {
            Wanted::Ready => load_complete(&answer),
            Wanted::Gone => answer.eq_ignore_ascii_case("false"),
        };
        if !done {
            return Ok(Some(answer));
        }
    }
    Ok(None)
}

/// The info command the crate's tasks send for this node's server version.
fn status_command(node: &Node, namespace: &str, name: &str, wanted: Wanted) -> String {
    let new_syntax = node.version() >= &Version::new(8, 1, 0, 0);
    match (wanted, new_syntax) {
        (Wanted::Ready, true) => format!("sindex-stat:namespace={namespace};indexname={name}"),
        (Wanted::Ready, false) => format!("sindex/{namespace}/{name}"),
        (Wanted::Gone, true) => format!("sindex-exists:namespace={namespace};indexname={name}"),
        (Wanted::Gone, false) => format!("sindex-exists:ns={namespace};indexname={name}"),
    }
}

/// True when an index statistics answer says the index is fully built (`load_pct=100`); an
/// error answer (a node that has not learnt of the index yet) means not yet.
fn load_complete(answer: &str) -> bool {
    answer
        .split([';', ':'])
        .filter_map(|field| field.strip_prefix("load_pct="))
        .any(|pct| pct.parse::<u32>().is_ok_and(|pct| pct >= 100))
}
