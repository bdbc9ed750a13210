"""List (CDT) operations for ``operate``, ``operate_ordered`` and ``batch_operate``.

``policy`` is ``{"order": LIST_*, "flags": LIST_WRITE_*}``; ``return_type`` a ``LIST_RETURN_*``.
"""

from __future__ import annotations

from typing import Any

from aerospike_py._cdt import Operation, cdt_op

__all__ = [
    "Operation",
    "list_append",
    "list_append_items",
    "list_clear",
    "list_get",
    "list_get_by_index",
    "list_get_by_index_range",
    "list_get_by_rank",
    "list_get_by_rank_range",
    "list_get_by_value",
    "list_get_by_value_list",
    "list_get_by_value_range",
    "list_get_range",
    "list_increment",
    "list_insert",
    "list_insert_items",
    "list_pop",
    "list_pop_range",
    "list_remove",
    "list_remove_by_index",
    "list_remove_by_index_range",
    "list_remove_by_rank",
    "list_remove_by_rank_range",
    "list_remove_by_value",
    "list_remove_by_value_list",
    "list_remove_by_value_range",
    "list_remove_range",
    "list_set",
    "list_set_order",
    "list_size",
    "list_sort",
    "list_trim",
]


def list_append(bin: str, val: Any, policy: dict[str, int] | None = None) -> Operation:
    """Appends ``val`` to the list."""
    return cdt_op("list_append", bin, val=val, list_policy=policy)


def list_append_items(
    bin: str, values: list[Any], policy: dict[str, int] | None = None
) -> Operation:
    """Appends every item of ``values``."""
    return cdt_op("list_append_items", bin, values=values, list_policy=policy)


def list_insert(bin: str, index: int, val: Any, policy: dict[str, int] | None = None) -> Operation:
    """Inserts ``val`` at ``index``."""
    return cdt_op("list_insert", bin, index=index, val=val, list_policy=policy)


def list_insert_items(
    bin: str, index: int, values: list[Any], policy: dict[str, int] | None = None
) -> Operation:
    """Inserts ``values`` at ``index``."""
    return cdt_op("list_insert_items", bin, index=index, values=values, list_policy=policy)


def list_pop(bin: str, index: int) -> Operation:
    """Removes and returns the item at ``index``."""
    return cdt_op("list_pop", bin, index=index)


def list_pop_range(bin: str, index: int, count: int) -> Operation:
    """Removes and returns ``count`` items from ``index``."""
    return cdt_op("list_pop_range", bin, index=index, count=count)


def list_remove(bin: str, index: int) -> Operation:
    """Removes the item at ``index``."""
    return cdt_op("list_remove", bin, index=index)


def list_remove_range(bin: str, index: int, count: int) -> Operation:
    """Removes ``count`` items from ``index``."""
    return cdt_op("list_remove_range", bin, index=index, count=count)


def list_set(bin: str, index: int, val: Any) -> Operation:
    """Sets the item at ``index``."""
    return cdt_op("list_set", bin, index=index, val=val)


def list_trim(bin: str, index: int, count: int) -> Operation:
    """Keeps only ``count`` items from ``index``."""
    return cdt_op("list_trim", bin, index=index, count=count)


def list_clear(bin: str) -> Operation:
    """Removes every item."""
    return cdt_op("list_clear", bin)


def list_size(bin: str) -> Operation:
    """Returns the item count."""
    return cdt_op("list_size", bin)


def list_get(bin: str, index: int) -> Operation:
    """Returns the item at ``index``."""
    return cdt_op("list_get", bin, index=index)


def list_get_range(bin: str, index: int, count: int) -> Operation:
    """Returns ``count`` items from ``index``."""
    return cdt_op("list_get_range", bin, index=index, count=count)


def list_get_by_value(bin: str, val: Any, return_type: int) -> Operation:
    """Selects items equal to ``val``."""
    return cdt_op("list_get_by_value", bin, val=val, return_type=return_type)


def list_get_by_value_list(bin: str, values: list[Any], return_type: int) -> Operation:
    """Selects items equal to any of ``values``."""
    return cdt_op("list_get_by_value_list", bin, values=values, return_type=return_type)


def list_get_by_value_range(bin: str, begin: Any, end: Any, return_type: int) -> Operation:
    """Selects items in ``[begin, end)``."""
    return cdt_op("list_get_by_value_range", bin, begin=begin, end=end, return_type=return_type)


def list_get_by_index(bin: str, index: int, return_type: int) -> Operation:
    """Selects the item at ``index``."""
    return cdt_op("list_get_by_index", bin, index=index, return_type=return_type)


def list_get_by_index_range(
    bin: str, index: int, return_type: int, count: int | None = None
) -> Operation:
    """Selects ``count`` items (or all) from ``index``."""
    return cdt_op("list_get_by_index_range", bin, index=index, return_type=return_type, count=count)


def list_get_by_rank(bin: str, rank: int, return_type: int) -> Operation:
    """Selects the item of ``rank``."""
    return cdt_op("list_get_by_rank", bin, rank=rank, return_type=return_type)


def list_get_by_rank_range(
    bin: str, rank: int, return_type: int, count: int | None = None
) -> Operation:
    """Selects ``count`` items (or all) from ``rank``."""
    return cdt_op("list_get_by_rank_range", bin, rank=rank, return_type=return_type, count=count)


def list_remove_by_value(bin: str, val: Any, return_type: int) -> Operation:
    """Removes items equal to ``val``."""
    return cdt_op("list_remove_by_value", bin, val=val, return_type=return_type)


def list_remove_by_value_list(bin: str, values: list[Any], return_type: int) -> Operation:
    """Removes items equal to any of ``values``."""
    return cdt_op("list_remove_by_value_list", bin, values=values, return_type=return_type)


def list_remove_by_value_range(bin: str, begin: Any, end: Any, return_type: int) -> Operation:
    """Removes items in ``[begin, end)``."""
    return cdt_op("list_remove_by_value_range", bin, begin=begin, end=end, return_type=return_type)


def list_remove_by_index(bin: str, index: int, return_type: int) -> Operation:
    """Removes the item at ``index``."""
    return cdt_op("list_remove_by_index", bin, index=index, return_type=return_type)


def list_remove_by_index_range(
    bin: str, index: int, return_type: int, count: int | None = None
) -> Operation:
    """Removes ``count`` items (or all) from ``index``."""
    return cdt_op(
        "list_remove_by_index_range", bin, index=index, return_type=return_type, count=count
    )


def list_remove_by_rank(bin: str, rank: int, return_type: int) -> Operation:
    """Removes the item of ``rank``."""
    return cdt_op("list_remove_by_rank", bin, rank=rank, return_type=return_type)


def list_remove_by_rank_range(
    bin: str, rank: int, return_type: int, count: int | None = None
) -> Operation:
    """Removes ``count`` items (or all) from ``rank``."""
    return cdt_op("list_remove_by_rank_range", bin, rank=rank, return_type=return_type, count=count)


def list_increment(
    bin: str, index: int, val: int, policy: dict[str, int] | None = None
) -> Operation:
    """Adds ``val`` to the integer at ``index``."""
    return cdt_op("list_increment", bin, index=index, val=val, list_policy=policy)


def list_sort(bin: str, sort_flags: int = 0) -> Operation:
    """Sorts the list (``LIST_SORT_*``)."""
    return cdt_op("list_sort", bin, sort_flags=sort_flags)


def list_set_order(bin: str, list_order: int = 0) -> Operation:
    """Makes the list ordered or unordered (``LIST_ORDERED``)."""
    return cdt_op("list_set_order", bin, list_order=list_order)
