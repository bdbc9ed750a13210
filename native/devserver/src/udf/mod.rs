//! User-defined functions: the module registry, and record UDFs run in Lua 5.4 with the API the
//! real server gives them (`rec[bin]`, `aerospike:create/update/exists/remove`, `record.*`,
//! `list`, `map`, `bytes`).
//!
//! The command path hands [`execute`] a record and gets back the answer (the `SUCCESS` value or
//! the `FAILURE` string of result 100) and what to do with the record; nothing outside this
//! module knows Lua exists.

mod lua;
mod objects;
mod record;
mod registry;

use std::time::{Duration, Instant};

pub use registry::Registry;

use crate::msgpack;
use crate::store::Record;
use crate::value::Value;
use record::{LuaRecord, Meta};

/// Server time limit for a UDF whose request carries none (its `transaction-max-ms`).
const DEFAULT_TIME_LIMIT: Duration = Duration::from_millis(1000);

/// One record UDF call as a request describes it.
pub struct Call<'a> {
    pub module: &'a [u8],
    pub function: &'a [u8],
    /// The msgpack argument list (absent: no arguments).
    pub args: Option<&'a [u8]>,
    /// The live record, if there is one.
    pub record: Option<&'a Record>,
    pub digest: &'a [u8; 20],
    /// The request's time limit in milliseconds (0: the server's).
    pub time_limit_ms: u32,
    /// Seconds since the Citrusleaf epoch.
    pub now_void: u32,
}

/// What the call did to its record.
#[derive(Debug, PartialEq)]
pub enum Change {
    /// Read only (or nothing applied).
    None,
    /// The record, created or updated, now holds these bins.
    Write {
        bins: Vec<(Vec<u8>, Value)>,
        /// Asked by `record.set_ttl`; otherwise the request's TTL applies.
        ttl: Option<u32>,
        drop_key: bool,
    },
    /// The record was removed.
    Delete,
}

#[derive(Debug, PartialEq)]
pub struct Outcome {
    /// `Ok`: the function's return value; `Err`: the failure string of result 100.
    pub answer: Result<Value, String>,
    pub change: Change,
}

impl Outcome {
    fn failed(message: &str) -> Outcome {
        Outcome {
            answer: Err(message.to_owned()),
            change: Change::None,
        }
    }
}

/// Runs a record UDF. A failing UDF changes nothing.
pub fn execute(registry: &Registry, call: &Call<'_>) -> Outcome {
    let Some(source) = registry.source(call.module) else {
        return Outcome::failed(lua::MODULE_FAILED);
    };
    let args = match call.args.map(msgpack::decode).transpose() {
        Ok(None) => Vec::new(),
        Ok(Some(Value::List(list))) => list.items,
        _ => return Outcome::failed(lua::MODULE_FAILED),
    };
    let time_limit = match call.time_limit_ms {
        0 => DEFAULT_TIME_LIMIT,
        ms => Duration::from_millis(ms.into()),
    };
    let record = LuaRecord::new(call.record.map(|r| r.bins.clone()), meta_of(call));
    let ran = match lua::run(
        &String::from_utf8_lossy(call.module),
        &source,
        &String::from_utf8_lossy(call.function),
        &args,
        record,
        Instant::now() + time_limit,
    ) {
        Ok(ran) => ran,
        Err(message) => return Outcome::failed(&message),
    };
    let record = ran.record;
    let change = match &ran.answer {
        Err(_) => Change::None,
        Ok(_) if record.removed && !record.exists => Change::Delete,
        Ok(_) if record.updated && record.bins.is_empty() => Change::Delete,
        Ok(_) if record.updated => Change::Write {
            bins: record.bins,
            ttl: record.ttl,
            drop_key: record.drop_key,
        },
        Ok(_) => Change::None,
    };
    Outcome {
        answer: ran.answer,
        change,
    }
}

fn meta_of(call: &Call<'_>) -> Meta {
    let record = call.record;
    Meta {
        generation: record.map_or(0, |r| r.generation),
        ttl: record.map_or(0, |r| match r.void_time {
            0 => 0,
            void => void.saturating_sub(call.now_void),
        }),
        last_update_ms: record.map_or(0, |r| {
            (r.last_update_ns / 1_000_000)
                .saturating_sub(crate::store::CITRUSLEAF_EPOCH_SECS * 1000)
        }),
        set_name: record.map(|r| r.set_name.clone()).unwrap_or_default(),
        key: record.and_then(|r| r.key.as_ref().map(|k| k.value.clone())),
        digest: *call.digest,
    }
}
