"""The profiles service's data: what is stored, sent and read back.

Imports no Aerospike client, so other apps can serve the same shapes (the load-test harness
compares clients behind them).
"""

from __future__ import annotations

from typing import Annotated, Self

import numpy as np
from pydantic import BaseModel, Field, model_validator

__all__ = [
    "FEATURES",
    "MAX_BATCH",
    "MAX_TTL",
    "PROFILES",
    "Problem",
    "ProblemItem",
    "Profile",
    "ProfileChanges",
    "StoredProfile",
]

PROFILES = "profiles"
FEATURES = np.dtype([("score", "i8"), ("rating", "f8")])
MAX_BATCH = 500
MAX_TTL = 315_360_000
"""Ten years in seconds: the most an Aerospike namespace's ``max-ttl`` allows."""
NEVER_EXPIRES = 0xFFFFFFFF
"""The TTL a read reports for a record that never expires (the server's own value)."""
MAX_INT = 2**63 - 1
"""Aerospike integers are signed 64-bit."""


class ProblemItem(BaseModel):
    """One error: a stable ``type`` to branch on and a sentence ``msg`` for people."""

    type: str
    msg: str


class Problem(BaseModel):
    """An error answer, shaped as FastAPI answers invalid input (422), so callers parse every
    error of the service one way."""

    detail: list[ProblemItem]


# A profile's fields, shared by the whole profile and a partial update of it.
Name = Annotated[str, Field(min_length=1, max_length=100)]
Email = Annotated[str, Field(min_length=3, max_length=200)]
Age = Annotated[int, Field(ge=0, le=150)]
Flag = Annotated[bool, Field(strict=True)]
Score = Annotated[int, Field(ge=0, le=MAX_INT)]
Rating = Annotated[float, Field(ge=0, le=5, strict=True)]


class Profile(BaseModel):
    """What a client sends to create or replace a profile (``false`` is neither a rating nor 0)."""

    name: Name
    email: Email
    age: Age
    active: Flag = True
    score: Score = 0
    rating: Rating = 0.0


class ProfileChanges(BaseModel):
    """A partial update; only the fields given change, and at least one must be given."""

    name: Name | None = None
    email: Email | None = None
    age: Age | None = None
    active: Flag | None = None
    score: Score | None = None
    rating: Rating | None = None

    @model_validator(mode="after")
    def changes_something(self) -> Self:
        if not self.model_dump(exclude_none=True):
            raise ValueError("give at least one field to change")
        return self


class StoredProfile(Profile):
    """A profile as read back, with its generation (the ETag) and remaining TTL."""

    id: str
    generation: int
    ttl: int | None = Field(description="Seconds left to live; null: never expires")
