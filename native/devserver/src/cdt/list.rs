//! List operations (op codes 0..64), ordered and unordered lists (server `particle_list.c`).

use super::select::{self, By, Selection, View};
use super::{add_numbers, int_arg, list_arg, max_args, opt_int_arg, set_type_order, value_arg};
use crate::result_code::{
    ResultCode, ELEMENT_EXISTS, OP_NOT_APPLICABLE, PARAMETER_ERROR, RECORD_TOO_BIG,
};
use crate::value::{List, Value};

mod op {
    pub const SET_TYPE: i64 = 0;
    pub const APPEND: i64 = 1;
    pub const APPEND_ITEMS: i64 = 2;
    pub const INSERT: i64 = 3;
    pub const INSERT_ITEMS: i64 = 4;
    pub const POP: i64 = 5;
    pub const POP_RANGE: i64 = 6;
    pub const REMOVE: i64 = 7;
    pub const REMOVE_RANGE: i64 = 8;
    pub const SET: i64 = 9;
    pub const TRIM: i64 = 10;
    pub const CLEAR: i64 = 11;
    pub const INCREMENT: i64 = 12;
    pub const SORT: i64 = 13;
    pub const SIZE: i64 = 16;
    pub const GET: i64 = 17;
    pub const GET_RANGE: i64 = 18;
    pub const GET_BY_INDEX: i64 = 19;
    pub const GET_BY_VALUE_REL_RANK_RANGE: i64 = 27;
    pub const REMOVE_BY_INDEX: i64 = 32;
    pub const REMOVE_BY_VALUE_REL_RANK_RANGE: i64 = 40;
    /// A remove-by op code is its get-by counterpart plus this.
    pub const REMOVE_OFFSET: i64 = REMOVE_BY_INDEX - GET_BY_INDEX;
}

/// List write flags.
mod flag {
    pub const ADD_UNIQUE: i64 = 1;
    pub const INSERT_BOUNDED: i64 = 2;
    pub const NO_FAIL: i64 = 4;
    pub const DO_PARTIAL: i64 = 8;
}

const ORDERED: i64 = 1;
/// Nils a write past the end may add: more could never fit in a record (the server answers
/// RECORD_TOO_BIG), and it bounds memory on hostile indexes.
const MAX_PADDING: i64 = 1 << 20;
const SORT_DESCENDING: i64 = 1;
const SORT_DROP_DUPLICATES: i64 = 2;

/// Ops that create the list when the bin is missing.
pub(super) fn creates(code: i64) -> bool {
    matches!(
        code,
        op::SET_TYPE
            | op::APPEND
            | op::APPEND_ITEMS
            | op::INSERT
            | op::INSERT_ITEMS
            | op::SET
            | op::INCREMENT
    )
}

/// The empty list a modify op starts from on a missing bin: its order argument decides.
pub(super) fn empty_for(code: i64, args: &[Value]) -> Result<List, ResultCode> {
    let order = match code {
        op::SET_TYPE => Some(set_type_order(args)?),
        op::APPEND | op::APPEND_ITEMS => opt_int_arg(args, 1)?,
        op::INCREMENT => opt_int_arg(args, 2)?,
        _ => None,
    };
    Ok(List {
        items: Vec::new(),
        ordered: order.unwrap_or(0) & ORDERED != 0,
    })
}

pub(super) fn read(list: &List, code: i64, args: &[Value]) -> Result<Option<Value>, ResultCode> {
    let view = View::of_list(list);
    match code {
        op::SIZE => {
            max_args(args, 0)?;
            Ok(Some(Value::Int(list.items.len() as i64)))
        }
        op::GET => {
            max_args(args, 1)?;
            let i = select::single_index(list.items.len(), int_arg(args, 0)?)?;
            Ok(Some(list.items[i].clone()))
        }
        op::GET_RANGE => {
            max_args(args, 2)?;
            let r = select::range(list.items.len(), int_arg(args, 0)?, opt_int_arg(args, 1)?)?;
            Ok(Some(select::list_of(list.items[r].to_vec())))
        }
        op::GET_BY_INDEX..=op::GET_BY_VALUE_REL_RANK_RANGE => {
            let (rt, selection) = selection_for(&view, code, args)?;
            select::result(&view, &selection, rt)
        }
        _ => Err(PARAMETER_ERROR),
    }
}

/// Parses a get-by/remove-by op's return type and selector, and selects.
fn selection_for(
    view: &View<'_>,
    code: i64,
    args: &[Value],
) -> Result<(i64, Selection), ResultCode> {
    let rt = int_arg(args, 0)?;
    let by = match code - op::GET_BY_INDEX {
        0 => By::Index(int_arg(args, 1)?),
        // 20 GET_BY_VALUE and 22 GET_ALL_BY_VALUE both select every equal element.
        1 | 3 => By::Value(value_arg(args, 1)?),
        2 => By::Rank(int_arg(args, 1)?),
        4 => By::ValueList(list_arg(args, 1)?),
        5 => By::IndexRange(int_arg(args, 1)?, opt_int_arg(args, 2)?),
        6 => By::ValueInterval(value_arg(args, 1)?, args.get(2)),
        7 => By::RankRange(int_arg(args, 1)?, opt_int_arg(args, 2)?),
        8 => By::ValueRelRankRange(
            value_arg(args, 1)?,
            int_arg(args, 2)?,
            opt_int_arg(args, 3)?,
        ),
        _ => return Err(PARAMETER_ERROR),
    };
    let max = match by {
        By::Index(_) | By::Value(_) | By::Rank(_) | By::ValueList(_) => 2,
        By::ValueRelRankRange(..) => 4,
        _ => 3,
    };
    max_args(args, max)?;
    Ok((rt, select::select(view, &by, rt)?))
}

pub(super) fn modify(
    list: &mut List,
    code: i64,
    args: &[Value],
) -> Result<Option<Value>, ResultCode> {
    match code {
        op::SET_TYPE => {
            list.ordered = set_type_order(args)? & ORDERED != 0;
            if list.ordered {
                list.items.sort();
            }
            Ok(None)
        }
        op::APPEND => {
            max_args(args, 3)?;
            let flags = opt_int_arg(args, 2)?.unwrap_or(0);
            add_items(list, std::slice::from_ref(value_arg(args, 0)?), None, flags)?;
            Ok(Some(size(list)))
        }
        op::APPEND_ITEMS => {
            max_args(args, 3)?;
            let flags = opt_int_arg(args, 2)?.unwrap_or(0);
            add_items(list, list_arg(args, 0)?, None, flags)?;
            Ok(Some(size(list)))
        }
        op::INSERT => {
            max_args(args, 3)?;
            let flags = opt_int_arg(args, 2)?.unwrap_or(0);
            let at = int_arg(args, 0)?;
            add_items(
                list,
                std::slice::from_ref(value_arg(args, 1)?),
                Some(at),
                flags,
            )?;
            Ok(Some(size(list)))
        }
        op::INSERT_ITEMS => {
            max_args(args, 3)?;
            let flags = opt_int_arg(args, 2)?.unwrap_or(0);
            add_items(list, list_arg(args, 1)?, Some(int_arg(args, 0)?), flags)?;
            Ok(Some(size(list)))
        }
        op::SET => {
            max_args(args, 3)?;
            set(
                list,
                int_arg(args, 0)?,
                value_arg(args, 1)?,
                opt_int_arg(args, 2)?.unwrap_or(0),
            )?;
            Ok(None)
        }
        op::INCREMENT => {
            max_args(args, 4)?;
            let delta = args.get(1).cloned().unwrap_or(Value::Int(1));
            let flags = opt_int_arg(args, 3)?.unwrap_or(0);
            increment(list, int_arg(args, 0)?, &delta, flags)
        }
        op::POP => {
            max_args(args, 1)?;
            let i = select::single_index(list.items.len(), int_arg(args, 0)?)?;
            Ok(Some(list.items.remove(i)))
        }
        op::POP_RANGE => {
            max_args(args, 2)?;
            let r = select::range(list.items.len(), int_arg(args, 0)?, opt_int_arg(args, 1)?)?;
            Ok(Some(select::list_of(list.items.drain(r).collect())))
        }
        op::REMOVE => {
            max_args(args, 1)?;
            let i = select::single_index(list.items.len(), int_arg(args, 0)?)?;
            list.items.remove(i);
            Ok(Some(Value::Int(1)))
        }
        op::REMOVE_RANGE => {
            max_args(args, 2)?;
            let r = select::range(list.items.len(), int_arg(args, 0)?, opt_int_arg(args, 1)?)?;
            Ok(Some(Value::Int(list.items.drain(r).count() as i64)))
        }
        op::TRIM => {
            max_args(args, 2)?;
            let before = list.items.len();
            let r = select::range(before, int_arg(args, 0)?, Some(int_arg(args, 1)?))?;
            list.items = list.items.drain(r).collect();
            Ok(Some(Value::Int((before - list.items.len()) as i64)))
        }
        op::CLEAR => {
            max_args(args, 0)?;
            list.items.clear();
            Ok(None)
        }
        op::SORT => {
            max_args(args, 1)?;
            sort(list, opt_int_arg(args, 0)?.unwrap_or(0));
            Ok(None)
        }
        op::REMOVE_BY_INDEX..=op::REMOVE_BY_VALUE_REL_RANK_RANGE => {
            let view = View::of_list(list);
            let (rt, selection) = selection_for(&view, code - op::REMOVE_OFFSET, args)?;
            let result = select::result(&view, &selection, rt)?;
            select::remove_positions(&mut list.items, selection.positions);
            Ok(result)
        }
        _ => Err(PARAMETER_ERROR),
    }
}

fn size(list: &List) -> Value {
    Value::Int(list.items.len() as i64)
}

/// Appends (`at` = None) or inserts items, honouring ADD_UNIQUE / INSERT_BOUNDED and the
/// NO_FAIL / DO_PARTIAL relaxations. Ordered lists place each item at its sorted position and
/// refuse positional inserts.
fn add_items(
    list: &mut List,
    items: &[Value],
    at: Option<i64>,
    flags: i64,
) -> Result<(), ResultCode> {
    let no_fail = flags & flag::NO_FAIL != 0;
    let partial = flags & flag::DO_PARTIAL != 0;
    let position = match at {
        None => list.items.len(),
        Some(_) if list.ordered => return Err(OP_NOT_APPLICABLE),
        Some(index) => match writable_index(list.items.len(), index, flags, true) {
            Ok(p) => p,
            Err(OP_NOT_APPLICABLE) if no_fail => return Ok(()),
            Err(rc) => return Err(rc),
        },
    };
    let mut accepted: Vec<Value> = Vec::with_capacity(items.len());
    for item in items {
        let duplicate =
            flags & flag::ADD_UNIQUE != 0 && (list.items.contains(item) || accepted.contains(item));
        if !duplicate {
            accepted.push(item.clone());
        } else if !no_fail {
            return Err(ELEMENT_EXISTS);
        } else if !partial && items.len() > 1 {
            return Ok(());
        }
    }
    if list.ordered {
        for item in accepted {
            let p = list.items.partition_point(|x| x <= &item);
            list.items.insert(p, item);
        }
    } else {
        if position > list.items.len() {
            list.items.resize(position, Value::Nil);
        }
        list.items.splice(position..position, accepted);
    }
    Ok(())
}

/// Resolves a write position: negative counts from the end (before the start is
/// `OP_NOT_APPLICABLE`); past the end pads with nils unless INSERT_BOUNDED, which allows at
/// most the end itself for inserts (`may_append`) and nothing past the last element otherwise.
fn writable_index(
    len: usize,
    index: i64,
    flags: i64,
    may_append: bool,
) -> Result<usize, ResultCode> {
    let len_i = len as i64;
    let resolved = if index < 0 { index + len_i } else { index };
    let limit = if may_append { len_i } else { len_i - 1 };
    if resolved < 0 || (flags & flag::INSERT_BOUNDED != 0 && resolved > limit) {
        return Err(OP_NOT_APPLICABLE);
    }
    if resolved - len_i > MAX_PADDING {
        return Err(RECORD_TOO_BIG);
    }
    usize::try_from(resolved).map_err(|_| PARAMETER_ERROR)
}

/// Stores `value` at `position`, padding with nils past the end.
fn put_at(list: &mut List, position: usize, value: Value) {
    if position >= list.items.len() {
        list.items.resize(position, Value::Nil);
        list.items.push(value);
    } else {
        list.items[position] = value;
    }
}

fn set(list: &mut List, index: i64, value: &Value, flags: i64) -> Result<(), ResultCode> {
    if list.ordered {
        return Err(OP_NOT_APPLICABLE);
    }
    let no_fail = flags & flag::NO_FAIL != 0;
    // A bounded set may still append at the end itself, as an insert may.
    let position = match writable_index(list.items.len(), index, flags, true) {
        Ok(p) => p,
        Err(OP_NOT_APPLICABLE) if no_fail => return Ok(()),
        Err(rc) => return Err(rc),
    };
    let duplicate = flags & flag::ADD_UNIQUE != 0
        && list
            .items
            .iter()
            .enumerate()
            .any(|(i, x)| i != position && x == value);
    if duplicate {
        return if no_fail { Ok(()) } else { Err(ELEMENT_EXISTS) };
    }
    put_at(list, position, value.clone());
    Ok(())
}

fn increment(
    list: &mut List,
    index: i64,
    delta: &Value,
    flags: i64,
) -> Result<Option<Value>, ResultCode> {
    if !matches!(delta, Value::Int(_) | Value::Float(_)) {
        return Err(PARAMETER_ERROR);
    }
    let position = match writable_index(list.items.len(), index, flags, false) {
        Ok(p) => p,
        Err(OP_NOT_APPLICABLE) if flags & flag::NO_FAIL != 0 => return Ok(None),
        Err(rc) => return Err(rc),
    };
    let new = match list.items.get(position) {
        Some(current) => add_numbers(current, delta)?,
        // An ordered list cannot grow by position.
        None if list.ordered => return Err(OP_NOT_APPLICABLE),
        None => delta.clone(),
    };
    put_at(list, position, new.clone());
    if list.ordered {
        list.items.sort();
    }
    Ok(Some(new))
}

fn sort(list: &mut List, flags: i64) {
    list.items.sort();
    if flags & SORT_DROP_DUPLICATES != 0 {
        list.items.dedup();
    }
    if flags & SORT_DESCENDING != 0 && !list.ordered {
        list.items.reverse();
    }
}
