//! Evaluating an [`Expr`] against a record (server `eval_*`): `None` is UNKNOWN and spreads
//! through comparisons and arithmetic; AND/OR settle on a definite FALSE/TRUE first.

use std::cmp::Ordering;

use super::exp_type::*;
use super::parse::value_type;
use super::{Expr, RecordView};
use crate::cdt;
use crate::value::{map_order, particle, Value};

/// Seconds from the Unix epoch to the server's epoch (2010-01-01 UTC).
const CITRUSLEAF_EPOCH_SECS: i64 = 1_262_304_000;
const NANOS_PER_SEC: i64 = 1_000_000_000;
const NANOS_PER_MILLI: u64 = 1_000_000;

pub fn evaluate(expr: &Expr, rec: &dyn RecordView) -> Option<Value> {
    Evaluator {
        rec,
        vars: Vec::new(),
    }
    .eval(expr)
}

struct Evaluator<'r> {
    rec: &'r dyn RecordView,
    /// LET bindings in scope, innermost last; a binding may itself be UNKNOWN.
    vars: Vec<(&'r [u8], Option<Value>)>,
}

impl<'r> Evaluator<'r> {
    fn eval(&mut self, expr: &'r Expr) -> Option<Value> {
        match expr {
            Expr::Const(v) => Some(v.clone()),
            Expr::Compare(code, a, b) => {
                let (a, b) = (self.eval(a)?, self.eval(b)?);
                compare(*code, &a, &b).map(Value::Bool)
            }
            Expr::Regex(re, subject) => match self.eval(subject)? {
                Value::Str(s) => Some(Value::Bool(re.is_match(&s))),
                _ => None,
            },
            Expr::InList(value, list) => {
                let value = self.eval(value)?;
                match self.eval(list)? {
                    Value::List(l) => Some(Value::Bool(l.items.contains(&value))),
                    _ => None,
                }
            }
            Expr::And(operands) => self.logic(operands, false),
            Expr::Or(operands) => self.logic(operands, true),
            Expr::Not(operand) => match self.eval(operand)? {
                Value::Bool(b) => Some(Value::Bool(!b)),
                _ => None,
            },
            Expr::Exclusive(operands) => {
                let mut trues = 0;
                for e in operands {
                    match self.eval(e)? {
                        Value::Bool(b) => trues += usize::from(b),
                        _ => return None,
                    }
                }
                Some(Value::Bool(trues == 1))
            }
            Expr::Arith(code, operands) => {
                let values = operands
                    .iter()
                    .map(|e| self.eval(e))
                    .collect::<Option<Vec<_>>>()?;
                arith(*code, &values)
            }
            Expr::DigestModulo(m) => {
                let d = self.rec.digest();
                let n = u32::from_le_bytes([d[16], d[17], d[18], d[19]]);
                Some(Value::Int(i64::from(n) % m))
            }
            Expr::Meta(code) => Some(self.meta(*code)),
            Expr::Key(t) => {
                let key = self.rec.user_key()?;
                (value_type(key) == Some(*t)).then(|| key.clone())
            }
            Expr::Bin(t, name) => {
                let value = self.rec.bin(name)?;
                (value.particle_type() == particle_for(*t)?).then(|| value.clone())
            }
            Expr::BinType(name) => Some(Value::Int(
                self.rec
                    .bin(name)
                    .map_or(0, |v| i64::from(v.particle_type())),
            )),
            Expr::Cond(parts) => {
                for pair in parts.chunks(2) {
                    match pair {
                        [condition, value] => match self.eval(condition)? {
                            Value::Bool(true) => return self.eval(value),
                            Value::Bool(false) => {}
                            _ => return None,
                        },
                        [default] => return self.eval(default),
                        _ => return None,
                    }
                }
                None
            }
            Expr::Var(name) => self
                .vars
                .iter()
                .rev()
                .find(|(n, _)| *n == name.as_slice())
                .and_then(|(_, v)| v.clone()),
            Expr::Let(defs, body) => {
                let outer = self.vars.len();
                for (name, value) in defs {
                    let value = self.eval(value);
                    self.vars.push((name, value));
                }
                let result = self.eval(body);
                self.vars.truncate(outer);
                result
            }
            Expr::Call {
                modify,
                ctx,
                op,
                args,
                bin,
                ..
            } => {
                let collection = self.eval(bin)?;
                if !matches!(collection, Value::List(_) | Value::Map(_)) {
                    return None;
                }
                let args = args
                    .iter()
                    .map(|e| self.eval(e))
                    .collect::<Option<Vec<_>>>()?;
                let call = cdt::Call {
                    ctx: ctx.clone(),
                    op: *op,
                    args,
                };
                if *modify {
                    cdt::call_modify(Some(&collection), &call).ok()?.bin
                } else {
                    Some(
                        cdt::call_read(&collection, &call)
                            .ok()?
                            .unwrap_or(Value::Nil),
                    )
                }
            }
        }
    }

    /// AND (`settle_on` = false) / OR (true): a definite settling value wins over UNKNOWN.
    fn logic(&mut self, operands: &'r [Expr], settle_on: bool) -> Option<Value> {
        let mut unknown = false;
        for e in operands {
            match self.eval(e) {
                Some(Value::Bool(b)) if b == settle_on => return Some(Value::Bool(settle_on)),
                Some(Value::Bool(_)) => {}
                _ => unknown = true,
            }
        }
        (!unknown).then_some(Value::Bool(!settle_on))
    }

    fn meta(&self, code: u8) -> Value {
        let rec = self.rec;
        let now_ns = rec.now_ns();
        let void_time = i64::from(rec.void_time());
        let int = |n: i64| Value::Int(n);
        match code {
            66 => int(rec.last_update_ns() as i64),
            67 => int((now_ns.saturating_sub(rec.last_update_ns()) / NANOS_PER_MILLI) as i64),
            68 if void_time == 0 => int(-1),
            68 => int((void_time + CITRUSLEAF_EPOCH_SECS).saturating_mul(NANOS_PER_SEC)),
            69 if void_time == 0 => int(-1),
            69 => {
                let now_secs = (now_ns / NANOS_PER_SEC as u64) as i64;
                int((void_time + CITRUSLEAF_EPOCH_SECS - now_secs).max(0))
            }
            70 => Value::Str(rec.set_name().to_vec()),
            71 => Value::Bool(rec.user_key().is_some()),
            72 => Value::Bool(false),
            73 | 74 => int(rec.record_size() as i64),
            // 65 DEVICE_SIZE: nothing is on a device here.
            _ => int(0),
        }
    }
}

/// The particle type a BIN expression of type `t` requires (legacy blobs never match).
fn particle_for(t: i64) -> Option<u8> {
    Some(match t {
        NIL => particle::NULL,
        BOOL => particle::BOOL,
        INT => particle::INTEGER,
        STRING => particle::STRING,
        LIST => particle::LIST,
        MAP => particle::MAP,
        BLOB => particle::BLOB,
        FLOAT => particle::FLOAT,
        GEO => particle::GEOJSON,
        HLL => particle::HLL,
        _ => return None,
    })
}

/// EQ..LE on two values of the same type; different types are UNKNOWN.
fn compare(code: u8, a: &Value, b: &Value) -> Option<bool> {
    if value_type(a)? != value_type(b)? {
        return None;
    }
    // The server compares maps only when key-ordered: a non-empty unordered map anywhere in an
    // operand makes even EQ of a bin with itself UNKNOWN.
    if holds_unordered_map(a) || holds_unordered_map(b) {
        return None;
    }
    let ord = a.cmp(b);
    Some(match code {
        1 => ord == Ordering::Equal,
        2 => ord != Ordering::Equal,
        3 => ord == Ordering::Greater,
        4 => ord != Ordering::Less,
        5 => ord == Ordering::Less,
        _ => ord != Ordering::Greater,
    })
}

fn holds_unordered_map(value: &Value) -> bool {
    match value {
        Value::Map(m) => {
            (m.order & map_order::KEY_ORDERED == 0 && !m.entries.is_empty())
                || m.entries.iter().any(|(_, v)| holds_unordered_map(v))
        }
        Value::List(l) => l.items.iter().any(holds_unordered_map),
        _ => false,
    }
}

/// Numeric operands of one kind.
enum Numbers {
    Ints(Vec<i64>),
    Floats(Vec<f64>),
}

fn numbers(values: &[Value]) -> Option<Numbers> {
    match values.first()? {
        Value::Int(_) => values
            .iter()
            .map(|v| match v {
                Value::Int(i) => Some(*i),
                _ => None,
            })
            .collect::<Option<_>>()
            .map(Numbers::Ints),
        Value::Float(_) => values
            .iter()
            .map(|v| match v {
                Value::Float(f) => Some(*f),
                _ => None,
            })
            .collect::<Option<_>>()
            .map(Numbers::Floats),
        _ => None,
    }
}

fn fold_ints(v: &[i64], f: impl Fn(i64, i64) -> Option<i64>) -> Option<Value> {
    let (first, rest) = v.split_first()?;
    rest.iter()
        .try_fold(*first, |acc, x| f(acc, *x))
        .map(Value::Int)
}

fn fold_floats(v: &[f64], f: impl Fn(f64, f64) -> f64) -> Option<Value> {
    let (first, rest) = v.split_first()?;
    Some(Value::Float(rest.iter().fold(*first, |acc, x| f(acc, *x))))
}

fn arith(code: u8, values: &[Value]) -> Option<Value> {
    let nums = numbers(values);
    let int = |i: usize| match values.get(i) {
        Some(Value::Int(n)) => Some(*n),
        _ => None,
    };
    let float = |i: usize| match values.get(i) {
        Some(Value::Float(f)) => Some(*f),
        _ => None,
    };
    match (code, nums) {
        (20, Some(Numbers::Ints(v))) => fold_ints(&v, |a, b| Some(a.wrapping_add(b))),
        (20, Some(Numbers::Floats(v))) => fold_floats(&v, |a, b| a + b),
        (21, Some(Numbers::Ints(v))) if v.len() == 1 => Some(Value::Int(v[0].wrapping_neg())),
        (21, Some(Numbers::Floats(v))) if v.len() == 1 => Some(Value::Float(-v[0])),
        (21, Some(Numbers::Ints(v))) => fold_ints(&v, |a, b| Some(a.wrapping_sub(b))),
        (21, Some(Numbers::Floats(v))) => fold_floats(&v, |a, b| a - b),
        (22, Some(Numbers::Ints(v))) => fold_ints(&v, |a, b| Some(a.wrapping_mul(b))),
        (22, Some(Numbers::Floats(v))) => fold_floats(&v, |a, b| a * b),
        (23, Some(Numbers::Ints(v))) => fold_ints(&v, |a, b| (b != 0).then(|| a.wrapping_div(b))),
        (23, Some(Numbers::Floats(v))) => fold_floats(&v, |a, b| a / b),
        (24, _) => Some(Value::Float(float(0)?.powf(float(1)?))),
        (25, _) => Some(Value::Float(float(0)?.ln() / float(1)?.ln())),
        (26, _) => {
            let (a, b) = (int(0)?, int(1)?);
            (b != 0).then(|| Value::Int(a.wrapping_rem(b)))
        }
        (27, Some(Numbers::Ints(v))) => Some(Value::Int(v.first()?.wrapping_abs())),
        (27, Some(Numbers::Floats(v))) => Some(Value::Float(v.first()?.abs())),
        (28, _) => Some(Value::Float(float(0)?.floor())),
        (29, _) => Some(Value::Float(float(0)?.ceil())),
        (30, _) => float(0)
            .filter(|f| f.is_finite())
            .map(|f| Value::Int(f as i64)),
        (31, _) => Some(Value::Float(int(0)? as f64)),
        (32, Some(Numbers::Ints(v))) => fold_ints(&v, |a, b| Some(a & b)),
        (33, Some(Numbers::Ints(v))) => fold_ints(&v, |a, b| Some(a | b)),
        (34, Some(Numbers::Ints(v))) => fold_ints(&v, |a, b| Some(a ^ b)),
        (35, _) => Some(Value::Int(!int(0)?)),
        (36..=38, _) => {
            let (value, shift) = (int(0)?, int(1)?);
            let shift = u32::try_from(shift).ok().filter(|s| *s < 64);
            Some(Value::Int(match (code, shift) {
                (36, Some(s)) => value << s,
                (37, Some(s)) => ((value as u64) >> s) as i64,
                (38, Some(s)) => value >> s,
                (38, None) if value < 0 => -1,
                _ => 0,
            }))
        }
        (39, _) => Some(Value::Int(i64::from(int(0)?.count_ones()))),
        (40 | 41, _) => {
            let value = int(0)?;
            let Some(Value::Bool(search)) = values.get(1) else {
                return None;
            };
            let bits = if *search { value } else { !value } as u64;
            Some(Value::Int(match (bits, code) {
                (0, _) => -1,
                (b, 40) => i64::from(b.leading_zeros()),
                (b, _) => 63 - i64::from(b.trailing_zeros()),
            }))
        }
        (50, Some(Numbers::Ints(v))) => v.iter().min().map(|m| Value::Int(*m)),
        (51, Some(Numbers::Ints(v))) => v.iter().max().map(|m| Value::Int(*m)),
        (50, Some(Numbers::Floats(v))) => fold_floats(&v, f64::min),
        (51, Some(Numbers::Floats(v))) => fold_floats(&v, f64::max),
        _ => None,
    }
}
