//! Aerospike expressions (§5): filter expressions (field 43) and the EXP_READ / EXP_MODIFY ops.
//!
//! An expression is parsed once into an [`Expr`] tree (malformed or ill-typed input is
//! `PARAMETER_ERROR`, as the server's build step answers), then evaluated against a record with
//! trilean logic: `None` is UNKNOWN (missing bin, wrong bin type, unstored key…).

mod eval;
mod parse;
mod posix;

use crate::msgpack::Reader;
use crate::result_code::{
    ResultCode, BIN_EXISTS, BIN_NOT_FOUND, OP_NOT_APPLICABLE, PARAMETER_ERROR,
};
use crate::value::Value;

pub use crate::cdt::Step;

/// What an expression may read of the record it is evaluated against.
pub trait RecordView {
    fn bin(&self, name: &[u8]) -> Option<&Value>;
    fn user_key(&self) -> Option<&Value>;
    fn digest(&self) -> &[u8; 20];
    fn set_name(&self) -> &[u8];
    /// Seconds since 2010-01-01 UTC; 0 = never expires.
    fn void_time(&self) -> u32;
    /// Nanoseconds since the Unix epoch.
    fn last_update_ns(&self) -> u64;
    /// The server clock, nanoseconds since the Unix epoch.
    fn now_ns(&self) -> u64;
    fn record_size(&self) -> usize;
}

/// A parsed expression.
#[derive(Debug, Clone)]
pub enum Expr {
    Const(Value),
    /// Op codes 1..=6 (EQ NE GT GE LT LE).
    Compare(u8, Box<Expr>, Box<Expr>),
    Regex(regex::bytes::Regex, Box<Expr>),
    InList(Box<Expr>, Box<Expr>),
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
    Exclusive(Vec<Expr>),
    /// Arithmetic and integer bit ops (codes 20..=41, 50, 51).
    Arith(u8, Vec<Expr>),
    DigestModulo(i64),
    /// Record metadata (codes 65..=74).
    Meta(u8),
    /// The stored user key if it has the given expression type.
    Key(i64),
    /// A bin's value if it has the given expression type.
    Bin(i64, Vec<u8>),
    BinType(Vec<u8>),
    /// `[c1, v1, c2, v2, …, default]`.
    Cond(Vec<Expr>),
    Var(Vec<u8>),
    Let(Vec<(Vec<u8>, Expr)>, Box<Expr>),
    /// A CDT op on a list or map: reads return the op's result, modify-local calls return the
    /// modified collection.
    Call {
        return_type: i64,
        modify: bool,
        ctx: Vec<Step>,
        op: i64,
        args: Vec<Expr>,
        bin: Box<Expr>,
    },
}

/// Expression value types (`ExpType`).
pub mod exp_type {
    pub const NIL: i64 = 0;
    pub const BOOL: i64 = 1;
    pub const INT: i64 = 2;
    pub const STRING: i64 = 3;
    pub const LIST: i64 = 4;
    pub const MAP: i64 = 5;
    pub const BLOB: i64 = 6;
    pub const FLOAT: i64 = 7;
    pub const GEO: i64 = 8;
    pub const HLL: i64 = 9;
}

/// EXP_READ / EXP_MODIFY flags.
mod flag {
    pub const CREATE_ONLY: i64 = 0x01;
    pub const UPDATE_ONLY: i64 = 0x02;
    pub const ALLOW_DELETE: i64 = 0x04;
    pub const POLICY_NO_FAIL: i64 = 0x08;
    pub const EVAL_NO_FAIL: i64 = 0x10;
}

impl Expr {
    /// Parses a whole FILTER_EXP field (or any buffer holding exactly one expression).
    pub fn parse(bytes: &[u8]) -> Result<Expr, ResultCode> {
        let mut reader = Reader::new(bytes);
        let expr = parse::expression(&mut reader)?;
        if !reader.is_empty() {
            return Err(PARAMETER_ERROR);
        }
        Ok(expr)
    }

    /// Evaluates against a record; `None` is UNKNOWN.
    pub fn eval(&self, rec: &dyn RecordView) -> Option<Value> {
        eval::evaluate(self, rec)
    }
}

/// A filter passes only when the expression is exactly TRUE.
pub fn filter_passes(expr: &Expr, rec: &dyn RecordView) -> bool {
    matches!(expr.eval(rec), Some(Value::Bool(true)))
}

/// Parses an EXP_READ / EXP_MODIFY op value `[expression, flags]`.
fn parse_op(payload: &[u8]) -> Result<(Expr, i64), ResultCode> {
    let mut reader = Reader::new(payload);
    if reader.array_len()? != 2 {
        return Err(PARAMETER_ERROR);
    }
    let expr = parse::expression(&mut reader)?;
    let flags = reader.int()?;
    if !reader.is_empty() {
        return Err(PARAMETER_ERROR);
    }
    Ok((expr, flags))
}

/// EXP_READ: the expression's value; UNKNOWN is `OP_NOT_APPLICABLE` unless EVAL_NO_FAIL, which
/// turns it into no value.
pub fn read_op(payload: &[u8], rec: &dyn RecordView) -> Result<Option<Value>, ResultCode> {
    let (expr, flags) = parse_op(payload)?;
    match expr.eval(rec) {
        Some(value) => Ok(Some(value)),
        None if flags & flag::EVAL_NO_FAIL != 0 => Ok(None),
        None => Err(OP_NOT_APPLICABLE),
    }
}

/// EXP_MODIFY: the bin's new value (`None` = the bin is removed or stays missing), honouring
/// CREATE_ONLY (6), UPDATE_ONLY (17), ALLOW_DELETE and the no-fail flags.
pub fn modify_op(
    payload: &[u8],
    rec: &dyn RecordView,
    bin: Option<&Value>,
) -> Result<Option<Value>, ResultCode> {
    let (expr, flags) = parse_op(payload)?;
    let unchanged = Ok(bin.cloned());
    let refuse = |rc: ResultCode| {
        if flags & flag::POLICY_NO_FAIL != 0 {
            Ok(bin.cloned())
        } else {
            Err(rc)
        }
    };
    if flags & flag::CREATE_ONLY != 0 && bin.is_some() {
        return refuse(BIN_EXISTS);
    }
    if flags & flag::UPDATE_ONLY != 0 && bin.is_none() {
        return refuse(BIN_NOT_FOUND);
    }
    match expr.eval(rec) {
        None if flags & flag::EVAL_NO_FAIL != 0 => unchanged,
        None => Err(OP_NOT_APPLICABLE),
        Some(Value::Nil) if flags & flag::ALLOW_DELETE != 0 => Ok(None),
        Some(Value::Nil) => refuse(OP_NOT_APPLICABLE),
        Some(value) => Ok(Some(value)),
    }
}

#[cfg(test)]
mod tests;
