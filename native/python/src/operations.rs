//! Operation dicts (`{"op": ..., "bin": ..., ...}`) for `operate`, `operate_ordered` and batches.
//! Scalar operations use the OPERATOR_* ints; list and map operations use names such as
//! "list_append", built by `aerospike_py.list_operations` and `map_operations`.

use std::cell::RefCell;
use std::collections::HashMap;

use aerospike::operations::lists::{self, ToListReturnTypeBitmask};
use aerospike::operations::maps::{self, ToMapReturnTypeBitmask};
use aerospike::operations::{
    self as ops, ListOrderType, ListPolicy, ListSortFlags, MapOrder, MapPolicy, MapWriteMode,
    Operation,
};
use aerospike::{Bin, Value};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyInt, PyString};

use crate::convert::{bin_name, value_from_py, within_one_command};
use crate::errors::{invalid_arg, utf8, Brief};
use crate::fields::{for_each_entry, Entry};
use crate::policy;

pub const OPERATOR_READ: i64 = 1;
pub const OPERATOR_WRITE: i64 = 2;
pub const OPERATOR_INCR: i64 = 5;
pub const OPERATOR_APPEND: i64 = 9;
pub const OPERATOR_PREPEND: i64 = 10;
pub const OPERATOR_TOUCH: i64 = 11;
pub const OPERATOR_DELETE: i64 = 12;

/// A raw LIST_RETURN_* / MAP_RETURN_* value (they may be or'ed with the inverted flag).
#[derive(Clone, Copy)]
struct Returned(i64);

impl ToListReturnTypeBitmask for Returned {
    fn to_bitmask(self) -> i64 {
        self.0
    }
}

impl ToMapReturnTypeBitmask for Returned {
    fn to_bitmask(self) -> i64 {
        self.0
    }
}

/// What an operation answers, beyond what the crate's `Operation` tells: the bin it names, and
/// whether it writes and whether it answers anything (basic writes, touch and delete do not).
struct Answer {
    bin: Option<String>,
    writes: bool,
    answers: bool,
    /// A touch's `val`: the TTL it sets.
    ttl: Option<i64>,
}

/// An operation list for the crate, and what its operations answer.
pub struct Operations {
    pub list: Vec<Operation>,
    /// Each bin the operations name, in the order it first appears, with whether each of the
    /// operations on it answers.
    by_bin: Vec<(String, Vec<bool>)>,
    writes: bool,
    /// An operation reads every bin.
    reads_all: bool,
    /// An operation without a bin answers nothing (touch, delete).
    silent_without_bin: bool,
    /// The TTL a touch asks for (the last one), which the command's policy then carries.
    pub ttl: Option<i64>,
}

impl Operations {
    fn new(list: Vec<Operation>, answers: Vec<Answer>) -> Self {
        let mut by_bin: Vec<(String, Vec<bool>)> = Vec::new();
        for answer in &answers {
            let Some(bin) = &answer.bin else { continue };
            match by_bin.iter_mut().find(|(name, _)| name == bin) {
                Some((_, flags)) => flags.push(answer.answers),
                None => by_bin.push((bin.clone(), vec![answer.answers])),
            }
        }
        let without_bin = || answers.iter().filter(|answer| answer.bin.is_none());
        Operations {
            list,
            by_bin,
            writes: answers.iter().any(|answer| answer.writes),
            reads_all: without_bin().any(|answer| answer.answers),
            silent_without_bin: without_bin().any(|answer| !answer.answers),
            ttl: answers.iter().rev().find_map(|answer| answer.ttl),
        }
    }

    pub fn writes(&self) -> bool {
        self.writes
    }

    /// The bins of an `operate_ordered` result: those the operations name, in the order they
    /// first appear, then (after a read of every bin) the record's other bins, by name.
    pub fn result_order(&self, bins: &HashMap<String, Value>) -> Vec<String> {
        let mut order: Vec<String> = self.by_bin.iter().map(|(name, _)| name.clone()).collect();
        if self.reads_all {
            let mut rest: Vec<String> = bins
                .keys()
                .filter(|name| !order.contains(name))
                .cloned()
                .collect();
            rest.sort();
            order.extend(rest);
        }
        order
    }

    /// A batch write asks the server to answer every operation, so a basic write comes back as
    /// a nil in its bin: dropping those leaves each record's bins as `operate` returns them.
    pub fn drop_silent_answers(&self, bins: &mut HashMap<String, Value>) {
        for (name, answers) in &self.by_bin {
            if answers.iter().all(|&keep| keep) {
                continue;
            }
            match bins.get_mut(name) {
                Some(Value::MultiResult(items)) if items.len() == answers.len() => {
                    let mut kept: Vec<Value> = std::mem::take(items)
                        .into_iter()
                        .zip(answers)
                        .filter_map(|(item, keep)| keep.then_some(item))
                        .collect();
                    match kept.len() {
                        0 => {
                            bins.remove(name);
                        }
                        1 => {
                            bins.insert(name.clone(), kept.remove(0));
                        }
                        _ => *items = kept,
                    }
                }
                Some(Value::Nil) if answers.len() == 1 => {
                    bins.remove(name);
                }
                _ => {}
            }
        }
        if self.silent_without_bin && matches!(bins.get(""), Some(Value::Nil)) {
            bins.remove("");
        }
    }
}

pub fn operations_from_py(py: Python<'_>, list: &Bound<'_, PyAny>) -> PyResult<Operations> {
    if list.is_instance_of::<PyDict>() || list.is_instance_of::<PyString>() {
        return Err(invalid_arg(
            py,
            format!(
                "operations must be a list of operation dicts, got {list:.80}",
                list = Brief(list)
            ),
        ));
    }
    let Ok(iter) = list.try_iter() else {
        return Err(invalid_arg(
            py,
            format!(
                "operations must be a list of operation dicts, got {list:.80}",
                list = Brief(list)
            ),
        ));
    };
    let (list, answers): (Vec<_>, Vec<_>) = iter
        .map(|op| operation_from_py(py, &op?))
        .collect::<PyResult<Vec<_>>>()?
        .into_iter()
        .unzip();
    if list.is_empty() {
        return Err(invalid_arg(
            py,
            "operations must hold at least one operation",
        ));
    }
    within_one_command(py, list.len(), "operations")?;
    Ok(Operations::new(list, answers))
}

/// An operation dict, read key by key; the keys read are noted so that one the operation does
/// not take (a typo, or a `ctx`) is refused instead of silently ignored.
struct OpDict<'a, 'py> {
    dict: &'a Bound<'py, PyDict>,
    read: RefCell<Vec<&'static str>>,
}

impl<'a, 'py> OpDict<'a, 'py> {
    fn new(dict: &'a Bound<'py, PyDict>) -> Self {
        OpDict {
            dict,
            read: RefCell::new(Vec::with_capacity(dict.len())),
        }
    }

    fn py(&self) -> Python<'py> {
        self.dict.py()
    }

    fn get(&self, key: &'static str) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.read.borrow_mut().push(key);
        self.dict.get_item(key)
    }

    /// Refuses a key (with a value) that the operation did not read.
    fn no_other_keys(&self) -> PyResult<()> {
        let read = self.read.borrow();
        for (key, value) in self.dict.iter() {
            let known = key
                .cast::<PyString>()
                .ok()
                .and_then(|key| key.to_str().ok())
                .is_some_and(|key| read.contains(&key));
            if !known && !value.is_none() {
                let nested = if key.eq("ctx")? {
                    " (nested contexts are not supported)"
                } else {
                    ""
                };
                return Err(invalid_arg(
                    self.py(),
                    format!(
                        "operation {:.120} has key {:.40}, which it does not take{nested}",
                        Brief(self.dict),
                        Brief(&key.repr()?)
                    ),
                ));
            }
        }
        Ok(())
    }

    fn missing(&self, key: &str) -> PyErr {
        invalid_arg(
            self.py(),
            format!("operation {:.120} needs {key:?}", Brief(self.dict)),
        )
    }

    fn item(&self, key: &'static str) -> PyResult<Option<Bound<'py, PyAny>>> {
        Ok(self.get(key)?.filter(|v| !v.is_none()))
    }

    fn required(&self, key: &'static str) -> PyResult<Bound<'py, PyAny>> {
        self.item(key)?.ok_or_else(|| self.missing(key))
    }

    fn bin(&self) -> PyResult<String> {
        bin_name(self.py(), &self.required("bin")?)
    }

    fn value(&self, key: &'static str) -> PyResult<Value> {
        match self.get(key)? {
            Some(v) => value_from_py(&v),
            None => Err(self.missing(key)),
        }
    }

    fn values(&self, key: &'static str) -> PyResult<Vec<Value>> {
        match self.value(key)? {
            Value::List(items) => Ok(items),
            _ => Err(invalid_arg(
                self.py(),
                format!(
                    "{key:?} of operation {:.120} must be a list",
                    Brief(self.dict)
                ),
            )),
        }
    }

    /// A `value` that must not be None (the crate panics on a nil item).
    fn non_nil(&self, key: &'static str) -> PyResult<Value> {
        match self.value(key)? {
            Value::Nil => Err(invalid_arg(
                self.py(),
                format!(
                    "{key:?} of operation {:.120} must not be None",
                    Brief(self.dict)
                ),
            )),
            value => Ok(value),
        }
    }

    /// `values` that must hold at least one item (the crate panics on an empty list).
    fn items(&self, key: &'static str) -> PyResult<Vec<Value>> {
        let items = self.values(key)?;
        if items.is_empty() {
            return Err(invalid_arg(
                self.py(),
                format!(
                    "{key:?} of operation {:.120} must not be empty",
                    Brief(self.dict)
                ),
            ));
        }
        Ok(items)
    }

    fn int(&self, key: &'static str) -> PyResult<i64> {
        let value = self.required(key)?;
        if value.is_instance_of::<PyBool>() || !value.is_instance_of::<PyInt>() {
            return Err(invalid_arg(
                self.py(),
                format!(
                    "{key:?} of operation {:.120} must be an int",
                    Brief(self.dict)
                ),
            ));
        }
        value.extract::<i64>().map_err(|_| self.missing(key))
    }

    fn optional_int(&self, key: &'static str) -> PyResult<Option<i64>> {
        if self.item(key)?.is_some() {
            self.int(key).map(Some)
        } else {
            Ok(None)
        }
    }

    fn returned(&self) -> PyResult<Returned> {
        self.int("return_type").map(Returned)
    }

    fn list_policy(&self) -> PyResult<ListPolicy> {
        let mut policy = ListPolicy::default();
        for_each_entry("list_policy", self.item("list_policy")?.as_ref(), |entry| {
            match entry.key {
                "order" => policy.attributes = list_order(&entry)?,
                "flags" => policy.flags = u8::try_from(entry.int_in(0, 255)?).unwrap_or(0),
                _ => return Err(entry.unknown(&["order", "flags"])),
            }
            Ok(())
        })?;
        Ok(policy)
    }

    fn map_policy(&self) -> PyResult<MapPolicy> {
        let mut order = MapOrder::Unordered;
        let mut write_mode = MapWriteMode::Update;
        let mut flags = None;
        for_each_entry("map_policy", self.item("map_policy")?.as_ref(), |entry| {
            match entry.key {
                "order" => order = map_order(&entry)?,
                "write_mode" => {
                    write_mode = match entry.int_in(0, 2)? {
                        0 => MapWriteMode::Update,
                        1 => MapWriteMode::CreateOnly,
                        _ => MapWriteMode::UpdateOnly,
                    }
                }
                "flags" => flags = Some(u8::try_from(entry.int_in(0, 255)?).unwrap_or(0)),
                _ => return Err(entry.unknown(&["order", "write_mode", "flags"])),
            }
            Ok(())
        })?;
        Ok(match flags {
            Some(flags) => MapPolicy::new_with_flags(order, flags),
            None => MapPolicy::new(order, write_mode),
        })
    }
}

fn list_order(entry: &Entry<'_, '_>) -> PyResult<ListOrderType> {
    Ok(if entry.int_in(0, 1)? == 1 {
        ListOrderType::Ordered
    } else {
        ListOrderType::Unordered
    })
}

fn map_order(entry: &Entry<'_, '_>) -> PyResult<MapOrder> {
    Ok(match entry.int_in(0, 3)? {
        0 => MapOrder::Unordered,
        1 => MapOrder::KeyOrdered,
        3 => MapOrder::KeyValueOrdered,
        _ => {
            return Err(entry.unknown(&[
                "MAP_UNORDERED",
                "MAP_KEY_ORDERED",
                "MAP_KEY_VALUE_ORDERED",
            ]))
        }
    })
}

fn operation_from_py(py: Python<'_>, op: &Bound<'_, PyAny>) -> PyResult<(Operation, Answer)> {
    let dict = op.cast::<PyDict>().map_err(|_| {
        invalid_arg(
            py,
            format!("an operation must be a dict, got {op:.80}", op = Brief(op)),
        )
    })?;
    let d = OpDict::new(dict);
    let code = d.required("op")?;
    if let Ok(name) = code.cast::<PyString>() {
        let name = utf8(name, "operation code")?;
        let reads =
            name.ends_with("_size") || name.starts_with("list_get") || name.starts_with("map_get");
        let bin = d.bin()?;
        let operation = cdt_operation(&d, name, &bin)?;
        d.no_other_keys()?;
        let answer = Answer {
            bin: Some(bin),
            writes: !reads,
            answers: true,
            ttl: None,
        };
        return Ok((operation, answer));
    }
    let code = code.extract::<i64>().map_err(|_| d.missing("op"))?;
    let bin = d.item("bin")?.map(|name| bin_name(py, &name)).transpose()?;
    let named = || bin.clone().ok_or_else(|| d.missing("bin"));
    let operation = match code {
        OPERATOR_READ => match &bin {
            Some(name) => ops::get_bin(name),
            None => ops::get(),
        },
        OPERATOR_WRITE => ops::put(&Bin::new(named()?, d.value("val")?)),
        OPERATOR_INCR => ops::add(&Bin::new(named()?, numeric(&d)?)),
        OPERATOR_APPEND => ops::append(&Bin::new(named()?, d.value("val")?)),
        OPERATOR_PREPEND => ops::prepend(&Bin::new(named()?, d.value("val")?)),
        OPERATOR_TOUCH => ops::touch(),
        OPERATOR_DELETE => ops::delete(),
        other => {
            return Err(invalid_arg(
                py,
                format!(
                    "unknown operation code {other} in {dict:.120}",
                    dict = Brief(dict)
                ),
            ))
        }
    };
    let touch_ttl = if code == OPERATOR_TOUCH {
        d.item("val")?
    } else {
        None
    };
    let ttl = touch_ttl
        .map(|value| {
            policy::ttl(&Entry {
                context: "touch operation",
                key: "val",
                value: &value,
            })
        })
        .transpose()?;
    d.no_other_keys()?;
    let reads = code == OPERATOR_READ;
    let answer = Answer {
        bin,
        writes: !reads,
        answers: reads,
        ttl,
    };
    Ok((operation, answer))
}

fn numeric(d: &OpDict<'_, '_>) -> PyResult<Value> {
    match d.value("val")? {
        value @ (Value::Int(_) | Value::Float(_)) => Ok(value),
        _ => Err(invalid_arg(
            d.py(),
            format!(
                "increment needs an int or float \"val\", got {:.120}",
                Brief(d.dict)
            ),
        )),
    }
}

fn cdt_operation(d: &OpDict<'_, '_>, name: &str, b: &str) -> PyResult<Operation> {
    Ok(match name {
        "list_append" => lists::append(&d.list_policy()?, b, d.value("val")?),
        "list_append_items" => lists::append_items(&d.list_policy()?, b, d.items("values")?),
        "list_insert" => lists::insert(&d.list_policy()?, b, d.int("index")?, d.value("val")?),
        "list_insert_items" => {
            lists::insert_items(&d.list_policy()?, b, d.int("index")?, d.items("values")?)
        }
        "list_pop" => lists::pop(b, d.int("index")?),
        "list_pop_range" => lists::pop_range(b, d.int("index")?, d.int("count")?),
        "list_remove" => lists::remove(b, d.int("index")?),
        "list_remove_range" => lists::remove_range(b, d.int("index")?, d.int("count")?),
        "list_set" => lists::set(b, d.int("index")?, d.non_nil("val")?),
        "list_trim" => lists::trim(b, d.int("index")?, d.int("count")?),
        "list_clear" => lists::clear(b),
        "list_size" => lists::size(b),
        "list_get" => lists::get(b, d.int("index")?),
        "list_get_range" => lists::get_range(b, d.int("index")?, d.int("count")?),
        "list_increment" => lists::increment(&d.list_policy()?, b, d.int("index")?, d.int("val")?),
        "list_sort" => lists::sort(
            b,
            match d.optional_int("sort_flags")?.unwrap_or(0) {
                0 => ListSortFlags::Default,
                1 => ListSortFlags::Descending,
                _ => ListSortFlags::DropDuplicates,
            },
        ),
        "list_set_order" => lists::set_order(
            b,
            if d.optional_int("list_order")?.unwrap_or(0) == 1 {
                ListOrderType::Ordered
            } else {
                ListOrderType::Unordered
            },
        ),
        "list_get_by_value" => lists::get_by_value(b, d.value("val")?, d.returned()?),
        "list_get_by_value_list" => lists::get_by_value_list(b, d.values("values")?, d.returned()?),
        "list_get_by_value_range" => {
            lists::get_by_value_range(b, d.value("begin")?, d.value("end")?, d.returned()?)
        }
        "list_get_by_index" => lists::get_by_index(b, d.int("index")?, d.returned()?),
        "list_get_by_index_range" => match d.optional_int("count")? {
            Some(count) => {
                lists::get_by_index_range_count(b, d.int("index")?, count, d.returned()?)
            }
            None => lists::get_by_index_range(b, d.int("index")?, d.returned()?),
        },
        "list_get_by_rank" => lists::get_by_rank(b, d.int("rank")?, d.returned()?),
        "list_get_by_rank_range" => match d.optional_int("count")? {
            Some(count) => lists::get_by_rank_range_count(b, d.int("rank")?, count, d.returned()?),
            None => lists::get_by_rank_range(b, d.int("rank")?, d.returned()?),
        },
        "list_remove_by_value" => lists::remove_by_value(b, d.value("val")?, d.returned()?),
        "list_remove_by_value_list" => {
            lists::remove_by_value_list(b, d.values("values")?, d.returned()?)
        }
        "list_remove_by_value_range" => {
            lists::remove_by_value_range(b, d.returned()?, d.value("begin")?, d.value("end")?)
        }
        "list_remove_by_index" => lists::remove_by_index(b, d.int("index")?, d.returned()?),
        "list_remove_by_index_range" => match d.optional_int("count")? {
            Some(count) => {
                lists::remove_by_index_range_count(b, d.int("index")?, count, d.returned()?)
            }
            None => lists::remove_by_index_range(b, d.int("index")?, d.returned()?),
        },
        "list_remove_by_rank" => lists::remove_by_rank(b, d.int("rank")?, d.returned()?),
        "list_remove_by_rank_range" => match d.optional_int("count")? {
            Some(count) => {
                lists::remove_by_rank_range_count(b, d.int("rank")?, count, d.returned()?)
            }
            None => lists::remove_by_rank_range(b, d.int("rank")?, d.returned()?),
        },
        "map_set_order" => maps::set_order(
            b,
            match d.int("map_order")? {
                1 => MapOrder::KeyOrdered,
                3 => MapOrder::KeyValueOrdered,
                _ => MapOrder::Unordered,
            },
        ),
        "map_put" => maps::put(&d.map_policy()?, b, d.value("key")?, d.value("val")?),
        "map_put_items" => match d.value("items")? {
            Value::HashMap(items) => maps::put_items(&d.map_policy()?, b, items),
            _ => return Err(invalid_arg(d.py(), "map_put_items needs a dict of items")),
        },
        "map_increment" => {
            maps::increment_value(&d.map_policy()?, b, d.value("key")?, d.value("val")?)
        }
        "map_decrement" => {
            maps::decrement_value(&d.map_policy()?, b, d.value("key")?, d.value("val")?)
        }
        "map_clear" => maps::clear(b),
        "map_size" => maps::size(b),
        "map_remove_by_key" => maps::remove_by_key(b, d.value("key")?, d.returned()?),
        "map_remove_by_key_list" => maps::remove_by_key_list(b, d.values("keys")?, d.returned()?),
        "map_remove_by_key_range" => {
            maps::remove_by_key_range(b, d.value("begin")?, d.value("end")?, d.returned()?)
        }
        "map_remove_by_value" => maps::remove_by_value(b, d.value("val")?, d.returned()?),
        "map_remove_by_value_list" => {
            maps::remove_by_value_list(b, d.values("values")?, d.returned()?)
        }
        "map_remove_by_value_range" => {
            maps::remove_by_value_range(b, d.value("begin")?, d.value("end")?, d.returned()?)
        }
        "map_remove_by_index" => maps::remove_by_index(b, d.int("index")?, d.returned()?),
        "map_remove_by_index_range" => match d.optional_int("count")? {
            Some(count) => maps::remove_by_index_range(b, d.int("index")?, count, d.returned()?),
            None => maps::remove_by_index_range_from(b, d.int("index")?, d.returned()?),
        },
        "map_remove_by_rank" => maps::remove_by_rank(b, d.int("rank")?, d.returned()?),
        "map_remove_by_rank_range" => match d.optional_int("count")? {
            Some(count) => maps::remove_by_rank_range(b, d.int("rank")?, count, d.returned()?),
            None => maps::remove_by_rank_range_from(b, d.int("rank")?, d.returned()?),
        },
        "map_get_by_key" => maps::get_by_key(b, d.value("key")?, d.returned()?),
        "map_get_by_key_list" => maps::get_by_key_list(b, d.values("keys")?, d.returned()?),
        "map_get_by_key_range" => {
            maps::get_by_key_range(b, d.value("begin")?, d.value("end")?, d.returned()?)
        }
        "map_get_by_value" => maps::get_by_value(b, d.value("val")?, d.returned()?),
        "map_get_by_value_list" => maps::get_by_value_list(b, d.values("values")?, d.returned()?),
        "map_get_by_value_range" => {
            maps::get_by_value_range(b, d.value("begin")?, d.value("end")?, d.returned()?)
        }
        "map_get_by_index" => maps::get_by_index(b, d.int("index")?, d.returned()?),
        "map_get_by_index_range" => match d.optional_int("count")? {
            Some(count) => maps::get_by_index_range(b, d.int("index")?, count, d.returned()?),
            None => maps::get_by_index_range_from(b, d.int("index")?, d.returned()?),
        },
        "map_get_by_rank" => maps::get_by_rank(b, d.int("rank")?, d.returned()?),
        "map_get_by_rank_range" => match d.optional_int("count")? {
            Some(count) => maps::get_by_rank_range(b, d.int("rank")?, count, d.returned()?),
            None => maps::get_by_rank_range_from(b, d.int("rank")?, d.returned()?),
        },
        other => return Err(invalid_arg(d.py(), format!("unknown operation {other:?}"))),
    })
}
