//! Map operations (op codes 64..128): unordered maps keep insertion order, key-ordered maps keep
//! their entries sorted by key; index means key order and rank means value order for both
//! (server `particle_map.c`).

use super::select::{self, By, Selection, View};
use super::{add_numbers, int_arg, list_arg, max_args, opt_int_arg, set_type_order, value_arg};
use crate::result_code::{ResultCode, ELEMENT_EXISTS, ELEMENT_NOT_FOUND, PARAMETER_ERROR};
use crate::value::{map_order, Map, Value};

mod op {
    pub const SET_TYPE: i64 = 64;
    pub const ADD: i64 = 65;
    pub const ADD_ITEMS: i64 = 66;
    pub const PUT: i64 = 67;
    pub const PUT_ITEMS: i64 = 68;
    pub const REPLACE: i64 = 69;
    pub const REPLACE_ITEMS: i64 = 70;
    pub const INCREMENT: i64 = 73;
    pub const DECREMENT: i64 = 74;
    pub const CLEAR: i64 = 75;
    pub const REMOVE_BY_KEY: i64 = 76;
    pub const REMOVE_BY_VALUE_REL_RANK_RANGE: i64 = 89;
    pub const SIZE: i64 = 96;
    pub const GET_BY_KEY: i64 = 97;
    pub const GET_BY_VALUE_REL_RANK_RANGE: i64 = 110;
}

/// Map write flags.
mod flag {
    pub const CREATE_ONLY: i64 = 1;
    pub const UPDATE_ONLY: i64 = 2;
    pub const NO_FAIL: i64 = 4;
    pub const DO_PARTIAL: i64 = 8;
}

/// Ops that create the map when the bin is missing.
pub(super) fn creates(code: i64) -> bool {
    matches!(
        code,
        op::SET_TYPE..=op::REPLACE_ITEMS | op::INCREMENT | op::DECREMENT
    )
}

/// The empty map a modify op starts from on a missing bin: its order argument decides.
pub(super) fn empty_for(code: i64, args: &[Value]) -> Result<Map, ResultCode> {
    let order = match code {
        op::SET_TYPE => Some(set_type_order(args)?),
        op::ADD | op::PUT | op::INCREMENT | op::DECREMENT => opt_int_arg(args, 2)?,
        op::ADD_ITEMS | op::PUT_ITEMS => opt_int_arg(args, 1)?,
        _ => None,
    };
    Ok(Map {
        entries: Vec::new(),
        order: order_attr(order.unwrap_or(0))?,
    })
}

/// Map order attribute (`| 0x10` persist-index is accepted and ignored).
fn order_attr(raw: i64) -> Result<u8, ResultCode> {
    match raw & !0x10 {
        0 => Ok(map_order::UNORDERED),
        1 => Ok(map_order::KEY_ORDERED),
        3 => Ok(map_order::KEY_VALUE_ORDERED),
        _ => Err(PARAMETER_ERROR),
    }
}

/// Maps the get-by/remove-by op codes onto one selector family.
fn selector<'a>(code: i64, args: &'a [Value]) -> Result<By<'a>, ResultCode> {
    let (by, max) = match code {
        97 | 76 => (By::Key(value_arg(args, 1)?), 2),
        98 | 77 => (By::Index(int_arg(args, 1)?), 2),
        99 | 102 | 78 | 82 => (By::Value(value_arg(args, 1)?), 2),
        100 | 79 => (By::Rank(int_arg(args, 1)?), 2),
        103 | 84 => (By::KeyInterval(value_arg(args, 1)?, args.get(2)), 3),
        104 | 85 => (By::IndexRange(int_arg(args, 1)?, opt_int_arg(args, 2)?), 3),
        105 | 86 => (By::ValueInterval(value_arg(args, 1)?, args.get(2)), 3),
        106 | 87 => (By::RankRange(int_arg(args, 1)?, opt_int_arg(args, 2)?), 3),
        107 | 81 => (By::KeyList(list_arg(args, 1)?), 2),
        108 | 83 => (By::ValueList(list_arg(args, 1)?), 2),
        109 | 88 => (
            By::KeyRelIndexRange(
                value_arg(args, 1)?,
                int_arg(args, 2)?,
                opt_int_arg(args, 3)?,
            ),
            4,
        ),
        110 | 89 => (
            By::ValueRelRankRange(
                value_arg(args, 1)?,
                int_arg(args, 2)?,
                opt_int_arg(args, 3)?,
            ),
            4,
        ),
        _ => return Err(PARAMETER_ERROR),
    };
    max_args(args, max)?;
    Ok(by)
}

fn selection_for(
    view: &View<'_>,
    code: i64,
    args: &[Value],
) -> Result<(i64, Selection), ResultCode> {
    let rt = int_arg(args, 0)?;
    Ok((rt, select::select(view, &selector(code, args)?, rt)?))
}

pub(super) fn read(map: &Map, code: i64, args: &[Value]) -> Result<Option<Value>, ResultCode> {
    match code {
        op::SIZE => {
            max_args(args, 0)?;
            Ok(Some(size(map)))
        }
        op::GET_BY_KEY..=op::GET_BY_VALUE_REL_RANK_RANGE => {
            let (view, _) = View::of_map(map);
            let (rt, selection) = selection_for(&view, code, args)?;
            select::result(&view, &selection, rt)
        }
        _ => Err(PARAMETER_ERROR),
    }
}

pub(super) fn modify(
    map: &mut Map,
    code: i64,
    args: &[Value],
) -> Result<Option<Value>, ResultCode> {
    match code {
        op::SET_TYPE => {
            map.order = order_attr(set_type_order(args)?)?;
            sort_if_ordered(map);
            Ok(None)
        }
        op::ADD | op::PUT | op::REPLACE => {
            let (max, flags) = match code {
                op::ADD => (3, flag::CREATE_ONLY),
                op::REPLACE => (2, flag::UPDATE_ONLY),
                _ => (4, opt_int_arg(args, 3)?.unwrap_or(0)),
            };
            max_args(args, max)?;
            let key = value_arg(args, 0)?;
            put_items(map, &[(key.clone(), value_arg(args, 1)?.clone())], flags)?;
            Ok(Some(size(map)))
        }
        op::ADD_ITEMS | op::PUT_ITEMS | op::REPLACE_ITEMS => {
            let (max, flags) = match code {
                op::ADD_ITEMS => (2, flag::CREATE_ONLY),
                op::REPLACE_ITEMS => (1, flag::UPDATE_ONLY),
                _ => (3, opt_int_arg(args, 2)?.unwrap_or(0)),
            };
            max_args(args, max)?;
            let Some(Value::Map(items)) = args.first() else {
                return Err(PARAMETER_ERROR);
            };
            put_items(map, &items.entries, flags)?;
            Ok(Some(size(map)))
        }
        op::INCREMENT | op::DECREMENT => {
            max_args(args, 3)?;
            let key = value_arg(args, 0)?;
            check_key(key)?;
            let delta = args.get(1).cloned().unwrap_or(Value::Int(1));
            let delta = match (code, delta) {
                (op::INCREMENT, d @ (Value::Int(_) | Value::Float(_))) => d,
                (_, Value::Int(d)) => Value::Int(d.wrapping_neg()),
                (_, Value::Float(d)) => Value::Float(-d),
                _ => return Err(PARAMETER_ERROR),
            };
            let new = match find_key(map, key) {
                Some(i) => add_numbers(&map.entries[i].1, &delta)?,
                None => delta,
            };
            insert_or_update(map, key.clone(), new.clone());
            Ok(Some(new))
        }
        op::CLEAR => {
            max_args(args, 0)?;
            map.entries.clear();
            Ok(None)
        }
        op::REMOVE_BY_KEY..=op::REMOVE_BY_VALUE_REL_RANK_RANGE => {
            let (view, storage) = View::of_map(map);
            let (rt, selection) = selection_for(&view, code, args)?;
            let result = select::result(&view, &selection, rt)?;
            let doomed = selection.positions.into_iter().map(|p| storage[p]);
            select::remove_positions(&mut map.entries, doomed);
            Ok(result)
        }
        _ => Err(PARAMETER_ERROR),
    }
}

fn size(map: &Map) -> Value {
    Value::Int(map.entries.len() as i64)
}

/// Map keys must be scalars other than floats and booleans (the server refuses lists, maps,
/// floats, booleans and interval bounds as keys).
fn check_key(key: &Value) -> Result<(), ResultCode> {
    match key {
        Value::List(_)
        | Value::Map(_)
        | Value::Float(_)
        | Value::Bool(_)
        | Value::Wildcard
        | Value::Inf => Err(PARAMETER_ERROR),
        _ => Ok(()),
    }
}

fn find_key(map: &Map, key: &Value) -> Option<usize> {
    if map.order & map_order::KEY_ORDERED != 0 {
        map.entries.binary_search_by(|(k, _)| k.cmp(key)).ok()
    } else {
        map.entries.iter().position(|(k, _)| k == key)
    }
}

fn insert_or_update(map: &mut Map, key: Value, value: Value) {
    if map.order & map_order::KEY_ORDERED != 0 {
        match map.entries.binary_search_by(|(k, _)| k.cmp(&key)) {
            Ok(i) => map.entries[i].1 = value,
            Err(i) => map.entries.insert(i, (key, value)),
        }
    } else {
        match map.entries.iter().position(|(k, _)| *k == key) {
            Some(i) => map.entries[i].1 = value,
            None => map.entries.push((key, value)),
        }
    }
}

/// Writes items under the write flags: CREATE_ONLY refuses existing keys (24), UPDATE_ONLY
/// missing ones (23); NO_FAIL turns a refusal into a silent skip of the whole op, or of just the
/// refused items with DO_PARTIAL.
fn put_items(map: &mut Map, items: &[(Value, Value)], flags: i64) -> Result<(), ResultCode> {
    let no_fail = flags & flag::NO_FAIL != 0;
    let partial = flags & flag::DO_PARTIAL != 0;
    let mut accepted = Vec::with_capacity(items.len());
    for (key, value) in items {
        check_key(key)?;
        let exists = find_key(map, key).is_some();
        let refusal = if flags & flag::CREATE_ONLY != 0 && exists {
            Some(ELEMENT_EXISTS)
        } else if flags & flag::UPDATE_ONLY != 0 && !exists {
            Some(ELEMENT_NOT_FOUND)
        } else {
            None
        };
        match refusal {
            None => accepted.push((key, value)),
            Some(rc) if !no_fail => return Err(rc),
            Some(_) if partial => {}
            Some(_) => return Ok(()),
        }
    }
    for (key, value) in accepted {
        insert_or_update(map, key.clone(), value.clone());
    }
    Ok(())
}

fn sort_if_ordered(map: &mut Map) {
    if map.order & map_order::KEY_ORDERED != 0 {
        map.entries.sort_by(|a, b| a.0.cmp(&b.0));
    }
}
