//! Selecting elements of a list or map by index, rank, value or key, and shaping what the
//! selection returns (the `return_type` argument shared by list and map ops).

use crate::result_code::{ResultCode, OP_NOT_APPLICABLE, PARAMETER_ERROR};
use crate::value::{map_order, List, Map, Value};

/// Return types (low 16 bits of the argument); `INVERTED` selects the complement.
pub mod return_type {
    pub const NONE: i64 = 0;
    pub const INDEX: i64 = 1;
    pub const REVERSE_INDEX: i64 = 2;
    pub const RANK: i64 = 3;
    pub const REVERSE_RANK: i64 = 4;
    pub const COUNT: i64 = 5;
    pub const KEY: i64 = 6;
    pub const VALUE: i64 = 7;
    pub const KEY_VALUE: i64 = 8;
    pub const EXISTS: i64 = 13;
    pub const UNORDERED_MAP: i64 = 16;
    pub const ORDERED_MAP: i64 = 17;
    pub const INVERTED: i64 = 0x10000;
}

/// A collection's elements in index order (list order, or key order for maps).
pub struct View<'a> {
    /// Map keys; `None` for lists.
    pub keys: Option<Vec<&'a Value>>,
    pub values: Vec<&'a Value>,
}

/// Selected positions (into the view), in the order results are reported.
pub struct Selection {
    pub positions: Vec<usize>,
    /// Single-element selections report a scalar, multi-element ones a list.
    pub multi: bool,
}

impl<'a> View<'a> {
    pub fn of_list(list: &'a List) -> View<'a> {
        View {
            keys: None,
            values: list.items.iter().collect(),
        }
    }

    /// The map's entries in key order, with the storage index of each position.
    pub fn of_map(map: &'a Map) -> (View<'a>, Vec<usize>) {
        let storage = key_order(map);
        let view = View {
            keys: Some(storage.iter().map(|&i| &map.entries[i].0).collect()),
            values: storage.iter().map(|&i| &map.entries[i].1).collect(),
        };
        (view, storage)
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Positions sorted by value (ties by position): rank order.
    pub fn rank_order(&self) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.len()).collect();
        order.sort_by(|&a, &b| self.values[a].cmp(self.values[b]).then(a.cmp(&b)));
        order
    }

    /// How many values sort strictly below `value` (its rank if it were inserted).
    pub fn rank_of_value(&self, value: &Value) -> usize {
        self.values.iter().filter(|v| **v < value).count()
    }

    /// How many keys sort strictly below `key` (its index if it were inserted).
    pub fn index_of_key(&self, key: &Value) -> usize {
        self.keys
            .as_ref()
            .map_or(0, |keys| keys.iter().filter(|k| **k < key).count())
    }
}

/// Storage indices of a map's entries in key order.
pub fn key_order(map: &Map) -> Vec<usize> {
    let mut order: Vec<usize> = (0..map.entries.len()).collect();
    if map.order & map_order::KEY_ORDERED == 0 {
        order.sort_by(|&a, &b| map.entries[a].0.cmp(&map.entries[b].0));
    }
    order
}

/// Resolves a single index (negative counts from the end); out of range is `OP_NOT_APPLICABLE`.
pub fn single_index(len: usize, index: i64) -> Result<usize, ResultCode> {
    let len = i64::try_from(len).map_err(|_| PARAMETER_ERROR)?;
    let resolved = if index < 0 { index + len } else { index };
    if (0..len).contains(&resolved) {
        Ok(resolved as usize)
    } else {
        Err(OP_NOT_APPLICABLE)
    }
}

/// Resolves a range start and optional count, clamped to the collection (server
/// `calc_index_count` for multi-element ops).
pub fn range(
    len: usize,
    start: i64,
    count: Option<i64>,
) -> Result<std::ops::Range<usize>, ResultCode> {
    let len_i = i64::try_from(len).map_err(|_| PARAMETER_ERROR)?;
    let mut start = if start < 0 {
        start.saturating_add(len_i)
    } else {
        start
    };
    // The server reads the count as unsigned: a negative one reaches the end, like none.
    let mut count = match count {
        Some(c) if c >= 0 => c,
        _ => i64::MAX,
    };
    if start < 0 {
        count = count.saturating_add(start);
        start = 0;
    }
    if start >= len_i || count <= 0 {
        return Ok(len..len);
    }
    let end = start.saturating_add(count).min(len_i);
    Ok(start as usize..end as usize)
}

/// Shapes a selection as the return type asks. `is_map` allows key and map return types.
pub fn result(
    view: &View<'_>,
    selection: &Selection,
    rt: i64,
) -> Result<Option<Value>, ResultCode> {
    use return_type::*;
    let n = view.len();
    let positions = &selection.positions;
    let ints = |f: &dyn Fn(usize) -> usize| -> Value {
        let as_int = |p: usize| Value::Int(i64::try_from(f(p)).unwrap_or(i64::MAX));
        match (selection.multi, positions.first()) {
            (true, _) => list_of(positions.iter().map(|&p| as_int(p)).collect()),
            (false, Some(&p)) => as_int(p),
            (false, None) => Value::Int(-1),
        }
    };
    let is_map = view.keys.is_some();
    Ok(Some(match rt & !INVERTED {
        NONE => return Ok(None),
        INDEX => ints(&|p| p),
        REVERSE_INDEX => ints(&|p| n - 1 - p),
        RANK | REVERSE_RANK => {
            let mut rank_of = vec![0; n];
            for (rank, p) in view.rank_order().into_iter().enumerate() {
                rank_of[p] = rank;
            }
            if rt & !INVERTED == RANK {
                ints(&|p| rank_of[p])
            } else {
                ints(&|p| n - 1 - rank_of[p])
            }
        }
        COUNT => Value::Int(positions.len() as i64),
        EXISTS => Value::Bool(!positions.is_empty()),
        VALUE => return Ok(scalars(selection, |p| view.values[p].clone())),
        KEY if is_map => {
            let keys = view.keys.as_deref().unwrap_or_default();
            return Ok(scalars(selection, |p| keys[p].clone()));
        }
        KEY_VALUE | UNORDERED_MAP | ORDERED_MAP if is_map => {
            let keys = view.keys.as_deref().unwrap_or_default();
            let mut entries: Vec<(Value, Value)> = positions
                .iter()
                .map(|&p| (keys[p].clone(), view.values[p].clone()))
                .collect();
            let order = match rt & !INVERTED {
                KEY_VALUE => map_order::PRESERVE_ORDER,
                UNORDERED_MAP => map_order::UNORDERED,
                _ => {
                    entries.sort_by(|a, b| a.0.cmp(&b.0));
                    map_order::KEY_ORDERED
                }
            };
            Value::Map(Map { entries, order })
        }
        _ => return Err(PARAMETER_ERROR),
    }))
}

/// Keys or values: a list for multi selections, the element for single ones, nothing when a
/// single selection found nothing (server `result_data_set_not_found`).
fn scalars(selection: &Selection, get: impl Fn(usize) -> Value) -> Option<Value> {
    match (selection.multi, selection.positions.first()) {
        (true, _) => Some(list_of(
            selection.positions.iter().map(|&p| get(p)).collect(),
        )),
        (false, Some(&p)) => Some(get(p)),
        (false, None) => None,
    }
}

pub fn list_of(items: Vec<Value>) -> Value {
    Value::List(List {
        items,
        ordered: false,
    })
}

/// Removes the elements at the given storage positions, keeping the others in order.
pub fn remove_positions<T>(items: &mut Vec<T>, positions: impl IntoIterator<Item = usize>) {
    let mut doomed = vec![false; items.len()];
    for p in positions {
        doomed[p] = true;
    }
    let mut doomed = doomed.into_iter();
    items.retain(|_| !doomed.next().unwrap_or(false));
}

/// Applies the INVERTED bit: the complement, in index order, always multi.
pub fn apply_inversion(view: &View<'_>, selection: Selection, rt: i64) -> Selection {
    if rt & return_type::INVERTED == 0 {
        return selection;
    }
    let mut chosen = vec![false; view.len()];
    for p in selection.positions {
        chosen[p] = true;
    }
    Selection {
        positions: (0..view.len()).filter(|&p| !chosen[p]).collect(),
        multi: true,
    }
}

/// Selections shared by list and map ops, named after what they select by.
pub enum By<'v> {
    Index(i64),
    IndexRange(i64, Option<i64>),
    Rank(i64),
    RankRange(i64, Option<i64>),
    Value(&'v Value),
    ValueList(&'v [Value]),
    /// `[begin, end)`; `None` end = no upper bound.
    ValueInterval(&'v Value, Option<&'v Value>),
    ValueRelRankRange(&'v Value, i64, Option<i64>),
    Key(&'v Value),
    KeyList(&'v [Value]),
    KeyInterval(&'v Value, Option<&'v Value>),
    KeyRelIndexRange(&'v Value, i64, Option<i64>),
}

/// Evaluates a selector over a view. Value-based map selections report in rank order, as the
/// server walks a map's value index; list value selections report in index order.
pub fn select(view: &View<'_>, by: &By<'_>) -> Result<Selection, ResultCode> {
    let n = view.len();
    let all = 0..n;
    let multi = |positions: Vec<usize>| Selection {
        positions,
        multi: true,
    };
    let by_value = |keep: &dyn Fn(&Value) -> bool| {
        let positions: Vec<usize> = if view.keys.is_some() {
            view.rank_order()
                .into_iter()
                .filter(|&p| keep(view.values[p]))
                .collect()
        } else {
            (0..n).filter(|&p| keep(view.values[p])).collect()
        };
        multi(positions)
    };
    let keys = view.keys.as_deref();
    let by_key = |keep: &dyn Fn(&Value) -> bool| -> Result<Selection, ResultCode> {
        let keys = keys.ok_or(PARAMETER_ERROR)?;
        Ok(multi(all.clone().filter(|&p| keep(keys[p])).collect()))
    };
    Ok(match by {
        By::Index(i) => Selection {
            positions: vec![single_index(n, *i)?],
            multi: false,
        },
        By::IndexRange(start, count) => multi(range(n, *start, *count)?.collect()),
        By::Rank(r) => Selection {
            positions: vec![view.rank_order()[single_index(n, *r)?]],
            multi: false,
        },
        By::RankRange(start, count) => {
            let order = view.rank_order();
            multi(order[range(n, *start, *count)?].to_vec())
        }
        By::Value(v) => by_value(&|x| x == *v),
        By::ValueList(list) => by_value(&|x| list.contains(x)),
        By::ValueInterval(begin, end) => {
            by_value(&|x| x >= *begin && end.is_none_or(|e| matches!(e, Value::Nil) || x < e))
        }
        By::ValueRelRankRange(value, rank, count) => {
            let anchor = view.rank_of_value(value) as i64;
            let order = view.rank_order();
            multi(relative(&order, anchor.saturating_add(*rank), *count)?)
        }
        By::Key(k) => {
            let keys = keys.ok_or(PARAMETER_ERROR)?;
            Selection {
                positions: all.filter(|&p| keys[p] == *k).collect(),
                multi: false,
            }
        }
        By::KeyList(list) => by_key(&|k| list.contains(k))?,
        By::KeyInterval(begin, end) => {
            by_key(&|k| k >= *begin && end.is_none_or(|e| matches!(e, Value::Nil) || k < e))?
        }
        By::KeyRelIndexRange(key, index, count) => {
            let anchor = view.index_of_key(key) as i64;
            let order: Vec<usize> = (0..n).collect();
            multi(relative(&order, anchor.saturating_add(*index), *count)?)
        }
    })
}

/// A range that starts relative to an anchor: a start below zero shortens the count rather than
/// wrapping to the end.
fn relative(order: &[usize], start: i64, count: Option<i64>) -> Result<Vec<usize>, ResultCode> {
    let n = order.len();
    let (start, count) = if start < 0 {
        (0, count.map(|c| c.saturating_add(start).max(0)))
    } else {
        (start, count)
    };
    Ok(order[range(n, start, count)?].to_vec())
}
