//! Wire form to [`Expr`] (server `build_next`): arrays are operations, everything else is a
//! constant; names and regex patterns are raw strings. Operand counts and the types that can be
//! known before evaluation are checked here, as the server does when it builds an expression.

use rmp::Marker;

use super::exp_type::*;
use super::{posix, Expr};
use crate::cdt;
use crate::msgpack::Reader;
use crate::result_code::{ResultCode, PARAMETER_ERROR};
use crate::value::Value;

/// Deeper expressions than this are refused: evaluation recurses once per level.
const MAX_EXPRESSION_DEPTH: usize = 128;

/// CALL `system` values.
const SYSTEM_CDT: i64 = 0;
const SYSTEM_MODIFY: i64 = 0x40;

/// Parses one expression from the reader.
pub fn expression(reader: &mut Reader<'_>) -> Result<Expr, ResultCode> {
    Parser {
        reader,
        scope: Vec::new(),
        depth: 0,
    }
    .next()
}

struct Parser<'r, 'a> {
    reader: &'r mut Reader<'a>,
    /// Variable names visible here (LET definitions).
    scope: Vec<Vec<u8>>,
    depth: usize,
}

impl Parser<'_, '_> {
    fn next(&mut self) -> Result<Expr, ResultCode> {
        let is_array = matches!(
            self.reader.peek_marker()?,
            Marker::FixArray(_) | Marker::Array16 | Marker::Array32
        );
        if !is_array {
            return constant(self.reader.value()?);
        }
        self.depth += 1;
        if self.depth > MAX_EXPRESSION_DEPTH {
            return Err(PARAMETER_ERROR);
        }
        let len = self.reader.array_len()?;
        let code = self.reader.int()?;
        let expr = self.operation(code, len.checked_sub(1).ok_or(PARAMETER_ERROR)?)?;
        self.depth -= 1;
        Ok(expr)
    }

    fn many(&mut self, n: usize) -> Result<Vec<Expr>, ResultCode> {
        (0..n).map(|_| self.next()).collect()
    }

    fn name(&mut self) -> Result<Vec<u8>, ResultCode> {
        Ok(self.reader.raw_bytes()?.to_vec())
    }

    /// Parses the `n` operands of op `code`.
    fn operation(&mut self, code: i64, n: usize) -> Result<Expr, ResultCode> {
        let exact = |want: usize| {
            if n == want {
                Ok(())
            } else {
                Err(PARAMETER_ERROR)
            }
        };
        let at_least = |want: usize| {
            if n >= want {
                Ok(())
            } else {
                Err(PARAMETER_ERROR)
            }
        };
        let code8 = u8::try_from(code).map_err(|_| PARAMETER_ERROR)?;
        let expr = match code8 {
            1..=6 => {
                exact(2)?;
                let (a, b) = (self.next()?, self.next()?);
                same_type(&[&a, &b])?;
                Expr::Compare(code8, Box::new(a), Box::new(b))
            }
            7 => {
                exact(3)?;
                let flags = self.reader.int()?;
                let pattern = self.reader.raw_bytes()?;
                let regex = posix::compile(pattern, flags)?;
                let subject = self.next()?;
                expect_type(&subject, &[STRING])?;
                Expr::Regex(regex, Box::new(subject))
            }
            9 => {
                exact(2)?;
                let (value, list) = (self.next()?, self.next()?);
                expect_type(&list, &[LIST])?;
                Expr::InList(Box::new(value), Box::new(list))
            }
            16 | 17 | 19 => {
                at_least(1)?;
                let operands = self.many(n)?;
                for e in &operands {
                    expect_type(e, &[BOOL])?;
                }
                match code8 {
                    16 => Expr::And(operands),
                    17 => Expr::Or(operands),
                    _ => Expr::Exclusive(operands),
                }
            }
            18 => {
                exact(1)?;
                let operand = self.next()?;
                expect_type(&operand, &[BOOL])?;
                Expr::Not(Box::new(operand))
            }
            20..=41 | 50 | 51 => self.arith(code8, n)?,
            64 => {
                exact(1)?;
                match self.reader.int()? {
                    m if m > 0 => Expr::DigestModulo(m),
                    _ => return Err(PARAMETER_ERROR),
                }
            }
            65..=74 => {
                exact(0)?;
                Expr::Meta(code8)
            }
            80 => {
                exact(1)?;
                match self.reader.int()? {
                    t @ (INT | STRING | BLOB) => Expr::Key(t),
                    _ => return Err(PARAMETER_ERROR),
                }
            }
            81 => {
                exact(2)?;
                let t = self.reader.int()?;
                if !(NIL..=HLL).contains(&t) {
                    return Err(PARAMETER_ERROR);
                }
                Expr::Bin(t, self.name()?)
            }
            82 => {
                exact(1)?;
                Expr::BinType(self.name()?)
            }
            123 => {
                if n < 3 || n.is_multiple_of(2) {
                    return Err(PARAMETER_ERROR);
                }
                let parts = self.many(n)?;
                for (i, e) in parts.iter().enumerate() {
                    if i % 2 == 0 && i + 1 < n {
                        expect_type(e, &[BOOL])?;
                    }
                }
                Expr::Cond(parts)
            }
            124 => {
                exact(1)?;
                let name = self.name()?;
                if !self.scope.contains(&name) {
                    return Err(PARAMETER_ERROR);
                }
                Expr::Var(name)
            }
            125 => self.let_(n)?,
            126 => {
                exact(1)?;
                match self.reader.value()? {
                    list @ Value::List(_) => Expr::Const(list),
                    _ => return Err(PARAMETER_ERROR),
                }
            }
            127 => {
                exact(4)?;
                self.call()?
            }
            _ => return Err(PARAMETER_ERROR),
        };
        Ok(expr)
    }

    fn arith(&mut self, code: u8, n: usize) -> Result<Expr, ResultCode> {
        let (min, max, types): (usize, usize, &[i64]) = match code {
            // ADD SUB MUL DIV, MIN MAX: any count, ints or floats.
            20..=23 | 50 | 51 => (1, usize::MAX, &[INT, FLOAT]),
            24 | 25 => (2, 2, &[FLOAT]),
            26 => (2, 2, &[INT]),
            27 => (1, 1, &[INT, FLOAT]),
            28..=30 => (1, 1, &[FLOAT]),
            31 => (1, 1, &[INT]),
            32..=34 => (1, usize::MAX, &[INT]),
            35 | 39 => (1, 1, &[INT]),
            36..=38 => (2, 2, &[INT]),
            40 | 41 => (2, 2, &[INT, BOOL]),
            _ => return Err(PARAMETER_ERROR),
        };
        if n < min || n > max {
            return Err(PARAMETER_ERROR);
        }
        let operands = self.many(n)?;
        if matches!(code, 40 | 41) {
            expect_type(&operands[0], &[INT])?;
            expect_type(&operands[1], &[BOOL])?;
        } else {
            for e in &operands {
                expect_type(e, types)?;
            }
            if matches!(code, 20..=23 | 50 | 51) {
                same_type(&operands.iter().collect::<Vec<_>>())?;
            }
        }
        Ok(Expr::Arith(code, operands))
    }

    /// `[125, name1, exp1, name2, exp2, …, scope]`: each definition sees the earlier ones.
    fn let_(&mut self, n: usize) -> Result<Expr, ResultCode> {
        if n < 3 || n.is_multiple_of(2) {
            return Err(PARAMETER_ERROR);
        }
        let outer = self.scope.len();
        let mut defs = Vec::with_capacity(n / 2);
        for _ in 0..n / 2 {
            let name = self.name()?;
            let value = self.next()?;
            self.scope.push(name.clone());
            defs.push((name, value));
        }
        let body = self.next()?;
        self.scope.truncate(outer);
        Ok(Expr::Let(defs, Box::new(body)))
    }

    /// `[127, return_type, system, args, bin]` where args is `[op, arg…]` or
    /// `[0xff, [ctx…], [op, arg…]]`.
    fn call(&mut self) -> Result<Expr, ResultCode> {
        let return_type = self.reader.int()?;
        let system = self.reader.int()?;
        if system & !SYSTEM_MODIFY != SYSTEM_CDT || !(NIL..=HLL).contains(&return_type) {
            return Err(PARAMETER_ERROR);
        }
        let mut len = self.reader.array_len()?;
        let mut op = self.reader.int()?;
        let mut ctx = Vec::new();
        if op == 0xff && len == 3 {
            let Value::List(steps) = self.reader.value()? else {
                return Err(PARAMETER_ERROR);
            };
            ctx = cdt::parse_context(steps.items)?;
            len = self.reader.array_len()?;
            op = self.reader.int()?;
        }
        let args = self.many(len.checked_sub(1).ok_or(PARAMETER_ERROR)?)?;
        let bin = self.next()?;
        expect_type(&bin, &[LIST, MAP])?;
        Ok(Expr::Call {
            return_type,
            modify: system & SYSTEM_MODIFY != 0,
            ctx,
            op,
            args,
            bin: Box::new(bin),
        })
    }
}

/// A non-array value: strings and blobs carry their particle type; lists must be quoted.
fn constant(value: Value) -> Result<Expr, ResultCode> {
    match value {
        Value::List(_) => Err(PARAMETER_ERROR),
        other => Ok(Expr::Const(other)),
    }
}

/// The expression type known before evaluation, if any.
pub fn static_type(expr: &Expr) -> Option<i64> {
    Some(match expr {
        Expr::Const(v) => value_type(v)?,
        Expr::Compare(..)
        | Expr::Regex(..)
        | Expr::InList(..)
        | Expr::And(_)
        | Expr::Or(_)
        | Expr::Not(_)
        | Expr::Exclusive(_) => BOOL,
        Expr::Arith(code, operands) => match code {
            24 | 25 | 28 | 29 | 31 => FLOAT,
            20..=23 | 27 | 50 | 51 => static_type(operands.first()?)?,
            _ => INT,
        },
        Expr::DigestModulo(_) | Expr::BinType(_) => INT,
        Expr::Meta(code) => match code {
            70 => STRING,
            71 | 72 => BOOL,
            _ => INT,
        },
        Expr::Key(t) | Expr::Bin(t, _) => *t,
        Expr::Call { return_type, .. } => *return_type,
        Expr::Cond(parts) => static_type(parts.get(1)?)?,
        Expr::Var(_) | Expr::Let(..) => return None,
    })
}

/// The expression type of a value.
pub fn value_type(value: &Value) -> Option<i64> {
    Some(match value {
        Value::Nil => NIL,
        Value::Bool(_) => BOOL,
        Value::Int(_) => INT,
        Value::Float(_) => FLOAT,
        Value::Str(_) => STRING,
        Value::Blob(..) => BLOB,
        Value::Geo(_) => GEO,
        Value::Hll(_) => HLL,
        Value::List(_) => LIST,
        Value::Map(_) => MAP,
        Value::Wildcard | Value::Inf => return None,
    })
}

fn expect_type(expr: &Expr, allowed: &[i64]) -> Result<(), ResultCode> {
    match static_type(expr) {
        Some(t) if !allowed.contains(&t) => Err(PARAMETER_ERROR),
        _ => Ok(()),
    }
}

/// Operands whose types are known must agree.
fn same_type(exprs: &[&Expr]) -> Result<(), ResultCode> {
    let mut known = exprs.iter().filter_map(|e| static_type(e));
    match known.next() {
        Some(first) if known.any(|t| t != first) => Err(PARAMETER_ERROR),
        _ => Ok(()),
    }
}
