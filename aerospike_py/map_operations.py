"""Map (CDT) operations for ``operate``, ``operate_ordered`` and ``batch_operate``.

``policy`` is ``{"order": MAP_*, "write_mode": MAP_UPDATE/..., "flags": MAP_WRITE_FLAGS_*}``;
``return_type`` a ``MAP_RETURN_*``.
"""

from __future__ import annotations

from typing import Any

from aerospike_py._cdt import Operation, cdt_op

__all__ = [
    "Operation",
    "map_clear",
    "map_decrement",
    "map_get_by_index",
    "map_get_by_index_range",
    "map_get_by_key",
    "map_get_by_key_list",
    "map_get_by_key_range",
    "map_get_by_rank",
    "map_get_by_rank_range",
    "map_get_by_value",
    "map_get_by_value_list",
    "map_get_by_value_range",
    "map_increment",
    "map_put",
    "map_put_items",
    "map_remove_by_index",
    "map_remove_by_index_range",
    "map_remove_by_key",
    "map_remove_by_key_list",
    "map_remove_by_key_range",
    "map_remove_by_rank",
    "map_remove_by_rank_range",
    "map_remove_by_value",
    "map_remove_by_value_list",
    "map_remove_by_value_range",
    "map_set_order",
    "map_size",
]


def map_set_order(bin: str, map_order: int) -> Operation:
    """Sets the map order (``MAP_UNORDERED``, ``MAP_KEY_ORDERED``, ...)."""
    return cdt_op("map_set_order", bin, map_order=map_order)


def map_put(bin: str, key: Any, val: Any, policy: dict[str, int] | None = None) -> Operation:
    """Puts ``key: val``."""
    return cdt_op("map_put", bin, key=key, val=val, map_policy=policy)


def map_put_items(
    bin: str, items: dict[Any, Any], policy: dict[str, int] | None = None
) -> Operation:
    """Puts every item."""
    return cdt_op("map_put_items", bin, items=items, map_policy=policy)


def map_increment(bin: str, key: Any, incr: Any, policy: dict[str, int] | None = None) -> Operation:
    """Adds ``incr`` to the value of ``key``."""
    return cdt_op("map_increment", bin, key=key, val=incr, map_policy=policy)


def map_decrement(bin: str, key: Any, decr: Any, policy: dict[str, int] | None = None) -> Operation:
    """Subtracts ``decr`` from the value of ``key``."""
    return cdt_op("map_decrement", bin, key=key, val=decr, map_policy=policy)


def map_clear(bin: str) -> Operation:
    """Removes every item."""
    return cdt_op("map_clear", bin)


def map_size(bin: str) -> Operation:
    """Returns the item count."""
    return cdt_op("map_size", bin)


def map_remove_by_key(bin: str, key: Any, return_type: int) -> Operation:
    """Removes ``key``."""
    return cdt_op("map_remove_by_key", bin, key=key, return_type=return_type)


def map_remove_by_key_list(bin: str, keys: list[Any], return_type: int) -> Operation:
    """Removes every key of ``keys``."""
    return cdt_op("map_remove_by_key_list", bin, keys=keys, return_type=return_type)


def map_remove_by_key_range(bin: str, begin: Any, end: Any, return_type: int) -> Operation:
    """Removes keys in ``[begin, end)``."""
    return cdt_op("map_remove_by_key_range", bin, begin=begin, end=end, return_type=return_type)


def map_remove_by_value(bin: str, val: Any, return_type: int) -> Operation:
    """Removes items whose value is ``val``."""
    return cdt_op("map_remove_by_value", bin, val=val, return_type=return_type)


def map_remove_by_value_list(bin: str, values: list[Any], return_type: int) -> Operation:
    """Removes items whose value is in ``values``."""
    return cdt_op("map_remove_by_value_list", bin, values=values, return_type=return_type)


def map_remove_by_value_range(bin: str, begin: Any, end: Any, return_type: int) -> Operation:
    """Removes items whose value is in ``[begin, end)``."""
    return cdt_op("map_remove_by_value_range", bin, begin=begin, end=end, return_type=return_type)


def map_remove_by_index(bin: str, index: int, return_type: int) -> Operation:
    """Removes the item at ``index`` (key order)."""
    return cdt_op("map_remove_by_index", bin, index=index, return_type=return_type)


def map_remove_by_index_range(
    bin: str, index: int, return_type: int, count: int | None = None
) -> Operation:
    """Removes ``count`` items (or all) from ``index``."""
    return cdt_op(
        "map_remove_by_index_range", bin, index=index, return_type=return_type, count=count
    )


def map_remove_by_rank(bin: str, rank: int, return_type: int) -> Operation:
    """Removes the item of value ``rank``."""
    return cdt_op("map_remove_by_rank", bin, rank=rank, return_type=return_type)


def map_remove_by_rank_range(
    bin: str, rank: int, return_type: int, count: int | None = None
) -> Operation:
    """Removes ``count`` items (or all) from ``rank``."""
    return cdt_op("map_remove_by_rank_range", bin, rank=rank, return_type=return_type, count=count)


def map_get_by_key(bin: str, key: Any, return_type: int) -> Operation:
    """Selects ``key``."""
    return cdt_op("map_get_by_key", bin, key=key, return_type=return_type)


def map_get_by_key_list(bin: str, keys: list[Any], return_type: int) -> Operation:
    """Selects every key of ``keys``."""
    return cdt_op("map_get_by_key_list", bin, keys=keys, return_type=return_type)


def map_get_by_key_range(bin: str, begin: Any, end: Any, return_type: int) -> Operation:
    """Selects keys in ``[begin, end)``."""
    return cdt_op("map_get_by_key_range", bin, begin=begin, end=end, return_type=return_type)


def map_get_by_value(bin: str, val: Any, return_type: int) -> Operation:
    """Selects items whose value is ``val``."""
    return cdt_op("map_get_by_value", bin, val=val, return_type=return_type)


def map_get_by_value_list(bin: str, values: list[Any], return_type: int) -> Operation:
    """Selects items whose value is in ``values``."""
    return cdt_op("map_get_by_value_list", bin, values=values, return_type=return_type)


def map_get_by_value_range(bin: str, begin: Any, end: Any, return_type: int) -> Operation:
    """Selects items whose value is in ``[begin, end)``."""
    return cdt_op("map_get_by_value_range", bin, begin=begin, end=end, return_type=return_type)


def map_get_by_index(bin: str, index: int, return_type: int) -> Operation:
    """Selects the item at ``index`` (key order)."""
    return cdt_op("map_get_by_index", bin, index=index, return_type=return_type)


def map_get_by_index_range(
    bin: str, index: int, return_type: int, count: int | None = None
) -> Operation:
    """Selects ``count`` items (or all) from ``index``."""
    return cdt_op("map_get_by_index_range", bin, index=index, return_type=return_type, count=count)


def map_get_by_rank(bin: str, rank: int, return_type: int) -> Operation:
    """Selects the item of value ``rank``."""
    return cdt_op("map_get_by_rank", bin, rank=rank, return_type=return_type)


def map_get_by_rank_range(
    bin: str, rank: int, return_type: int, count: int | None = None
) -> Operation:
    """Selects ``count`` items (or all) from ``rank``."""
    return cdt_op("map_get_by_rank_range", bin, rank=rank, return_type=return_type, count=count)
