//! CDT contexts: the path from a bin to a nested list or map (`[0xff, [type, value, …], op]`).
//!
//! Create flags in a step's type byte let a modify op create the missing level. A step's flags
//! order the container the step looks into, when that container is created (a missing bin, or
//! the element the step before created); the element created for the op itself starts unordered.

use super::select::{self, By, View};
use crate::msgpack::MAX_DEPTH;
use crate::result_code::{ResultCode, BIN_TYPE_ERROR, OP_NOT_APPLICABLE, PARAMETER_ERROR};
use crate::value::{map_order, List, Map, Value};

const LIST_INDEX: u8 = 0x10;
const LIST_RANK: u8 = 0x11;
const LIST_VALUE: u8 = 0x13;
const MAP_INDEX: u8 = 0x20;
const MAP_RANK: u8 = 0x21;
const MAP_KEY: u8 = 0x22;
const MAP_VALUE: u8 = 0x23;
const CREATE_MASK: u8 = 0xc0;
/// List create flag: pad with nils when the index is past the end.
const CREATE_LIST_PAD: u8 = 0x80;
const CREATE_ORDERED: u8 = 0xc0;
/// Nils a created level may be padded with (as many as a list write may add).
const MAX_PADDING: i64 = 1 << 20;

/// One level of a context path.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// The ctx type without create flags.
    pub kind: u8,
    /// Create flags (0 when the level must exist).
    pub create: u8,
    pub value: Value,
}

impl Step {
    fn is_list(&self) -> bool {
        self.kind & 0xf0 == LIST_INDEX
    }
}

/// Parses the flat `[type, value, type, value, …]` array.
pub(super) fn parse(items: Vec<Value>) -> Result<Vec<Step>, ResultCode> {
    // A path is followed recursively: a longer one than the nesting the server reads from the
    // wire is refused (the real server follows and creates any depth).
    if items.is_empty() || !items.len().is_multiple_of(2) || items.len() / 2 > MAX_DEPTH {
        return Err(PARAMETER_ERROR);
    }
    let mut steps = Vec::with_capacity(items.len() / 2);
    let mut items = items.into_iter();
    while let (Some(kind), Some(value)) = (items.next(), items.next()) {
        let Value::Int(raw) = kind else {
            return Err(PARAMETER_ERROR);
        };
        let raw = u8::try_from(raw).map_err(|_| PARAMETER_ERROR)?;
        let kind = raw & !CREATE_MASK;
        let create = raw & CREATE_MASK;
        let valid = matches!(
            kind,
            LIST_INDEX | LIST_RANK | LIST_VALUE | MAP_INDEX | MAP_RANK | MAP_KEY | MAP_VALUE
        );
        let int_valued = matches!(kind, LIST_INDEX | LIST_RANK | MAP_INDEX | MAP_RANK);
        // The server answers an unknown or uncreatable context type with OP_NOT_APPLICABLE.
        if !valid || (create != 0 && !matches!(kind, LIST_INDEX | MAP_KEY)) {
            return Err(OP_NOT_APPLICABLE);
        }
        if int_valued && !matches!(value, Value::Int(_)) {
            return Err(PARAMETER_ERROR);
        }
        steps.push(Step {
            kind,
            create,
            value,
        });
    }
    Ok(steps)
}

/// Follows the path for a read; a missing level is `OP_NOT_APPLICABLE`.
pub(super) fn find<'a>(root: &'a Value, ctx: &[Step]) -> Result<&'a Value, ResultCode> {
    let mut current = root;
    for step in ctx {
        current = match (current, step.is_list()) {
            (Value::List(list), true) => {
                let p = locate_in_list(list, step)?.ok_or(OP_NOT_APPLICABLE)?;
                &list.items[p]
            }
            (Value::Map(map), false) => {
                let p = locate_in_map(map, step)?.ok_or(OP_NOT_APPLICABLE)?;
                &map.entries[p].1
            }
            // A context step of the wrong collection type: the level is not there.
            _ => return Err(OP_NOT_APPLICABLE),
        };
    }
    Ok(current)
}

/// The empty top-level container a context path needs when the bin is missing.
pub(super) fn empty_for(first: &Step) -> Value {
    new_container(Some(first), first.is_list())
}

/// Follows the path for a modify, creating levels where the step allows it, runs `apply` on the
/// target, then restores the order of ordered lists along the way.
pub(super) fn with_target<R>(
    current: &mut Value,
    ctx: &[Step],
    op_is_list: bool,
    apply: impl FnOnce(&mut Value) -> Result<R, ResultCode>,
) -> Result<R, ResultCode> {
    let Some((step, rest)) = ctx.split_first() else {
        return apply(current);
    };
    let child = rest.first();
    let result = match (&mut *current, step.is_list()) {
        (Value::List(list), true) => {
            let p = match locate_in_list(list, step)? {
                Some(p) => p,
                None => create_in_list(list, step, child, op_is_list)?,
            };
            with_target(&mut list.items[p], rest, op_is_list, apply)?
        }
        (Value::Map(map), false) => {
            let p = match locate_in_map(map, step)? {
                Some(p) => p,
                None => create_in_map(map, step, child, op_is_list)?,
            };
            with_target(&mut map.entries[p].1, rest, op_is_list, apply)?
        }
        _ => return Err(BIN_TYPE_ERROR),
    };
    if let Value::List(list) = current {
        if list.ordered {
            list.items.sort();
        }
    }
    Ok(result)
}

/// Position of the step's element, `None` when it does not exist.
fn locate_in_list(list: &List, step: &Step) -> Result<Option<usize>, ResultCode> {
    let view = View::of_list(list);
    position(&view, step)
}

/// Storage index of the step's entry, `None` when it does not exist.
fn locate_in_map(map: &Map, step: &Step) -> Result<Option<usize>, ResultCode> {
    let (view, storage) = View::of_map(map);
    Ok(position(&view, step)?.map(|p| storage[p]))
}

fn position(view: &View<'_>, step: &Step) -> Result<Option<usize>, ResultCode> {
    let single = |by: By<'_>| match select::select(view, &by, 0) {
        Ok(s) => Ok(s.positions.first().copied()),
        Err(OP_NOT_APPLICABLE) => Ok(None),
        Err(rc) => Err(rc),
    };
    let int = match step.value {
        Value::Int(i) => i,
        _ => 0,
    };
    match step.kind {
        LIST_INDEX | MAP_INDEX => single(By::Index(int)),
        LIST_RANK | MAP_RANK => single(By::Rank(int)),
        MAP_KEY => single(By::Key(&step.value)),
        // The first element (in index order) holding the value.
        _ => Ok(view.values.iter().position(|v| **v == step.value)),
    }
}

/// The container `step` looks into, ordered by the step's create flags; with no step (the
/// element created for the op) an unordered one of the op's kind.
fn new_container(step: Option<&Step>, op_is_list: bool) -> Value {
    let create = step.map_or(0, |s| s.create);
    if step.map_or(op_is_list, Step::is_list) {
        Value::List(List {
            items: Vec::new(),
            ordered: create == CREATE_ORDERED,
        })
    } else {
        let order = match create {
            0x80 => map_order::KEY_ORDERED,
            CREATE_ORDERED => map_order::KEY_VALUE_ORDERED,
            _ => map_order::UNORDERED,
        };
        Value::Map(Map {
            entries: Vec::new(),
            order,
        })
    }
}

/// Creates a missing list element (server `list_subcontext_by_index`): -1 in an empty list and
/// the end itself are always allowed; further past the end an ordered list appends, an
/// unordered one pads with nils only under the unbounded (pad) flag.
fn create_in_list(
    list: &mut List,
    step: &Step,
    child: Option<&Step>,
    op_is_list: bool,
) -> Result<usize, ResultCode> {
    let Value::Int(index) = step.value else {
        return Err(OP_NOT_APPLICABLE);
    };
    if step.kind != LIST_INDEX || step.create == 0 {
        return Err(OP_NOT_APPLICABLE);
    }
    let len = list.items.len() as i64;
    let position = if (index == -1 && len == 0) || index == len || (index > len && list.ordered) {
        len
    } else if index > len && step.create == CREATE_LIST_PAD && index - len <= MAX_PADDING {
        index
    } else {
        return Err(OP_NOT_APPLICABLE);
    };
    list.items.resize(position as usize, Value::Nil);
    list.items.push(new_container(child, op_is_list));
    Ok(position as usize)
}

fn create_in_map(
    map: &mut Map,
    step: &Step,
    child: Option<&Step>,
    op_is_list: bool,
) -> Result<usize, ResultCode> {
    if step.kind != MAP_KEY || step.create == 0 {
        return Err(OP_NOT_APPLICABLE);
    }
    let entry = (step.value.clone(), new_container(child, op_is_list));
    if map.order & map_order::KEY_ORDERED != 0 {
        let p = map.entries.partition_point(|(k, _)| *k < step.value);
        map.entries.insert(p, entry);
        Ok(p)
    } else {
        map.entries.push(entry);
        Ok(map.entries.len() - 1)
    }
}
