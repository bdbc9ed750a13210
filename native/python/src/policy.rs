//! Policy dicts (per call, and the defaults from the config) onto the crate's policies.
//! Every key is checked: an unknown key or a wrong type raises InvalidArgError.

use aerospike::policy::Replica;
use aerospike::{
    BasePolicy, BatchDeletePolicy, BatchPolicy, BatchReadPolicy, BatchUDFPolicy, BatchWritePolicy,
    CommitLevel, Expiration, GenerationPolicy, QueryDuration, QueryPolicy, ReadPolicy,
    ReadTouchTTL, RecordExistsAction, WritePolicy,
};
use pyo3::prelude::*;

use crate::expressions::compile;
use crate::fields::{for_each_entry, Entry};

pub const TTL_NAMESPACE_DEFAULT: i64 = 0;
pub const TTL_NEVER_EXPIRE: i64 = -1;
pub const TTL_DONT_UPDATE: i64 = -2;
pub const TTL_CLIENT_DEFAULT: i64 = -3;

const BASE_KEYS: &[&str] = &[
    "socket_timeout",
    "total_timeout",
    "max_retries",
    "sleep_between_retries",
    "timeout_delay",
    "filter_expression",
    "read_touch_ttl_percent",
];
const READ_KEYS: &[&str] = &["replica"];
const WRITE_KEYS: &[&str] = &[
    "key",
    "exists",
    "gen",
    "commit_level",
    "ttl",
    "durable_delete",
];
const BATCH_KEYS: &[&str] = &[
    "allow_inline",
    "allow_inline_ssd",
    "respond_all_keys",
    "replica",
];
const QUERY_KEYS: &[&str] = &[
    "max_records",
    "records_per_second",
    "max_concurrent_nodes",
    "record_queue_size",
    "include_bin_data",
    "expected_duration",
    "replica",
    "partition_filter",
];

/// The default policy of every command family, built once from the config.
#[derive(Clone, Default)]
pub struct Defaults {
    pub read: ReadPolicy,
    pub write: WritePolicy,
    pub batch: BatchPolicy,
    pub query: QueryPolicy,
    pub scan: QueryPolicy,
}

fn unknown(entry: &Entry<'_, '_>, families: &[&'static [&'static str]]) -> PyErr {
    let mut keys: Vec<&str> = BASE_KEYS.to_vec();
    for family in families {
        keys.extend_from_slice(family);
    }
    entry.unknown(&keys)
}

fn apply_base(base: &mut BasePolicy, entry: &Entry<'_, '_>) -> PyResult<bool> {
    match entry.key {
        "socket_timeout" => base.socket_timeout = entry.u32()?,
        "total_timeout" => base.total_timeout = entry.u32()?,
        "max_retries" => base.max_retries = entry.usize()?,
        "sleep_between_retries" => base.sleep_between_retries = entry.u32()?,
        "timeout_delay" => base.timeout_delay = entry.u32()?,
        "filter_expression" => base.filter_expression = optional_expression(entry)?,
        "read_touch_ttl_percent" => base.read_touch_ttl = read_touch_ttl(entry)?,
        _ => return Ok(false),
    }
    Ok(true)
}

fn optional_expression(
    entry: &Entry<'_, '_>,
) -> PyResult<Option<aerospike::expressions::Expression>> {
    if entry.value.is_none() {
        Ok(None)
    } else {
        compile(entry.value).map(Some)
    }
}

fn read_touch_ttl(entry: &Entry<'_, '_>) -> PyResult<ReadTouchTTL> {
    Ok(match entry.int_in(-1, 100)? {
        0 => ReadTouchTTL::ServerDefault,
        -1 => ReadTouchTTL::DontReset,
        percent => ReadTouchTTL::Percent(u8::try_from(percent).unwrap_or(100)),
    })
}

fn replica(entry: &Entry<'_, '_>) -> PyResult<Replica> {
    Ok(match entry.int_in(0, 2)? {
        0 => Replica::Master,
        1 => Replica::Sequence,
        _ => Replica::PreferRack,
    })
}

fn exists_action(entry: &Entry<'_, '_>) -> PyResult<RecordExistsAction> {
    Ok(match entry.int_in(0, 4)? {
        0 => RecordExistsAction::Update,
        1 => RecordExistsAction::UpdateOnly,
        2 => RecordExistsAction::Replace,
        3 => RecordExistsAction::ReplaceOnly,
        _ => RecordExistsAction::CreateOnly,
    })
}

fn generation_policy(entry: &Entry<'_, '_>) -> PyResult<GenerationPolicy> {
    Ok(match entry.int_in(0, 2)? {
        0 => GenerationPolicy::None,
        1 => GenerationPolicy::ExpectGenEqual,
        _ => GenerationPolicy::ExpectGenGreater,
    })
}

pub(crate) fn commit_level(entry: &Entry<'_, '_>) -> PyResult<CommitLevel> {
    Ok(match entry.int_in(0, 1)? {
        0 => CommitLevel::CommitAll,
        _ => CommitLevel::CommitMaster,
    })
}

/// A TTL in seconds or one of the TTL_* constants.
pub fn expiration(entry: &Entry<'_, '_>, client_default: Expiration) -> PyResult<Expiration> {
    Ok(expiration_of(ttl(entry)?, client_default))
}

/// A TTL in seconds or one of the TTL_* constants, checked but not yet resolved.
pub fn ttl(entry: &Entry<'_, '_>) -> PyResult<i64> {
    entry.int_in(TTL_CLIENT_DEFAULT, i64::from(u32::MAX - 2))
}

/// The expiration a checked TTL asks for.
pub fn expiration_of(ttl: i64, client_default: Expiration) -> Expiration {
    match ttl {
        TTL_NAMESPACE_DEFAULT => Expiration::NamespaceDefault,
        TTL_NEVER_EXPIRE => Expiration::Never,
        TTL_DONT_UPDATE => Expiration::DontUpdate,
        TTL_CLIENT_DEFAULT => client_default,
        seconds => Expiration::Seconds(u32::try_from(seconds).unwrap_or(u32::MAX)),
    }
}

/// `key`: POLICY_KEY_DIGEST (0) or POLICY_KEY_SEND (1).
pub(crate) fn send_key(entry: &Entry<'_, '_>) -> PyResult<bool> {
    Ok(entry.int_in(0, 1)? == 1)
}

pub fn read(defaults: &Defaults, policy: Option<&Bound<'_, PyAny>>) -> PyResult<ReadPolicy> {
    let mut out = defaults.read.clone();
    apply_read(&mut out, "policy", policy)?;
    Ok(out)
}

pub fn apply_read(
    out: &mut ReadPolicy,
    context: &str,
    policy: Option<&Bound<'_, PyAny>>,
) -> PyResult<()> {
    for_each_entry(context, policy, |entry| {
        if apply_base(&mut out.base_policy, &entry)? {
            return Ok(());
        }
        match entry.key {
            "replica" => out.replica = replica(&entry)?,
            _ => return Err(unknown(&entry, &[READ_KEYS])),
        }
        Ok(())
    })
}

pub fn write(
    defaults: &Defaults,
    policy: Option<&Bound<'_, PyAny>>,
    meta: Option<&Bound<'_, PyAny>>,
) -> PyResult<WritePolicy> {
    let mut out = defaults.write.clone();
    apply_write(&mut out, "policy", policy)?;
    apply_meta(
        (&mut out.expiration, &mut out.generation),
        defaults.write.expiration,
        meta,
    )?;
    Ok(out)
}

/// A record's `meta` (`ttl`, `gen`) over the TTL and generation its policy gave.
pub fn apply_meta(
    (ttl, generation): (&mut Expiration, &mut u32),
    client_default: Expiration,
    meta: Option<&Bound<'_, PyAny>>,
) -> PyResult<()> {
    for_each_entry("meta", meta, |entry| {
        match entry.key {
            "ttl" => *ttl = expiration(&entry, client_default)?,
            "gen" => *generation = entry.u32()?,
            _ => return Err(entry.unknown(&["ttl", "gen"])),
        }
        Ok(())
    })
}

pub fn apply_write(
    out: &mut WritePolicy,
    context: &str,
    policy: Option<&Bound<'_, PyAny>>,
) -> PyResult<()> {
    let client_default = out.expiration;
    for_each_entry(context, policy, |entry| {
        if apply_base(&mut out.base_policy, &entry)? {
            return Ok(());
        }
        match entry.key {
            "key" => out.send_key = send_key(&entry)?,
            "exists" => out.record_exists_action = exists_action(&entry)?,
            "gen" => out.generation_policy = generation_policy(&entry)?,
            "commit_level" => out.commit_level = commit_level(&entry)?,
            "ttl" => out.expiration = expiration(&entry, client_default)?,
            "durable_delete" => out.durable_delete = entry.bool()?,
            _ => return Err(unknown(&entry, &[WRITE_KEYS])),
        }
        Ok(())
    })
}

pub fn batch(defaults: &Defaults, policy: Option<&Bound<'_, PyAny>>) -> PyResult<BatchPolicy> {
    let mut out = defaults.batch.clone();
    apply_batch(&mut out, "policy", policy)?;
    Ok(out)
}

pub fn apply_batch(
    out: &mut BatchPolicy,
    context: &str,
    policy: Option<&Bound<'_, PyAny>>,
) -> PyResult<()> {
    for_each_entry(context, policy, |entry| {
        if entry.key == "filter_expression" {
            out.filter_expression = optional_expression(&entry)?;
            return Ok(());
        }
        if apply_base(&mut out.base_policy, &entry)? {
            return Ok(());
        }
        match entry.key {
            "allow_inline" => out.allow_inline = entry.bool()?,
            "allow_inline_ssd" => out.allow_inline_ssd = entry.bool()?,
            "respond_all_keys" => out.respond_all_keys = entry.bool()?,
            "replica" => out.replica = replica(&entry)?,
            _ => return Err(unknown(&entry, &[BATCH_KEYS])),
        }
        Ok(())
    })
}

/// A batch write/operate/remove policy: batch keys plus the per-record write keys.
pub struct BatchWrite {
    pub batch: BatchPolicy,
    pub write: BatchWritePolicy,
    pub delete: BatchDeletePolicy,
}

pub fn batch_write(defaults: &Defaults, policy: Option<&Bound<'_, PyAny>>) -> PyResult<BatchWrite> {
    let mut out = BatchWrite {
        batch: defaults.batch.clone(),
        write: BatchWritePolicy {
            send_key: defaults.write.send_key,
            durable_delete: defaults.write.durable_delete,
            expiration: defaults.write.expiration,
            commit_level: defaults.write.commit_level.clone(),
            ..BatchWritePolicy::default()
        },
        delete: BatchDeletePolicy {
            send_key: defaults.write.send_key,
            durable_delete: defaults.write.durable_delete,
            commit_level: defaults.write.commit_level.clone(),
            ..BatchDeletePolicy::default()
        },
    };
    let client_default = defaults.write.expiration;
    for_each_entry("policy", policy, |entry| {
        match entry.key {
            "key" => {
                out.write.send_key = send_key(&entry)?;
                out.delete.send_key = out.write.send_key;
            }
            "exists" => out.write.record_exists_action = exists_action(&entry)?,
            "gen" => {
                out.write.generation_policy = generation_policy(&entry)?;
                out.delete.generation_policy = out.write.generation_policy.clone();
            }
            "commit_level" => {
                out.write.commit_level = commit_level(&entry)?;
                out.delete.commit_level = out.write.commit_level.clone();
            }
            "ttl" => out.write.expiration = expiration(&entry, client_default)?,
            "durable_delete" => {
                out.write.durable_delete = entry.bool()?;
                out.delete.durable_delete = out.write.durable_delete;
            }
            _ => {
                let single = pyo3::types::PyDict::new(entry.value.py());
                single.set_item(entry.key, entry.value)?;
                apply_batch(&mut out.batch, "policy", Some(single.as_any()))
                    .map_err(|_| unknown(&entry, &[BATCH_KEYS, WRITE_KEYS]))?;
            }
        }
        Ok(())
    })?;
    Ok(out)
}

/// The per-record UDF keys of `batch_apply`'s policy.
const UDF_KEYS: &[&str] = &["key", "commit_level", "ttl", "durable_delete"];

/// `batch_apply`'s policy: the batch's transport keys and the UDF defaults of its records.
pub struct BatchUdf {
    pub batch: BatchPolicy,
    pub udf: BatchUDFPolicy,
}

pub fn batch_udf(defaults: &Defaults, policy: Option<&Bound<'_, PyAny>>) -> PyResult<BatchUdf> {
    let mut out = BatchUdf {
        batch: defaults.batch.clone(),
        udf: BatchUDFPolicy {
            send_key: defaults.write.send_key,
            durable_delete: defaults.write.durable_delete,
            expiration: defaults.write.expiration,
            commit_level: defaults.write.commit_level.clone(),
            filter_expression: None,
        },
    };
    let client_default = defaults.write.expiration;
    for_each_entry("policy", policy, |entry| {
        match entry.key {
            "key" => out.udf.send_key = send_key(&entry)?,
            "commit_level" => out.udf.commit_level = commit_level(&entry)?,
            "ttl" => out.udf.expiration = expiration(&entry, client_default)?,
            "durable_delete" => out.udf.durable_delete = entry.bool()?,
            _ => {
                let single = pyo3::types::PyDict::new(entry.value.py());
                single.set_item(entry.key, entry.value)?;
                apply_batch(&mut out.batch, "policy", Some(single.as_any()))
                    .map_err(|_| unknown(&entry, &[BATCH_KEYS, UDF_KEYS]))?;
            }
        }
        Ok(())
    })?;
    Ok(out)
}

pub fn batch_read_policy(defaults: &Defaults) -> BatchReadPolicy {
    BatchReadPolicy {
        read_touch_ttl: defaults.batch.base_policy.read_touch_ttl,
        filter_expression: None,
    }
}

/// A query or scan policy; `partition_filter` is returned apart since the crate takes it apart.
pub fn query<'py>(
    base: &QueryPolicy,
    policy: Option<&Bound<'py, PyAny>>,
) -> PyResult<(QueryPolicy, Option<Bound<'py, PyAny>>)> {
    let mut out = base.clone();
    let mut partition_filter = None;
    apply_query(&mut out, "policy", policy, &mut partition_filter)?;
    Ok((out, partition_filter))
}

pub fn apply_query<'py>(
    out: &mut QueryPolicy,
    context: &str,
    policy: Option<&Bound<'py, PyAny>>,
    partition_filter: &mut Option<Bound<'py, PyAny>>,
) -> PyResult<()> {
    for_each_entry(context, policy, |entry| {
        if apply_base(&mut out.base_policy, &entry)? {
            return Ok(());
        }
        match entry.key {
            "max_records" => out.max_records = u64::from(entry.u32()?),
            "records_per_second" => out.records_per_second = entry.u32()?,
            "max_concurrent_nodes" => out.max_concurrent_nodes = entry.usize()?,
            "record_queue_size" => out.record_queue_size = entry.usize()?.max(1),
            "include_bin_data" => out.include_bin_data = entry.bool()?,
            "expected_duration" => {
                out.expected_duration = match entry.int_in(0, 2)? {
                    0 => QueryDuration::Long,
                    1 => QueryDuration::Short,
                    _ => QueryDuration::LongRelaxAP,
                }
            }
            "replica" => out.replica = replica(&entry)?,
            "partition_filter" => *partition_filter = Some(entry.value.clone()),
            _ => return Err(unknown(&entry, &[QUERY_KEYS])),
        }
        Ok(())
    })
}
