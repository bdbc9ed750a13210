"""Filter expression builders: the server evaluates them and returns only matching records.

Each builder returns a plain dict node (``{"expr": name, "args": [...]}``); pass the root as
``policy={"filter_expression": expr}``. The native core compiles it and rejects unknown nodes.
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


def _node(name: str, *args: Any) -> Expr:
    return {"expr": name, "args": list(args)}


def int_val(val: int) -> Expr:
    """A constant int value."""
    return _node("int_val", val)


def float_val(val: float) -> Expr:
    """A constant float value."""
    return _node("float_val", val)


def string_val(val: str) -> Expr:
    """A constant str value."""
    return _node("string_val", val)


def bool_val(val: bool) -> Expr:
    """A constant bool value."""
    return _node("bool_val", val)


def blob_val(val: bytes) -> Expr:
    """A constant bytes value."""
    return _node("blob_val", val)


def list_val(val: list[Any]) -> Expr:
    """A constant list[Any] value."""
    return _node("list_val", val)


def map_val(val: dict[Any, Any]) -> Expr:
    """A constant dict[Any, Any] value."""
    return _node("map_val", val)


def geo_val(val: str) -> Expr:
    """A constant str value."""
    return _node("geo_val", val)


def nil() -> Expr:
    """The nil value."""
    return _node("nil")


def infinity() -> Expr:
    """The infinity value."""
    return _node("infinity")


def wildcard() -> Expr:
    """The wildcard value."""
    return _node("wildcard")


def key_exists() -> Expr:
    """The record's key exists."""
    return _node("key_exists")


def set_name() -> Expr:
    """The record's set name."""
    return _node("set_name")


def record_size() -> Expr:
    """The record's record size."""
    return _node("record_size")


def last_update() -> Expr:
    """The record's last update."""
    return _node("last_update")


def since_update() -> Expr:
    """The record's since update."""
    return _node("since_update")


def void_time() -> Expr:
    """The record's void time."""
    return _node("void_time")


def ttl() -> Expr:
    """The record's ttl."""
    return _node("ttl")


def is_tombstone() -> Expr:
    """The record's is tombstone."""
    return _node("is_tombstone")


def int_bin(name: str) -> Expr:
    """int bin of bin ``name``."""
    return _node("int_bin", name)


def float_bin(name: str) -> Expr:
    """float bin of bin ``name``."""
    return _node("float_bin", name)


def string_bin(name: str) -> Expr:
    """string bin of bin ``name``."""
    return _node("string_bin", name)


def bool_bin(name: str) -> Expr:
    """bool bin of bin ``name``."""
    return _node("bool_bin", name)


def blob_bin(name: str) -> Expr:
    """blob bin of bin ``name``."""
    return _node("blob_bin", name)


def list_bin(name: str) -> Expr:
    """list bin of bin ``name``."""
    return _node("list_bin", name)


def map_bin(name: str) -> Expr:
    """map bin of bin ``name``."""
    return _node("map_bin", name)


def geo_bin(name: str) -> Expr:
    """geo bin of bin ``name``."""
    return _node("geo_bin", name)


def hll_bin(name: str) -> Expr:
    """hll bin of bin ``name``."""
    return _node("hll_bin", name)


def bin_exists(name: str) -> Expr:
    """bin exists of bin ``name``."""
    return _node("bin_exists", name)


def bin_type(name: str) -> Expr:
    """bin type of bin ``name``."""
    return _node("bin_type", name)


def key(exp_type: int) -> Expr:
    """The record's user key, read as an ``EXP_TYPE_*`` type (needs a stored key)."""
    return _node("key", exp_type)


def digest_modulo(modulo: int) -> Expr:
    """The record digest modulo ``modulo``."""
    return _node("digest_modulo", modulo)


def eq(left: Expr, right: Expr) -> Expr:
    """left == right"""
    return _node("eq", left, right)


def ne(left: Expr, right: Expr) -> Expr:
    """left != right"""
    return _node("ne", left, right)


def gt(left: Expr, right: Expr) -> Expr:
    """left > right"""
    return _node("gt", left, right)


def ge(left: Expr, right: Expr) -> Expr:
    """left >= right"""
    return _node("ge", left, right)


def lt(left: Expr, right: Expr) -> Expr:
    """left < right"""
    return _node("lt", left, right)


def le(left: Expr, right: Expr) -> Expr:
    """left <= right"""
    return _node("le", left, right)


def num_mod(left: Expr, right: Expr) -> Expr:
    """num mod of two expressions."""
    return _node("num_mod", left, right)


def num_pow(left: Expr, right: Expr) -> Expr:
    """num pow of two expressions."""
    return _node("num_pow", left, right)


def num_log(left: Expr, right: Expr) -> Expr:
    """num log of two expressions."""
    return _node("num_log", left, right)


def int_lshift(left: Expr, right: Expr) -> Expr:
    """int lshift of two expressions."""
    return _node("int_lshift", left, right)


def int_rshift(left: Expr, right: Expr) -> Expr:
    """int rshift of two expressions."""
    return _node("int_rshift", left, right)


def int_arshift(left: Expr, right: Expr) -> Expr:
    """int arshift of two expressions."""
    return _node("int_arshift", left, right)


def int_lscan(left: Expr, right: Expr) -> Expr:
    """int lscan of two expressions."""
    return _node("int_lscan", left, right)


def int_rscan(left: Expr, right: Expr) -> Expr:
    """int rscan of two expressions."""
    return _node("int_rscan", left, right)


def geo_compare(left: Expr, right: Expr) -> Expr:
    """geo compare of two expressions."""
    return _node("geo_compare", left, right)


def num_abs(value: Expr) -> Expr:
    """num abs of an expression."""
    return _node("num_abs", value)


def num_floor(value: Expr) -> Expr:
    """num floor of an expression."""
    return _node("num_floor", value)


def num_ceil(value: Expr) -> Expr:
    """num ceil of an expression."""
    return _node("num_ceil", value)


def to_int(value: Expr) -> Expr:
    """to int of an expression."""
    return _node("to_int", value)


def to_float(value: Expr) -> Expr:
    """to float of an expression."""
    return _node("to_float", value)


def int_not(value: Expr) -> Expr:
    """int not of an expression."""
    return _node("int_not", value)


def int_count(value: Expr) -> Expr:
    """int count of an expression."""
    return _node("int_count", value)


def not_(expr: Expr) -> Expr:
    """Logical not."""
    return _node("not", expr)


def and_(*exprs: Expr) -> Expr:
    """and of the expressions."""
    return _node("and", *exprs)


def or_(*exprs: Expr) -> Expr:
    """or of the expressions."""
    return _node("or", *exprs)


def xor_(*exprs: Expr) -> Expr:
    """xor of the expressions."""
    return _node("xor", *exprs)


def num_add(*exprs: Expr) -> Expr:
    """num_add of the expressions."""
    return _node("num_add", *exprs)


def num_sub(*exprs: Expr) -> Expr:
    """num_sub of the expressions."""
    return _node("num_sub", *exprs)


def num_mul(*exprs: Expr) -> Expr:
    """num_mul of the expressions."""
    return _node("num_mul", *exprs)


def num_div(*exprs: Expr) -> Expr:
    """num_div of the expressions."""
    return _node("num_div", *exprs)


def min_(*exprs: Expr) -> Expr:
    """min of the expressions."""
    return _node("min", *exprs)


def max_(*exprs: Expr) -> Expr:
    """max of the expressions."""
    return _node("max", *exprs)


def int_and(*exprs: Expr) -> Expr:
    """int_and of the expressions."""
    return _node("int_and", *exprs)


def int_or(*exprs: Expr) -> Expr:
    """int_or of the expressions."""
    return _node("int_or", *exprs)


def int_xor(*exprs: Expr) -> Expr:
    """int_xor of the expressions."""
    return _node("int_xor", *exprs)


def cond(*exprs: Expr) -> Expr:
    """cond of the expressions."""
    return _node("cond", *exprs)


def let_(*exprs: Expr) -> Expr:
    """let of the expressions."""
    return _node("let", *exprs)


def regex_compare(regex: str, flags: int, bin_expr: Expr) -> Expr:
    """True when the string expression matches ``regex``."""
    return _node("regex_compare", regex, flags, bin_expr)


def var(name: str) -> Expr:
    """The value of a variable defined by ``def_``."""
    return _node("var", name)


def def_(name: str, value: Expr) -> Expr:
    """Defines a variable for ``let_``."""
    return _node("def", name, value)
