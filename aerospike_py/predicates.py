"""Secondary-index predicates for ``Query.where``."""

from __future__ import annotations

__all__ = ["between", "equals"]


def equals(bin_name: str, val: int | str) -> tuple[str, str, int | str]:
    """Records whose indexed bin equals ``val`` (needs an integer or string index on the bin)."""
    return ("equals", bin_name, val)


def between(bin_name: str, min_val: int, max_val: int) -> tuple[str, str, int, int]:
    """Records whose indexed integer bin lies in ``[min_val, max_val]``."""
    return ("between", bin_name, min_val, max_val)
