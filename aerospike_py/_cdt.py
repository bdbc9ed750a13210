"""The operation dict shared by the list, map, bit and HLL builders, and their policies."""

from __future__ import annotations

from typing import Any, TypedDict

Operation = dict[str, Any]
"""An operation for ``operate``: ``{"op": code, "bin": name, ...}`` as aerospike-py builds it."""


class ListPolicy(TypedDict, total=False):
    """``order``: ``LIST_UNORDERED``/``LIST_ORDERED``; ``flags``: ``LIST_WRITE_*``."""

    order: int
    flags: int


class MapPolicy(TypedDict, total=False):
    """``order``: ``MAP_*`` order; ``write_mode``: ``MAP_UPDATE``/...; or ``flags``."""

    order: int
    write_mode: int
    flags: int


class HLLPolicy(TypedDict, total=False):
    """``flags``: ``HLL_WRITE_*``."""

    flags: int


def cdt_op(code: int, bin: str, /, **fields: Any) -> Operation:
    """The operation dict of ``code`` on ``bin``."""
    return {"op": code, "bin": bin, **fields}


def given(**fields: Any) -> dict[str, Any]:
    """The optional fields that were given: aerospike-py leaves the others out of the dict."""
    return {key: value for key, value in fields.items() if value is not None}
