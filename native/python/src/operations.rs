//! Operation dicts (`{"op": ..., "bin": ..., ...}`) for `operate`, `operate_ordered` and batches,
//! as aerospike-py 0.14.4 and the official client shape them: scalar operations use the
//! OPERATOR_* ints, list/map/HLL/bit operations the codes 1001.., 2001.., 3001.. and 4001..
//! (built by `aerospike_py.list_operations`, `map_operations`, `hll_operations` and
//! `bit_operations`). The builders' names ("list_append") are accepted as codes too.

use std::cell::RefCell;
use std::collections::HashMap;

use aerospike::operations::bitwise::{self, BitPolicy, BitwiseOverflowActions, BitwiseResizeFlags};
use aerospike::operations::hll::{self, HLLPolicy};
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

    /// An optional bool (False when absent).
    fn flag(&self, key: &'static str) -> PyResult<bool> {
        match self.item(key)? {
            Some(value) => value.extract::<bool>().map_err(|_| {
                invalid_arg(
                    self.py(),
                    format!(
                        "{key:?} of operation {:.120} must be a bool",
                        Brief(self.dict)
                    ),
                )
            }),
            None => Ok(false),
        }
    }

    /// An optional int that must be one of `allowed`.
    fn choice(&self, key: &'static str, allowed: &[i64]) -> PyResult<Option<i64>> {
        match self.optional_int(key)? {
            Some(value) if !allowed.contains(&value) => Err(invalid_arg(
                self.py(),
                format!(
                    "{key:?} of operation {:.120} must be one of {allowed:?}",
                    Brief(self.dict)
                ),
            )),
            value => Ok(value),
        }
    }

    /// `bit_policy`: the BIT_WRITE_* flags.
    fn bit_policy(&self) -> PyResult<BitPolicy> {
        let flags = self.optional_int("bit_policy")?.unwrap_or(0);
        u8::try_from(flags).map(BitPolicy::new).map_err(|_| {
            invalid_arg(
                self.py(),
                format!(
                    "\"bit_policy\" of operation {:.120} must be BIT_WRITE_* flags",
                    Brief(self.dict)
                ),
            )
        })
    }

    /// `hll_policy`: `{"flags": HLL_WRITE_*}`.
    fn hll_policy(&self) -> PyResult<HLLPolicy> {
        let mut policy = HLLPolicy::default();
        for_each_entry("hll_policy", self.item("hll_policy")?.as_ref(), |entry| {
            match entry.key {
                "flags" => policy.flags = entry.int_in(0, 255)?,
                _ => return Err(entry.unknown(&["flags"])),
            }
            Ok(())
        })?;
        Ok(policy)
    }

    /// HLL values, read back as bytes, passed on as HLL particles.
    fn hlls(&self, key: &'static str) -> PyResult<Vec<Value>> {
        Ok(self
            .values(key)?
            .into_iter()
            .map(|value| match value {
                Value::Blob(bytes) => Value::HLL(bytes),
                other => other,
            })
            .collect())
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
        return cdt_from_py(&d, utf8(name, "operation code")?);
    }
    let code = code.extract::<i64>().map_err(|_| d.missing("op"))?;
    if let Some(name) = cdt_name(code) {
        return cdt_from_py(&d, name);
    }
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

/// A list, map, bit or HLL operation by name.
fn cdt_from_py(d: &OpDict<'_, '_>, name: &str) -> PyResult<(Operation, Answer)> {
    let bin = d.bin()?;
    let operation = match name.split('_').next() {
        Some("bit") => bit_operation(d, name, &bin)?,
        Some("hll") => hll_operation(d, name, &bin)?,
        _ => cdt_operation(d, name, &bin)?,
    };
    d.no_other_keys()?;
    let reads = name.ends_with("_size")
        || name.ends_with("_count")
        || name.ends_with("scan")
        || ["list_get", "map_get", "bit_get", "hll_get", "hll_describe"]
            .iter()
            .any(|prefix| name.starts_with(prefix));
    // Bit writes and the HLL writes other than add answer nothing; list and map writes answer.
    let silent =
        !reads && (name.starts_with("bit_") || (name.starts_with("hll_") && name != "hll_add"));
    let answer = Answer {
        bin: Some(bin),
        writes: !reads,
        answers: !silent,
        ttl: None,
    };
    Ok((operation, answer))
}

/// The names of the integer operation codes of aerospike-py (and their builders' names).
fn cdt_name(code: i64) -> Option<&'static str> {
    const LIST: [&str; 31] = [
        "list_append",
        "list_append_items",
        "list_insert",
        "list_insert_items",
        "list_pop",
        "list_pop_range",
        "list_remove",
        "list_remove_range",
        "list_set",
        "list_trim",
        "list_clear",
        "list_size",
        "list_get",
        "list_get_range",
        "list_get_by_value",
        "list_get_by_index",
        "list_get_by_index_range",
        "list_get_by_rank",
        "list_get_by_rank_range",
        "list_get_by_value_list",
        "list_get_by_value_range",
        "list_remove_by_value",
        "list_remove_by_value_list",
        "list_remove_by_value_range",
        "list_remove_by_index",
        "list_remove_by_index_range",
        "list_remove_by_rank",
        "list_remove_by_rank_range",
        "list_increment",
        "list_sort",
        "list_set_order",
    ];
    const MAP: [&str; 27] = [
        "map_set_order",
        "map_put",
        "map_put_items",
        "map_increment",
        "map_decrement",
        "map_clear",
        "map_remove_by_key",
        "map_remove_by_key_list",
        "map_remove_by_key_range",
        "map_remove_by_value",
        "map_remove_by_value_list",
        "map_remove_by_value_range",
        "map_remove_by_index",
        "map_remove_by_index_range",
        "map_remove_by_rank",
        "map_remove_by_rank_range",
        "map_size",
        "map_get_by_key",
        "map_get_by_key_range",
        "map_get_by_value",
        "map_get_by_value_range",
        "map_get_by_index",
        "map_get_by_index_range",
        "map_get_by_rank",
        "map_get_by_rank_range",
        "map_get_by_key_list",
        "map_get_by_value_list",
    ];
    const HLL: [&str; 10] = [
        "hll_init",
        "hll_add",
        "hll_get_count",
        "hll_get_union",
        "hll_get_union_count",
        "hll_get_intersect_count",
        "hll_get_similarity",
        "hll_describe",
        "hll_fold",
        "hll_set_union",
    ];
    const BIT_WRITE: [&str; 13] = [
        "bit_resize",
        "bit_insert",
        "bit_remove",
        "bit_set",
        "bit_or",
        "bit_xor",
        "bit_and",
        "bit_not",
        "bit_lshift",
        "bit_rshift",
        "bit_add",
        "bit_subtract",
        "bit_set_int",
    ];
    const BIT_READ: [&str; 5] = [
        "bit_get",
        "bit_count",
        "bit_lscan",
        "bit_rscan",
        "bit_get_int",
    ];
    let (table, first): (&[&'static str], i64) = match code {
        1001..=1999 => (&LIST, 1001),
        2001..=2999 => (&MAP, 2001),
        3001..=3999 => (&HLL, 3001),
        4050..=4999 => (&BIT_READ, 4050),
        4001..=4049 => (&BIT_WRITE, 4001),
        _ => return None,
    };
    usize::try_from(code - first)
        .ok()
        .and_then(|index| table.get(index).copied())
}

fn bit_operation(d: &OpDict<'_, '_>, name: &str, b: &str) -> PyResult<Operation> {
    let offset = || d.int("bit_offset");
    let size = || d.int("bit_size");
    let overflow = || {
        Ok::<_, PyErr>(match d.choice("action", &[0, 2, 4])?.unwrap_or(0) {
            2 => BitwiseOverflowActions::Saturate,
            4 => BitwiseOverflowActions::Wrap,
            _ => BitwiseOverflowActions::Fail,
        })
    };
    Ok(match name {
        "bit_resize" => {
            let flags = match d.choice("resize_flags", &[0, 1, 2, 4])?.unwrap_or(0) {
                1 => Some(BitwiseResizeFlags::FromFront),
                2 => Some(BitwiseResizeFlags::GrowOnly),
                4 => Some(BitwiseResizeFlags::ShrinkOnly),
                _ => None,
            };
            bitwise::resize(b, d.int("byte_size")?, flags, &d.bit_policy()?)
        }
        "bit_insert" => {
            bitwise::insert(b, d.int("byte_offset")?, d.value("val")?, &d.bit_policy()?)
        }
        "bit_remove" => bitwise::remove(
            b,
            d.int("byte_offset")?,
            d.int("byte_size")?,
            &d.bit_policy()?,
        ),
        "bit_set" => bitwise::set(b, offset()?, size()?, d.value("val")?, &d.bit_policy()?),
        "bit_or" => bitwise::or(b, offset()?, size()?, d.value("val")?, &d.bit_policy()?),
        "bit_xor" => bitwise::xor(b, offset()?, size()?, d.value("val")?, &d.bit_policy()?),
        "bit_and" => bitwise::and(b, offset()?, size()?, d.value("val")?, &d.bit_policy()?),
        "bit_not" => bitwise::not(b, offset()?, size()?, &d.bit_policy()?),
        "bit_lshift" => bitwise::lshift(b, offset()?, size()?, d.int("shift")?, &d.bit_policy()?),
        "bit_rshift" => bitwise::rshift(b, offset()?, size()?, d.int("shift")?, &d.bit_policy()?),
        "bit_add" => bitwise::add(
            b,
            offset()?,
            size()?,
            d.int("val")?,
            d.flag("signed")?,
            overflow()?,
            &d.bit_policy()?,
        ),
        "bit_subtract" => bitwise::subtract(
            b,
            offset()?,
            size()?,
            d.int("val")?,
            d.flag("signed")?,
            overflow()?,
            &d.bit_policy()?,
        ),
        "bit_set_int" => bitwise::set_int(b, offset()?, size()?, d.int("val")?, &d.bit_policy()?),
        "bit_get" => bitwise::get(b, offset()?, size()?),
        "bit_count" => bitwise::count(b, offset()?, size()?),
        "bit_lscan" => bitwise::lscan(b, offset()?, size()?, d.flag("val")?),
        "bit_rscan" => bitwise::rscan(b, offset()?, size()?, d.flag("val")?),
        "bit_get_int" => bitwise::get_int(b, offset()?, size()?, d.flag("signed")?),
        other => return Err(invalid_arg(d.py(), format!("unknown operation {other:?}"))),
    })
}

fn hll_operation(d: &OpDict<'_, '_>, name: &str, b: &str) -> PyResult<Operation> {
    let minhash = || Ok::<_, PyErr>(d.optional_int("minhash_bit_count")?.unwrap_or(-1));
    Ok(match name {
        "hll_init" => {
            hll::init_with_min_hash(&d.hll_policy()?, b, d.int("index_bit_count")?, minhash()?)
        }
        "hll_add" => hll::add_with_index_and_min_hash(
            &d.hll_policy()?,
            b,
            d.values("val")?,
            d.optional_int("index_bit_count")?.unwrap_or(-1),
            minhash()?,
        ),
        "hll_get_count" => hll::get_count(b),
        "hll_get_union" => hll::get_union(b, d.hlls("val")?),
        "hll_get_union_count" => hll::get_union_count(b, d.hlls("val")?),
        "hll_get_intersect_count" => hll::get_intersect_count(b, d.hlls("val")?),
        "hll_get_similarity" => hll::get_similarity(b, d.hlls("val")?),
        "hll_describe" => hll::describe(b),
        "hll_fold" => hll::fold(b, d.int("index_bit_count")?),
        "hll_set_union" => hll::set_union(&d.hll_policy()?, b, d.hlls("val")?),
        other => return Err(invalid_arg(d.py(), format!("unknown operation {other:?}"))),
    })
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
        "list_append_items" => lists::append_items(&d.list_policy()?, b, d.items("val")?),
        "list_insert" => lists::insert(&d.list_policy()?, b, d.int("index")?, d.value("val")?),
        "list_insert_items" => {
            lists::insert_items(&d.list_policy()?, b, d.int("index")?, d.items("val")?)
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
            match d.optional_int("val")?.unwrap_or(0) {
                0 => ListSortFlags::Default,
                1 => ListSortFlags::Descending,
                _ => ListSortFlags::DropDuplicates,
            },
        ),
        "list_set_order" => lists::set_order(
            b,
            if d.optional_int("val")?.unwrap_or(0) == 1 {
                ListOrderType::Ordered
            } else {
                ListOrderType::Unordered
            },
        ),
        "list_get_by_value" => lists::get_by_value(b, d.value("val")?, d.returned()?),
        "list_get_by_value_list" => lists::get_by_value_list(b, d.values("val")?, d.returned()?),
        "list_get_by_value_range" => {
            lists::get_by_value_range(b, d.value("val")?, d.value("val_end")?, d.returned()?)
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
            lists::remove_by_value_list(b, d.values("val")?, d.returned()?)
        }
        "list_remove_by_value_range" => {
            lists::remove_by_value_range(b, d.returned()?, d.value("val")?, d.value("val_end")?)
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
            match d.int("val")? {
                1 => MapOrder::KeyOrdered,
                3 => MapOrder::KeyValueOrdered,
                _ => MapOrder::Unordered,
            },
        ),
        "map_put" => maps::put(&d.map_policy()?, b, d.value("map_key")?, d.value("val")?),
        "map_put_items" => match d.value("val")? {
            Value::HashMap(items) => maps::put_items(&d.map_policy()?, b, items),
            _ => return Err(invalid_arg(d.py(), "map_put_items needs a dict of items")),
        },
        "map_increment" => {
            maps::increment_value(&d.map_policy()?, b, d.value("map_key")?, d.value("val")?)
        }
        "map_decrement" => {
            maps::decrement_value(&d.map_policy()?, b, d.value("map_key")?, d.value("val")?)
        }
        "map_clear" => maps::clear(b),
        "map_size" => maps::size(b),
        "map_remove_by_key" => maps::remove_by_key(b, d.value("map_key")?, d.returned()?),
        "map_remove_by_key_list" => maps::remove_by_key_list(b, d.values("val")?, d.returned()?),
        "map_remove_by_key_range" => {
            maps::remove_by_key_range(b, d.value("val")?, d.value("val_end")?, d.returned()?)
        }
        "map_remove_by_value" => maps::remove_by_value(b, d.value("val")?, d.returned()?),
        "map_remove_by_value_list" => {
            maps::remove_by_value_list(b, d.values("val")?, d.returned()?)
        }
        "map_remove_by_value_range" => {
            maps::remove_by_value_range(b, d.value("val")?, d.value("val_end")?, d.returned()?)
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
        "map_get_by_key" => maps::get_by_key(b, d.value("map_key")?, d.returned()?),
        "map_get_by_key_list" => maps::get_by_key_list(b, d.values("val")?, d.returned()?),
        "map_get_by_key_range" => {
            maps::get_by_key_range(b, d.value("val")?, d.value("val_end")?, d.returned()?)
        }
        "map_get_by_value" => maps::get_by_value(b, d.value("val")?, d.returned()?),
        "map_get_by_value_list" => maps::get_by_value_list(b, d.values("val")?, d.returned()?),
        "map_get_by_value_range" => {
            maps::get_by_value_range(b, d.value("val")?, d.value("val_end")?, d.returned()?)
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
