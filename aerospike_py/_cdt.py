"""The operation dict shared by the list and map operation builders."""

from __future__ import annotations

from typing import Any

Operation = dict[str, Any]


def cdt_op(name: str, bin: str, **fields: Any) -> Operation:
    """An operation dict; fields left as None are omitted."""
    op: Operation = {"op": name, "bin": bin}
    op.update({k: v for k, v in fields.items() if v is not None})
    return op
