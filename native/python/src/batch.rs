//! The result of `batch_read`: records stay in Rust until asked for, as named tuples
//! (`batch_records`) or as a NumPy structured array filled without the GIL (`to_numpy`).

use aerospike::{BatchRecord, Value};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyByteArray, PyList, PyString, PyTuple, PyType};

use crate::convert::{bins_to_py, ttl_seconds, value_to_py, Strings};
use crate::errors::{invalid_arg, utf8, Brief, Failure};
use crate::reply::{batch_records_to_py, code_of};

/// One row of `NumpyBatchRecords.meta` (numpy_batch.META_DTYPE): generation u32, TTL i64.
const META_ROW_BYTES: usize = 4 + 8;

#[pyclass(frozen, module = "aerospike_py._native")]
pub struct BatchReadResult {
    records: Vec<BatchRecord>,
}

impl BatchReadResult {
    pub fn new(records: Vec<BatchRecord>) -> Self {
        BatchReadResult { records }
    }
}

/// Where one dtype field lives in a row and how to write it.
struct Field {
    name: String,
    offset: usize,
    kind: Kind,
}

#[derive(Clone, Copy)]
enum Kind {
    Int(usize),
    UInt(usize),
    Float(usize),
    Bool,
    Bytes(usize),
}

static NUMPY_BATCH: PyOnceLock<Py<PyType>> = PyOnceLock::new();

#[pymethods]
impl BatchReadResult {
    /// One `BatchRecord(key, result, record, in_doubt)` per requested key, in order.
    #[getter]
    fn batch_records<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        batch_records_to_py(py, &self.records)
    }

    fn __len__(&self) -> usize {
        self.records.len()
    }

    /// Bins of every found record keyed by user key (records without a user key are skipped).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, pyo3::types::PyDict>> {
        let out = pyo3::types::PyDict::new(py);
        let mut strings = Strings::default();
        for batch in &self.records {
            if let (Some(record), Some(user_key)) = (&batch.record, &batch.key.user_key) {
                out.set_item(
                    value_to_py(py, user_key)?,
                    bins_to_py(py, &record.bins, &mut strings)?,
                )?;
            }
        }
        Ok(out)
    }

    /// Fills a structured array of `dtype` (one row per key) without holding the GIL.
    fn to_numpy<'py>(
        &self,
        py: Python<'py>,
        dtype: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (fields, itemsize) = layout(py, dtype)?;
        let count = self.records.len();
        let filled = py.detach(|| fill(&self.records, &fields, itemsize));
        let rows = filled.map_err(|f| f.into_pyerr(py))?;
        let mut codes = Vec::with_capacity(count * 4);
        let mut meta = Vec::with_capacity(count * META_ROW_BYTES);
        let keys = PyList::empty(py);
        for batch in &self.records {
            codes.extend_from_slice(&code_of(batch).to_le_bytes());
            let (generation, ttl) = batch
                .record
                .as_ref()
                .map_or((0, 0), |r| (r.generation, ttl_seconds(r)));
            meta.extend_from_slice(&generation.to_le_bytes());
            meta.extend_from_slice(&ttl.to_le_bytes());
            match &batch.key.user_key {
                Some(user_key) => keys.append(value_to_py(py, user_key)?)?,
                None => keys.append(py.None())?,
            }
        }
        let class = NUMPY_BATCH.import(py, "aerospike_py.numpy_batch", "NumpyBatchRecords")?;
        class.call_method1(
            "_from_buffers",
            (
                dtype,
                PyByteArray::new(py, &rows),
                PyByteArray::new(py, &codes),
                PyByteArray::new(py, &meta),
                keys,
            ),
        )
    }
}

fn layout(py: Python<'_>, dtype: &Bound<'_, PyAny>) -> PyResult<(Vec<Field>, usize)> {
    let not_structured = || {
        invalid_arg(
            py,
            format!(
                "to_numpy needs a structured numpy dtype with named fields, got {dtype:.120}",
                dtype = Brief(dtype)
            ),
        )
    };
    let names = dtype.getattr("names").map_err(|_| not_structured())?;
    if names.is_none() || names.is_empty()? {
        return Err(not_structured());
    }
    let itemsize: usize = dtype.getattr("itemsize")?.extract()?;
    let all_fields = dtype.getattr("fields")?;
    let mut fields = Vec::new();
    for name in names
        .cast::<PyTuple>()
        .map_err(|_| not_structured())?
        .iter()
    {
        let name = utf8(name.cast::<PyString>()?, "dtype field name")?.to_owned();
        let entry = all_fields.get_item(&name)?;
        let field_type = entry.get_item(0)?;
        let offset: usize = entry.get_item(1)?.extract()?;
        let kind: String = field_type.getattr("kind")?.extract()?;
        let size: usize = field_type.getattr("itemsize")?.extract()?;
        let byteorder: String = field_type.getattr("byteorder")?.extract()?;
        if byteorder == ">" || (byteorder == "=" && cfg!(target_endian = "big")) {
            return Err(invalid_arg(
                py,
                format!("to_numpy field {name:?}: big-endian fields are not supported"),
            ));
        }
        let kind = match (kind.as_str(), size) {
            ("i", 1 | 2 | 4 | 8) => Kind::Int(size),
            ("u", 1 | 2 | 4 | 8) => Kind::UInt(size),
            ("f", 4 | 8) => Kind::Float(size),
            ("b", 1) => Kind::Bool,
            ("S" | "V", n) => Kind::Bytes(n),
            _ => {
                return Err(invalid_arg(
                    py,
                    format!("to_numpy field {name:?} has unsupported type {field_type}: use int, uint, float, bool or fixed bytes"),
                ))
            }
        };
        fields.push(Field { name, offset, kind });
    }
    Ok((fields, itemsize))
}

/// Rows of zeros, overwritten by every found record's bins; runs without the GIL.
fn fill(records: &[BatchRecord], fields: &[Field], itemsize: usize) -> Result<Vec<u8>, Failure> {
    let mut rows = vec![0u8; records.len() * itemsize];
    for (index, batch) in records.iter().enumerate() {
        let Some(record) = &batch.record else {
            continue;
        };
        let row = &mut rows[index * itemsize..(index + 1) * itemsize];
        for field in fields {
            if let Some(value) = record.bins.get(&field.name) {
                write_field(&mut row[field.offset..], field, value).map_err(|expected| {
                    Failure::InvalidArg(format!(
                        "to_numpy: bin {:?} of record {index} holds {}, which does not fit a \
                         {expected} field",
                        field.name,
                        shown(value)
                    ))
                })?;
            }
        }
    }
    Ok(rows)
}

/// A value as a message shows it (without the GIL): scalars as Python writes them, containers
/// by kind and size.
fn shown(value: &Value) -> String {
    match value {
        Value::Nil => "None".to_owned(),
        Value::Bool(flag) => if *flag { "True" } else { "False" }.to_owned(),
        Value::Int(n) => n.to_string(),
        Value::Float(number) => format!("{:?}", f64::from(number)),
        Value::String(text) => format!("the str {:?}", text.chars().take(40).collect::<String>()),
        Value::Blob(bytes) => format!("{} bytes", bytes.len()),
        Value::List(items) => format!("a list of {}", items.len()),
        Value::HashMap(map) => format!("a map of {}", map.len()),
        Value::OrderedMap(map) => format!("a map of {}", map.len()),
        Value::GeoJSON(_) => "a GeoJSON value".to_owned(),
        Value::HLL(_) => "a HyperLogLog value".to_owned(),
        _ => "a value of another kind".to_owned(),
    }
}

fn write_field(out: &mut [u8], field: &Field, value: &Value) -> Result<(), &'static str> {
    match (field.kind, value) {
        (Kind::Int(size), Value::Int(n)) => write_int(out, size, *n, true),
        (Kind::Int(size), Value::Bool(b)) => write_int(out, size, i64::from(*b), true),
        (Kind::UInt(size), Value::Int(n)) => write_int(out, size, *n, false),
        (Kind::UInt(size), Value::Bool(b)) => write_int(out, size, i64::from(*b), false),
        (Kind::Float(4), Value::Float(f)) => copy(out, &(f64::from(f) as f32).to_le_bytes()),
        (Kind::Float(4), Value::Int(n)) => copy(out, &(*n as f32).to_le_bytes()),
        (Kind::Float(_), Value::Float(f)) => copy(out, &f64::from(f).to_le_bytes()),
        (Kind::Float(_), Value::Int(n)) => copy(out, &(*n as f64).to_le_bytes()),
        (Kind::Bool, Value::Bool(b)) => copy(out, &[u8::from(*b)]),
        (Kind::Bool, Value::Int(n)) => copy(out, &[u8::from(*n != 0)]),
        (Kind::Bytes(size), Value::Blob(bytes)) => copy(out, &bytes[..bytes.len().min(size)]),
        (Kind::Bytes(size), Value::String(text)) => {
            copy(out, &text.as_bytes()[..text.len().min(size)])
        }
        (Kind::Int(_) | Kind::UInt(_), _) => Err("integer"),
        (Kind::Float(_), _) => Err("float"),
        (Kind::Bool, _) => Err("bool"),
        (Kind::Bytes(_), _) => Err("bytes"),
    }
}

fn copy(out: &mut [u8], bytes: &[u8]) -> Result<(), &'static str> {
    out[..bytes.len()].copy_from_slice(bytes);
    Ok(())
}

fn write_int(out: &mut [u8], size: usize, n: i64, signed: bool) -> Result<(), &'static str> {
    let bits = u32::try_from(size * 8).unwrap_or(64);
    let fits = if signed {
        bits == 64 || (n >= -(1i64 << (bits - 1)) && n < (1i64 << (bits - 1)))
    } else {
        n >= 0 && (bits == 64 || n < (1i64 << bits))
    };
    if !fits {
        return Err(if signed {
            "signed integer of that size"
        } else {
            "unsigned integer of that size"
        });
    }
    copy(out, &n.to_le_bytes()[..size])
}
