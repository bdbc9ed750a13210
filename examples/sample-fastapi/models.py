"""The profiles service's data: what is stored, sent and read back.

Imports no Aerospike client, so other apps can serve the same shapes (the load-test harness
compares clients behind them).
"""

from __future__ import annotations

from typing import Self

import numpy as np
from pydantic import BaseModel, Field, model_validator

__all__ = [
    "FEATURES",
    "MAX_BATCH",
    "MAX_TTL",
    "PROFILES",
    "Problem",
    "Profile",
    "ProfileChanges",
    "StoredProfile",
]

PROFILES = "profiles"
FEATURES = np.dtype([("score", "i8"), ("rating", "f8")])
MAX_BATCH = 500
MAX_TTL = 315_360_000
"""Ten years in seconds: the most an Aerospike namespace's ``max-ttl`` allows."""
MAX_INT = 2**63 - 1
"""Aerospike integers are signed 64-bit."""


class Problem(BaseModel):
    """An error answer: a stable ``code`` to branch on and a sentence for people."""

    code: str
    detail: str


class Profile(BaseModel):
    """What a client sends to create or replace a profile (``false`` is neither a rating nor 0)."""

    name: str = Field(min_length=1, max_length=100)
    email: str = Field(min_length=3, max_length=200)
    age: int = Field(ge=0, le=150)
    active: bool = Field(default=True, strict=True)
    score: int = Field(default=0, ge=0, le=MAX_INT)
    rating: float = Field(default=0.0, ge=0, le=5, strict=True)


class ProfileChanges(BaseModel):
    """A partial update; only the fields given change, and at least one must be given."""

    name: str | None = Field(default=None, min_length=1, max_length=100)
    email: str | None = Field(default=None, min_length=3, max_length=200)
    age: int | None = Field(default=None, ge=0, le=150)
    active: bool | None = Field(default=None, strict=True)
    score: int | None = Field(default=None, ge=0, le=MAX_INT)
    rating: float | None = Field(default=None, ge=0, le=5, strict=True)

    @model_validator(mode="after")
    def changes_something(self) -> Self:
        if not self.model_dump(exclude_none=True):
            raise ValueError("give at least one field to change")
        return self


class StoredProfile(Profile):
    """A profile as read back, with its generation (the ETag) and remaining TTL."""

    id: str
    generation: int
    ttl: int
