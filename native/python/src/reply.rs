//! What a command returns, held in Rust until the GIL is available to build Python objects.

use aerospike::{BatchRecord, Key, Record, ResultCode, Value};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyList, PyType};

use crate::batch::BatchReadResult;
use crate::convert::{
    key_to_py, meta_to_py, named, record_to_py, record_with_key, value_to_py, Strings,
};
use crate::errors::result_code_number;

pub enum Reply {
    Nothing,
    Flag(bool),
    Object(Py<PyAny>),
    Record {
        key: Key,
        record: Record,
    },
    Exists {
        key: Key,
        record: Option<Record>,
    },
    Ordered {
        key: Key,
        record: Record,
        order: Vec<String>,
    },
    BatchRead(Vec<BatchRecord>),
    BatchRecords(Vec<BatchRecord>),
    /// `batch_apply`: a `BatchWriteResult`, as aerospike-py answers it.
    BatchApply(Vec<BatchRecord>),
    /// A UDF's return value (None when it returned nothing).
    Value(Option<Value>),
    Records(Vec<Record>),
    Info(Vec<(String, i32, String)>),
    Text(String),
}

static EXISTS_TYPE: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static ORDERED_TYPE: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static BIN_TUPLE_TYPE: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static BATCH_RECORD_TYPE: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static BATCH_RECORDS_TYPE: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static BATCH_WRITE_RESULT_TYPE: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static INFO_TYPE: PyOnceLock<Py<PyType>> = PyOnceLock::new();

impl Reply {
    pub fn into_python(self, py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
        match self {
            Reply::Nothing => Ok(py.None().into_bound(py)),
            Reply::Flag(flag) => Ok(pyo3::types::PyBool::new(py, flag).to_owned().into_any()),
            Reply::Object(object) => Ok(object.into_bound(py)),
            Reply::Record { key, record } => {
                record_to_py(py, Some(&key), &record, &mut Strings::default())
            }
            Reply::Exists { key, record } => {
                let meta = match &record {
                    Some(record) => meta_to_py(py, record)?,
                    None => py.None().into_bound(py),
                };
                named(
                    py,
                    &EXISTS_TYPE,
                    "ExistsResult",
                    (key_to_py(py, &key, &mut Strings::default())?, meta),
                )
            }
            Reply::Ordered { key, record, order } => {
                let bins = PyList::empty(py);
                for name in order {
                    if let Some(value) = record.bins.get(&name) {
                        bins.append(named(
                            py,
                            &BIN_TUPLE_TYPE,
                            "BinTuple",
                            (name.as_str(), value_to_py(py, value)?),
                        )?)?;
                    }
                }
                named(
                    py,
                    &ORDERED_TYPE,
                    "OperateOrderedResult",
                    (
                        key_to_py(py, &key, &mut Strings::default())?,
                        meta_to_py(py, &record)?,
                        bins,
                    ),
                )
            }
            Reply::BatchRead(records) => {
                Ok(Bound::new(py, BatchReadResult::new(records))?.into_any())
            }
            Reply::BatchRecords(records) => {
                let list = batch_records_to_py(py, &records)?;
                named(py, &BATCH_RECORDS_TYPE, "BatchRecords", (list,))
            }
            Reply::BatchApply(records) => {
                let list = batch_records_to_py(py, &records)?;
                named(py, &BATCH_WRITE_RESULT_TYPE, "BatchWriteResult", (list,))
            }
            Reply::Value(value) => match value {
                Some(value) => value_to_py(py, &value),
                None => Ok(py.None().into_bound(py)),
            },
            Reply::Records(records) => {
                let mut strings = Strings::default();
                let rows = records
                    .iter()
                    .map(|record| record_to_py(py, None, record, &mut strings))
                    .collect::<PyResult<Vec<_>>>()?;
                Ok(PyList::new(py, rows)?.into_any())
            }
            Reply::Info(answers) => {
                let list = PyList::empty(py);
                for (node, code, response) in answers {
                    list.append(named(
                        py,
                        &INFO_TYPE,
                        "InfoNodeResult",
                        (node, code, response),
                    )?)?;
                }
                Ok(list.into_any())
            }
            Reply::Text(text) => Ok(pyo3::types::PyString::new(py, &text).into_any()),
        }
    }
}

/// `BatchRecord(key, result, record, in_doubt)` for every key, in request order; a found
/// record shares its row's key object.
/// Result code of a key the server did not answer for (the crate leaves it unset), as the
/// official client reports it (AEROSPIKE_NO_RESPONSE).
const CODE_NO_RESPONSE: i32 = -15;

/// A batch row's result code. A row the server answered with a record succeeded: when the
/// batch ends in an error (`respond_all_keys=False`), the crate stamps that summary code on the
/// row the closing message names, index 0, although its own answer was a success.
pub fn code_of(batch: &BatchRecord) -> i32 {
    match batch.result_code {
        None => CODE_NO_RESPONSE,
        Some(ResultCode::UdfBadResponse) => result_code_number(ResultCode::UdfBadResponse),
        Some(_) if batch.record.is_some() => 0,
        Some(code) => result_code_number(code),
    }
}

pub fn batch_records_to_py<'py>(
    py: Python<'py>,
    records: &[BatchRecord],
) -> PyResult<Bound<'py, PyList>> {
    let mut strings = Strings::default();
    let rows = records
        .iter()
        .map(|batch| {
            let code = code_of(batch);
            let key = key_to_py(py, &batch.key, &mut strings)?;
            let record = match &batch.record {
                Some(record) => record_with_key(py, key.clone(), record, &mut strings)?,
                None => py.None().into_bound(py),
            };
            named(
                py,
                &BATCH_RECORD_TYPE,
                "BatchRecord",
                (key, code, record, batch.in_doubt),
            )
        })
        .collect::<PyResult<Vec<_>>>()?;
    PyList::new(py, rows)
}
