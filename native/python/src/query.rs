//! `client.query(namespace, set)`: secondary-index predicates (`where`), bin selection, partition
//! filters and scans (a query without a predicate reads every record of the set).

use std::sync::Arc;

use aerospike::query::Filter;
use aerospike::{Bins, PartitionFilter, QueryPolicy, Statement, Value};
use futures::StreamExt;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyString, PyTuple};

use crate::client::shield;
use crate::convert::{bin_name, value_from_py};
use crate::core::{Core, Effect, Job};
use crate::errors::{invalid_arg, utf8, Brief, Failure};
use crate::policy;
use crate::reply::Reply;
use crate::stream::{Feed, RecordFeed};

/// `aerospike_py._foreach.drive`, the coroutine behind the asyncio `foreach`.
static DRIVE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// Total partitions of an Aerospike namespace.
const PARTITIONS: i64 = 4096;

struct Spec {
    namespace: String,
    set: String,
    bins: Option<Vec<String>>,
    filter: Option<Filter>,
}

/// What the crate's `Client::query` takes, converted while the GIL is held.
pub struct QueryParts {
    pub policy: QueryPolicy,
    pub partitions: PartitionFilter,
    pub statement: Statement,
}

impl Spec {
    fn parts(
        &self,
        py: Python<'_>,
        core: &Core,
        policy: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<QueryParts> {
        let base = if self.filter.is_some() {
            &core.defaults().query
        } else {
            &core.defaults().scan
        };
        let (query_policy, partitions) = policy::query(base, policy)?;
        let partitions = match partitions {
            Some(filter) => partition_filter(py, &filter)?,
            None => PartitionFilter::all(),
        };
        let bins = self.bins.clone().map_or(Bins::All, Bins::Some);
        let mut statement = Statement::new(&self.namespace, &self.set, bins);
        if let Some(filter) = &self.filter {
            statement.add_filter(filter.clone());
        }
        Ok(QueryParts {
            policy: query_policy,
            partitions,
            statement,
        })
    }

    /// Every record, collected before returning (`results`).
    fn job(&self, py: Python<'_>, core: &Core, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Job> {
        let parts = self.parts(py, core, policy)?;
        let total_timeout = parts.policy.base_policy.total_timeout;
        core.job(py, Effect::Reads, total_timeout, move |client| async move {
            let namespace = parts.statement.namespace.clone();
            let collected = async {
                let recordset = client
                    .query(&parts.policy, parts.partitions, parts.statement)
                    .await?;
                let mut stream = recordset.into_stream();
                let mut records = Vec::new();
                while let Some(record) = stream.next().await {
                    records.push(record?);
                }
                Ok::<_, Failure>(records)
            };
            collected
                .await
                .map(Reply::Records)
                .map_err(|failure| failure.in_namespace(&client, &namespace))
        })
    }

    fn select(&mut self, py: Python<'_>, bins: &Bound<'_, PyTuple>) -> PyResult<()> {
        self.bins = Some(
            bins.iter()
                .map(|name| bin_name(py, &name))
                .collect::<PyResult<_>>()?,
        );
        Ok(())
    }

    /// The query's one index predicate: a second one is refused rather than left to replace
    /// the first (the server applies one; combine others with a filter expression).
    fn where_(&mut self, py: Python<'_>, predicate: &Bound<'_, PyAny>) -> PyResult<()> {
        if self.filter.is_some() {
            return Err(invalid_arg(
                py,
                "the query already has a where() predicate: a query takes one; filter on other \
                 bins with policy={\"filter_expression\": ...}",
            ));
        }
        self.filter = Some(filter_from_py(py, predicate)?);
        Ok(())
    }
}

/// `("equals", bin, value)` or `("between", bin, low, high)`, as `aerospike_py.predicates` builds.
fn filter_from_py(py: Python<'_>, predicate: &Bound<'_, PyAny>) -> PyResult<Filter> {
    let wrong = || {
        invalid_arg(py, format!("unsupported predicate {predicate:.120}: use aerospike_py.predicates.equals or between", predicate = Brief(predicate)))
    };
    let tuple = predicate.cast::<PyTuple>().map_err(|_| wrong())?;
    if tuple.len() < 3 {
        return Err(wrong());
    }
    let kind = tuple.get_item(0)?;
    let kind = kind
        .cast::<PyString>()
        .map_err(|_| wrong())
        .and_then(|text| utf8(text, "predicate kind"))?
        .to_owned();
    let bin = bin_name(py, &tuple.get_item(1)?)?;
    match (kind.as_str(), tuple.len()) {
        ("equals", 3) => match value_from_py(&tuple.get_item(2)?)? {
            Value::Int(n) => Ok(Filter::equal(&bin, n)),
            Value::String(text) => Ok(Filter::equal(&bin, text)),
            _ => Err(invalid_arg(
                py,
                format!("equals predicate on {bin:?} needs an int or str value"),
            )),
        },
        ("between", 4) => {
            let low: i64 = tuple.get_item(2)?.extract().map_err(|_| wrong())?;
            let high: i64 = tuple.get_item(3)?.extract().map_err(|_| wrong())?;
            Ok(Filter::range(&bin, low, high))
        }
        _ => Err(wrong()),
    }
}

/// A `PartitionFilter` (its `begin` and `count`) as built by `aerospike_py.partition_filter_*`.
fn partition_filter(py: Python<'_>, filter: &Bound<'_, PyAny>) -> PyResult<PartitionFilter> {
    let wrong = || {
        invalid_arg(
            py,
            format!(
                "partition_filter must come from aerospike_py.partition_filter_*, got {filter:.80}",
                filter = Brief(filter)
            ),
        )
    };
    let begin: i64 = filter
        .getattr("begin")
        .and_then(|b| b.extract())
        .map_err(|_| wrong())?;
    let count: i64 = filter
        .getattr("count")
        .and_then(|c| c.extract())
        .map_err(|_| wrong())?;
    if begin < 0 || count < 1 || begin + count > PARTITIONS {
        return Err(invalid_arg(
            py,
            format!("partition filter begin={begin} count={count} is outside 0..{PARTITIONS}"),
        ));
    }
    Ok(PartitionFilter::by_range(
        usize::try_from(begin).unwrap_or(0),
        usize::try_from(count).unwrap_or(1),
    ))
}

macro_rules! query_class {
    ($class:ident, $run:path, $doc:literal, { $($own:tt)* }) => {
        #[doc = $doc]
        #[pyclass(module = "aerospike_py._native")]
        pub struct $class {
            core: Arc<Core>,
            spec: Spec,
        }

        impl $class {
            pub fn new(core: Arc<Core>, namespace: String, set: String) -> Self {
                $class {
                    core,
                    spec: Spec {
                        namespace,
                        set,
                        bins: None,
                        filter: None,
                    },
                }
            }
        }

        #[pymethods]
        impl $class {
            #[pyo3(signature = (*bins))]
            fn select(&mut self, py: Python<'_>, bins: &Bound<'_, PyTuple>) -> PyResult<()> {
                self.spec.select(py, bins)
            }

            #[pyo3(name = "where")]
            fn where_(&mut self, py: Python<'_>, predicate: &Bound<'_, PyAny>) -> PyResult<()> {
                self.spec.where_(py, predicate)
            }

            #[pyo3(signature = (policy=None))]
            fn results<'py>(
                &self,
                py: Python<'py>,
                policy: Option<&Bound<'py, PyAny>>,
            ) -> PyResult<Bound<'py, PyAny>> {
                shield(py, || {
                    $run(py, self.spec.job(py, &self.core, policy))
                })
            }

            $($own)*
        }
    };
}

query_class!(
    Query,
    crate::client::run_blocking,
    "A query or scan run by the blocking client.",
    {
        /// Calls `callback` with each record as it arrives (see `stream`); returning False
        /// stops the query, and an exception raised by the callback stops it and propagates.
        #[pyo3(signature = (callback, policy=None))]
        fn foreach(
            &self,
            py: Python<'_>,
            callback: &Bound<'_, PyAny>,
            policy: Option<&Bound<'_, PyAny>>,
        ) -> PyResult<()> {
            shield(py, || {
                let parts = self.spec.parts(py, &self.core, policy)?;
                Feed::start(py, &self.core, parts)?.run_blocking(py, callback)
            })
        }
    }
);
query_class!(
    AsyncQuery,
    crate::client::run_async,
    "A query or scan run by the asyncio client.",
    {
        /// An awaitable that calls `callback` with each record as it arrives (see `stream`).
        #[pyo3(signature = (callback, policy=None))]
        fn foreach<'py>(
            &self,
            py: Python<'py>,
            callback: &Bound<'py, PyAny>,
            policy: Option<&Bound<'py, PyAny>>,
        ) -> PyResult<Bound<'py, PyAny>> {
            shield(py, || {
                let feed = self
                    .spec
                    .parts(py, &self.core, policy)
                    .and_then(|parts| Feed::start(py, &self.core, parts));
                match feed {
                    Ok(feed) => DRIVE
                        .import(py, "aerospike_py._foreach", "drive")?
                        .call1((RecordFeed::new(feed), callback)),
                    Err(error) => crate::client::failed(py, error),
                }
            })
        }
    }
);
