//! UDF commands: register and remove Lua modules, apply a function to one record or to a
//! batch of them (with per-record overrides of the call and its policy).

use std::path::Path;
use std::time::{Duration, Instant};

use aerospike::task::Status;
use aerospike::{BatchOperation, BatchUDFPolicy, Key, Policy, Task, UDFLang, Value};
use pyo3::prelude::*;
use pyo3::types::{PyList, PyTuple};

use crate::convert::{key_from_py, text_from_py, value_from_py};
use crate::core::{admin_policy, concurrency, Core, Effect, Job};
use crate::errors::{invalid_arg, Brief, Failure};
use crate::fields::for_each_entry;
use crate::policy;
use crate::reply::Reply;

/// Between two looks at whether a register or remove has reached every node.
const SPREAD_POLL: Duration = Duration::from_millis(20);
/// How long a register or remove may take to reach every node when the policy sets no timeout.
const SPREAD_TIMEOUT: Duration = Duration::from_secs(10);

/// A UDF's arguments: a list of values (None: no arguments).
fn args_from_py(
    py: Python<'_>,
    args: Option<&Bound<'_, PyAny>>,
    what: &str,
) -> PyResult<Vec<Value>> {
    let Some(args) = args.filter(|a| !a.is_none()) else {
        return Ok(Vec::new());
    };
    let list = args.cast::<PyList>().map_err(|_| {
        invalid_arg(
            py,
            format!(
                "{what} must be a list of values, got {args:.120}",
                args = Brief(args)
            ),
        )
    })?;
    list.iter().map(|item| value_from_py(&item)).collect()
}

/// The module name the server files a module under: `<name>.lua`.
fn server_path(module: &str) -> String {
    if module.ends_with(".lua") {
        module.to_owned()
    } else {
        format!("{module}.lua")
    }
}

fn spread_timeout(admin: &aerospike::AdminPolicy) -> Duration {
    match admin.timeout {
        0 => SPREAD_TIMEOUT,
        ms => Duration::from_millis(ms.into()),
    }
}

/// Waits until every node has the change: polled often, where the crate sleeps a second first.
async fn spread(task: &impl Task, timeout: Duration) -> Result<(), Failure> {
    let deadline = Instant::now() + timeout;
    loop {
        match task.query_status().await? {
            Status::Complete => return Ok(()),
            Status::InProgress if Instant::now() < deadline => {
                tokio::time::sleep(SPREAD_POLL).await
            }
            Status::InProgress => {
                return Err(aerospike::Error::Timeout(format!(
                    "the UDF change did not reach every node within {timeout:?}"
                ))
                .into())
            }
            Status::NotFound => {
                return Err(aerospike::Error::BadResponse("udf-list not answered".into()).into())
            }
        }
    }
}

/// One `batch_apply` row: its key and the call it makes.
struct Row {
    key: Key,
    policy: BatchUDFPolicy,
    module: String,
    function: String,
    args: Vec<Value>,
}

impl Core {
    pub fn udf_put(
        &self,
        py: Python<'_>,
        filename: &Bound<'_, PyAny>,
        udf_type: &Bound<'_, PyAny>,
        policy: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Job> {
        let filename = text_from_py(filename, "udf_put filename")?;
        if udf_type.extract::<i64>().ok() != Some(0) {
            return Err(invalid_arg(
                py,
                format!(
                    "Only Lua UDF (udf_type=0) is supported, got udf_type={udf_type:.60}",
                    udf_type = Brief(udf_type)
                ),
            ));
        }
        let admin = admin_policy(policy)?;
        let body = std::fs::read(&filename).map_err(|error| {
            Failure::Client(format!("Failed to read UDF file '{filename}': {error}")).into_pyerr(py)
        })?;
        let name = Path::new(&filename)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or(filename);
        let timeout = spread_timeout(&admin);
        self.job(py, Effect::Writes, admin.timeout, |client| async move {
            let task = client
                .register_udf(&admin, &body, &name, UDFLang::Lua)
                .await?;
            spread(&task, timeout).await?;
            Ok(Reply::Nothing)
        })
    }

    pub fn udf_remove(
        &self,
        py: Python<'_>,
        module: &Bound<'_, PyAny>,
        policy: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Job> {
        let name = server_path(&text_from_py(module, "udf_remove module")?);
        let admin = admin_policy(policy)?;
        let timeout = spread_timeout(&admin);
        self.job(py, Effect::Writes, admin.timeout, |client| async move {
            let task = client.remove_udf(&admin, &name).await?;
            spread(&task, timeout).await?;
            Ok(Reply::Nothing)
        })
    }

    pub fn apply(
        &self,
        py: Python<'_>,
        key: &Bound<'_, PyAny>,
        (module, function): (&Bound<'_, PyAny>, &Bound<'_, PyAny>),
        args: Option<&Bound<'_, PyAny>>,
        policy: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Job> {
        let key = key_from_py(py, key)?;
        let module = text_from_py(module, "apply module")?;
        let function = text_from_py(function, "apply function")?;
        let args = args_from_py(py, args, "apply args")?;
        let policy = policy::write(self.defaults(), policy, None)?;
        self.job(
            py,
            Effect::Writes,
            policy.total_timeout(),
            |client| async move {
                let answer = client
                    .execute_udf(&policy, &key, &module, &function, Some(&args))
                    .await
                    .map_err(|error| Failure::for_record(&client, &key, error))?;
                Ok(Reply::Value(answer))
            },
        )
    }

    pub fn batch_apply(
        &self,
        py: Python<'_>,
        keys: &Bound<'_, PyAny>,
        (module, function): (&Bound<'_, PyAny>, &Bound<'_, PyAny>),
        args: Option<&Bound<'_, PyAny>>,
        policy: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Job> {
        let module = text_from_py(module, "batch_apply module")?;
        let function = text_from_py(function, "batch_apply function")?;
        let args = args_from_py(py, args, "batch_apply args")?;
        let parsed = policy::batch_udf(self.defaults(), policy)?;
        let client_default = self.defaults().write.expiration;
        let not_keys = || {
            invalid_arg(
                py,
                format!(
                    "batch_apply keys must be a list of keys or (key, meta) tuples, got \
                     {keys:.120}",
                    keys = Brief(keys)
                ),
            )
        };
        let mut rows = Vec::new();
        for item in keys.try_iter().map_err(|_| not_keys())? {
            let item = item?;
            let (key, meta) = split_row(&item)?;
            let mut row = Row {
                key: key_from_py(py, &key)?,
                policy: parsed.udf.clone(),
                module: module.clone(),
                function: function.clone(),
                args: args.clone(),
            };
            if let Some(meta) = meta {
                apply_meta(py, &mut row, client_default, &meta)?;
            }
            rows.push(row);
        }
        self.run_batch_apply(py, parsed.batch, rows)
    }

    fn run_batch_apply(
        &self,
        py: Python<'_>,
        mut policy: aerospike::BatchPolicy,
        rows: Vec<Row>,
    ) -> PyResult<Job> {
        self.job(py, Effect::Writes, policy.total_timeout(), |client| {
            policy.concurrency = concurrency(&client);
            async move {
                if rows.is_empty() {
                    return Ok(Reply::BatchApply(Vec::new()));
                }
                let operations: Vec<BatchOperation> = rows
                    .into_iter()
                    .map(|row| {
                        BatchOperation::udf(
                            &row.policy,
                            row.key,
                            &row.module,
                            &row.function,
                            Some(row.args),
                        )
                    })
                    .collect();
                let records = client.batch(&policy, &operations).await?;
                Ok(Reply::BatchApply(records))
            }
        })
    }
}

/// A bare key, or a `(key, meta)` pair: a tuple of two whose first item is a tuple (a key
/// starts with its namespace, a str).
fn split_row<'py>(
    item: &Bound<'py, PyAny>,
) -> PyResult<(Bound<'py, PyAny>, Option<Bound<'py, PyAny>>)> {
    if let Ok(pair) = item.cast::<PyTuple>() {
        if pair.len() == 2 && pair.get_item(0)?.is_instance_of::<PyTuple>() {
            return Ok((pair.get_item(0)?, Some(pair.get_item(1)?)));
        }
    }
    Ok((item.clone(), None))
}

/// A row's `BatchUDFMeta`: the call (`module`, `function`, `args`) and policy (`ttl`,
/// `commit_level`, `key`, `durable_delete`) for that record alone.
fn apply_meta(
    py: Python<'_>,
    row: &mut Row,
    client_default: aerospike::Expiration,
    meta: &Bound<'_, PyAny>,
) -> PyResult<()> {
    for_each_entry("batch_apply meta", Some(meta), |entry| {
        match entry.key {
            "module" => row.module = entry.string()?,
            "function" => row.function = entry.string()?,
            "args" => row.args = args_from_py(py, Some(entry.value), "batch_apply meta 'args'")?,
            "ttl" => row.policy.expiration = policy::expiration(&entry, client_default)?,
            "commit_level" => row.policy.commit_level = policy::commit_level(&entry)?,
            "key" => row.policy.send_key = policy::send_key(&entry)?,
            "durable_delete" => row.policy.durable_delete = entry.bool()?,
            _ => {
                return Err(entry.unknown(&[
                    "module",
                    "function",
                    "args",
                    "ttl",
                    "commit_level",
                    "key",
                    "durable_delete",
                ]))
            }
        }
        Ok(())
    })
}
