//! Selecting elements of a list or map by index, rank, value or key, and shaping what the
//! selection returns (the `return_type` argument shared by list and map ops).

use std::cmp::Ordering;

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
    /// An ordered list, or a key-ordered map: the server then answers from its sorted layout.
    pub ordered: bool,
}

/// A contiguous run of indexes or ranks `[start, start + count)`; inverted, the two runs around
/// it. The server writes a run reversed as a run (`cdt_container_builder_add_int_range`), so
/// reverse indexes and ranks of a run ascend.
#[derive(Clone, Copy, Debug)]
pub struct Run {
    pub start: usize,
    pub count: usize,
    pub inverted: bool,
}

/// How a selection reports its indexes or ranks.
#[derive(Clone, Debug)]
pub enum Numbers {
    /// One number per selected element (`index_order` for indexes, `positions` for ranks),
    /// each reversed on its own.
    Each,
    /// Runs, each reversed as a run.
    Runs(Vec<Run>),
    /// These numbers, each reversed on its own.
    Listed(Vec<usize>),
    /// The server refuses this return type for the op.
    Unsupported,
}

/// Selected positions (into the view) and how the server reports them.
pub struct Selection {
    /// Positions in the order values and keys are reported.
    pub positions: Vec<usize>,
    /// Positions in the order indexes are reported one by one.
    pub index_order: Vec<usize>,
    /// Single-element selections report a scalar, multi-element ones a list.
    pub multi: bool,
    pub indexes: Numbers,
    pub ranks: Numbers,
    /// The server answers EXISTS of an inverted selection from the selection before inverting
    /// (`result_data_set_index_rank_count`: inverted ? count == 0), on the paths that keep the
    /// INVERTED flag to the end.
    pub inverted_exists_quirk: bool,
}

impl Selection {
    fn new(positions: Vec<usize>, multi: bool) -> Selection {
        Selection {
            index_order: positions.clone(),
            positions,
            multi,
            indexes: Numbers::Each,
            ranks: Numbers::Each,
            inverted_exists_quirk: false,
        }
    }
}

impl<'a> View<'a> {
    pub fn of_list(list: &'a List) -> View<'a> {
        View {
            keys: None,
            values: list.items.iter().collect(),
            ordered: list.ordered,
        }
    }

    /// The map's entries in key order, with the storage index of each position.
    pub fn of_map(map: &'a Map) -> (View<'a>, Vec<usize>) {
        let storage = key_order(map);
        let view = View {
            keys: Some(storage.iter().map(|&i| &map.entries[i].0).collect()),
            values: storage.iter().map(|&i| &map.entries[i].1).collect(),
            ordered: map.order & map_order::KEY_ORDERED != 0,
        };
        (view, storage)
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    fn is_list(&self) -> bool {
        self.keys.is_none()
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

    /// The positions holding ranks `[rank, rank + count)` of an unordered list, in the order the
    /// server's partial heap sort leaves them (`order_heap_init_build_by_range_temp`): from the
    /// nearer end of the rank order, so a low range comes out descending and a high one
    /// ascending, and ties fall where the heap puts them.
    pub fn heap_ranks(&self, rank: usize, count: usize) -> Vec<usize> {
        let n = self.len();
        let tail = n - rank - count;
        let (target, discard) = if rank <= tail {
            (Ordering::Less, rank)
        } else {
            (Ordering::Greater, tail)
        };
        let mut heap = OrderHeap {
            items: (0..n).collect(),
            filled: n,
            target,
            values: &self.values,
        };
        for i in (0..n / 2).rev() {
            heap.heapify(i);
        }
        let mut end = n;
        for _ in 0..count + discard {
            let top = heap.items[0];
            heap.filled -= 1;
            heap.items[0] = heap.items[heap.filled];
            heap.heapify(0);
            end -= 1;
            heap.items[end] = top;
        }
        heap.items[end..end + count].to_vec()
    }
}

struct OrderHeap<'v, 'a> {
    items: Vec<usize>,
    filled: usize,
    /// `Less` for a min-heap, `Greater` for a max-heap.
    target: Ordering,
    values: &'v [&'a Value],
}

impl OrderHeap<'_, '_> {
    fn cmp(&self, a: usize, b: usize) -> Ordering {
        self.values[self.items[a]].cmp(self.values[self.items[b]])
    }

    fn heapify(&mut self, mut index: usize) {
        loop {
            let (c1, c2) = (2 * index + 1, 2 * index + 2);
            if c1 >= self.filled {
                break;
            }
            let child = if c2 >= self.filled {
                c1
            } else {
                match self.cmp(c1, c2) {
                    o if o == self.target || o == Ordering::Equal => c1,
                    _ => c2,
                }
            };
            if self.cmp(child, index) != self.target {
                break;
            }
            self.items.swap(index, child);
            index = child;
        }
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

/// Shapes a selection as the return type asks.
pub fn result(
    view: &View<'_>,
    selection: &Selection,
    rt: i64,
) -> Result<Option<Value>, ResultCode> {
    use return_type::*;
    let n = view.len();
    let positions = &selection.positions;
    let base = rt & !INVERTED;
    let reverse = matches!(base, REVERSE_INDEX | REVERSE_RANK);
    let flip = |x: usize| if reverse { n - 1 - x } else { x };
    let ints = |numbers: Vec<usize>| -> Value {
        let as_int = |x: usize| Value::Int(i64::try_from(x).unwrap_or(i64::MAX));
        match (selection.multi, numbers.first()) {
            (true, _) => list_of(numbers.into_iter().map(as_int).collect()),
            (false, Some(&x)) => as_int(x),
            (false, None) => Value::Int(-1),
        }
    };
    let runs = |runs: &[Run]| -> Value {
        ints(
            runs.iter()
                .flat_map(|run| run_ints(*run, n, reverse))
                .collect(),
        )
    };
    let is_map = view.keys.is_some();
    Ok(Some(match base {
        NONE => return Ok(None),
        INDEX | REVERSE_INDEX => match (&selection.indexes, selection.multi) {
            (Numbers::Unsupported, _) => return Err(OP_NOT_APPLICABLE),
            (Numbers::Runs(r), true) => runs(r),
            (Numbers::Listed(l), true) => ints(l.iter().map(|&x| flip(x)).collect()),
            _ => ints(selection.index_order.iter().map(|&p| flip(p)).collect()),
        },
        RANK | REVERSE_RANK => match (&selection.ranks, selection.multi) {
            (Numbers::Unsupported, _) => return Err(OP_NOT_APPLICABLE),
            (Numbers::Runs(r), true) => runs(r),
            (Numbers::Listed(l), true) => ints(l.iter().map(|&x| flip(x)).collect()),
            _ => {
                let rank_of = element_ranks(view);
                ints(positions.iter().map(|&p| flip(rank_of[p])).collect())
            }
        },
        COUNT => Value::Int(positions.len() as i64),
        EXISTS if rt & INVERTED != 0 && selection.inverted_exists_quirk => {
            Value::Bool(positions.len() == n)
        }
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
            let order = match base {
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

/// The numbers of a run, reversed run by run as the server writes them.
fn run_ints(run: Run, n: usize, reverse: bool) -> Vec<usize> {
    let add = |start: usize, count: usize| {
        let first = if reverse { n - start - count } else { start };
        first..first + count
    };
    if run.inverted {
        let end = run.start + run.count;
        add(0, run.start).chain(add(end, n - end)).collect()
    } else {
        add(run.start, run.count).collect()
    }
}

/// Each position's rank: in an unordered list the number of smaller values (ties share the
/// lowest rank), in an ordered list its index, in a map its place in rank order.
fn element_ranks(view: &View<'_>) -> Vec<usize> {
    if view.is_list() {
        if view.ordered {
            return (0..view.len()).collect();
        }
        return view.values.iter().map(|v| view.rank_of_value(v)).collect();
    }
    let mut rank_of = vec![0; view.len()];
    for (rank, p) in view.rank_order().into_iter().enumerate() {
        rank_of[p] = rank;
    }
    rank_of
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

/// Evaluates a selector over a view under a return type (its INVERTED bit selects the
/// complement), shaping the selection as the server reports it.
pub fn select(view: &View<'_>, by: &By<'_>, rt: i64) -> Result<Selection, ResultCode> {
    let inverted = rt & return_type::INVERTED != 0;
    let n = view.len();
    let is_list = view.is_list();
    let keys = view.keys.as_deref();
    let single = |positions: Vec<usize>| Selection::new(positions, false);
    let selection = match by {
        By::Index(i) => single(vec![single_index(n, *i)?]),
        By::Rank(r) => {
            let rank = single_index(n, *r)?;
            single(match (is_list, view.ordered) {
                (true, true) => vec![rank],
                (true, false) => view.heap_ranks(rank, 1),
                _ => vec![view.rank_order()[rank]],
            })
        }
        By::Key(k) => {
            let keys = keys.ok_or(PARAMETER_ERROR)?;
            single((0..n).filter(|&p| keys[p] == *k).collect())
        }
        By::IndexRange(start, count) => index_run(view, range(n, *start, *count)?, inverted),
        By::RankRange(start, count) => rank_run(view, range(n, *start, *count)?, inverted),
        By::ValueRelRankRange(value, rank, count) => {
            let anchor = view.rank_of_value(value) as i64;
            rank_run(
                view,
                relative(n, anchor.saturating_add(*rank), *count)?,
                inverted,
            )
        }
        By::KeyRelIndexRange(key, index, count) => {
            let anchor = view.index_of_key(key) as i64;
            index_run(
                view,
                relative(n, anchor.saturating_add(*index), *count)?,
                inverted,
            )
        }
        By::Value(v) => value_interval(view, v, Some(v), true, inverted),
        By::ValueInterval(begin, end) => value_interval(view, begin, *end, false, inverted),
        By::ValueList(list) => value_list(view, list, inverted),
        By::KeyList(list) => {
            let keys = keys.ok_or(PARAMETER_ERROR)?;
            let chosen: Vec<usize> = (0..n).filter(|&p| list.contains(keys[p])).collect();
            let mut selection = Selection::new(chosen, true);
            // Indexes come in the order of the key list; ranks are refused.
            selection.index_order = list
                .iter()
                .filter_map(|k| keys.iter().position(|key| *key == k))
                .collect();
            selection.ranks = Numbers::Unsupported;
            let mut selection = invert_each(selection, n, inverted);
            if inverted && !view.ordered {
                let mut chosen: Vec<usize> = (0..n).filter(|&p| list.contains(keys[p])).collect();
                chosen.sort_unstable();
                selection.indexes = Numbers::Runs(gaps(&chosen, n));
            }
            selection
        }
        By::KeyInterval(begin, end) => {
            let keys = keys.ok_or(PARAMETER_ERROR)?;
            let chosen: Vec<usize> = (0..n)
                .filter(|&p| keys[p] >= *begin && end.is_none_or(|e| keys[p] < e))
                .collect();
            if !view.ordered {
                return Ok(unordered_key_interval(view, begin, chosen, inverted));
            }
            let first = chosen.first().copied().unwrap_or(n);
            index_run(view, first..first + chosen.len(), inverted)
        }
    };
    let rank_range = matches!(by, By::RankRange(..) | By::ValueRelRankRange(..));
    if inverted && selection.multi && !is_list && !rank_range && selection.positions.len() == n {
        // Inverting nothing, the server takes the whole map as an index range (a rank range
        // reduces to all ranks instead).
        return Ok(index_run(view, 0..n, false));
    }
    if inverted && !selection.multi {
        // A key-ordered map answers a missing key before it looks at INVERTED.
        if selection.positions.is_empty() && view.ordered && !is_list {
            return Ok(selection);
        }
        return Err(OP_NOT_APPLICABLE);
    }
    Ok(selection)
}

/// The complement of a scattered selection, in index order.
fn invert_each(selection: Selection, n: usize, inverted: bool) -> Selection {
    if !inverted {
        return selection;
    }
    let mut chosen = vec![false; n];
    for &p in &selection.positions {
        chosen[p] = true;
    }
    let rest: Vec<usize> = (0..n).filter(|&p| !chosen[p]).collect();
    Selection {
        ranks: match selection.ranks {
            Numbers::Unsupported => Numbers::Unsupported,
            _ => Numbers::Each,
        },
        inverted_exists_quirk: selection.inverted_exists_quirk,
        ..Selection::new(rest, true)
    }
}

/// An unordered map's key interval (server `get_remove_by_key_interval`, unordered branch): a
/// mask of the matching entries, never reduced to a range, so inverting nothing still reports
/// each element; indexes are the run from the start key's index, as long as the match.
fn unordered_key_interval(
    view: &View<'_>,
    begin: &Value,
    chosen: Vec<usize>,
    inverted: bool,
) -> Selection {
    let run = Run {
        start: view.index_of_key(begin),
        count: chosen.len(),
        inverted,
    };
    let mut selection = invert_each(Selection::new(chosen, true), view.len(), inverted);
    selection.indexes = Numbers::Runs(vec![run]);
    selection.inverted_exists_quirk = true;
    selection
}

/// The server turns an inverted map range whose complement is one run into that run, no longer
/// inverted (`get_remove_by_index_range`, `get_remove_by_rank_range`: "reduce to remove all /
/// tail section / head section"); `None` when the complement is two runs.
fn reduce_inverted(r: &std::ops::Range<usize>, n: usize) -> Option<std::ops::Range<usize>> {
    if r.is_empty() {
        Some(0..n)
    } else if r.start == 0 {
        Some(r.end..n)
    } else if r.end >= n {
        Some(0..r.start)
    } else {
        None
    }
}

/// Positions `[r.start, r.end)` in index order (server `get_remove_by_index_range`).
fn index_run(view: &View<'_>, r: std::ops::Range<usize>, inverted: bool) -> Selection {
    let n = view.len();
    if inverted && !view.is_list() {
        if let Some(rest) = reduce_inverted(&r, n) {
            return index_run(view, rest, false);
        }
    }
    let run = Run {
        start: r.start,
        count: r.len(),
        inverted,
    };
    let mut selection = invert_each(Selection::new(r.collect(), true), n, inverted);
    selection.indexes = Numbers::Runs(vec![run]);
    if view.is_list() && view.ordered {
        selection.ranks = Numbers::Runs(vec![run]);
    } else if selection.positions.len() == n {
        // Taking every element, the server reports the ranks as one run.
        selection.ranks = Numbers::Runs(vec![Run {
            start: 0,
            count: n,
            inverted: false,
        }]);
    }
    if !view.is_list() {
        selection.inverted_exists_quirk = inverted && !view.ordered;
    }
    selection
}

/// Ranks `[r.start, r.end)` (server `get_remove_by_rank_range`): an ordered list is an index
/// range; an unordered list reports values in partial heap sort order.
fn rank_run(view: &View<'_>, r: std::ops::Range<usize>, inverted: bool) -> Selection {
    let n = view.len();
    if view.is_list() && view.ordered {
        return index_run(view, r, inverted);
    }
    if inverted && !view.is_list() {
        if let Some(rest) = reduce_inverted(&r, n) {
            // Reported as a plain rank range: elements and indexes in rank order.
            return rank_run(view, rest, false);
        }
    }
    let run = Run {
        start: r.start,
        count: r.len(),
        inverted,
    };
    let positions = if view.is_list() {
        view.heap_ranks(r.start, r.len())
    } else {
        view.rank_order()[r].to_vec()
    };
    let mut selection = Selection::new(positions, true);
    if view.is_list() {
        selection.index_order.sort_unstable();
    }
    let mut selection = invert_each(selection, n, inverted);
    selection.ranks = Numbers::Runs(vec![run]);
    selection.inverted_exists_quirk = inverted;
    selection
}

/// Values in `[begin, end)`, or equal to `begin` when `exact`. A list reads a nil end as no
/// bound; a map compares with it like any value, so `[x, nil)` selects nothing there.
fn value_interval(
    view: &View<'_>,
    begin: &Value,
    end: Option<&Value>,
    exact: bool,
    inverted: bool,
) -> Selection {
    let n = view.len();
    let is_list = view.is_list();
    let end = end.filter(|e| !(is_list && matches!(e, Value::Nil)));
    let keep = |v: &Value| {
        if exact {
            v == begin
        } else {
            v >= begin && end.is_none_or(|e| v < e)
        }
    };
    let chosen: Vec<usize> = (0..n).filter(|&p| keep(view.values[p])).collect();
    let rank = view.rank_of_value(begin);
    if is_list && view.ordered {
        return index_run(view, rank..rank + chosen.len(), inverted);
    }
    let run = Run {
        start: rank,
        count: chosen.len(),
        inverted,
    };
    let mut selection = invert_each(Selection::new(chosen, true), n, inverted);
    selection.ranks = Numbers::Runs(vec![run]);
    selection.inverted_exists_quirk = true;
    selection
}

/// Values equal to any in `list`. Ranks come per value of the list: an ordered list reports
/// each value's run, an unordered one each rank on its own.
fn value_list(view: &View<'_>, list: &[Value], inverted: bool) -> Selection {
    let n = view.len();
    let chosen: Vec<usize> = (0..n).filter(|&p| list.contains(view.values[p])).collect();
    let runs: Vec<Run> = list
        .iter()
        .map(|item| Run {
            start: view.rank_of_value(item),
            count: view.values.iter().filter(|v| **v == item).count(),
            inverted: false,
        })
        .collect();
    if list.is_empty() && inverted {
        // An empty value list inverted is every element, as an index range.
        return index_run(view, 0..n, false);
    }
    let mut selection = Selection::new(chosen, true);
    if !view.is_list() {
        let rank_of = element_ranks(view);
        let mut selection = invert_each(selection, n, inverted);
        let mut ranks: Vec<usize> = selection.positions.iter().map(|&p| rank_of[p]).collect();
        ranks.sort_unstable();
        selection.ranks = Numbers::Listed(ranks);
        return selection;
    }
    if !inverted {
        selection.ranks = if view.ordered {
            selection.indexes = Numbers::Runs(runs.clone());
            Numbers::Runs(runs)
        } else {
            Numbers::Listed(
                runs.iter()
                    .flat_map(|r| r.start..r.start + r.count)
                    .collect(),
            )
        };
        return selection;
    }
    let mut selection = invert_each(selection, n, inverted);
    if !view.ordered {
        // The ranks around each value's run (`result_data_set_by_itemlist_irc`).
        let mut ranks: Vec<usize> = runs
            .iter()
            .flat_map(|r| r.start..r.start + r.count)
            .collect();
        ranks.sort_unstable();
        ranks.dedup();
        selection.ranks = Numbers::Runs(gaps(&ranks, n));
    }
    selection
}

/// The runs between sorted `taken` numbers in `0..n`.
fn gaps(taken: &[usize], n: usize) -> Vec<Run> {
    let mut runs = Vec::new();
    let mut next = 0;
    for &t in taken.iter().chain(std::iter::once(&n)) {
        if t > next {
            runs.push(Run {
                start: next,
                count: t - next,
                inverted: false,
            });
        }
        next = t + 1;
    }
    runs
}

/// A range that starts relative to an anchor: a start below zero shortens the count rather than
/// wrapping to the end.
fn relative(
    n: usize,
    start: i64,
    count: Option<i64>,
) -> Result<std::ops::Range<usize>, ResultCode> {
    let (start, count) = if start < 0 {
        (0, count.map(|c| c.saturating_add(start).max(0)))
    } else {
        (start, count)
    };
    range(n, start, count)
}
