"""The profiles every scenario reads: ``p0`` ... ``p999``, written before a run starts."""

from __future__ import annotations

from typing import Any

__all__ = ["KEYS", "profile"]

KEYS = 1000


def profile(i: int) -> dict[str, Any]:
    """The bins of profile ``p{i}`` (a valid ``Profile``)."""
    return {
        "name": f"profile {i}",
        "email": f"p{i}@example.com",
        "age": 42,
        "active": True,
        "score": i,
        "rating": float(i % 5),
    }
