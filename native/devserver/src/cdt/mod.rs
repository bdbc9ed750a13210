//! Collection data type (list and map) operations: the op value of CDT_READ (3) and CDT_MODIFY
//! (4), also reused by CALL expressions (§5.4, §6.3).
//!
//! A payload is `[op, args…]` or `[0xff, [ctx…], [op, args…]]`. List op codes are below 64, map
//! op codes 64..=127. Every argument is checked; malformed input is `PARAMETER_ERROR` (4), an
//! operation that does not apply to the data is `OP_NOT_APPLICABLE` (26).

mod context;
mod list;
mod map;
mod select;

use crate::msgpack::{Reader, MAX_DEPTH};
use crate::result_code::{ResultCode, BIN_TYPE_ERROR, OP_NOT_APPLICABLE, PARAMETER_ERROR};
use crate::value::Value;

pub use context::Step;

/// What a CDT_MODIFY did to a bin.
#[derive(Debug, PartialEq)]
pub struct Modified {
    /// The bin's new value; `None` when the bin does not exist afterwards.
    pub bin: Option<Value>,
    /// The op's result, if it reports one (e.g. the new size after an append).
    pub result: Option<Value>,
}

/// A parsed CDT payload.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub ctx: Vec<Step>,
    pub op: i64,
    pub args: Vec<Value>,
}

/// Context marker that introduces `[0xff, [ctx…], [op…]]`.
const CTX_MARKER: i64 = 0xff;
/// Map op codes start here; list op codes are below.
const FIRST_MAP_OP: i64 = 64;
const LAST_MAP_OP: i64 = 127;

impl Call {
    /// Parses a CDT_READ/CDT_MODIFY op value.
    pub fn parse(payload: &[u8]) -> Result<Call, ResultCode> {
        let mut reader = Reader::new(payload);
        let call = match reader.value()? {
            Value::List(outer) => Call::from_items(outer.items)?,
            _ => return Err(PARAMETER_ERROR),
        };
        if !reader.is_empty() {
            return Err(PARAMETER_ERROR);
        }
        Ok(call)
    }

    /// Builds a call from the elements of the outer array (with or without a context).
    pub fn from_items(items: Vec<Value>) -> Result<Call, ResultCode> {
        let mut items = items.into_iter();
        match items.next() {
            Some(Value::Int(CTX_MARKER)) => {
                let (Some(Value::List(ctx)), Some(Value::List(op)), None) =
                    (items.next(), items.next(), items.next())
                else {
                    return Err(PARAMETER_ERROR);
                };
                let ctx = context::parse(ctx.items)?;
                let mut call = Call::from_items(op.items)?;
                if !call.ctx.is_empty() {
                    return Err(PARAMETER_ERROR);
                }
                call.ctx = ctx;
                Ok(call)
            }
            Some(Value::Int(op)) => Ok(Call {
                ctx: Vec::new(),
                op,
                args: items.collect(),
            }),
            _ => Err(PARAMETER_ERROR),
        }
    }

    fn is_list_op(&self) -> bool {
        (0..FIRST_MAP_OP).contains(&self.op)
    }

    fn is_map_op(&self) -> bool {
        (FIRST_MAP_OP..=LAST_MAP_OP).contains(&self.op)
    }
}

/// Parses a flat `[type, value, …]` context array (also used by CALL expressions).
pub fn parse_context(items: Vec<Value>) -> Result<Vec<Step>, ResultCode> {
    context::parse(items)
}

/// CDT_READ: `None` when the bin is missing or the op reports nothing.
pub fn read(bin: Option<&Value>, payload: &[u8]) -> Result<Option<Value>, ResultCode> {
    let call = Call::parse(payload)?;
    match bin {
        Some(bin) => call_read(bin, &call),
        None => {
            check_op_kind(&call)?;
            Ok(None)
        }
    }
}

/// CDT_MODIFY on a bin that may be missing (it is then created, as the server does).
pub fn modify(bin: Option<&Value>, payload: &[u8]) -> Result<Modified, ResultCode> {
    call_modify(bin, &Call::parse(payload)?)
}

fn check_op_kind(call: &Call) -> Result<(), ResultCode> {
    if call.is_list_op() || call.is_map_op() {
        Ok(())
    } else {
        Err(PARAMETER_ERROR)
    }
}

/// Runs a read op on an existing collection (also used by expressions).
pub fn call_read(bin: &Value, call: &Call) -> Result<Option<Value>, ResultCode> {
    check_op_kind(call)?;
    let target = context::find(bin, &call.ctx)?;
    dispatch_read(target, call)
}

fn dispatch_read(target: &Value, call: &Call) -> Result<Option<Value>, ResultCode> {
    match target {
        Value::List(l) if call.is_list_op() => list::read(l, call.op, &call.args),
        Value::Map(m) if call.is_map_op() => map::read(m, call.op, &call.args),
        _ => Err(BIN_TYPE_ERROR),
    }
}

/// Runs a modify op (also used by expressions' modify-local calls).
pub fn call_modify(bin: Option<&Value>, call: &Call) -> Result<Modified, ResultCode> {
    check_op_kind(call)?;
    let is_list = call.is_list_op();
    let mut root = match bin {
        Some(v) => v.clone(),
        None => {
            if call.ctx.is_empty() && !creates_missing_bin(call) {
                // Checks the arguments; a missing bin has nothing to remove and reports nothing.
                let mut empty = empty_container(is_list, &call.args, call.op)?;
                return match dispatch_modify(&mut empty, call) {
                    Ok(result) => Ok(Modified { bin: None, result }),
                    Err(OP_NOT_APPLICABLE) => Ok(Modified {
                        bin: None,
                        result: None,
                    }),
                    Err(rc) => Err(rc),
                };
            }
            match call.ctx.first() {
                Some(step) => context::empty_for(step),
                None => empty_container(is_list, &call.args, call.op)?,
            }
        }
    };
    let result = context::with_target(&mut root, &call.ctx, is_list, |target| {
        dispatch_modify(target, call)
    })?;
    // Values are walked recursively (compared, packed, dropped): a write may not nest them
    // deeper than the server reads from the wire.
    if deeper_than(&root, MAX_DEPTH) {
        return Err(PARAMETER_ERROR);
    }
    Ok(Modified {
        bin: Some(root),
        result,
    })
}

fn dispatch_modify(target: &mut Value, call: &Call) -> Result<Option<Value>, ResultCode> {
    match target {
        Value::List(l) if call.is_list_op() => list::modify(l, call.op, &call.args),
        Value::Map(m) if call.is_map_op() => map::modify(m, call.op, &call.args),
        _ => Err(BIN_TYPE_ERROR),
    }
}

/// Whether `value` nests more than `limit` lists and maps, found without recursing.
fn deeper_than(value: &Value, limit: usize) -> bool {
    let mut pending = vec![(value, 0)];
    while let Some((value, depth)) = pending.pop() {
        let children: Vec<&Value> = match value {
            Value::List(l) => l.items.iter().collect(),
            Value::Map(m) => m.entries.iter().flat_map(|(k, v)| [k, v]).collect(),
            _ => continue,
        };
        if depth == limit {
            return true;
        }
        pending.extend(children.into_iter().map(|child| (child, depth + 1)));
    }
    false
}

/// Ops that bring a missing bin into existence (writes); removals and reads on a missing bin
/// leave it missing.
fn creates_missing_bin(call: &Call) -> bool {
    if call.is_list_op() {
        list::creates(call.op)
    } else {
        map::creates(call.op)
    }
}

/// The container a modify op creates where none exists, ordered per the op's order argument.
fn empty_container(is_list: bool, args: &[Value], op: i64) -> Result<Value, ResultCode> {
    Ok(if is_list {
        Value::List(list::empty_for(op, args)?)
    } else {
        Value::Map(map::empty_for(op, args)?)
    })
}

/// Reads an integer argument.
pub(crate) fn int_arg(args: &[Value], i: usize) -> Result<i64, ResultCode> {
    match args.get(i) {
        Some(Value::Int(n)) => Ok(*n),
        _ => Err(PARAMETER_ERROR),
    }
}

/// Reads an optional integer argument (absent or nil = `None`).
pub(crate) fn opt_int_arg(args: &[Value], i: usize) -> Result<Option<i64>, ResultCode> {
    match args.get(i) {
        None | Some(Value::Nil) => Ok(None),
        Some(Value::Int(n)) => Ok(Some(*n)),
        _ => Err(PARAMETER_ERROR),
    }
}

pub(crate) fn value_arg(args: &[Value], i: usize) -> Result<&Value, ResultCode> {
    args.get(i).ok_or(PARAMETER_ERROR)
}

pub(crate) fn list_arg(args: &[Value], i: usize) -> Result<&[Value], ResultCode> {
    match args.get(i) {
        Some(Value::List(l)) => Ok(&l.items),
        _ => Err(PARAMETER_ERROR),
    }
}

/// SET_TYPE carries `[order]`, or `[create flags, order]` when sent by the clients' `create`
/// helpers (list or map); the order is the last argument.
pub(crate) fn set_type_order(args: &[Value]) -> Result<i64, ResultCode> {
    max_args(args, 2)?;
    int_arg(args, args.len().saturating_sub(1))
}

/// Rejects trailing arguments beyond what an op accepts.
pub(crate) fn max_args(args: &[Value], n: usize) -> Result<(), ResultCode> {
    if args.len() > n {
        Err(PARAMETER_ERROR)
    } else {
        Ok(())
    }
}

/// Adds a numeric delta to a numeric element (CDT increment): int + int wraps, float + float
/// adds; an int element takes the delta truncated, a float element the delta widened.
pub(crate) fn add_numbers(current: &Value, delta: &Value) -> Result<Value, ResultCode> {
    match (current, delta) {
        (Value::Int(a), Value::Int(b)) => Ok(Value::Int(a.wrapping_add(*b))),
        (Value::Int(a), Value::Float(b)) => Ok(Value::Int(a.wrapping_add(*b as i64))),
        (Value::Float(a), Value::Float(b)) => Ok(Value::Float(a + b)),
        (Value::Float(a), Value::Int(b)) => Ok(Value::Float(a + *b as f64)),
        // The server refuses a non-numeric element as a bad request, not a type error.
        _ => Err(PARAMETER_ERROR),
    }
}

#[cfg(test)]
pub(crate) mod tests;
