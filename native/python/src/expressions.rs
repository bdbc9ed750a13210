//! `aerospike_py.exp` nodes compiled to crate expressions. A node is a dict in aerospike-py
//! 0.14.4's shape: `{"__expr__": name, ...named fields}`, with operands under "left"/"right",
//! "expr", "value", "bin" or the list "exprs", values under "val", names under "name".

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
    let name = dict.get_item("__expr__")?.ok_or_else(not_expr)?;
    let name = name
        .cast::<PyString>()
        .map_err(|_| not_expr())
        .and_then(|text| utf8(text, "expression node"))?
        .to_owned();
    let a = Args {
        name: &name,
        node: dict,
        depth,
    };
    Ok(match name.as_str() {
        "int_val" => x::int_val(a.int("val")?),
        "float_val" => x::float_val(
            a.get("val")?
                .extract::<f64>()
                .map_err(|_| a.wrong("val", "a float"))?,
        ),
        "string_val" => x::string_val(a.string("val")?),
        "bool_val" => x::bool_val(
            a.get("val")?
                .extract::<bool>()
                .map_err(|_| a.wrong("val", "a bool"))?,
        ),
        "blob_val" => x::blob_val(
            a.get("val")?
                .extract::<Vec<u8>>()
                .map_err(|_| a.wrong("val", "bytes"))?,
        ),
        "list_val" => match value_from_py(&a.get("val")?)? {
            Value::List(items) => x::list_val(items),
            _ => return Err(a.wrong("val", "a list")),
        },
        "map_val" => match value_from_py(&a.get("val")?)? {
            Value::HashMap(map) => x::map_val(map),
            _ => return Err(a.wrong("val", "a dict")),
        },
        "geo_val" => x::geo_val(a.string("val")?),
        "nil" => x::nil(),
        "infinity" => x::infinity(),
        "wildcard" => x::wildcard(),
        "int_bin" => x::int_bin(a.string("name")?),
        "float_bin" => x::float_bin(a.string("name")?),
        "string_bin" => x::string_bin(a.string("name")?),
        "bool_bin" => x::bool_bin(a.string("name")?),
        "blob_bin" => x::blob_bin(a.string("name")?),
        "list_bin" => x::list_bin(a.string("name")?),
        "map_bin" => x::map_bin(a.string("name")?),
        "geo_bin" => x::geo_bin(a.string("name")?),
        "hll_bin" => x::hll_bin(a.string("name")?),
        "bin_exists" => x::bin_exists(a.string("name")?),
        "bin_type" => x::bin_type(a.string("name")?),
        "key" => x::key(exp_type(&a)?),
        "key_exists" => x::key_exists(),
        "set_name" => x::set_name(),
        "record_size" => x::record_size(),
        "last_update" => x::last_update(),
        "since_update" => x::since_update(),
        "void_time" => x::void_time(),
        "ttl" => x::ttl(),
        "is_tombstone" => x::is_tombstone(),
        "digest_modulo" => x::digest_modulo(a.int("modulo")?),
        "eq" => x::eq(a.exp("left")?, a.exp("right")?),
        "ne" => x::ne(a.exp("left")?, a.exp("right")?),
        "gt" => x::gt(a.exp("left")?, a.exp("right")?),
        "ge" => x::ge(a.exp("left")?, a.exp("right")?),
        "lt" => x::lt(a.exp("left")?, a.exp("right")?),
        "le" => x::le(a.exp("left")?, a.exp("right")?),
        "and" => x::and(a.all()?),
        "or" => x::or(a.all()?),
        "xor" => x::xor(a.all()?),
        "not" => x::not(a.exp("expr")?),
        "num_add" => x::num_add(a.all()?),
        "num_sub" => x::num_sub(a.all()?),
        "num_mul" => x::num_mul(a.all()?),
        "num_div" => x::num_div(a.all()?),
        "num_mod" => x::num_mod(a.nth(0)?, a.nth(1)?),
        "num_pow" => x::num_pow(a.nth(0)?, a.nth(1)?),
        "num_log" => x::num_log(a.nth(0)?, a.nth(1)?),
        "num_abs" => x::num_abs(a.nth(0)?),
        "num_floor" => x::num_floor(a.nth(0)?),
        "num_ceil" => x::num_ceil(a.nth(0)?),
        "to_int" => x::to_int(a.nth(0)?),
        "to_float" => x::to_float(a.nth(0)?),
        "min" => x::min(a.all()?),
        "max" => x::max(a.all()?),
        "int_and" => x::int_and(a.all()?),
        "int_or" => x::int_or(a.all()?),
        "int_xor" => x::int_xor(a.all()?),
        "int_not" => x::int_not(a.nth(0)?),
        "int_lshift" => x::int_lshift(a.nth(0)?, a.nth(1)?),
        "int_rshift" => x::int_rshift(a.nth(0)?, a.nth(1)?),
        "int_arshift" => x::int_arshift(a.nth(0)?, a.nth(1)?),
        "int_count" => x::int_count(a.nth(0)?),
        "int_lscan" => x::int_lscan(a.nth(0)?, a.nth(1)?),
        "int_rscan" => x::int_rscan(a.nth(0)?, a.nth(1)?),
        "regex_compare" => x::regex_compare(a.string("regex")?, a.int("flags")?, a.exp("bin")?),
        "geo_compare" => x::geo_compare(a.exp("left")?, a.exp("right")?),
        "cond" => x::cond(a.all()?),
        "var" => x::var(a.string("name")?),
        "def" => x::def(a.string("name")?, a.exp("value")?),
        "let" => x::exp_let(a.all()?),
        other => return Err(invalid_arg(py, format!("unknown expression {other:?}"))),
    })
}

fn exp_type(a: &Args<'_, '_>) -> PyResult<ExpType> {
    Ok(match a.int("exp_type")? {
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
        _ => return Err(a.wrong("exp_type", "an EXP_TYPE_* constant")),
    })
}

struct Args<'a, 'py> {
    name: &'a str,
    node: &'a Bound<'py, PyDict>,
    depth: usize,
}

impl<'py> Args<'_, 'py> {
    fn wrong(&self, field: &str, expected: &str) -> PyErr {
        invalid_arg(
            self.node.py(),
            format!(
                "{field:?} of exp.{} must be {expected}, got {:.80}",
                self.name,
                Brief(self.node)
            ),
        )
    }

    fn get(&self, field: &str) -> PyResult<Bound<'py, PyAny>> {
        self.node
            .get_item(field)?
            .ok_or_else(|| self.wrong(field, "present"))
    }

    fn int(&self, field: &str) -> PyResult<i64> {
        self.get(field)?
            .extract::<i64>()
            .map_err(|_| self.wrong(field, "an int"))
    }

    fn string(&self, field: &str) -> PyResult<String> {
        self.get(field)?
            .extract::<String>()
            .map_err(|_| self.wrong(field, "a str"))
    }

    fn exp(&self, field: &str) -> PyResult<Expression> {
        compile_nested(&self.get(field)?, self.depth + 1)
    }

    fn operands(&self) -> PyResult<Bound<'py, PyList>> {
        self.get("exprs")?
            .cast_into::<PyList>()
            .map_err(|_| self.wrong("exprs", "a list of expressions"))
    }

    /// Operand `index` of "exprs".
    fn nth(&self, index: usize) -> PyResult<Expression> {
        let operand = self
            .operands()?
            .get_item(index)
            .map_err(|_| self.wrong("exprs", &format!("a list of {} expressions", index + 1)))?;
        compile_nested(&operand, self.depth + 1)
    }

    fn all(&self) -> PyResult<Vec<Expression>> {
        self.operands()?
            .iter()
            .map(|node| compile_nested(&node, self.depth + 1))
            .collect()
    }
}
