//! The client config dict, checked key by key: nothing is silently ignored.

use aerospike::{AuthMode, ClientPolicy, Host};
use pyo3::prelude::*;
use pyo3::types::{PyString, PyTuple};

use crate::busy_poll;
use crate::errors::{invalid_arg, utf8, Brief};
use crate::fields::{for_each_entry, Entry};
use crate::policy::{self, Defaults};
use crate::runtime::validate_workers;

const CONFIG_KEYS: &[&str] = &[
    "hosts",
    "cluster_name",
    "user",
    "password",
    "timeout",
    "idle_timeout",
    "max_conns_per_node",
    "min_conns_per_node",
    "conn_pools_per_node",
    "tend_interval",
    "use_services_alternate",
    "max_error_rate",
    "error_rate_window",
    "max_concurrent_operations",
    "operation_queue_timeout_ms",
    "runtime_workers",
    "busy_poll_us",
    "socket_timeout",
    "total_timeout",
    "max_retries",
    "sleep_between_retries",
    "send_key",
    "policies",
];
const POLICY_FAMILIES: &[&str] = &["read", "write", "batch", "query", "scan"];
const DEFAULT_PORT: u16 = 3000;
/// Pooled connections are not expired for idleness unless asked, as in the official clients: a
/// connection the server closed is found at checkout (the crate peeks every socket it hands
/// out) and replaced. The crate's own default (30 s) makes it read the clock after every read
/// from a socket, some 500 times for a batch of 100 records.
const DEFAULT_IDLE_TIMEOUT_MS: u32 = 0;

pub struct Config {
    pub hosts: Vec<Host>,
    pub client_policy: ClientPolicy,
    pub defaults: Defaults,
    pub max_concurrent_operations: usize,
    pub operation_queue_timeout_ms: u64,
    pub runtime_workers: Option<usize>,
    pub busy_poll_us: u64,
}

pub fn parse(py: Python<'_>, config: &Bound<'_, PyAny>) -> PyResult<Config> {
    let mut out = Config {
        hosts: Vec::new(),
        client_policy: ClientPolicy {
            idle_timeout: DEFAULT_IDLE_TIMEOUT_MS,
            ..ClientPolicy::default()
        },
        defaults: Defaults::default(),
        max_concurrent_operations: 0,
        operation_queue_timeout_ms: 0,
        runtime_workers: None,
        busy_poll_us: busy_poll::DEFAULT_BUDGET_US,
    };
    let mut user = None;
    let mut password = None;
    let mut shared = Vec::new();
    let mut families = None;
    for_each_entry("config", Some(config), |entry| {
        let policy = &mut out.client_policy;
        match entry.key {
            "hosts" => out.hosts = hosts(&entry)?,
            "cluster_name" => policy.cluster_name = Some(entry.string()?),
            "user" => user = Some(entry.string()?),
            "password" => password = Some(entry.string()?),
            "timeout" => policy.timeout = entry.u32()?,
            "idle_timeout" => policy.idle_timeout = entry.u32()?.saturating_mul(1000),
            "max_conns_per_node" => policy.max_conns_per_node = entry.usize()?,
            "min_conns_per_node" => policy.min_conns_per_node = entry.usize()?,
            "conn_pools_per_node" => {
                policy.conn_pools_per_node = u8::try_from(entry.int_in(1, 255)?).unwrap_or(1)
            }
            "tend_interval" => policy.tend_interval = entry.u32()?.max(1),
            "use_services_alternate" => policy.use_services_alternate = entry.bool()?,
            "max_error_rate" => policy.max_error_rate = entry.usize()?,
            "error_rate_window" => policy.error_rate_window = entry.usize()?,
            "max_concurrent_operations" => out.max_concurrent_operations = entry.usize()?,
            "operation_queue_timeout_ms" => {
                out.operation_queue_timeout_ms = u64::from(entry.u32()?)
            }
            "runtime_workers" => {
                out.runtime_workers = Some(
                    validate_workers("config key \"runtime_workers\"", entry.int()?)
                        .map_err(|f| f.into_pyerr(py))?,
                )
            }
            "busy_poll_us" => {
                out.busy_poll_us = entry.int_in(0, busy_poll::MAX_BUDGET_US)?.unsigned_abs()
            }
            "socket_timeout" | "total_timeout" | "max_retries" | "sleep_between_retries" => {
                shared.push((entry.key.to_owned(), entry.value.clone()))
            }
            "send_key" => {
                let send = entry.bool()?;
                out.defaults.write.send_key = send;
            }
            "policies" => families = Some(entry.value.clone()),
            _ => return Err(entry.unknown(CONFIG_KEYS)),
        }
        Ok(())
    })?;
    if out.hosts.is_empty() {
        return Err(invalid_arg(
            py,
            "config key \"hosts\" is required: a list of (host, port) tuples",
        ));
    }
    match (user, password) {
        (Some(user), Some(password)) => {
            out.client_policy.auth_mode = AuthMode::Internal(user, password)
        }
        (None, None) => {}
        _ => {
            return Err(invalid_arg(
                py,
                "config keys \"user\" and \"password\" go together",
            ))
        }
    }
    if out.client_policy.max_conns_per_node > 0
        && out.client_policy.min_conns_per_node > out.client_policy.max_conns_per_node
    {
        return Err(invalid_arg(
            py,
            format!(
                "config key \"min_conns_per_node\" ({}) exceeds \"max_conns_per_node\" ({})",
                out.client_policy.min_conns_per_node, out.client_policy.max_conns_per_node
            ),
        ));
    }
    apply_shared(py, &mut out.defaults, &shared)?;
    apply_families(&mut out.defaults, families.as_ref())?;
    Ok(out)
}

/// Shared defaults apply to every command family.
fn apply_shared(
    py: Python<'_>,
    defaults: &mut Defaults,
    shared: &[(String, Bound<'_, PyAny>)],
) -> PyResult<()> {
    if shared.is_empty() {
        return Ok(());
    }
    let dict = pyo3::types::PyDict::new(py);
    for (key, value) in shared {
        dict.set_item(key, value)?;
    }
    let dict = dict.as_any();
    policy::apply_read(&mut defaults.read, "config", Some(dict))?;
    policy::apply_write(&mut defaults.write, "config", Some(dict))?;
    policy::apply_batch(&mut defaults.batch, "config", Some(dict))?;
    let mut ignored = None;
    policy::apply_query(&mut defaults.query, "config", Some(dict), &mut ignored)?;
    policy::apply_query(&mut defaults.scan, "config", Some(dict), &mut ignored)?;
    Ok(())
}

fn apply_families(defaults: &mut Defaults, families: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
    for_each_entry("config \"policies\"", families, |entry| {
        let context = format!("config policies[{:?}]", entry.key);
        let value = Some(entry.value);
        let mut partition_filter = None;
        match entry.key {
            "read" => policy::apply_read(&mut defaults.read, &context, value)?,
            "write" => policy::apply_write(&mut defaults.write, &context, value)?,
            "batch" => policy::apply_batch(&mut defaults.batch, &context, value)?,
            "query" => {
                policy::apply_query(&mut defaults.query, &context, value, &mut partition_filter)?
            }
            "scan" => {
                policy::apply_query(&mut defaults.scan, &context, value, &mut partition_filter)?
            }
            _ => return Err(entry.unknown(POLICY_FAMILIES)),
        }
        if partition_filter.is_some() {
            return Err(invalid_arg(
                entry.value.py(),
                format!("{context}: partition_filter is per query, not a default"),
            ));
        }
        Ok(())
    })
}

fn hosts(entry: &Entry<'_, '_>) -> PyResult<Vec<Host>> {
    let py = entry.value.py();
    let wrong = |item: &Bound<'_, PyAny>| {
        invalid_arg(
            py,
            format!("config key \"hosts\" must list (host, port) tuples or \"host:port\" strings, got {item:.80}", item = Brief(item)),
        )
    };
    if entry.value.is_instance_of::<PyString>() {
        return Err(wrong(entry.value));
    }
    let iter = entry.value.try_iter().map_err(|_| wrong(entry.value))?;
    iter.map(|item| {
        let item = item?;
        if let Ok(text) = item.cast::<PyString>() {
            let text = utf8(text, "config key \"hosts\" entry")?;
            return match text.rsplit_once(':') {
                Some((host, port)) => {
                    let port = port.parse::<u16>().map_err(|_| wrong(&item))?;
                    Ok(Host::new(host, port))
                }
                None => Ok(Host::new(text, DEFAULT_PORT)),
            };
        }
        let tuple = item.cast::<PyTuple>().map_err(|_| wrong(&item))?;
        if tuple.len() < 2 {
            return Err(wrong(&item));
        }
        let host: String = tuple.get_item(0)?.extract().map_err(|_| wrong(&item))?;
        let port: u16 = tuple.get_item(1)?.extract().map_err(|_| wrong(&item))?;
        Ok(Host::new(&host, port))
    })
    .collect()
}
