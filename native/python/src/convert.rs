//! Python values, keys and bins to the crate's types and back.

use std::collections::HashMap;

use aerospike::{Bin, FloatValue, Key, Record, Value};
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{
    PyBool, PyByteArray, PyBytes, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple, PyType,
};
use ripemd::{Digest, Ripemd160};

use crate::errors::{invalid_arg, text_of, utf8, Brief};

/// The longest bin name the server accepts, in bytes.
const MAX_BIN_NAME_BYTES: usize = 15;
const DIGEST_BYTES: usize = 20;
const MAX_NAMESPACE_BYTES: usize = 31;
const MAX_SET_BYTES: usize = 63;
const MAX_OPERATIONS: usize = u16::MAX as usize;
/// How deep lists and maps may nest in a value: far beyond real data, and well within the
/// stack of any thread that converts or encodes it (each level recurses).
const MAX_NESTING: usize = 256;

pub fn value_from_py(value: &Bound<'_, PyAny>) -> PyResult<Value> {
    nested_value_from_py(value, 0)
}

/// `value_from_py` for a value inside `depth` lists or maps; a list or map of its own counts
/// one more level.
fn nested_value_from_py(value: &Bound<'_, PyAny>, depth: usize) -> PyResult<Value> {
    let py = value.py();
    let level = || {
        if depth < MAX_NESTING {
            Ok(depth + 1)
        } else {
            Err(invalid_arg(
                py,
                format!("value nests lists and maps more than {MAX_NESTING} levels deep"),
            ))
        }
    };
    if value.is_none() {
        Ok(Value::Nil)
    } else if let Ok(flag) = value.cast::<PyBool>() {
        Ok(Value::Bool(flag.is_true()))
    } else if value.is_instance_of::<PyInt>() {
        value.extract::<i64>().map(Value::Int).map_err(|_| {
            invalid_arg(
                py,
                format!("integer {value} does not fit in a signed 64-bit bin value"),
            )
        })
    } else if let Ok(number) = value.cast::<PyFloat>() {
        Ok(Value::Float(FloatValue::from(number.value())))
    } else if let Ok(text) = value.cast::<PyString>() {
        Ok(Value::String(utf8(text, "string")?.to_owned()))
    } else if let Ok(bytes) = value.cast::<PyBytes>() {
        Ok(Value::Blob(bytes.as_bytes().to_vec()))
    } else if let Ok(bytes) = value.cast::<PyByteArray>() {
        Ok(Value::Blob(bytes.to_vec()))
    } else if let Ok(list) = value.cast::<PyList>() {
        let depth = level()?;
        list.iter()
            .map(|item| nested_value_from_py(&item, depth))
            .collect::<PyResult<_>>()
            .map(Value::List)
    } else if let Ok(tuple) = value.cast::<PyTuple>() {
        let depth = level()?;
        tuple
            .iter()
            .map(|item| nested_value_from_py(&item, depth))
            .collect::<PyResult<_>>()
            .map(Value::List)
    } else if let Ok(dict) = value.cast::<PyDict>() {
        let depth = level()?;
        let mut map = HashMap::with_capacity(dict.len());
        for (k, v) in dict.iter() {
            map.insert(map_key_from_py(&k)?, nested_value_from_py(&v, depth)?);
        }
        Ok(Value::HashMap(map))
    } else {
        let type_name = value.get_type().name()?;
        Err(invalid_arg(
            py,
            format!("unsupported value type {type_name} ({value:.80}): use None, bool, int, float, str, bytes, list or dict", value = Brief(value)),
        ))
    }
}

pub fn value_to_py<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Value::Nil | Value::Infinity | Value::Wildcard => py.None().into_bound(py),
        Value::Bool(flag) => PyBool::new(py, *flag).to_owned().into_any(),
        Value::Int(n) => n.into_pyobject(py)?.into_any(),
        Value::Float(number) => f64::from(number).into_pyobject(py)?.into_any(),
        Value::String(text) | Value::GeoJSON(text) => PyString::new(py, text).into_any(),
        Value::Blob(bytes) | Value::HLL(bytes) => PyBytes::new(py, bytes).into_any(),
        Value::List(items) | Value::MultiResult(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(value_to_py(py, item)?)?;
            }
            list.into_any()
        }
        Value::HashMap(map) => map_to_py(py, map.iter())?,
        Value::OrderedMap(map) => map_to_py(py, map.iter())?,
        // Only a KEY_VALUE result decodes as this (its order is the selection's): a list of
        // (key, value) tuples, as aerospike-py returns it.
        Value::KeyValueList(pairs) => {
            let list = PyList::empty(py);
            for (k, v) in pairs {
                list.append(PyTuple::new(
                    py,
                    [map_key_to_py(py, k)?, value_to_py(py, v)?],
                )?)?;
            }
            list.into_any()
        }
    })
}

fn map_to_py<'py, 'v>(
    py: Python<'py>,
    entries: impl Iterator<Item = (&'v Value, &'v Value)>,
) -> PyResult<Bound<'py, PyAny>> {
    let dict = PyDict::new(py);
    for (k, v) in entries {
        dict.set_item(map_key_to_py(py, k)?, value_to_py(py, v)?)?;
    }
    Ok(dict.into_any())
}

/// Only keys the crate can hash: any other key (float, bool, tuple) would panic inside it.
fn map_key_from_py(key: &Bound<'_, PyAny>) -> PyResult<Value> {
    match value_from_py(key)? {
        value @ (Value::Nil | Value::Int(_) | Value::String(_) | Value::Blob(_)) => Ok(value),
        _ => Err(invalid_arg(
            key.py(),
            format!(
                "map key {key:.80} is not supported: map keys must be int, str or bytes",
                key = Brief(key)
            ),
        )),
    }
}

/// Map keys must be hashable in Python: a list key comes back as a tuple.
fn map_key_to_py<'py>(py: Python<'py>, key: &Value) -> PyResult<Bound<'py, PyAny>> {
    match key {
        Value::List(items) => {
            let converted = items
                .iter()
                .map(|item| map_key_to_py(py, item))
                .collect::<PyResult<Vec<_>>>()?;
            Ok(PyTuple::new(py, converted)?.into_any())
        }
        other => value_to_py(py, other),
    }
}

pub fn bin_name(py: Python<'_>, name: &Bound<'_, PyAny>) -> PyResult<String> {
    let text = text_of(name, "bin name", "a str")?;
    if text.len() > MAX_BIN_NAME_BYTES {
        return Err(invalid_arg(
            py,
            format!(
                "bin name {:.80} is {} bytes; Aerospike allows at most {MAX_BIN_NAME_BYTES}",
                Brief(&name.repr()?),
                text.len()
            ),
        ));
    }
    Ok(text.to_owned())
}

pub fn bins_from_py(py: Python<'_>, bins: &Bound<'_, PyAny>) -> PyResult<Vec<Bin>> {
    let Ok(dict) = bins.cast::<PyDict>() else {
        return Err(invalid_arg(
            py,
            format!(
                "bins must be a dict of bin name to value, got {bins:.80}",
                bins = Brief(bins)
            ),
        ));
    };
    within_one_command(py, dict.len(), "bins")?;
    dict.iter()
        .map(|(name, value)| Ok(Bin::new(bin_name(py, &name)?, value_from_py(&value)?)))
        .collect()
}

/// Refuses more bins or operations than the wire's 16-bit count can carry: the crate would
/// send the count wrapped, and the server would apply only the first few.
pub fn within_one_command(py: Python<'_>, count: usize, what: &str) -> PyResult<()> {
    if count > MAX_OPERATIONS {
        return Err(invalid_arg(
            py,
            format!("{count} {what}: one command carries at most {MAX_OPERATIONS}"),
        ));
    }
    Ok(())
}

pub fn bin_names(py: Python<'_>, names: &Bound<'_, PyAny>) -> PyResult<Vec<String>> {
    if names.is_instance_of::<PyString>() {
        return Err(invalid_arg(
            py,
            format!(
                "bins must be a list of bin names, got {names:.80}",
                names = Brief(names)
            ),
        ));
    }
    let Ok(iter) = names.try_iter() else {
        return Err(invalid_arg(
            py,
            format!(
                "bins must be a list of bin names, got {names:.80}",
                names = Brief(names)
            ),
        ));
    };
    let names = iter
        .map(|name| bin_name(py, &name?))
        .collect::<PyResult<Vec<_>>>()?;
    within_one_command(py, names.len(), "bin names")?;
    Ok(names)
}

/// A namespace: a str of 1 to 31 bytes.
pub fn namespace_from_py(value: &Bound<'_, PyAny>, what: &str) -> PyResult<String> {
    let namespace = text_of(value, what, "a str")?;
    if namespace.is_empty() || namespace.len() > MAX_NAMESPACE_BYTES {
        return Err(invalid_arg(
            value.py(),
            format!(
                "{what} {:.80} is {} bytes; Aerospike allows 1 to {MAX_NAMESPACE_BYTES}",
                Brief(&value.repr()?),
                namespace.len()
            ),
        ));
    }
    Ok(namespace.to_owned())
}

/// A set: a str of at most 63 bytes, or None (records outside any set; for a query or a
/// truncate, the whole namespace).
pub fn set_from_py(value: Option<&Bound<'_, PyAny>>, what: &str) -> PyResult<String> {
    let Some(value) = value.filter(|v| !v.is_none()) else {
        return Ok(String::new());
    };
    let set = text_of(value, what, "a str or None")?;
    if set.len() > MAX_SET_BYTES {
        return Err(invalid_arg(
            value.py(),
            format!(
                "{what} {:.80} is {} bytes; Aerospike allows at most {MAX_SET_BYTES}",
                Brief(&value.repr()?),
                set.len()
            ),
        ));
    }
    Ok(set.to_owned())
}

/// Any other text argument (an index name, an info command).
pub fn text_from_py(value: &Bound<'_, PyAny>, what: &str) -> PyResult<String> {
    text_of(value, what, "a str").map(str::to_owned)
}

/// `(namespace, set, user_key)` or `(namespace, set, user_key | None, digest)`.
pub fn key_from_py(py: Python<'_>, key: &Bound<'_, PyAny>) -> PyResult<Key> {
    let malformed = || {
        invalid_arg(
            py,
            format!("key must be a tuple (namespace, set, user_key) or (namespace, set, user_key, digest), got {key:.120}", key = Brief(key)),
        )
    };
    let tuple = key.cast::<PyTuple>().map_err(|_| malformed())?;
    if !(3..=4).contains(&tuple.len()) {
        return Err(malformed());
    }
    let namespace = namespace_from_py(&tuple.get_item(0)?, "key namespace")?;
    let set = set_from_py(Some(&tuple.get_item(1)?), "key set")?;
    let user_key = tuple.get_item(2)?;
    let user_key = if user_key.is_none() {
        None
    } else {
        Some(user_key_from_py(py, &user_key)?)
    };
    if tuple.len() == 4 {
        let digest = tuple.get_item(3)?;
        let digest: [u8; DIGEST_BYTES] = match digest.cast::<PyBytes>() {
            Ok(bytes) => bytes.as_bytes().try_into().ok(),
            Err(_) => digest
                .cast::<PyByteArray>()
                .ok()
                .and_then(|array| array.to_vec().try_into().ok()),
        }
        .ok_or_else(|| {
            invalid_arg(
                py,
                format!(
                    "key digest must be 20 bytes, got {digest:.80}",
                    digest = Brief(&digest)
                ),
            )
        })?;
        return Key::key_with_digest::<String>(namespace, Some(set), user_key, digest)
            .map_err(|e| invalid_arg(py, e.to_string()));
    }
    let Some(user_key) = user_key else {
        return Err(invalid_arg(
            py,
            format!(
                "key {key:.120} has no user key and no digest",
                key = Brief(key)
            ),
        ));
    };
    if let Ok(bytes) = tuple.get_item(2)?.cast::<PyBytes>() {
        let digest = string_typed_digest(&set, bytes.as_bytes());
        return Key::key_with_digest::<String>(namespace, Some(set), Some(user_key), digest)
            .map_err(|e| invalid_arg(py, e.to_string()));
    }
    Key::new(namespace, set, user_key).map_err(|e| invalid_arg(py, e.to_string()))
}

/// The official client and aerospike-py hash a `bytes` user key with a string's particle type
/// (a `bytearray` with a blob's, as the crate does): records they wrote are found only so.
fn string_typed_digest(set: &str, key: &[u8]) -> [u8; DIGEST_BYTES] {
    const STRING_PARTICLE: u8 = 3;
    let mut hash = Ripemd160::new();
    hash.update(set.as_bytes());
    hash.update([STRING_PARTICLE]);
    hash.update(key);
    hash.finalize().into()
}

fn user_key_from_py(py: Python<'_>, user_key: &Bound<'_, PyAny>) -> PyResult<Value> {
    if user_key.is_instance_of::<PyBool>()
        || !(user_key.is_instance_of::<PyInt>()
            || user_key.is_instance_of::<PyString>()
            || user_key.is_instance_of::<PyBytes>()
            || user_key.is_instance_of::<PyByteArray>())
    {
        return Err(invalid_arg(
            py,
            format!(
                "user key must be an int, str or bytes, got {user_key:.80}",
                user_key = Brief(user_key)
            ),
        ));
    }
    value_from_py(user_key)
}

pub fn keys_from_py(py: Python<'_>, keys: &Bound<'_, PyAny>) -> PyResult<Vec<Key>> {
    let Ok(iter) = keys.try_iter() else {
        return Err(invalid_arg(
            py,
            format!(
                "keys must be a list of key tuples, got {keys:.80}",
                keys = Brief(keys)
            ),
        ));
    };
    iter.map(|key| key_from_py(py, &key?)).collect()
}

static KEY_TYPE: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static META_TYPE: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static RECORD_TYPE: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// Most distinct strings one `Strings` keeps: the lookup is linear.
const MAX_SHARED_STRINGS: usize = 32;

/// Python strings for the namespaces, sets and bin names of one reply, made once and shared
/// by its records: a batch of 100 records then builds (and hashes) each bin name once.
#[derive(Default)]
pub struct Strings<'a, 'py> {
    made: Vec<(&'a str, Bound<'py, PyString>)>,
}

impl<'a, 'py> Strings<'a, 'py> {
    pub fn get(&mut self, py: Python<'py>, text: &'a str) -> Bound<'py, PyString> {
        if let Some((_, made)) = self.made.iter().find(|(seen, _)| *seen == text) {
            return made.clone();
        }
        let made = PyString::new(py, text);
        if self.made.len() < MAX_SHARED_STRINGS {
            self.made.push((text, made.clone()));
        }
        made
    }
}

pub fn key_to_py<'a, 'py>(
    py: Python<'py>,
    key: &'a Key,
    strings: &mut Strings<'a, 'py>,
) -> PyResult<Bound<'py, PyAny>> {
    let user_key = match &key.user_key {
        Some(value) => value_to_py(py, value)?,
        None => py.None().into_bound(py),
    };
    named(
        py,
        &KEY_TYPE,
        "AerospikeKey",
        (
            strings.get(py, &key.namespace),
            strings.get(py, &key.set_name),
            user_key,
            PyBytes::new(py, &key.digest),
        ),
    )
}

/// The server's "never expires" TTL (0xFFFFFFFF), which aerospike-py and the official client
/// report as is.
const NEVER_EXPIRES: i64 = 0xFFFF_FFFF;

/// Remaining time to live in seconds; `NEVER_EXPIRES` when the record never expires.
pub fn ttl_seconds(record: &Record) -> i64 {
    record.time_to_live().map_or(NEVER_EXPIRES, |ttl| {
        i64::try_from(ttl.as_secs()).unwrap_or(NEVER_EXPIRES)
    })
}

pub fn meta_to_py<'py>(py: Python<'py>, record: &Record) -> PyResult<Bound<'py, PyAny>> {
    named(
        py,
        &META_TYPE,
        "RecordMetadata",
        (record.generation, ttl_seconds(record)),
    )
}

/// The bins as a dict in name order: the crate's map has a different order every time, and a
/// JSON body, a DataFrame's columns or a snapshot test must not change from one read to the next.
pub fn bins_to_py<'a, 'py>(
    py: Python<'py>,
    bins: &'a HashMap<String, Value>,
    strings: &mut Strings<'a, 'py>,
) -> PyResult<Bound<'py, PyDict>> {
    let mut named: Vec<_> = bins.iter().collect();
    named.sort_unstable_by_key(|(name, _)| *name);
    let dict = PyDict::new(py);
    for (name, value) in named {
        dict.set_item(strings.get(py, name), value_to_py(py, value)?)?;
    }
    Ok(dict)
}

/// `Record(key, meta, bins)`; `key` is the requested key when the server did not echo one.
pub fn record_to_py<'a, 'py>(
    py: Python<'py>,
    requested: Option<&'a Key>,
    record: &'a Record,
    strings: &mut Strings<'a, 'py>,
) -> PyResult<Bound<'py, PyAny>> {
    let key = match requested.or(record.key.as_ref()) {
        Some(key) => key_to_py(py, key, strings)?,
        None => py.None().into_bound(py),
    };
    record_with_key(py, key, record, strings)
}

/// `Record(key, meta, bins)` around a key object already built (a batch row shares its own).
pub fn record_with_key<'a, 'py>(
    py: Python<'py>,
    key: Bound<'py, PyAny>,
    record: &'a Record,
    strings: &mut Strings<'a, 'py>,
) -> PyResult<Bound<'py, PyAny>> {
    named(
        py,
        &RECORD_TYPE,
        "Record",
        (
            key,
            meta_to_py(py, record)?,
            bins_to_py(py, &record.bins, strings)?,
        ),
    )
}

/// Builds one of the named tuples of `aerospike_py.types` the way `tuple.__new__(cls, items)`
/// does (which is all a namedtuple's own `__new__` does): the class allocates the object and the
/// items are moved in. Calling `tuple.__new__` from here cost a third of a batch's conversion.
#[allow(unsafe_code)]
pub fn named<'py>(
    py: Python<'py>,
    cell: &'static PyOnceLock<Py<PyType>>,
    name: &str,
    items: impl IntoPyObject<'py, Target = PyTuple, Output = Bound<'py, PyTuple>, Error = PyErr>,
) -> PyResult<Bound<'py, PyAny>> {
    let class = cell
        .get_or_try_init(py, || {
            let class = py
                .import("aerospike_py.types")?
                .getattr(name)?
                .cast_into::<PyType>()?;
            if !class.is_subclass_of::<PyTuple>()? {
                return Err(pyo3::exceptions::PyTypeError::new_err(format!(
                    "aerospike_py.types.{name} is not a tuple class"
                )));
            }
            Ok::<_, PyErr>(class.unbind())
        })?
        .bind(py);
    let items = items.into_pyobject(py)?;
    let length = ffi::Py_ssize_t::try_from(items.len())?;
    // SAFETY: `class` is a tuple subclass, so its `tp_alloc` (set for every ready type) makes
    // an object of the tuple layout with `length` empty slots, tracked by the GC, which skips
    // empty slots; each slot is filled once with a new reference before the object is shared.
    unsafe {
        let class_ptr = class.as_type_ptr();
        let alloc = (*class_ptr).tp_alloc.unwrap_or(ffi::PyType_GenericAlloc);
        let object = Bound::from_owned_ptr_or_err(py, alloc(class_ptr, length))?;
        for (slot, item) in (0..length).zip(items.iter()) {
            ffi::PyTuple_SET_ITEM(object.as_ptr(), slot, item.into_ptr());
        }
        Ok(object)
    }
}
