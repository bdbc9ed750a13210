//! `aerospike_py.exp` nodes (`{"expr": name, "args": [...]}`) compiled to crate expressions.

use aerospike::expressions::{self as x, ExpType, Expression};
use aerospike::Value;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};

use crate::convert::value_from_py;
use crate::errors::{invalid_arg, utf8, Brief};

/// How deep expressions may nest: compiling, encoding and dropping one recurses per level, and a
/// few thousand levels (`functools.reduce(exp.and_, conditions)`) overflowed a thread's stack.
const MAX_EXPRESSION_DEPTH: usize = 256;

pub fn compile(node: &Bound<'_, PyAny>) -> PyResult<Expression> {
    compile_nested(node, 0)
}

/// `compile` for a node inside `depth` others.
fn compile_nested(node: &Bound<'_, PyAny>, depth: usize) -> PyResult<Expression> {
    let py = node.py();
    if depth >= MAX_EXPRESSION_DEPTH {
        return Err(invalid_arg(
            py,
            format!(
                "expression nests more than {MAX_EXPRESSION_DEPTH} levels deep; \
                 combine many conditions in one exp.and_(*conditions) instead of nesting them"
            ),
        ));
    }
    let not_expr = || {
        invalid_arg(
            py,
            format!(
                "expected an aerospike_py.exp expression, got {node:.80}",
                node = Brief(node)
            ),
        )
    };
    let dict = node.cast::<PyDict>().map_err(|_| not_expr())?;
    let name = dict.get_item("expr")?.ok_or_else(not_expr)?;
    let name = name
        .cast::<PyString>()
        .map_err(|_| not_expr())
        .and_then(|text| utf8(text, "expression node"))?
        .to_owned();
    let args = match dict.get_item("args")? {
        Some(args) => args.cast_into::<PyList>().map_err(|_| not_expr())?,
        None => PyList::empty(py),
    };
    let a = Args {
        name: &name,
        args: &args,
        depth,
    };
    Ok(match name.as_str() {
        "int_val" => x::int_val(a.int(0)?),
        "float_val" => x::float_val(
            a.get(0)?
                .extract::<f64>()
                .map_err(|_| a.wrong(0, "a float"))?,
        ),
        "string_val" => x::string_val(a.string(0)?),
        "bool_val" => x::bool_val(
            a.get(0)?
                .extract::<bool>()
                .map_err(|_| a.wrong(0, "a bool"))?,
        ),
        "blob_val" => x::blob_val(
            a.get(0)?
                .extract::<Vec<u8>>()
                .map_err(|_| a.wrong(0, "bytes"))?,
        ),
        "list_val" => match value_from_py(&a.get(0)?)? {
            Value::List(items) => x::list_val(items),
            _ => return Err(a.wrong(0, "a list")),
        },
        "map_val" => match value_from_py(&a.get(0)?)? {
            Value::HashMap(map) => x::map_val(map),
            _ => return Err(a.wrong(0, "a dict")),
        },
        "geo_val" => x::geo_val(a.string(0)?),
        "nil" => x::nil(),
        "infinity" => x::infinity(),
        "wildcard" => x::wildcard(),
        "int_bin" => x::int_bin(a.string(0)?),
        "float_bin" => x::float_bin(a.string(0)?),
        "string_bin" => x::string_bin(a.string(0)?),
        "bool_bin" => x::bool_bin(a.string(0)?),
        "blob_bin" => x::blob_bin(a.string(0)?),
        "list_bin" => x::list_bin(a.string(0)?),
        "map_bin" => x::map_bin(a.string(0)?),
        "geo_bin" => x::geo_bin(a.string(0)?),
        "hll_bin" => x::hll_bin(a.string(0)?),
        "bin_exists" => x::bin_exists(a.string(0)?),
        "bin_type" => x::bin_type(a.string(0)?),
        "key" => x::key(exp_type(&a)?),
        "key_exists" => x::key_exists(),
        "set_name" => x::set_name(),
        "record_size" => x::record_size(),
        "last_update" => x::last_update(),
        "since_update" => x::since_update(),
        "void_time" => x::void_time(),
        "ttl" => x::ttl(),
        "is_tombstone" => x::is_tombstone(),
        "digest_modulo" => x::digest_modulo(a.int(0)?),
        "eq" => x::eq(a.exp(0)?, a.exp(1)?),
        "ne" => x::ne(a.exp(0)?, a.exp(1)?),
        "gt" => x::gt(a.exp(0)?, a.exp(1)?),
        "ge" => x::ge(a.exp(0)?, a.exp(1)?),
        "lt" => x::lt(a.exp(0)?, a.exp(1)?),
        "le" => x::le(a.exp(0)?, a.exp(1)?),
        "and" => x::and(a.all()?),
        "or" => x::or(a.all()?),
        "xor" => x::xor(a.all()?),
        "not" => x::not(a.exp(0)?),
        "num_add" => x::num_add(a.all()?),
        "num_sub" => x::num_sub(a.all()?),
        "num_mul" => x::num_mul(a.all()?),
        "num_div" => x::num_div(a.all()?),
        "num_mod" => x::num_mod(a.exp(0)?, a.exp(1)?),
        "num_pow" => x::num_pow(a.exp(0)?, a.exp(1)?),
        "num_log" => x::num_log(a.exp(0)?, a.exp(1)?),
        "num_abs" => x::num_abs(a.exp(0)?),
        "num_floor" => x::num_floor(a.exp(0)?),
        "num_ceil" => x::num_ceil(a.exp(0)?),
        "to_int" => x::to_int(a.exp(0)?),
        "to_float" => x::to_float(a.exp(0)?),
        "min" => x::min(a.all()?),
        "max" => x::max(a.all()?),
        "int_and" => x::int_and(a.all()?),
        "int_or" => x::int_or(a.all()?),
        "int_xor" => x::int_xor(a.all()?),
        "int_not" => x::int_not(a.exp(0)?),
        "int_lshift" => x::int_lshift(a.exp(0)?, a.exp(1)?),
        "int_rshift" => x::int_rshift(a.exp(0)?, a.exp(1)?),
        "int_arshift" => x::int_arshift(a.exp(0)?, a.exp(1)?),
        "int_count" => x::int_count(a.exp(0)?),
        "int_lscan" => x::int_lscan(a.exp(0)?, a.exp(1)?),
        "int_rscan" => x::int_rscan(a.exp(0)?, a.exp(1)?),
        "regex_compare" => x::regex_compare(a.string(0)?, a.int(1)?, a.exp(2)?),
        "geo_compare" => x::geo_compare(a.exp(0)?, a.exp(1)?),
        "cond" => x::cond(a.all()?),
        "var" => x::var(a.string(0)?),
        "def" => x::def(a.string(0)?, a.exp(1)?),
        "let" => x::exp_let(a.all()?),
        other => return Err(invalid_arg(py, format!("unknown expression {other:?}"))),
    })
}

fn exp_type(a: &Args<'_, '_>) -> PyResult<ExpType> {
    Ok(match a.int(0)? {
        0 => ExpType::NIL,
        1 => ExpType::BOOL,
        2 => ExpType::INT,
        3 => ExpType::STRING,
        4 => ExpType::LIST,
        5 => ExpType::MAP,
        6 => ExpType::BLOB,
        7 => ExpType::FLOAT,
        8 => ExpType::GEO,
        9 => ExpType::HLL,
        _ => return Err(a.wrong(0, "an EXP_TYPE_* constant")),
    })
}

struct Args<'a, 'py> {
    name: &'a str,
    args: &'a Bound<'py, PyList>,
    depth: usize,
}

impl<'py> Args<'_, 'py> {
    fn wrong(&self, index: usize, expected: &str) -> PyErr {
        invalid_arg(
            self.args.py(),
            format!(
                "argument {index} of exp.{} must be {expected}, got {:.80}",
                self.name,
                Brief(self.args)
            ),
        )
    }

    fn get(&self, index: usize) -> PyResult<Bound<'py, PyAny>> {
        self.args
            .get_item(index)
            .map_err(|_| self.wrong(index, "present"))
    }

    fn int(&self, index: usize) -> PyResult<i64> {
        self.get(index)?
            .extract::<i64>()
            .map_err(|_| self.wrong(index, "an int"))
    }

    fn string(&self, index: usize) -> PyResult<String> {
        self.get(index)?
            .extract::<String>()
            .map_err(|_| self.wrong(index, "a str"))
    }

    fn exp(&self, index: usize) -> PyResult<Expression> {
        compile_nested(&self.get(index)?, self.depth + 1)
    }

    fn all(&self) -> PyResult<Vec<Expression>> {
        self.args
            .iter()
            .map(|node| compile_nested(&node, self.depth + 1))
            .collect()
    }
}
