"""Filter expression builders: the server evaluates them and returns only matching records.

Each builder returns the dict node aerospike-py 0.14.4 returns (``{"__expr__": name, ...}``, with
operands under ``left``/``right``/``exprs``); pass the root as ``policy={"filter_expression":
expr}``. The native core compiles it and rejects unknown nodes.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "EXP_TYPE_BLOB",
    "EXP_TYPE_BOOL",
    "EXP_TYPE_FLOAT",
    "EXP_TYPE_GEO",
    "EXP_TYPE_HLL",
    "EXP_TYPE_INT",
    "EXP_TYPE_LIST",
    "EXP_TYPE_MAP",
    "EXP_TYPE_NIL",
    "EXP_TYPE_STRING",
    "Expr",
    "and_",
    "bin_exists",
    "bin_type",
    "blob_bin",
    "blob_val",
    "bool_bin",
    "bool_val",
    "cond",
    "def_",
    "digest_modulo",
    "eq",
    "float_bin",
    "float_val",
    "ge",
    "geo_bin",
    "geo_compare",
    "geo_val",
    "gt",
    "hll_bin",
    "infinity",
    "int_and",
    "int_arshift",
    "int_bin",
    "int_count",
    "int_lscan",
    "int_lshift",
    "int_not",
    "int_or",
    "int_rscan",
    "int_rshift",
    "int_val",
    "int_xor",
    "is_tombstone",
    "key",
    "key_exists",
    "last_update",
    "le",
    "let_",
    "list_bin",
    "list_val",
    "lt",
    "map_bin",
    "map_val",
    "max_",
    "min_",
    "ne",
    "nil",
    "not_",
    "num_abs",
    "num_add",
    "num_ceil",
    "num_div",
    "num_floor",
    "num_log",
    "num_mod",
    "num_mul",
    "num_pow",
    "num_sub",
    "or_",
    "record_size",
    "regex_compare",
    "set_name",
    "since_update",
    "string_bin",
    "string_val",
    "to_float",
    "to_int",
    "ttl",
    "var",
    "void_time",
    "wildcard",
    "xor_",
]

Expr = dict[str, Any]
"""An expression node."""

EXP_TYPE_NIL = 0
EXP_TYPE_BOOL = 1
EXP_TYPE_INT = 2
EXP_TYPE_STRING = 3
EXP_TYPE_LIST = 4
EXP_TYPE_MAP = 5
EXP_TYPE_BLOB = 6
EXP_TYPE_FLOAT = 7
EXP_TYPE_GEO = 8
EXP_TYPE_HLL = 9


def _node(kind: str, /, **fields: Any) -> Expr:
    return {"__expr__": kind, **fields}


def int_val(val: int) -> Expr:
    """Create 64-bit integer value expression."""
    return _node("int_val", val=val)


def float_val(val: float) -> Expr:
    """Create 64-bit float value expression."""
    return _node("float_val", val=val)


def string_val(val: str) -> Expr:
    """Create string value expression."""
    return _node("string_val", val=val)


def bool_val(val: bool) -> Expr:
    """Create boolean value expression."""
    return _node("bool_val", val=val)


def blob_val(val: bytes) -> Expr:
    """Create blob (bytes) value expression."""
    return _node("blob_val", val=val)


def list_val(val: list[Any]) -> Expr:
    """Create list value expression."""
    return _node("list_val", val=val)


def map_val(val: dict[Any, Any]) -> Expr:
    """Create map value expression."""
    return _node("map_val", val=val)


def geo_val(val: str) -> Expr:
    """Create geospatial JSON string value expression."""
    return _node("geo_val", val=val)


def nil() -> Expr:
    """Create nil value expression."""
    return _node("nil")


def infinity() -> Expr:
    """Create infinity value expression."""
    return _node("infinity")


def wildcard() -> Expr:
    """Create wildcard value expression."""
    return _node("wildcard")


def int_bin(name: str) -> Expr:
    """Create 64-bit integer bin expression."""
    return _node("int_bin", name=name)


def float_bin(name: str) -> Expr:
    """Create 64-bit float bin expression."""
    return _node("float_bin", name=name)


def string_bin(name: str) -> Expr:
    """Create string bin expression."""
    return _node("string_bin", name=name)


def bool_bin(name: str) -> Expr:
    """Create boolean bin expression."""
    return _node("bool_bin", name=name)


def blob_bin(name: str) -> Expr:
    """Create blob bin expression."""
    return _node("blob_bin", name=name)


def list_bin(name: str) -> Expr:
    """Create list bin expression."""
    return _node("list_bin", name=name)


def map_bin(name: str) -> Expr:
    """Create map bin expression."""
    return _node("map_bin", name=name)


def geo_bin(name: str) -> Expr:
    """Create geospatial bin expression."""
    return _node("geo_bin", name=name)


def hll_bin(name: str) -> Expr:
    """Create HyperLogLog bin expression."""
    return _node("hll_bin", name=name)


def bin_exists(name: str) -> Expr:
    """Create expression that returns true if bin exists."""
    return _node("bin_exists", name=name)


def bin_type(name: str) -> Expr:
    """Create expression that returns bin's particle type."""
    return _node("bin_type", name=name)


def key(exp_type: int) -> Expr:
    """Create record key expression of specified type."""
    return _node("key", exp_type=exp_type)


def key_exists() -> Expr:
    """Create expression that returns if primary key is stored in record metadata."""
    return _node("key_exists")


def set_name() -> Expr:
    """Create expression that returns record set name."""
    return _node("set_name")


def record_size() -> Expr:
    """Create expression that returns record size (server 7.0+)."""
    return _node("record_size")


def last_update() -> Expr:
    """Create expression that returns record last update time (nanoseconds since epoch)."""
    return _node("last_update")


def since_update() -> Expr:
    """Create expression that returns milliseconds since last update."""
    return _node("since_update")


def void_time() -> Expr:
    """Create expression that returns record expiration time (nanoseconds since epoch)."""
    return _node("void_time")


def ttl() -> Expr:
    """Create expression that returns record TTL in seconds."""
    return _node("ttl")


def is_tombstone() -> Expr:
    """Create expression that returns if record is in tombstone state."""
    return _node("is_tombstone")


def digest_modulo(modulo: int) -> Expr:
    """Create expression that returns record digest modulo."""
    return _node("digest_modulo", modulo=modulo)


def eq(left: Expr, right: Expr) -> Expr:
    """Create equal (==) expression."""
    return _node("eq", left=left, right=right)


def ne(left: Expr, right: Expr) -> Expr:
    """Create not equal (!=) expression."""
    return _node("ne", left=left, right=right)


def gt(left: Expr, right: Expr) -> Expr:
    """Create greater than (>) expression."""
    return _node("gt", left=left, right=right)


def ge(left: Expr, right: Expr) -> Expr:
    """Create greater than or equal (>=) expression."""
    return _node("ge", left=left, right=right)


def lt(left: Expr, right: Expr) -> Expr:
    """Create less than (<) expression."""
    return _node("lt", left=left, right=right)


def le(left: Expr, right: Expr) -> Expr:
    """Create less than or equal (<=) expression."""
    return _node("le", left=left, right=right)


def and_(*exprs: Expr) -> Expr:
    """Create logical AND expression."""
    return _node("and", exprs=list(exprs))


def or_(*exprs: Expr) -> Expr:
    """Create logical OR expression."""
    return _node("or", exprs=list(exprs))


def not_(expr: Expr) -> Expr:
    """Create logical NOT expression."""
    return _node("not", expr=expr)


def xor_(*exprs: Expr) -> Expr:
    """Create logical XOR expression."""
    return _node("xor", exprs=list(exprs))


def num_add(*exprs: Expr) -> Expr:
    """Create numeric add expression."""
    return _node("num_add", exprs=list(exprs))


def num_sub(*exprs: Expr) -> Expr:
    """Create numeric subtract expression."""
    return _node("num_sub", exprs=list(exprs))


def num_mul(*exprs: Expr) -> Expr:
    """Create numeric multiply expression."""
    return _node("num_mul", exprs=list(exprs))


def num_div(*exprs: Expr) -> Expr:
    """Create numeric divide expression."""
    return _node("num_div", exprs=list(exprs))


def num_mod(numerator: Expr, denominator: Expr) -> Expr:
    """Create numeric modulo expression."""
    return _node("num_mod", exprs=[numerator, denominator])


def num_pow(base: Expr, exponent: Expr) -> Expr:
    """Create numeric power expression."""
    return _node("num_pow", exprs=[base, exponent])


def num_log(num: Expr, base: Expr) -> Expr:
    """Create numeric log expression."""
    return _node("num_log", exprs=[num, base])


def num_abs(value: Expr) -> Expr:
    """Create numeric absolute value expression."""
    return _node("num_abs", exprs=[value])


def num_floor(num: Expr) -> Expr:
    """Create numeric floor expression."""
    return _node("num_floor", exprs=[num])


def num_ceil(num: Expr) -> Expr:
    """Create numeric ceil expression."""
    return _node("num_ceil", exprs=[num])


def to_int(num: Expr) -> Expr:
    """Create convert-to-integer expression."""
    return _node("to_int", exprs=[num])


def to_float(num: Expr) -> Expr:
    """Create convert-to-float expression."""
    return _node("to_float", exprs=[num])


def min_(*exprs: Expr) -> Expr:
    """Create minimum value expression."""
    return _node("min", exprs=list(exprs))


def max_(*exprs: Expr) -> Expr:
    """Create maximum value expression."""
    return _node("max", exprs=list(exprs))


def int_and(*exprs: Expr) -> Expr:
    """Create integer bitwise AND expression."""
    return _node("int_and", exprs=list(exprs))


def int_or(*exprs: Expr) -> Expr:
    """Create integer bitwise OR expression."""
    return _node("int_or", exprs=list(exprs))


def int_xor(*exprs: Expr) -> Expr:
    """Create integer bitwise XOR expression."""
    return _node("int_xor", exprs=list(exprs))


def int_not(expr: Expr) -> Expr:
    """Create integer bitwise NOT expression."""
    return _node("int_not", exprs=[expr])


def int_lshift(value: Expr, shift: Expr) -> Expr:
    """Create integer left shift expression."""
    return _node("int_lshift", exprs=[value, shift])


def int_rshift(value: Expr, shift: Expr) -> Expr:
    """Create integer logical right shift expression."""
    return _node("int_rshift", exprs=[value, shift])


def int_arshift(value: Expr, shift: Expr) -> Expr:
    """Create integer arithmetic right shift expression."""
    return _node("int_arshift", exprs=[value, shift])


def int_count(expr: Expr) -> Expr:
    """Create integer bit count expression."""
    return _node("int_count", exprs=[expr])


def int_lscan(value: Expr, search: Expr) -> Expr:
    """Create integer scan from MSB expression."""
    return _node("int_lscan", exprs=[value, search])


def int_rscan(value: Expr, search: Expr) -> Expr:
    """Create integer scan from LSB expression."""
    return _node("int_rscan", exprs=[value, search])


def regex_compare(regex: str, flags: int, bin_expr: Expr) -> Expr:
    """Create regex string comparison expression."""
    return _node("regex_compare", regex=regex, flags=flags, bin=bin_expr)


def geo_compare(left: Expr, right: Expr) -> Expr:
    """Create geospatial comparison expression."""
    return _node("geo_compare", left=left, right=right)


def cond(*exprs: Expr) -> Expr:
    """Create conditional expression: cond(bool1, action1, bool2, action2, ..., default)."""
    return _node("cond", exprs=list(exprs))


def var(name: str) -> Expr:
    """Create variable reference expression."""
    return _node("var", name=name)


def def_(name: str, value: Expr) -> Expr:
    """Create variable definition expression (used with let_)."""
    return _node("def", name=name, value=value)


def let_(*exprs: Expr) -> Expr:
    """Create let binding expression: let_(def_("x", ...), def_("y", ...), scope_expr)."""
    return _node("let", exprs=list(exprs))
