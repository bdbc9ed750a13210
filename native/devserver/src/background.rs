//! Background ops jobs (scan/query with write flags, §3.9.4): the request's ops are applied to
//! every selected record as the single-record write they describe, then the job is registered
//! as done for `query-show:id=<trid>`.
//!
//! The job runs to completion before the reply, so a client polling `query-show` always sees
//! it done. The writes run after the partition walk, outside its locks, each atomically.

use crate::command;
use crate::message::{field, Field, Message};
use crate::query::Selection;
use crate::result_code::{ResultCode, FILTERED_OUT, OK, PARAMETER_ERROR};
use crate::store::{Digest, Job, Store};

/// Applies the job to every selected record and records its outcome.
pub fn run(store: &Store, selection: &Selection<'_>, msg: &Message<'_>) -> Result<(), ResultCode> {
    if msg.ops.is_empty() {
        return Err(PARAMETER_ERROR);
    }
    let task_id = match msg.field(field::TRID) {
        Some(bytes) => u64::from_be_bytes(bytes.try_into().map_err(|_| PARAMETER_ERROR)?),
        None => 0,
    };
    let mut targets: Vec<(Digest, Vec<u8>)> = Vec::new();
    selection.for_each(store.clock.now_void_secs(), |digest, record, _| {
        targets.push((*digest, record.set_name.clone()));
        true
    });
    let namespace = selection.namespace.name().as_bytes();
    let filter = msg.field(field::FILTER_EXP);
    let (mut succeeded, mut failed) = (0u64, 0u64);
    for (digest, set) in &targets {
        let mut fields = vec![
            Field {
                kind: field::NAMESPACE,
                data: namespace,
            },
            Field {
                kind: field::DIGEST,
                data: digest,
            },
        ];
        if !set.is_empty() {
            fields.push(Field {
                kind: field::SET,
                data: set,
            });
        }
        if let Some(filter) = filter {
            fields.push(Field {
                kind: field::FILTER_EXP,
                data: filter,
            });
        }
        let write = Message {
            header: msg.header,
            fields,
            ops: msg.ops.clone(),
        };
        match command::execute(store, &write).result_code {
            OK => succeeded += 1,
            FILTERED_OUT => {}
            _ => failed += 1,
        }
    }
    // Every node of a cluster runs its share of the job under the same id.
    let previous = store.job(task_id);
    store.finish_job(
        task_id,
        Job {
            namespace: selection.namespace.name().to_owned(),
            set: (!selection.set.is_empty())
                .then(|| String::from_utf8_lossy(&selection.set).into_owned()),
            records_succeeded: succeeded + previous.as_ref().map_or(0, |j| j.records_succeeded),
            records_failed: failed + previous.as_ref().map_or(0, |j| j.records_failed),
        },
    );
    Ok(())
}
